;;; The module and extension that load are this project's, uninstalled and
;;; installed, and modules using (gnutls) compile without warnings.

(use-modules (srfi srfi-64)
             (test-support)
             (gnutls)
             (ice-9 popen)
             (ice-9 rdelim)
             (ice-9 textual-ports))

(define build-root (getenv "MESON_BUILD_ROOT"))

(define temporary-directories '())

(define (temporary-directory)
  "Return a new directory, removed when the tests end."
  (let ((directory (mkdtemp (string-copy "/tmp/gnutls-cxx-test-XXXXXX"))))
    (set! temporary-directories (cons directory temporary-directories))
    directory))

(define (write-file file text)
  (call-with-output-file file (lambda (port) (display text port))))

(define (run-command environment . command)
  "Run COMMAND (no shell) with ENVIRONMENT, a list of (VARIABLE . VALUE)
pairs overriding the current environment; return its exit status and its
output, standard error included."
  (let ((saved (map (lambda (binding) (cons (car binding) (getenv (car binding))))
                    environment)))
    (define (set-all! bindings)
      (for-each (lambda (binding)
                  (if (cdr binding)
                      (setenv (car binding) (cdr binding))
                      (unsetenv (car binding))))
                bindings))
    (dynamic-wind
      (lambda () (set-all! environment))
      (lambda ()
        (let* ((pipe (apply open-pipe* OPEN_READ "sh" "-c" "exec \"$@\" 2>&1" "sh"
                            command))
               (output (get-string-all pipe))
               (status (close-pipe pipe)))
          (values (status:exit-val status) output)))
      (lambda () (set-all! saved)))))

(define dependent-module
  "(define-module (dependent) #:use-module (gnutls) #:export (open-client))
(define (open-client fd)
  \"Return a client session over FD.\"
  (let ((session (make-session connection-end/client)))
    (set-session-default-priority! session)
    (set-session-credentials! session (make-anonymous-client-credentials))
    (set-session-transport-fd! session fd)
    (list session (session-record-port session) cipher/aes-128-gcm
          (error->string error/again))))
")

(test-begin "loading")

(test-assert "the loaded module is this project's"
  (this-project-module?))

(test-assert "the module file comes from the build tree"
  (let ((file (module-filename (resolve-module '(gnutls)))))
    (and file (string-prefix? build-root (search-path %load-path file)))))

(test-equal "meson devenv loads this project even with another (gnutls) first on the user's path"
  '(0 #t)
  (let ((fake (temporary-directory)))
    (write-file (string-append fake "/gnutls.scm")
                "(define-module (gnutls)) (error \"another (gnutls) was loaded\")\n")
    (call-with-values
        (lambda ()
          (run-command `(("GUILE_LOAD_PATH" . ,fake)
                         ("GUILE_LOAD_COMPILED_PATH" . ,fake)
                         ("GUILE_GNUTLS_CXX_EXTENSION" . #f))
                       "meson" "devenv" "-C" build-root
                       "guile" "--no-auto-compile" "-c"
                       "(use-modules (gnutls)) (display (list 'loaded %gnutls-extension-file))"))
      (lambda (status output)
        (list status
              (and (string-contains output "loaded")
                   (string-contains output build-root)
                   #t))))))

(test-equal "a dependent module compiles without warnings (uninstalled)"
  '(0 "")
  (let* ((dir (temporary-directory))
         (source (string-append dir "/dependent.scm")))
    (write-file source dependent-module)
    (call-with-values
        (lambda ()
          (run-command '() "guild" "compile" "-Wunbound-variable" "-Warity-mismatch"
                       "-o" (string-append dir "/dependent.go") source))
      (lambda (status output)
        (list status
              (if (string-contains output "warning") output ""))))))

(define destdir (temporary-directory))

(test-equal "meson install lays out the extension, source and compiled modules"
  '(#t #t #t #t #t)
  (call-with-values
      (lambda ()
        (run-command '() "meson" "install" "--no-rebuild" "--quiet" "-C" build-root
                     "--destdir" destdir))
    (lambda (status output)
      (unless (zero? status) (display output (current-error-port)))
      (map (lambda (file) (file-exists? (string-append destdir file)))
           (list (string-append (getenv "TEST_EXTENSIONDIR") "/libguile-gnutls-cxx.so")
                 (string-append (getenv "TEST_SITEDIR") "/gnutls.scm")
                 (string-append (getenv "TEST_SITECCACHEDIR") "/gnutls.go")
                 (string-append (getenv "TEST_SITEDIR") "/gnutls/connections.scm")
                 (string-append (getenv "TEST_SITECCACHEDIR") "/gnutls/connections.go"))))))

(test-equal "a dependent module compiles without warnings against the installed module"
  '(0 "" #t)
  (let* ((dir (temporary-directory))
         (source (string-append dir "/dependent.scm"))
         (site (string-append destdir (getenv "TEST_SITEDIR")))
         (ccache (string-append destdir (getenv "TEST_SITECCACHEDIR")))
         (extension (string-append destdir (getenv "TEST_EXTENSIONDIR")
                                   "/libguile-gnutls-cxx.so")))
    (write-file source dependent-module)
    (call-with-values
        (lambda ()
          ;; The installed module names the installed extension; staged
          ;; under DESTDIR, the environment points at it.
          (run-command `(("GUILE_LOAD_PATH" . ,site)
                         ("GUILE_LOAD_COMPILED_PATH" . ,ccache)
                         ("GUILE_GNUTLS_CXX_EXTENSION" . ,extension))
                       "sh" "-c"
                       "guild compile -Wunbound-variable -o \"$1.go\" \"$1.scm\" && guile --no-auto-compile -c \"(use-modules (gnutls)) (display (search-path %load-path (module-filename (resolve-module '(gnutls)))))\""
                       "sh" (string-append dir "/dependent")))
      (lambda (status output)
        (list status
              (if (string-contains output "warning") output "")
              (and (string-contains output (string-append site "/gnutls.scm")) #t))))))

(test-end "loading")
(for-each (lambda (directory) (system* "rm" "-rf" directory)) temporary-directories)
(test-exit)
