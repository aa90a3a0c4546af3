;;; The Scheme side of the session fuzzer: attacker-controlled bytes reach
;;; a session through its transport, during a handshake (as client or as
;;; server, over a file descriptor or a Scheme port) or, after a real
;;; handshake with an honest peer, through the record port.  Whatever the
;;; bytes, every call must return or raise a Scheme exception; the fuzzer
;;; catches crashes and sanitizer reports.

(define-module (session-driver)
  #:use-module (gnutls)
  #:use-module (ice-9 binary-ports)
  #:use-module (ice-9 threads)
  #:use-module (rnrs bytevectors)
  #:use-module (test-support)
  #:export (fuzz-one))

(define (feed! socket data)
  "Write DATA into SOCKET and hang up the writing side."
  (put-bytevector socket data)
  (force-output socket)
  (shutdown socket 1))

(define (read-to-end port)
  (let loop ()
    (unless (eof-object? (get-bytevector-some port))
      (loop))))

(define (handshake-over-fd end data)
  (call-with-socketpair
   (lambda (ours theirs)
     (feed! theirs data)
     (let ((session (make-anonymous-session end)))
       (set-session-transport-fd! session (fileno ours))
       (handshake session)
       (read-to-end (session-record-port session))))))

(define (bytevector-transport data)
  "An input/output port whose input is DATA and whose output is dropped."
  (let ((in (open-bytevector-input-port data)))
    (make-custom-binary-input/output-port
     "fuzz-input"
     (lambda (bv start count)
       (let ((n (get-bytevector-n! in bv start count)))
         (if (eof-object? n) 0 n)))
     (lambda (bv start count) count)
     #f #f #f)))

(define (handshake-over-port end data)
  (let ((session (make-anonymous-session end)))
    (set-session-transport-port! session (bytevector-transport data))
    (handshake session)
    (read-to-end (session-record-port session))))

(define (records-after-handshake data)
  "Handshake with an honest server in a thread, then let DATA arrive as
the server's records; read the client's record port to its end."
  (call-with-socketpair
   (lambda (ours theirs)
     (let* ((server (make-anonymous-session connection-end/server))
            (thread (begin
                      (set-session-transport-fd! server (fileno theirs))
                      (call-with-new-thread
                       (lambda ()
                         (catch #t (lambda () (handshake server) #t) (const #f))))))
            (client (make-anonymous-session connection-end/client)))
       (set-session-transport-fd! client (fileno ours))
       (let ((ok (catch #t (lambda () (handshake client) #t) (const #f))))
         (join-thread thread)
         (when ok
           (feed! theirs data)
           (read-to-end (session-record-port client))))))))

(define (fuzz-one data)
  "Run one input: its first byte picks the scenario, the rest is what the
peer sends.  Scheme exceptions are expected and ignored."
  (unless (zero? (bytevector-length data))
    (let ((rest (let ((bv (make-bytevector (- (bytevector-length data) 1))))
                  (bytevector-copy! data 1 bv 0 (bytevector-length bv))
                  bv)))
      (catch #t
        (lambda ()
          (case (modulo (bytevector-u8-ref data 0) 5)
            ((0) (handshake-over-fd connection-end/client rest))
            ((1) (handshake-over-fd connection-end/server rest))
            ((2) (handshake-over-port connection-end/client rest))
            ((3) (handshake-over-port connection-end/server rest))
            ((4) (records-after-handshake rest))))
        (const #f)))))
