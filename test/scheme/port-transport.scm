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

;; The transport reads its port's source several records at a time; what
;; it has read beyond the TLS stream belongs to the port, not the session.
(define* (read-past-the-stream make-port
                               #:key (read-after (lambda (port socket) (read-line port))))
  "Over the port MAKE-PORT returns for a socket, receive 200 KiB in
records and a close_notify followed by plain bytes on the same socket;
return the bytes received, and the line READ-AFTER then reads from the
port or the socket."
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         (lambda (socket)
           (let ((session (make-anonymous-session connection-end/server
                                                  #:fd (fileno socket))))
             (handshake session)
             (put-bytevector (session-record-port session)
                             (make-bytevector (* 200 1024) 42))
             (force-output (session-record-port session))
             (bye session close-request/wr)
             (display "plain text after TLS\n" socket)
             (force-output socket)
             ;; Until the client has read it all.
             (get-u8 socket)))
         (lambda (socket)
           (setvbuf socket 'block 65536)
           (let* ((port (make-port socket))
                  (session (make-anonymous-session connection-end/client
                                                   #:port port)))
             (handshake session)
             (let* ((data (get-bytevector-all (session-record-port session)))
                    (line (read-after port socket)))
               (list (bytevector-length data)
                     (bytevector=? data (make-bytevector (* 200 1024) 42))
                     line))))))
    list))

(test-equal "bytes after the TLS stream stay in a custom transport port"
  '((204800 #t "plain text after TLS") 0)
  (read-past-the-stream wrapping-port))

(test-equal "bytes after the TLS stream stay in a socket transport port"
  '((204800 #t "plain text after TLS") 0)
  (read-past-the-stream identity))

(test-equal "an unbuffered custom transport port reads no further than the TLS stream"
  '((204800 #t "plain text after TLS") 0)
  (read-past-the-stream (lambda (socket)
                          (let ((port (wrapping-port socket)))
                            (setvbuf port 'none)
                            port))
                        ;; The bytes after the stream are still the socket's.
                        #:read-after (lambda (port socket) (read-line socket))))

;; STARTTLS: the program reads its plain-text line, and the port's buffer
;; may already hold the start of the handshake that follows it.
(define (start-tls-after-a-line make-port)
  "The peer writes a line and at once starts a TLS client over the same
socket; here, read the line from the port MAKE-PORT returns, then serve
TLS over that port.  Return the line, the line received over TLS and
whether the end of the stream came next, and the peer's exit status."
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         (lambda (socket)
           (display "STARTTLS\n" socket)
           (force-output socket)
           (let ((session (make-anonymous-session connection-end/client
                                                  #:fd (fileno socket))))
             (handshake session)
             (write-line "inside" (session-record-port session))
             (force-output (session-record-port session))
             (bye session close-request/wr)))
         (lambda (socket)
           (setvbuf socket 'block 65536)
           ;; Both the line and the ClientHello are there by now.
           (usleep 200000)
           (let* ((port (make-port socket))
                  (line (read-line port))
                  (session (make-anonymous-session connection-end/server
                                                   #:port port)))
             (handshake session)
             (let* ((record-port (session-record-port session))
                    (inside (read-line record-port)))
               ;; The peer's close_notify, before this end closes.
               (list line inside (eof-object? (read-char record-port))))))))
    list))

(test-equal "a handshake starts with what the custom port had buffered"
  '(("STARTTLS" "inside" #t) 0)
  (start-tls-after-a-line wrapping-port))

(test-equal "a handshake starts with what the socket port had buffered"
  '(("STARTTLS" "inside" #t) 0)
  (start-tls-after-a-line identity))

(test-end "port-transport")
(test-exit)
