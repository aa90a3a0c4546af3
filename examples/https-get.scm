;;; Fetch an https:// URL, verifying the server's certificate.
;;;
;;; The server's certificate chain must be signed by an authority in the
;;; CA file and its certificate must name the URL's host; otherwise the
;;; program says why and exits with status 1, before sending anything.
;;; The response (status line, headers and body) goes to standard output.
;;;
;;; Usage: guile https-get.scm [--ca FILE] URL
;;; The CA file defaults to $SSL_CERT_FILE, then to the system's bundle.

(use-modules (gnutls)
             (ice-9 getopt-long)
             (ice-9 binary-ports)
             (web uri))

(define default-ca-file
  (or (getenv "SSL_CERT_FILE") "/etc/ssl/certs/ca-certificates.crt"))

(define (connect-to host port)
  "Return a socket connected to HOST on PORT, trying each of its addresses."
  (let loop ((addresses (getaddrinfo host (number->string port) AI_NUMERICSERV
                                     AF_UNSPEC SOCK_STREAM)))
    (when (null? addresses)
      (error "cannot connect" host port))
    (let* ((address (car addresses))
           (socket (socket (addrinfo:fam address) SOCK_STREAM 0)))
      (catch 'system-error
        (lambda () (connect socket (addrinfo:addr address)) socket)
        (lambda args
          (close-port socket)
          (loop (cdr addresses)))))))

(define (verify-server session host)
  "Raise an error unless the server's certificate is valid and names HOST."
  (let ((status (peer-certificate-status session))
        (chain (session-peer-certificate-chain session)))
    (cond ((null? chain)
           (error "the server sent no certificate"))
          ((pair? status)
           (error "certificate verification failed:"
                  (map certificate-status->string status)))
          ((not (x509-certificate-matches-hostname?
                 (import-x509-certificate (car chain) x509-certificate-format/der)
                 host))
           (error "the certificate does not name the host" host)))))

(define (https-get uri ca-file)
  "Send a GET request for URI and copy the response to standard output."
  (let* ((host (uri-host uri))
         (socket (connect-to host (or (uri-port uri) 443)))
         (credentials (make-certificate-credentials))
         (session (make-session connection-end/client)))
    (set-certificate-credentials-x509-trust-file! credentials ca-file
                                                  x509-certificate-format/pem)
    (set-session-default-priority! session)
    (set-session-credentials! session credentials)
    ;; Server Name Indication: lets the server pick the certificate for HOST.
    (set-session-server-name! session server-name-type/dns host)
    (set-session-transport-fd! session (fileno socket))
    (handshake session)
    (verify-server session host)
    (let ((port (session-record-port session)))
      (format port "GET ~a HTTP/1.1\r\nHost: ~a\r\nConnection: close\r\n\r\n"
              (if (string-null? (uri-path uri)) "/" (uri-path uri))
              host)
      ;; The server closes the connection after the response; reading to
      ;; the end of the record port gets all of it.
      (put-bytevector (current-output-port) (get-bytevector-all port)))
    (bye session close-request/rdwr)
    (close-port socket)))

(define (main args)
  "Fetch the URL in ARGS, verified against the CA file of the --ca option."
  (let* ((options (getopt-long args '((ca (value #t)))))
         (urls (option-ref options '() '())))
    (unless (= 1 (length urls))
      (format (current-error-port) "usage: ~a [--ca FILE] URL~%" (car args))
      (exit 2))
    (let ((uri (string->uri (car urls))))
      (unless (and uri (eq? (uri-scheme uri) 'https))
        (format (current-error-port) "not an https URL: ~a~%" (car urls))
        (exit 2))
      (catch #t
        (lambda () (https-get uri (option-ref options 'ca default-ca-file)))
        (lambda (key . args)
          (format (current-error-port) "https-get: ")
          (case key
            ((misc-error)             ; (error MESSAGE ARGUMENTS ...)
             (apply format (current-error-port) (cadr args) (caddr args)))
            ((gnutls-error)           ; ERROR PROCEDURE . EXTRA
             (format (current-error-port) "GnuTLS error in ~a: ~a"
                     (cadr args) (error->string (car args))))
            (else (format (current-error-port) "~s ~s" key args)))
          (newline (current-error-port))
          (exit 1))))))

(main (command-line))
