;;; (scale-bench) --- many sessions at once: throughput and memory.
;;;
;;; The client sessions live in this process, the server sessions in a
;;; forked child, each pair over its own Unix stream socket: the child
;;; accepts on a listening socket that this process connects to, so each
;;; process holds one descriptor a session.  The sessions are anonymous,
;;; with the priorities of tls-bench.scm's and the tests' (test-support's
;;; anonymous-priorities), and one credentials object on each side.  A
;;; case prints one number.
;;;
;;;   throughput N BYTES  N sessions in this thread under the cooperative
;;;                       scheduler, over non-blocking sockets: the
;;;                       handshakes first (all N at once, untimed), then
;;;                       each session writes BYTES while it reads BYTES,
;;;                       as two tasks, a writer and a reader, on its
;;;                       record port; the child does the same.  Prints
;;;                       the bytes moved both ways by all sessions over
;;;                       the wall time from both sides' start to both
;;;                       sides' end of the data (MB/s).
;;;   memory K            K live sessions, each handshaken in turn over a
;;;                       blocking socket and holding its record port;
;;;                       prints the growth of this process's RSS from
;;;                       K/10 sessions to K, per session (KiB), as
;;;                       raw_scale.c does for its sessions.

(define-module (scale-bench)
  #:use-module (gnutls)
  #:use-module ((test-support)
                #:select (anonymous-priorities call-with-forked-peer
                          session-over-fd resident-kib))
  #:use-module (cooperative-scheduler)
  #:use-module (ice-9 binary-ports)
  #:use-module (ice-9 format)
  #:use-module (rnrs bytevectors)
  #:use-module ((srfi srfi-1) #:select (append-map every))
  #:export (main))

(define chunk-size 65536)

;;; Plumbing

