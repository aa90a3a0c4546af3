;;; Misuse matrix: every procedure the (gnutls) module exports is called
;;; with wrong types, #f, closed ports, sessions in odd states (no
;;; transport, no credentials, a dead or closed transport, after bye) and
;;; out-of-range integers, in every argument position.
;;;
;;; The procedures are enumerated from the module's public interface, so
;;; procedures added later are covered without editing this file.  For each
;;; procedure a child process first discovers arguments that pass the type
;;; checks (wrong-type-arg and out-of-range errors name the position), then
;;; substitutes every value of the pool into every position.  Every call
;;; must return or raise an exception whose key is one of
;;; `allowed-error-keys'; a crash (signal), a hang (alarm) or another key
;;; is a failure naming the procedure and the call.
;;;
;;; Then every procedure that takes a session is called on sessions in
;;; each state of their life (see "Session states" below), client and
;;; server, TLS 1.2 and TLS 1.3: one child per state, a fresh session per
;;; call.
;;;
;;; An argument K/N after the file name runs the Kth of N shares of the
;;; procedures and of the states (Meson runs the shares as separate tests,
;;; in parallel); without one, the file runs everything.

(use-modules (srfi srfi-1)
             (srfi srfi-9)
             (srfi srfi-64)
             (ice-9 match)
             (ice-9 rdelim)
             (ice-9 binary-ports)
             (ice-9 threads)
             ((oop goops) #:select (class-of))
             (rnrs bytevectors)
             (test-support)
             (session-kinds)
             (gnutls))

(define allowed-error-keys
  '(wrong-type-arg out-of-range gnutls-error system-error misc-error))

(define child-timeout
  ;; Seconds one procedure's calls may take in total.
  30)

(define gnutls-interface (resolve-interface '(gnutls)))

(define (exported-values)
  "Return the (NAME . VALUE) pairs exported by (gnutls), sorted by name."
  (sort (module-map (lambda (name variable)
                      (cons name (variable-ref variable)))
                    gnutls-interface)
        (lambda (a b)
          (string<? (symbol->string (car a)) (symbol->string (car b))))))

(define (exported name)
  "The value of NAME in (gnutls), or #f if it is not exported."
  (let ((variable (module-variable gnutls-interface name)))
    (and variable (variable-ref variable))))


;;;
;;; The pool of argument values.  Each entry is (LABEL . THUNK): every call
;;; gets fresh objects, so one call cannot leave state for the next.
;;;

(define-record-type <opaque>
  ;; Objects of a type no procedure of the module can know.
  (make-opaque)
  opaque?)

(define (closed-socket-port)
  (let ((pair (socketpair PF_UNIX SOCK_STREAM 0)))
    (close-port (car pair))
    (close-port (cdr pair))
    (car pair)))

(define (dead-peer-socket-port)
  "A socket port whose peer is closed: reads give EOF, writes EPIPE."
  (let ((pair (socketpair PF_UNIX SOCK_STREAM 0)))
    (close-port (cdr pair))
    (car pair)))

(define (failing-port)
  "An input/output port whose every read and write raises an error."
  (make-custom-binary-input/output-port
   "failing"
   (lambda (bv start count) (error "transport read failure"))
   (lambda (bv start count) (error "transport write failure"))
   #f #f #f))

(define (session-with . setup)
  (lambda ()
    (let ((session (make-session connection-end/client)))
      (for-each (lambda (proc) (proc session)) setup)
      session)))

(define (with-credentials session)
  (set-session-priorities! session anonymous-priorities)
  (set-session-credentials! session (make-anonymous-client-credentials)))

(define unused-fd
  ;; A descriptor number no test opens: I/O on it fails with EBADF.
  999)

(define closed-session
  ;; A session that completed a handshake and bye with a peer now gone;
  ;; built once in the parent, inherited by every child.
  (delay
    (call-with-values
        (lambda ()
          (call-with-forked-peer
           (lambda (socket)
             (let ((server (make-anonymous-session connection-end/server
                                                   #:fd socket)))
               (handshake server)
               (bye server close-request/rdwr)))
           (lambda (socket)
             (let ((client (make-anonymous-session connection-end/client
                                                   #:fd (dup (fileno socket)))))
               (handshake client)
               (bye client close-request/rdwr)
               client))))
      (lambda (session status) session))))

(define finalized-session-port
  ;; A record port whose session has been finalized: its close procedure
  ;; stashes it while the collector closes it, and the session's finalizer
  ;; runs in the same collection.  Built once in the parent.
  (delay
    (let loop ((round 0))
      (let ((stash '()))
        (do ((i 0 (+ i 1))) ((= i 200))
          (session-record-port (make-session connection-end/client)
                               (lambda (port) (set! stash (cons port stash)))))
        (gc) (usleep 10000) (gc) (usleep 10000) (gc)
        (or (find (lambda (port)
                    ;; Only a finalized session makes this a type error.
                    (catch 'wrong-type-arg
                      (lambda () (set-session-record-port-close! port (const #f)) #f)
                      (const #t)))
                  stash)
            (and (< round 20) (loop (+ round 1))))))))

(define session-pool
  `((session/client . ,(session-with))
    (session/server . ,(lambda () (make-session connection-end/server)))
    (session/credentials-no-transport . ,(session-with with-credentials))
    (session/no-credentials-dead-peer
     . ,(session-with (lambda (s)
                        (set-session-default-priority! s)
                        (set-session-transport-fd! s (dup (fileno (dead-peer-socket-port)))))))
    (session/dead-peer
     . ,(session-with with-credentials
                      (lambda (s)
                        (set-session-transport-port! s (dead-peer-socket-port)))))
    (session/bad-fd
     . ,(session-with with-credentials
                      (lambda (s) (set-session-transport-fd! s unused-fd))))
    (session/closed-transport-port
     . ,(session-with with-credentials
                      (lambda (s)
                        (let ((port (dead-peer-socket-port)))
                          (set-session-transport-port! s port)
                          (close-port port)))))
    (session/failing-transport-port
     . ,(session-with with-credentials
                      (lambda (s) (set-session-transport-port! s (failing-port)))))
    (session/closed-record-port
     . ,(session-with with-credentials
                      (lambda (s)
                        (set-session-transport-port! s (dead-peer-socket-port))
                        (close-port (session-record-port s)))))
    (session/after-bye . ,(lambda () (force closed-session)))))

