;;; The misuse matrix in two threads: every session procedure paired with
;;; every other (and itself), the two called at once on one established
;;; session (descriptor transport over a socketpair, a live peer echoing
;;; what it receives).  Every call must end in a value or a Scheme error:
;;; never a crash, a sanitizer report or a hang.  Calls still waiting after
;;; a moment (a receive nobody answers, a renegotiation) are ended by
;;; shutting the sockets down.  The rounds run in a forked child with an
;;; alarm, so a crash fails the test instead of killing it.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (ice-9 threads)
             (ice-9 match)
             (ice-9 binary-ports)
             (rnrs bytevectors)
             (test-support)
             (gnutls))

(test-begin "misuse-threads")

(define child-timeout
  ;; Seconds all the rounds may take.
  40)

(define allowed-error-keys
  '(gnutls-error system-error wrong-type-arg misc-error))

(define procedures
  ;; (NAME . PROCEDURE): each takes the client session and its socket.
  `((handshake . ,(lambda (s socket) (handshake s)))
    (rehandshake . ,(lambda (s socket) (rehandshake s)))
    (reauthenticate . ,(lambda (s socket) (reauthenticate s)))
    (bye/wr . ,(lambda (s socket) (bye s close-request/wr)))
    (bye/rdwr . ,(lambda (s socket) (bye s close-request/rdwr)))
    (alert-send . ,(lambda (s socket)
                     (alert-send s alert-level/warning alert-description/user-canceled)))
    (record-send . ,(lambda (s socket) (record-send s (make-bytevector 2000 1))))
    (record-receive! . ,(lambda (s socket) (record-receive! s (make-bytevector 2000))))
    (record-port-write . ,(lambda (s socket)
                            (let ((port (session-record-port s)))
                              (put-bytevector port (make-bytevector 3000 2))
                              (force-output port))))
    (record-port-read . ,(lambda (s socket)
                           (get-bytevector-some (session-record-port s))))
    (record-port-close . ,(lambda (s socket) (close-port (session-record-port s))))
    (set-session-transport-fd! . ,(lambda (s socket)
                                    (set-session-transport-fd! s (fileno socket))))
    (set-session-transport-port! . ,(lambda (s socket)
                                      (set-session-transport-port! s socket)))
    (set-session-priorities! . ,(lambda (s socket)
                                  (set-session-priorities! s anonymous-priorities)))
    (set-session-default-priority! . ,(lambda (s socket)
                                        (set-session-default-priority! s)))
    (set-session-credentials! . ,(lambda (s socket)
                                   (set-session-credentials!
                                    s (make-anonymous-client-credentials))))
    (set-session-server-name! . ,(lambda (s socket)
                                   (set-session-server-name! s server-name-type/dns
                                                             "example.org")))
    (session-cipher . ,(lambda (s socket) (session-cipher s)))))

(define (echo session)
  "Send back what SESSION receives, until the end of the stream or a
fatal error."
  (let ((buffer (make-bytevector 16384)))
    (let loop ()
      (let ((n (catch 'gnutls-error
                 (lambda () (record-receive! session buffer))
                 (lambda (key error . rest) (if (fatal-error? error) 0 -1)))))
        (cond ((zero? n))
              ((negative? n) (loop))
              (else
               (catch #t
                 (lambda () (record-send session (bytevector-copy buffer)))
                 (const #f))
               (loop)))))))

(define (outcome thunk)
  "'value if THUNK returns, else the key of what it raised."
  (catch #t
    (lambda () (thunk) 'value)
    (lambda (key . args) key)))

(define (wait-for threads ms)
  "Wait until THREADS have exited, or for MS milliseconds."
  (let loop ((left ms))
    (unless (or (every thread-exited? threads) (<= left 0))
      (usleep 1000)
      (loop (- left 1)))))

(define (round first second)
  "Call FIRST and SECOND, two entries of `procedures', at once on one
established session; return the unexpected outcomes, as
(NAME OTHER-NAME OUTCOME) lists."
  (call-with-socketpair
   (lambda (a b)
     (let* ((client (make-anonymous-session connection-end/client #:fd (fileno a)))
            (server (make-anonymous-session connection-end/server #:fd (fileno b)))
            (peer (call-with-new-thread
                   (lambda () (outcome (lambda () (handshake server) (echo server)))))))
       (handshake client)
       (let* ((call (lambda (entry)
                      (call-with-new-thread
                       (lambda () (outcome (lambda () ((cdr entry) client a)))))))
              (threads (list (call first) (call second))))
         (wait-for threads 50)
         ;; Whatever still waits for the peer ends with the stream.
         (shutdown a 2)
         (shutdown b 2)
         (let ((outcomes (map join-thread threads)))
           (join-thread peer)
           (filter-map (lambda (name other outcome)
                         (and (not (eq? outcome 'value))
                              (not (memq outcome allowed-error-keys))
                              (list name other outcome)))
                       (list (car first) (car second))
                       (list (car second) (car first))
                       outcomes)))))))

(define (in-child thunk)
  (call-in-child thunk #:timeout child-timeout))

(define pairs
  ;; Every ordered pair: each procedure meets each other in both orders of
  ;; thread creation, and itself.
  (append-map (lambda (first)
                (map (lambda (second) (cons first second)) procedures))
              procedures))

(test-assert "over 200 rounds" (>= (length pairs) 200))

(test-equal "every pair of session procedures at once: values or Scheme errors"
  '(exited 0 ())
  (in-child
   (lambda ()
     (append-map (match-lambda ((first . second) (round first second)))
                 pairs))))

(test-end "misuse-threads")
(test-exit)
