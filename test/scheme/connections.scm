;;; (gnutls connections): the one-call client and server, against real
;;; peers on loopback (openssl s_server and s_client, gnutls-serv, and this
;;; module's own server in a forked child).  Every failure must raise its
;;; own `&tls-connection-error' kind and leave no descriptor open.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (rnrs bytevectors)
             (ice-9 binary-ports)
             (ice-9 exceptions)
             (ice-9 ftw)
             (ice-9 regex)
             (ice-9 match)
             (ice-9 rdelim)
             (ice-9 textual-ports)
             (test-support)
             (test-certificates)
             (external-peers)
             (cooperative-scheduler)
             ((ice-9 suspendable-ports) #:select (current-write-waiter))
             (gnutls)
             (gnutls connections)
             (web client)
             (web response)
             (web uri))

(test-begin "connections")

(define (open-fds)
  "The descriptors this process has open, as (FD . WHAT-IT-IS) pairs, but
for pipes: Guile's finalizer thread stops at each fork (the tests fork
peers) and opens its pipes again when it restarts.  (The directory
`scandir' read is closed by the time it is looked at, and left out.)"
  (remove (match-lambda
            ((_ . (? string? target)) (string-prefix? "pipe:" target))
            (_ #t))
          (map (lambda (name)
                 (cons name (false-if-exception
                             (readlink (string-append "/proc/self/fd/" name)))))
               (scandir "/proc/self/fd"
                        (lambda (name) (not (member name '("." ".."))))))))

(define (outcome thunk)
  "Call THUNK: (ok VALUE), or (KIND HOST) of the `&tls-connection-error'
it raised, or (other EXCEPTION)."
  (with-exception-handler
      (lambda (e)
        (if (tls-connection-error? e)
            (list (tls-connection-error-kind e) (tls-connection-error-host e))
            (list 'other (if (exception-with-message? e)
                             (exception-message e)
                             e))))
    (lambda () (list 'ok (thunk)))
    #:unwind? #t))

(define (failure-and-fds thunk)
  "THUNK's outcome, and the descriptors its second call left open.  The first call lets Guile open the descriptors it opens once, on
first use (its finalizer pipe, a thread's sleep pipe); a leak shows on
every call."
  (outcome thunk)
  (gc)
  (let* ((before (open-fds))
         (result (outcome thunk)))
    (gc)
    (list result (lset-difference equal? (open-fds) before))))

(define (read-reply port line)
  "Send LINE on PORT, return the line read back."
  (put-string port line)
  (newline port)
  (force-output port)
  (read-line port))

(define (call-with-module-server server count respond proc)
  "Serve COUNT connections with SERVER (a `make-tls-server') in a forked
child on a free port of 127.0.0.1, each answered by (RESPOND PORT SESSION);
call PROC with the port number.  The child is killed when PROC returns."
  (let ((listener (socket PF_INET SOCK_STREAM 0)))
    (setsockopt listener SOL_SOCKET SO_REUSEADDR 1)
    (bind listener AF_INET INADDR_LOOPBACK 0)
    (listen listener 8)
    (flush-all-ports)
    (let ((pid (primitive-fork)))
      (if (zero? pid)
          (begin
            (alarm 30)
            (do ((i 0 (+ i 1))) ((= i count))
              (let ((socket (car (accept listener))))
                (catch #t
                  (lambda ()
                    (let ((port (tls-server-port server socket)))
                      (respond port (tls-port-session port))
                      (close-port port)))
                  (lambda args
                    (format (current-error-port) "server: ~s~%" args)))
                (close-port socket)))
            (primitive-exit 0))
          (let ((port (sockaddr:port (getsockname listener))))
            (close-port listener)
            (dynamic-wind
              (const #t)
              (lambda () (proc port))
              (lambda ()
                (kill pid SIGKILL)
                (waitpid pid))))))))

(define (report-and-drain port session)
  "Write what SESSION negotiated on PORT, then read until the client goes."
  (write (list (server-session-server-name session)
               (session-resumed? session)
               (session-alpn-protocol session))
         port)
  (newline port)
  (force-output port)
  (let loop ()
    (unless (eof-object? (read-char port))
      (loop))))

(define (start-external command port)
  "Start COMMAND and wait until it listens on PORT; return its pid."
  (let ((pid (spawn-program (car command) (cdr command)
                            #:stdout "/dev/null" #:stderr "/dev/null")))
    (match (connect-when-listening port pid 20)
      (#f (stop-program pid) (error "server did not listen" command))
      (probe (close-port probe) pid))))

(define (call-with-external-listener make-command proc)
  "Run the server (MAKE-COMMAND PORT), a list of a program and its
arguments, on a free PORT and call PROC with it; stop the server after."
  (let* ((port (free-loopback-port))
         (pid (start-external (make-command (number->string port)) port)))
    (dynamic-wind
      (const #t)
      (lambda () (proc port))
      (lambda () (stop-program pid)))))

(define (call-with-openssl-server arguments proc)
  "Run `openssl s_server -rev' with ARGUMENTS; see above."
  (call-with-external-listener
   (lambda (port)
     (cons* "openssl" "s_server" "-quiet" "-rev"
            "-accept" (string-append "127.0.0.1:" port) arguments))
   proc))

(define (call-with-gnutls-serv arguments proc)
  "Run `gnutls-serv --echo' with ARGUMENTS; see above."
  (call-with-external-listener
   (lambda (port)
     (cons* "gnutls-serv" "--echo" "--quiet" "--port" port arguments))
   proc))

(define (file-dn file)
  "The subject DN of the PEM certificate FILE."
  (x509-certificate-dn
   (import-x509-certificate (read-file-bytes file) x509-certificate-format/pem)))

(define have-programs
  (and (certtool-available?)
       (program-available? "openssl" "version")))

(define (tests pki)
  (define (file name) (pki-file pki name))
  (define (s-server-certificate name)
    (list "-cert" (file (symbol-append name '-cert)) "-key" (file (symbol-append name '-key))))
  (define ca (file 'ca-cert))
  (define server
    (make-tls-server #:certificate-file (file 'server-cert) #:key-file (file 'server-key)
                     #:hosts `(("wronghost.example" ,(file 'wronghost-cert)
                                ,(file 'wronghost-key)))
                     #:alpn-protocols '("h2" "http/1.1")))

  ;; Verified connections, and each failure its own kind, against both
  ;; peers.
  (for-each
   (match-lambda
     ((peer call-with-peer answer)
      (define (with-certificate name proc)
        (call-with-peer (list (file (symbol-append name '-cert))
                              (file (symbol-append name '-key)))
                        proc))
      (define (label text) (string-append text ", " peer))
      (with-certificate 'server
        (lambda (port)
          (test-equal (label "the session of the port") protocol/tls-1.3
            (let* ((record-port (open-tls-connection "127.0.0.1" port #:ca-file ca))
                   (protocol (session-protocol (tls-port-session record-port))))
              (close-port record-port)
              protocol))
          (test-equal (label "a verified connect")
            (list (list 'ok (answer "hello world")) '())
            (failure-and-fds
             (lambda ()
               (let* ((record-port (open-tls-connection "localhost" port #:ca-file ca))
                      (reply (read-reply record-port "hello world")))
                 (close-port record-port)
                 reply))))
          (test-equal (label "another host name: wrong-host")
            '((wrong-host "wronghost.example") ())
            (failure-and-fds
             (lambda ()
               ;; The name resolves nowhere: connect a socket of our own.
               (let ((socket (socket PF_INET SOCK_STREAM 0)))
                 (connect socket AF_INET INADDR_LOOPBACK port)
                 (dynamic-wind
                   (const #t)
                   (lambda () (tls-client-port socket "wronghost.example" #:ca-file ca))
                   (lambda () (close-port socket)))))))
          (test-equal (label "the system store does not trust the test CA: untrusted")
            '((untrusted "localhost") ())
            (failure-and-fds (lambda () (open-tls-connection "localhost" port))))))
      (with-certificate 'unknown
        (lambda (port)
          (test-equal (label "an unknown authority: untrusted")
            '((untrusted "localhost") ())
            (failure-and-fds (lambda () (open-tls-connection "localhost" port #:ca-file ca))))))
      (with-certificate 'expired
        (lambda (port)
          (test-equal (label "an expired certificate: expired")
            '((expired "localhost") ())
            (failure-and-fds (lambda () (open-tls-connection "localhost" port #:ca-file ca))))
          (test-equal (label "without verification, the expired certificate is accepted")
            '(ok #t)
            (outcome (lambda ()
                       (let ((record-port (open-tls-connection "localhost" port
                                                               #:verify? #f)))
                         (close-port record-port)
                         #t))))))))
   `(("openssl s_server"
      ,(lambda (files proc)
         (call-with-openssl-server (list "-cert" (car files) "-key" (cadr files)) proc))
      ,string-reverse)
     ,@(if (program-available? "gnutls-serv" "--version")
           `(("gnutls-serv"
              ,(lambda (files proc)
                 (call-with-gnutls-serv (list "--x509certfile" (car files)
                                              "--x509keyfile" (cadr files))
                                        proc))
              ,identity))
           '())))
  (test-equal "a name without address: no-address"
    '((no-address "nonexistent.invalid") ())
    (failure-and-fds (lambda () (open-tls-connection "nonexistent.invalid" 443))))
  (test-equal "nobody listens: refused"
    (list (list 'refused "127.0.0.1") '())
    ;; A port bound but not listening: a port merely free could be picked
    ;; as the connection's own source port, and connect to itself.
    (let ((bound (socket PF_INET SOCK_STREAM 0)))
      (bind bound AF_INET INADDR_LOOPBACK 0)
      (let ((result (failure-and-fds
                     (lambda ()
                       (open-tls-connection "127.0.0.1" (sockaddr:port (getsockname bound)))))))
        (close-port bound)
        result)))
  (define (call-with-unanswering-listener proc)
    "Call PROC with the port number of a loopback listener whose queue is
full, so that it drops further connection requests: a connect to it gets
no answer."
    (let* ((listener (socket PF_INET SOCK_STREAM 0))
           (port (begin
                   (bind listener AF_INET INADDR_LOOPBACK 0)
                   (listen listener 0)
                   (sockaddr:port (getsockname listener))))
           (fillers (map (lambda (i)
                           (let ((s (socket PF_INET SOCK_STREAM 0)))
                             (fcntl s F_SETFL O_NONBLOCK)
                             (false-if-exception (connect s AF_INET INADDR_LOOPBACK port))
                             s))
                         (iota 3))))
      (call-with-values (lambda () (proc port))
        (lambda results
          (for-each close-port (cons listener fillers))
          (apply values results)))))
  (test-equal "a connect that gets no answer: timeout, from the connect"
    (list '((timeout "127.0.0.1") ()) ETIMEDOUT)
    (call-with-unanswering-listener
     (lambda (port)
       (let* ((connect (lambda ()
                         (open-tls-connection "127.0.0.1" port #:connect-timeout 0.3)))
              (result (failure-and-fds connect))
              ;; The connect's errno, not a handshake's arguments.
              (details (guard (e ((tls-connection-error? e) (tls-connection-error-details e)))
                         (connect))))
         (list result details)))))
  ;; A scheduler's waiter knows no deadline: the connect must still time
  ;; out, and the other tasks run while it waits.
  (test-equal "under a scheduler, a connect that gets no answer times out, not blocking"
    '(((timeout "127.0.0.1") ()) #t #t)
    (call-with-unanswering-listener
     (lambda (port)
       (let ((ticks 0)
             (waited? #f)
             ;; Always writable: waiting for it is a trip through the
             ;; scheduler's wait, where the connect's wait is looked at too.
             (writable (car (socketpair PF_UNIX SOCK_STREAM 0))))
         (define (connect)
           (let ((failure #f)
                 (done? #f))
             (set! ticks 0)
             (run-tasks
              (list (lambda ()
                      (with-exception-handler
                          (lambda (e) (set! failure e))
                        (lambda ()
                          (open-tls-connection "127.0.0.1" port #:connect-timeout 0.3
                                               #:non-blocking? #t))
                        #:unwind? #t)
                      (set! waited? (> (task-wait-count) 0))
                      (set! done? #t))
                    (lambda ()
                      (let loop ()
                        (unless done?
                          (set! ticks (+ ticks 1))
                          (usleep 10000)
                          ((current-write-waiter) writable)
                          (loop)))))
              #:deadline 20)
             (when failure (raise-exception failure))))
         (let ((result (failure-and-fds connect)))
           (close-port writable)
           (list result (> ticks 5) waited?))))))
  (test-equal "a server that never answers: timeout"
    '((timeout "127.0.0.1") ())
    (let ((listener (socket PF_INET SOCK_STREAM 0)))
      (bind listener AF_INET INADDR_LOOPBACK 0)
      (listen listener 1)
      (let ((result (failure-and-fds
                     (lambda ()
                       (open-tls-connection "127.0.0.1" (sockaddr:port (getsockname listener))
                                            #:handshake-timeout 0.5)))))
        (close-port listener)
        result)))
  (test-equal "a plain-text server: protocol"
    '(protocol "127.0.0.1")
    (let ((listener (socket PF_INET SOCK_STREAM 0)))
      (bind listener AF_INET INADDR_LOOPBACK 0)
      (listen listener 1)
      (call-with-values
          (lambda ()
            (flush-all-ports)
            (let ((pid (primitive-fork)))
              (if (zero? pid)
                  (let ((s (car (accept listener))))
                    (alarm 10)
                    (display "HTTP/1.0 400 Not TLS\r\n\r\n" s)
                    (force-output s)
                    (usleep 500000)
                    (primitive-exit 0))
                  (let ((result
                         (outcome
                          (lambda ()
                            (open-tls-connection
                             "127.0.0.1" (sockaddr:port (getsockname listener)))))))
                    (kill pid SIGKILL)
                    (waitpid pid)
                    (close-port listener)
                    result))))
        (lambda (result) result))))

  ;; ALPN against openssl.
  (call-with-openssl-server (append (s-server-certificate 'server) '("-alpn" "h2,http/1.1"))
    (lambda (port)
      (test-equal "ALPN with openssl s_server" "http/1.1"
        (let* ((record-port (open-tls-connection "localhost" port #:ca-file ca
                                                 #:alpn-protocols '("http/1.1" "spdy/1")))
               (protocol (session-alpn-protocol (tls-port-session record-port))))
          (close-port record-port)
          protocol))
      (test-equal "no common protocol, required: protocol"
        '((protocol "localhost") ())
        (failure-and-fds
         (lambda ()
           (open-tls-connection "localhost" port #:ca-file ca
                                #:alpn-protocols '("spdy/1") #:alpn-required? #t))))))

  (when (program-available? "gnutls-serv" "--version")
    (call-with-gnutls-serv (list "--x509certfile" (file 'server-cert)
                                 "--x509keyfile" (file 'server-key)
                                 "--alpn" "h2" "--alpn" "http/1.1")
      (lambda (port)
        (test-equal "ALPN with gnutls-serv" "http/1.1"
          (let* ((record-port (open-tls-connection "localhost" port #:ca-file ca
                                                   #:alpn-protocols '("http/1.1"))))
            (let ((protocol (session-alpn-protocol (tls-port-session record-port))))
              (close-port record-port)
              protocol))))))

  ;; Resumption, against openssl and against this module's server.
  (define (resumed-twice connect)
    "Connect twice with CONNECT (a procedure of the session data or #f),
returning whether each connection was resumed."
    (let* ((first (connect #f))
           (_ (read-reply first "x"))
           (data (session-data (tls-port-session first)))
           (resumed-first (session-resumed? (tls-port-session first))))
      (close-port first)
      (let* ((second (connect data))
             (resumed (session-resumed? (tls-port-session second))))
        (read-reply second "y")
        (close-port second)
        (list resumed-first resumed))))
  (for-each
   (match-lambda
     ((label option priorities)
      (call-with-openssl-server (append (s-server-certificate 'server) (list option))
        (lambda (port)
          (test-equal (string-append "resumption with openssl s_server, " label)
            '(#f #t)
            (resumed-twice
             (lambda (data)
               (open-tls-connection "localhost" port #:ca-file ca
                                    #:priorities priorities #:session-data data))))))
      (test-equal (string-append "resumption with this module's server, " label)
        '(#f #t)
        (call-with-module-server server 2
          (lambda (port session)
            (read-line port)
            (report-and-drain port session))
          (lambda (port)
            (resumed-twice
             (lambda (data)
               (open-tls-connection "localhost" port #:ca-file ca
                                    #:priorities priorities #:session-data data))))))))
   `(("TLS 1.3" "-tls1_3" ,tls13-priorities)
     ("TLS 1.2" "-tls1_2" ,tls12-priorities)))

  ;; openssl s_client saving its session and offering it again.
  (for-each
   (match-lambda
     ((label option)
      (test-equal (string-append "openssl s_client -sess_out, then -sess_in, " label)
        '((0 #f) (0 #t))
        (let ((saved (string-append (pki-directory pki) "/openssl-session")))
          (map (lambda (session-option)
                 (call-with-values
                     (lambda ()
                       (call-with-external-client
                        (lambda (port)
                          (list "openssl" "s_client" option "-connect"
                                (string-append "127.0.0.1:" (number->string port))
                                "-servername" "localhost" session-option saved))
                        ""
                        (lambda (socket)
                          (let* ((port (tls-server-port server socket))
                                 (resumed? (session-resumed? (tls-port-session port))))
                            (bye (tls-port-session port) close-request/wr)
                            (close-port port)
                            resumed?))))
                   (lambda (resumed? status output) (list status resumed?))))
               '("-sess_out" "-sess_in"))))))
   '(("TLS 1.3" "-tls1_3") ("TLS 1.2" "-tls1_2")))

  ;; The server: what it reports, and each host its certificate.
  (test-equal "this module's client and server: SNI and ALPN"
    '("localhost" #f "h2")
    (call-with-module-server server 1 report-and-drain
      (lambda (port)
        (let* ((record-port (open-tls-connection "localhost" port #:ca-file ca
                                                 #:alpn-protocols '("h2"))))
          (let ((report (read record-port)))
            (close-port record-port)
            report)))))
  (for-each
   (match-lambda
     ((name expected)
      (test-equal (string-append "openssl s_client -servername " name)
        (list 0 #t)
        (call-with-values
            (lambda ()
              (call-with-external-client
               (lambda (port)
                 (list "openssl" "s_client" "-connect"
                       (string-append "127.0.0.1:" (number->string port))
                       "-servername" name))
               ""
               (lambda (socket)
                 ;; s_client waits for its input, kept open: end the
                 ;; session from here.
                 (let ((port (tls-server-port server socket)))
                   (bye (tls-port-session port) close-request/wr)
                   (close-port port)))))
          (lambda (result status output)
            (list status
                  (and (string-match (string-append "subject=.*CN = " expected "\n")
                                     output)
                       #t)))))))
   '(("localhost" "localhost")
     ("wronghost.example" "wronghost.example")
     ("other.example" "localhost")))

  ;; (web client) over a port made by the client.
  (test-equal "(web client) fetches over https through open-tls-connection"
    '(200 "Hello over TLS\n")
    (call-with-module-server server 1
      (lambda (port session)
        ((@ (web request) read-request) port)
        (put-string port "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
Content-Length: 15\r\nConnection: close\r\n\r\nHello over TLS\n")
        (force-output port))
      (lambda (port)
        (let ((record-port (open-tls-connection "localhost" port #:ca-file ca)))
          (call-with-values
              (lambda ()
                (http-get (build-uri 'https #:host "localhost" #:port port #:path "/")
                          #:port record-port #:keep-alive? #t))
            (lambda (response body)
              (close-port record-port)
              (list (response-code response) body)))))))

  ;; Client certificates, required by the server.
  (let ((strict (make-tls-server #:certificate-file (file 'server-cert)
                                 #:key-file (file 'server-key)
                                 #:client-certificate 'require
                                 #:client-ca-file ca)))
    (define* (connect-with credentials #:optional priorities)
      (call-with-module-server strict 1
        (lambda (port session)
          (write (map certificate-dn (session-peer-certificate-chain session)) port)
          (newline port)
          (force-output port))
        (lambda (port)
          (outcome
           (lambda ()
             (let* ((record-port (open-tls-connection "localhost" port
                                                      #:credentials credentials
                                                      #:priorities priorities))
                    (report (read record-port)))
               (close-port record-port)
               report))))))
    (test-equal "a client certificate the server requires is verified"
      (list 'ok (list (file-dn (file 'client-cert))))
      (connect-with (make-certificate-credentials/client
                     pki #:certificate 'client-cert #:key 'client-key)))
    (test-equal "a client without one is refused, TLS 1.2"
      '(protocol "localhost")
      (connect-with (make-certificate-credentials/client pki) tls12-priorities))
    ;; Under TLS 1.3 the client's handshake is over before the server
    ;; looks at its certificate: the refusal comes with the first read.
    (test-equal "a client without one is refused, TLS 1.3: at its first read"
      (list error/fatal-alert-received)
      (match (connect-with (make-certificate-credentials/client pki) tls13-priorities)
        (('other (? exception? e))
         (list (car (exception-args e))))
        (other other))))

  ;; SSLKEYLOGFILE, read by GnuTLS once per process: in a fresh Guile.
  (test-equal "SSLKEYLOGFILE gets the secrets of a connection"
    '(0 #t)
    (let ((log (string-append (pki-directory pki) "/keys.log")))
      (call-with-module-server server 1 report-and-drain
        (lambda (port)
          (setenv "SSLKEYLOGFILE" log)
          (let ((pid (spawn-program
                      (or (getenv "GUILE") "guile")
                      (list "--no-auto-compile" "-c"
                            (format #f "(use-modules (gnutls connections)) ~
                                        (let ((p (open-tls-connection \"localhost\" ~a ~
                                                    #:ca-file ~s))) ~
                                          (read p) (close-port p))"
                                    port ca)))))
            (unsetenv "SSLKEYLOGFILE")
            (list (wait-for-exit pid 30)
                  (and (file-exists? log)
                       (string-contains (call-with-input-file log get-string-all)
                                        "CLIENT_TRAFFIC_SECRET_0 ")
                       #t)))))))

  ;; What the module keeps to find a port's session must not keep the
  ;; port (and its session) alive.
  (test-equal "dropped record ports are collected" 'collected
    (let ((guardian (make-guardian))
          (count 20))
      (do ((i 0 (+ i 1))) ((= i count))
        (call-with-forked-peer
         (lambda (socket)
           (let ((port (tls-server-port server socket)))
             (read-char port)
             (close-port port)))
         (lambda (socket)
           (let ((port (tls-client-port socket "localhost" #:ca-file ca)))
             (guardian port)
             (close-port port)))))
      (gc) (gc) (usleep 100000) (gc)
      (let loop ((collected 0))
        (if (guardian)
            (loop (+ collected 1))
            ;; The collector is conservative: a few may stay referenced.
            (if (>= collected (- count 3)) 'collected collected)))))

  ;; Under suspendable ports: the connect, the handshake and the reads
  ;; wait through the scheduler.
  (test-equal "open-tls-connection under a cooperative scheduler, which it waits through"
    '(("localhost" #f #f) #t)
    (call-with-module-server server 1 report-and-drain
      (lambda (port)
        (let ((report #f)
              (waited? #f))
          (run-tasks
           (list (lambda ()
                   (let ((record-port (open-tls-connection "localhost" port #:ca-file ca
                                                           #:non-blocking? #t)))
                     (set! report (read record-port))
                     (set! waited? (> (task-wait-count) 0))
                     (close-port record-port)))))
          (list report waited?))))))

(if have-programs
    (call-with-test-pki tests)
    (test-skip 1))

(test-end "connections")
(test-exit)
