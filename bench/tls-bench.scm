;;; (tls-bench) --- the Scheme side of the benchmarks.
;;;
;;; Each case mirrors a loop of raw_tls.c: same socketpair, same
;;; priorities, same credentials, the writer (or client) in the parent
;;; timing the work and the reader (or server) in a forked child.  A case
;;; prints one number on standard output; `bench/run' collects them.  It
;;; runs them on this project's (gnutls) and on the older bindings it
;;; replaces; a case needing procedures that a (gnutls) lacks exits 77,
;;; skipped.
;;;
;;;   bulk-fd BYTES          put-bytevector of 64 KiB on the record port,
;;;                          get-bytevector-n! on the other side (MB/s)
;;;   bulk-port BYTES        the same over set-session-transport-port!
;;;                          with the socket port itself
;;;   bulk-custom-port BYTES the same over a custom binary port that
;;;                          reads and writes the socket port
;;;   display BYTES          11-byte `display's, then force-output (MB/s)
;;;   display-ceiling BYTES  the same `display's into /dev/null, no TLS
;;;   record BYTES           record-send / record-receive! with reused
;;;                          bytevectors (MB/s)
;;;   handshakes-anon COUNT  anonymous handshakes per second
;;;   handshakes-x509 COUNT KEY CERT
;;;                          X.509 (ECDSA) handshakes per second
;;;   handshakes-resumed COUNT KEY CERT
;;;                          X.509 handshakes resuming a first one (ticket)
;;;   handshakes-resumed-tls12 COUNT KEY CERT
;;;                          the same, TLS 1.2 only
;;;   sessions COUNT         create and drop COUNT sessions with record
;;;                          ports; prints RSS after COUNT/10 and after
;;;                          COUNT (KiB), and open fds before and after

(define-module (tls-bench)
  #:use-module (gnutls)
  #:use-module ((test-support)
                #:select (call-with-forked-peer wrapping-port resident-kib))
  #:use-module (ice-9 binary-ports)
  #:use-module (ice-9 format)
  #:use-module (ice-9 rdelim)
  #:use-module (rnrs bytevectors)
  #:export (main))

(define anonymous-priorities "NORMAL:-VERS-TLS1.3:+ANON-ECDH:+ANON-DH")
(define x509-priorities "NORMAL")
(define write-size 65536)

;;; Plumbing

(define (peer-timeout)
  "Seconds after which a forked peer is ended: BENCH_PEER_TIMEOUT (which
bench/run raises for the runs under callgrind), or 600."
  (or (and=> (getenv "BENCH_PEER_TIMEOUT") string->number) 600))

(define (call-with-peer peer proc)
  "Run PEER in a forked child with one end of a socketpair and PROC in
this process with the other; return what PROC returns.  A child that
raises exits non-zero, and so does this process then."
  (call-with-values
      (lambda () (call-with-forked-peer peer proc #:timeout (peer-timeout)))
    (lambda (result status)
      (unless (eqv? status 0)
        (error "benchmark peer failed"))
      result)))

(define (seconds-taken thunk)
  "Call THUNK; return the wall-clock seconds it took."
  (let ((start (get-internal-real-time)))
    (thunk)
    (exact->inexact (/ (- (get-internal-real-time) start)
                       internal-time-units-per-second))))

(define (custom-port socket)
  "A custom binary port whose reads and writes go to SOCKET: a transport
port with no descriptor, which the session can only call."
  ;; Guile's socket ports are unbuffered: a read of them takes one byte.
  (setvbuf socket 'block write-size)
  (wrapping-port socket))

(define* (anonymous-session end socket #:key (transport 'fd))
  "Return an anonymous session for END over SOCKET, given to the session
as a file descriptor; if TRANSPORT is 'port, as a Scheme port; if it is
'custom-port, through a custom port over SOCKET."
  (let ((session (make-session end)))
    (set-session-priorities! session anonymous-priorities)
    (set-session-credentials! session
                              (if (eq? end connection-end/server)
                                  (make-anonymous-server-credentials)
                                  (make-anonymous-client-credentials)))
    (case transport
      ((port) (set-session-transport-port! session socket))
      ((custom-port) (set-session-transport-port! session (custom-port socket)))
      (else (set-session-transport-fd! session (fileno socket))))
    session))

(define (megabytes-per-second bytes seconds)
  (/ bytes seconds 1e6))

;;; Bulk transfers

(define* (port-reader total #:key (transport 'fd))
  "Return a peer that reads TOTAL bytes from its record port with
get-bytevector-n!, then answers one byte."
  (lambda (socket)
    (let* ((session (anonymous-session connection-end/server socket
                                       #:transport transport))
           (buffer (make-bytevector write-size)))
      (handshake session)
      (let ((port (session-record-port session)))
        (let loop ((got 0))
          (when (< got total)
            (let ((n (get-bytevector-n! port buffer 0
                                        (min write-size (- total got)))))
              (when (eof-object? n) (error "early end of stream" got))
              (loop (+ got n)))))
        (put-u8 port 107)
        (force-output port)
        ;; The writer says goodbye once it has the answer.
        (unless (eof-object? (get-u8 port))
          (error "unexpected data after the transfer"))))))

(define* (timed-writer total write! #:key (transport 'fd))
  "Return a client that handshakes, calls (WRITE! PORT) to send TOTAL
bytes, and waits for the reader's answer; it returns MB/s."
  (lambda (socket)
    (let ((session (anonymous-session connection-end/client socket
                                      #:transport transport)))
      (handshake session)
      (let* ((port (session-record-port session))
             (seconds (seconds-taken
                       (lambda ()
                         (write! port)
                         (force-output port)
                         (when (eof-object? (get-u8 port))
                           (error "no answer from the reader"))))))
        (bye session close-request/wr)
        (megabytes-per-second total seconds)))))

(define (put-all port total)
  "Write TOTAL zero bytes to PORT in 64 KiB put-bytevectors."
  (let ((data (make-bytevector write-size 0)))
    (let loop ((sent 0))
      (when (< sent total)
        (let ((n (min write-size (- total sent))))
          (put-bytevector port data 0 n)
          (loop (+ sent n)))))))

(define* (bulk total #:key (transport 'fd))
  (call-with-peer (port-reader total #:transport transport)
                  (timed-writer total (lambda (port) (put-all port total))
                                #:transport transport)))

(define greeting "hello world")         ;11 bytes

(define (display-greetings port total)
  "Display the 11-byte greeting on PORT until TOTAL bytes are written."
  (let loop ((sent 0))
    (when (< sent total)
      (display greeting port)
      (loop (+ sent 11)))))

(define (round-to-greetings total)
  (* 11 (quotient total 11)))

(define (display-case total)
  (let ((total (round-to-greetings total)))
    (call-with-peer (port-reader total)
                    (timed-writer total
                                  (lambda (port) (display-greetings port total))))))

(define (display-ceiling total)
  "What `display' alone costs: the same loop into a 16 KiB-buffered
