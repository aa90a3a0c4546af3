;;; A program's signal handlers run while a blocking session waits for its
;;; peer, as they do while Guile's own ports wait: an exception a handler
;;; raises reaches the waiting caller, and a handler that returns lets the
;;; wait go on.  Each case holds for a session over a file descriptor, over
;;; a socket port, and over a descriptor beyond select's reach.
;;;
;;; The peer tells this process when to expect a signal through a pipe, so
;;; a handler that does not run while the session waits leaves both sides
;;; stuck until the peer's alarm: the test then fails, it does not hang.

(use-modules (srfi srfi-64)
             (test-support)
             (gnutls)
             (ice-9 binary-ports)
             (rnrs bytevectors))

(test-begin "signals")

(define high-fd
  ;; Beyond FD_SETSIZE, where select cannot watch a descriptor: servers
  ;; with many connections have such descriptors.
  2000)

(define high-fd-possible?
  ;; Raise the soft limit on descriptors if need be; #f if the hard limit
  ;; does not allow HIGH-FD.
  (call-with-values (lambda () (getrlimit 'nofile))
    (lambda (soft hard)
      (cond ((and soft (> soft high-fd)) #t)
            ((and hard (<= hard high-fd)) #f)
            (else (setrlimit 'nofile (+ high-fd 1) hard) #t)))))

(define (make-session-over socket end transport)
  "A session for END over SOCKET: as a descriptor (TRANSPORT 'fd), as a
port ('port), or as a copy of its descriptor numbered HIGH-FD ('high-fd)."
  (case transport
    ((port) (make-anonymous-session end #:port socket))
    ((fd) (make-anonymous-session end #:fd (fileno socket)))
    ((high-fd) (make-anonymous-session end #:fd (dup->fdes socket high-fd)))))

(define on-interrupt
  ;; What the SIGUSR1 handler does; each case sets it before its peer
  ;; starts, as the peer may signal at once.
  (const #f))

(sigaction SIGUSR1 (lambda (signal) (on-interrupt)))

(define (with-handler handler thunk)
  "Call THUNK with HANDLER as what SIGUSR1 does."
  (dynamic-wind
    (lambda () (set! on-interrupt handler))
    thunk
    (lambda () (set! on-interrupt (const #f)))))

(define (interrupt-parent)
  "Send this process's parent SIGUSR1, as a program's user or supervisor
would."
  (kill (getppid) SIGUSR1))

(define (interrupt-parent-in-handshake socket)
  "Once the client's first handshake message has arrived on SOCKET (the
client is then in its handshake, about to wait for the answer), send it
SIGUSR1.  The message stays on SOCKET for the server to read."
  (recv! socket (make-bytevector 1) MSG_PEEK)
  (usleep 50000)
  (interrupt-parent))

(define (peer-result peer proc)
  "Run PEER in a forked child and PROC here; return PROC's value if the
peer exited successfully, else the symbol peer-failed."
  (call-with-values (lambda () (call-with-forked-peer peer proc #:timeout 10))
    (lambda (result status)
      (if (eqv? status 0) result 'peer-failed))))

(define (client-side transport proc)
  "A client procedure for `peer-result': PROC gets a client session over
the socket.  A descriptor made for it is closed when PROC returns, so that
the peer sees the end of the stream."
  (lambda (socket)
    (let ((session (make-session-over socket connection-end/client transport)))
      (dynamic-wind
        (const #t)
        (lambda () (proc session))
        (lambda ()
          (when (eq? transport 'high-fd)
            (close-fdes high-fd)))))))

;;; The cases.  Each returns what the client saw, or peer-failed.

(define (handshake-ended-by-handler transport)
  (with-handler (lambda () (throw 'user-interrupt))
    (lambda ()
      (peer-result
       ;; The peer never answers: it signals, then reads until the client
       ;; closes the socket.
       (lambda (socket)
         (interrupt-parent-in-handshake socket)
         (get-bytevector-all socket))
       (client-side transport
         (lambda (session)
           (catch 'user-interrupt
             (lambda () (handshake session) 'handshake-finished)
             (const 'interrupted))))))))

(define (handshake-goes-on-after-handler transport)
  (define ran #f)
  (call-with-pipe
   (lambda (from-parent to-peer)
     (with-handler (lambda ()
                     (set! ran 'handler-ran-while-waiting)
                     (put-u8 to-peer 1))
       (lambda ()
         (peer-result
          ;; The server handshakes only once the client's handler has
          ;; run: the client waits in its handshake the whole time.
          (lambda (socket)
            (interrupt-parent-in-handshake socket)
            (get-u8 from-parent)
            (let ((session (make-session-over socket connection-end/server
                                              transport)))
              (handshake session)
              ;; No bye: the client may have closed its socket by then.
              (record-send session #vu8(7))))
          (client-side transport
            (lambda (session)
              (handshake session)
              (cons ran (get-u8 (session-record-port session)))))))))))

(define (read-interrupted-then-retried transport read-one)
  "The client reads with (READ-ONE SESSION) while the peer has it
interrupted; then reads again once the peer has sent a byte."
  (call-with-pipe
   (lambda (from-parent to-peer)
     (with-handler (lambda () (throw 'user-interrupt))
       (lambda ()
         (peer-result
          (lambda (socket)
            (let ((session (make-session-over socket connection-end/server
                                              transport)))
              (handshake session)
              (get-u8 from-parent)        ;the client is about to read
              (usleep 50000)
              (interrupt-parent)
              (get-u8 from-parent)        ;its read was interrupted
              (record-send session #vu8(42))))
          (client-side transport
            (lambda (session)
              (handshake session)
              (let ((first (catch 'user-interrupt
                             (lambda ()
                               (put-u8 to-peer 1)
                               (read-one session))
                             (const 'interrupted))))
                (put-u8 to-peer 2)
                (cons first (read-one session)))))))))))

(define (record-port-read session)
  (get-u8 (session-record-port session)))

(define (record-receive-read session)
  (let ((buffer (make-bytevector 16)))
    (if (= 1 (record-receive! session buffer))
        (bytevector-u8-ref buffer 0)
        'wrong-count)))

(define (for-each-transport proc)
  "Call PROC with each transport; skip the 'high-fd cases if the limit on
descriptors is too low."
  (for-each
   (lambda (transport)
     (when (and (eq? transport 'high-fd) (not high-fd-possible?))
       (test-skip 4))
     (proc transport))
   '(fd port high-fd)))

(for-each-transport
 (lambda (transport)
   (test-equal (format #f "a handler's exception ends a waiting handshake (~a)"
                       transport)
     'interrupted
     (handshake-ended-by-handler transport))

   (test-equal (format #f "a handler that returns lets the handshake go on (~a)"
                       transport)
     '(handler-ran-while-waiting . 7)
     (handshake-goes-on-after-handler transport))

   (test-equal (format #f "a record port read interrupted by a handler's exception, then retried (~a)"
                       transport)
     '(interrupted . 42)
     (read-interrupted-then-retried transport record-port-read))

   (test-equal (format #f "record-receive! interrupted by a handler's exception, then retried (~a)"
                       transport)
     '(interrupted . 42)
     (read-interrupted-then-retried transport record-receive-read))))

(test-end "signals")
(test-exit)
