;;; (test-certificates) --- X.509 certificates made at test time.
;;;
;;; A small public-key infrastructure is made with `certtool' (ECDSA keys:
;;; fast) in a fresh temporary directory: a CA, a server certificate for
;;; "localhost", a client certificate, an expired certificate, a certificate
;;; from a CA nobody trusts and one for the wrong host name.  Tests ask for
;;; files by name with `pki-file' and build credentials with the
;;; conveniences below.

(define-module (test-certificates)
  #:use-module (gnutls)
  #:use-module (ice-9 match)
  #:use-module (srfi srfi-1)
  #:export (certtool-available?
            make-test-pki
            run-certtool
            call-with-test-pki
            pki-file
            pki-directory
            delete-directory-tree
            make-temporary-directory
            call-with-temporary-directory
            tls13-priorities
            tls12-priorities
            read-file-bytes
            make-certificate-credentials/server
            make-certificate-credentials/client
            make-x509-session
            handshake-failure-status
            x509-server-peer
            x509-client-handshake
            read-server-report
            certificate-dn))

(define tls13-priorities
  ;; X.509 handshakes with exactly one protocol version each.
  "NORMAL:-VERS-ALL:+VERS-TLS1.3")
(define tls12-priorities
  "NORMAL:-VERS-ALL:+VERS-TLS1.2")

