;;; X.509 handshakes between our client and our server in forked pairs:
;;; TLS 1.3 and TLS 1.2, server and client certificates, certificate
;;; chains, and credentials kept alive by the sessions that use them.

(use-modules (srfi srfi-64)
             (srfi srfi-11)
             (ice-9 match)
             (test-support)
             (test-certificates)
             (gnutls))

(define (session-summary session)
  "What a server reports about SESSION: the peer's certificate status (as
strings), the DNs of the peer's chain and the length of its own chain."
  (list (map certificate-status->string (peer-certificate-status* session))
        (map certificate-dn (session-peer-certificate-chain session))
        (length (session-our-certificate-chain session))))

(define (peer-certificate-status* session)
  ;; Without a peer certificate there is nothing to verify.
  (if (null? (session-peer-certificate-chain session))
      '()
      (peer-certificate-status session)))

(test-begin "x509-handshake")

(call-with-test-pki
 (lambda (pki)
   (define (server-credentials . options)
     (apply make-certificate-credentials/server pki options))
   (define (client-credentials . options)
     (apply make-certificate-credentials/client pki options))

   (define (exchange server-peer client-credentials priorities . client-options)
     "Run SERVER-PEER in a child and a client in this process; return the
client session, the server's report and the child's exit status."
     (let-values (((result status)
                   (call-with-forked-peer
                    server-peer
                    (lambda (socket)
                      (let ((session (apply x509-client-handshake socket client-credentials
                                            #:priorities priorities client-options)))
                        (list session (read-server-report session)))))))
       (values (car result) (cadr result) status)))

   (for-each
    (match-lambda
      ((version-name priorities protocol)
       (test-group version-name
         (let-values (((session report status)
                       (exchange (x509-server-peer (server-credentials)
                                                   #:priorities priorities
                                                   #:report session-summary)
                                 (client-credentials) priorities
                                 #:server-name "localhost")))
           (test-eqv "server exit status" 0 status)
           (test-eq "protocol" protocol (session-protocol session))
           (test-eq "certificate type" certificate-type/x509 (session-certificate-type session))
           (test-eq "authentication" credentials/certificate
             (session-authentication-type session))
           (test-equal "valid chain: empty status" '() (peer-certificate-status session))
           (test-equal "peer chain" '("O=Test PKI,CN=localhost")
             (map certificate-dn (session-peer-certificate-chain session)))
           (test-assert "peer certificate matches the host"
             (x509-certificate-matches-hostname?
              (import-x509-certificate (car (session-peer-certificate-chain session))
                                       x509-certificate-format/der)
              "localhost"))
           (test-equal "client presented no certificate" '()
             (session-our-certificate-chain session))
           (test-equal "server's view: no client certificate, its own chain of one"
             '(() () 1) report))

         (let-values (((session report status)
                       (exchange (x509-server-peer (server-credentials #:trust 'ca-cert)
                                                   #:priorities priorities
                                                   #:request certificate-request/require
                                                   #:report session-summary)
                                 (client-credentials #:certificate 'client-cert
                                                     #:key 'client-key)
                                 priorities)))
           (test-eqv "client certificate: server exit status" 0 status)
           (test-equal "client certificate: the server verified it"
             '(() ("CN=Test client") 1) report)
           (test-equal "client certificate: our chain" '("CN=Test client")
             (map certificate-dn (session-our-certificate-chain session))))

         (let-values (((session report status)
                       (exchange (x509-server-peer (server-credentials #:trust 'ca-cert)
                                                   #:priorities priorities
                                                   #:request certificate-request/request
                                                   #:report session-summary)
                                 (client-credentials) priorities)))
           (test-equal "certificate requested, none given" '(() () 1) report)
           (test-eqv "certificate requested, none given: server exit status" 0 status)))))
    `(("TLS 1.3" ,tls13-priorities ,protocol/tls-1.3)
      ("TLS 1.2" ,tls12-priorities ,protocol/tls-1.2)))

   (test-group "client certificate required, none given (TLS 1.2)"
     (let-values (((result status)
                   (call-with-forked-peer
                    (x509-server-peer (server-credentials #:trust 'ca-cert)
                                      #:priorities tls12-priorities
                                      #:request certificate-request/require)
                    (lambda (socket)
                      (catch 'gnutls-error
                        (lambda ()
                          (x509-client-handshake socket (client-credentials)
                                                 #:priorities tls12-priorities)
                          'handshake-succeeded)
                        (lambda (key error . _) error))))))
       (test-assert "the client's handshake fails" (not (eq? result 'handshake-succeeded)))
       (test-eqv "the server's handshake fails" handshake-failure-status status)))

   (test-group "certificate chain from objects"
     (let* ((read-cert (lambda (name)
                         (import-x509-certificate (read-file-bytes (pki-file pki name))
                                                  x509-certificate-format/pem)))
            (credentials (make-certificate-credentials)))
       (set-certificate-credentials-x509-keys!
        credentials (list (read-cert 'server-cert) (read-cert 'ca-cert))
        (import-x509-private-key (read-file-bytes (pki-file pki 'server-key))
                                 x509-certificate-format/pem))
       (let-values (((session report status)
                     (exchange (x509-server-peer credentials)
                               (client-credentials) tls13-priorities)))
         (test-eqv "server exit status" 0 status)
         (test-equal "the peer sent its chain, its own certificate first"
           '("O=Test PKI,CN=localhost" "O=Test PKI,CN=Test CA")
           (map certificate-dn (session-peer-certificate-chain session)))
         (test-equal "valid chain" '() (peer-certificate-status session)))))

   (test-group "credentials from data"
     (let ((server (make-certificate-credentials))
           (client (make-certificate-credentials)))
       (set-certificate-credentials-x509-key-data! server
                                                   (read-file-bytes (pki-file pki 'server-cert))
                                                   (read-file-bytes (pki-file pki 'server-key))
                                                   x509-certificate-format/pem)
       (set-certificate-credentials-x509-trust-data! client
                                                     (read-file-bytes (pki-file pki 'ca-cert))
                                                     x509-certificate-format/pem)
       (let-values (((session report status)
                     (exchange (x509-server-peer server #:priorities tls12-priorities)
                               client tls12-priorities)))
         (test-eqv "server exit status" 0 status)
         (test-equal "valid chain" '() (peer-certificate-status session)))))

   (test-group "sessions keep their credentials alive"
     (let-values (((result status)
                   (call-with-forked-peer
                    (lambda (socket)
                      ;; Nothing but the session refers to the credentials.
                      (let ((session (make-x509-session
                                      connection-end/server
                                      (make-certificate-credentials/server pki)
                                      #:fd socket)))
                        (gc) (gc)
                        (handshake session)))
                    (lambda (socket)
                      (let ((session (make-x509-session connection-end/client
                                                        (make-certificate-credentials/client pki)
                                                        #:port socket)))
                        (gc) (gc)
                        (handshake session)
                        (peer-certificate-status session))))))
       (test-equal "handshake over a port after GC, valid chain" '() result)
       (test-eqv "server exit status" 0 status)))

   (test-group "without a handshake"
     (let ((session (make-session connection-end/client)))
       (test-equal "no peer chain yet" '() (session-peer-certificate-chain session))
       (test-equal "no chain of ours yet" '() (session-our-certificate-chain session))
       (test-assert "certificate request on a session"
         (begin
           (set-server-session-certificate-request! (make-session connection-end/server)
                                                    certificate-request/ignore)
           #t))
       (test-assert "certificate request: wrong type"
         (catch 'wrong-type-arg
           (lambda ()
             (set-server-session-certificate-request! session 'require)
             #f)
           (const #t)))
       (test-equal "peer certificate status before a handshake is a gnutls-error"
         'gnutls-error
         (catch #t
           (lambda () (peer-certificate-status session) 'no-error)
           (lambda (key . _) key)))))))

(test-end "x509-handshake")
(test-exit)
