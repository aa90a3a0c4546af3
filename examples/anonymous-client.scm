;;; A client for anonymous-server.scm.
;;;
;;; Connects to the server, handshakes with anonymous credentials, sends
;;; each MESSAGE as a line, and prints each reply.
;;;
;;; Usage: guile anonymous-client.scm PORT MESSAGE...

(use-modules (gnutls)
             (ice-9 rdelim))

(define priorities "NORMAL:-VERS-TLS1.3:+ANON-ECDH:+ANON-DH")

(define (main args)
  "Connect to the server on the port in ARGS, send it the other ARGS as
lines, and print its answers."
  (when (< (length args) 2)
    (format (current-error-port) "usage: ~a PORT MESSAGE...~%" (car args))
    (exit 2))
  (let ((socket (socket PF_INET SOCK_STREAM 0))
        (session (make-session connection-end/client)))
    (connect socket AF_INET INADDR_LOOPBACK (string->number (list-ref args 1)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session (make-anonymous-client-credentials))
    (set-session-transport-fd! session (fileno socket))
    (handshake session)
    (let ((port (session-record-port session)))
      (for-each (lambda (message)
                  (write-line message port)
                  ;; Reading sends what was written first.
                  (format #t "~a~%" (read-line port)))
                (cddr args)))
    ;; Tell the server we are done; it then sees the end of the stream.
    (bye session close-request/rdwr)
    (close-port socket)))

(main (command-line))
