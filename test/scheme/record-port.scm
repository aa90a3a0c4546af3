;;; The record port: the manual's example, interactive protocols, EOF,
;;; identity, close procedures, and errors after bye or close.

(use-modules (srfi srfi-64)
             (test-support)
             (gnutls)
             (rnrs bytevectors)
             (rnrs io ports)
             (ice-9 rdelim)
             (ice-9 match))

(define (error-key thunk)
  (catch #t (lambda () (thunk) #f) (lambda (key . args) key)))

(define (error-enumerate-of thunk)
  "The error enumerate of the gnutls-error THUNK raises, or #f."
  (catch 'gnutls-error (lambda () (thunk) #f) (lambda (key err . args) err)))

(test-begin "record-port")

(test-equal "the manual's example: display then read, no force-output"
  '((peer said Hello) 0)
  (anonymous-exchange
   (lambda (session)
     (let ((i/o (session-record-port session)))
       (handshake session)
       (let ((what (read i/o)))
         (write `(peer said ,what) i/o)
         (bye session close-request/rdwr))))
   (lambda (session)
     (let ((i/o (session-record-port session)))
       (handshake session)
       (display "Hello peer!" i/o)
       (let ((reply (read i/o)))
         (bye session close-request/rdwr)
         reply)))))

(test-equal "a line protocol: request, reply, request, ..."
  '(100 0)
  (anonymous-exchange
   (lambda (session)
     (serve-lines session #:reply string-length))
   (lambda (session)
     (let ((port (session-record-port session)))
       (handshake session)
       (let loop ((i 0) (ok 0))
         (if (= i 100)
             (begin (bye session close-request/rdwr) ok)
             (begin
               (format port "~a~%" (make-string i #\x))
               (loop (+ i 1)
                     (if (equal? (read-line port) (number->string i)) (+ ok 1) ok)))))))))

(test-equal "a peer closing without close_notify reads as EOF"
  '(("partial data" #t) 0)
  (anonymous-exchange
   (lambda (session)
     (let ((port (session-record-port session)))
       (handshake session)
       (display "partial data" port)
       (force-output port)
       ;; Gone, without bye.
       (primitive-exit 0)))
   (lambda (session)
     (let ((port (session-record-port session)))
       (handshake session)
       (let* ((text (get-string-all port))
              (eof (eof-object? (read-char port))))
         (list text eof))))))

(test-equal "record-receive! returns 0 at a premature end"
  '(0 0)
  (anonymous-exchange
   (lambda (session)
     (handshake session)
     (primitive-exit 0))
   (lambda (session)
     (handshake session)
     (record-receive! session (make-bytevector 64)))))

(test-group "identity and close procedures"
  (let* ((session (make-session connection-end/client))
         (closed '())
         (port (session-record-port session (lambda (p) (set! closed (cons p closed))))))
    (test-assert "eq? across calls" (eq? port (session-record-port session)))
    (test-assert "an input and output port" (and (input-port? port) (output-port? port)))
    (close-port port)
    (test-equal "the close procedure gets the port, once" (list port) closed)
    (close-port port)
    (test-equal "closing twice calls it once" 1 (length closed))
    (test-eq "the closed port is still the session's port" port (session-record-port session))
    (test-eq "reading a closed record port is a Scheme error" 'wrong-type-arg
      (error-key (lambda () (read-char port)))))

  (let* ((session (make-session connection-end/client))
         (port (session-record-port session))
         (called #f))
    (set-session-record-port-close! port (lambda (p) (set! called (eq? p port))))
    (close-port port)
    (test-assert "set-session-record-port-close!" called))

  (test-eq "set-session-record-port-close! wants a record port" 'wrong-type-arg
    (error-key (lambda () (set-session-record-port-close! (current-output-port) display))))

  (test-assert "the close procedure runs when the port is garbage-collected"
    (let ((count 0))
      (let loop ((i 0))
        (when (< i 50)
          (session-record-port (make-session connection-end/client)
                               (lambda (p) (set! count (+ count 1))))
          (loop (+ i 1))))
      (let wait ((tries 0))
        (gc)
        (cond ((> count 0) #t)
              ((> tries 100) #f)
              (else (usleep 10000) (wait (+ tries 1))))))))

(test-equal "bye twice, sending after bye, writing after bye: Scheme errors"
  (list (list error/invalid-request error/invalid-session 'gnutls-error) 0)
  (anonymous-exchange
   (lambda (session)
     (handshake session)
     (record-receive! session (make-bytevector 10)))
   (lambda (session)
     (let ((port (session-record-port session)))
       (handshake session)
       (bye session close-request/wr)
       (list (error-enumerate-of (lambda () (bye session close-request/wr)))
             (error-enumerate-of (lambda () (record-send session #vu8(1 2 3))))
             (error-key (lambda () (display "late" port) (force-output port))))))))

(test-end "record-port")
(test-exit)
