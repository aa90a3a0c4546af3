;;; Data integrity: a stream written in random chunks (1 byte to 1 MiB)
;;; with a random mix of put-bytevector and display on the record port and
;;; record-send on the session, read in random chunks with port reads or
;;; record-receive!, arrives whole and in order; in both directions, over
;;; every kind of transport (a file descriptor, a Scheme socket port, and a
;;; custom port with no descriptor).
;;;
;;; INTEGRITY_BYTES (environment, default 4 MiB) sets the stream length.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (ice-9 match)
             (ice-9 binary-ports)
             (rnrs bytevectors)
             (test-support)
             (gnutls))

(define total
  (or (and=> (getenv "INTEGRITY_BYTES") string->number)
      (* 4 1024 1024)))

(define pattern
  ;; Printable ASCII, so that `display' of the same bytes as a string
  ;; writes exactly them; shifted chunks or reordered records would not
  ;; match.
  (let ((bv (make-bytevector total)))
    (do ((i 0 (+ i 1))) ((= i total) bv)
      (bytevector-u8-set! bv i (+ 32 (modulo (+ i (quotient i 95) (quotient i 9973)) 95))))))

(define (slice offset count)
  (let ((bv (make-bytevector count)))
    (bytevector-copy! pattern offset bv 0 count)
    bv))

(define (chunk-size state)
  "1 byte to 1 MiB, spread evenly over orders of magnitude."
  (+ 1 (random (expt 2 (random 21 state)) state)))

(define (record-send-all session bv)
  (let loop ((bv bv))
    (let ((sent (record-send session bv)))
      (unless (= sent (bytevector-length bv))
        (let ((rest (make-bytevector (- (bytevector-length bv) sent))))
          (bytevector-copy! bv sent rest 0 (bytevector-length rest))
          (loop rest))))))

(define (send-stream session state)
  "Send `pattern' over SESSION in random chunks by random methods; return
the methods used, as counts."
  (let ((port (session-record-port session))
        (counts (make-vector 3 0)))
    (let loop ((offset 0))
      (when (< offset total)
        (let ((n (min (chunk-size state) (- total offset)))
              (method (random 3 state)))
          (vector-set! counts method (+ 1 (vector-ref counts method)))
          (case method
            ((0) (put-bytevector port pattern offset n))
            ((1) (display (utf8->string (slice offset n)) port))
            ;; Record-send bypasses the port's buffer: flush it first.
            ((2) (force-output port)
                 (record-send-all session (slice offset n))))
          (loop (+ offset n)))))
    (force-output port)
    (bye session close-request/wr)
    counts))

(define (receive-stream session mode state)
  "Read SESSION to its end in random chunks, with the record port (MODE
port) or record-receive! (MODE record); return the bytes."
  (let ((out (make-bytevector (+ total 1)))
        (port (session-record-port session)))
    (define (store! bv at)
      (when (> (+ at (bytevector-length bv)) total)
        (error "more bytes than were sent"))
      (bytevector-copy! bv 0 out at (bytevector-length bv))
      (+ at (bytevector-length bv)))
    (let loop ((at 0))
      (let ((n (chunk-size state)))
        (match mode
          ('port
           (let ((x (case (random 3 state)
                      ((0) (get-bytevector-n port n))
                      ((1) (let ((b (get-u8 port)))
                             (if (eof-object? b) b (u8-list->bytevector (list b)))))
                      ((2) (get-bytevector-some port)))))
             (if (eof-object? x)
                 (slice-of out at)
                 (loop (store! x at)))))
          ('record
           (let* ((buffer (make-bytevector n))
                  (got (record-receive! session buffer)))
             (if (zero? got)
                 (slice-of out at)
                 (let ((bv (make-bytevector got)))
                   (bytevector-copy! buffer 0 bv 0 got)
                   (loop (store! bv at)))))))))))

(define (slice-of bv count)
  (let ((out (make-bytevector count)))
    (bytevector-copy! bv 0 out 0 count)
    out))

(define (make-session-over end socket transport)
  (case transport
    ((fd) (make-anonymous-session end #:fd (fileno socket)))
    ((port) (make-anonymous-session end #:port socket))
    ;; The socket buffered, so that the custom port's reads of it are not
    ;; a byte each.
    ((custom-port) (setvbuf socket 'block 65536)
     (make-anonymous-session end #:port (wrapping-port socket)))))

(define (run-case direction transport mode seed)
  "DIRECTION is to-us (the peer sends) or to-peer.  Return #t if every
byte arrived in order."
  (define (sender socket end)
    (let ((session (make-session-over end socket transport)))
      (handshake session)
      (send-stream session (seed->random-state seed))))
  (define (receiver socket end)
    (let ((session (make-session-over end socket transport)))
      (handshake session)
      (bytevector=? pattern (receive-stream session mode (seed->random-state (+ seed 1))))))
  (flush-all-ports)
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         (lambda (socket)
           (case direction
             ((to-us) (sender socket connection-end/server))
             ((to-peer)
              (unless (receiver socket connection-end/server)
                (error "peer received altered data")))))
         (lambda (socket)
           (case direction
             ((to-us) (receiver socket connection-end/client))
             ((to-peer) (sender socket connection-end/client) #t)))
         #:timeout 120))
    (lambda (ok? status)
      (and ok? (eqv? status 0)))))

(test-begin "integrity")

(for-each
 (match-lambda
   ((direction transport mode seed)
    (test-assert (format #f "~a bytes ~a over ~a, read with ~a, in order"
                         total direction transport
                         (if (eq? mode 'port) "port reads" "record-receive!"))
      (run-case direction transport mode seed))))
 (append-map (lambda (direction)
               (append-map (lambda (transport)
                             (map (lambda (mode seed) (list direction transport mode seed))
                                  '(port record) '(1 2)))
                           '(fd port custom-port)))
             '(to-us to-peer)))

(test-end "integrity")
(test-exit)
