;;; A TLS server that authenticates its clients by X.509 certificate.
;;;
;;; The server presents its certificate, requires one from each client,
;;; checks it against the given certificate authority, greets the client
;;; by the distinguished name of its certificate, and echoes lines.  A
;;; client without a valid certificate is turned away.
;;;
;;; Usage: guile x509-server.scm --cert FILE --key FILE --ca FILE
;;;                              [--port PORT] [--connections N]
;;; Files are PEM.  PORT 0 (the default) picks a free port; the server
;;; prints the port it listens on (on 127.0.0.1).

(use-modules (gnutls)
             (ice-9 getopt-long)
             (ice-9 rdelim))

(define option-spec
  '((cert (value #t) (required? #t))
    (key (value #t) (required? #t))
    (ca (value #t) (required? #t))
    (port (value #t))
    (connections (value #t))))

(define (make-server-credentials cert key ca)
  "Return certificate credentials holding our certificate and key, and
trusting the authorities in CA to sign client certificates."
  (let ((credentials (make-certificate-credentials)))
    (set-certificate-credentials-x509-key-files! credentials cert key
                                                 x509-certificate-format/pem)
    (set-certificate-credentials-x509-trust-file! credentials ca
                                                  x509-certificate-format/pem)
    credentials))

(define (client-name session)
  "Return the distinguished name of the client's certificate, or #f if it
is not valid.  The handshake only makes sure there is a certificate;
checking it is up to us."
  (let ((status (peer-certificate-status session))
        (chain (session-peer-certificate-chain session)))
    (cond ((null? chain) #f)
          ((pair? status)
           (format #t "client certificate rejected: ~a~%"
                   (map certificate-status->string status))
           #f)
          (else
           (x509-certificate-dn
            (import-x509-certificate (car chain) x509-certificate-format/der))))))

(define (serve-client client credentials)
  "Run one TLS session on the socket CLIENT with CREDENTIALS: require a
client certificate, greet a valid client by name and echo its lines."
  (let ((session (make-session connection-end/server)))
    (set-session-default-priority! session)
    (set-session-credentials! session credentials)
    (set-server-session-certificate-request! session certificate-request/require)
    (set-session-transport-fd! session (fileno client))
    (handshake session)
    (let ((name (client-name session))
          (port (session-record-port session)))
      (if (not name)
          (begin
            (format port "Your certificate is not valid here.~%")
            (force-output port))
          (begin
            (format #t "client authenticated: ~a~%" name)
            (format port "Hello, ~a~%" name)
            (let loop ()
              (let ((line (read-line port)))
                (unless (eof-object? line)
                  (format #t "received: ~a~%" line)
                  (format port "echo: ~a~%" line)
                  (loop))))))
      (bye session close-request/rdwr))))

(define (main args)
  "Listen on 127.0.0.1 as the options in ARGS say and serve clients."
  (let* ((options (getopt-long args option-spec))
         (option (lambda (name default) (option-ref options name default)))
         (credentials (make-server-credentials (option 'cert #f) (option 'key #f)
                                               (option 'ca #f)))
         (connections (and=> (option 'connections #f) string->number))
         (listener (socket PF_INET SOCK_STREAM 0)))
    (setsockopt listener SOL_SOCKET SO_REUSEADDR 1)
    (bind listener AF_INET INADDR_LOOPBACK (string->number (option 'port "0")))
    (listen listener 5)
    (format #t "listening on 127.0.0.1:~a~%" (sockaddr:port (getsockname listener)))
    (force-output)
    (let loop ((served 0))
      (unless (and connections (>= served connections))
        (let ((client (car (accept listener))))
          ;; A client that fails the handshake (no certificate, for
          ;; instance) ends its own connection, not the server.
          (catch 'gnutls-error
            (lambda () (serve-client client credentials))
            (lambda (key error who . extra)
              (format #t "session failed in ~a: ~a~%" who (error->string error))))
          (close-port client)
          (force-output)
          (loop (+ served 1)))))))

(main (command-line))
