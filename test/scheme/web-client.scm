;;; Guile's own HTTPS client, (web client), running on this module: GET and
;;; POST of https:// URLs against a small HTTPS server written with this
;;; module, in a forked child on 127.0.0.1.  Certificates are verified
;;; against the test CA found through GUILE_TLS_CERTIFICATE_DIRECTORY, or
;;; not verified at all; bodies, several MiB of them, are compared byte
;;; for byte.

(use-modules (srfi srfi-64)
             (rnrs bytevectors)
             (ice-9 binary-ports)
             (ice-9 match)
             (test-support)
             (test-certificates)
             (gnutls))

;; (web client) reads GUILE_TLS_CERTIFICATE_DIRECTORY when it is loaded:
;; name the CA directory of the test PKI before loading it.
(define pki-root (make-temporary-directory "gnutls-web-client"))
(setenv "GUILE_TLS_CERTIFICATE_DIRECTORY" (string-append pki-root "/ca"))

(use-modules (web client)
             (web request)
             (web response)
             (web uri))

(define big-body
  ;; 4 MiB + 7 bytes of pseudo-random data: spans many records, and its
  ;; length is not a multiple of any buffer size.
  (call-with-input-file "/dev/urandom"
    (lambda (port) (get-bytevector-n port (+ (* 4 1024 1024) 7)))
    #:binary #t))

(define small-body (string->utf8 "Hello from a Guile HTTPS server.\n"))

(define (respond port request)
  "Answer REQUEST, read from PORT: GET /small and /big send fixed bodies,
POST /echo sends back the request's body."
  (let* ((path (uri-path (request-uri request)))
         (body (match (list (request-method request) path)
                 (('GET "/small") small-body)
                 (('GET "/big") big-body)
                 (('POST "/echo") (or (read-request-body request) #vu8()))
                 (_ #f)))
         (response (build-response
                    #:code (if body 200 404)
                    #:headers `((content-type application/octet-stream)
                                (content-length . ,(if body (bytevector-length body) 0))
                                (connection close)))))
    (write-response response port)
    (when body (put-bytevector port body))
    (force-output port)))

(define (serve-connection socket credentials)
  "Serve one HTTPS request on SOCKET; errors end only this connection."
  (catch #t
    (lambda ()
      (let ((session (make-session connection-end/server)))
        (set-session-priorities! session "NORMAL")
        (set-session-credentials! session credentials)
        (set-session-transport-fd! session (fileno socket))
        (handshake session)
        (let ((port (session-record-port session)))
          (respond port (read-request port))
          (bye session close-request/wr))))
    (lambda (key . args)
      (format (current-error-port) "server: ~s ~s~%" key args)))
  (close-port socket))

(define (call-with-https-server credentials proc)
  "Run an HTTPS server with CREDENTIALS in a forked child, listening on a
free port of 127.0.0.1, and call PROC with the port number.  The child is
killed and reaped when PROC returns or raises."
  (let ((listener (socket PF_INET SOCK_STREAM 0)))
    (bind listener AF_INET INADDR_LOOPBACK 0)
    (listen listener 8)
    ;; Output still buffered at fork time would be written twice.
    (flush-all-ports)
    (let ((pid (primitive-fork)))
      (if (zero? pid)
          (begin
            (alarm 120)
            (let loop ()
              (serve-connection (car (accept listener)) credentials)
              (loop)))
          (dynamic-wind
            (const #t)
            (lambda ()
              (let ((port (sockaddr:port (getsockname listener))))
                (close-port listener)
                (proc port)))
            (lambda ()
              (kill pid SIGKILL)
              (waitpid pid)))))))

(define (url port path)
  (string-append "https://127.0.0.1:" (number->string port) path))

(define (tls-certificate-error-of thunk)
  "Call THUNK; return the first argument of the tls-certificate-error it
raises (the reason), or #f if it returns."
  (catch 'tls-certificate-error
    (lambda () (thunk) #f)
    (lambda (key reason . rest) reason)))

(test-begin "web-client")

(test-assert "(gnutls) is this project's module" (this-project-module?))

(dynamic-wind
  (const #t)
  (lambda ()
    (let ((pki (make-test-pki pki-root)))
      (test-equal "the CA directory comes from GUILE_TLS_CERTIFICATE_DIRECTORY"
        (pki-file pki 'ca-directory)
        (x509-certificate-directory))

      (call-with-https-server (make-certificate-credentials/server pki)
        (lambda (port)
          (for-each
           (lambda (verify?)
             (define (post-echo body)
               (http-post (url port "/echo")
                          #:body body
                          #:headers '((content-type application/octet-stream))
                          #:verify-certificate? verify?))
             (test-group (if verify? "verified" "not verified")
               (call-with-values
                   (lambda () (http-get (url port "/small")
                                        #:verify-certificate? verify?))
                 (lambda (response body)
                   (test-eqv 200 (response-code response))
                   (test-equal small-body body)))
               (call-with-values
                   (lambda () (http-get (url port "/big")
                                        #:verify-certificate? verify?))
                 (lambda (response body)
                   (test-eqv 200 (response-code response))
                   (test-eqv (bytevector-length big-body) (bytevector-length body))
                   (test-assert "big GET body, byte for byte"
                     (bytevector=? big-body body))))
               (call-with-values
                   (lambda () (post-echo big-body))
                 (lambda (response body)
                   (test-eqv 200 (response-code response))
                   (test-assert "big POST body comes back byte for byte"
                     (bytevector=? big-body body))))
               (call-with-values
                   (lambda () (post-echo small-body))
                 (lambda (response body)
                   (test-equal small-body body)))))
           '(#t #f))

          (test-assert "(web client) used this project's procedures"
            (eq? make-session
                 (module-ref (resolve-module '(web client)) 'make-session)))

          (test-group "a CA that is not trusted fails verification"
            (let ((empty (string-append pki-root "/no-ca")))
              (mkdir empty)
              (test-eq 'invalid-certificate
                (tls-certificate-error-of
                 (lambda ()
                   (parameterize ((x509-certificate-directory empty))
                     (http-get (url port "/small"))))))
              ;; ... which does not matter when nothing is verified.
              (parameterize ((x509-certificate-directory empty))
                (call-with-values
                    (lambda () (http-get (url port "/small")
                                         #:verify-certificate? #f))
                  (lambda (response body)
                    (test-equal small-body body))))))))

      (test-group "a certificate for another host fails verification"
        (call-with-https-server
         (make-certificate-credentials/server pki #:certificate 'wronghost-cert
                                              #:key 'wronghost-key)
         (lambda (port)
           (test-eq 'host-mismatch
             (tls-certificate-error-of
              (lambda () (http-get (url port "/small"))))))))))
  (lambda () (delete-directory-tree pki-root)))

(test-end "web-client")
(test-exit)
