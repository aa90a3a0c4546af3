;;; Every program in examples/ runs and does what its comments say, so the
;;; examples cannot rot.  Each runs as its own process, on loopback, with
;;; a time limit; servers are stopped and reaped whatever happens.  An
;;; example that uses a procedure this module does not export fails, naming
;;; the procedure.

(use-modules (srfi srfi-1)
             (srfi srfi-9)
             (srfi srfi-11)
             (srfi srfi-64)
             (test-support)
             ((external-peers) #:select (spawn-program))
             ((test-certificates) #:select (call-with-temporary-directory))
             ((ice-9 ftw) #:select (scandir))
             (gnutls)
             (ice-9 match)
             (ice-9 rdelim)
             (ice-9 textual-ports)
             ((ice-9 binary-ports) #:select (get-bytevector-all)))

(define source-root (or (getenv "MESON_SOURCE_ROOT") "."))
(define examples-directory (string-append source-root "/examples"))
(define (example file) (string-append examples-directory "/" file))

(define guile-program
  ;; The Guile running this test runs the examples, with the same
  ;; environment (load paths and extension of the build tree).
  (or (getenv "GUILE") "guile"))

(define time-limit 60)                  ; seconds, per process

;;; Processes.

(define-record-type <process>
  (make-process pid output)
  process?
  (pid process-pid set-process-pid!)
  (output process-output))

(define* (start-process program arguments #:key (input "/dev/null"))
  "Start PROGRAM with ARGUMENTS under a time limit (an alarm), its standard
input read from the file INPUT; return a process whose output port
carries the program's standard output and error."
  (match (pipe)
    ((from . to)
     (let ((pid (spawn-program program arguments #:stdin input #:stdout to
                               #:stderr to #:timeout time-limit)))
       (close-port to)
       (make-process pid from)))))

(define (finish-process process)
  "Read the rest of PROCESS's output and wait for it; return its exit
status and its output, as two values."
  (let ((output (get-string-all (process-output process))))
    (close-port (process-output process))
    (let ((status (cdr (waitpid (process-pid process)))))
      (set-process-pid! process #f)
      (values (status:exit-val status) output))))

(define (stop-process process)
  "Kill PROCESS if it is still running, and reap it."
  (when (process-pid process)
    (false-if-exception (kill (process-pid process) SIGTERM))
    (waitpid (process-pid process))
    (set-process-pid! process #f)
    (close-port (process-output process))))

(define (call-with-process program arguments proc)
  "Call PROC with a process running PROGRAM with ARGUMENTS; the process is
stopped when PROC returns or raises."
  (let ((process (start-process program arguments)))
    (dynamic-wind
      (const #t)
      (lambda () (proc process))
      (lambda () (stop-process process)))))

(define* (run-process program arguments #:key (input "/dev/null"))
  "Run PROGRAM to its end; return its exit status and output."
  (finish-process (start-process program arguments #:input input)))

(define (run-example file . arguments)
  (run-process guile-program (cons* "--no-auto-compile" (example file) arguments)))

(define (call-with-example-server file arguments proc)
  "Start the server example FILE with ARGUMENTS, read the port it listens
on, and call PROC with the process and the port number."
  (call-with-process guile-program
                     (cons* "--no-auto-compile" (example file) arguments)
    (lambda (process)
      (let ((line (read-line (process-output process))))
        (match (and (string? line)
                    (string-prefix? "listening on 127.0.0.1:" line)
                    (string->number (substring line (string-length "listening on 127.0.0.1:"))))
          ((? integer? port) (proc process port))
          (_ (error "the server did not start" file line)))))))

(define (output-lines output)
  (string-split (string-trim-right output #\newline) #\newline))

;;; Files.

(define (write-file file text)
  (call-with-output-file file (lambda (port) (display text port))))

;;; Certificates, made with certtool: a CA, a server certificate for
;;; "localhost", a client certificate, and a client certificate from a CA
;;; that the server does not trust.

(define (certtool dir . arguments)
  (let-values (((status output) (run-process "certtool" arguments)))
    (unless (eqv? status 0)
      (error "certtool failed" arguments output))))

(define (make-pki dir)
  "Make the certificates and keys in DIR; return a procedure mapping a
name (a symbol) to its file."
  (define (file name) (string-append dir "/" (symbol->string name)))
  (define (private-key name)
    (certtool dir "--generate-privkey" "--key-type=ecdsa" "--outfile" (file name)))
  (define (template name . lines)
    (write-file (file name) (string-join lines "\n" 'suffix)))
  (define (authority cert key name)
    (private-key key)
    (template 'ca.tmpl (string-append "cn = " name) "ca" "cert_signing_key"
              "expiration_days = 30")
    (certtool dir "--generate-self-signed" "--load-privkey" (file key)
              "--template" (file 'ca.tmpl) "--outfile" (file cert)))
  (define (signed cert key ca-cert ca-key . lines)
    (private-key key)
    (apply template 'cert.tmpl "expiration_days = 30" "signing_key" lines)
    (certtool dir "--generate-certificate" "--load-privkey" (file key)
              "--load-ca-certificate" (file ca-cert) "--load-ca-privkey" (file ca-key)
              "--template" (file 'cert.tmpl) "--outfile" (file cert)))
  (authority 'ca.pem 'ca.key "Example CA")
  (authority 'other-ca.pem 'other-ca.key "Untrusted CA")
  (signed 'server.pem 'server.key 'ca.pem 'ca.key
          "cn = localhost" "dns_name = localhost" "tls_www_server")
  (signed 'other-host.pem 'other-host.key 'ca.pem 'ca.key
          "cn = other.example" "dns_name = other.example" "tls_www_server")
  (signed 'client.pem 'client.key 'ca.pem 'ca.key
          "cn = Example Client" "tls_www_client")
  (signed 'stranger.pem 'stranger.key 'other-ca.pem 'other-ca.key
          "cn = Stranger" "tls_www_client")
  file)

(define (call-with-pki proc)
  (call-with-temporary-directory "gnutls-cxx-examples"
    (lambda (dir) (proc (make-pki dir) dir))))

(define (free-port)
  "Return a TCP port number on 127.0.0.1 that nobody listens on now."
  (let ((s (socket PF_INET SOCK_STREAM 0)))
    (bind s AF_INET INADDR_LOOPBACK 0)
    (let ((port (sockaddr:port (getsockname s))))
      (close-port s)
      port)))

;;; What the examples use.

(define compat-names
  ;; Names of the compatibility surface, to tell which of the symbols in
  ;; an example are meant to be procedures of this module.  The list is
  ;; kept with the tests; reading it fails loudly if it is missing.
  (call-with-input-file (string-append source-root "/test/data/compat-3.7.exports")
    (lambda (port)
      (let loop ((names '()))
        (match (read-line port)
          ((? eof-object?) names)
          (line (loop (cons (string->symbol (car (string-tokenize line)))
                            names))))))))

(define (symbols-of file)
  "Return every symbol that occurs in the Scheme code of FILE."
  (define (walk datum acc)
    (cond ((symbol? datum) (cons datum acc))
          ((pair? datum) (walk (cdr datum) (walk (car datum) acc)))
          ((vector? datum) (fold walk acc (vector->list datum)))
          (else acc)))
  (call-with-input-file file
    (lambda (port)
      (let loop ((acc '()))
        (let ((datum (read port)))
          (if (eof-object? datum)
              (delete-duplicates acc eq?)
              (loop (walk datum acc))))))))

(define (missing-procedures file)
  "Return the names of the compatibility surface that FILE uses and this
module does not export."
  (let ((interface (resolve-interface '(gnutls))))
    (sort (filter (lambda (name)
                    (and (memq name compat-names)
                         (not (module-variable interface name))))
                  (symbols-of (example file)))
          (lambda (a b) (string<? (symbol->string a) (symbol->string b))))))

(define-syntax-rule (test-example file body ...)
  ;; Run BODY, the tests of example FILE, only if FILE uses nothing
  ;; missing; otherwise fail naming what is missing.
  (test-group file
    (let ((missing (missing-procedures file)))
      (test-equal (string-append file ": every procedure it uses exists") '() missing)
      (when (null? missing)
        body ...))))

(define examples-run
  '("anonymous-demo.scm" "anonymous-server.scm" "anonymous-client.scm"
    "x509-server.scm" "https-get.scm" "multi-host-server.scm"
    "nonblocking-echo-server.scm"
    "certificate-authority.scm" "jws.scm"))

(test-begin "examples")

(test-group "coverage"
  (test-assert "the compatibility list is there" (pair? compat-names))
  (test-equal "every example is run by this test" '()
    (filter (lambda (name)
              (and (string-suffix? ".scm" name) (not (member name examples-run))))
            (scandir examples-directory))))

(test-example "anonymous-demo.scm"
  (let-values (((status output) (run-example "anonymous-demo.scm")))
    (test-equal "it exits 0" 0 status)
    (test-assert "the server echoes what the client sends"
      (string-contains output "client: reply (echo \"Hello peer!\")"))
    (test-assert "and sees the client leave"
      (string-contains output "server: client said goodbye"))))

(test-example "anonymous-server.scm"
  (test-example "anonymous-client.scm"
    (call-with-example-server "anonymous-server.scm" '("0" "1")
      (lambda (server port)
        (let-values (((status output)
                      (run-example "anonymous-client.scm" (number->string port)
                                   "hello" "two words")))
          (test-equal "the client exits 0" 0 status)
          (test-equal "the client prints the echoes"
            '("echo: hello" "echo: two words") (output-lines output)))
        (let-values (((status output) (finish-process server)))
          (test-equal "the server exits 0 after its one connection" 0 status)
          (test-assert "the server saw the client's lines and its goodbye"
            (string-contains output "client left after 2 lines")))))))

(test-example "anonymous-server.scm"
  (test-equal "a silent client times out, and the next one is served"
    '(0 #t ("echo: after"))
    (call-with-example-server "anonymous-server.scm" '("0" "2" "200")
      (lambda (server port)
        (let ((silent (socket PF_INET SOCK_STREAM 0)))
          (connect silent AF_INET INADDR_LOOPBACK port)
          (let-values (((status output)
                        (run-example "anonymous-client.scm" (number->string port)
                                     "after")))
            (close-port silent)
            (let-values (((server-status server-output) (finish-process server)))
              (list server-status
                    (and (string-contains server-output "session failed in handshake")
                         (string-contains server-output "imed out")
                         #t)
                    (output-lines output)))))))))

(test-example "x509-server.scm"
  (call-with-pki
   (lambda (file dir)
     (define (gnutls-cli port . arguments)
       (run-process "gnutls-cli" (append arguments
                                         (list "--x509cafile" (file 'ca.pem)
                                               "-p" (number->string port)
                                               "localhost"))
                    #:input (file 'request)))
     (write-file (file 'request) "hello\n")
     (call-with-example-server "x509-server.scm"
                               (list "--cert" (file 'server.pem) "--key" (file 'server.key)
                                     "--ca" (file 'ca.pem) "--connections" "3")
       (lambda (server port)
         (gnutls-cli port)              ; no client certificate
         (gnutls-cli port "--x509certfile" (file 'stranger.pem)
                     "--x509keyfile" (file 'stranger.key))
         (let-values (((status output)
                       (gnutls-cli port "--x509certfile" (file 'client.pem)
                                   "--x509keyfile" (file 'client.key))))
           (test-assert "a client with a valid certificate is greeted by name"
             (string-contains output "Hello, CN=Example Client")))
         (let-values (((status output) (finish-process server)))
           (test-equal "the server exits 0 after three connections" 0 status)
           (test-assert "a client without a certificate fails the handshake"
             (string-prefix? "session failed" output))
           (test-assert "a certificate from an unknown CA is rejected"
             (string-contains output "client certificate rejected"))
           (test-assert "a valid client certificate is accepted"
             (string-contains output "client authenticated: CN=Example Client"))
           (test-assert "and its line is read"
             (string-contains output "received: hello"))))))))

(test-example "https-get.scm"
  (call-with-pki
   (lambda (file dir)
     (let ((port (free-port)))
       (call-with-process "openssl"
                          (list "s_server" "-accept" (format #f "127.0.0.1:~a" port)
                                "-cert" (file 'server.pem) "-key" (file 'server.key)
                                "-www")
         (lambda (server)
           ;; s_server says ACCEPT once it listens.
           (let loop ()
             (let ((line (read-line (process-output server))))
               (cond ((eof-object? line) (error "openssl s_server did not start"))
                     ((not (string-prefix? "ACCEPT" line)) (loop)))))
           (let ((url (format #f "https://localhost:~a/" port)))
             (let-values (((status output)
                           (run-example "https-get.scm" "--ca" (file 'ca.pem) url)))
               (test-equal "a verified GET exits 0" 0 status)
               (test-assert "and prints the response"
                 (string-prefix? "HTTP/1.0 200 ok" output)))
             (let-values (((status output)
                           (run-example "https-get.scm" "--ca" (file 'other-ca.pem) url)))
               (test-equal "an unknown CA fails" 1 status)
               (test-assert "saying the verification failed"
                 (string-contains output "certificate verification failed"))))
           (let-values (((status output)
                         (run-example "https-get.scm" "--ca" (file 'ca.pem)
                                      (format #f "https://127.0.0.1:~a/" port))))
             (test-equal "a host the certificate does not name fails" 1 status)
             (test-assert "saying so"
               (string-contains output "does not name the host")))))))))

(test-example "multi-host-server.scm"
  (call-with-pki
   (lambda (file dir)
     (define (gnutls-cli port name . arguments)
       (run-process "gnutls-cli"
                    (append arguments
                            (list "--x509cafile" (file 'ca.pem) "--logfile" "/dev/null"
                                  "--sni-hostname" name "--verify-hostname" name
                                  "-p" (number->string port) "127.0.0.1"))
                    #:input (file 'request)))
     (write-file (file 'request) "")
     (call-with-example-server "multi-host-server.scm"
                               (list "--connections" "2"
                                     "localhost" (file 'server.pem) (file 'server.key)
                                     "other.example" (file 'other-host.pem)
                                     (file 'other-host.key))
       (lambda (server port)
         (let-values (((status output) (gnutls-cli port "localhost")))
           (test-equal "a client for the first host is greeted by its name"
             '(0 #t) (list status (and (string-contains output "Hello, localhost") #t))))
         (let-values (((status output) (gnutls-cli port "other.example" "--alpn" "h2")))
           (test-equal "a client for the other host gets its certificate, and ALPN"
             '(0 #t)
             (list status
                   (and (string-contains output "Hello, other.example, speaking h2") #t))))
         (let-values (((status output) (finish-process server)))
           (test-equal "the server exits 0 after two connections" 0 status)))))))

(test-example "nonblocking-echo-server.scm"
  (let-values (((status output) (run-example "nonblocking-echo-server.scm" "6")))
    (test-equal "it exits 0" 0 status)
    (test-assert "all six clients had every line echoed"
      (string-contains output "6 clients, 6 with every echo matched"))
    (test-equal "the server saw each connection close after 20 lines"
      6
      (count (lambda (line)
               (string=? line "server: connection closed after 20 lines"))
             (output-lines output)))))

(test-example "certificate-authority.scm"
  (call-with-temporary-directory "gnutls-cxx-examples"
    (lambda (dir)
      (let-values (((status output) (run-example "certificate-authority.scm" dir)))
        (test-equal "it exits 0" 0 status)
        (test-equal "the client verified the server and got its answer"
          '("server: received \"client\""
            "client: verified CN=localhost,O=Example, issued by CN=Example CA,O=Example"
            "client: the server said \"hello, client\"")
          (sort (filter (lambda (line) (not (string-prefix? "wrote" line)))
                        (output-lines output))
                string>?))
        (test-equal "the files it wrote: the server certificate signed by the CA"
          '("CN=localhost,O=Example" "CN=Example CA,O=Example")
          (let ((read-cert (lambda (name)
                             (import-x509-certificate
                              (call-with-input-file (string-append dir "/" name)
                                get-bytevector-all #:binary #t)
                              x509-certificate-format/pem))))
            (list (x509-certificate-dn (read-cert "server.pem"))
                  (x509-certificate-issuer-dn (read-cert "server.pem")))))
        (test-assert "and the key for it"
          (x509-private-key?
           (import-x509-private-key
            (call-with-input-file (string-append dir "/server-key.pem")
              get-bytevector-all #:binary #t)
            x509-certificate-format/pem)))))))

(test-example "jws.scm"
  (let-values (((status output) (run-example "jws.scm")))
    (test-equal "it exits 0" 0 status)
    (test-equal "every check holds, the RFC 7515 examples included"
      '("HS256 token of RFC 7515 A.1 reproduced: ok"
        "HS256 token verifies: ok"
        "HS256 tampered token rejected: ok"
        "ES256 token of RFC 7515 A.3 verifies: ok"
        "ES256 token signed with a new key verifies: ok"
        "ES256 tampered token rejected: ok"
        "ES256 token rejected under another key: ok")
      (filter (lambda (line) (string-suffix? ": ok" line))
              (string-split output #\newline)))
    (test-assert "and it prints the token it signed"
      (string-prefix? "eyJhbGciOiJFUzI1NiJ9."
                      (last (filter (lambda (line) (not (string-null? line)))
                                    (string-split output #\newline)))))))

(test-end "examples")
(test-exit)
