;;; Session phases: which operations a session allows before its handshake,
;;; while it is in progress, once it is established, after it failed and
;;; after bye, and the errors misuse gets (misuse-matrix.scm checks that no
;;; state crashes anything; this file checks what each one answers).

(use-modules (srfi srfi-64)
             (ice-9 match)
             (ice-9 binary-ports)
             (rnrs bytevectors)
             (test-support)
             (session-kinds)
             (gnutls))

(define (outcome thunk)
  "Call THUNK: (value V), (gnutls-error ERROR PROCEDURE), or (KEY) for
another exception."
  (catch #t
    (lambda () (list 'value (thunk)))
    (lambda (key . args)
      (match (cons key args)
        (('gnutls-error error procedure . _) (list key error procedure))
        (_ (list key))))))

(define (error-message thunk)
  "What the error printer shows for the gnutls-error THUNK raises: the
explanation travels beside the error's three arguments."
  (printed-error thunk))

(define (post-handshake-operations session)
  "Thunks calling every operation that needs an established session."
  `((rehandshake . ,(lambda () (rehandshake session)))
    (reauthenticate . ,(lambda () (reauthenticate session)))
    (record-send . ,(lambda () (record-send session #vu8(1 2 3))))
    (record-receive! . ,(lambda () (record-receive! session (make-bytevector 8))))
    (alert-send . ,(lambda () (alert-send session alert-level/warning
                                          alert-description/user-canceled)))
    (port-write . ,(lambda ()
                     (let ((port (session-record-port session)))
                       (put-u8 port 1)
                       (force-output port))))
    (port-read . ,(lambda () (get-u8 (session-record-port session))))))

(define (error-names session)
  "For each post-handshake operation on SESSION, its name and the error it
raised (or 'returned)."
  (map (match-lambda
         ((name . thunk)
          (cons name (match (outcome thunk)
                       (('gnutls-error error _) (error->string error))
                       (other other)))))
       (post-handshake-operations session)))

(define invalid (error->string error/invalid-request))

(define (all-invalid)
  (map (lambda (name) (cons name invalid))
       '(rehandshake reauthenticate record-send record-receive! alert-send
         port-write port-read)))

(define (server-with priorities socket)
  (make-kind-session connection-end/server priorities #:fd (fileno socket)))

(test-begin "session-states")

(test-group "before the handshake"
  (for-each
   (match-lambda
     ((label priorities)
      (test-equal (string-append "every post-handshake operation raises (" label ")")
        (all-invalid)
        (call-with-socketpair
         (lambda (ours theirs)
           (error-names (server-with priorities ours)))))))
   (map (lambda (kind) (list (car kind) (cdr kind))) protocol-kinds))

  (test-assert "the message says why"
    (call-with-socketpair
     (lambda (ours theirs)
       (let ((message (error-message
                       (lambda () (rehandshake (server-with "NORMAL" ours))))))
         (and message (string-contains message "handshake has not completed"))))))

  (test-equal "bye raises too"
    `(gnutls-error ,error/invalid-request bye)
    (call-with-socketpair
     (lambda (ours theirs)
       (outcome (lambda () (bye (server-with "NORMAL" ours) close-request/rdwr)))))))

(test-group "what was negotiated, before any handshake"
  ;; GnuTLS answers defaults (the priorities' highest version, the null
  ;; cipher, close_notify for the last alert) before a handshake.
  (let ((session (make-kind-session connection-end/server "NORMAL")))
    (test-equal "every getter raises"
      (map (lambda (name) (cons name invalid))
           '(session-cipher session-kx session-mac session-protocol
             session-certificate-type session-authentication-type
             session-server-authentication-type session-client-authentication-type
             alert-get))
      (map (lambda (getter)
             (cons (procedure-name getter)
                   (match (outcome (lambda () (getter session)))
                     (('gnutls-error error _) (error->string error))
                     (other other))))
           (list session-cipher session-kx session-mac session-protocol
                 session-certificate-type session-authentication-type
                 session-server-authentication-type session-client-authentication-type
                 alert-get)))
    (test-assert "saying why"
      (string-contains (or (error-message (lambda () (session-protocol session))) "")
                       "nothing was negotiated"))))

(test-group "no priorities, a closed transport"
  ;; GnuTLS crashed sending the courtesy alert, and in bye and alert-send.
  (let ((session (make-session connection-end/server))
        (socket (let ((pair (socketpair PF_UNIX SOCK_STREAM 0)))
                  (close-port (cdr pair))
                  (car pair))))
    (set-session-transport-fd! session (fileno socket))
    (test-equal "handshake says so"
      `(gnutls-error ,error/no-priorities-were-set handshake)
      (outcome (lambda () (handshake session))))
    (test-equal "then bye is harmless" '(value #t)
      (outcome (lambda () (bye session close-request/rdwr) #t)))
    (test-equal "and a second bye is an error"
      `(gnutls-error ,error/invalid-request bye)
      (outcome (lambda () (bye session close-request/rdwr))))
    (close-port socket)))

(test-group "after a failed handshake"
  (call-with-socketpair
   (lambda (ours theirs)
     (let ((session (server-with "NORMAL" ours)))
       ;; Not a TLS record: the handshake fails on its own account.
       (put-bytevector theirs (string->utf8 "GET / HTTP/1.0\r\n\r\n"))
       (force-output theirs)
       (test-equal "the handshake fails"
         `(gnutls-error ,error/unexpected-packet handshake)
         (outcome (lambda () (handshake session))))
       (test-equal "post-handshake operations raise" (all-invalid)
         (error-names session))
       (test-equal "so does a second handshake"
         `(gnutls-error ,error/invalid-request handshake)
         (outcome (lambda () (handshake session))))
       (test-assert "whose message says the session is spent"
         (string-contains (or (error-message (lambda () (handshake session))) "")
                          "failed"))
       (test-equal "bye is harmless, once" (list '(value #t) `(gnutls-error ,error/invalid-request bye))
         (list (outcome (lambda () (bye session close-request/rdwr) #t))
               (outcome (lambda () (bye session close-request/rdwr)))))))))

(test-group "while a handshake is in progress"
  (call-with-socketpair
   (lambda (ours silent)
     (fcntl ours F_SETFL (logior O_NONBLOCK (fcntl ours F_GETFL)))
     (let ((session (make-anonymous-session connection-end/client #:fd (fileno ours))))
       (test-equal "a non-blocking handshake waits"
         `(gnutls-error ,error/again handshake)
         (outcome (lambda () (handshake session))))
       (test-equal "sending is unavailable"
         `(gnutls-error ,error/unavailable-during-handshake record-send)
         (outcome (lambda () (record-send session #vu8(1)))))
       (test-equal "rehandshake is refused"
         `(gnutls-error ,error/invalid-request rehandshake)
         (outcome (lambda () (rehandshake session))))
       (test-equal "bye abandons it" '(value #t)
         (outcome (lambda () (bye session close-request/wr) #t)))
       (test-equal "after which the handshake may not go on"
         `(gnutls-error ,error/invalid-request handshake)
         (outcome (lambda () (handshake session))))))))

(define (with-established-pair priorities server-part client-part)
  "Handshake a server (in a child, running SERVER-PART on its session) and
a client (running CLIENT-PART); return CLIENT-PART's value."
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         (lambda (socket)
           (server-part (let ((server (server-with priorities socket)))
                          (handshake server)
                          server)))
         (lambda (socket)
           (let ((client (make-kind-session connection-end/client priorities
                                            #:fd (fileno socket))))
             (handshake client)
             (client-part client)))
         #:timeout 10))
    (lambda (value status) (list value status))))

(for-each
 (match-lambda
   ((label priorities)
    (test-equal (string-append "after bye (" label ")")
      `(((value 0)
         (gnutls-error ,error/invalid-session record-send)
         (gnutls-error ,error/invalid-request rehandshake)
         (gnutls-error ,error/invalid-request reauthenticate)
         (gnutls-error ,error/invalid-request alert-send)
         (gnutls-error ,error/invalid-request bye)
         (gnutls-error ,error/invalid-request handshake))
        0)
      (with-established-pair
       priorities
       (lambda (server) (bye server close-request/rdwr))
       (lambda (client)
         (bye client close-request/rdwr)
         (unless (and (eq? (alert-get client) alert-description/close-notify)
                      (eq? (session-protocol client)
                           (if (string=? label "TLS 1.3")
                               protocol/tls-1.3 protocol/tls-1.2)))
           (error "what was negotiated is no longer readable after bye"))
         (map outcome
              (list (lambda () (record-receive! client (make-bytevector 8)))
                    (lambda () (record-send client #vu8(1)))
                    (lambda () (rehandshake client))
                    (lambda () (reauthenticate client))
                    (lambda () (alert-send client alert-level/warning
                                           alert-description/user-canceled))
                    (lambda () (bye client close-request/rdwr))
                    (lambda () (handshake client)))))))))
 (map (lambda (kind) (list (car kind) (cdr kind))) protocol-kinds))

(test-equal "after bye close-request/wr the peer's data still arrives"
  '(((value 3) (value 0)) 0)
  (with-established-pair
   anonymous-priorities
   (lambda (server)
     (get-u8 (session-record-port server))   ; the client's close_notify: EOF
     (record-send server #vu8(1 2 3))
     (bye server close-request/wr))
   (lambda (client)
     (bye client close-request/wr)
     (let ((buffer (make-bytevector 8)))
       (list (outcome (lambda () (record-receive! client buffer)))
             (outcome (lambda () (record-receive! client buffer))))))))

(test-end "session-states")
(test-exit)
