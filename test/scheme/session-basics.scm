;;; Sessions, enumerates, errors and anonymous credentials: what a program
;;; sees before and around a handshake, including its mistakes.

(use-modules (srfi srfi-64)
             (test-support)
             (gnutls)
             (rnrs bytevectors)
             (ice-9 match))

(define-syntax-rule (test-wrong-type name proc-name position expr)
  (test-match name (error-of (lambda () expr))
    (('wrong-type-arg (? (lambda (who) (equal? who proc-name))) _ (position* . _) _)
     (eqv? position* position))))

(test-begin "session-basics")

(test-group "enumerates"
  (test-assert "one object per value" (eq? cipher/aes-128-gcm cipher/aes-128-gcm))
  (test-assert "old aliases are the same object"
    (and (eq? cipher/rijndael-cbc cipher/aes-128-cbc)
         (eq? credentials/anonymous credentials/anon)))
  (test-equal "->string uses GnuTLS's names" "AES-128-GCM" (cipher->string cipher/aes-128-gcm))
  (test-equal "->string of a type without GnuTLS names" "client"
    (connection-end->string connection-end/client))
  (test-equal "printed form" "#<gnutls-kx-enum anon-ecdh>"
    (object->string kx/anon-ecdh))
  (test-wrong-type "types are disjoint"
    "cipher->string" 1 (cipher->string kx/rsa)))

(test-group "errors"
  (test-assert "error->string" (string? (error->string error/again)))
  (test-assert "error/again is not fatal" (not (fatal-error? error/again)))
  (test-assert "a decryption failure is fatal" (fatal-error? error/decryption-failed))
  (test-wrong-type "fatal-error? checks its argument" "fatal-error?" 1 (fatal-error? 42))
  (test-assert "gnutls-version" (string-prefix? "3." (gnutls-version))))

(test-group "sessions"
  (test-assert "make-session and session?"
    (session? (make-session connection-end/client)))
  (test-assert "flags are accepted"
    (session? (make-session connection-end/server connection-flag/no-tickets)))
  (test-assert "not a session" (not (session? 'session)))
  (test-wrong-type "make-session checks the end"
    "make-session" 1 (make-session 'client))
  (test-wrong-type "make-session checks its flags"
    "make-session" 2 (make-session connection-end/client cipher/null))
  (test-wrong-type "handshake checks its argument"
    "handshake" 1 (handshake #f))
  (test-wrong-type "record-send checks its data"
    "record-send" 2 (record-send (make-session connection-end/client) "text"))
  (test-match "set-session-transport-fd! rejects -1"
    (error-of (lambda ()
                (set-session-transport-fd! (make-session connection-end/client) -1)))
    (('out-of-range "set-session-transport-fd!" . _) #t))
  (test-wrong-type "set-session-transport-port! wants an input/output port"
    "set-session-transport-port!" 2
    (set-session-transport-port! (make-session connection-end/client)
                                 (open-input-string ""))))

(test-group "priorities"
  (let ((session (make-session connection-end/client)))
    (test-assert "a valid string" (begin (set-session-priorities! session "NORMAL") #t))
    ;; The offset alone, as guile-gnutls 3.7 raised it.
    (test-equal "an invalid string says where it failed"
      (list 'gnutls-error error/invalid-request 'set-session-priorities! 7)
      (error-of (lambda () (set-session-priorities! session "NORMAL:+BOGUS"))))
    ;; Parsed priorities are kept per string: a failure is not.
    (test-equal "an invalid string fails the same way the second time"
      (list 'gnutls-error error/invalid-request 'set-session-priorities! 7)
      (error-of (lambda () (set-session-priorities! session "NORMAL:+BOGUS")))))
  ;; More strings than the library keeps parsed, then the first again:
  ;; each session negotiates what its own string allows.
  (test-equal "each session gets the priorities of its own string"
    (let ((ciphers (list cipher/aes-128-cbc cipher/aes-256-cbc)))
      (map (lambda (i) (list-ref ciphers (modulo i 2))) (iota 13)))
    (map (lambda (i)
           ;; Anonymous ECDH has CBC suites only.
           (let* ((name (if (even? i) "AES-128-CBC" "AES-256-CBC"))
                  ;; Distinct strings that say the same: the name, again.
                  (text (string-append "NORMAL:-VERS-TLS1.3:+ANON-ECDH:-CIPHER-ALL"
                                       (string-concatenate
                                        (make-list (+ 1 (modulo i 12)) (string-append ":+" name))))))
             (match (anonymous-exchange
                     (lambda (session) (handshake session) (bye session close-request/rdwr))
                     (lambda (session)
                       (set-session-priorities! session text)
                       (handshake session)
                       (let ((cipher (session-cipher session)))
                         (bye session close-request/rdwr)
                         cipher)))
               ((cipher 0) cipher)
               (other other))))
         (iota 13))))

(test-group "no transport"
  (let ((session (make-anonymous-session connection-end/client)))
    ;; (gnutls-error ERROR PROCEDURE), the shape of guile-gnutls's errors,
    ;; which handlers of three arguments expect.
    (test-equal "handshake raises an error instead of reading fd 0"
      (list 'gnutls-error error/invalid-request 'handshake)
      (error-of (lambda () (handshake session))))
    (test-match "record-receive! likewise"
      (error-of (lambda () (record-receive! session (make-bytevector 10))))
      (('gnutls-error err 'record-receive! . _) (eq? err error/invalid-request)))
    (test-match "bye likewise"
      (error-of (lambda () (bye session close-request/rdwr)))
      (('gnutls-error err 'bye . _) (eq? err error/invalid-request)))))

(test-group "DH parameters"
  (let* ((params (make-dh-parameters 1024))
         (pem (pkcs3-export-dh-parameters params x509-certificate-format/pem))
         (again (pkcs3-import-dh-parameters pem x509-certificate-format/pem)))
    (test-assert "generated" (dh-parameters? params))
    (test-assert "exported as PEM"
      (string-prefix? "-----BEGIN DH PARAMETERS" (utf8->string pem)))
    (test-equal "import/export round trip" pem
      (pkcs3-export-dh-parameters again x509-certificate-format/pem))
    (test-assert "DER too"
      (bytevector? (pkcs3-export-dh-parameters again x509-certificate-format/der)))
    (test-match "garbage is a gnutls-error"
      (error-of (lambda () (pkcs3-import-dh-parameters (make-bytevector 10 1)
                                                        x509-certificate-format/der)))
      (('gnutls-error . _) #t))

    (test-equal "an anonymous DHE handshake with these parameters"
      (list kx/anon-dh credentials/anon protocol/tls-1.2 0)
      (call-with-values
          (lambda ()
            (call-with-forked-peer
             (lambda (socket)
               (let ((credentials (make-anonymous-server-credentials))
                     (session (make-session connection-end/server)))
                 (set-anonymous-server-dh-parameters! credentials params)
                 (set-session-credentials! session credentials)
                 (set-session-priorities! session "NORMAL:-VERS-TLS1.3:-KX-ALL:+ANON-DH")
                 (set-session-transport-fd! session (fileno socket))
                 (handshake session)
                 (bye session close-request/rdwr)))
             (lambda (socket)
               (let ((session (make-anonymous-session connection-end/client
                                                      #:fd (fileno socket))))
                 (handshake session)
                 (let ((result (list (session-kx session)
                                     (session-authentication-type session)
                                     (session-protocol session))))
                   (bye session close-request/rdwr)
                   result)))))
        (lambda (result status) (append result (list status)))))))

(test-group "after a handshake"
  (test-equal "what was negotiated, alerts, rehandshake refused"
    (list protocol/tls-1.2 kx/anon-ecdh credentials/anon credentials/anon credentials/anon
          compression-method/null #t error/rehandshake 0)
    (apply
     (lambda (result status) (append result (list status)))
     (anonymous-exchange
      (lambda (session)
        (handshake session)
        (rehandshake session)
        ;; The client refuses with a warning alert.
        (catch 'gnutls-error
          (lambda () (handshake session) (primitive-exit 2))
          (lambda (key err . _)
            (unless (eq? (alert-get session) alert-description/no-renegotiation)
              (primitive-exit 3))))
        (record-send session (string->utf8 "done"))
        (bye session close-request/wr))
      (lambda (session)
        (handshake session)
        (let ((negotiated (list (session-protocol session)
                                (session-kx session)
                                (session-authentication-type session)
                                (session-server-authentication-type session)
                                (session-client-authentication-type session)
                                (session-compression-method session)
                                (string? (cipher->string (session-cipher session)))))
              (refused (catch 'gnutls-error
                         (lambda () (record-receive! session (make-bytevector 100)) #f)
                         (lambda (key err . _) err))))
          (alert-send session alert-level/warning alert-description/no-renegotiation)
          (let ((buffer (make-bytevector 100)))
            (record-receive! session buffer)
            ;; Wait for the peer's close_notify: closing the socket
            ;; before it is sent would fail the peer's bye.
            (record-receive! session buffer))
          (append negotiated (list refused))))))))

(test-end "session-basics")
(test-exit)
