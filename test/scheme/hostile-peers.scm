;;; Hostile peers: a forked peer sends random bytes, TLS-looking garbage,
;;; truncated and oversized records, alerts mid-stream, or hangs up at
;;; every point of the handshake and of the transfer.  Our side must get a
;;; gnutls-error or the end of the stream, within the peer's alarm, and
;;; go on with a good session afterwards, without leaking descriptors.
;;;
;;; STEP (environment variable HOSTILE_PEERS_STEP, default 1) thins the
;;; cut-point sweeps for slow runs (valgrind): every STEP-th point is tried.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (ice-9 match)
             (ice-9 binary-ports)
             (rnrs bytevectors)
             (test-support)
             (gnutls))

;; A peer that hangs up makes our writes fail with EPIPE; like any network
;; server, this process must not die of SIGPIPE for that (the fd transport
;; never raises it; a Scheme socket port would).
(sigaction SIGPIPE SIG_IGN)

(define step
  (max 1 (or (and=> (getenv "HOSTILE_PEERS_STEP") string->number) 1)))

(define peer-timeout 20)

(define (open-fd-count)
  "Open sockets: Guile's own pipes come and go with its helper threads."
  (count (lambda (fd)
           (let ((target (false-if-exception
                          (readlink (string-append "/proc/self/fd/" fd)))))
             (and target (string-prefix? "socket:" target))))
         (scandir-fds)))

