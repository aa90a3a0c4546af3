;;; A TLS server for several host names on one port.
;;;
;;; Each client gets the certificate of the host name it asks for (Server
;;; Name Indication), the first host's if it asks for another or none, and
;;; is greeted with the name it asked for and the application protocol
;;; negotiated (ALPN), if any.  Clients can resume their sessions.
;;;
;;; Usage: guile multi-host-server.scm [--port PORT] [--connections N]
;;;                                    NAME CERT KEY [NAME CERT KEY ...]
;;; Files are PEM.  PORT 0 (the default) picks a free port; the server
;;; prints the port it listens on (on 127.0.0.1).  It stops after N
;;; connections (default: never).

(use-modules (gnutls)
             (gnutls connections)
             (ice-9 exceptions)
             (ice-9 getopt-long)
             (ice-9 match))

(define (hosts-of arguments)
  "The (NAME CERT KEY) triples of ARGUMENTS."
  (match arguments
    (() '())
    ((name cert key . rest) (cons (list name cert key) (hosts-of rest)))
    (_ (format (current-error-port) "each host needs NAME CERT KEY~%")
       (exit 2))))

(define (greet port)
  "Greet the client of record PORT and wait until it leaves."
  (let ((session (tls-port-session port)))
    (format port "Hello, ~a~a~a~%"
            (or (server-session-server-name session) "whoever you are")
            (if (session-alpn-protocol session)
                (string-append ", speaking " (session-alpn-protocol session))
                "")
            (if (session-resumed? session) ", welcome back" ""))
    (force-output port)
    (let loop ()
      (unless (eof-object? (read-char port))
        (loop)))))

(define (serve server listener connections)
  (let loop ((served 0))
    (unless (and connections (= served connections))
      (let ((socket (car (accept listener))))
        (with-exception-handler
            (lambda (error)
              (format #t "connection failed: ~a~%"
                      (if (exception-with-message? error)
                          (exception-message error)
                          error)))
          (lambda ()
            (let ((port (tls-server-port server socket)))
              (greet port)
              (close-port port)))
          #:unwind? #t)
        (close-port socket)
        (force-output)
        (loop (+ served 1))))))

(define (main args)
  (let* ((options (getopt-long args '((port (value #t)) (connections (value #t)))))
         (hosts (hosts-of (option-ref options '() '())))
         (connections (and=> (option-ref options 'connections #f) string->number))
         (listener (socket PF_INET SOCK_STREAM 0)))
    (when (null? hosts)
      (format (current-error-port)
              "usage: ~a [--port PORT] [--connections N] NAME CERT KEY...~%" (car args))
      (exit 2))
    (setsockopt listener SOL_SOCKET SO_REUSEADDR 1)
    (bind listener AF_INET INADDR_LOOPBACK
          (string->number (option-ref options 'port "0")))
    (listen listener 16)
    (format #t "listening on 127.0.0.1:~a~%" (sockaddr:port (getsockname listener)))
    (force-output)
    (serve (make-tls-server #:hosts hosts #:alpn-protocols '("h2" "http/1.1"))
           listener connections)))

(main (command-line))
