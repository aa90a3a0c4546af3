;;; (test-support) --- helpers shared by the Scheme tests.
;;;
;;; Every test file uses SRFI-64 and calls `test-exit' at the end: the
;;; process exits 0 only if at least one test ran and none failed.  TLS
;;; peers run in a forked child over a socketpair, killed by an alarm if
;;; they hang, so no test leaves a process behind or waits forever.

(define-module (test-support)
  #:use-module (srfi srfi-64)
  #:use-module (ice-9 match)
  #:use-module (gnutls)
  #:use-module (ice-9 binary-ports)
  #:use-module (ice-9 rdelim)
  #:export (test-exit
            test-alarm
            test-match
            for-each-combination
            end-name
            error-of
            gnutls-error-of
            wrong-type?
            anonymous-priorities
            make-anonymous-session
            session-over-fd
            anonymous-session-over
            call-with-forked-peer
            call-in-child
            anonymous-exchange
            greeting-exchange
            serve-lines
            call-with-socketpair
            call-with-pipe
            this-project-module?
            resident-kib
            printed-error
            wrapping-port))

;; Under a sanitizer build the runtimes are preloaded into this guile only
;; (see meson.build); programs the tests start (certtool, gnutls-cli,
;; openssl) must not inherit them: certtool deadlocks at exit under them.
;; Guile children get them back through wrappers.
(when (getenv "SANITIZER_PRELOAD")
  (unsetenv "LD_PRELOAD"))

;; A whole file's backstop against a hang must not fire before Meson's own
;; timeout does: the valgrind and sanitizer passes stretch that timeout,
;; and say by how much in TEST_TIMEOUT_MULTIPLIER.
(define (test-alarm seconds)
  "Schedule SIGALRM, which ends the test, after SECONDS times the
pass's timeout multiplier (TEST_TIMEOUT_MULTIPLIER, default 1)."
  (alarm (inexact->exact
          (ceiling
           (* seconds
              (or (and=> (getenv "TEST_TIMEOUT_MULTIPLIER") string->number)
                  1))))))

;; A test of a value's shape that shows the value when it fails: the
;; test passes if EXPR's value matches one of the `match' CLAUSES and that
;; clause's body returns true; otherwise SRFI-64 reports the value itself
;; as the actual value (the expected one is the symbol `matched').
(define-syntax-rule (test-match name expr clause ...)
  (test-equal name 'matched
    (let ((value expr))
      (if (match value clause ... (_ #f)) 'matched value))))

(define (for-each-combination proc . lists)
  "Call PROC with each combination of one element from each of LISTS, in
the order of nested for-each loops (the first list outermost): the cases
of a test matrix."
  (let loop ((lists lists) (chosen '()))
    (if (null? lists)
        (apply proc (reverse chosen))
        (for-each (lambda (element) (loop (cdr lists) (cons element chosen)))
                  (car lists)))))

(define (end-name end)
  "\"client\" or \"server\": the connection END, as test names say it."
  (if (eq? end connection-end/client) "client" "server"))

(define (error-of thunk)
  "Return (KEY . ARGS) of what THUNK raises, or #f if it returns."
  (catch #t (lambda () (thunk) #f) (lambda (key . args) (cons key args))))

(define (gnutls-error-of thunk)
  "Call THUNK; return the gnutls-error enumerate it raised with its extra
arguments (those after the procedure name) as (ERROR . EXTRA), or #f if it
returned."
  (catch 'gnutls-error
    (lambda () (thunk) #f)
    (lambda (key error who . extra) (cons error extra))))

(define (wrong-type? thunk)
  "True if THUNK raises a wrong-type-arg error, #f if it returns (any other
exception propagates)."
  (catch 'wrong-type-arg
    (lambda () (thunk) #f)
    (const #t)))

(define (printed-error thunk)
  "Return what the error printer shows for the gnutls-error THUNK raises
(GnuTLS's description and this module's explanation, as a REPL reports
it), or #f if THUNK returns or raises something else."
  (with-exception-handler
      (lambda (e)
        (and (eq? (exception-kind e) 'gnutls-error)
             (call-with-output-string
               (lambda (port)
                 (print-exception port #f (exception-kind e) (exception-args e))))))
    (lambda () (thunk) #f)
    #:unwind? #t))

(define anonymous-priorities
  ;; Anonymous key exchange needs TLS 1.2; GnuTLS disables it by default.
  "NORMAL:-VERS-TLS1.3:+ANON-ECDH:+ANON-DH")

(define* (make-anonymous-session end #:key fd port (flags '()))
  "Return a session for END with anonymous credentials, over FD or PORT."
  (let ((session (apply make-session end flags)))
    (set-session-priorities! session anonymous-priorities)
    (set-session-credentials! session
                              (if (eq? end connection-end/server)
                                  (make-anonymous-server-credentials)
                                  (make-anonymous-client-credentials)))
    (cond (fd (set-session-transport-fd! session fd))
          (port (set-session-transport-port! session port)))
    session))

(define (session-over-fd end socket priorities credentials)
  "Return a session for END with PRIORITIES and CREDENTIALS over the file
descriptor of SOCKET."
  (let ((session (make-session end)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session credentials)
    (set-session-transport-fd! session (fileno socket))
    session))

(define (anonymous-session-over end socket transport)
  "Return an anonymous session for END over SOCKET: given to the session as
its file descriptor if TRANSPORT is 'fd, as a port if it is 'port; if
TRANSPORT is a procedure, the session's port is what it returns for
SOCKET."
  (match transport
    ('fd (make-anonymous-session end #:fd (fileno socket)))
    ('port (make-anonymous-session end #:port socket))
    ((? procedure? make-port)
     (make-anonymous-session end #:port (make-port socket)))))

(define (call-with-port-pair pair proc)
  "Call PROC with the two ports of PAIR; close both afterwards."
  (dynamic-wind
    (const #t)
    (lambda () (proc (car pair) (cdr pair)))
    (lambda ()
      (close-port (car pair))
      (close-port (cdr pair)))))

(define (call-with-socketpair proc)
  "Call PROC with two connected Unix stream sockets; close both afterwards."
  (call-with-port-pair (socketpair PF_UNIX SOCK_STREAM 0) proc))

(define (call-with-pipe proc)
  "Call PROC with the read and the (unbuffered) write end of a fresh pipe;
close both afterwards."
  (let ((pipe (pipe)))
    (setvbuf (cdr pipe) 'none)
    (call-with-port-pair pipe proc)))

(define* (call-with-forked-peer peer proc #:key (timeout 30))
  "Fork a child that calls PEER with its end of a fresh socketpair, while
the parent calls PROC with the other end.  The child exits 0 if PEER
returns, 1 if it raises, and is killed after TIMEOUT seconds.  Return the
value of PROC and the child's exit status, as two values."
  ;; Whatever is buffered for output would otherwise be written twice.
  (flush-all-ports)
  (let* ((pair (socketpair PF_UNIX SOCK_STREAM 0))
         (pid (primitive-fork)))
    (if (zero? pid)
        (begin
          (close-port (car pair))
          (alarm timeout)
          (primitive-exit
           (catch #t
             ;; Closing the socket after PEER returns also keeps its port
             ;; alive until then: a session over its file descriptor does
             ;; not, and compiled code drops a port it no longer uses, whose
             ;; finalizer would close the descriptor under the session.
             (lambda () (peer (cdr pair)) (close-port (cdr pair)) 0)
             (lambda (key . args)
               (format (current-error-port) "peer: ~s ~s~%" key args)
               1))))
        (begin
          (close-port (cdr pair))
          (let ((result (catch #t
                          (lambda () (proc (car pair)))
                          (lambda args
                            (kill pid SIGKILL)
                            (waitpid pid)
                            (close-port (car pair))
                            (apply throw args)))))
            (close-port (car pair))
            (let ((status (cdr (waitpid pid))))
              (values result (status:exit-val status))))))))

(define* (call-in-child thunk #:key (timeout 20))
  "Call THUNK in a forked child killed after TIMEOUT seconds.  Return
(exited STATUS VALUE), VALUE being what THUNK returned (written back
through a pipe) or (uncaught KEY ARGS) if it raised, or (killed SIGNAL) if
the child died of a signal: SIGALRM when it hung."
  (flush-all-ports)
  (match (pipe)
    ((from-child . to-parent)
     (let ((pid (primitive-fork)))
       (if (zero? pid)
           (begin
             (alarm timeout)
             (close-port from-child)
             (let ((value (catch #t thunk
                            (lambda (key . args) (list 'uncaught key args)))))
               (write value to-parent)
               (force-output to-parent)
               (primitive-exit 0)))
           (begin
             (close-port to-parent)
             ;; The child's alarm ends a hang; this ends a child stuck
             ;; before it could set it.
             (when (null? (car (select (list from-child) '() '() (+ timeout 5))))
               (kill pid SIGKILL))
             (let* ((value (read from-child))
                    (status (cdr (waitpid pid))))
               (close-port from-child)
               (if (status:term-sig status)
                   (list 'killed (status:term-sig status))
                   (list 'exited (status:exit-val status) value)))))))))

(define* (anonymous-exchange server client #:key (server-transport 'fd)
                             (client-transport 'fd) (timeout 30))
  "Fork a peer that calls SERVER with an anonymous server session over its
end of a socketpair, while this process calls CLIENT with an anonymous
client session over the other end (neither has done its handshake yet).
Return CLIENT's value and the peer's exit status (see
`call-with-forked-peer') as a list.  The transports are as for
`anonymous-session-over'."
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         (lambda (socket)
           (server (anonymous-session-over connection-end/server socket
                                           server-transport)))
         (lambda (socket)
           (client (anonymous-session-over connection-end/client socket
                                           client-transport)))
         #:timeout timeout))
    list))

(define (greeting-exchange peer make-client line)
  "Fork PEER (a procedure of its socket) and, over the other end,
handshake the session MAKE-CLIENT returns for the socket, send LINE, read
the answer line and say bye.  Return the answer, the session's key
exchange and the peer's exit status, as three values."
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         peer
         (lambda (socket)
           (let ((session (make-client socket)))
             (handshake session)
             (let ((port (session-record-port session)))
               (display line port)
               (newline port)
               (force-output port)
               (let ((answer (read-line port)))
                 (bye session close-request/rdwr)
                 (cons answer (session-kx session))))))))
    (lambda (result status)
      (values (car result) (cdr result) status))))

(define* (serve-lines session #:key (reply identity) (bye-may-fail? #f))
  "Handshake SESSION, answer each line read from its record port with
REPLY of the line, displayed on a line of its own, until end of file, then
say bye.  If BYE-MAY-FAIL?, a gnutls-error from the bye is ignored (a
client that keeps only its record port closes it without bye)."
  (let ((port (session-record-port session)))
    (handshake session)
    (let loop ()
      (let ((line (read-line port)))
        (unless (eof-object? line)
          (display (reply line) port)
          (newline port)
          (loop))))
    (if bye-may-fail?
        (catch 'gnutls-error
          (lambda () (bye session close-request/rdwr))
          (const #f))
        (bye session close-request/rdwr))))

(define* (wrapping-port socket #:key (fail-read? (const #f))
                        (failure (lambda () (throw 'transport-broke 'read))))
  "A custom binary port over SOCKET, for sessions over Scheme ports; its
reads call FAILURE once FAIL-READ? says so."
  (make-custom-binary-input/output-port
   "wrapping"
   (lambda (bv start count)
     (when (fail-read?) (failure))
     (let ((n (get-bytevector-some! socket bv start count)))
       (if (eof-object? n) 0 n)))
   (lambda (bv start count)
     (put-bytevector socket bv start count)
     (force-output socket)
     count)
   #f #f #f))

(define (resident-kib)
  "This process's resident set size in KiB."
  (call-with-input-file "/proc/self/status"
    (lambda (port)
      (let loop ()
        (let ((line (read-line port)))
          (cond ((eof-object? line) 0)
                ((string-prefix? "VmRSS:" line)
                 (string->number (car (string-tokenize (substring line 6)))))
                (else (loop))))))))

(define (this-project-module?)
  "True if (gnutls) is this project's module with its extension."
  (let ((extension (getenv "GUILE_GNUTLS_CXX_EXTENSION")))
    (and extension
         (string=? %gnutls-extension-file extension))))

(define final-counts
  ;; (passed . failed) of the outermost test group, once it has ended.
  #f)

;; Every runner records its totals when its outermost group ends, so that
;; `test-exit' can report them after `test-end'.
(test-runner-factory
 (lambda ()
   (let* ((runner (test-runner-simple))
          (report (test-runner-on-final runner)))
     (test-runner-on-final! runner
       (lambda (runner)
         (report runner)
         (set! final-counts
               (cons (+ (test-runner-pass-count runner)
                        (test-runner-xfail-count runner))
                     (+ (test-runner-fail-count runner)
                        (test-runner-xpass-count runner))))))
     runner)))

(define (test-exit)
  "Exit 0 if tests ran and none failed, 1 otherwise.  Call after the
outermost `test-end'."
  (exit (match final-counts
          ((passed . 0) (if (> passed 0) 0 1))
          (_ 1))))
