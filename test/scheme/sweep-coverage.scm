;;; Every procedure of the 5.0 interface that the 3.7 one lacks is called
;;; with hostile arguments by some test: each appears as
;;; `(argument-sweep NAME ...)' in a test file (see support/argument-sweep.scm).
;;; A new procedure without such a test fails here, by name.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (test-support)
             (ice-9 ftw)
             (ice-9 match)
             (ice-9 rdelim)
             (ice-9 regex)
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

(define swept
  ;; The names that follow `(argument-sweep' in the test files.
  (let ((directory (string-append source-root "/test/scheme")))
    (append-map
     (lambda (file)
       (map (lambda (m) (string->symbol (match:substring m 1)))
            (list-matches "\\(argument-sweep[ \n]+([^ \n()]+)"
                          (call-with-input-file (string-append directory "/" file)
                            get-string-all))))
     (scandir directory (lambda (name) (string-suffix? ".scm" name))))))

(test-begin "sweep-coverage")

(test-assert "the 5.0 interface adds procedures" (> (length new-procedures) 100))

(test-equal "every procedure new in 5.0 is swept with hostile arguments"
  '()
  (sort (lset-difference eq? new-procedures swept)
        (lambda (a b) (string<? (symbol->string a) (symbol->string b)))))

(test-end "sweep-coverage")
(test-exit)
