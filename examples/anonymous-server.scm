;;; An echo server over anonymous TLS.
;;;
;;; Listens on 127.0.0.1, prints the port it listens on, and for each
;;; client: handshakes with anonymous credentials (no certificates, so no
;;; authentication: fine for a demo, not for the Internet), then sends
;;; back every line it reads until the client closes the session.
;;;
;;; Usage: guile anonymous-server.scm [PORT [CONNECTIONS [HANDSHAKE-MS]]]
;;; PORT 0 (the default) picks a free port; CONNECTIONS, if given, is how
;;; many clients to serve before exiting; HANDSHAKE-MS (10000 by default)
;;; is how long a client may take over its handshake.

(use-modules (gnutls)
             (ice-9 rdelim))

(define priorities
  ;; Anonymous key exchange exists only up to TLS 1.2, and GnuTLS leaves it
  ;; out of its defaults: ask for it.
  "NORMAL:-VERS-TLS1.3:+ANON-ECDH:+ANON-DH")

(define (serve-client client credentials handshake-ms)
  "Run one TLS session on the socket CLIENT, echoing lines."
  (let ((session (make-session connection-end/server)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session credentials)
    (set-session-transport-fd! session (fileno client))
    ;; This server serves one client at a time: one that connects and
    ;; sends nothing must not hold up the others for ever.  The handshake
    ;; then raises error/timedout.
    (set-session-handshake-timeout! session handshake-ms)
    (handshake session)
    (format #t "client connected: ~a, ~a~%"
            (protocol->string (session-protocol session))
            (cipher-suite->string (session-kx session)
                                  (session-cipher session)
                                  (session-mac session)))
    (let ((port (session-record-port session)))
      (let loop ((count 0))
        (let ((line (read-line port)))
          (if (eof-object? line)
              (format #t "client left after ~a lines~%" count)
              (begin
                ;; The record port flushes pending output before it waits
                ;; for input, so no force-output is needed between lines.
                (format port "echo: ~a~%" line)
                (loop (+ count 1)))))))
    (bye session close-request/rdwr)))

(define (main args)
  "Listen on 127.0.0.1 at the port in ARGS and serve clients, as many as
ARGS says or forever."
  (let* ((port-number (if (> (length args) 1) (string->number (list-ref args 1)) 0))
         (connections (and (> (length args) 2) (string->number (list-ref args 2))))
         (handshake-ms (if (> (length args) 3) (string->number (list-ref args 3)) 10000))
         (listener (socket PF_INET SOCK_STREAM 0))
         ;; Credentials are shared by all sessions.
         (credentials (make-anonymous-server-credentials)))
    (setsockopt listener SOL_SOCKET SO_REUSEADDR 1)
    (bind listener AF_INET INADDR_LOOPBACK port-number)
    (listen listener 5)
    (format #t "listening on 127.0.0.1:~a~%" (sockaddr:port (getsockname listener)))
    (force-output)
    (let loop ((served 0))
      (unless (and connections (>= served connections))
        (let ((client (car (accept listener))))
          ;; A failed session ends that client's connection, not the server.
          (catch 'gnutls-error
            (lambda () (serve-client client credentials handshake-ms))
            (lambda (key error who . extra)
              (format #t "session failed in ~a: ~a~%" who (error->string error))))
          (close-port client)
          (force-output)
          (loop (+ served 1)))))))

(main (command-line))
