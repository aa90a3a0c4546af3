;;; (cooperative-scheduler) --- many tasks in one thread over suspendable ports.
;;;
;;; A minimal stand-in for Fibers: tasks are thunks run under a prompt;
;;; when a port operation would block, the current read or write waiter of
;;; (ice-9 suspendable-ports) aborts to that prompt, and the task's
;;; continuation waits until `poll' reports its file descriptor ready.
;;; The scheduler counts every wait, so a caller can tell whether some task
;;; spun (woke up over and over without making progress), and it gives up
;;; at a deadline, so that a task that waits forever is an error instead of
;;; a hang.
;;;
;;; It serves thousands of tasks: `poll' takes descriptors of any number
;;; (`select' stops at FD_SETSIZE, 1024), the queue of runnable tasks is
;;; appended to in constant time, and a wake-up costs one pass over the
;;; waiting tasks.

(define-module (cooperative-scheduler)
  #:use-module (ice-9 suspendable-ports)
  #:use-module ((ice-9 ports internal) #:select (port-read-wait-fd port-write-wait-fd))
  #:use-module (ice-9 poll)
  #:use-module (srfi srfi-9)
  #:export (run-tasks
            spawn
            yield-task
            task-wait-count))

(define-record-type <scheduler>
  (make-scheduler runnable waiting waits failures)
  scheduler?
  (runnable scheduler-runnable set-scheduler-runnable!)   ; thunks, last first
  (waiting scheduler-waiting set-scheduler-waiting!)      ; (fd direction . k), last first
  (waits scheduler-waits set-scheduler-waits!)            ; number of waits
  (failures scheduler-failures set-scheduler-failures!))  ; (key . args)

(define current-scheduler (make-parameter #f))
(define scheduler-tag (make-prompt-tag "cooperative-scheduler"))

(define (enqueue! scheduler thunk)
  "Make THUNK run after the tasks already runnable."
  (set-scheduler-runnable! scheduler (cons thunk (scheduler-runnable scheduler))))

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
fd is ready runnable, in the order they began to wait.  Return #f if
nothing became ready in time."
  (let* ((waiting (list->vector (reverse (scheduler-waiting scheduler))))
         (count (vector-length waiting))
         (fds (make-empty-poll-set count)))
    (do ((i 0 (1+ i))) ((= i count))
      (let ((w (vector-ref waiting i)))
        (poll-set-add! fds (car w) (if (eq? (cadr w) 'read) POLLIN POLLOUT))))
    ;; An error or a hang-up counts as ready: the task's retry reports it;
    ;; poll's timeout is an int of milliseconds.
    (and (positive? (poll fds (min (inexact->exact (ceiling (* 1000 seconds)))
                                   (1- (expt 2 31)))))
         (let loop ((i 0) (still '()))
           (if (= i count)
               (begin
                 (set-scheduler-waiting! scheduler still)
                 #t)
               (let ((w (vector-ref waiting i)))
                 (if (zero? (poll-set-revents fds i))
                     (loop (1+ i) (cons w still))
                     (begin
                       (enqueue! scheduler (cddr w))
                       (loop (1+ i) still)))))))))

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
        (let ((runnable (reverse! (scheduler-runnable scheduler))))
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
