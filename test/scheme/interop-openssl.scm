;;; Interoperability with OpenSSL: our client against `openssl s_server',
;;; our server against `openssl s_client', over TLS 1.3 and TLS 1.2, with
;;; X.509 certificates and with PSK.  Both programs are bound to
;;; 127.0.0.1 and are started and stopped by the tests.

(use-modules (srfi srfi-64)
             (rnrs bytevectors)
             (ice-9 rdelim)
             (test-support)
             (test-certificates)
             (external-peers)
             (gnutls))

(define psk-key (u8-list->bytevector (iota 32 11 3)))

(define psk-client-priorities "NORMAL:+ECDHE-PSK:+PSK")
(define psk-server-priorities
  ;; Only PSK key exchanges: a TLS 1.2 server without certificates must not
  ;; pick a certificate suite.
  "NORMAL:-KX-ALL:+ECDHE-PSK:+PSK")

(define versions
  ;; (name openssl-option protocol)
  `(("TLS 1.3" "-tls1_3" ,protocol/tls-1.3)
    ("TLS 1.2" "-tls1_2" ,protocol/tls-1.2)))

(define (s-server . arguments)
  ;; -rev: answer each line reversed, which shows the server read it.
  (lambda (port)
    (append (list "openssl" "s_server" "-quiet" "-rev"
                  "-accept" (string-append "127.0.0.1:" (number->string port)))
            arguments)))

(define (s-client . arguments)
  ;; -quiet implies -ign_eof: the client stays until the server closes.
  (lambda (port)
    (append (list "openssl" "s_client" "-quiet"
                  "-connect" (string-append "127.0.0.1:" (number->string port)))
            arguments)))

(define have-programs
  (and (program-available? "openssl" "version")
       (certtool-available?)))

(test-begin "interop-openssl")

(define (interop-tests pki)
  (define (file name) (pki-file pki name))
  (define psk-file (string-append (pki-directory pki) "/keys.psk"))
  (write-psk-file psk-file (cons "alice" psk-key))

  (for-each
   (lambda (version)
     (let ((name (car version))
           (option (cadr version))
           (protocol (caddr version)))
       (test-equal (string-append "our client, s_server, X.509, " name)
         (list protocol '() "tneilc ruo morf olleh")
         (call-with-external-server
          (s-server "-cert" (file 'server-cert) "-key" (file 'server-key) option)
          (lambda (socket)
            (client-round-trip socket "NORMAL" (make-certificate-credentials/client pki)
                               "hello from our client"
                               session-protocol peer-certificate-status))))

       (test-equal (string-append "our client, s_server, PSK, " name)
         (list protocol credentials/psk "olleh ksp")
         (call-with-external-server
          (s-server "-nocert" "-psk" (bytevector->hex psk-key)
                    "-psk_identity" "alice" option)
          (lambda (socket)
            (client-round-trip socket psk-client-priorities
                               (psk-client-credentials "alice" psk-key) "psk hello"
                               session-protocol session-authentication-type))))

       (test-equal (string-append "s_client, our server, X.509, " name)
         (list (list protocol "ping") 0 #t)
         (one-line-client-exchange
          (s-client "-CAfile" (file 'ca-cert) "-verify_return_error"
                    "-verify_hostname" "localhost" option)
          "ping"
          (one-line-server "NORMAL" (make-certificate-credentials/server pki))))

       (test-equal (string-append "s_client, our server, PSK, " name)
         (list (list protocol "alice" "psk ping") 0 #t)
         (one-line-client-exchange
          (s-client "-psk" (bytevector->hex psk-key) "-psk_identity" "alice" option)
          "psk ping"
          (let ((credentials (make-psk-server-credentials)))
            (set-psk-server-credentials-file! credentials psk-file)
            (one-line-server psk-server-priorities credentials
                             #:psk-username? #t))))))
   versions)

  (test-group "s_client rejects our server's certificate for another host"
    (call-with-values
        (lambda ()
          (call-with-external-client
           (s-client "-CAfile" (file 'ca-cert) "-verify_return_error"
                     "-verify_hostname" "localhost")
           "ping\n"
           (lambda (socket)
             (let ((session (server-session
                             socket "NORMAL"
                             (make-certificate-credentials/server
                              pki #:certificate 'wronghost-cert
                              #:key 'wronghost-key))))
               (catch 'gnutls-error
                 (lambda () (handshake session) 'handshake-completed)
                 (lambda (key error . rest) error))))))
      (lambda (result status output)
        (test-assert (not (eq? result 'handshake-completed)))
        (test-assert (not (eqv? 0 status)))))))

;; They come with the packages the test suite needs (tools/ensure-packages).
(test-assert "openssl and certtool are installed" have-programs)
(when have-programs
  (call-with-test-pki interop-tests))

(test-end "interop-openssl")
(test-exit)
