;;; A record port keeps its session, the session's credentials and its
;;; transport alive; once the port is unreachable, all of it is collected.

(use-modules (srfi srfi-64)
             (test-support)
             (gnutls)
             (ice-9 binary-ports)
             (ice-9 rdelim))

(define (echo-server socket)
  (let* ((session (make-anonymous-session connection-end/server #:fd (fileno socket)))
         (port (session-record-port session)))
    (handshake session)
    (let loop ()
      (let ((line (read-line port)))
        (unless (eof-object? line)
          (write-line line port)
          (loop))))
    ;; Clients that keep only their record port close it without bye.
    (catch 'gnutls-error
      (lambda () (bye session close-request/rdwr))
      (const #f))))

(define (garbage!)
  "Allocate and collect, so that anything unreferenced is reclaimed."
  (let loop ((i 0))
    (when (< i 5)
      (make-vector 100000 i)
      (gc)
      (loop (+ i 1)))))

(define* (record-port-only socket guardian #:key port-transport?)
  "Set up and handshake a client session over SOCKET; return only its
record port.  Session, credentials and transport are referenced by the
port alone; the session is also registered with GUARDIAN."
  (let ((session (make-session connection-end/client)))
    (set-session-priorities! session anonymous-priorities)
    (set-session-credentials! session (make-anonymous-client-credentials))
    (if port-transport?
        (set-session-transport-port! session (wrapping-port socket))
        (set-session-transport-fd! session (fileno socket)))
    (handshake session)
    (guardian session)
    (session-record-port session)))

(define (exchange-through-port-alone port-transport?)
  (let ((guardian (make-guardian)))
    (call-with-values
        (lambda ()
          (call-with-forked-peer
           echo-server
           (lambda (socket)
             (let ((port (record-port-only socket guardian #:port-transport? port-transport?)))
               (let loop ((i 0) (ok 0))
                 (if (= i 50)
                     (begin (close-port port) ok)
                     (begin
                       (garbage!)
                       (write-line (number->string i) port)
                       (loop (+ i 1)
                             (if (equal? (read-line port) (number->string i))
                                 (+ ok 1)
                                 ok)))))))))
      (lambda (ok status)
        ;; Now the port is gone too: the session must be collectable.
        (let wait ((tries 0))
          (garbage!)
          (cond ((guardian) (list ok status 'collected))
                ((> tries 50) (list ok status 'leaked))
                (else (usleep 10000) (wait (+ tries 1)))))))))

(test-begin "lifetimes")

(test-equal "over an fd, the record port alone keeps the session working under (gc)"
  '(50 0 collected)
  (exchange-through-port-alone #f))

(test-equal "over a Scheme port, the record port alone keeps session, credentials and transport alive"
  '(50 0 collected)
  (exchange-through-port-alone #t))

(test-assert "credentials dropped before the handshake stay alive for the session"
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         echo-server
         (lambda (socket)
           (let ((session (make-session connection-end/client)))
             (set-session-priorities! session anonymous-priorities)
             (set-session-credentials! session (make-anonymous-client-credentials))
             (set-session-transport-fd! session (fileno socket))
             (garbage!)
             (handshake session)
             (let ((port (session-record-port session)))
               (write-line "still here" port)
               (let ((reply (read-line port)))
                 (bye session close-request/rdwr)
                 reply))))))
    (lambda (reply status) (and (equal? reply "still here") (zero? status)))))

(test-end "lifetimes")
(test-exit)
