;;; The fuzzer's seed inputs and every input that once crashed it
;;; (fuzz/corpus, fuzz/regressions), replayed through the ordinary build:
;;; each must end in a return or a Scheme exception, never a crash.

(use-modules (srfi srfi-64)
             (ice-9 ftw)
             (ice-9 binary-ports)
             (test-support))

(sigaction SIGPIPE SIG_IGN)

(define fuzz-directory
  (string-append (or (getenv "MESON_SOURCE_ROOT") ".") "/fuzz"))

(load (string-append fuzz-directory "/session-driver.scm"))

(define fuzz-one
  (@ (session-driver) fuzz-one))

(define (inputs subdirectory)
  (let ((directory (string-append fuzz-directory "/" subdirectory)))
    (map (lambda (name) (string-append directory "/" name))
         (or (scandir directory
                      (lambda (name)
                        (not (or (string-prefix? "." name)
                                 (string=? name "README")))))
             '()))))

(test-begin "hostile-fuzz-inputs")

(for-each (lambda (file)
            ;; Named before the call, so that a crash names its input.
            (format (current-error-port) "replaying ~a~%" file)
            (test-assert (basename file)
              (begin
                (fuzz-one (call-with-input-file file get-bytevector-all #:binary #t))
                #t)))
          (append (inputs "corpus") (inputs "regressions")))

(test-end "hostile-fuzz-inputs")
(test-exit)
