;;; Every exported procedure has a docstring: the manual's reference is
;;; generated from them, so a procedure without one is undocumented.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (test-support)
             (gnutls))

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

(test-end "docstrings")
(test-exit)
