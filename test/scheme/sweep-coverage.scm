;;; Every procedure of the 5.0 interface that the 3.7 one lacks is called
;;; with hostile arguments by some test: each is named in a top-level form
;;; of a test file that calls `argument-sweep' (see
;;; support/argument-sweep.scm), either as `(argument-sweep NAME ...)' or in
;;; a table that the form sweeps.  A new procedure without such a test
;;; fails here, by name.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (test-support)
             (ice-9 ftw)
             (ice-9 match)
             (ice-9 rdelim)
             (ice-9 textual-ports))

(define source-root (or (getenv "MESON_SOURCE_ROOT") "."))

(define (procedure-names file)
  "The names of the procedure entries of the export list FILE."
  (call-with-input-file (string-append source-root "/test/data/" file)
    (lambda (port)
      (let loop ((names '()))
        (match (read-line port)
          ((? eof-object?) names)
          (line (match (string-tokenize line)
                  ((name "procedure" . _) (loop (cons (string->symbol name) names)))
                  (_ (loop names)))))))))

(define new-procedures
  (lset-difference eq? (procedure-names "compat-5.0.exports")
                   (procedure-names "compat-3.7.exports")))

(define (symbols-in form)
  "Every symbol in FORM, at any depth (quoted or not)."
  (cond ((symbol? form) (list form))
        ((pair? form) (append (symbols-in (car form)) (symbols-in (cdr form))))
        ((vector? form) (append-map symbols-in (vector->list form)))
        (else '())))

(define (forms-of file)
  (call-with-input-file file
    (lambda (port)
      (let loop ((forms '()))
        (let ((form (read port)))
          (if (eof-object? form) (reverse forms) (loop (cons form forms))))))))

(define swept
  ;; The names in the top-level forms of the test files that call
  ;; `argument-sweep': a sweep of one procedure, or a table of them swept
  ;; by a loop in the same form.
  (let ((directory (string-append source-root "/test/scheme")))
    (append-map
     (lambda (file)
       (append-map (lambda (form)
                     (let ((symbols (symbols-in form)))
                       (if (memq 'argument-sweep symbols) symbols '())))
                   (forms-of (string-append directory "/" file))))
     (delete "sweep-coverage.scm"
             (scandir directory (lambda (name) (string-suffix? ".scm" name)))))))

(test-begin "sweep-coverage")

(test-assert "the 5.0 interface adds procedures" (> (length new-procedures) 100))

(test-equal "every procedure new in 5.0 is swept with hostile arguments"
  '()
  (sort (lset-difference eq? new-procedures swept)
        (lambda (a b) (string<? (symbol->string a) (symbol->string b)))))

(test-end "sweep-coverage")
(test-exit)
