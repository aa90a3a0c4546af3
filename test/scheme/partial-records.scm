;;; Records that arrive and leave in pieces.  A record call first tries
;;; to move its record without waiting, and waits only when it must; what
;;; the try read or wrote of a record must then be taken up where it
;;; stopped, and nothing may be lost or repeated.  Here the peer's
;;; transport is a custom port that writes its records to the socket a few
;;; bytes at a time, so that they arrive cut anywhere, and reads a few
;;; bytes at a time, so that the session's socket fills in the middle of
;;; a record.  The session under test is given the socket as a file
;;; descriptor, or as the socket port itself.
;;;
;;; PARTIAL_RECORDS_BYTES (default 524288) is what the server sends, more
;;; than a socket holds; the client sends an eighth of it.

(use-modules (srfi srfi-64)
             (test-support)
             (gnutls)
             (ice-9 binary-ports)
             (rnrs bytevectors))

(test-begin "partial-records")

(define (pattern size seed)
  "A bytevector of SIZE bytes that differ from one offset to the next."
  (let ((bv (make-bytevector size)))
    (do ((i 0 (1+ i))) ((= i size) bv)
      (bytevector-u8-set! bv i (modulo (+ seed (* i 31)) 251)))))

(define to-client-size
  (or (and=> (getenv "PARTIAL_RECORDS_BYTES") string->number) (* 512 1024)))
(define to-server (pattern (quotient to-client-size 8) 7))
(define to-client (pattern to-client-size 11))

(define (trickling-port socket)
  "A custom binary port over SOCKET that moves at most 61 bytes a call,
with a pause now and then, both ways."
  (let ((state (seed->random-state 17)))
    (define (piece count)
      (min count (1+ (random 61 state))))
    (setvbuf socket 'none)
    (make-custom-binary-input/output-port
     "trickling"
     (lambda (bv start count)
       (let ((n (get-bytevector-some! socket bv start (piece count))))
         (if (eof-object? n) 0 n)))
     (lambda (bv start count)
       (let ((n (piece count)))
         (put-bytevector socket bv start n)
         (when (zero? (random 32 state)) (usleep 200))
         n))
     #f #f #f)))

(define (trickling-client socket)
  "The peer: send TO-SERVER, read TO-CLIENT back, check it, and close."
  (let* ((session (make-anonymous-session connection-end/client
                                          #:port (trickling-port socket)))
         (port (session-record-port session)))
    (handshake session)
    (put-bytevector port to-server)
    (force-output port)
    (let ((got (get-bytevector-n port (bytevector-length to-client))))
      (unless (equal? got to-client)
        (error "the client read something else than was sent")))
    (bye session close-request/wr)
    (unless (eof-object? (get-u8 port))
      (error "data after the transfer"))))

(define (exchange transport)
  "Serve one trickling client over TRANSPORT ('fd or 'port): return what
the server read and whether the client read what the server sent."
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         trickling-client
         (lambda (socket)
           (let* ((session (if (eq? transport 'port)
                               (make-anonymous-session connection-end/server
                                                       #:port socket)
                               (make-anonymous-session connection-end/server
                                                       #:fd (fileno socket))))
                  (port (session-record-port session)))
             (handshake session)
             (let ((got (get-bytevector-n port (bytevector-length to-server))))
               (put-bytevector port to-client)
               (force-output port)
               (bye session close-request/wr)
               (let ((rest (get-bytevector-all port)))
                 (list got rest)))))
         #:timeout 60))
    (lambda (result status)
      (list (equal? (car result) to-server)
            (eof-object? (cadr result))
            (eqv? status 0)))))

(test-equal "records cut anywhere and a full socket, over a descriptor"
  '(#t #t #t)
  (exchange 'fd))

(test-equal "records cut anywhere and a full socket, over a socket port"
  '(#t #t #t)
  (exchange 'port))

;; The same session goes from records that do not wait to records that do,
;; and back: a reader whose peer answers at once, then after a pause.
(test-equal "a reader that waits, then does not, then waits again"
  '(#t #t #t)
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         (lambda (socket)
           (let* ((session (make-anonymous-session connection-end/client
                                                   #:fd (fileno socket))))
             (handshake session)
             (do ((i 0 (1+ i))) ((= i 200))
               (when (zero? (modulo i 50)) (usleep 20000))
               (record-send session (pattern 1000 i)))
             (bye session close-request/wr)
             (let ((buffer (make-bytevector 16)))
               (unless (zero? (record-receive! session buffer))
                 (error "data after the transfer")))))
         (lambda (socket)
           (let ((session (make-anonymous-session connection-end/server
                                                  #:fd (fileno socket)))
                 (expected (make-bytevector (* 200 1000))))
             (do ((i 0 (1+ i))) ((= i 200))
               (bytevector-copy! (pattern 1000 i) 0 expected (* i 1000) 1000))
             (handshake session)
             (let* ((port (session-record-port session))
                    (got (get-bytevector-n port (bytevector-length expected))))
               (bye session close-request/wr)
               (list (equal? got expected)
                     (eof-object? (get-u8 port))))))
         #:timeout 60))
    (lambda (result status)
      (append result (list (eqv? status 0))))))

(test-end "partial-records")
(test-exit)
