;;; Interoperability with GnuTLS's own programs: our client against
;;; `gnutls-serv', our server against `gnutls-cli', over TLS 1.3 and TLS
;;; 1.2, with X.509 certificates and with PSK, and with SRP over TLS 1.2.
;;; We connect and listen on 127.0.0.1 only (gnutls-serv itself listens on
;;; every address: it has no option to do otherwise); the programs are
;;; started and stopped by the tests.

(use-modules (srfi srfi-64)
             (rnrs bytevectors)
             (ice-9 rdelim)
             (ice-9 match)
             (test-support)
             (test-certificates)
             (external-peers)
             (gnutls))

(define tls13 "NORMAL:-VERS-ALL:+VERS-TLS1.3")
(define tls12 "NORMAL:-VERS-ALL:+VERS-TLS1.2")
(define (with-psk priorities) (string-append priorities ":+ECDHE-PSK:+PSK"))
(define psk-server-priorities
  ;; A TLS 1.2 server with only PSK credentials must offer only PSK key
  ;; exchanges: GnuTLS would otherwise pick a certificate suite and fail
  ;; with "insufficient credentials".
  "NORMAL:-KX-ALL:+ECDHE-PSK:+PSK")

(define psk-key (u8-list->bytevector (iota 32 3 7)))

(define (gnutls-serv . arguments)
  (lambda (port)
    (append (list "gnutls-serv" "--echo" "--quiet" "--port" (number->string port))
            arguments)))

(define (gnutls-cli . arguments)
  (lambda (port)
    (append (list "gnutls-cli" "--port" (number->string port)) arguments
            (list "127.0.0.1"))))

(define have-programs
  (and (program-available? "gnutls-serv" "--version")
       (program-available? "gnutls-cli" "--version")
       (certtool-available?)))

(test-begin "interop-gnutls")

