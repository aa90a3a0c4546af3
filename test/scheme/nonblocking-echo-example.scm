;;; The non-blocking echo server example runs, serves its clients, and
;;; exits 0: run as a separate program, bounded in time, so it cannot rot.

(use-modules (srfi srfi-64)
             (test-support)
             (ice-9 popen)
             (ice-9 rdelim)
             (ice-9 textual-ports))

(define example
  (string-append (or (getenv "MESON_SOURCE_ROOT") ".")
                 "/examples/nonblocking-echo-server.scm"))

(define (run-example . args)
  "Run the example with ARGS, killed after 60 seconds; return its output
and exit status as a pair."
  (let* ((pipe (apply open-pipe* OPEN_READ "timeout" "60"
                      "guile" "--no-auto-compile" example args))
         (output (get-string-all pipe))
         (status (close-pipe pipe)))
    (cons output (status:exit-val status))))

(test-begin "nonblocking-echo-example")

(define result (run-example "6"))

(test-equal "the example exits 0" 0 (cdr result))

(test-assert "all six clients had every line echoed"
  (string-contains (car result) "6 clients, 6 with every echo matched"))

(test-assert "the server saw each connection close after 20 lines"
  (= 6 (length (filter (lambda (line)
                         (string=? line "server: connection closed after 20 lines"))
                       (string-split (car result) #\newline)))))

(test-end "nonblocking-echo-example")
(test-exit)
