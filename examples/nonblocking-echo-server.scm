;;; A non-blocking TLS echo server: many connections in one thread.
;;;
;;; Each connection is a task; when a read, a write, a handshake or a bye
;;; would block, the task suspends and a tiny scheduler (a prompt, the
;;; waiters of (ice-9 suspendable-ports) and `select') runs another one.
;;; Fibers works the same way, with a better scheduler.
;;;
;;; Run it with:
;;;   meson devenv -C build guile examples/nonblocking-echo-server.scm [CLIENTS [PORT]]
;;;
;;; With CLIENTS > 0 (default 5) the program also runs that many clients,
;;; in the same thread; each sends lines and checks their echoes, and the
;;; program exits once they are done: status 0 if every echo matched.  With
;;; CLIENTS = 0 it serves on PORT (default: any free port, printed) until
;;; interrupted; gnutls-cli can talk to it:
;;;   gnutls-cli --insecure --priority NORMAL:-VERS-TLS1.3:-KX-ALL:+ANON-ECDH -p PORT 127.0.0.1

(use-modules (gnutls)
             (ice-9 format)
             (ice-9 rdelim)
             (ice-9 suspendable-ports)
             ((ice-9 ports internal) #:select (port-read-wait-fd port-write-wait-fd))
             (srfi srfi-1))

(define priorities "NORMAL:-VERS-TLS1.3:+ANON-ECDH:+ANON-DH")

(define (say fmt . args)
  (format #t "~?~%" fmt args)
  (force-output))

;;;
;;; The scheduler.
;;;

(define runnable '())                   ; thunks to run, in order
(define waiting '())                    ; (fd direction . continuation)
(define tag (make-prompt-tag "tasks"))

(define (spawn thunk)
  "Start THUNK as a task; report an error it raises and end the task."
  (set! runnable
        (append runnable
                (list (lambda ()
                        (catch #t
                          thunk
                          (lambda (key . args)
                            (say "task failed: ~s ~s" key args))))))))

(define (wait-for fd direction)
  "Suspend the current task until FD is ready for DIRECTION."
  (abort-to-prompt tag fd direction))

(define (run-task thunk)
  (call-with-prompt tag thunk
    (lambda (k fd direction)
      (set! waiting (cons (cons* fd direction k) waiting)))))

(define* (run-until done? #:key (idle-timeout 30))
  "Run tasks until (DONE?) is true.  Give up if no descriptor becomes ready
for IDLE-TIMEOUT seconds."
  (let loop ()
    (unless (done?)
      (cond
       ((pair? runnable)
        (let ((tasks runnable))
          (set! runnable '())
          (for-each run-task tasks)))
       ((pair? waiting)
        (let* ((fds (lambda (direction)
                      (filter-map (lambda (w) (and (eq? (cadr w) direction) (car w)))
                                  waiting)))
               (ready (select (fds 'read) (fds 'write) '() idle-timeout)))
          (when (and (null? (car ready)) (null? (cadr ready)))
            (error "nothing happened for" idle-timeout 'seconds))
          (set! waiting
                (remove (lambda (w)
                          (and (memv (car w) (if (eq? (cadr w) 'read)
                                                 (car ready)
                                                 (cadr ready)))
                               (begin
                                 (set! runnable (append runnable (list (cddr w))))
                                 #t)))
                        waiting))))
       (else (error "no task left, yet not done")))
      (loop))))

;;;
;;; The server and the clients.
;;;

(define (make-tls-session end socket)
  (let ((session (make-session end)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session
                              (if (eq? end connection-end/server)
                                  (make-anonymous-server-credentials)
                                  (make-anonymous-client-credentials)))
    (set-session-transport-fd! session socket)
    session))

(define (set-nonblocking! socket)
  (fcntl socket F_SETFL (logior O_NONBLOCK (fcntl socket F_GETFL))))

(define connections-closed 0)

(define (serve-connection socket)
  "Echo every line received on SOCKET until the client closes."
  (set-nonblocking! socket)
  (let* ((session (make-tls-session connection-end/server socket))
         (port (begin (handshake session) (session-record-port session))))
    (let loop ((lines 0))
      (let ((line (read-line port)))
        (if (eof-object? line)
            (begin
              (bye session close-request/wr)
              (close-port socket)
              (set! connections-closed (1+ connections-closed))
              (say "server: connection closed after ~a lines" lines))
            (begin
              ;; The echo goes out when the next read-line waits for input.
              (write-line line port)
              (loop (1+ lines))))))))

(define (serve listener)
  "Accept connections forever, one task each."
  (let loop ()
    (let ((client (car (accept listener))))
      (spawn (lambda () (serve-connection client)))
      (loop))))

(define (run-client number port-number lines)
  "Connect, send LINES lines and check their echoes.  Return #t if they all
came back."
  (let ((socket (socket PF_INET SOCK_STREAM 0)))
    (set-nonblocking! socket)
    (connect socket AF_INET INADDR_LOOPBACK port-number)
    (let* ((session (make-tls-session connection-end/client socket))
           (port (begin (handshake session) (session-record-port session)))
           (ok (every (lambda (i)
                        (let ((line (format #f "client ~a, line ~a" number i)))
                          (write-line line port)
                          (equal? (read-line port) line)))
                      (iota lines))))
      (bye session close-request/wr)
      (close-port socket)
      (say "client ~a: ~a" number (if ok "every echo matched" "WRONG ECHO"))
      ok)))

(define (main args)
  (let* ((clients (if (> (length args) 1) (string->number (cadr args)) 5))
         (requested-port (if (> (length args) 2) (string->number (caddr args)) 0))
         (listener (socket PF_INET SOCK_STREAM 0)))
    (setsockopt listener SOL_SOCKET SO_REUSEADDR 1)
    (bind listener AF_INET INADDR_LOOPBACK requested-port)
    (listen listener 64)
    (set-nonblocking! listener)
    (let ((port-number (sockaddr:port (getsockname listener)))
          (finished 0)
          (matched 0))
      (say "echo server listening on 127.0.0.1:~a" port-number)
      (install-suspendable-ports!)
      (parameterize ((current-read-waiter
                      (lambda (port) (wait-for (port-read-wait-fd port) 'read)))
                     (current-write-waiter
                      (lambda (port) (wait-for (port-write-wait-fd port) 'write))))
        (spawn (lambda () (serve listener)))
        (for-each (lambda (number)
                    (spawn (lambda ()
                             (when (run-client number port-number 20)
                               (set! matched (1+ matched)))
                             (set! finished (1+ finished)))))
                  (iota clients))
        (if (zero? clients)
            (run-until (const #f) #:idle-timeout 3600)
            (run-until (lambda ()
                         (and (= finished clients)
                              (= connections-closed clients))))))
      (say "~a clients, ~a with every echo matched" clients matched)
      (exit (if (= matched clients) 0 1)))))

(main (command-line))
