;;; A TLS client and server talking over loopback through record ports.
;;;
;;; The server listens on 127.0.0.1, the client connects; both set up an
;;; anonymous TLS session on the socket, handshake, and exchange Scheme
;;; data through `session-record-port', printing the exchange as it
;;; happens.  Run it with: meson devenv -C build guile examples/anonymous-demo.scm

(use-modules (gnutls)
             (ice-9 format))

(define priorities "NORMAL:-VERS-TLS1.3:+ANON-ECDH:+ANON-DH")

(define (say who fmt . args)
  (format #t "~a: ~?~%" who fmt args)
  (force-output))

(define (serve listener)
  (let* ((client (car (accept listener)))
         (session (make-session connection-end/server)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session (make-anonymous-server-credentials))
    (set-session-transport-fd! session (fileno client))
    (handshake session)
    (say "server" "handshake done: ~a, ~a"
         (protocol->string (session-protocol session))
         (cipher->string (session-cipher session)))
    (let ((port (session-record-port session)))
      (let loop ()
        (let ((request (read port)))
          (unless (eof-object? request)
            (say "server" "received ~s" request)
            (write `(echo ,request) port)
            (newline port)
            (loop))))
      (say "server" "client said goodbye")
      (bye session close-request/rdwr)
      (close-port client))))

(define (run-client port-number)
  (let ((socket (socket PF_INET SOCK_STREAM 0))
        (session (make-session connection-end/client)))
    (connect socket AF_INET INADDR_LOOPBACK port-number)
    (set-session-priorities! session priorities)
    (set-session-credentials! session (make-anonymous-client-credentials))
    (set-session-transport-fd! session (fileno socket))
    (handshake session)
    (say "client" "handshake done")
    (let ((port (session-record-port session)))
      (for-each (lambda (message)
                  (say "client" "sending ~s" message)
                  ;; No force-output: the record port sends pending
                  ;; output before it waits for the answer.
                  (write message port)
                  (newline port)
                  (say "client" "reply ~s" (read port)))
                '("Hello peer!" (1 2 3) #(a vector) 42))
      (bye session close-request/rdwr)
      (close-port socket))))

(let ((listener (socket PF_INET SOCK_STREAM 0)))
  (setsockopt listener SOL_SOCKET SO_REUSEADDR 1)
  (bind listener AF_INET INADDR_LOOPBACK 0)
  (listen listener 1)
  (let* ((port-number (sockaddr:port (getsockname listener)))
         (pid (primitive-fork)))
    (if (zero? pid)
        (begin
          (alarm 30)
          (serve listener)
          (primitive-exit 0))
        (begin
          (close-port listener)
          (say "client" "connecting to 127.0.0.1:~a" port-number)
          (run-client port-number)
          (let ((status (cdr (waitpid pid))))
            (say "demo" "server exited with status ~a" (status:exit-val status))
            (exit (if (eqv? 0 (status:exit-val status)) 0 1)))))))
