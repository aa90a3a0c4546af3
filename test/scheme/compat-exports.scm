;;; The compatibility surface: every name the 3.7 bindings export is
;;; exported here with the same kind and arity, old aliases are the same
;;; objects, and the names kept for compatibility (OpenPGP, cipher suites,
;;; logging) behave as documented.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (test-support)
             (gnutls)
             (ice-9 match)
             (ice-9 rdelim))

(define compat-file
  ;; A copy of the 3.7 bindings' export list, kept with the tests; its
  ;; absence is a failure, not a reason to skip.
  (string-append (or (getenv "MESON_SOURCE_ROOT") ".")
                 "/test/data/compat-3.7.exports"))

(define compat-5.0-file
  ;; The same for the 5.0 bindings: what programs written today expect.
  (string-append (or (getenv "MESON_SOURCE_ROOT") ".")
                 "/test/data/compat-5.0.exports"))

(define never-defined-upstream
  ;; Names the 5.0 bindings export but never define (using them raises
  ;; unbound-variable there), so their list calls them values: here they
  ;; are procedures of their group.
  '(cipher? import-private-key import-public-key))

(define (read-compat-entries file)
  "Return the entries of FILE as lists (NAME KIND [REQUIRED OPTIONAL REST?])."
  (call-with-input-file file
    (lambda (port)
      (let loop ((entries '()))
        (match (read-line port)
          ((? eof-object?) (reverse entries))
          (line
           (match (string-tokenize line)
             (() (loop entries))
             ((name "value")
              (loop (cons (list (string->symbol name) 'value) entries)))
             ((name "procedure" required optional rest)
              (loop (cons (list (string->symbol name) 'procedure
                                (string->number required)
                                (string->number optional)
                                (string=? rest "rest"))
                          entries)))
             (_ (error "malformed line in compatibility list" line)))))))))

(define gnutls-interface (resolve-interface '(gnutls)))

(define (entry-gap entry)
  "Return a string describing how ENTRY is not met, or #f if it is."
  (define name (car entry))
  (define variable (module-variable gnutls-interface name))
  (if (not variable)
      (format #f "~a: not exported" name)
      (let ((value (variable-ref variable)))
        (match entry
          ((_ 'value)
           (and (procedure? value)
                (format #f "~a: a procedure, expected a value" name)))
          ((_ 'procedure required optional rest?)
           (cond ((not (procedure? value))
                  (format #f "~a: not a procedure" name))
                 ((not (equal? (procedure-minimum-arity value)
                               (list required optional rest?)))
                  (format #f "~a: arity ~s, expected ~s" name
                          (procedure-minimum-arity value)
                          (list required optional rest?)))
                 (else #f)))))))

(test-begin "compat-exports")

(test-group "the 3.7 interface"
  (test-assert (string-append "the list is present: " compat-file)
    (file-exists? compat-file))
  (when (file-exists? compat-file)
    (let* ((entries (read-compat-entries compat-file))
           (gaps (filter-map entry-gap entries)))
      (test-assert "the list is not empty" (> (length entries) 400))
      (for-each (lambda (gap) (format #t "compatibility gap: ~a~%" gap)) gaps)
      (test-equal "every name exported, with its kind and arity" '() gaps))))

(test-group "the 5.0 interface"
  (test-assert (string-append "the list is present: " compat-5.0-file)
    (file-exists? compat-5.0-file))
  (when (file-exists? compat-5.0-file)
    (let* ((entries (read-compat-entries compat-5.0-file))
           (gaps (filter-map entry-gap
                             (remove (lambda (entry)
                                       (memq (car entry) never-defined-upstream))
                                     entries))))
      (test-assert "the list is not empty" (> (length entries) 800))
      (for-each (lambda (gap) (format #t "5.0 compatibility gap: ~a~%" gap)) gaps)
      (test-equal "every name exported, with its kind and arity" '() gaps)
      (test-equal "the names upstream never defined are procedures here"
        '()
        (remove (lambda (name)
                  (let ((variable (module-variable gnutls-interface name)))
                    (and variable (procedure? (variable-ref variable)))))
                never-defined-upstream)))))

(test-group "old aliases are the same objects"
  (for-each (match-lambda
              ((alias canonical)
               (test-assert (format #f "~a is ~a" alias canonical)
                 (eq? (module-ref gnutls-interface alias)
                      (module-ref gnutls-interface canonical)))))
            '((credentials/anonymous credentials/anon)
              (cipher/rijndael-cbc cipher/aes-128-cbc)
              (cipher/rijndael-128-cbc cipher/aes-128-cbc)
              (cipher/rijndael-256-cbc cipher/aes-256-cbc)
              (cipher/arcfour cipher/arcfour-128)
              (certificate-verify/allow-x509-v1-ca-crt
               certificate-verify/allow-x509-v1-ca-certificate)
              (certificate-verify/allow-any-x509-v1-ca-crt
               certificate-verify/allow-any-x509-v1-ca-certificate)))
  (test-equal "an alias prints under its canonical name"
    "#<gnutls-cipher-enum aes-128-cbc>" (object->string cipher/rijndael-cbc))
  (test-equal "protocol/tls-1.0 is TLS 1.0" "TLS1.0" (protocol->string protocol/tls-1.0))
  (test-equal "protocol/tls-1.1 is TLS 1.1" "TLS1.1" (protocol->string protocol/tls-1.1))
  (test-assert "distinct values stay distinct"
    (not (eq? cipher/aes-128-cbc cipher/aes-256-cbc))))

(test-group "cipher-suite->string"
  (test-equal "a suite GnuTLS knows" "ECDHE_RSA_AES_128_GCM_SHA256"
    (cipher-suite->string kx/ecdhe-rsa cipher/aes-128-gcm mac/aead))
  (test-equal "a combination that is no suite" #f
    (cipher-suite->string kx/srp cipher/null mac/md2))
  (test-match "its arguments are checked in order"
    (error-of (lambda () (cipher-suite->string kx/rsa mac/sha1 mac/sha1)))
    (('wrong-type-arg "cipher-suite->string" _ (2 . _) _) #t)))

(test-group "OpenPGP, removed from GnuTLS"
  (test-assert "nothing is an OpenPGP certificate"
    (not (openpgp-certificate? 'anything)))
  (test-equal "the format enumerate remains" "raw"
    (openpgp-certificate-format->string openpgp-certificate-format/raw))
  (test-match "a call raises error/unimplemented-feature naming the procedure"
    (error-of (lambda ()
                (import-openpgp-certificate #vu8(1 2 3)
                                            openpgp-certificate-format/raw)))
    (('gnutls-error err 'import-openpgp-certificate)
     (eq? err error/unimplemented-feature)))
  (test-match "so does a first-class use, when called"
    (let ((proc set-certificate-credentials-openpgp-keys!))
      (error-of (lambda () (proc 1 2 3))))
    (('gnutls-error err 'set-certificate-credentials-openpgp-keys!)
     (eq? err error/unimplemented-feature))))

(define (anonymous-handshake)
  "Run an anonymous handshake with a forked server; return the client's
protocol and the server's exit status."
  (anonymous-exchange
   (lambda (session)
     (handshake session)
     (bye session close-request/rdwr))
   (lambda (session)
     (handshake session)
     (let ((protocol (session-protocol session)))
       (bye session close-request/rdwr)
       protocol))))

(test-group "logging"
  (let ((messages '()))
    (set-log-procedure! (lambda (level text)
                          (set! messages (cons (cons level text) messages))))
    (set-log-level! 9)
    (test-equal "a handshake with logging on succeeds" (list protocol/tls-1.2 0)
      (anonymous-handshake))
    (test-assert "the log procedure saw messages" (pair? messages))
    (test-equal "each is a level and a string" '()
      (remove (match-lambda
                (((? integer? level) . (? string?)) (<= 0 level 99))
                (_ #f))
              messages))
    (set-log-level! 0)
    (set! messages '())
    (anonymous-handshake)
    (test-equal "level 0 logs nothing" '() messages))
  (set-log-procedure! (lambda (level text) (error "log procedure failed" level)))
  (set-log-level! 9)
  (test-equal "an exception in the log procedure does not break the session"
    (list protocol/tls-1.2 0)
    (anonymous-handshake))
  (set-log-level! 0)
  (test-match "set-log-procedure! wants a procedure"
    (error-of (lambda () (set-log-procedure! 'display)))
    (('wrong-type-arg "set-log-procedure!" . _) #t))
  (test-match "set-log-level! wants a non-negative integer"
    (error-of (lambda () (set-log-level! -1)))
    (((or 'out-of-range 'wrong-type-arg) "set-log-level!" . _) #t)))

(test-end "compat-exports")
(test-exit)