(define (certtool-available?)
  "True if the `certtool' program can be run."
  (catch #t
    (lambda () (zero? (run-quietly "/dev/null" "certtool" "--version")))
    (const #f)))

(define (run-quietly log program . arguments)
  "Run PROGRAM with ARGUMENTS, its output appended to the file LOG; return
its exit status (127 if it could not be started)."
  (let ((pid (primitive-fork)))
    (if (zero? pid)
        (catch #t
          (lambda ()
            (let ((out (open-file log "a")))
              (dup2 (fileno out) 1)
              (dup2 (fileno out) 2)
              (apply execlp program program arguments)))
          (lambda _ (primitive-exit 127)))
        (status:exit-val (cdr (waitpid pid))))))

(define (make-temporary-directory prefix)
  "Create and return a fresh directory under $TMPDIR (or /tmp) whose name
starts with PREFIX."
  (let ((base (or (getenv "TMPDIR") "/tmp")))
    (let loop ((attempt 0))
      (let ((dir (format #f "~a/~a-~a-~a" base prefix (getpid)
                         (random 1000000000 (random-state-from-platform)))))
        (catch 'system-error
          (lambda () (mkdir dir #o700) dir)
          (lambda args
            (if (< attempt 10)
                (loop (+ attempt 1))
                (apply throw args))))))))

(define (delete-directory-tree dir)
  "Delete DIR and everything below it."
  (when (file-exists? dir)
    (let ((stream (opendir dir)))
      (let loop ()
        (let ((entry (readdir stream)))
          (unless (eof-object? entry)
            (unless (member entry '("." ".."))
              (let ((file (string-append dir "/" entry)))
                (if (eq? 'directory (stat:type (lstat file)))
                    (delete-directory-tree file)
                    (delete-file file))))
            (loop))))
      (closedir stream))
    (rmdir dir)))

(define (call-with-temporary-directory prefix proc)
  "Call PROC with a fresh temporary directory whose name starts with
PREFIX; delete the directory and all in it when PROC returns or raises.
Return PROC's value."
  (let ((dir (make-temporary-directory prefix)))
    (dynamic-wind
      (const #t)
      (lambda () (proc dir))
      (lambda () (delete-directory-tree dir)))))

(define (write-template file . lines)
  (call-with-output-file file
    (lambda (port)
      (for-each (lambda (line) (display line port) (newline port)) lines))))

(define (run-certtool dir . arguments)
  "Run certtool with ARGUMENTS, its output logged in DIR/certtool.log;
raise an error if it fails."
  (let ((status (apply run-quietly (string-append dir "/certtool.log")
                       "certtool" arguments)))
    (unless (eqv? status 0)
      (error "certtool failed; see certtool.log in" dir arguments))))

(define (make-test-pki dir)
  "Make test certificates and keys (PEM) in the existing directory DIR and
return an alist from names to file names: ca-cert, ca-key, ca-directory (a
directory holding only the CA certificate), server-cert, server-key (for
host \"localhost\" and 127.0.0.1), client-cert, client-key, expired-cert,
expired-key (\"localhost\", valid only in 2000), unknown-ca-cert,
unknown-ca-key, unknown-cert, unknown-key (\"localhost\", signed by a CA
that is not ca-cert), wronghost-cert, wronghost-key (signed by ca-cert for
\"wronghost.example\")."
  (define (file name) (string-append dir "/" name))
  (define (private-key name)
    (run-certtool dir "--generate-privkey" "--key-type=ecdsa"
              "--outfile" (file name)))
  (define (template name . lines)
    (apply write-template (file name) lines))
  (define (self-signed cert key tmpl)
    (run-certtool dir "--generate-self-signed" "--load-privkey" (file key)
              "--template" (file tmpl) "--outfile" (file cert)))
  (define (signed cert key tmpl ca-cert ca-key)
    (run-certtool dir "--generate-certificate" "--load-privkey" (file key)
              "--load-ca-certificate" (file ca-cert)
              "--load-ca-privkey" (file ca-key)
              "--template" (file tmpl) "--outfile" (file cert)))

  (for-each private-key
            '("ca-key.pem" "unknown-ca-key.pem" "server-key.pem"
              "client-key.pem" "expired-key.pem" "unknown-key.pem"
              "wronghost-key.pem"))
  (template "ca.tmpl" "cn = \"Test CA\"" "organization = \"Test PKI\""
            "serial = 1" "expiration_days = 3650" "ca" "cert_signing_key"
            "crl_signing_key")
  (template "unknown-ca.tmpl" "cn = \"Unknown CA\"" "serial = 2"
            "expiration_days = 3650" "ca" "cert_signing_key")
  (template "server.tmpl" "cn = \"localhost\"" "organization = \"Test PKI\""
            "serial = 10" "expiration_days = 3650" "dns_name = \"localhost\""
            "ip_address = \"127.0.0.1\"" "tls_www_server" "signing_key")
  (template "client.tmpl" "cn = \"Test client\"" "serial = 11"
            "expiration_days = 3650" "email = \"client@example.org\""
            "tls_www_client" "signing_key")
  (template "expired.tmpl" "cn = \"localhost\"" "serial = 12"
            "dns_name = \"localhost\""
            "activation_date = \"2000-01-01 00:00:00 UTC\""
            "expiration_date = \"2000-12-31 00:00:00 UTC\""
            "tls_www_server" "signing_key")
  (template "unknown.tmpl" "cn = \"localhost\"" "serial = 13"
            "expiration_days = 3650" "dns_name = \"localhost\""
            "tls_www_server" "signing_key")
  (template "wronghost.tmpl" "cn = \"wronghost.example\"" "serial = 14"
            "expiration_days = 3650" "dns_name = \"wronghost.example\""
            "tls_www_server" "signing_key")
  (self-signed "ca-cert.pem" "ca-key.pem" "ca.tmpl")
  (self-signed "unknown-ca-cert.pem" "unknown-ca-key.pem" "unknown-ca.tmpl")
  (signed "server-cert.pem" "server-key.pem" "server.tmpl"
          "ca-cert.pem" "ca-key.pem")
  (signed "client-cert.pem" "client-key.pem" "client.tmpl"
          "ca-cert.pem" "ca-key.pem")
  (signed "expired-cert.pem" "expired-key.pem" "expired.tmpl"
          "ca-cert.pem" "ca-key.pem")
  (signed "unknown-cert.pem" "unknown-key.pem" "unknown.tmpl"
          "unknown-ca-cert.pem" "unknown-ca-key.pem")
  (signed "wronghost-cert.pem" "wronghost-key.pem" "wronghost.tmpl"
          "ca-cert.pem" "ca-key.pem")
  (let ((ca-directory (file "ca")))
    (mkdir ca-directory)
    (copy-file (file "ca-cert.pem") (string-append ca-directory "/ca-cert.pem"))
    `((directory . ,dir)
      (ca-directory . ,ca-directory)
      ,@(map (lambda (name)
               (cons name (file (string-append (symbol->string name) ".pem"))))
             '(ca-cert ca-key server-cert server-key client-cert client-key
               expired-cert expired-key unknown-ca-cert unknown-ca-key
               unknown-cert unknown-key wronghost-cert wronghost-key)))))

(define (pki-file pki name)
  "Return the file called NAME (a symbol such as 'server-cert) in PKI."
  (or (assq-ref pki name)
      (error "no such file in the test PKI" name)))

(define (pki-directory pki)
  "Return the directory holding PKI."
  (pki-file pki 'directory))

(define (call-with-test-pki proc)
  "Make a test PKI in a fresh temporary directory, call PROC with it, and
delete the directory when PROC returns or raises.  Return PROC's value."
  (call-with-temporary-directory "gnutls-test-pki"
    (lambda (dir) (proc (make-test-pki dir)))))

(define (read-file-bytes file)
  "Return the contents of FILE as a bytevector."
  (call-with-input-file file
    (lambda (port) ((@ (ice-9 binary-ports) get-bytevector-all) port))
    #:binary #t))

(define* (make-certificate-credentials/server pki #:key (certificate 'server-cert)
                                              (key 'server-key) (trust #f))
  "Return certificate credentials holding the CERTIFICATE and KEY of PKI
(names as in `make-test-pki'), and trusting the certificate named TRUST
(e.g. 'ca-cert, to check client certificates) unless it is #f."
  (let ((credentials (make-certificate-credentials)))
    (set-certificate-credentials-x509-key-files! credentials
                                                 (pki-file pki certificate)
                                                 (pki-file pki key)
                                                 x509-certificate-format/pem)
    (when trust
      (set-certificate-credentials-x509-trust-file! credentials
                                                    (pki-file pki trust)
                                                    x509-certificate-format/pem))
    credentials))

(define* (make-certificate-credentials/client pki #:key (trust 'ca-cert)
                                              (certificate #f) (key #f))
  "Return certificate credentials trusting the certificate named TRUST in
PKI (none if #f) and, when CERTIFICATE and KEY are given, presenting them."
  (let ((credentials (make-certificate-credentials)))
    (when trust
      (set-certificate-credentials-x509-trust-file! credentials
                                                    (pki-file pki trust)
                                                    x509-certificate-format/pem))
    (when (and certificate key)
      (set-certificate-credentials-x509-key-files! credentials
                                                   (pki-file pki certificate)
                                                   (pki-file pki key)
                                                   x509-certificate-format/pem))
    credentials))

(define* (make-x509-session end credentials #:key fd port
                            (priorities tls13-priorities) server-name)
  "Return a session for END using the certificate CREDENTIALS and
PRIORITIES, over FD or PORT; a client sends SERVER-NAME (SNI) if given."
  (let ((session (make-session end)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session credentials)
    (when server-name
      (set-session-server-name! session server-name-type/dns server-name))
    (cond (fd (set-session-transport-fd! session fd))
          (port (set-session-transport-port! session port)))
    session))

(define handshake-failure-status
  ;; Exit status of an `x509-server-peer' whose handshake failed.
  3)

(define* (x509-server-peer credentials #:key (priorities tls13-priorities)
                           request verify report)
  "Return a peer procedure for `call-with-forked-peer': a TLS server with
the certificate CREDENTIALS and PRIORITIES on its socket.  REQUEST, if
true, is a certificate-request/ value for client certificates; VERIFY, if
true, makes the handshake verify the client (a host name string, or #t for
the chain only).  After the handshake the server writes (REPORT session),
a datum (default: the empty list), on the record port and reads until the
client closes.  If the handshake fails, the child exits with
`handshake-failure-status'."
  (lambda (socket)
    (let ((session (make-x509-session connection-end/server credentials
                                      #:fd socket #:priorities priorities)))
      (when request
        (set-server-session-certificate-request! session request))
      (when verify
        (set-session-peer-verification! session (and (string? verify) verify)))
      (catch 'gnutls-error
        (lambda () (handshake session))
        (lambda (key . args)
          (format (current-error-port) "server handshake failed: ~s~%" args)
          (primitive-exit handshake-failure-status)))
      (let ((port (session-record-port session)))
        (write (if report (report session) '()) port)
        (newline port)
        (force-output port)
        ;; Wait for the client's close_notify (or its end of the socket).
        (let loop ()
          (unless (eof-object? (read-char port))
            (loop)))))))

(define* (x509-client-handshake socket credentials #:key (priorities tls13-priorities)
                                server-name verify)
  "Make a client session with CREDENTIALS over the file port SOCKET,
handshake and return it.  SERVER-NAME is sent as SNI; VERIFY, if true,
makes the handshake verify the server (a host name string, or #t for the
chain only)."
  (let ((session (make-x509-session connection-end/client credentials
                                    #:fd socket #:priorities priorities
                                    #:server-name server-name)))
    (when verify
      (set-session-peer-verification! session (and (string? verify) verify)))
    (handshake session)
    session))

(define (read-server-report session)
  "Read the datum an `x509-server-peer' wrote on SESSION, then close the
session for writing."
  (let ((report (read (session-record-port session))))
    (bye session close-request/wr)
    report))

(define (certificate-dn der)
  "The subject DN of the DER-encoded certificate DER (a bytevector)."
  (x509-certificate-dn (import-x509-certificate der x509-certificate-format/der)))