/dev/null port."
  (let ((total (round-to-greetings total))
        (port (open-output-file "/dev/null")))
    (setvbuf port 'block 16384)
    (let ((seconds (seconds-taken
                    (lambda ()
                      (display-greetings port total)
                      (force-output port)))))
      (close-port port)
      (megabytes-per-second total seconds))))

;;; record-send / record-receive!

(define (record-receiver total)
  (lambda (socket)
    (let ((session (anonymous-session connection-end/server socket))
          (buffer (make-bytevector write-size)))
      (handshake session)
      (let loop ((got 0))
        (when (< got total)
          (let ((n (record-receive! session buffer)))
            (when (zero? n) (error "early end of stream" got))
            (loop (+ got n)))))
      (record-send session #vu8(107))
      (unless (zero? (record-receive! session buffer))
        (error "unexpected data after the transfer")))))

(define (record-case total)
  ;; record-send sends at most one record: a record-sized bytevector goes
  ;; out whole, like each step of the C loop's 64 KiB send.
  (call-with-peer
   (record-receiver total)
   (lambda (socket)
     (let ((session (anonymous-session connection-end/client socket))
           (record (make-bytevector 16384 0))
           (answer (make-bytevector 1)))
       (handshake session)
       (let ((seconds
              (seconds-taken
               (lambda ()
                 (let loop ((sent 0))
                   (when (< sent total)
                     (let ((size (min 16384 (- total sent))))
                       (loop (+ sent (record-send session
                                                  (if (= size 16384)
                                                      record
                                                      (make-bytevector size 0))))))))
                 (record-receive! session answer)))))
         (bye session close-request/wr)
         (megabytes-per-second total seconds))))))

;;; Handshakes

(define (gnutls-binding name)
  "The value of NAME in (gnutls), or #f if this build lacks it."
  (let ((variable (module-variable (resolve-interface '(gnutls)) name)))
    (and variable (variable-bound? variable) (variable-ref variable))))

(define (x509-credentials end key cert)
  (let* ((make (gnutls-binding 'make-certificate-credentials))
         (set-key-files! (gnutls-binding 'set-certificate-credentials-x509-key-files!))
         (credentials (make)))
    (when (eq? end connection-end/server)
      (set-key-files! credentials cert key x509-certificate-format/pem))
    credentials))

(define (one-session end credentials priorities socket)
  "Handshake a fresh session over SOCKET, then exchange close_notify both
ways so that the next session starts on a clean stream."
  (let ((session (make-session end)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session credentials)
    (set-session-transport-fd! session (fileno socket))
    (handshake session)
    (bye session close-request/rdwr)))

(define warm-up-sessions 10)             ;untimed, as in raw_tls.c

(define (handshakes count credentials-for priorities)
  (define (run-sessions end credentials socket n)
    (do ((i 0 (+ i 1))) ((= i n))
      (one-session end credentials priorities socket)))
  (call-with-peer
   (lambda (socket)
     (run-sessions connection-end/server (credentials-for connection-end/server)
                   socket (+ warm-up-sessions count)))
   (lambda (socket)
     (let ((credentials (credentials-for connection-end/client)))
       (run-sessions connection-end/client credentials socket warm-up-sessions)
       (/ count (seconds-taken
                 (lambda ()
                   (run-sessions connection-end/client credentials
                                 socket count))))))))

(define tls12-priorities "NORMAL:-VERS-ALL:+VERS-TLS1.2")

(define* (resumed-handshakes count key cert #:optional (priorities x509-priorities))
  "Handshakes per second of client sessions that resume the first one, as
raw_tls.c's `handshakes resumed': one ticket key for all the server's
sessions, the data of the first, untimed, full handshake for the client's."
  (define (credentials-for end) (x509-credentials end key cert))
  (define (one-resumed end credentials socket ticket-key data)
    (let ((session (make-session end)))
      (set-session-priorities! session priorities)
      (set-session-credentials! session credentials)
      (set-session-transport-fd! session (fileno socket))
      (if (eq? end connection-end/server)
          (set-server-session-ticket-key! session ticket-key)
          (when data (set-session-data! session data)))
      (handshake session)
      (when (and data (not (session-resumed? session)))
        (error "a session was not resumed"))
      (bye session close-request/rdwr)
      (and (not data) (eq? end connection-end/client)
           (session-data session))))
  (call-with-peer
   (lambda (socket)
     (let ((credentials (credentials-for connection-end/server))
           (ticket-key (make-session-ticket-key)))
       (do ((i 0 (+ i 1))) ((= i (+ 1 warm-up-sessions count)))
         (one-resumed connection-end/server credentials socket ticket-key #f))))
   (lambda (socket)
     (let* ((credentials (credentials-for connection-end/client))
            (data (one-resumed connection-end/client credentials socket #f #f)))
       (define (run n)
         (do ((i 0 (+ i 1))) ((= i n))
           (one-resumed connection-end/client credentials socket #f data)))
       (run warm-up-sessions)
       (/ count (seconds-taken (lambda () (run count))))))))

(define (anonymous-credentials end)
  (if (eq? end connection-end/server)
      (make-anonymous-server-credentials)
      (make-anonymous-client-credentials)))

;;; Memory

(define (open-fds)
  (let ((dir (opendir "/proc/self/fd")))
    (let loop ((count 0))
      (let ((entry (readdir dir)))
        (cond ((eof-object? entry) (closedir dir) (- count 3)) ; ".", "..", dir
              (else (loop (+ count 1))))))))

(define (sessions count)
  "Create and drop COUNT sessions with record ports over one socket."
  (let* ((pair (socketpair PF_UNIX SOCK_STREAM 0))
         (credentials (make-anonymous-client-credentials))
         (first-tenth (max 1 (quotient count 10)))
         (fds-before (open-fds)))
    (define (make-and-drop)
      (let ((session (make-session connection-end/client)))
        (set-session-priorities! session anonymous-priorities)
        (set-session-credentials! session credentials)
        (set-session-transport-fd! session (fileno (car pair)))
        (session-record-port session)))
    (define (settled-rss)
      (gc) (gc)
      (resident-kib))
    (do ((i 0 (+ i 1))) ((= i first-tenth)) (make-and-drop))
    (let ((rss-first (settled-rss)))
      (do ((i first-tenth (+ i 1))) ((= i count)) (make-and-drop))
      (let ((rss-last (settled-rss))
            (fds-after (open-fds)))
        (close-port (car pair))
        (close-port (cdr pair))
        (format #f "~a ~a ~a ~a" rss-first rss-last fds-before fds-after)))))

;;; Entry point

;; Each case: name, number of arguments, procedure of those arguments.
(define cases
  `(("bulk-fd" 1 ,(lambda (bytes) (bulk (string->number bytes))))
    ("bulk-port" 1 ,(lambda (bytes)
                      (bulk (string->number bytes) #:transport 'port)))
    ("bulk-custom-port" 1 ,(lambda (bytes)
                             (bulk (string->number bytes)
                                   #:transport 'custom-port)))
    ("display" 1 ,(lambda (bytes) (display-case (string->number bytes))))
    ("display-ceiling" 1 ,(lambda (bytes)
                            (display-ceiling (string->number bytes))))
    ("record" 1 ,(lambda (bytes) (record-case (string->number bytes))))
    ("handshakes-anon" 1 ,(lambda (count)
                            (handshakes (string->number count)
                                        anonymous-credentials
                                        anonymous-priorities)))
    ("handshakes-x509" 3 ,(lambda (count key cert)
                            (x509-handshakes (string->number count) key cert)))
    ("handshakes-resumed" 3 ,(lambda (count key cert)
                               (require-resumption)
                               (resumed-handshakes (string->number count) key cert)))
    ("handshakes-resumed-tls12" 3 ,(lambda (count key cert)
                                     (require-resumption)
                                     (resumed-handshakes (string->number count) key cert
                                                         tls12-priorities)))
    ("sessions" 1 ,(lambda (count) (sessions (string->number count))))))

(define (require-bindings . names)
  "Exit 77 (the case is skipped) unless (gnutls) binds all of NAMES: the
old bindings that the benchmarks compare against lack some."
  (for-each (lambda (name)
              (unless (gnutls-binding name)
                (format (current-error-port) "skipped: ~a is unbound~%" name)
                (exit 77)))
            names))

(define (require-resumption)
  "Skip the case unless (gnutls) has what the resumed handshakes use."
  (require-bindings 'make-session-ticket-key 'set-server-session-ticket-key!
                    'session-data 'set-session-data! 'session-resumed?))

(define (x509-handshakes count key cert)
  (require-bindings 'make-certificate-credentials)
  (handshakes count
              (lambda (end) (x509-credentials end key cert))
              x509-priorities))

(define (main args)
  "Run the case named by the first of ARGS (after the program name) and
print its result."
  (let* ((arguments (cdr args))
         (case (and (pair? arguments) (assoc (car arguments) cases))))
    (unless (and case (= (cadr case) (length (cdr arguments))))
      (format (current-error-port) "usage: tls-bench CASE ARG...~%")
      (exit 2))
    (let ((result (apply (caddr case) (cdr arguments))))
      (if (string? result)
          (display result)
          (format #t "~,2f" result))
      (newline))))