(define (ensure-descriptors! count)
  "Make sure this process may open COUNT more descriptors, raising its
soft limit up to the hard one if needed; exit 77 (skipped) if even the
hard limit is too low."
  (let ((needed (+ count 64)))           ; what Guile and GnuTLS hold besides
    (call-with-values (lambda () (getrlimit 'nofile))
      (lambda (soft hard)
        (when (and soft (< soft needed))
          (if (and hard (< hard needed))
              (begin
                (format (current-error-port)
                        "skipped: ~a sessions need ~a descriptors; the hard limit is ~a~%"
                        count needed hard)
                (exit 77))
              (setrlimit 'nofile needed hard)))))))

(define (call-with-session-sockets count peer proc)
  "Fork a child that accepts COUNT connections on a fresh Unix listening
socket and calls (PEER SOCKETS CONTROL), while this process connects COUNT
times and calls (PROC SOCKETS CONTROL); CONTROL is each side's end of a
socketpair between the two.  Return what PROC returns; an error if the
child fails."
  (ensure-descriptors! count)
  (let* ((directory (mkdtemp (string-append (or (getenv "TMPDIR") "/tmp")
                                            "/scale-bench-XXXXXX")))
         (path (string-append directory "/socket"))
         (listener (socket PF_UNIX SOCK_STREAM 0)))
    (define (accepted)
      (let loop ((i 0) (sockets '()))
        (if (= i count)
            (reverse! sockets)
            (loop (1+ i) (cons (car (accept listener)) sockets)))))
    (define (connected)
      (let loop ((i 0) (sockets '()))
        (if (= i count)
            (reverse! sockets)
            (let ((s (socket PF_UNIX SOCK_STREAM 0)))
              (connect s AF_UNIX path)
              (loop (1+ i) (cons s sockets))))))
    (dynamic-wind
      (const #t)
      (lambda ()
        (bind listener AF_UNIX path)
        (listen listener 128)
        (call-with-values
            (lambda ()
              (call-with-forked-peer
               (lambda (control)
                 (let ((sockets (accepted)))
                   (close-port listener)
                   (peer sockets control)
                   (for-each close-port sockets)))
               (lambda (control)
                 (close-port listener)
                 (let* ((sockets (connected))
                        (result (proc sockets control)))
                   (for-each close-port sockets)
                   result))
               #:timeout 600))
          (lambda (result status)
            (unless (eqv? status 0)
              (error "benchmark peer failed"))
            result)))
      (lambda ()
        (unless (port-closed? listener) (close-port listener))
        (when (file-exists? path) (delete-file path))
        (rmdir directory)))))

(define (anonymous-sessions end sockets)
  "Anonymous sessions for END, one over the descriptor of each of SOCKETS,
all with the same credentials."
  (let ((credentials (if (eq? end connection-end/server)
                         (make-anonymous-server-credentials)
                         (make-anonymous-client-credentials))))
    (map (lambda (socket)
           (session-over-fd end socket anonymous-priorities credentials))
         sockets)))

(define (set-nonblocking! port)
  (fcntl port F_SETFL (logior O_NONBLOCK (fcntl port F_GETFL))))

(define (signal-and-wait control)
  "Tell the other process this one has reached the same point, and wait
until it has too."
  (put-u8 control 1)
  (force-output control)
  (when (eof-object? (get-u8 control))
    (error "the other process left")))

;;; Throughput

(define (write-all port bytes data)
  "Write BYTES bytes of DATA (a chunk, over and over) to PORT."
  (let loop ((sent 0))
    (when (< sent bytes)
      (let ((n (min chunk-size (- bytes sent))))
        (put-bytevector port data 0 n)
        (loop (+ sent n)))))
  (force-output port))

(define (read-all port bytes buffer)
  "Read BYTES bytes from PORT into BUFFER (a chunk, over and over)."
  (let loop ((got 0))
    (when (< got bytes)
      (let ((n (get-bytevector-n! port buffer 0 (min chunk-size (- bytes got)))))
        (when (eof-object? n) (error "early end of stream" got))
        (loop (+ got n))))))

(define (move-data sessions bytes)
  "Run the handshakes of SESSIONS as one task each, then, once the other
process has done its own, a writer and a reader task for each session's
record port.  The tasks' chunks are shared: what is read is not kept."
  (let ((data (make-bytevector chunk-size 0))
        (buffer (make-bytevector chunk-size)))
    (run-tasks (map (lambda (session) (lambda () (handshake session))) sessions)
               #:deadline 600)
    (lambda (control)
      (signal-and-wait control)
      (run-tasks
       (append-map (lambda (session)
                     (let ((port (session-record-port session)))
                       (list (lambda () (write-all port bytes data))
                             (lambda () (read-all port bytes buffer)))))
                   sessions)
       #:deadline 600)
      (signal-and-wait control))))

(define (throughput count bytes)
  (define (run-side end sockets)
    (for-each set-nonblocking! sockets)
    (move-data (anonymous-sessions end sockets) bytes))
  (call-with-session-sockets
   count
   (lambda (sockets control)
     ((run-side connection-end/server sockets) control))
   (lambda (sockets control)
     (let* ((data-phase (run-side connection-end/client sockets))
            (start (get-internal-real-time)))
       (data-phase control)
       (let ((seconds (exact->inexact
                       (/ (- (get-internal-real-time) start)
                          internal-time-units-per-second))))
         (/ (* 2 count bytes) seconds 1e6))))))

;;; Memory

(define held
  ;; The sessions being measured: a top-level variable keeps them alive
  ;; where a local one that is no longer used might not.
  '())

(define (live-sessions! end sockets)
  "Handshake a session for END over each of SOCKETS in turn, make its
record port, and add it to those held."
  (for-each (lambda (session)
              (handshake session)
              (session-record-port session)
              (set! held (cons session held)))
            (anonymous-sessions end sockets)))

(define (memory count)
  "The RSS growth of this process from COUNT/10 live client sessions to
COUNT, per session, in KiB."
  (define (settled-rss)
    (gc) (gc)
    (resident-kib))
  (let ((tenth (quotient count 10)))
    (call-with-session-sockets
     count
     (lambda (sockets control)
       (live-sessions! connection-end/server sockets)
       ;; Alive until the other process has taken its measure.
       (get-u8 control)
       (set! held '()))
     (lambda (sockets control)
       (live-sessions! connection-end/client (list-head sockets tenth))
       (let ((rss-tenth (settled-rss)))
         (live-sessions! connection-end/client (list-tail sockets tenth))
         (let ((rss-all (settled-rss)))
           (put-u8 control 1)
           (force-output control)
           (set! held '())
           (exact->inexact (/ (- rss-all rss-tenth) (- count tenth)))))))))

;;; Entry point

(define (main args)
  "Run the case named by the first of ARGS (after the program name) and
print its result."
  (define (at-least minimum text)
    (let ((n (string->number text)))
      (and (exact-integer? n) (>= n minimum) n)))
  (let* ((arguments (cdr args))
         (name (and (pair? arguments) (car arguments)))
         (counts (map (lambda (text) (at-least 1 text)) (cdr arguments))))
    (format #t "~,2f~%"
            (cond
             ((and (equal? name "throughput") (= (length counts) 2) (every identity counts))
              (apply throughput counts))
             ((and (equal? name "memory") (= (length counts) 1) (car counts)
                   (>= (car counts) 10))
              (memory (car counts)))
             (else
              (format (current-error-port)
                      "usage: scale-bench throughput N BYTES | memory K (K >= 10)~%")
              (exit 2))))))
