;;; Verifying peers: peer-certificate-status for a valid chain, an unknown
;;; CA, an expired, a revoked and a wrong-host certificate, and the
;;; handshake's own verification (set-session-peer-verification!), which
;;; fails with the certificate-status reasons and tells the peer why with
;;; an alert.

(use-modules (srfi srfi-64)
             (srfi srfi-1)
             (srfi srfi-11)
             (ice-9 match)
             (test-support)
             (test-certificates)
             (gnutls))

(define (statuses-include? expected statuses)
  "True if every certificate-status/ value of EXPECTED is in STATUSES."
  (lset<= eq? expected statuses))

(test-begin "verification")

(call-with-test-pki
 (lambda (pki)
   (define (server-peer certificate key . options)
     (apply x509-server-peer
            (make-certificate-credentials/server pki #:certificate certificate #:key key)
            options))

   (define (client-verifying-peer . options)
     "A server that requires a client certificate from the test CA and
verifies it in the handshake.  TLS 1.2: under TLS 1.3 the client's
handshake ends before the server has checked the client's certificate."
     (apply x509-server-peer (make-certificate-credentials/server pki #:trust 'ca-cert)
            #:priorities tls12-priorities
            #:request certificate-request/require
            #:verify #t
            options))

   (define* (client-status certificate key #:key (credentials (make-certificate-credentials/client pki))
                           (priorities tls13-priorities))
     "Handshake with a server presenting CERTIFICATE and KEY, without
verification in the handshake; return the client's peer-certificate-status
and the server's exit status."
     (call-with-forked-peer
      (server-peer certificate key #:priorities priorities)
      (lambda (socket)
        (let ((session (x509-client-handshake socket credentials #:priorities priorities)))
          (let ((status (peer-certificate-status session)))
            (read-server-report session)
            status)))))

   (define* (verifying-handshake certificate key verify #:key (priorities tls13-priorities))
     "Handshake with a server presenting CERTIFICATE and KEY, the client
verifying it in the handshake as VERIFY says; return 'ok, or the error
arguments of the failed handshake, and the server's exit status."
     (call-with-forked-peer
      (server-peer certificate key #:priorities priorities)
      (lambda (socket)
        (catch 'gnutls-error
          (lambda ()
            (let ((session (x509-client-handshake socket (make-certificate-credentials/client pki)
                                                  #:priorities priorities
                                                  #:server-name "localhost"
                                                  #:verify verify)))
              (read-server-report session)
              'ok))
          (lambda (key . args) args)))))

   (test-group "peer-certificate-status"
     (let-values (((status exit) (client-status 'server-cert 'server-key)))
       (test-equal "valid chain" '() status)
       (test-eqv "valid chain: server" 0 exit))
     (let-values (((status exit) (client-status 'server-cert 'server-key
                                                #:priorities tls12-priorities)))
       (test-equal "valid chain, TLS 1.2" '() status))
     (let-values (((status exit) (client-status 'unknown-cert 'unknown-key)))
       (test-assert "unknown CA"
         (statuses-include? (list certificate-status/invalid certificate-status/signer-not-found)
                            status))
       (test-assert "unknown CA: not called expired" (not (memq certificate-status/expired status)))
       (test-eqv "unknown CA: server" 0 exit))
     (let-values (((status exit) (client-status 'expired-cert 'expired-key)))
       (test-assert "expired"
         (statuses-include? (list certificate-status/invalid certificate-status/expired) status))
       (test-assert "expired: signer found"
         (not (memq certificate-status/signer-not-found status))))
     (let-values (((status exit) (client-status 'expired-cert 'expired-key
                                                #:priorities tls12-priorities)))
       (test-assert "expired, TLS 1.2" (memq certificate-status/expired status)))
     (let-values (((status exit)
                   (client-status 'expired-cert 'expired-key
                                  #:credentials
                                  (let ((c (make-certificate-credentials/client pki)))
                                    (set-certificate-credentials-verify-flags!
                                     c certificate-verify/disable-time-checks)
                                    c))))
       (test-equal "expired, time checks disabled" '() status))
     (let-values (((status exit) (client-status 'wronghost-cert 'wronghost-key)))
       ;; peer-certificate-status checks the chain, not the host name.
       (test-equal "wrong host: the chain itself is valid" '() status))
     (let-values (((status exit)
                   (client-status 'unknown-cert 'unknown-key
                                  #:credentials (make-certificate-credentials/client
                                                 pki #:trust 'unknown-ca-cert))))
       (test-equal "trusting the other CA makes its certificate valid" '() status))
     (let-values (((status exit)
                   (client-status 'server-cert 'server-key
                                  #:credentials (make-certificate-credentials/client
                                                 pki #:trust #f))))
       (test-assert "no trusted CA at all" (memq certificate-status/signer-not-found status))))

   (test-group "revocation"
     (let ((crl (string-append (pki-directory pki) "/revoked-server.crl")))
       (call-with-output-file (string-append (pki-directory pki) "/crl.tmpl")
         (lambda (port) (display "crl_next_update = 365\ncrl_number = 1\n" port)))
       (run-certtool (pki-directory pki) "--generate-crl"
                     "--load-ca-privkey" (pki-file pki 'ca-key)
                     "--load-ca-certificate" (pki-file pki 'ca-cert)
                     "--load-certificate" (pki-file pki 'server-cert)
                     "--template" (string-append (pki-directory pki) "/crl.tmpl")
                     "--outfile" crl)
       (let-values (((status exit)
                     (client-status 'server-cert 'server-key
                                    #:credentials
                                    (let ((c (make-certificate-credentials/client pki)))
                                      (set-certificate-credentials-x509-crl-file!
                                       c crl x509-certificate-format/pem)
                                      c))))
         (test-assert "revoked" (memq certificate-status/revoked status)))
       (let-values (((status exit) (client-status 'wronghost-cert 'wronghost-key
                                                  #:credentials
                                                  (let ((c (make-certificate-credentials/client pki)))
                                                    (set-certificate-credentials-x509-crl-file!
                                                     c crl x509-certificate-format/pem)
                                                    c))))
         (test-equal "a certificate not on the CRL stays valid" '() status))))

   (test-group "verification in the handshake"
     (let-values (((result exit) (verifying-handshake 'server-cert 'server-key "localhost")))
       (test-eq "valid certificate for the host" 'ok result)
       (test-eqv "valid certificate for the host: server" 0 exit))
     (let-values (((result exit) (verifying-handshake 'server-cert 'server-key "127.0.0.1")))
       (test-eq "valid certificate for the IP address" 'ok result))
     (let-values (((result exit) (verifying-handshake 'wronghost-cert 'wronghost-key #t)))
       (test-eq "no host name: the chain alone is checked" 'ok result))
     (for-each
      (match-lambda
        ((name certificate key priorities expected)
         (let-values (((result exit) (verifying-handshake certificate key "localhost"
                                                          #:priorities priorities)))
           (test-match name result
             ((error 'handshake (? list? statuses))
              (and (eq? error error/certificate-verification-error)
                   (statuses-include? expected statuses))))
           (test-eqv (string-append name ": the server's handshake fails too")
             handshake-failure-status exit))))
      `(("wrong host" wronghost-cert wronghost-key ,tls13-priorities
         (,certificate-status/invalid ,certificate-status/unexpected-owner))
        ("wrong host, TLS 1.2" wronghost-cert wronghost-key ,tls12-priorities
         (,certificate-status/unexpected-owner))
        ("unknown CA" unknown-cert unknown-key ,tls13-priorities
         (,certificate-status/invalid ,certificate-status/signer-not-found))
        ("expired" expired-cert expired-key ,tls13-priorities
         (,certificate-status/invalid ,certificate-status/expired))
        ("expired, TLS 1.2" expired-cert expired-key ,tls12-priorities
         (,certificate-status/expired))))
     (test-assert "the error prints its reasons"
       (let-values (((result exit) (verifying-handshake 'expired-cert 'expired-key "localhost")))
         (let ((text (call-with-output-string
                       (lambda (port)
                         (print-exception port #f 'gnutls-error result)))))
           (string-contains text "expired")))))

   (test-group "the server verifies the client"
     (define (client-with certificate key)
       (lambda (socket)
         (catch 'gnutls-error
           (lambda ()
             (let ((session (x509-client-handshake
                             socket
                             (make-certificate-credentials/client pki #:certificate certificate
                                                                  #:key key)
                             #:priorities tls12-priorities)))
               (read-server-report session)))
           (lambda (key . args) 'failed))))
     (let-values (((result exit)
                   (call-with-forked-peer
                    (client-verifying-peer
                     #:report (lambda (session)
                                (map certificate-status->string
                                     (peer-certificate-status session))))
                    (client-with 'client-cert 'client-key))))
       (test-equal "a client from the CA is accepted" '() result)
       (test-eqv "a client from the CA: server" 0 exit))
     (let-values (((result exit)
                   (call-with-forked-peer
                    (client-verifying-peer)
                    ;; Issued by the CA the server names, so the client sends it.
                    (client-with 'expired-cert 'expired-key))))
       (test-eq "an expired client certificate is refused" 'failed result)
       (test-eqv "an expired client certificate: the server's handshake fails"
         handshake-failure-status exit)))

   (test-group "the peer learns why the handshake failed"
     ;; A failed handshake sends the peer the appropriate alert, so its
     ;; handshake fails with fatal-alert-received and alert-get says why,
     ;; instead of finding the connection gone.
     (define (alert-or-error session thunk)
       (catch 'gnutls-error
         (lambda () (thunk) 'handshake-succeeded)
         (lambda (key error . rest)
           (if (eq? error error/fatal-alert-received)
               (alert-get session)
               error))))
     (define (server-hearing-alert socket)
       (let ((session (make-x509-session
                       connection-end/server
                       (make-certificate-credentials/server pki #:certificate 'unknown-cert
                                                            #:key 'unknown-key)
                       #:fd socket)))
         (let ((heard (alert-or-error session (lambda () (handshake session)))))
           (unless (eq? heard alert-description/bad-certificate)
             (error "the server did not hear bad-certificate:" heard)))))
     (for-each
      (lambda (transport)
        (let-values (((result exit)
                      (call-with-forked-peer
                       server-hearing-alert
                       (lambda (socket)
                         (let ((session (make-x509-session
                                         connection-end/client
                                         (make-certificate-credentials/client pki)
                                         #:fd (and (eq? transport 'fd) socket)
                                         #:port (and (eq? transport 'port) socket)
                                         #:server-name "localhost")))
                           (set-session-peer-verification! session "localhost")
                           (catch 'gnutls-error
                             (lambda () (handshake session) 'ok)
                             (lambda (key error . rest) error)))))))
          (test-eq (format #f "the client's own error is kept (~a)" transport)
            error/certificate-verification-error result)
          (test-eqv (format #f "the server hears bad-certificate (~a)" transport)
            0 exit)))
      '(fd port))
     (let-values (((result exit)
                   (call-with-forked-peer
                    (client-verifying-peer)
                    (lambda (socket)
                      (let ((session (make-x509-session
                                      connection-end/client
                                      (make-certificate-credentials/client
                                       pki #:certificate 'expired-cert #:key 'expired-key)
                                      #:fd socket #:priorities tls12-priorities)))
                        (alert-or-error session (lambda () (handshake session))))))))
       (test-assert "a client whose certificate is refused hears why"
         (memq result (list alert-description/certificate-expired
                            alert-description/bad-certificate)))
       (test-eqv "a client whose certificate is refused: server"
         handshake-failure-status exit)))

   (test-group "system trust"
     (let ((credentials (make-certificate-credentials)))
       (match (catch 'gnutls-error
                (lambda () (set-certificate-credentials-x509-system-trust! credentials))
                (lambda (key error . _) error))
         ((? integer? count)
          (test-assert "system trust loads a count of CAs" (>= count 0))
          (let-values (((status exit) (client-status 'server-cert 'server-key
                                                     #:credentials credentials)))
            (test-assert "the test CA is not a system CA"
              (memq certificate-status/signer-not-found status))))
         (error
          ;; No system trust store: the error is still a GnuTLS one.
          (test-assert "system trust unavailable" (string? (error->string error)))))))

   (test-group "wrong types"
     (define (wrong-type? thunk)
       (catch 'wrong-type-arg (lambda () (thunk) #f) (const #t)))
     (test-assert "host name not a string"
       (wrong-type? (lambda ()
                      (set-session-peer-verification! (make-session connection-end/client) 42))))
     (test-assert "not a session"
       (wrong-type? (lambda () (set-session-peer-verification! 42 "localhost"))))
     (test-assert "flags of the wrong type"
       (wrong-type? (lambda ()
                      (set-session-peer-verification! (make-session connection-end/client)
                                                      "localhost" 'no-flag))))
     (test-assert "system trust of non-credentials"
       (wrong-type? (lambda ()
                      (set-certificate-credentials-x509-system-trust!
                       (make-anonymous-client-credentials))))))))

(test-end "verification")
(test-exit)
