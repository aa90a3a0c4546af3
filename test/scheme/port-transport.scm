;;; Sessions over Scheme ports: socket ports, custom ports, ports that
;;; throw, closed ports.

(use-modules (srfi srfi-64)
             (test-support)
             (gnutls)
             (rnrs bytevectors)
             (ice-9 binary-ports)
             (ice-9 rdelim)
             (ice-9 match)
             (srfi srfi-9))


(define (talk session)
  (let ((port (session-record-port session)))
    (handshake session)
    (write-line "over a port" port)
    (let ((reply (read-line port)))
      (bye session close-request/rdwr)
      reply)))

(test-begin "port-transport")

(test-equal "a session over socket ports on both sides"
  '("over a port" 0)
  (anonymous-exchange serve-lines talk
                      #:server-transport 'port #:client-transport 'port))

(test-equal "a session over a custom port"
  '("over a port" 0)
  (anonymous-exchange serve-lines talk
                      #:server-transport 'port #:client-transport wrapping-port))

(test-equal "a throw in the transport reaches the caller of handshake unchanged"
  '(transport-broke (read))
  (call-with-socketpair
   (lambda (a b)
     (let ((session (make-anonymous-session connection-end/client
                                            #:port (wrapping-port a #:fail-read? (const #t)))))
       (catch #t
         (lambda () (handshake session) 'no-exception)
         (lambda (key . args) (list key args)))))))

(define-record-type <transport-failure>
  (make-transport-failure what)
  transport-failure?
  (what transport-failure-what))

(test-assert "a raised non-throw object reaches the caller as the same object"
  (let ((failure (make-transport-failure "gone")))
    (call-with-socketpair
     (lambda (a b)
       (let ((session (make-anonymous-session
                       connection-end/client
                       #:port (wrapping-port a #:fail-read? (const #t)
                                             #:failure (lambda () (raise-exception failure))))))
         (eq? failure
              (call/cc
               (lambda (k)
                 (with-exception-handler k
                   (lambda () (handshake session) 'no-exception))))))))))

(test-equal "after a transport exception the process goes on with other sessions"
  '("over a port" 0)
  (anonymous-exchange serve-lines talk
                      #:server-transport 'port #:client-transport 'port))

(define (receive-through-broken-port receive)
  "Handshake over a port that starts throwing afterwards; return what
RECEIVE, called with the session, raises first and then again."
  (let ((broken? #f))
    (call-with-values
        (lambda ()
          (call-with-forked-peer
           (lambda (socket)
             (let ((session (make-anonymous-session connection-end/server #:fd (fileno socket))))
               (handshake session)
               (record-receive! session (make-bytevector 10))))
           (lambda (socket)
             (let ((session (make-anonymous-session
                             connection-end/client
                             #:port (wrapping-port socket #:fail-read? (lambda () broken?))))
                   (key-of (lambda (thunk)
                             (catch #t (lambda () (thunk) #f) (lambda (key . args) key)))))
               (handshake session)
               (set! broken? #t)
               (let* ((first (key-of (lambda () (receive session))))
                      ;; GnuTLS has seen a fatal pull error: the session is
                      ;; unusable, and says so.
                      (then (key-of (lambda () (receive session)))))
                 (list first then))))))
      list)))

(test-equal "a throw while receiving reaches record-receive!"
  '((transport-broke gnutls-error) 0)
  (receive-through-broken-port
   (lambda (session) (record-receive! session (make-bytevector 10)))))

(test-equal "a throw while receiving reaches the reader of the record port"
  '((transport-broke gnutls-error) 0)
  (receive-through-broken-port
   (lambda (session) (read-char (session-record-port session)))))

(test-equal "a closed transport port is a Scheme error, not a crash"
  'wrong-type-arg
  (call-with-socketpair
   (lambda (a b)
     (let* ((port (wrapping-port a))
            (session (make-anonymous-session connection-end/client #:port port)))
       (close-port port)
       (catch #t
         (lambda () (handshake session) 'no-exception)
         (lambda (key . args) key))))))

(test-equal "setting a closed port as transport is refused"
  'wrong-type-arg
  (let ((port (wrapping-port (open-bytevector-input-port #vu8()))))
    (close-port port)
    (catch #t
      (lambda () (set-session-transport-port! (make-session connection-end/client) port))
      (lambda (key . args) key))))

(test-end "port-transport")
(test-exit)
