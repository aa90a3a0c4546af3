;;; Bounded handshakes: set-session-handshake-timeout! against peers that
;;; send nothing, or stop halfway through a record, over descriptors and
;;; ports, blocking and non-blocking.  Every case is bounded well under a
;;; second.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (ice-9 match)
             (ice-9 binary-ports)
             (ice-9 suspendable-ports)
             ((ice-9 ports internal) #:select (port-read-wait-fd port-write-wait-fd))
             (rnrs bytevectors)
             (test-support)
             (gnutls))

(define timeout-ms 150)

(define (now-ms)
  (let ((t (gettimeofday)))
    (+ (* 1000 (car t)) (quotient (cdr t) 1000))))

(define (outcome thunk)
  "Call THUNK; return 'done, or the gnutls-error's enumerate and the
milliseconds it took, as (ERROR . MS)."
  (let ((start (now-ms)))
    (catch 'gnutls-error
      (lambda () (thunk) 'done)
      (lambda (key error . _)
        (cons error (- (now-ms) start))))))

(define (bounded? outcome)
  "True if OUTCOME is a timeout that came after the limit but well under a
second."
  (match outcome
    (((? (lambda (e) (eq? e error/timedout))) . ms)
     (and (>= ms (- timeout-ms 10)) (< ms 900)))
    (_ #f)))

(define (verdict outcome)
  "'bounded for a timeout in bounds, else OUTCOME itself (so a failure
prints it)."
  (if (bounded? outcome) 'bounded outcome))

(define (silent-peer-outcome end setup)
  "Handshake as END over one socket of a pair whose other end sends
nothing; SETUP gives the session its transport."
  (call-with-socketpair
   (lambda (ours silent)
     (let ((session (make-anonymous-session end)))
       (setup session ours)
       (set-session-handshake-timeout! session timeout-ms)
       (outcome (lambda () (handshake session)))))))

(define (by-fd session socket) (set-session-transport-fd! session (fileno socket)))
(define (by-port session socket) (set-session-transport-port! session socket))

(test-begin "handshake-timeout")

(test-group "the argument"
  (let ((session (make-session connection-end/client)))
    (test-equal "#f and 0 mean no limit" '(#t #t)
      (list (begin (set-session-handshake-timeout! session #f) #t)
            (begin (set-session-handshake-timeout! session 0) #t)))
    (test-equal "a negative count is out of range" 'out-of-range
      (catch #t (lambda () (set-session-handshake-timeout! session -1) 'accepted)
        (lambda (key . _) key)))
    (test-equal "too large a count is out of range" 'out-of-range
      (catch #t (lambda () (set-session-handshake-timeout! session (expt 2 40)) 'accepted)
        (lambda (key . _) key)))
    (test-equal "a string is the wrong type" 'wrong-type-arg
      (catch #t (lambda () (set-session-handshake-timeout! session "100") 'accepted)
        (lambda (key . _) key)))
    (test-equal "so is a session-less call" 'wrong-type-arg
      (catch #t (lambda () (set-session-handshake-timeout! 'junk 100) 'accepted)
        (lambda (key . _) key)))))

(test-group "a silent peer"
  (for-each
   (match-lambda
     ((label end setup)
      (test-equal label 'bounded
        (verdict (silent-peer-outcome end setup)))))
   `(("client over a descriptor" ,connection-end/client ,by-fd)
     ("server over a descriptor" ,connection-end/server ,by-fd)
     ("client over a socket port" ,connection-end/client ,by-port)
     ("server over a socket port" ,connection-end/server ,by-port))))

(test-equal "a peer that stops halfway through a record" 'bounded
  (call-with-socketpair
   (lambda (ours peer)
     ;; A handshake record header announcing 100 bytes, and 3 of them.
     (put-bytevector peer #vu8(22 3 3 0 100 2 0 0))
     (force-output peer)
     (let ((session (make-anonymous-session connection-end/client #:fd (fileno ours))))
       (set-session-handshake-timeout! session timeout-ms)
       (verdict (outcome (lambda () (handshake session))))))))

(test-equal "a non-blocking descriptor: the call after the deadline raises" 'bounded
  (call-with-socketpair
   (lambda (ours silent)
     (fcntl ours F_SETFL (logior O_NONBLOCK (fcntl ours F_GETFL)))
     (let ((session (make-anonymous-session connection-end/client #:fd (fileno ours)))
           (start (now-ms)))
       (set-session-handshake-timeout! session timeout-ms)
       ;; The program's own loop: wait a slice for the transport, try again.
       (let loop ((attempts 0))
         (match (catch 'gnutls-error
                  (lambda () (handshake session) 'done)
                  (lambda (key error . _) error))
           ((? (lambda (e) (eq? e error/again)))
            (select (list ours) '() '() 0 20000)
            (if (< attempts 100) (loop (+ attempts 1)) 'never-timed-out))
           (result (verdict (cons result (- (now-ms) start))))))))))

(define (waiting-outcome)
  "Handshake a non-blocking client with a silent peer under suspendable
ports, with waiters that poll the record port's wait fds as a scheduler
would (for at most 2 s each); return the verdict and the directions
waited for."
  (call-with-socketpair
   (lambda (ours silent)
     (fcntl ours F_SETFL (logior O_NONBLOCK (fcntl ours F_GETFL)))
     (let ((session (make-anonymous-session connection-end/client #:fd (fileno ours)))
           (waits '()))
       (set-session-handshake-timeout! session timeout-ms)
       (let ((result
              (dynamic-wind
                install-suspendable-ports!
                (lambda ()
                 (parameterize ((current-read-waiter
                              (lambda (port)
                                (set! waits (cons 'read waits))
                                (select (list (port-read-wait-fd port)) '() '() 2)))
                             (current-write-waiter
                              (lambda (port)
                                (set! waits (cons 'write waits))
                                (select '() (list (port-write-wait-fd port)) '() 2))))
                (outcome (lambda () (handshake session)))))
                uninstall-suspendable-ports!)))
         (list (verdict result) (delete-duplicates waits)))))))

(test-equal "under suspendable ports, a silent peer is timed out too"
  '(bounded (read))
  (waiting-outcome))

(test-equal "after a timeout the session cannot be used"
  (list error/invalid-request error/invalid-request error/invalid-request)
  (call-with-socketpair
   (lambda (ours silent)
     (let ((session (make-anonymous-session connection-end/client #:fd (fileno ours))))
       (set-session-handshake-timeout! session 50)
       (outcome (lambda () (handshake session)))
       (map (lambda (thunk)
              (catch 'gnutls-error thunk (lambda (key error . _) error)))
            (list (lambda () (handshake session))
                  (lambda () (record-send session #vu8(1)))
                  (lambda () (rehandshake session))))))))

(test-equal "a handshake with a willing peer completes within the limit"
  '(#t 0)
  (anonymous-exchange
   (lambda (server)
     (set-session-handshake-timeout! server 5000)
     (handshake server)
     (bye server close-request/rdwr))
   (lambda (client)
     (set-session-handshake-timeout! client 5000)
     (handshake client)
     (bye client close-request/rdwr)
     #t)
   #:timeout 10))

(test-end "handshake-timeout")
(test-exit)
