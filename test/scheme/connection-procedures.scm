;;; The (gnutls) procedures for what a connection negotiates beyond the
;;; handshake: ALPN, session data and tickets for resumption, the server
;;; name a client asked for and a certificate chosen by it, key logging.
;;; Client and server are both this module, over a socketpair, the server
;;; in a forked child.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (rnrs bytevectors)
             (ice-9 match)
             (ice-9 binary-ports)
             (ice-9 ftw)
             ((ice-9 ports internal) #:select (port-poll))
             (test-support)
             (test-certificates)
             (argument-sweep)
             (gnutls))

(test-begin "connection-procedures")

(define source-root (or (getenv "MESON_SOURCE_ROOT") "."))

(define* (exchange pki #:key (priorities tls13-priorities)
                   (server-setup identity) (client-setup identity)
                   (report (const '())) (server-name "localhost"))
  "Fork a server with the server certificate of PKI, set up by
SERVER-SETUP (called with its session), which writes (REPORT session)
after its handshake, or (failed ERROR) if the handshake fails.  Return
(CLIENT-OUTCOME . SERVER-REPORT): the client's session set up by
CLIENT-SETUP (called with its session) handshakes, and CLIENT-OUTCOME is
(ok SESSION) or (failed ERROR)."
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         (lambda (socket)
           (let ((session (make-x509-session
                           connection-end/server
                           (make-certificate-credentials/server pki)
                           #:fd socket #:priorities priorities)))
             (server-setup session)
             (let ((outcome (catch 'callback-raised
                              (lambda () (gnutls-error-of (lambda () (handshake session))))
                              ;; A procedure of the session raised it, and
                              ;; the handshake passed it on.
                              (lambda _ (primitive-exit 5)))))
               (when outcome
                 (primitive-exit (if (eq? (car outcome) error/no-certificate-found)
                                     4
                                     handshake-failure-status)))
               (let ((port (session-record-port session)))
                 (write (report session) port)
                 (newline port)
                 (force-output port)
                 (let loop ()
                   (unless (eof-object? (read-char port))
                     (loop)))))))
         (lambda (socket)
           (let ((session (make-x509-session
                           connection-end/client
                           (make-certificate-credentials/client pki)
                           #:fd (fileno socket) #:priorities priorities
                           #:server-name server-name)))
             (client-setup session)
             (match (gnutls-error-of (lambda () (handshake session)))
               (#f
                (let ((report (read (session-record-port session))))
                  (bye session close-request/rdwr)
                  (list 'ok session report)))
               ((error . _) (list 'failed error)))))))
    (lambda (outcome status)
      (cons status outcome))))

(define (established-session pki)
  "A client session whose handshake completed, with data to resume it, its
peer gone."
  (match (exchange pki #:server-setup
                   (lambda (s) (set-server-session-ticket-key! s (make-session-ticket-key))))
    ((0 'ok session _) session)))

(define (peer-dn session)
  (certificate-dn (car (session-peer-certificate-chain session))))

(define (tests pki)
  (define session (established-session pki))

  ;; Argument sweeps: every position, every hostile value.
  (test-equal "set-session-alpn-protocols!: argument sweep" '()
    (argument-sweep set-session-alpn-protocols!
                    (list (make-session connection-end/client) '("h2" "http/1.1") #t)))
  (test-equal "session-alpn-protocol: argument sweep" '()
    (argument-sweep session-alpn-protocol (list session)))
  (test-equal "session-data: argument sweep" '()
    (argument-sweep session-data (list session)))
  (test-equal "set-session-data!: argument sweep" '()
    (argument-sweep set-session-data!
                    (list (make-session connection-end/client) (session-data session))))
  (test-equal "session-resumed?: argument sweep" '()
    (argument-sweep session-resumed? (list session)))
  (test-equal "make-session-ticket-key: argument sweep" '()
    (argument-sweep make-session-ticket-key '()))
  (test-equal "set-server-session-ticket-key!: argument sweep" '()
    (argument-sweep set-server-session-ticket-key!
                    (list (make-session connection-end/server) (make-session-ticket-key))))
  (test-equal "server-session-server-name: argument sweep" '()
    (argument-sweep server-session-server-name (list (make-session connection-end/server))))
  (test-equal "set-server-session-credentials-procedure!: argument sweep" '()
    (argument-sweep set-server-session-credentials-procedure!
                    (list (make-session connection-end/server) (const #f))))
  (test-equal "set-session-key-log-procedure!: argument sweep" '()
    (argument-sweep set-session-key-log-procedure!
                    (list (make-session connection-end/client) (lambda _ #f))))

  (let ((pair (socketpair PF_UNIX SOCK_STREAM 0)))
    (test-equal "make-deadline-wait-port: argument sweep" '()
      (argument-sweep make-deadline-wait-port (list (car pair) 'read 10)))
    (close-port (car pair))
    (close-port (cdr pair)))

  ;; Misuse outside the sweeps' reach.
  (test-equal "ALPN: an empty list is out of range" 'out-of-range
    (car (error-of (lambda ()
                     (set-session-alpn-protocols! (make-session connection-end/client) '())))))
  (test-equal "ALPN: a name of 256 bytes is out of range" 'out-of-range
    (car (error-of (lambda ()
                     (set-session-alpn-protocols! (make-session connection-end/client)
                                                  (list (make-string 256 #\a)))))))
  (test-equal "ALPN: an improper list is a wrong type" 'wrong-type-arg
    (car (error-of (lambda ()
                     (set-session-alpn-protocols! (make-session connection-end/client)
                                                  (cons "h2" "x"))))))
  (test-equal "session-alpn-protocol before a handshake" error/invalid-request
    (car (gnutls-error-of
          (lambda () (session-alpn-protocol (make-session connection-end/client))))))
  (test-equal "session-data before a handshake" error/invalid-request
    (car (gnutls-error-of (lambda () (session-data (make-session connection-end/client))))))
  (test-equal "session-resumed? before a handshake" #f
    (session-resumed? (make-session connection-end/client)))
  (test-equal "set-session-data! after the handshake" error/invalid-request
    (car (gnutls-error-of (lambda () (set-session-data! session (make-bytevector 8 0))))))
  (test-equal "set-session-data! with junk data" error/parsing-error
    (car (gnutls-error-of (lambda ()
                            (set-session-data! (make-session connection-end/client)
                                               (make-bytevector 3 7))))))
  (test-equal "a ticket key is 64 bytes" 64
    (bytevector-length (make-session-ticket-key)))
  (test-assert "ticket keys differ"
    (not (equal? (make-session-ticket-key) (make-session-ticket-key))))
  (test-equal "a ticket key of the wrong size" error/invalid-request
    (car (gnutls-error-of (lambda ()
                            (set-server-session-ticket-key! (make-session connection-end/server)
                                                            (make-bytevector 10 0))))))
  (test-equal "a ticket key on a client session" error/invalid-request
    (car (gnutls-error-of (lambda ()
                            (set-server-session-ticket-key! (make-session connection-end/client)
                                                            (make-session-ticket-key))))))
  (test-equal "server-session-server-name before a handshake" #f
    (server-session-server-name (make-session connection-end/server)))
  (test-equal "set-session-data! on a server session" error/invalid-request
    (car (gnutls-error-of (lambda ()
                            (set-session-data! (make-session connection-end/server)
                                               (session-data session))))))
  (test-equal "server-session-server-name on a client session" error/invalid-request
    (car (gnutls-error-of (lambda ()
                            (server-session-server-name (make-session connection-end/client))))))
  (test-equal "a credentials procedure on a client session" error/invalid-request
    (car (gnutls-error-of (lambda ()
                            (set-server-session-credentials-procedure!
                             (make-session connection-end/client) (const #f))))))

  ;; The deadline wait port: ready with its descriptor or at its deadline.
  (define (with-wait-port port proc)
    (let ((result (proc port)))
      (close-port port)
      result))
  (let* ((pair (socketpair PF_UNIX SOCK_STREAM 0))
         (ready? (lambda (port ms) (positive? (port-poll port "r" ms)))))
    (test-equal "a deadline wait port for a writable socket is ready at once" #t
      (with-wait-port (make-deadline-wait-port (car pair) 'write 60000)
        (lambda (port) (ready? port 0))))
    (test-equal "one for a socket with nothing to read is ready at its deadline"
      '(#f #t)
      ;; Not ready at once, with a deadline no busy machine's delay reaches
      ;; before the first poll.
      (with-wait-port (make-deadline-wait-port (car pair) 'read 1000)
        (lambda (port) (list (ready? port 0) (ready? port 10000)))))
    (test-equal "one for a socket with input is ready at once" #t
      (begin
        (put-u8 (cdr pair) 1)
        (force-output (cdr pair))
        (with-wait-port (make-deadline-wait-port (fileno (car pair)) 'read 60000)
          (lambda (port) (ready? port 0)))))
    (test-equal "reading a deadline wait port gives end of file" #t
      (with-wait-port (make-deadline-wait-port (car pair) 'read 0)
        (lambda (port) (eof-object? (get-u8 port)))))
    (test-equal "one for a regular file is ready at once, as poll says" #t
      (call-with-input-file (string-append source-root "/test/data/README")
        (lambda (file)
          (with-wait-port (make-deadline-wait-port file 'read 60000)
            (lambda (port) (ready? port 0))))))
    (test-equal "a descriptor that is not open: system-error" 'system-error
      ;; A number far above the descriptors this test opens: a closed
      ;; one could be reused by the port's own descriptors.
      (let ((fd (+ 1000 (apply max (map string->number
                                        (scandir "/proc/self/fd" string->number))))))
        (car (error-of (lambda () (make-deadline-wait-port fd 'read 10))))))
    (test-equal "deadline wait ports dropped unclosed release their descriptors" #t
      (let ((before (length (scandir "/proc/self/fd"))))
        (do ((i 0 (+ i 1))) ((= i 2000))
          (make-deadline-wait-port (car pair) 'write 10))
        (gc) (gc)
        ;; 2000 ports hold 4000 descriptors; a few may still be referenced.
        (< (- (length (scandir "/proc/self/fd")) before) 100)))
    (close-port (car pair))
    (close-port (cdr pair)))

  ;; ALPN.
  (for-each
   (match-lambda
     ((label priorities)
      (test-equal (string-append "ALPN negotiates the server's pick, " label)
        '(0 "http/1.1" "http/1.1")
        (match (exchange pki #:priorities priorities
                         #:server-setup (lambda (s)
                                          (set-session-alpn-protocols! s '("http/1.1" "h3")))
                         #:client-setup (lambda (s)
                                          (set-session-alpn-protocols! s '("h2" "http/1.1")))
                         #:report session-alpn-protocol)
          ((status 'ok session report)
           (list status (session-alpn-protocol session) report))
          (other other)))))
   `(("TLS 1.3" ,tls13-priorities) ("TLS 1.2" ,tls12-priorities)))
  (test-equal "ALPN without overlap negotiates nothing" '(0 #f #f)
    (match (exchange pki
                     #:server-setup (lambda (s) (set-session-alpn-protocols! s '("h3")))
                     #:client-setup (lambda (s) (set-session-alpn-protocols! s '("h2")))
                     #:report session-alpn-protocol)
      ((status 'ok session report)
       (list status (session-alpn-protocol session) report))
      (other other)))
  (test-equal "mandatory ALPN without overlap fails the handshake"
    (list handshake-failure-status 'failed)
    (match (exchange pki
                     #:server-setup (lambda (s) (set-session-alpn-protocols! s '("h3") #t))
                     #:client-setup (lambda (s) (set-session-alpn-protocols! s '("h2"))))
      ((status 'failed error) (list status 'failed))
      (other other)))

  ;; Resumption with session data and a ticket key.
  (for-each
   (match-lambda
     ((label priorities)
      (let ((key (make-session-ticket-key)))
        (define (server-setup s) (set-server-session-ticket-key! s key))
        (define first
          (exchange pki #:priorities priorities #:server-setup server-setup
                    #:report session-resumed?))
        (define data (match first ((0 'ok s _) (session-data s)) (_ #f)))
        (test-assert (string-append "session data after a first connection, " label)
          (bytevector? data))
        (test-equal (string-append "the first connection is not resumed, " label)
          '(#f #f)
          (match first ((0 'ok s report) (list (session-resumed? s) report))))
        (test-equal (string-append "the second connection is resumed, " label)
          '(0 #t #t)
          (match (exchange pki #:priorities priorities #:server-setup server-setup
                           #:client-setup (lambda (s) (set-session-data! s data))
                           #:report session-resumed?)
            ((status 'ok s report) (list status (session-resumed? s) report))
            (other other)))
        (test-equal (string-append "another ticket key does not resume, " label)
          '(0 #f #f)
          (match (exchange pki #:priorities priorities
                           #:server-setup (lambda (s)
                                            (set-server-session-ticket-key!
                                             s (make-session-ticket-key)))
                           #:client-setup (lambda (s) (set-session-data! s data))
                           #:report session-resumed?)
            ((status 'ok s report) (list status (session-resumed? s) report))
            (other other))))))
   `(("TLS 1.3" ,tls13-priorities) ("TLS 1.2" ,tls12-priorities)))

  ;; The server name and a certificate chosen by it.
  (let ((other-host (make-certificate-credentials/server
                     pki #:certificate 'wronghost-cert #:key 'wronghost-key)))
    (define (choose name)
      (and (equal? name "wronghost.example") other-host))
    (define (run name)
      (match (exchange pki #:server-name name
                       #:server-setup (lambda (s)
                                        (set-server-session-credentials-procedure! s choose))
                       #:report server-session-server-name)
        ((0 'ok session report) (list report (peer-dn session)))
        (other other)))
    (test-equal "the server sees the name asked for, and keeps its certificate"
      (list "localhost" (file-dn (pki-file pki 'server-cert)))
      (run "localhost"))
    (test-equal "the procedure's credentials answer another name"
      (list "wronghost.example"
            (file-dn (pki-file pki 'wronghost-cert)))
      (run "wronghost.example"))
    (test-equal "no name reaches the procedure as #f" '(#f)
      (match (exchange pki #:server-name #f
                       #:server-setup
                       (lambda (s)
                         (set-server-session-credentials-procedure!
                          s (lambda (name) (and name other-host))))
                       #:report server-session-server-name)
        ((0 'ok session report) (list report))
        (other other)))
    (test-equal "a procedure's exception reaches the caller of the server's handshake" 5
      (car (exchange pki #:server-setup
                     (lambda (s)
                       (set-server-session-credentials-procedure!
                        s (lambda (name) (throw 'callback-raised name)))))))
    (test-equal "a procedure that returns junk fails the server's handshake" 4
      (car (exchange pki #:server-setup
                     (lambda (s)
                       (set-server-session-credentials-procedure! s (const 42))))))
    (test-equal "a procedure removed with #f is not called" 0
      (car (exchange pki #:server-setup
                     (lambda (s)
                       (set-server-session-credentials-procedure! s (const 42))
                       (set-server-session-credentials-procedure! s #f))))))

  ;; Key logging.
  (let ((entries '()))
    (define (log label client-random secret)
      (set! entries (cons (list label (bytevector-length client-random)
                                (bytevector? secret))
                          entries)))
    (test-equal "the key log procedure gets every TLS 1.3 secret"
      '(("CLIENT_HANDSHAKE_TRAFFIC_SECRET" 32 #t)
        ("CLIENT_TRAFFIC_SECRET_0" 32 #t)
        ("EXPORTER_SECRET" 32 #t)
        ("SERVER_HANDSHAKE_TRAFFIC_SECRET" 32 #t)
        ("SERVER_TRAFFIC_SECRET_0" 32 #t))
      (match (exchange pki #:client-setup (lambda (s) (set-session-key-log-procedure! s log)))
        ((0 'ok _ _)
         (sort (delete-duplicates entries)
               (lambda (a b) (string<? (car a) (car b)))))
        (other other)))
    (test-equal "TLS 1.2 logs the client random's master secret"
      '(("CLIENT_RANDOM" 32 #t))
      (begin
        (set! entries '())
        (match (exchange pki #:priorities tls12-priorities
                         #:client-setup (lambda (s) (set-session-key-log-procedure! s log)))
          ((0 'ok _ _) (delete-duplicates entries))
          (other other)))))
  (test-equal "a key log procedure's exception reaches the caller of the handshake"
    '(callback-raised "CLIENT_HANDSHAKE_TRAFFIC_SECRET")
    (error-of (lambda ()
                (exchange pki #:client-setup
                          (lambda (s)
                            (set-session-key-log-procedure!
                             s (lambda (label . _) (throw 'callback-raised label))))))))
  (test-equal "a key log procedure removed with #f is not called" '(0 ())
    (let ((calls '()))
      (match (exchange pki #:client-setup
                       (lambda (s)
                         (set-session-key-log-procedure! s (lambda args (set! calls args)))
                         (set-session-key-log-procedure! s #f)))
        ((status . _) (list status calls))))))

(define (file-dn file)
  "The subject DN of the PEM certificate FILE."
  (x509-certificate-dn
   (import-x509-certificate (read-file-bytes file) x509-certificate-format/pem)))

(if (certtool-available?)
    (call-with-test-pki tests)
    (test-skip 1))

(test-end "connection-procedures")
(test-exit)
