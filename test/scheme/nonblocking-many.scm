;;; Fifty TLS client/server pairs at once in one thread, over non-blocking
;;; socketpairs, run by the cooperative scheduler: each side sends 1 MiB
;;; (NONBLOCKING_BYTES, which the valgrind pass makes smaller) while it
;;; receives as much, with handshakes and byes interleaved among the
;;; pairs.  Every byte must arrive intact, the whole run must finish before
;;; a deadline, and the number of waits must stay within what the transfers
;;; need: a task that spins on "would block" waits without bound.

(use-modules (srfi srfi-64)
             (srfi srfi-1)
             (test-support)
             (cooperative-scheduler)
             (gnutls)
             (ice-9 binary-ports)
             (rnrs bytevectors))

(test-alarm 110)                        ; a task stuck in C cannot hang the suite

(define pair-count 50)
(define transfer-size
  (or (and=> (getenv "NONBLOCKING_BYTES") string->number)
      (* 1024 1024)))
(define chunk-size 10000)               ; not a multiple of the record size

(define pattern
  ;; Twice the same pseudo-random TRANSFER-SIZE bytes: side K of pair P
  ;; sends the bytes from offset (P * 2 + K) * 1009, so every stream is
  ;; distinct.
  (let ((bv (make-bytevector (* 2 transfer-size))))
    (let loop ((i 0) (x 12345))
      (when (< i transfer-size)
        (let ((byte (logand (ash x -16) #xff)))
          (bytevector-u8-set! bv i byte)
          (bytevector-u8-set! bv (+ i transfer-size) byte))
        (loop (1+ i) (logand (+ (* x 69069) 1) #xffffffff))))
    bv))

(define (stream-offset pair side) (* 1009 (+ (* 2 pair) side)))

(define (set-nonblocking! port)
  (fcntl port F_SETFL (logior O_NONBLOCK (fcntl port F_GETFL))))

(define (send-stream port offset)
  (let loop ((sent 0))
    (when (< sent transfer-size)
      (let ((n (min chunk-size (- transfer-size sent))))
        (put-bytevector port pattern (+ offset sent) n)
        (loop (+ sent n)))))
  (force-output port))

(define (receive-stream port offset)
  "Read the stream sent from OFFSET of the pattern; return the number of
bytes that arrived intact, stopping at the first difference."
  (let loop ((received 0))
    (let ((bv (get-bytevector-some port)))
      (if (eof-object? bv)
          received
          (let* ((n (bytevector-length bv))
                 (expected (make-bytevector n)))
            (bytevector-copy! pattern (+ offset received) expected 0
                              (min n (- transfer-size received)))
            (if (and (<= (+ received n) transfer-size)
                     (bytevector=? bv expected))
                (if (= (+ received n) transfer-size)
                    (+ received n)
                    (loop (+ received n)))
                received))))))

(define results '())                    ; (pair side bytes-ok)

(define (endpoint pair side session)
  "A task: handshake, then send and receive at once (two tasks), then bye."
  (lambda ()
    (handshake session)
    (let ((port (session-record-port session))
          (remaining 2))
      (define (finished!)
        (set! remaining (1- remaining))
        (when (zero? remaining)
          (bye session close-request/rdwr)))
      (spawn (lambda ()
               (send-stream port (stream-offset pair side))
               (finished!)))
      (let ((ok (receive-stream port (stream-offset pair (- 1 side)))))
        (set! results (cons (list pair side ok) results))
        (finished!)))))

(test-begin "nonblocking-many")

(define sockets
  (map (lambda (i) (socketpair PF_UNIX SOCK_STREAM 0)) (iota pair-count)))

(define waits
  (begin
    (for-each (lambda (pair)
                (set-nonblocking! (car pair))
                (set-nonblocking! (cdr pair)))
              sockets)
    (run-tasks
     (append-map
      (lambda (i pair)
        (list (endpoint i 0 (make-anonymous-session connection-end/client
                                                    #:fd (car pair)))
              (endpoint i 1 (make-anonymous-session connection-end/server
                                                    #:fd (cdr pair)))))
      (iota pair-count) sockets)
     #:deadline 100)))

(test-equal "every endpoint finished"
  (* 2 pair-count) (length results))

(test-assert "every byte arrived intact, both ways, in every pair"
  (every (lambda (r) (= (caddr r) transfer-size)) results))

;; One wait per record written or read would be 2 * 2 * 64 waits per pair;
;; in practice a wait moves several records.  Spinning on EAGAIN (waiting
;; on the wrong descriptor or direction) costs a wait per attempt, and runs
;; into the hundreds of thousands.
(define wait-bound (* pair-count 2 2 (/ transfer-size 16384)))

(test-assert (format #f "waits stay within the transfers' needs (~a <= ~a)"
                     waits wait-bound)
  (<= waits wait-bound))

(for-each (lambda (pair) (close-port (car pair)) (close-port (cdr pair)))
          sockets)

(test-end "nonblocking-many")
(test-exit)
