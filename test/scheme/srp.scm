;;; SRP credentials: our client against our server in a forked child, with
;;; password files made by `srptool'; wrong passwords, unknown users, missing files,
;;; SRP base64 and wrong types.

(use-modules (srfi srfi-64)
             (ice-9 rdelim)
             (test-support)
             (test-certificates)
             (external-peers)
             (gnutls))

(define srp-priorities
  ;; SRP exists up to TLS 1.2 only.
  "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP")

(define (call-with-srp-files proc)
  "Call PROC with an SRP password file (alice/wonderland, bob/builder) and
its configuration file; delete them afterwards."
  (call-with-temporary-directory "gnutls-srp"
    (lambda (dir)
      (call-with-values
          (lambda ()
            (make-srp-password-files dir '(("alice" . "wonderland")
                                           ("bob" . "builder"))))
        proc))))

(define (srp-server passwords conf)
  "Return a peer procedure: an SRP server on its socket that answers the
client's first line with the SRP user name and that line."
  (lambda (socket)
    (let* ((credentials (make-srp-server-credentials))
           (session (begin
                      (set-srp-server-credentials-files! credentials passwords conf)
                      (session-over-fd connection-end/server socket srp-priorities
                                       credentials))))
      (handshake session)
      (let* ((port (session-record-port session))
             (line (read-line port)))
        (format port "~a ~a~%" (server-session-srp-username session) line)
        (force-output port)
        (bye session close-request/rdwr)))))

(define (srp-exchange passwords conf user password)
  "Log in as USER with PASSWORD to a forked SRP server using the files
PASSWORDS and CONF.  Return the server's answer line, the key exchange,
and the server's exit status, as three values."
  (greeting-exchange
   (srp-server passwords conf)
   (lambda (socket)
     (let ((credentials (make-srp-client-credentials)))
       (set-srp-client-credentials! credentials user password)
       (session-over-fd connection-end/client socket srp-priorities
                        credentials)))
   "hello over srp"))

(test-begin "srp")

;; The SRP credentials types, their predicates and set-session-credentials!
;; are tested with every other kind in credentials-kinds.scm.

(test-equal "no user name before a handshake" #f
  (let ((session (make-session connection-end/server)))
    (set-session-credentials! session (make-srp-server-credentials))
    (server-session-srp-username session)))

(test-group "wrong types"
  (let ((client (make-srp-client-credentials))
        (server (make-srp-server-credentials)))
    (test-assert (wrong-type? (lambda () (set-srp-client-credentials! server "u" "p"))))
    (test-assert (wrong-type? (lambda () (set-srp-client-credentials! client 'u "p"))))
    (test-assert (wrong-type? (lambda () (set-srp-client-credentials! client "u" #f))))
    (test-assert (wrong-type? (lambda ()
                                (set-srp-server-credentials-files! client "a" "b"))))
    (test-assert (wrong-type? (lambda ()
                                (set-srp-server-credentials-files! server "a" 'b))))
    (test-assert (wrong-type? (lambda () (server-session-srp-username client))))
    (test-assert (wrong-type? (lambda () (srp-base64-encode #vu8(1 2 3)))))
    (test-assert (wrong-type? (lambda () (srp-base64-decode 42))))))

(test-group "missing files name the file"
  (call-with-temporary-directory "gnutls-srp-missing"
    (lambda (dir)
      (let ((present (string-append dir "/present"))
            (absent (string-append dir "/absent")))
        (define (error-and-file passwords conf)
          ;; The gnutls-error and the first of its arguments, the file.
          (and=> (gnutls-error-of
                  (lambda ()
                    (set-srp-server-credentials-files!
                     (make-srp-server-credentials) passwords conf)))
                 (lambda (error) (list-head error 2))))
        (call-with-output-file present (lambda (port) (display "\n" port)))
        (test-equal "absent password file"
          (list error/file-error absent)
          (error-and-file absent present))
        (test-equal "absent configuration file"
          (list error/file-error absent)
          (error-and-file present absent))))))

(test-group "SRP base64"
  ;; SRP's alphabet is not RFC 4648's: "hello" is "6XbR6nl", not "aGVsbG8=".
  (test-equal "6XbR6nl" (srp-base64-encode "hello"))
  (test-equal "hello" (srp-base64-decode "6XbR6nl"))
  (test-equal "" (srp-base64-encode ""))
  (for-each (lambda (text)
              (test-equal text (srp-base64-decode (srp-base64-encode text))))
            '("a" "ab" "abc" "abcd" "The quick brown fox" "héllo, wörld λ"))
  (test-assert (gnutls-error-of (lambda () (srp-base64-decode "#not base64#")))))

(define have-srptool (program-available? "srptool" "--version"))

;; It comes with the packages the test suite needs (tools/ensure-packages).
(test-assert "srptool is installed" have-srptool)
(when have-srptool
  (call-with-srp-files
   (lambda (passwords conf)
     (test-group "handshake"
       (call-with-values
           (lambda () (srp-exchange passwords conf "alice" "wonderland"))
         (lambda (answer kx status)
           (test-equal "alice hello over srp" answer)
           (test-eq kx/srp kx)
           (test-eqv 0 status)))
       (call-with-values
           (lambda () (srp-exchange passwords conf "bob" "builder"))
         (lambda (answer kx status)
           (test-equal "bob hello over srp" answer)
           (test-eqv 0 status))))
     (test-group "wrong password fails the handshake"
       (test-assert
        (gnutls-error-of
         (lambda () (srp-exchange passwords conf "alice" "looking-glass")))))
     (test-group "unknown user fails the handshake"
       (test-assert
        (gnutls-error-of
         (lambda () (srp-exchange passwords conf "mallory" "wonderland")))))
     (test-group "file names with non-ASCII characters"
       ;; Guile encodes file names in the locale's encoding: use a UTF-8 one.
       (unless (false-if-exception (setlocale LC_ALL "C.UTF-8"))
         (test-skip 1))
       (test-equal "alice hello over srp"
         (let ((passwords* (string-append (dirname passwords) "/mots-de-passe-é-λ"))
               (conf* (string-append (dirname conf) "/réglages-ü.conf")))
           (copy-file passwords passwords*)
           (copy-file conf conf*)
           (call-with-values
               (lambda () (srp-exchange passwords* conf* "alice" "wonderland"))
             (lambda (answer kx status) answer))))))))

(test-end "srp")
(test-exit)
