;;; Credentials of every kind: each is accepted by set-session-credentials!
;;; (found through the Credentials base), each predicate accepts its own
;;; kind only, and anything else is a wrong-type argument that names
;;; credentials.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (test-support)
             (gnutls))

(define kinds
  ;; (NAME MAKE PREDICATE)
  `((anonymous-client ,make-anonymous-client-credentials ,anonymous-client-credentials?)
    (anonymous-server ,make-anonymous-server-credentials ,anonymous-server-credentials?)
    (certificate ,make-certificate-credentials ,certificate-credentials?)
    (psk-client ,make-psk-client-credentials ,psk-client-credentials?)
    (psk-server ,make-psk-server-credentials ,psk-server-credentials?)
    (srp-client ,make-srp-client-credentials ,srp-client-credentials?)
    (srp-server ,make-srp-server-credentials ,srp-server-credentials?)))

(define (outcome thunk)
  "Return 'ok if THUNK returns, else the key and the first two arguments
of the exception it raises (the procedure name and message)."
  (catch #t
    (lambda () (thunk) 'ok)
    (lambda (key . args)
      (cons key (list-head args (min 2 (length args)))))))

(test-begin "credentials-kinds")

(test-equal "set-session-credentials! accepts every kind"
  (map (const 'ok) kinds)
  (map (lambda (kind)
         (outcome (lambda ()
                    (set-session-credentials! (make-session connection-end/client)
                                              ((second kind))))))
       kinds))

(test-equal "each predicate accepts exactly its own kind"
  (map (lambda (kind) (list (first kind) (first kind))) kinds)
  (map (lambda (kind)
         (let ((object ((second kind))))
           (list (first kind)
                 (first (find (lambda (other) ((third other) object)) kinds)))))
       kinds))

(test-equal "predicates reject a session, a number, a symbol and a string"
  '(#f #f #f #f)
  (map (lambda (object) (any (lambda (kind) ((third kind) object)) kinds))
       (list (make-session connection-end/client) 42 'server "client")))

(test-equal "predicates take one argument named obj"
  (map (const '((required obj) (optional) (keyword) (allow-other-keys? . #f) (rest . #f)))
       kinds)
  (map (lambda (kind) ((@ (ice-9 session) procedure-arguments) (third kind))) kinds))

(test-equal "other objects are a wrong-type argument naming credentials"
  '(wrong-type-arg "set-session-credentials!" (2 "credentials"))
  (catch #t
    (lambda ()
      (set-session-credentials! (make-session connection-end/client)
                                (make-session connection-end/server))
      'no-error)
    (lambda (key who message message-args . rest)
      (list key who (list-head message-args 2)))))

(test-end "credentials-kinds")
(test-exit)
