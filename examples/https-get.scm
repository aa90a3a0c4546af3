;;; Fetch an https:// URL, verifying the server's certificate.
;;;
;;; The server's certificate chain must be signed by an authority in the
;;; CA file and its certificate must name the URL's host; otherwise the
;;; program says why and exits with status 1, before sending anything.
;;; The response (status line, headers and body) goes to standard output.
;;;
;;; Usage: guile https-get.scm [--ca FILE] URL
;;; Without --ca, the system's trusted authorities are used.

(use-modules (gnutls connections)
             (ice-9 binary-ports)
             (ice-9 exceptions)
             (ice-9 getopt-long)
             (web uri))

(define (https-get uri ca-file)
  "Send a GET request for URI and copy the response to standard output."
  (let* ((host (uri-host uri))
         ;; Connects, verifies the chain and the host name, or raises.
         (port (open-tls-connection host (or (uri-port uri) 443)
                                    #:ca-file ca-file)))
    (format port "GET ~a HTTP/1.1\r\nHost: ~a\r\nConnection: close\r\n\r\n"
            (if (string-null? (uri-path uri)) "/" (uri-path uri))
            host)
    ;; The server closes the connection after the response; reading to
    ;; the end of the record port gets all of it.
    (put-bytevector (current-output-port) (get-bytevector-all port))
    (close-port port)))

(define (explain error)
  "What went wrong, from the `&tls-connection-error' ERROR."
  (case (tls-connection-error-kind error)
    ((untrusted expired)
     (format #f "certificate verification failed: ~a" (exception-message error)))
    ((wrong-host)
     (format #f "the certificate does not name the host ~a"
             (tls-connection-error-host error)))
    (else (exception-message error))))

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
      (with-exception-handler
          (lambda (error)
            (format (current-error-port) "https-get: ~a~%"
                    (if (tls-connection-error? error)
                        (explain error)
                        (exception-message error)))
            (exit 1))
        (lambda () (https-get uri (option-ref options 'ca #f)))
        #:unwind? #t))))

(main (command-line))
