;;; Non-blocking transports: handshake and bye with and without suspendable
;;; ports, record-get-direction, non-blocking socket port transports, output
;;; left in the record port when a read must wait, and one thread reading
;;; while another writes.

(use-modules (srfi srfi-64)
             (srfi srfi-1)
             (test-support)
             (argument-sweep)
             (cooperative-scheduler)
             (gnutls)
             (ice-9 binary-ports)
             (ice-9 rdelim)
             (ice-9 threads)
             (ice-9 suspendable-ports)
             ((ice-9 ports internal) #:select (port-read-wait-fd port-write-wait-fd))
             (rnrs bytevectors))

(test-alarm 100)                        ; a task stuck in C cannot hang the suite

(define (set-nonblocking! port)
  (fcntl port F_SETFL (logior O_NONBLOCK (fcntl port F_GETFL))))

(define* (call-with-nonblocking-pair proc #:key (make-session make-session-over-fd))
  "Call PROC with a client and a server session over a non-blocking
socketpair (made by MAKE-SESSION from an end and a socket port)."
  (call-with-socketpair
   (lambda (a b)
     (set-nonblocking! a)
     (set-nonblocking! b)
     (proc (make-session connection-end/client a)
           (make-session connection-end/server b)))))

(define (make-session-over-fd end socket)
  (make-anonymous-session end #:fd socket))

(define (make-session-over-port end socket)
  (make-anonymous-session end #:port socket))

(define (again-direction thunk session)
  "Call THUNK; return the direction of SESSION if it raised error/again,
#t if it returned."
  (catch 'gnutls-error
    (lambda () (thunk) #t)
    (lambda (key error who . rest)
      (if (eq? error error/again)
          (record-get-direction session)
          (apply throw key error who rest)))))

(define (handshake-by-hand client server)
  "Complete the handshakes of CLIENT and SERVER in one thread the way
programs written for the old bindings do: call `handshake' again after each
error/again.  Return the list of directions seen."
  (let loop ((client-done? #f) (server-done? #f) (seen '()) (rounds 0))
    (when (> rounds 100)
      (error "handshake-by-hand: no progress"))
    (if (and client-done? server-done?)
        (reverse seen)
        (let ((c (if client-done? #t (again-direction (lambda () (handshake client)) client)))
              (s (if server-done? #t (again-direction (lambda () (handshake server)) server))))
          (loop (eq? c #t) (eq? s #t)
                (append (filter integer? (list c s)) seen)
                (1+ rounds))))))

(test-begin "nonblocking")

;;;
;;; Without suspendable ports: error/again, as with the old bindings.
;;;

(test-equal "handshake on a non-blocking fd raises error/again from handshake"
  (list error/again 'handshake 0)
  (call-with-nonblocking-pair
   (lambda (client server)
     (catch 'gnutls-error
       (lambda () (handshake client) 'no-error)
       (lambda (key error who . rest)
         (list error who (record-get-direction client)))))))

(test-equal "%handshake returns the direction it waits for"
  'read
  (call-with-nonblocking-pair
   (lambda (client server)
     (%handshake client))))

(test-match "handshakes complete in one thread by retrying after error/again"
  (call-with-nonblocking-pair
   (lambda (client server)
     (list (handshake-by-hand client server)
           (session-protocol client) (session-protocol server))))
  (((? pair? directions) client-protocol server-protocol)
   (and (every (lambda (d) (memv d '(0 1))) directions)
        (eq? client-protocol server-protocol))))

(define (handshake-then-ping client server)
  "Handshake by hand, then send \"ping\": return (#t BYTES-RECEIVED), or
(DIRECTIONS) if the handshake returned no list of directions."
  (let ((directions (handshake-by-hand client server)))
    (if (pair? directions)
        (begin
          (record-send client (string->utf8 "ping"))
          (list #t (record-receive! server (make-bytevector 10))))
        (list directions))))

(test-equal "old-style retry loops keep working with connection-flag/nonblock sessions"
  '(#t 4)
  (call-with-nonblocking-pair handshake-then-ping
   #:make-session (lambda (end socket)
                    (make-anonymous-session end #:fd socket
                                            #:flags (list connection-flag/nonblock)))))

(test-equal "record-send and record-receive! raise error/again; record-get-direction says which way (0 read, 1 write)"
  '(0 1)
  (call-with-nonblocking-pair
   (lambda (client server)
     (handshake-by-hand client server)
     (let* ((buffer (make-bytevector 100))
            (nothing-yet (again-direction (lambda () (record-receive! server buffer)) server))
            (chunk (make-bytevector 16384 65))
            ;; Nobody reads the server side: the client fills the socket.
            (full (let loop ((i 0))
                    (let ((d (again-direction (lambda () (record-send client chunk)) client)))
                      (if (or (integer? d) (> i 1000)) d (loop (1+ i)))))))
       (list nothing-yet full)))))

(define (record-port-wait-fds make-session)
  "The descriptor of one end of a socketpair, then the read and write wait
fds of the record port of the session MAKE-SESSION returns for that end."
  (call-with-socketpair
   (lambda (a b)
     (let ((port (session-record-port (make-session a))))
       (list (fileno a) (port-read-wait-fd port) (port-write-wait-fd port))))))

(test-match "the record port's read and write wait fds are the transport's descriptor"
  (record-port-wait-fds
   (lambda (a) (make-anonymous-session connection-end/client #:fd a)))
  ((fd read write) (= fd read write)))

(test-match "the same for a socket port transport"
  (record-port-wait-fds
   (lambda (a) (make-anonymous-session connection-end/client #:port a)))
  ((fd read write) (= fd read write)))

(test-error "record-get-direction checks its argument"
  'wrong-type-arg
  (record-get-direction 42))

(test-equal "record-get-direction: hostile arguments"
  '()
  (argument-sweep record-get-direction (list (make-session connection-end/client))))

(test-equal "bye raises error/again while the peer's close_notify is missing"
  (list error/again 0)
  (call-with-nonblocking-pair
   (lambda (client server)
     (handshake-by-hand client server)
     (catch 'gnutls-error
       (lambda () (bye client close-request/rdwr) 'no-error)
       (lambda (key error who . rest)
         (list error (record-get-direction client)))))))

;;;
;;; With suspendable ports: handshake, reads, writes and bye suspend.
;;;

(define (echo-once client server)
  "Tasks: the client says hello and reads the answer; the server answers
the line it read.  Both close with bye.  Return the client's answer and the
number of waits."
  (let* ((answer #f)
         (waits
          (run-tasks
           (list (lambda ()
                   (handshake client)
                   (let ((port (session-record-port client)))
                     (display "hello\n" port)   ; sent by the read below
                     (set! answer (read-line port))
                     (bye client close-request/rdwr)))
                 (lambda ()
                   (handshake server)
                   (let ((port (session-record-port server)))
                     (display (string-upcase (read-line port)) port)
                     (newline port)
                     (bye server close-request/rdwr))))
           #:deadline 30)))
    (cons answer waits)))

(test-match "handshake, display-then-read and bye suspend instead of failing (fd transport)"
  (call-with-nonblocking-pair echo-once)
  (("HELLO" . waits) (> waits 0)))

(test-equal "rehandshake and the renegotiation it asks for suspend too"
  '(rehandshake "after")
  (call-with-nonblocking-pair
   (lambda (client server)
     (let ((seen #f) (line #f))
       (run-tasks
        (list (lambda ()
                (handshake client)
                (let ((port (session-record-port client)))
                  ;; The server's hello request surfaces as error/rehandshake.
                  (catch 'gnutls-error
                    (lambda () (read-line port))
                    (lambda (key error . rest)
                      (set! seen (and (eq? error error/rehandshake) 'rehandshake))))
                  (handshake client)
                  (set! line (read-line port))
                  (bye client close-request/rdwr)))
              (lambda ()
                (handshake server)
                (rehandshake server)
                (handshake server)
                (let ((port (session-record-port server)))
                  (display "after\n" port)
                  (force-output port)
                  (bye server close-request/rdwr))))
        #:deadline 30)
       (list seen line)))))

(test-match "the same over non-blocking socket ports as transports"
  (call-with-nonblocking-pair echo-once #:make-session make-session-over-port)
  (("HELLO" . waits) (> waits 0)))

(test-equal "a port transport over a non-blocking socket raises error/again without suspendable ports"
  '(#t 4)
  (call-with-nonblocking-pair handshake-then-ping
                              #:make-session make-session-over-port))

(define transfer-size
  ;; Bytes each side sends in the threaded transfers (a quarter of it in
  ;; the scheduled one); the valgrind pass makes it smaller.
  (or (and=> (getenv "NONBLOCKING_BYTES") string->number)
      (* 1024 1024)))

(define (exchange-bulk client server size)
  "Tasks: each side sends SIZE bytes while it reads SIZE bytes, then bye.
Return the number of bytes each side received intact."
  (define (data seed) (u8-list->bytevector (map (lambda (i) (modulo (* seed i) 251)) (iota size))))
  (let ((results '()))
    (define (side session seed peer-seed)
      (lambda ()
        (handshake session)
        (let ((port (session-record-port session))
              (expected (data peer-seed))
              (remaining 2))
          (define (done!)
            (set! remaining (1- remaining))
            (when (zero? remaining) (bye session close-request/rdwr)))
          (spawn (lambda ()
                   (put-bytevector port (data seed))
                   (force-output port)
                   (done!)))
          (let ((received (get-bytevector-n port size)))
            (set! results (cons (and (bytevector=? received expected) size) results))
            (done!)))))
    (run-tasks (list (side client 3 7) (side server 7 3)) #:deadline 60)
    results))

(test-equal "bulk transfer both ways over non-blocking socket port transports"
  (list (quotient transfer-size 4) (quotient transfer-size 4))
  (call-with-nonblocking-pair
   (lambda (client server)
     (exchange-bulk client server (quotient transfer-size 4)))
   #:make-session make-session-over-port))

;; The client leaves less than a record in its port, then reads: the read
;; must send that output first, but the socket cannot take it until the
;; server reads, and the server answers only once it has it all.  Waiting
;; for input alone would wait forever.
(test-equal "a read sends output the transport could not take, waiting for writability"
  "got 60000"
  (call-with-socketpair
   (lambda (a b)
     (for-each (lambda (s)
                 (set-nonblocking! s)
                 (setsockopt s SOL_SOCKET SO_SNDBUF 2048)
                 (setsockopt s SOL_SOCKET SO_RCVBUF 2048))
               (list a b))
     (let ((client (make-anonymous-session connection-end/client #:fd a))
           (server (make-anonymous-session connection-end/server #:fd b))
           (answer #f))
       (run-tasks
        (list (lambda ()
                (handshake client)
                (let ((port (session-record-port client)))
                  (do ((i 0 (1+ i))) ((= i 60))
                    (put-bytevector port (make-bytevector 1000 120)))
                  (set! answer (read-line port))))
              (lambda ()
                (handshake server)
                (let* ((port (session-record-port server))
                       (request (get-bytevector-n port 60000)))
                  (format port "got ~a~%" (bytevector-length request))
                  (force-output port))))
        #:deadline 30)
       answer))))

;;;
;;; Without suspendable ports, the record port waits by polling.
;;;

(define (peer-says-hello socket)
  "A blocking peer: handshake, one line, wait for the answer, bye."
  (let ((session (make-anonymous-session connection-end/server #:fd socket)))
    (handshake session)
    (let ((port (session-record-port session)))
      (display "from the peer\n" port)
      (force-output port)
      (read-line port)                  ; the answer
      (bye session close-request/wr))))

(define (read-hello-without-suspendable-ports socket)
  "Handshake by hand over non-blocking SOCKET, then read a line through the
record port, which waits for it in C."
  (set-nonblocking! socket)
  (let ((session (make-anonymous-session connection-end/client #:fd socket)))
    (let loop ()
      (catch 'gnutls-error
        (lambda () (handshake session))
        (lambda (key error . rest)
          (unless (eq? error error/again) (apply throw key error rest))
          (if (zero? (record-get-direction session))
              (select (list socket) '() '() 5)
              (select '() (list socket) '() 5))
          (loop))))
    (let* ((port (session-record-port session))
           (line (read-line port)))
      (display "thanks\n" port)        ; sent by the read below
      (list line (eof-object? (read-line port))))))

(test-equal "record port reads on a non-blocking fd wait for the peer (no suspendable ports)"
  '("from the peer" #t 0)
  (call-with-values
      (lambda ()
        (call-with-forked-peer peer-says-hello read-hello-without-suspendable-ports))
    (lambda (result status) (append result (list status)))))

;; With suspendable ports installed but no scheduler, the default waiters
;; poll: a handshake and a line waits a few times, once per flight, where a
;; busy loop would wait thousands of times.
(test-match "with suspendable ports and the default waiters, handshake and reads wait by polling"
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         peer-says-hello
         (lambda (socket)
           (set-nonblocking! socket)
           (let ((session (make-anonymous-session connection-end/client #:fd socket))
                 (waits 0))
             (dynamic-wind
               install-suspendable-ports!
               (lambda ()
                 (parameterize ((current-read-waiter
                                 (let ((wait (current-read-waiter)))
                                   (lambda (port) (set! waits (1+ waits)) (wait port))))
                                (current-write-waiter
                                 (let ((wait (current-write-waiter)))
                                   (lambda (port) (set! waits (1+ waits)) (wait port)))))
                   (handshake session)
                   (let* ((port (session-record-port session))
                          (line (read-line port)))
                     (display "thanks\n" port)
                     (list line (eof-object? (read-line port)) waits))))
               uninstall-suspendable-ports!)))))
    list)
  ((("from the peer" #t waits) 0) (<= 1 waits 20)))

;;;
;;; Two threads on one session.
;;;

(define (read-while-writing transport)
  "Two sessions, each with one thread reading TRANSFER-SIZE bytes while
another writes as many, over a socketpair used through TRANSPORT, #:fd or
#:port.  Return whether each side received its peer's bytes intact."
  (call-with-socketpair
   (lambda (a b)
     (let* ((size transfer-size)
            (data (lambda (seed)
                    (let ((bv (make-bytevector size)))
                      (do ((i 0 (1+ i))) ((= i size) bv)
                        (bytevector-u8-set! bv i (modulo (* seed i) 253))))))
            (sessions (list (make-anonymous-session connection-end/client transport a)
                            (make-anonymous-session connection-end/server transport b))))
       (define (side session seed peer-seed)
         (lambda ()
           (handshake session)
           (let* ((port (session-record-port session))
                  (writer (call-with-new-thread
                           (lambda ()
                             ;; Whole records: the port's buffer stays empty,
                             ;; so the reader has nothing of ours to flush.
                             (let ((bv (data seed)))
                               (let loop ((i 0))
                                 (when (< i size)
                                   (put-bytevector port bv i (min 65536 (- size i)))
                                   (loop (+ i 65536)))))
                             (force-output port)
                             #t)))
                  (received (get-bytevector-n port size)))
             (and (join-thread writer (+ (current-time) 60))
                  (bytevector=? received (data peer-seed))))))
       (let ((threads (map (lambda (session seed peer-seed)
                             (call-with-new-thread (side session seed peer-seed)))
                           sessions '(5 11) '(11 5))))
         (map (lambda (thread) (join-thread thread (+ (current-time) 90)))
              threads))))))

(test-equal "one thread reads while another writes the same session"
  '(#t #t)
  (read-while-writing #:fd))

(test-equal "the same with socket ports as transports"
  '(#t #t)
  (read-while-writing #:port))

(test-end "nonblocking")
(test-exit)
