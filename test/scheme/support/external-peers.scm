;;; (external-peers) --- TLS programs nobody here wrote, as test peers.
;;;
;;; Servers such as `gnutls-serv' and `openssl s_server' are started on a
;;; free loopback port and clients such as `gnutls-cli' and `openssl
;;; s_client' are pointed at a socket we listen on.  Every program runs
;;; with an alarm set before exec (alarms survive exec), so it dies on its
;;; own if the test is killed, and it is always killed and reaped when the
;;; test is done with it, even when the test fails.

(define-module (external-peers)
  #:use-module (gnutls)
  #:use-module (ice-9 match)
  #:use-module (ice-9 rdelim)
  #:use-module (ice-9 textual-ports)
  #:use-module (rnrs bytevectors)
  #:export (program-available?
            free-loopback-port
            spawn-program
            stop-program
            connect-when-listening
            wait-for-exit
            call-with-external-server
            call-with-external-client
            make-srp-password-files
            write-psk-file
            psk-client-credentials
            client-session
            server-session
            round-trip
            client-round-trip
            answer-one-line
            one-line-server
            one-line-client-exchange
            bytevector->hex))

(define %program-timeout
  ;; Seconds any external program may live.
  60)

(define (program-available? program . arguments)
  "True if PROGRAM can be run: it exits 0 when called with ARGUMENTS
(e.g. \"--version\")."
  (let ((pid (spawn-program program arguments #:stdout "/dev/null"
                            #:stderr "/dev/null")))
    (zero? (or (status:exit-val (cdr (waitpid pid))) 1))))

(define (free-loopback-port)
  "Return a TCP port number on 127.0.0.1 that nobody listens on now."
  (let ((s (socket PF_INET SOCK_STREAM 0)))
    (dynamic-wind
      (const #t)
      (lambda ()
        (bind s AF_INET INADDR_LOOPBACK 0)
        (sockaddr:port (getsockname s)))
      (lambda () (close-port s)))))

(define* (spawn-program program arguments #:key stdin stdout stderr
                        (timeout %program-timeout) detach?)
  "Start PROGRAM with ARGUMENTS and return its pid.  STDIN is an input
port (e.g. the read end of a pipe) or a file name, STDOUT and STDERR file
names (appended to); each defaults to the test's own.  The program gets
SIGALRM after TIMEOUT seconds.  If DETACH?, it runs in a new session,
without a controlling terminal."
  (define (redirect target fd flags)
    (match target
      (#f #t)
      ((? port? port) (dup2 (fileno port) fd))
      ((? string? file)
       (let ((new (open-fdes file flags #o600)))
         (dup2 new fd)
         (close-fdes new)))))
  ;; A peer that goes away must not kill the test with SIGPIPE: writes to
  ;; it fail with EPIPE instead.  (Not at module load time: sigaction
  ;; starts Guile's signal thread, which would wait for the module lock.)
  ;; The program gets the default back.
  (sigaction SIGPIPE SIG_IGN)
  ;; Output still buffered at fork time would be written twice.
  (flush-all-ports)
  (let ((pid (primitive-fork)))
    (if (zero? pid)
        (catch #t
          (lambda ()
            (redirect stdin 0 O_RDONLY)
            (redirect stdout 1 (logior O_WRONLY O_CREAT O_APPEND))
            (redirect stderr 2 (logior O_WRONLY O_CREAT O_APPEND))
            (when detach? (setsid))
            (alarm timeout)
            (sigaction SIGPIPE SIG_DFL)
            (apply execlp program program arguments))
          (lambda _ (primitive-exit 127)))
        pid)))

(define (stop-program pid)
  "Kill the program PID (if it still runs) and reap it.  Return its status
as waitpid gives it."
  (match (waitpid pid WNOHANG)
    ((0 . _)
     (kill pid SIGKILL)
     (cdr (waitpid pid)))
    ((_ . status) status)))

(define (wait-for-exit pid seconds)
  "Wait up to SECONDS for PID to exit; then kill it.  Return its exit
value, or #f if it had to be killed or died of a signal."
  (let loop ((waited 0))
    (match (waitpid pid WNOHANG)
      ((0 . _)
       (if (< waited (* seconds 20))
           (begin (usleep 50000) (loop (+ waited 1)))
           (begin (stop-program pid) #f)))
      ((_ . status) (status:exit-val status)))))

(define (connect-when-listening port pid seconds)
  "Connect to 127.0.0.1:PORT as soon as the program PID listens there.
Return the connected socket, or #f if PID exits first (another process
took the port) or SECONDS pass."
  (let loop ((tries (* seconds 20)))
    (let ((s (socket PF_INET SOCK_STREAM 0)))
      (catch 'system-error
        (lambda ()
          (connect s AF_INET INADDR_LOOPBACK port)
          s)
        (lambda args
          (close-port s)
          (match (waitpid pid WNOHANG)
            ((0 . _)
             (and (> tries 0)
                  (begin (usleep 50000) (loop (- tries 1)))))
            (_ #f)))))))

(define* (call-with-external-server make-command proc #:key (attempts 3))
  "Start the server program (MAKE-COMMAND PORT) returns, a list of the
program and its arguments, on a free loopback PORT; call PROC with a
socket connected to it and return PROC's value.  The server is killed and
reaped when PROC returns or raises.  If the server exits before it
listens (its port was taken meanwhile), try again with another port."
  (let loop ((attempt 1))
    (let* ((port (free-loopback-port))
           (command (make-command port))
           (pid (spawn-program (car command) (cdr command)))
           (outcome
            (dynamic-wind
              (const #t)
              (lambda ()
                (let ((s (connect-when-listening port pid 20)))
                  (if s
                      (dynamic-wind
                        (const #t)
                        (lambda () (list (proc s)))
                        (lambda () (close-port s)))
                      'not-listening)))
              (lambda () (stop-program pid)))))
      (match outcome
        ((value) value)
        ('not-listening
         (if (< attempt attempts)
             (loop (+ attempt 1))
             (error "server did not listen" command)))))))

(define* (call-with-external-client make-command input proc
                                    #:key (timeout 20))
  "Listen on a free loopback port, start the client program (MAKE-COMMAND
PORT) returns, a list of the program and its arguments, with the string
INPUT on its standard input (kept open until the client is done), and call
PROC with the accepted socket.  Return three values: PROC's value, the
client's exit value (#f if it had to be killed), and what it wrote on its
standard output."
  (let* ((listener (socket PF_INET SOCK_STREAM 0))
         (output (string-append (or (getenv "TMPDIR") "/tmp")
                                "/external-client-" (number->string (getpid))
                                ".out"))
         (stdin (pipe)))
    (setsockopt listener SOL_SOCKET SO_REUSEADDR 1)
    (bind listener AF_INET INADDR_LOOPBACK 0)
    (listen listener 1)
    (when (file-exists? output) (delete-file output))
    (let* ((command (make-command (sockaddr:port (getsockname listener))))
           (pid (spawn-program (car command) (cdr command)
                               #:stdin (car stdin) #:stdout output))
           (reaped? #f))
      (dynamic-wind
        (const #t)
        (lambda ()
          (close-port (car stdin))
          (display input (cdr stdin))
          (force-output (cdr stdin))
          (match (select (list listener) '() '() timeout)
            ((() () ()) (error "client did not connect" command))
            (_ #t))
          (let* ((connection (car (accept listener)))
                 (result (dynamic-wind
                           (const #t)
                           (lambda () (proc connection))
                           (lambda () (close-port connection)))))
            (close-port (cdr stdin))
            (let ((status (wait-for-exit pid timeout)))
              (set! reaped? #t)
              (values result status
                      (call-with-input-file output get-string-all)))))
        (lambda ()
          (unless reaped? (stop-program pid))
          (unless (port-closed? (cdr stdin)) (close-port (cdr stdin)))
          (close-port listener)
          (when (file-exists? output) (delete-file output)))))))

(define (run-with-input program arguments input)
  "Run PROGRAM with ARGUMENTS and the string INPUT on its standard input,
its output discarded; return its exit value (#f if it was killed)."
  (let* ((stdin (pipe))
         (pid (spawn-program program arguments #:stdin (car stdin)
                             #:stdout "/dev/null" #:detach? #t)))
    (close-port (car stdin))
    (catch 'system-error                ;it may exit without reading
      (lambda () (display input (cdr stdin)))
      (const #f))
    (close-port (cdr stdin))
    (wait-for-exit pid 30)))

(define (write-psk-file file . entries)
  "Write the PSK password FILE, as psktool does: ENTRIES are
(USER . KEY-BYTEVECTOR) pairs."
  (call-with-output-file file
    (lambda (port)
      (for-each (match-lambda
                  ((user . key) (format port "~a:~a~%" user (bytevector->hex key))))
                entries))))

(define (psk-client-credentials user key)
  "PSK client credentials that log in as USER with KEY, a bytevector."
  (let ((credentials (make-psk-client-credentials)))
    (set-psk-client-credentials! credentials user key psk-key-format/raw)
    credentials))

(define (make-srp-password-files dir users)
  "Make an SRP password file and its configuration file with `srptool' in
DIR, for USERS, a list of (NAME . PASSWORD) pairs.  Return the two file
names as two values."
  (let ((passwords (string-append dir "/tpasswd"))
        (conf (string-append dir "/tpasswd.conf")))
    (unless (eqv? 0 (run-with-input "srptool" (list "--create-conf" conf) ""))
      (error "srptool could not create" conf))
    ;; srptool reads the password from the terminal when there is one: it
    ;; runs detached from it, so it reads our pipe.
    (for-each (match-lambda
                ((user . password)
                 (unless (eqv? 0 (run-with-input
                                  "srptool"
                                  (list "-p" passwords "-v" conf "-u" user)
                                  (string-append password "\n")))
                   (error "srptool failed for user" user))))
              users)
    (values passwords conf)))

;;; Sessions of ours facing an external peer.

(define (bytevector->hex bv)
  "BV in hexadecimal, two digits a byte, as command lines take keys."
  (string-concatenate
   (map (lambda (byte) (string-pad (number->string byte 16) 2 #\0))
        (bytevector->u8-list bv))))

(define (client-session socket priorities credentials)
  "Return a client session over SOCKET for host \"localhost\"."
  (let ((session (make-session connection-end/client)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session credentials)
    (set-session-server-name! session server-name-type/dns "localhost")
    (set-session-transport-fd! session (fileno socket))
    session))

(define (server-session socket priorities credentials)
  "Return a server session over SOCKET."
  (let ((session (make-session connection-end/server)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session credentials)
    (set-session-transport-fd! session (fileno socket))
    session))

(define (round-trip session line)
  "Send LINE over SESSION and return the line that comes back."
  (let ((port (session-record-port session)))
    (display line port)
    (newline port)
    (force-output port)
    (read-line port)))

(define (client-round-trip socket priorities credentials line . facts)
  "Handshake as a client of the server on SOCKET with PRIORITIES and
CREDENTIALS, send LINE and read the answer (see `round-trip'), then say
goodbye.  Return a list: each (FACT SESSION) taken after the handshake,
then the answer."
  (let ((session (client-session socket priorities credentials)))
    (handshake session)
    (let* ((facts (map (lambda (fact) (fact session)) facts))
           (answer (round-trip session line)))
      (bye session close-request/wr)
      (append facts (list answer)))))

(define (answer-one-line session)
  "Read a line from the client of SESSION, answer \"pong LINE\", close."
  (let* ((port (session-record-port session))
         (line (read-line port)))
    (format port "pong ~a~%" line)
    (force-output port)
    (bye session close-request/wr)
    line))

(define* (one-line-server priorities credentials #:key psk-username?)
  "Return a procedure for `call-with-external-client': over the socket it
is given, it handshakes as a server with PRIORITIES and CREDENTIALS,
answers one line (see `answer-one-line') and returns the protocol and the
line as a list; with PSK-USERNAME?, the client's PSK user name stands
between the two."
  (lambda (socket)
    (let ((session (server-session socket priorities credentials)))
      (handshake session)
      (let ((protocol (session-protocol session)))
        (append (list protocol)
                (if psk-username?
                    (list (server-session-psk-username session))
                    '())
                (list (answer-one-line session)))))))

(define (one-line-client-exchange make-command line server)
  "Start the client program (MAKE-COMMAND PORT) with LINE and a newline on
its input, and call SERVER with its socket, as `call-with-external-client'
does; SERVER answers with `answer-one-line'.  Return a list: SERVER's
value, the client's exit value, and whether the client printed the answer
\"pong LINE\"."
  (call-with-values
      (lambda ()
        (call-with-external-client make-command (string-append line "\n") server))
    (lambda (value status output)
      (list value status
            (and (string-contains output (string-append "pong " line)) #t)))))