(define (interop-tests pki dir)
  (define (file name) (pki-file pki name))
  (define psk-file (string-append dir "/keys.psk"))
  (write-psk-file psk-file (cons "alice" psk-key))

  (define gnutls-serv-requiring-certificates
    (gnutls-serv "--x509certfile" (file 'server-cert)
                 "--x509keyfile" (file 'server-key)
                 "--x509cafile" (file 'ca-cert)
                 "--require-client-cert" "--verify-client-cert"))
  (define (x509-client-credentials)
    (make-certificate-credentials/client pki))

  ;; Our client, gnutls-serv's server.
  (for-each
   (lambda (version protocol)
     (test-equal (string-append "our client, gnutls-serv, X.509, " version)
       (list protocol certificate-type/x509 '() "hello from our client")
       (call-with-external-server
        (gnutls-serv "--x509certfile" (file 'server-cert)
                     "--x509keyfile" (file 'server-key)
                     "--priority" (if (equal? version "TLS 1.3") tls13 tls12))
        (lambda (socket)
          (client-round-trip socket "NORMAL" (x509-client-credentials)
                             "hello from our client"
                             session-protocol session-certificate-type
                             peer-certificate-status))))
     (test-equal (string-append "our client, gnutls-serv, PSK, " version)
       (list protocol credentials/psk "psk hello")
       (call-with-external-server
        (gnutls-serv "--pskpasswd" psk-file
                     "--priority" (with-psk (if (equal? version "TLS 1.3")
                                                tls13 tls12)))
        (lambda (socket)
          (client-round-trip socket (with-psk "NORMAL")
                             (psk-client-credentials "alice" psk-key) "psk hello"
                             session-protocol session-authentication-type)))))
   '("TLS 1.3" "TLS 1.2")
   (list protocol/tls-1.3 protocol/tls-1.2))

  (test-equal "our client with a client certificate, gnutls-serv requiring one"
    '(1 "with a certificate")
    (call-with-external-server
     gnutls-serv-requiring-certificates
     (lambda (socket)
       (client-round-trip socket "NORMAL"
                          (make-certificate-credentials/client
                           pki #:certificate 'client-cert #:key 'client-key)
                          "with a certificate"
                          (lambda (session)
                            (length (session-our-certificate-chain session)))))))

  (test-group "our client without a certificate, gnutls-serv requiring one"
    (test-assert
     (catch 'gnutls-error
       (lambda ()
         (call-with-external-server
          gnutls-serv-requiring-certificates
          (lambda (socket)
            (let ((session (client-session socket "NORMAL"
                                           (x509-client-credentials))))
              (handshake session)
              ;; In TLS 1.3 the server's refusal may come after the
              ;; client's handshake is over: it arrives with the data.
              (round-trip session "without a certificate"))))
         #f)
       (const #t))))

  (test-group "our client, gnutls-serv, wrong PSK fails"
    (test-assert
     (catch 'gnutls-error
       (lambda ()
         (call-with-external-server
          (gnutls-serv "--pskpasswd" psk-file "--priority" (with-psk tls13))
          (lambda (socket)
            (handshake (client-session socket (with-psk "NORMAL")
                                       (psk-client-credentials
                                        "alice" (make-bytevector 32 0))))))
         #f)
       (const #t))))

  ;; gnutls-cli's client, our server.
  (for-each
   (lambda (version priorities protocol)
     (test-equal (string-append "gnutls-cli, our server, X.509, " version)
       (list (list protocol "ping") 0 #t)
       (one-line-client-exchange
        (gnutls-cli "--x509cafile" (file 'ca-cert) "--priority" priorities)
        "ping"
        (one-line-server "NORMAL" (make-certificate-credentials/server pki))))
     ;; gnutls-cli 3.7 crashes right after a TLS 1.2 PSK handshake (while
     ;; printing a certificate channel binding it has no certificate for):
     ;; there, only our side of the handshake can be checked.
     (let ((exchange-data? (equal? version "TLS 1.3")))
       (test-equal (string-append "gnutls-cli, our server, PSK, " version)
         (if exchange-data?
             (list (list protocol "alice" "psk ping") 0 #t)
             (list protocol "alice" #f))
         (match (one-line-client-exchange
                 (gnutls-cli "--pskusername" "alice"
                             "--pskkey" (bytevector->hex psk-key)
                             "--priority" (with-psk priorities))
                 "psk ping"
                 (lambda (socket)
                   (let ((credentials (make-psk-server-credentials)))
                     (set-psk-server-credentials-file! credentials psk-file)
                     (let ((session (server-session socket psk-server-priorities
                                                    credentials)))
                       (handshake session)
                       (list (session-protocol session)
                             (server-session-psk-username session)
                             (and exchange-data?
                                  (answer-one-line session)))))))
           ((result status answered?)
            (if exchange-data? (list result status answered?) result))))))
   '("TLS 1.3" "TLS 1.2")
   (list tls13 tls12)
   (list protocol/tls-1.3 protocol/tls-1.2))

  ;; SRP exists up to TLS 1.2 only.
  (call-with-values
      (lambda () (make-srp-password-files dir '(("alice" . "wonderland"))))
    (lambda (passwords conf)
      (test-equal "our client, gnutls-serv, SRP"
        (list kx/srp "srp hello")
        (call-with-external-server
         (gnutls-serv "--srppasswd" passwords "--srppasswdconf" conf
                      "--priority" (string-append tls12 ":+SRP"))
         (lambda (socket)
           (let ((credentials (make-srp-client-credentials)))
             (set-srp-client-credentials! credentials "alice" "wonderland")
             (client-round-trip socket (string-append tls12 ":+SRP") credentials
                                "srp hello" session-kx)))))

      (test-equal "gnutls-cli, our server, SRP"
        (list (list kx/srp "alice" "srp ping") 0 #t)
        (one-line-client-exchange
         (gnutls-cli "--srpusername" "alice" "--srppasswd" "wonderland"
                     "--priority" (string-append tls12 ":+SRP"))
         "srp ping"
         (lambda (socket)
           (let ((credentials (make-srp-server-credentials)))
             (set-srp-server-credentials-files! credentials passwords conf)
             (let ((session (server-session
                             socket (string-append tls12 ":-KX-ALL:+SRP")
                             credentials)))
               (handshake session)
               (list (session-kx session)
                     (server-session-srp-username session)
                     (answer-one-line session)))))))))

  (test-equal "gnutls-cli with a client certificate, our server"
    (list (list '() 1 "with certificate") 0)
    (match (one-line-client-exchange
            (gnutls-cli "--x509cafile" (file 'ca-cert)
                        "--x509certfile" (file 'client-cert)
                        "--x509keyfile" (file 'client-key))
            "with certificate"
            (lambda (socket)
              (let ((session (server-session
                              socket "NORMAL"
                              (make-certificate-credentials/server
                               pki #:trust 'ca-cert))))
                (set-server-session-certificate-request! session
                                                         certificate-request/require)
                (handshake session)
                (list (peer-certificate-status session)
                      (length (session-peer-certificate-chain session))
                      (answer-one-line session)))))
      ((result status answered?) (list result status)))))

;; They come with the packages the test suite needs (tools/ensure-packages).
(test-assert "gnutls-serv, gnutls-cli and certtool are installed" have-programs)
(when have-programs
  (call-with-test-pki
   (lambda (pki)
     (interop-tests pki (pki-directory pki)))))

(test-end "interop-gnutls")
(test-exit)
