;;; Every exported procedure has a docstring: the manual's reference is
;;; generated from them, so a procedure without one is undocumented.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (test-support)
             (gnutls)
             (ice-9 textual-ports))

(define (exported-procedures)
  "Return the (NAME . PROCEDURE) pairs exported by (gnutls), sorted by name."
  (sort (filter-map (lambda (name)
                      (let ((value (module-ref (resolve-interface '(gnutls)) name)))
                        (and (procedure? value) (cons name value))))
                    (module-map (lambda (name variable) name)
                                (resolve-interface '(gnutls))))
        (lambda (a b) (string<? (symbol->string (car a)) (symbol->string (car b))))))

(define (documented? procedure)
  (let ((doc (procedure-documentation procedure)))
    (and (string? doc) (not (string-null? (string-trim-both doc))))))

(test-begin "docstrings")

(let* ((procedures (exported-procedures))
       (undocumented (filter-map (lambda (entry)
                                   (and (not (documented? (cdr entry))) (car entry)))
                                 procedures)))
  (test-assert "procedures are exported" (> (length procedures) 50))
  (for-each (lambda (name) (format #t "no docstring: ~a~%" name)) undocumented)
  (test-equal "every exported procedure has a docstring" '() undocumented))

(test-group "the manual's generated reference"
  ;; The build runs the same script only when makeinfo is present; run it
  ;; here so the reference generator is checked everywhere.
  (let* ((script (string-append (getenv "MESON_SOURCE_ROOT") "/doc/extract-reference.scm"))
         (output (string-append (or (getenv "TMPDIR") "/tmp") "/reference-"
                                (number->string (getpid)) ".texi"))
         (status (system* (or (getenv "GUILE") "guile") "--no-auto-compile" "-s"
                          script output))
         (text (and (file-exists? output)
                    (call-with-input-file output get-string-all))))
    (when (file-exists? output) (delete-file output))
    (test-equal "extract-reference.scm succeeds" 0 (status:exit-val status))
    (test-equal "it has a @deffn for every exported procedure" '()
      (filter-map (lambda (entry)
                    (let ((line (format #f "@deffn {Scheme Procedure} ~a " (car entry))))
                      (and (not (and text (string-contains text line)))
                           (car entry))))
                  (exported-procedures)))
    (test-assert "and the enumerate tables"
      (and text (string-contains text "@item @code{cipher/aes-128-gcm}")))))

(test-end "docstrings")
(test-exit)