(define (scandir-fds)
  (let ((dir (opendir "/proc/self/fd")))
    (let loop ((names '()))
      (let ((name (readdir dir)))
        (if (eof-object? name)
            (begin (closedir dir) names)
            (loop (if (member name '("." "..")) names (cons name names))))))))

(define (random-bytes size state)
  (let ((bv (make-bytevector size)))
    (do ((i 0 (+ i 1))) ((= i size) bv)
      (bytevector-u8-set! bv i (random 256 state)))))

(define (send-raw socket bv)
  (put-bytevector socket bv)
  (force-output socket))

(define (drain socket)
  "Read and drop what the other side sends until it hangs up (or resets
the connection)."
  (catch 'system-error
    (lambda ()
      (let loop ()
        (unless (eof-object? (get-bytevector-some socket))
          (loop))))
    (const #f)))

(define (outcome thunk)
  "Run THUNK; return its value, or (gnutls-error ERROR) if it raised one.
Any other exception propagates and fails the test."
  (catch 'gnutls-error
    thunk
    (lambda (key error . rest)
      (list 'gnutls-error error))))

(define (gnutls-error? x)
  (match x (('gnutls-error _) #t) (_ #f)))

(define (our-session end socket transport)
  (case transport
    ((fd) (make-anonymous-session end #:fd (fileno socket)))
    ((port) (make-anonymous-session end #:port socket))))

(define (against-peer peer our-side)
  "Run PEER on a forked raw socket; call OUR-SIDE with our socket end."
  ;; Output still buffered would be written again by the child.
  (flush-all-ports)
  (call-with-values (lambda () (call-with-forked-peer peer our-side
                                                      #:timeout peer-timeout))
    (lambda (result status) result)))

(define peers-per-fork 64)

(define (against-peers cases)
  "CASES is a list of (PEER . OUR-SIDE): return the list of what each
OUR-SIDE returns, as `against-peer' would.  One forked process runs the
peers of up to `peers-per-fork' cases, one after the other, each on its
own socketpair, which it closes once its peer returns; each peer has
`peer-timeout' seconds.  The sweeps try thousands of cut points: a fork
each would cost more than the sessions."
  (if (<= (length cases) peers-per-fork)
      (against-forked-peers cases)
      (append (against-forked-peers (take cases peers-per-fork))
              (against-peers (drop cases peers-per-fork)))))

(define (against-forked-peers cases)
  ;; Output still buffered would be written again by the child.
  (flush-all-ports)
  (let* ((pairs (map (lambda (case) (socketpair PF_UNIX SOCK_STREAM 0)) cases))
         (pid (primitive-fork)))
    (if (zero? pid)
        (begin
          (for-each (lambda (pair) (close-port (car pair))) pairs)
          (for-each (lambda (case pair)
                      (alarm peer-timeout)
                      (catch #t
                        (lambda () ((car case) (cdr pair)))
                        (lambda (key . args)
                          (format (current-error-port) "peer: ~s ~s~%" key args)))
                      (close-port (cdr pair)))
                    cases pairs)
          (primitive-exit 0))
        (begin
          (for-each (lambda (pair) (close-port (cdr pair))) pairs)
          (let ((results
                 (catch #t
                   (lambda ()
                     (let loop ((cases cases) (pairs pairs) (results '()))
                       (match cases
                         (() (reverse results))
                         (((peer . our-side) . more)
                          (let ((result (our-side (car (car pairs)))))
                            (close-port (car (car pairs)))
                            (loop more (cdr pairs) (cons result results)))))))
                   (lambda args
                     (kill pid SIGKILL)
                     (waitpid pid)
                     (for-each (lambda (pair) (close-port (car pair))) pairs)
                     (apply throw args)))))
            ;; A peer that outlived its alarm took the later peers of its
            ;; fork with it: their cases saw no peer at all.
            (match (waitpid pid)
              ((_ . status)
               (unless (eqv? 0 (status:exit-val status))
                 (error "forked peers killed, status" status))))
            results)))))

(define (our-handshake end transport)
  "Our side of a case: the outcome of a handshake as END over TRANSPORT."
  (lambda (socket)
    (let ((session (our-session end socket transport)))
      (outcome (lambda () (handshake session) 'ok)))))

(define (handshake-outcome end transport peer)
  (against-peer peer (our-handshake end transport)))

(define (read-all-outcome session)
  "Read the record port to its end; return (BYTES . END) where END is eof
or a gnutls-error."
  (let ((port (session-record-port session)))
    (let loop ((chunks '()))
      (let ((x (outcome (lambda () (get-bytevector-some port)))))
        (cond ((eof-object? x)
               (cons (apply bytevector-append (reverse chunks)) 'eof))
              ((gnutls-error? x)
               (cons (apply bytevector-append (reverse chunks)) x))
              (else (loop (cons x chunks))))))))

(define (bytevector-append . bvs)
  (let ((out (make-bytevector (apply + (map bytevector-length bvs)))))
    (let loop ((bvs bvs) (at 0))
      (match bvs
        (() out)
        ((bv . rest)
         (bytevector-copy! bv 0 out at (bytevector-length bv))
         (loop rest (+ at (bytevector-length bv))))))))

(define (prefix? a b)
  "True if bytevector A is a prefix of B."
  (and (<= (bytevector-length a) (bytevector-length b))
       (bytevector=? a (sub-bytevector b 0 (bytevector-length a)))))

(define (good-session-works?)
  "A normal handshake and exchange still work in this process."
  (against-peer
   (lambda (socket)
     (let* ((server (make-anonymous-session connection-end/server
                                            #:fd (fileno socket)))
            (port (session-record-port server)))
       (handshake server)
       (put-bytevector port (get-bytevector-n port 5))
       (force-output port)
       (bye server close-request/rdwr)))
   (lambda (socket)
     (let* ((client (make-anonymous-session connection-end/client
                                            #:fd (fileno socket)))
            (port (session-record-port client)))
       (handshake client)
       (put-bytevector port (string->utf8 "hello"))
       (force-output port)
       (let ((echo (get-bytevector-n port 5)))
         (bye client close-request/rdwr)
         (equal? echo (string->utf8 "hello")))))))

(test-begin "hostile-peers")

(test-assert "a good session works first" (good-session-works?))

(define fds-at-start (open-fd-count))


;;;
;;; Garbage before and during the handshake.
;;;

(define (tls-record-header type length)
  (u8-list->bytevector
   (list type 3 3 (ash length -8) (logand length 255))))

(define (record-then-random type length sent)
  "A procedure of a random state that returns a record header of content
TYPE announcing LENGTH bytes, then SENT random bytes."
  (lambda (state)
    (bytevector-append (tls-record-header type length) (random-bytes sent state))))

(define garbage-cases
  ;; (NAME . PROCEDURE-OF-RANDOM-STATE-RETURNING-BYTES)
  `((empty . ,(lambda (state) #vu8()))
    (one-byte . ,(lambda (state) (random-bytes 1 state)))
    (random-100 . ,(lambda (state) (random-bytes 100 state)))
    (random-5000 . ,(lambda (state) (random-bytes 5000 state)))
    (random-70000 . ,(lambda (state) (random-bytes 70000 state)))
    (handshake-record-random-body . ,(record-then-random 22 200 200))
    (handshake-record-truncated . ,(record-then-random 22 200 50))
    (handshake-record-empty . ,(lambda (state) (tls-record-header 22 0)))
    (handshake-record-oversized . ,(record-then-random 22 65535 65535))
    (handshake-record-oversized-truncated . ,(record-then-random 22 20000 300))
    (alert-record
     . ,(lambda (state) (bytevector-append (tls-record-header 21 2) #vu8(2 40))))
    (application-data-before-handshake . ,(record-then-random 23 100 100))
    (unknown-content-type . ,(record-then-random 99 10 10))
    (ssl2-hello-like
     . ,(lambda (state) (bytevector-append #vu8(#x80 #x2e 1 0 2) (random-bytes 60 state))))))

(for-each-combination
 (lambda (garbage end transport)
   (match garbage
     ((name . make-bytes)
      (test-match (format #f "~a against our ~a over ~a: gnutls-error" name
                          (end-name end) transport)
        (handshake-outcome
         end transport
         (lambda (socket)
           (let ((state (seed->random-state (symbol-hash name))))
             ;; The peer's write may fail once our side gives up.
             (catch 'system-error
               (lambda () (send-raw socket (make-bytes state)))
               (const #f))
             (shutdown socket 1)
             (drain socket))))
        (result (gnutls-error? result))))))
 garbage-cases
 (list connection-end/client connection-end/server)
 '(fd port))

;; Random bytes from many seeds against a client over a file descriptor.
(test-assert "random bytes from 50 seeds: gnutls-error every time"
  (every gnutls-error?
         (against-peers
          (map (lambda (seed)
                 (cons (lambda (socket)
                         (let ((state (seed->random-state seed)))
                           (catch 'system-error
                             (lambda ()
                               (send-raw socket (random-bytes (+ 1 (random 3000 state)) state)))
                             (const #f))
                           (shutdown socket 1)
                           (drain socket)))
                       (our-handshake connection-end/client 'fd)))
               (iota 50)))))

(test-assert "a good session works after garbage" (good-session-works?))


;;;
;;; Hanging up at every point: the peer is a real TLS endpoint whose
;;; transport stops after BUDGET bytes and hangs up.
;;;

(define (cutting-port socket budget)
  "A transport port over SOCKET that writes BUDGET bytes in all, then
hangs up and raises."
  ;; Buffered, so that its reads of the socket are not a byte each.
  (setvbuf socket 'block 65536)
  (let ((written 0))
    (make-custom-binary-input/output-port
     "cutting"
     (lambda (bv start count)
       (let ((n (get-bytevector-some! socket bv start count)))
         (if (eof-object? n) 0 n)))
     (lambda (bv start count)
       (let ((n (min count (- budget written))))
         (put-bytevector socket bv start n)
         (force-output socket)
         (set! written (+ written n))
         (when (< n count)
           (shutdown socket 2)
           (throw 'cut))
         count))
     #f #f #f)))

(define payload
  (let ((bv (make-bytevector 9000)))
    (do ((i 0 (+ i 1))) ((= i 9000) bv)
      (bytevector-u8-set! bv i (modulo i 251)))))

(define (tls-peer end budget)
  "A peer for END that handshakes, sends `payload' in three records and
says bye, over a transport cut after BUDGET bytes."
  (lambda (socket)
    (catch 'cut
      (lambda ()
        (let ((session (make-anonymous-session end #:port (cutting-port socket budget))))
          (handshake session)
          (for-each (lambda (start)
                      (record-send session (sub-bytevector payload start 3000)))
                    '(0 3000 6000))
          (bye session close-request/wr)))
      (const #f))
    (shutdown socket 2)))

(define (sub-bytevector bv start count)
  (let ((out (make-bytevector count)))
    (bytevector-copy! bv start out 0 count)
    out))

(define (counting-port socket counter)
  "A transport port over SOCKET that adds what it reads to COUNTER (a box)."
  (make-custom-binary-input/output-port
   "counting"
   (lambda (bv start count)
     (let ((n (get-bytevector-some! socket bv start count)))
       (if (eof-object? n)
           0
           (begin (set-car! counter (+ (car counter) n)) n))))
   (lambda (bv start count)
     (put-bytevector socket bv start count)
     (force-output socket)
     count)
   #f #f #f))

;; Our side, as the other end of `tls-peer': handshake, then read to the end.
;; TRANSPORT is fd, counting (the counting port over the socket as it is:
;; unbuffered, so each read returns a byte and GnuTLS takes no byte ahead
;; of its need, which makes the counts exact) or port (the counting port
;; over the socket buffered, and its counts approximate).
(define (our-end-against-tls-peer our-end transport)
  (lambda (socket)
    (let* ((counter (list 0))
           (session (case transport
                      ((fd) (our-session our-end socket 'fd))
                      ((counting) (make-anonymous-session
                                   our-end #:port (counting-port socket counter)))
                      ((port)
                       (setvbuf socket 'block 65536)
                       (make-anonymous-session
                        our-end #:port (counting-port socket counter))))))
      (match (outcome (lambda () (handshake session) 'ok))
        ('ok
         (let ((after-handshake (car counter)))
           (match (read-all-outcome session)
             ((data . end) (list 'data data end after-handshake (car counter))))))
        (error (list 'handshake error))))))

(define (peer-bytes our-end)
  "Bytes the peer sends in a whole exchange: (AFTER-HANDSHAKE . TOTAL)."
  (match (against-peer (tls-peer (if (eq? our-end connection-end/client)
                                      connection-end/server
                                      connection-end/client)
                                  (expt 2 40))
                       (our-end-against-tls-peer our-end 'counting))
    (('data data 'eof handshake total)
     (and (equal? data payload) (cons handshake total)))
    (_ #f)))

(define (cut-sweep our-end budgets check)
  "Run a `tls-peer' cut after each of BUDGETS bytes against OUR-END, over
a descriptor for even budgets and a buffered port for odd ones: true if
(CHECK BUDGET OUTCOME) is true for each.  Each outcome is checked, and
dropped, as soon as it is known."
  (define peer-end (if (eq? our-end connection-end/client)
                       connection-end/server
                       connection-end/client))
  (every identity
         (against-peers
          (map (lambda (budget)
                 (cons (tls-peer peer-end budget)
                       (let ((our-side (our-end-against-tls-peer
                                        our-end (if (even? budget) 'fd 'port))))
                         (lambda (socket)
                           (check budget (our-side socket))))))
               budgets))))

(for-each
 (lambda (our-end)
   (define sizes (peer-bytes our-end))

   (test-assert (format #f "uncut exchange with our ~a delivers everything"
                        (end-name our-end))
     (pair? sizes))

   (when (pair? sizes)
     (match sizes
       ((handshake-bytes . total-bytes)
        (test-assert (format #f "peer hangs up after each of ~a handshake bytes: our ~a gets a gnutls-error"
                             handshake-bytes (end-name our-end))
          (cut-sweep our-end (iota (quotient handshake-bytes step) 0 step)
                     (lambda (budget outcome)
                       (match outcome
                         (('handshake ('gnutls-error _)) #t)
                         ;; The last flight may be cut after our side's
                         ;; handshake is complete: then the data is cut.
                         (('data data end . _)
                          (and (zero? (bytevector-length data))
                               (>= budget (- handshake-bytes 100))))
                         (other
                          (format (current-error-port) "budget ~a: ~s~%" budget other)
                          #f)))))

        (test-assert (format #f "peer hangs up during the transfer: our ~a reads a prefix, then EOF or a gnutls-error"
                             (end-name our-end))
          (cut-sweep our-end
                     (iota (quotient (- total-bytes handshake-bytes) (* 7 step))
                           handshake-bytes (* 7 step))
                     (lambda (budget outcome)
                       (match outcome
                         (('data data (or 'eof ('gnutls-error _)) . _)
                          (prefix? data payload))
                         (other
                          (format (current-error-port) "budget ~a: ~s~%" budget other)
                          #f)))))))))
 (list connection-end/client connection-end/server))

(test-assert "a good session works after hang-ups" (good-session-works?))


;;;
;;; After a good handshake: garbage, oversized records and alerts.
;;;

(define (after-handshake peer-action)
  "A server peer that handshakes, then runs PEER-ACTION with its session
and socket, then hangs up.  Our client reads to the end: return the
outcome of `read-all-outcome'."
  (against-peer
   (lambda (socket)
     (let ((server (make-anonymous-session connection-end/server
                                           #:fd (fileno socket))))
       (handshake server)
       (record-send server (string->utf8 "before"))
       (catch 'system-error
         (lambda () (peer-action server socket))
         (const #f))
       (shutdown socket 1)
       (drain socket)))
   (lambda (socket)
     (let ((client (make-anonymous-session connection-end/client
                                           #:fd (fileno socket))))
       (handshake client)
       (read-all-outcome client)))))

(define-syntax-rule (test-mid-stream name action check)
  (test-match name (after-handshake action)
    ((data . end) (and (equal? data (string->utf8 "before")) (check end)))))

(define (gnutls-error-or-eof? end)
  (or (eq? end 'eof) (gnutls-error? end)))

(test-mid-stream "random bytes mid-stream: gnutls-error"
  (lambda (session socket)
    (send-raw socket (random-bytes 3000 (seed->random-state 7))))
  gnutls-error?)

(define (raw-record type length sent seed)
  "A peer action that sends a record header of content TYPE announcing
LENGTH bytes, then SENT random bytes drawn from SEED."
  (lambda (session socket)
    (send-raw socket ((record-then-random type length sent) (seed->random-state seed)))))

(test-mid-stream "oversized application record mid-stream: gnutls-error"
  (raw-record 23 65535 65535 8)
  gnutls-error?)

(test-mid-stream "truncated record mid-stream: EOF or gnutls-error"
  (raw-record 23 500 100 9)
  gnutls-error-or-eof?)

(test-mid-stream "handshake record mid-stream: gnutls-error"
  (raw-record 22 40 40 10)
  gnutls-error?)

(test-mid-stream "fatal alert mid-stream: gnutls-error"
  (lambda (session socket)
    (alert-send session alert-level/fatal alert-description/internal-error))
  (lambda (end)
    (match end
      (('gnutls-error error) (eq? error error/fatal-alert-received))
      (_ #f))))

(test-mid-stream "close_notify mid-stream: EOF"
  (lambda (session socket)
    (bye session close-request/wr))
  (lambda (end) (eq? end 'eof)))

(test-mid-stream "plain hang-up mid-stream: EOF"
  (lambda (session socket) #t)
  (lambda (end) (eq? end 'eof)))

(test-assert "a good session works at the end" (good-session-works?))

(test-equal "no socket leaked" fds-at-start (open-fd-count))

(test-end "hostile-peers")
(test-exit)