(define record-port-pool
  ;; Record ports in odd states, for the procedures that take ports.
  `((record-port/finalized-session . ,(lambda () (force finalized-session-port)))
    (record-port/no-transport
     . ,(lambda () (session-record-port (make-session connection-end/client))))
    (record-port/closed
     . ,(lambda ()
          (let ((port (session-record-port (make-session connection-end/client))))
            (close-port port)
            port)))
    (record-port/dead-peer
     . ,(lambda ()
          (let ((session ((session-with with-credentials))))
            (set-session-transport-port! session (dead-peer-socket-port))
            (session-record-port session))))))

(define sessions-without-transport
  ;; Data-moving procedures must raise on these.
  '(session/client session/server session/credentials-no-transport
    record-port/no-transport record-port/finalized-session record-port/closed))

(define junk-pool
  `((false . ,(const #f))
    (true . ,(const #t))
    (empty-list . ,(const '()))
    (symbol . ,(const 'junk))
    (string . ,(const "/nonexistent/junk"))
    (empty-string . ,(const ""))
    (char . ,(const #\x))
    (zero . ,(const 0))
    (one . ,(const 1))
    (minus-one . ,(const -1))
    (int-max+1 . ,(const (expt 2 31)))
    (huge . ,(const (expt 2 64)))
    (huge-negative . ,(const (- (expt 2 70))))
    (real . ,(const 1.5))
    (empty-bytevector . ,(const #vu8()))
    (bytevector . ,(lambda () (make-bytevector 64 7)))
    (u8vector . ,(lambda () (make-u8vector 3 1)))
    (list . ,(const '(1 2 3)))
    (vector . ,(const #(junk)))
    (procedure . ,(const (lambda args #f)))
    (thunk . ,(const (lambda () #f)))
    (opaque . ,make-opaque)
    (closed-socket-port . ,closed-socket-port)
    (closed-file-port . ,(lambda ()
                           (let ((port (open-input-file "/dev/null")))
                             (close-port port)
                             port)))
    (dead-peer-socket-port . ,dead-peer-socket-port)
    (input-only-port . ,(lambda () (open-bytevector-input-port #vu8(1 2 3))))
    (failing-port . ,failing-port)
    (unused-fd . ,(const unused-fd))))

(define (enumerate-pool)
  "One value of every enumerate type (and other non-procedure object type)
the module exports, found by class."
  (let loop ((values (exported-values)) (seen '()) (pool '()))
    (match values
      (() (reverse pool))
      (((name . value) . rest)
       (let ((class (class-of value)))
         (if (or (procedure? value) (string? value) (number? value)
                 (memq class seen))
             (loop rest seen pool)
             (loop rest (cons class seen)
                   (cons (cons name (const value)) pool))))))))

(define (constructor-pool)
  "Objects made by every zero-argument `make-' procedure of the module."
  (filter-map (match-lambda
                ((name . value)
                 (and (procedure? value)
                      (string-prefix? "make-" (symbol->string name))
                      (equal? (procedure-minimum-arity value) '(0 0 #f))
                      (cons name value))))
              (exported-values)))

(define (imported-pool)
  "An X.509 certificate and private key, when the module can import them,
so that procedures taking those get past their type checks."
  (let ((pem (exported 'x509-certificate-format/pem)))
    (filter-map
     (match-lambda
       ((label importer text)
        (let ((import (exported importer)))
          (and import pem
               (cons label
                     (lambda ()
                       (import (string->utf8 text) pem)))))))
     `((x509-certificate import-x509-certificate ,test-certificate-pem)
       (x509-private-key import-x509-private-key ,test-key-pem)))))

(define (argument-pool)
  (append session-pool record-port-pool junk-pool (enumerate-pool) (constructor-pool)
          (imported-pool)))


;;;
;;; Record port operations, as pseudo-procedures of a session, so that the
;;; port callbacks face the odd sessions too.
;;;

(define pseudo-procedures
  `((%record-port-read . ,(lambda (session)
                            (get-u8 (session-record-port session))))
    (%record-port-write . ,(lambda (session)
                             (let ((port (session-record-port session)))
                               (put-bytevector port #vu8(1 2 3))
                               (force-output port))))
    (%record-port-close . ,(lambda (session)
                             (let ((port (session-record-port session)))
                               (put-u8 port 1)
                               (close-port port))))
    (%record-port-char-ready . ,(lambda (session)
                                  (char-ready? (session-record-port session))))
    ;; The same on ports given directly (record ports in odd states).
    (%port-read . ,(lambda (port) (get-u8 port)))
    (%port-write . ,(lambda (port) (put-u8 port 1) (force-output port)))
    (%port-close . ,(lambda (port) (put-u8 port 1) (close-port port)))))


;;;
;;; One child per procedure.
;;;

(define (error-position key args)
  "The argument position a wrong-type-arg or out-of-range error names, or #f."
  (match (cons key args)
    (((or 'wrong-type-arg 'out-of-range) subr (? string? message)
      ((? integer? position) . _) . _)
     (and (or (string-prefix? "Wrong type argument in position" message)
              (string-prefix? "Argument ~A out of range" message))
          position))
    (_ #f)))

(define (internal-error? key args)
  (match (cons key args)
    (('misc-error _ (? string? message) . _)
     (string-prefix? "internal error" message))
    (_ #f)))

(define (call-outcome proc args)
  "Call PROC with ARGS; return (return) or (raise KEY POSITION INTERNAL?)."
  (catch #t
    (lambda ()
      (apply proc args)
      '(return))
    (lambda (key . rest)
      (list 'raise key (error-position key rest) (internal-error? key rest)))))

(define (run-procedure-matrix proc arity pool report)
  "Discover arguments accepted by PROC, then call it with every pool value
in every position.  REPORT is called before each call with the labels and
after it with the outcome."
  (define positions
    (match arity
      ((required optional rest?) (+ required optional (if rest? 1 0)))))
  (define (call labels)
    (report 'start labels #f)
    (let ((outcome (call-outcome proc
                                 (map (lambda (label)
                                        ((assq-ref pool label)))
                                      labels))))
      (report 'done labels outcome)
      outcome))
  (define (replace labels position label)
    (append (list-head labels (- position 1))
            (list label)
            (list-tail labels position)))
  (define (failing-position outcome)
    (match outcome
      (('raise _ position _) position)
      (_ #f)))
  (define (matrix template)
    (for-each (lambda (position)
                (for-each (lambda (label)
                            (call (replace template position label)))
                          (map car pool)))
              (iota positions 1)))
  ;; Discovery: fix the position each error names until none is named.
  (let loop ((template (make-list positions 'opaque)) (rounds 0))
    (let ((position (failing-position (call template))))
      (if (and position (<= 1 position positions) (< rounds (* 2 positions)))
          (let ((accepted
                 (find (lambda (label)
                         (not (eqv? position
                                    (failing-position
                                     (call (replace template position label))))))
                       (map car pool))))
            (if accepted
                (loop (replace template position accepted) (+ rounds 1))
                (matrix template)))
          (matrix template)))))

(define (open-null-on fd)
  (let ((null (open "/dev/null" O_RDWR)))
    (dup2 (fileno null) fd)
    (close-port null)))

(define (run-reporting-child body)
  "Fork a child that calls BODY with REPORT, a procedure that sends one
record (a list) to this process; return (STATUS . RECORDS), the child's
exit status and its records, in order.  The child's standard input and
output are /dev/null and an alarm ends it after `child-timeout' seconds;
if BODY raises, the child reports (child-error KEY ARGS) and exits 2."
  (match (pipe)
    ((from-child . to-parent)
     ;; Unflushed output would be written again by the child.
     (flush-all-ports)
     (let ((pid (primitive-fork)))
       (if (zero? pid)
           (begin
             (close-port from-child)
             ;; Nothing a call writes to a descriptor may reach the log.
             (open-null-on 0)
             (open-null-on 1)
             (alarm child-timeout)
             ;; Writing to a Scheme socket port whose peer is gone raises
             ;; SIGPIPE in any Guile program; servers ignore it, and so do
             ;; we, so that the port raises EPIPE instead.
             (sigaction SIGPIPE SIG_IGN)
             (let ((report (lambda (record)
                             (write record to-parent)
                             (newline to-parent)
                             (force-output to-parent))))
               (catch #t
                 (lambda ()
                   (body report)
                   (primitive-exit 0))
                 (lambda (key . args)
                   (report (list 'child-error key
                                 (with-output-to-string (lambda () (write args)))))
                   (primitive-exit 2)))))
           (begin
             (close-port to-parent)
             (let loop ((records '()))
               (let ((record (read from-child)))
                 (if (eof-object? record)
                     (begin
                       (close-port from-child)
                       (cons (cdr (waitpid pid)) (reverse records)))
                     (loop (cons record records)))))))))))

(define (run-in-child name proc)
  "Run the matrix of PROC in a child; return (STATUS . RECORDS) where
RECORDS are the child's reports, in order."
  (run-reporting-child
   (lambda (report)
     (run-procedure-matrix
      proc (procedure-minimum-arity proc) (argument-pool)
      (lambda (event labels outcome)
        (report (list event labels outcome)))))))


;;;
;;; Checks.
;;;

(define key-counts (make-hash-table))

(define (predicate-name? name)
  (string-suffix? "?" (symbol->string name)))

(define data-moving-procedures
  '(handshake rehandshake reauthenticate bye record-send alert-send
    %record-port-write %record-port-close %port-write %port-close))

(define (child-status status)
  "How a child that did not exit 0 ended, for a problem report."
  (cond ((status:term-sig status)
         => (lambda (signal)
              (if (= signal SIGALRM)
                  "hung (alarm)"
                  (format #f "killed by signal ~a" signal))))
        (else (format #f "exited ~a" (status:exit-val status)))))

(define (child-errors records)
  "The details of the child-error RECORDS a child reported."
  (filter-map (match-lambda
                (('child-error . details) details)
                (_ #f))
              records))

(define (count! table key)
  "Add one to KEY's count in TABLE."
  (hash-set! table key (+ 1 (hash-ref table key 0))))

(define (child-problems status records who returned-problems)
  "The problems, as strings, of a child that ended with STATUS after
reporting RECORDS: how it ended if it did not exit 0, the errors it
reported, and for each completed call (done CALL OUTCOME) a key that is
not allowed, an internal error, or, for a call that returned, each
text of the list (RETURNED-PROBLEMS CALL).  A problem about CALL (#f for
none) reads \"WHO: TEXT\", WHO being (WHO CALL).  Counts each outcome's key
in `key-counts'."
  (define (describe call text)
    (format #f "~a: ~a" (who call) text))
  (define last-start
    (find (match-lambda (('start . _) #t) (_ #f)) (reverse records)))
  (append
   (if (eqv? 0 (status:exit-val status))
       '()
       (cons (match last-start
               (('start call _)
                (describe call (format #f "child ~a during the call"
                                       (child-status status))))
               (_ (describe #f (format #f "child ~a before any call"
                                       (child-status status)))))
             (map (lambda (details) (describe #f (format #f "~s" details)))
                  (child-errors records))))
   (append-map
    (match-lambda
      (('done call ('raise key position internal?))
       (count! key-counts key)
       (append (if (memq key allowed-error-keys)
                   '()
                   (list (describe call (format #f "unexpected key ~s" key))))
               (if internal?
                   (list (describe call "internal error"))
                   '())))
      (('done call ('return))
       (count! key-counts 'returned)
       (map (lambda (text) (describe call text)) (returned-problems call)))
      (_ '()))
    records)))

(define (check-procedure name proc)
  (match (run-in-child name proc)
    ((status . records)
     (let* ((done (filter (match-lambda (('done . _) #t) (_ #f)) records))
            (problems
             (append
              (child-problems
               status records
               (lambda (labels)
                 (if labels (format #f "~a ~s" name labels) name))
               (lambda (labels)
                 (append
                  (if (and (memq 'opaque labels) (not (predicate-name? name)))
                      '("accepted an object of unknown type")
                      '())
                  (if (and (memq name data-moving-procedures)
                           (pair? labels)
                           (memq (car labels) sessions-without-transport))
                      '("succeeded without a transport")
                      '()))))
              (if (null? done)
                  (list (format #f "~a: no call completed" name))
                  '()))))
       (for-each (lambda (message)
                   (format (current-error-port) "FAIL ~a~%" message))
                 problems)
       (values (null? problems) (length done))))))

;;;
;;; Session states.  Every procedure that takes a session is called on
;;; fresh sessions brought into each state; peers are threads of the child
;;; over socketpairs, so that a state with a live peer costs no fork.
;;;

(define session-calls
  ;; How each procedure taking a session is called on one.  The test below
  ;; checks this list against the module's exports.
  `((%bye . ,(lambda (s) (%bye s close-request/rdwr)))
    (%handshake . ,%handshake)
    (%reauthenticate . ,%reauthenticate)
    (%rehandshake . ,%rehandshake)
    (%gnutls-object->string . ,%gnutls-object->string)
    (alert-get . ,alert-get)
    (alert-send . ,(lambda (s) (alert-send s alert-level/warning
                                           alert-description/user-canceled)))
    (bye . ,(lambda (s) (bye s close-request/rdwr)))
    (handshake . ,handshake)
    (peer-certificate-status . ,peer-certificate-status)
    (reauthenticate . ,reauthenticate)
    (record-get-direction . ,record-get-direction)
    (record-receive! . ,(lambda (s) (record-receive! s (make-bytevector 64))))
    (record-send . ,(lambda (s) (record-send s #vu8(1 2 3))))
    (rehandshake . ,rehandshake)
    (server-session-psk-username . ,server-session-psk-username)
    (server-session-srp-username . ,server-session-srp-username)
    (session-authentication-type . ,session-authentication-type)
    (session-certificate-type . ,session-certificate-type)
    (session-cipher . ,session-cipher)
    (session-client-authentication-type . ,session-client-authentication-type)
    (session-compression-method . ,session-compression-method)
    (session-end-of-stream . ,session-end-of-stream)
    (session-kx . ,session-kx)
    (session-mac . ,session-mac)
    (session-our-certificate-chain . ,session-our-certificate-chain)
    (session-peer-certificate-chain . ,session-peer-certificate-chain)
    (session-protocol . ,session-protocol)
    (session-record-port . ,session-record-port)
    (session-server-authentication-type . ,session-server-authentication-type)
    (set-server-session-certificate-request!
     . ,(lambda (s) (set-server-session-certificate-request! s certificate-request/request)))
    (set-session-credentials!
     . ,(lambda (s) (set-session-credentials! s (make-certificate-credentials))))
    (set-session-default-priority! . ,set-session-default-priority!)
    (set-session-dh-prime-bits! . ,(lambda (s) (set-session-dh-prime-bits! s 1024)))
    (set-session-handshake-timeout! . ,(lambda (s) (set-session-handshake-timeout! s 100)))
    (set-session-peer-verification!
     . ,(lambda (s) (set-session-peer-verification! s "example.org")))
    (set-session-priorities! . ,(lambda (s) (set-session-priorities! s "NORMAL")))
    (set-session-server-name!
     . ,(lambda (s) (set-session-server-name! s server-name-type/dns "example.org")))
    (set-session-transport-fd!
     . ,(lambda (s) (set-session-transport-fd! s (fileno (dead-peer-socket-port)))))
    (set-session-transport-port!
     . ,(lambda (s) (set-session-transport-port! s (dead-peer-socket-port))))
    ;; Connections: ALPN, resumption, server names, key logging.
    (session-alpn-protocol . ,session-alpn-protocol)
    (session-data . ,session-data)
    (session-resumed? . ,session-resumed?)
    (server-session-server-name . ,server-session-server-name)
    (set-session-alpn-protocols!
     . ,(lambda (s) (set-session-alpn-protocols! s '("h2" "http/1.1") #t)))
    (set-session-data!
     . ,(lambda (s) (set-session-data! s (make-bytevector 32 1))))
    (set-server-session-ticket-key!
     . ,(lambda (s) (set-server-session-ticket-key! s (make-session-ticket-key))))
    (set-server-session-credentials-procedure!
     . ,(lambda (s)
          (set-server-session-credentials-procedure! s (lambda (name) #f))))
    (set-session-key-log-procedure!
     . ,(lambda (s) (set-session-key-log-procedure! s (lambda args #f))))
    ;; The record port's operations, and its close procedure.
    (set-session-record-port-close!
     . ,(lambda (s) (set-session-record-port-close! (session-record-port s) (const #f))))
    ,@(filter-map (lambda (name) (assq name pseudo-procedures))
                  '(%record-port-read %record-port-write %record-port-close
                    %record-port-char-ready))))

(define (session-taking-exports)
  "The exported procedures whose first argument is a session: an unknown
object there is a wrong-type-arg in position 1, a session is not."
  (define (position-1-error? thunk)
    (catch #t
      (lambda () (thunk) #f)
      (lambda (key . args)
        (eqv? 1 (error-position key args)))))
  (filter-map
   (match-lambda
     ((name . value)
      (and (procedure? value)
           (let ((required (car (procedure-minimum-arity value))))
             (and (> required 0)
                  (position-1-error?
                   (lambda () (apply value (make-opaque) (make-list (- required 1) #f))))
                  (not (position-1-error?
                        (lambda ()
                          (apply value (make-session connection-end/client)
                                 (make-list (- required 1) #f)))))
                  name)))))
   (exported-values)))

(define (opposite end)
  (if (eq? end connection-end/server) connection-end/client connection-end/server))

(define (start-peer socket proc)
  "Run (PROC SOCKET) in a thread; it closes SOCKET when done."
  (call-with-new-thread
   (lambda ()
     (catch #t (lambda () (proc socket)) (const #f))
     (close-port socket))))

(define (peer-session end priorities socket)
  (make-kind-session (opposite end) priorities #:fd (fileno socket)))

(define (wrong-credentials end priorities)
  "Credentials of the kind PRIORITIES want, made for the other end."
  (if (string-contains priorities "TLS1.3")
      (let ((credentials (make-certificate-credentials)))
        (when (eq? end connection-end/client)  ; a server's, with its key
          (set-certificate-credentials-x509-key-data!
           credentials (string->utf8 test-certificate-pem)
           (string->utf8 test-key-pem) x509-certificate-format/pem))
        credentials)
      (if (eq? end connection-end/server)
          (make-anonymous-client-credentials)
          (make-anonymous-server-credentials))))

(define (build-state state end priorities)
  "Return a session of END in STATE and a thunk that releases what it
uses.  Waits are bounded: a live peer is silent only where the session
cannot block (non-blocking, or a handshake timeout)."
  (define pair (socketpair PF_UNIX SOCK_STREAM 0))
  (define ours (car pair))
  (define theirs (cdr pair))
  (define peer #f)
  (define (release)
    (when peer (join-thread peer (+ (current-time) 5)))
    (close-port ours)
    (when (and theirs (not peer)) (close-port theirs)))
  (define (session . setup)
    (let ((s (make-session end)))
      (for-each (lambda (proc) (proc s)) setup)
      s))
  (define (kind s) (set-session-priorities! s priorities)
    (set-session-credentials! s (credentials-for end priorities)))
  (define (fd s) (set-session-transport-fd! s (fileno ours)))
  (define (hang-up) (close-port theirs) (set! theirs #f))
  (define (with-peer proc) (set! peer (start-peer theirs proc)))
  (let ((s (match state
             ('no-priorities
              (hang-up)
              (session (lambda (s) (set-session-credentials!
                                    s (credentials-for end priorities)))
                       fd))
             ('no-priorities-port
              (hang-up)
              (session (lambda (s) (set-session-credentials!
                                    s (credentials-for end priorities)))
                       (lambda (s) (set-session-transport-port! s ours))))
             ('no-credentials
              (hang-up)
              (session (lambda (s) (set-session-priorities! s priorities)) fd))
             ('wrong-credentials
              (hang-up)
              (session (lambda (s)
                         (set-session-priorities! s priorities)
                         (set-session-credentials! s (wrong-credentials end priorities)))
                       fd))
             ('fd-of-closed-socket
              (let ((s (session kind fd)))
                (hang-up)
                (close-port ours)
                (set! ours (open-input-file "/dev/null")) ; for release
                s))
             ('closed-transport-port
              (let ((s (session kind (lambda (s) (set-session-transport-port! s ours)))))
                (close-port ours)
                s))
             ('port-to-closed-socket
              (hang-up)
              (session kind (lambda (s) (set-session-transport-port! s ours))))
             ('never-handshook
              ;; A live peer that sends nothing; the handshake is bounded.
              (session (lambda (s)
                         (set-session-priorities!
                          s (if (string-contains priorities "TLS1.3") "NORMAL" priorities))
                         (set-session-credentials!
                          s (credentials-for end priorities))
                         (set-session-handshake-timeout! s 100))
                       fd))
             ('handshake-in-progress
              (fcntl ours F_SETFL (logior O_NONBLOCK (fcntl ours F_GETFL)))
              (let ((s (session kind fd)))
                (%handshake s)
                s))
             ('handshake-failed
              (put-bytevector theirs (string->utf8 "GET / HTTP/1.0\r\n\r\n"))
              (hang-up)
              (let ((s (session kind fd)))
                (catch 'gnutls-error (lambda () (handshake s)) (const #f))
                s))
             ('established
              ;; The peer sends a byte, closes its side and goes: every
              ;; call that reads ends.
              (with-peer (lambda (socket)
                           (let ((p (peer-session end priorities socket)))
                             (handshake p)
                             (record-send p #vu8(120))
                             (bye p close-request/wr))))
              (let ((s (session kind fd)))
                (handshake s)
                s))
             ('after-bye
              (with-peer (lambda (socket)
                           (let ((p (peer-session end priorities socket)))
                             (handshake p)
                             (bye p close-request/rdwr))))
              (let ((s (session kind fd)))
                (handshake s)
                (bye s close-request/rdwr)
                s)))))
    (values s release)))

(define session-states
  '(no-priorities no-priorities-port no-credentials wrong-credentials fd-of-closed-socket
    closed-transport-port port-to-closed-socket never-handshook
    handshake-in-progress handshake-failed established after-bye))

(define post-handshake-calls
  ;; Must raise in every state before an established session...
  '(rehandshake reauthenticate %rehandshake %reauthenticate record-send
    record-receive! alert-send %record-port-read %record-port-write))

(define after-bye-refused
  ;; ... and these after bye (reading then gives the end of the stream).
  '(rehandshake reauthenticate %rehandshake %reauthenticate record-send
    alert-send bye %bye handshake %handshake %record-port-write))

(define state-call-timeout
  ;; Seconds one call in a state may take, its state's setup included.
  5)

(define (run-state-in-child state end priorities)
  "Call every procedure of `session-calls' on a fresh session in STATE,
in a child; return (STATUS . RECORDS) as `run-in-child' does."
  (run-reporting-child
   (lambda (report)
     (for-each
      (match-lambda
        ((name . call)
         ;; A hung call ends the child soon, naming itself.
         (alarm state-call-timeout)
         (report (list 'start name #f))
         (call-with-values (lambda () (build-state state end priorities))
           (lambda (session release)
             (let ((outcome (call-outcome call (list session))))
               (release)
               (report (list 'done name outcome)))))))
      session-calls))))

(define (state-problems state end priorities)
  "The problems found calling every session procedure in STATE, as
strings naming the procedure and the state: the empty list if none."
  (define label (format #f "~a, ~a, ~a" state (end-name end) priorities))
  (match (run-state-in-child state end priorities)
    ((status . records)
     (child-problems
      status records
      (lambda (name) (if name (format #f "~a (~a)" name label) label))
      (lambda (name)
        (if (or (and (memq name post-handshake-calls)
                      (not (memq state '(established after-bye)))
                      ;; An alert may tell the peer a handshake is abandoned.
                      (not (and (eq? name 'alert-send)
                                (eq? state 'handshake-in-progress))))
                (and (memq name after-bye-refused) (eq? state 'after-bye)))
            '("succeeded")
            '()))))))

(define (parse-share argument)
  "Return (K . N) from the \"K/N\" ARGUMENT, or #f if it is not one."
  (match (map string->number (string-split argument #\/))
    (((? exact-integer? k) (? exact-integer? n))
     (and (<= 1 k n) (cons k n)))
    (_ #f)))

(define share
  ;; (K . N): this run checks every Nth case from the Kth on.
  (match (command-line)
    ((_) '(1 . 1))
    ((_ argument) (or (parse-share argument)
                      (error "misuse-matrix: expected K/N, got" argument)))))

(define (in-share? index)
  "True if the case at INDEX (from 0) falls to this run's share."
  (match share
    ((k . n) (= (modulo index n) (1- k)))))

(define (this-share items)
  "Return the elements of ITEMS that fall to this run's share."
  (filter-map (lambda (item i) (and (in-share? i) item))
              items (iota (length items))))

(test-begin "misuse-matrix")

(define procedures
  (append (filter (match-lambda ((name . value) (procedure? value)))
                  (exported-values))
          pseudo-procedures))

(test-assert "a share of K/N is K of N, within them"
  (and (equal? (parse-share "2/3") '(2 . 3))
       (not (parse-share "3/2"))
       (not (parse-share "0/2"))
       (not (parse-share "x/2"))))

(test-assert "the module exports procedures"
  (> (length procedures) (length pseudo-procedures)))

;; Build the shared closed session before forking the children.
(test-assert "a session can be closed after a handshake"
  (begin
    (flush-all-ports)
    (session? (force closed-session))))

(test-assert "a record port can outlive its finalized session"
  (port? (force finalized-session-port)))

(define total-calls 0)

(for-each (match-lambda
            ((name . proc)
             (test-assert (symbol->string name)
               (call-with-values (lambda () (check-procedure name proc))
                 (lambda (ok? calls)
                   (set! total-calls (+ total-calls calls))
                   ok?)))))
          (this-share procedures))

(test-equal "every exported procedure taking a session is called in every state"
  '()
  (lset-difference eq? (session-taking-exports) (map car session-calls)))

(let ((index 0))
  (for-each-combination
   (lambda (kind end state)
     (when (in-share? index)
       (test-equal (format #f "session state ~a: ~a, ~a" state (end-name end) (car kind))
         '()
         (state-problems state end (cdr kind))))
     (set! index (1+ index)))
   protocol-kinds
   (list connection-end/client connection-end/server)
   session-states))

(format #t "~a of ~a procedures (share ~a/~a), ~a calls; outcomes: ~s~%"
        (length (this-share procedures)) (length procedures)
        (car share) (cdr share) total-calls
        (sort (hash-map->list cons key-counts)
              (lambda (a b) (string<? (symbol->string (car a))
                                      (symbol->string (car b))))))

(test-end "misuse-matrix")
(test-exit)
