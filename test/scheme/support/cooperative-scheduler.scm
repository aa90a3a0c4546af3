;;; (cooperative-scheduler) --- many tasks in one thread over suspendable ports.
;;;
;;; A minimal stand-in for Fibers: tasks are thunks run under a prompt;
;;; when a port operation would block, the current read or write waiter of
;;; (ice-9 suspendable-ports) aborts to that prompt, and the task's
;;; continuation waits until `select' reports its file descriptor ready.
;;; The scheduler counts every wait, so a caller can tell whether some task
;;; spun (woke up over and over without making progress), and it gives up
;;; at a deadline, so that a task that waits forever is an error instead of
;;; a hang.

(define-module (cooperative-scheduler)
  #:use-module (ice-9 suspendable-ports)
  #:use-module ((ice-9 ports internal) #:select (port-read-wait-fd port-write-wait-fd))
  #:use-module (srfi srfi-1)
  #:use-module (srfi srfi-9)
  #:export (run-tasks
            spawn
            yield-task
            task-wait-count))

(define-record-type <scheduler>
  (make-scheduler runnable waiting waits failures)
  scheduler?
  (runnable scheduler-runnable set-scheduler-runnable!)   ; thunks, in order
  (waiting scheduler-waiting set-scheduler-waiting!)      ; (fd direction . k)
  (waits scheduler-waits set-scheduler-waits!)            ; number of waits
  (failures scheduler-failures set-scheduler-failures!))  ; (key . args)

(define current-scheduler (make-parameter #f))
(define scheduler-tag (make-prompt-tag "cooperative-scheduler"))

(define (enqueue! scheduler thunk)
  (set-scheduler-runnable! scheduler
                           (append (scheduler-runnable scheduler) (list thunk))))

(define (spawn thunk)
  "Start THUNK as a new task of the running scheduler.  An exception raised
by the task ends it and is reported by `run-tasks'."
  (let ((scheduler (current-scheduler)))
    (unless scheduler
      (error "spawn: no scheduler is running"))
    (enqueue! scheduler
              (lambda ()
                (catch #t
                  thunk
                  (lambda (key . args)
                    (set-scheduler-failures!
                     scheduler
                     (cons (cons key args) (scheduler-failures scheduler)))))))))

(define (wait-for-fd fd direction)
  "Suspend the current task until FD is ready for DIRECTION, 'read or 'write."
  (unless (and (integer? fd) (>= fd 0))
    (error "port has no file descriptor to wait on" fd))
  (abort-to-prompt scheduler-tag fd direction))

(define (yield-task)
  "Let the other runnable tasks run before the current one goes on."
  (abort-to-prompt scheduler-tag #f 'yield))

(define (task-wait-count)
  "The number of times a task of the running scheduler has waited so far."
  (scheduler-waits (current-scheduler)))

(define (run-task scheduler thunk)
  (call-with-prompt scheduler-tag
    thunk
    (lambda (k fd direction)
      (set-scheduler-waits! scheduler (1+ (scheduler-waits scheduler)))
      (if (eq? direction 'yield)
          (enqueue! scheduler k)
          (set-scheduler-waiting! scheduler
                                  (cons (cons* fd direction k)
                                        (scheduler-waiting scheduler)))))))

(define (wake-ready! scheduler seconds)
  "Wait at most SECONDS for a waiting task's fd, then make every task whose
fd is ready runnable.  Return #f if nothing became ready in time."
  (let* ((waiting (scheduler-waiting scheduler))
         (fds (lambda (direction)
                (filter-map (lambda (w) (and (eq? (cadr w) direction) (car w)))
                            waiting)))
         (ready (select (fds 'read) (fds 'write) '()
                        (inexact->exact (floor seconds))
                        (inexact->exact
                         (floor (* 1e6 (- seconds (floor seconds))))))))
    (let ((readable (car ready))
          (writable (cadr ready)))
      (and (or (pair? readable) (pair? writable))
           (let loop ((waiting waiting) (still '()))
             (if (null? waiting)
                 (begin
                   (set-scheduler-waiting! scheduler still)
                   #t)
                 (let* ((w (car waiting))
                        (ready-fds (if (eq? (cadr w) 'read) readable writable)))
                   (if (memv (car w) ready-fds)
                       (begin
                         (enqueue! scheduler (cddr w))
                         (loop (cdr waiting) still))
                       (loop (cdr waiting) (cons w still))))))))))

(define* (run-tasks thunks #:key (deadline 60))
  "Run THUNKS as tasks in the current thread, with suspendable ports
installed (and uninstalled afterwards), until every task (including those
they `spawn') has finished.  Return the number of waits.  Raise an error if
a task raised one, or if tasks are still waiting after DEADLINE seconds."
  (dynamic-wind
    install-suspendable-ports!
    (lambda () (run-installed thunks deadline))
    uninstall-suspendable-ports!))

(define (run-installed thunks deadline)
  (let ((scheduler (make-scheduler '() '() 0 '()))
        (end (+ (get-internal-real-time)
                (* deadline internal-time-units-per-second))))
    (define (remaining-seconds)
      (/ (max 0 (- end (get-internal-real-time)))
         internal-time-units-per-second))
    (parameterize ((current-scheduler scheduler)
                   (current-read-waiter
                    (lambda (port) (wait-for-fd (port-read-wait-fd port) 'read)))
                   (current-write-waiter
                    (lambda (port) (wait-for-fd (port-write-wait-fd port) 'write))))
      (for-each spawn thunks)
      (let loop ()
        (let ((runnable (scheduler-runnable scheduler)))
          (cond
           ((pair? runnable)
            (set-scheduler-runnable! scheduler '())
            (for-each (lambda (thunk) (run-task scheduler thunk)) runnable)
            (loop))
           ((pair? (scheduler-waiting scheduler))
            (unless (wake-ready! scheduler (remaining-seconds))
              (error "run-tasks: deadline passed with tasks still waiting"
                     (length (scheduler-waiting scheduler))))
            (loop))))))
    (let ((failures (scheduler-failures scheduler)))
      (unless (null? failures)
        (apply throw (car (last-pair failures)))))
    (scheduler-waits scheduler)))
