;;; Threads on one session: at most one reader and one writer run at once,
;;; every other overlap raises error/invalid-request at once.  Each case is
;;; a race run for many rounds in a forked child with an alarm, so that a
;;; crash, a sanitizer report or a hang fails the case instead of the file.

(use-modules (srfi srfi-1)
             (srfi srfi-26)
             (srfi srfi-64)
             (ice-9 threads)
             (ice-9 match)
             (rnrs bytevectors)
             (ice-9 binary-ports)
             (test-support)
             (gnutls))

(test-begin "threads")

(define child-timeout
  ;; Seconds one case's rounds may take in total.
  20)

(define (in-child thunk)
  (call-in-child thunk #:timeout child-timeout))

(define (outcome thunk)
  "Call THUNK: 'value if it returns, the error enumerate's name for a
gnutls-error, the key for another exception."
  (catch #t
    (lambda () (thunk) 'value)
    (lambda (key . args)
      (if (eq? key 'gnutls-error)
          (string->symbol (error->string (car args)))
          key))))

(define (unexpected outcomes allowed)
  "The distinct OUTCOMES that ALLOWED does not list."
  (delete-duplicates (remove (lambda (o) (memq o allowed)) outcomes)))

(define refused (string->symbol (error->string error/invalid-request)))
(define closed-by-bye (string->symbol (error->string error/invalid-session)))
(define reset (string->symbol (error->string error/pull-error)))

(define (random-pause)
  ;; Up to a millisecond: the other thread is sometimes still starting,
  ;; sometimes in the middle of its call.
  (usleep (random 1000)))

(define (with-established-pair proc)
  "Call PROC with a client and a server session, handshaken over a fresh
socketpair (descriptor transports); close the sockets afterwards."
  (call-with-socketpair
   (lambda (a b)
     (let* ((client (make-anonymous-session connection-end/client #:fd (fileno a)))
            (server (make-anonymous-session connection-end/server #:fd (fileno b)))
            (peer (call-with-new-thread (lambda () (handshake server)))))
       (handshake client)
       (join-thread peer)
       (proc client server a b)))))

(define (drain session)
  "Receive on SESSION until the end of the stream or a fatal error,
skipping warning alerts; return the number of bytes received."
  (let ((buffer (make-bytevector 16384)))
    (let loop ((total 0))
      (let ((n (catch 'gnutls-error
                 (lambda () (record-receive! session buffer))
                 (lambda (key error . rest)
                   (if (fatal-error? error) 0 -1)))))
        (cond ((zero? n) total)
              ((negative? n) (loop total))
              (else (loop (+ total n))))))))

(define chunk (make-bytevector 4096 7))

(define (sender session count)
  "A thread sending COUNT chunks on SESSION; its value is the list of
outcomes, stopping at the first error."
  (call-with-new-thread
   (lambda ()
     (let loop ((i 0) (outcomes '()))
       (if (= i count)
           (cons 'value outcomes)
           (let ((o (outcome (lambda () (record-send session chunk)))))
             (if (eq? o 'value)
                 (loop (+ i 1) outcomes)
                 (cons o outcomes))))))))

(define (rounds n body)
  "Run BODY, a thunk returning a list of outcomes, N times; the
outcomes appended."
  (append-map (lambda (i) (body)) (iota n)))


;;;
;;; Case: alert-send or bye while another thread sends (the send's buffer
;;; was freed under it).
;;;

(define (interrupt-sends-with interrupt)
  (lambda ()
    (with-established-pair
     (lambda (client server a b)
       (let* ((reader (call-with-new-thread (lambda () (drain server))))
              (sending (sender client 20)))
         (random-pause)
         (let ((interrupted (outcome (lambda () (interrupt client)))))
           (let ((sent (join-thread sending)))
             ;; The reader ends with the end of the stream.
             (shutdown a 1)
             (join-thread reader)
             (cons interrupted sent))))))))

(test-equal "alert-send during another thread's record-send: a value or refused"
  '(exited 0 ())
  (in-child
   (lambda ()
     (unexpected (rounds 100 (interrupt-sends-with
                              (lambda (s)
                                (alert-send s alert-level/warning
                                            alert-description/user-canceled))))
                 (list 'value refused)))))

(test-equal "bye during another thread's record-send loop: never a hang"
  '(exited 0 ())
  (in-child
   (lambda ()
     (unexpected (rounds 100 (interrupt-sends-with
                              (lambda (s) (bye s close-request/wr))))
                 (list 'value refused closed-by-bye)))))


;;;
;;; Case: a new transport while another thread is blocked receiving (the
;;; old transport was destroyed under the blocked pull).
;;;

(define (replace-transport-during-receive replace)
  (lambda ()
    (with-established-pair
     (lambda (client server a b)
       (let ((receiving (call-with-new-thread
                         (lambda ()
                           (outcome (lambda ()
                                      (record-receive! client (make-bytevector 100))))))))
         (random-pause)
         (let ((replaced (outcome (lambda () (replace client a)))))
           ;; Wake the receiver with an error (the system call's failure
           ;; is where the old transport was used after being freed):
           ;; a Unix socket closed with unread input resets its peer.
           (put-bytevector a (make-bytevector 1 0))
           (force-output a)
           (close-port b)
           (list replaced (join-thread receiving))))))))

(test-equal "set-session-transport-fd! during a blocked record-receive!: refused"
  '(exited 0 ())
  (in-child
   (lambda ()
     (unexpected (rounds 100 (replace-transport-during-receive
                              (lambda (s socket)
                                (set-session-transport-fd! s (fileno socket)))))
                 (list 'value refused reset)))))

(test-equal "set-session-transport-port! during a blocked record-receive!: refused"
  '(exited 0 ())
  (in-child
   (lambda ()
     (unexpected (rounds 50 (replace-transport-during-receive
                             (lambda (s socket)
                               (set-session-transport-port! s socket))))
                 (list 'value refused reset 'system-error)))))


;;;
;;; Case: two threads calling handshake at once.
;;;

(test-equal "two threads handshaking one session: one handshakes, one is refused"
  '(exited 0 ())
  (in-child
   (lambda ()
     (unexpected
      (rounds 100
              (lambda ()
                (call-with-socketpair
                 (lambda (a b)
                   (let* ((client (make-anonymous-session connection-end/client #:fd (fileno a)))
                          (server (make-anonymous-session connection-end/server #:fd (fileno b)))
                          (attempt (lambda ()
                                     (call-with-new-thread
                                      (lambda () (outcome (lambda () (handshake client)))))))
                          (first (attempt))
                          (second (attempt))
                          ;; Neither can finish before the server starts, so
                          ;; the two overlap: one waits, one is refused.
                          (peer (begin
                                  (usleep 2000)
                                  (call-with-new-thread
                                   (lambda () (outcome (lambda () (handshake server)))))))
                          (finish (lambda (thread)
                                    ;; A thread the scheduler started only
                                    ;; after the other's whole handshake
                                    ;; renegotiates with a server that is
                                    ;; done: end it with the stream.
                                    (let wait ((ms 0))
                                      (cond ((thread-exited? thread) #t)
                                            ((< ms 3000) (usleep 1000) (wait (+ ms 1)))
                                            (else (shutdown b 2))))
                                    (join-thread thread)))
                          (first (finish first))
                          (second (finish second)))
                     (list (join-thread peer)
                           ;; Exactly one of the two handshook.
                           (if (equal? (sort (list (symbol->string first)
                                                   (symbol->string second))
                                             string<?)
                                       (sort (list "value" (symbol->string refused))
                                             string<?))
                               'one-each
                               (if (memq 'value (list first second))
                                   'one-after-the-other
                                   (list first second)))))))))
      (list 'value 'one-each 'one-after-the-other)))))


;;;
;;; What a refusal says, and callbacks into the session.
;;;

(define (explained-error thunk)
  "Call THUNK.  If it raises a gnutls-error, return (ERROR . EXPLANATION),
EXPLANATION being what the error printer would add to it (or #f); if it
returns, return #f.  Other exceptions pass through."
  (let ((outcome (with-exception-handler
                     (lambda (e) e)
                   (lambda () (thunk) #f)
                   #:unwind? #t)))
    (cond ((not outcome) #f)
          ((and (exception? outcome) (eq? (exception-kind outcome) 'gnutls-error))
           (let ((args (exception-args outcome)))
             (cons (car args) (%gnutls-error-explanation args))))
          (else (raise-exception outcome)))))

(test-equal "a refused call says what is in progress"
  '(exited 0 #t)
  (in-child
   (lambda ()
     (with-established-pair
      (lambda (client server a b)
        (let ((receiving
               (call-with-new-thread
                (lambda ()
                  ;; A priority change holding the session when the
                  ;; receiver enters refuses it in turn: it tries again.
                  (let retry ()
                    (catch 'gnutls-error
                      (lambda () (record-receive! client (make-bytevector 10)))
                      (lambda (key error . rest)
                        (if (eq? error error/invalid-request)
                            (begin (usleep 100) (retry))
                            (apply throw key error rest)))))))))
          ;; Until the receiver is inside its call, the priority change may start.
          (let loop ((tries 0))
            (let ((message (match (explained-error
                                   (lambda ()
                                     (set-session-priorities! client anonymous-priorities)))
                             (((? (cut eq? <> error/invalid-request)) . explanation)
                              explanation)
                             (_ #f))))
              (if (or message (= tries 5000))
                  (begin
                    (record-send server (make-bytevector 1))
                    (join-thread receiving)
                    (and message
                         (string-contains
                          message
                          "a priority change cannot start while a receive is in progress")
                         #t))
                  (begin (usleep 1000) (loop (+ tries 1))))))))))))

(define (calling-back port-procedure)
  "Handshake a client over a custom port whose reads first call
PORT-PROCEDURE with the session; return what the handshake raised."
  (call-with-socketpair
   (lambda (a b)
     (let* ((session #f)
            (port (make-custom-binary-input/output-port
                   "calling back"
                   (lambda (bv start count)
                     (port-procedure session)
                     0)
                   (lambda (bv start count)
                     (put-bytevector a bv start count)
                     (force-output a)
                     count)
                   #f #f #f)))
       (set! session (make-anonymous-session connection-end/client #:port port))
       (match (explained-error (lambda () (handshake session)))
         (#f 'no-error)
         ((error . explanation)
          (list (error->string error)
                (and explanation
                     (string-contains explanation "from inside a handshake")
                     #t))))))))

(test-equal "a port transport calling handshake on its own session: an error, not a deadlock"
  (list 'exited 0 (list (error->string error/invalid-request) #t))
  (in-child (lambda () (calling-back handshake))))

(test-equal "a port transport replacing its session's transport: an error"
  (list 'exited 0 (list (error->string error/invalid-request) #t))
  (in-child (lambda () (calling-back (lambda (session) (set-session-transport-fd! session 0))))))

(test-equal "a port transport changing its session's peer verification: an error"
  (list 'exited 0 (list (error->string error/invalid-request) #t))
  (in-child (lambda ()
              (calling-back (lambda (session)
                              (set-session-peer-verification! session "example.org"))))))

(test-equal "a port transport sending on its own session: an error"
  (list 'exited 0 (list (error->string error/invalid-request) #t))
  (in-child (lambda () (calling-back (lambda (session) (record-send session (make-bytevector 1)))))))

(test-equal "one thread doing everything in turn is never refused"
  '(value value value value)
  (with-established-pair
   (lambda (client server a b)
     (let ((port (session-record-port client)))
       (list (outcome (lambda () (put-bytevector port (make-bytevector 10 1)) (force-output port)))
             (outcome (lambda () (record-receive! server (make-bytevector 10))))
             (outcome (lambda () (set-session-transport-fd! client (fileno a))))
             (outcome (lambda () (bye client close-request/wr))))))))


;;;
;;; A descriptor closed and reused for another file.
;;;

(test-equal "handshake on a descriptor closed and reused for a file: refused, file untouched"
  (list (error->string error/invalid-request) 0)
  (let* ((pair (socketpair PF_UNIX SOCK_STREAM 0))
         (fd (dup (fileno (car pair))))
         (session (make-anonymous-session connection-end/client #:fd fd))
         (file-name (string-append (or (getenv "TMPDIR") "/tmp") "/threads-reuse-"
                                   (number->string (getpid))))
         (file (open-file file-name "w")))
    (close-port (car pair))
    (close-port (cdr pair))
    (close-fdes fd)
    ;; The program's next file takes the number.
    (dup2 (fileno file) fd)
    (let ((raised (catch 'gnutls-error
                    (lambda () (handshake session) 'no-error)
                    (lambda (key error . rest) (error->string error)))))
      (close-fdes fd)
      (close-port file)
      (let ((size (stat:size (stat file-name))))
        (delete-file file-name)
        (list raised size)))))

(test-equal "bye on a descriptor closed and reused: refused"
  (error->string error/invalid-request)
  (with-established-pair
   (lambda (client server a b)
     (let ((fd (dup (fileno a))))
       (set-session-transport-fd! client fd)
       (close-fdes fd)
       (match (pipe)
         ((in . out)
          ;; The pipe may have taken the number itself.
          (unless (= fd (fileno in)) (dup2 (fileno in) fd))
          (let ((raised (catch 'gnutls-error
                          (lambda () (bye client close-request/wr) 'no-error)
                          (lambda (key error . rest) (error->string error)))))
            (unless (= fd (fileno in)) (close-fdes fd))
            (close-port in)
            (close-port out)
            raised)))))))

(test-end "threads")
(test-exit)
