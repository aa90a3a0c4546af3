;;; (argument-sweep) --- call a procedure with every hostile argument.
;;;
;;; A procedure reachable from Scheme must answer any argument with a value
;;; or a clear error, never a crash or a hang.  `argument-sweep' starts from
;;; arguments that work, replaces one position at a time by each of a pool
;;; of values of the wrong kind, and reports every call that did something
;;; else than return or raise one of the errors a checked argument raises.
;;; The calls run in a forked child with an alarm, so a crash or a hang is
;;; reported rather than ending the test.

(define-module (argument-sweep)
  #:use-module (ice-9 match)
  #:use-module (srfi srfi-1)
  #:use-module (srfi srfi-4)
  #:use-module (rnrs bytevectors)
  #:use-module (gnutls)
  #:use-module (test-support)
  #:export (hostile-values
            argument-sweep))

(define (hostile-values)
  "Return a fresh list of values of many kinds, most of them wrong for any
given argument: booleans, integers out of every range, strings, symbols,
lists, empty and odd-sized uniform vectors, a procedure, enumerates of
unrelated kinds and an object of another of this module's types."
  (list #f #t 0 -1 (expt 2 70) (- (expt 2 70)) 1.5 "" "x" 'symbol '()
        (list 1 2) (make-bytevector 0) (make-bytevector 3 255)
        (make-u32vector 2 0) (make-vector 1 #f) (lambda () 1)
        connection-end/client alert-level/fatal
        (make-session connection-end/client)))

(define accepted-errors
  ;; What a checked argument raises: the argument's type or range, or
  ;; GnuTLS refusing the value.
  '(wrong-type-arg out-of-range gnutls-error))

(define (outcome thunk)
  (catch #t
    (lambda () (thunk) 'returned)
    (lambda (key . args) key)))

(define (replace lst position value)
  (append (take lst position) (list value) (drop lst (+ position 1))))

(define* (argument-sweep proc valid-arguments
                         #:key (pool (hostile-values)) (timeout 30))
  "Call PROC with VALID-ARGUMENTS, then with each of them replaced in turn
by each value of POOL.  Return the list of problems, empty when there are
none: (valid-call KEY) if the call with VALID-ARGUMENTS raised KEY (the
sweep would prove nothing), (POSITION VALUE KEY) for a call that raised
KEY, an error no checked argument raises (POSITION counts from 1, VALUE is
written as a string), or (child ...) if the calls crashed or hung, as
`call-in-child' reports it."
  (match (call-in-child
          (lambda ()
            (let ((valid (outcome (lambda () (apply proc valid-arguments)))))
              (if (not (eq? valid 'returned))
                  (list (list 'valid-call valid))
                  (append-map
                   (lambda (position)
                     (filter-map
                      (lambda (value)
                        (let ((key (outcome
                                    (lambda ()
                                      (apply proc (replace valid-arguments
                                                           position value))))))
                          (and (not (eq? key 'returned))
                               (not (memq key accepted-errors))
                               (list (+ position 1)
                                     (object->string value) key))))
                      pool))
                   (iota (length valid-arguments))))))
          #:timeout timeout)
    (('exited 0 problems) problems)
    (other (list (cons 'child other)))))
