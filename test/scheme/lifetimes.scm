;;; A record port keeps its session, the session's credentials and its
;;; transport alive; once the port is unreachable, all of it is collected.

(use-modules (srfi srfi-64)
             (ice-9 threads)
             (test-support)
             (gnutls)
             (ice-9 binary-ports)
             (ice-9 rdelim)
             (rnrs bytevectors))

(define (echo-server socket)
  ;; Clients that keep only their record port close it without bye.
  (serve-lines (make-anonymous-session connection-end/server #:fd (fileno socket))
               #:bye-may-fail? #t))

(define (garbage!)
  "Allocate and collect, so that anything unreferenced is reclaimed."
  (let loop ((i 0))
    (when (< i 5)
      (make-vector 100000 i)
      (gc)
      (loop (+ i 1)))))

(define* (record-port-only socket guardian #:key port-transport?)
  "Set up and handshake a client session over SOCKET; return only its
record port.  Session, credentials and transport are referenced by the
port alone; the session is also registered with GUARDIAN."
  (let ((session (make-session connection-end/client)))
    (set-session-priorities! session anonymous-priorities)
    (set-session-credentials! session (make-anonymous-client-credentials))
    (if port-transport?
        (set-session-transport-port! session (wrapping-port socket))
        (set-session-transport-fd! session (fileno socket)))
    (handshake session)
    (guardian session)
    (session-record-port session)))

(define (exchange-through-port-alone port-transport?)
  (let ((guardian (make-guardian)))
    (call-with-values
        (lambda ()
          (call-with-forked-peer
           echo-server
           (lambda (socket)
             (let ((port (record-port-only socket guardian #:port-transport? port-transport?)))
               (let loop ((i 0) (ok 0))
                 (if (= i 50)
                     (begin (close-port port) ok)
                     (begin
                       (garbage!)
                       (write-line (number->string i) port)
                       (loop (+ i 1)
                             (if (equal? (read-line port) (number->string i))
                                 (+ ok 1)
                                 ok)))))))))
      (lambda (ok status)
        ;; Now the port is gone too: the session must be collectable.
        (let wait ((tries 0))
          (garbage!)
          (cond ((guardian) (list ok status 'collected))
                ((> tries 50) (list ok status 'leaked))
                (else (usleep 10000) (wait (+ tries 1)))))))))

(test-begin "lifetimes")

(test-equal "over an fd, the record port alone keeps the session working under (gc)"
  '(50 0 collected)
  (exchange-through-port-alone #f))

(test-equal "over a Scheme port, the record port alone keeps session, credentials and transport alive"
  '(50 0 collected)
  (exchange-through-port-alone #t))

(test-equal "credentials dropped before the handshake stay alive for the session"
  '("still here" 0)
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         echo-server
         (lambda (socket)
           (let ((session (make-session connection-end/client)))
             (set-session-priorities! session anonymous-priorities)
             (set-session-credentials! session (make-anonymous-client-credentials))
             (set-session-transport-fd! session (fileno socket))
             (garbage!)
             (handshake session)
             (let ((port (session-record-port session)))
               (write-line "still here" port)
               (let ((reply (read-line port)))
                 (bye session close-request/rdwr)
                 reply))))))
    list))

;;; A record port the program drops with output still in its buffer: the
;;; collector closes it as close-port would, so the output reaches the peer
;;; and the close procedure runs, whichever of port and session it
;;; finalizes first.

(define (line-reader socket)
  "A peer that reads one line from its record port and exits 0 if it is
the line `dropped-port-writer' leaves pending."
  (let ((session (make-anonymous-session connection-end/server #:fd (fileno socket))))
    (handshake session)
    (unless (equal? (read-line (session-record-port session)) "left in the buffer")
      (error "the pending line did not arrive"))))

(define* (dropped-port-writer socket on-close #:key port-transport?)
  "Handshake over SOCKET, write a line to the record port without
flushing it, and drop everything.  ON-CLOSE is the port's close procedure."
  (let ((session (make-anonymous-session
                  connection-end/client
                  #:fd (and (not port-transport?) (fileno socket))
                  #:port (and port-transport? (wrapping-port socket)))))
    (handshake session)
    (display "left in the buffer\n" (session-record-port session on-close))
    #t))

(define (collect-until done?)
  "Collect until DONE? returns true, at most 50 times; return DONE?'s value."
  (let loop ((tries 0))
    (garbage!)
    (or (done?)
        (and (< tries 50)
             (begin (usleep 10000) (loop (+ tries 1)))))))

(define (drop-with-pending-output port-transport?)
  "Ten rounds of `dropped-port-writer' against `line-reader'; return how
many rounds ran the close procedure once and had the peer get the line."
  (let loop ((round 0) (good 0))
    (if (= round 10)
        good
        (let ((closes 0))
          (call-with-values
              (lambda ()
                (call-with-forked-peer
                 line-reader
                 (lambda (socket)
                   (dropped-port-writer socket
                                        (lambda (port) (set! closes (+ closes 1)))
                                        #:port-transport? port-transport?)
                   (collect-until (lambda () (> closes 0))))))
            (lambda (collected? status)
              (loop (+ round 1)
                    (if (and collected? (= closes 1) (eqv? status 0))
                        (+ good 1)
                        good))))))))

(test-equal "a dropped record port sends its pending output and runs its close procedure (fd)"
  10
  (drop-with-pending-output #f))

(test-equal "the same over a Scheme port transport"
  10
  (drop-with-pending-output #t))

(define (reader-until-end socket)
  "A peer that handshakes and reads its record port to the end."
  (let ((session (make-anonymous-session connection-end/server #:fd (fileno socket))))
    (handshake session)
    (get-bytevector-all (session-record-port session))))

(define (reused-descriptor-left-alone)
  "Drop a record port with output pending over a socket's descriptor
number, after the program has closed the socket and the number has been
reused for a pipe; return how many bytes collecting the port wrote into
the pipe (none, if it left the reused descriptor alone), or #f if the
port was not closed."
  (let ((closed? #f)
        (pipe (pipe)))
    (call-with-values
        (lambda ()
          (call-with-forked-peer
           reader-until-end
           (lambda (socket)
             (let ((fd (fileno socket)))
               (dropped-port-writer socket (lambda (port) (set! closed? #t)))
               (close-port socket)
               (dup2 (fileno (cdr pipe)) fd)
               (and (collect-until (lambda () closed?))
                    (begin
                      (close-fdes fd)
                      (close-port (cdr pipe))
                      (let ((written (get-bytevector-all (car pipe))))
                        (close-port (car pipe))
                        (if (eof-object? written) 0 (bytevector-length written)))))))))
      (lambda (written peer-status) written))))

(test-eqv "collecting a dropped record port leaves a closed and reused descriptor alone"
  0
  (reused-descriptor-left-alone))

(define (fill-socket! socket)
  "Write to SOCKET until it takes no more."
  (let ((junk (make-bytevector 4096 0)))
    (let loop ()
      (when (catch 'system-error
              (lambda () (send socket junk MSG_DONTWAIT) #t)
              (lambda (key . args)
                (if (memv (system-error-errno (cons key args)) (list EAGAIN EWOULDBLOCK))
                    #f
                    (apply throw key args))))
        (loop)))))

(define (stuck-port-dropped blocking?)
  "Return a peer procedure, run for its exit status: it handshakes with
non-blocking sessions over a socketpair of its own, puts the client's
socket back in blocking mode if BLOCKING?, fills it, leaves output in the
client's record port and drops it.  Exits 0 if collecting the port ran its
close procedure instead of waiting for the socket (the alarm of
`call-with-forked-peer' ends a wait)."
  (lambda (socket)
    (let* ((pair (socketpair PF_UNIX SOCK_STREAM 0))
           (server (make-anonymous-session connection-end/server
                                           #:fd (fileno (cdr pair))))
           (closed? #f))
      (for-each (lambda (port)
                  (fcntl port F_SETFL (logior O_NONBLOCK (fcntl port F_GETFL))))
                (list (car pair) (cdr pair)))
      ;; The client lives and dies in a thread of its own: once the thread
      ;; is gone, no stale word on a stack can keep it from collection.
      (join-thread
       (call-with-new-thread
        (lambda ()
          (let ((client (make-anonymous-session connection-end/client
                                                #:fd (fileno (car pair)))))
            (let loop ((client-done? #f) (server-done? #f))
              (unless (and client-done? server-done?)
                (loop (or client-done? (eq? #t (%handshake client)))
                      (or server-done? (eq? #t (%handshake server))))))
            (when blocking?
              (fcntl (car pair) F_SETFL
                     (logand (lognot O_NONBLOCK) (fcntl (car pair) F_GETFL))))
            (fill-socket! (car pair))
            (put-bytevector (session-record-port client (lambda (port) (set! closed? #t)))
                            (make-bytevector 100 1))
            #t))))
      (unless (collect-until (lambda () closed?))
        (error "the dropped port was not closed")))))

(test-equal "a dropped record port whose non-blocking transport is full does not hold up collection"
  0
  (call-with-values
      (lambda () (call-with-forked-peer (stuck-port-dropped #f) (const #t)))
    (lambda (result status) status)))

(test-equal "nor one whose blocking transport is full"
  0
  (call-with-values
      (lambda () (call-with-forked-peer (stuck-port-dropped #t) (const #t)))
    (lambda (result status) status)))

(test-end "lifetimes")
(test-exit)
