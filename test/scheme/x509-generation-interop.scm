;;; Certificates made here, judged by other implementations: `openssl
;;; verify' and `certtool --verify' accept a CA and a server certificate
;;; generated in Scheme and refuse an expired one, and `openssl s_client'
;;; verifying against the CA completes a handshake with our server using
;;; them, but not when the certificate is expired or names another host.

(use-modules (srfi srfi-64)
             (ice-9 match)
             (rnrs bytevectors)
             (test-support)
             (test-certificates)
             (external-peers)
             (generated-certificates)
             (gnutls))

(define (exit-status program . arguments)
  "Run PROGRAM with ARGUMENTS (bounded by the peers' alarm), its output
discarded; return its exit value, #f if it died of a signal."
  (let ((pid (spawn-program program arguments #:stdout "/dev/null"
                            #:stderr "/dev/null")))
    (status:exit-val (cdr (waitpid pid)))))

(define have-programs
  (and (program-available? "openssl" "version")
       (certtool-available?)))

(define ca-key (make-test-key))
(define ca (make-authority ca-key #:name "Interop CA"))
(define server-key (make-test-key))
(define server (make-host-certificate server-key ca ca-key #:serial #vu8(#x42)))
(define expired
  (make-host-certificate server-key ca ca-key #:serial #vu8(#x43)
                         #:activation (- (current-time) (days 30))
                         #:expiration (- (current-time) (days 1))))
(define elsewhere
  (make-host-certificate server-key ca ca-key #:serial #vu8(#x44)
                         #:host "elsewhere.example" #:addresses '()))

(define (s-client . arguments)
  (lambda (port)
    (append (list "openssl" "s_client" "-quiet" "-verify_return_error"
                  "-connect" (string-append "127.0.0.1:" (number->string port)))
            arguments)))

(define (serve-with cert)
  "A server for `call-with-external-client' presenting CERT and the CA:
the protocol and the line it read, or the handshake's error."
  (let ((credentials (serving-credentials (list cert ca) server-key)))
    (lambda (socket)
      (catch 'gnutls-error
        (lambda () ((one-line-server "NORMAL" credentials) socket))
        (lambda (key error . _) 'handshake-failed)))))

(define (interop-tests dir)
  (define (file name) (string-append dir "/" name))
  (define (pem name cert)
    (write-bytes (file name) (export-x509-certificate cert x509-certificate-format/pem))
    (file name))
  (let ((ca.pem (pem "ca.pem" ca))
        (server.pem (pem "server.pem" server))
        (expired.pem (pem "expired.pem" expired)))
    (test-equal "openssl verify: the server certificate, then the expired one" '(0 2)
      (list (exit-status "openssl" "verify" "-CAfile" ca.pem server.pem)
            (exit-status "openssl" "verify" "-CAfile" ca.pem expired.pem)))
    (test-equal "openssl verify: the CA on its own, and its host check" '(0 0 2)
      (list (exit-status "openssl" "verify" "-CAfile" ca.pem ca.pem)
            (exit-status "openssl" "verify" "-CAfile" ca.pem "-verify_hostname"
                         "localhost" server.pem)
            (exit-status "openssl" "verify" "-CAfile" ca.pem "-verify_hostname"
                         "other.example" server.pem)))
    (test-equal "certtool --verify: the server certificate, then the expired one" '(0 1)
      (map (lambda (cert)
             (exit-status "certtool" "--verify" "--load-ca-certificate" ca.pem
                          "--infile" cert))
           (list server.pem expired.pem)))

    (test-equal "a 26-octet serial made by openssl reads back whole"
      (u8-list->bytevector (iota 26 1))
      (let ((long.pem (file "long.pem")))
        (exit-status "openssl" "req" "-x509" "-newkey" "ec" "-pkeyopt"
                     "ec_paramgen_curve:P-256" "-nodes" "-keyout" "/dev/null"
                     "-subj" "/CN=long" "-days" "1" "-out" long.pem "-set_serial"
                     "0x0102030405060708090a0b0c0d0e0f101112131415161718191a")
        (x509-certificate-serial
         (import-x509-certificate (read-file-bytes long.pem) x509-certificate-format/pem))))
    (define (s-client-against cert)
      "What `openssl s_client' verifying localhost against the CA makes of
our server presenting CERT: our server's outcome, the client's exit status
and its output, as a list."
      (call-with-values
          (lambda ()
            (call-with-external-client
             (s-client "-CAfile" ca.pem "-verify_hostname" "localhost")
             "ping\n" (serve-with cert)))
        list))
    (test-group "s_client verifying against the CA"
      (match (s-client-against server)
        ((result status output)
         (test-match "handshake and a line" result
           ((_ "ping") #t))
         (test-equal "s_client exit status" 0 status)
         (test-assert "s_client read the answer" (string-contains output "pong ping"))))
      (for-each
       (match-lambda
         ((what cert)
          (test-equal (string-append what ": refused") '(handshake-failed #t)
            (match (s-client-against cert)
              ((result status output) (list result (not (eqv? status 0))))))))
       `(("expired" ,expired) ("another host" ,elsewhere))))))

(test-begin "x509-generation-interop")

;; They come with the packages the test suite needs (tools/ensure-packages).
(test-assert "openssl and certtool are installed" have-programs)
(when have-programs
  (call-with-temporary-directory "gnutls-generated-pki" interop-tests))

(test-end "x509-generation-interop")
(test-exit)
