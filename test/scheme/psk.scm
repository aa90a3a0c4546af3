;;; PSK credentials: our client against our server in a forked child, over
;;; TLS 1.3 and TLS 1.2, keys raw and hexadecimal, password files, and the
;;; errors for wrong keys, unknown users, missing files and wrong types.

(use-modules (srfi srfi-64)
             (rnrs bytevectors)
             (ice-9 rdelim)
             (test-support)
             (test-certificates)
             ((external-peers) #:select (write-psk-file bytevector->hex))
             (gnutls))

(define tls13-psk-priorities
  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+PSK:+ECDHE-PSK:+DHE-PSK")
(define tls12-psk-priorities
  "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK")

(define alice-key
  ;; 32 bytes, as psktool makes them.
  (u8-list->bytevector (iota 32 7 5)))

(define (call-with-psk-file proc)
  "Call PROC with a PSK password file for alice (alice-key) and bob; delete
it afterwards."
  (call-with-temporary-directory "gnutls-psk"
    (lambda (dir)
      (let ((file (string-append dir "/keys.psk")))
        (write-psk-file file
                        (cons "alice" alice-key)
                        (cons "bob" (make-bytevector 16 42)))
        (proc file dir)))))

(define (psk-server key-file priorities)
  "Return a peer procedure: a PSK server on its socket that answers the
client's first line with the PSK user name, the protocol and that line."
  (lambda (socket)
    (let* ((credentials (make-psk-server-credentials))
           (session (begin
                      (set-psk-server-credentials-file! credentials key-file)
                      (session-over-fd connection-end/server socket priorities
                                       credentials))))
      (handshake session)
      (let* ((port (session-record-port session))
             (line (read-line port)))
        (format port "~a ~a ~a~%" (server-session-psk-username session)
                (protocol->string (session-protocol session)) line)
        (force-output port)
        (bye session close-request/rdwr)))))

(define (make-psk-client-session socket user key format priorities)
  "Return a client session over SOCKET with PSK credentials for USER and
KEY, which nothing but the session refers to."
  (let ((credentials (make-psk-client-credentials)))
    (set-psk-client-credentials! credentials user key format)
    (session-over-fd connection-end/client socket priorities credentials)))

(define* (psk-exchange key-file #:key (user "alice") (key alice-key)
                       (format psk-key-format/raw)
                       (priorities tls13-psk-priorities))
  "Run a PSK client as USER with KEY against a forked PSK server reading
KEY-FILE.  Return the server's answer line, the client session's key
exchange, and the server's exit status, as three values."
  (greeting-exchange
   (psk-server key-file priorities)
   (lambda (socket)
     (let ((session (make-psk-client-session socket user key format
                                             priorities)))
       ;; Only the session refers to the credentials now.
       (gc)
       session))
   "hello over psk"))

(test-begin "psk")

;; The PSK credentials types, their predicates and set-session-credentials!
;; are tested with every other kind in credentials-kinds.scm.

(test-group "wrong types"
  (let ((client (make-psk-client-credentials))
        (server (make-psk-server-credentials)))
    (test-assert (wrong-type? (lambda ()
                                (set-psk-client-credentials! server "alice" alice-key
                                                             psk-key-format/raw))))
    (test-assert (wrong-type? (lambda ()
                                (set-psk-client-credentials! client 'alice alice-key
                                                             psk-key-format/raw))))
    (test-assert (wrong-type? (lambda ()
                                (set-psk-client-credentials! client "alice" "key"
                                                             psk-key-format/raw))))
    (test-assert (wrong-type? (lambda ()
                                (set-psk-client-credentials! client "alice" alice-key
                                                             kx/psk))))
    (test-assert (wrong-type? (lambda ()
                                (set-psk-server-credentials-file! client "/dev/null"))))
    (test-assert (wrong-type? (lambda ()
                                (set-psk-server-credentials-file! server 42))))
    (test-assert (wrong-type? (lambda () (server-session-psk-username server))))))

(test-group "missing password file names the file"
  (let* ((file "/nonexistent/keys.psk")
         (error (gnutls-error-of
                 (lambda ()
                   (set-psk-server-credentials-file! (make-psk-server-credentials)
                                                     file)))))
    (test-eq error/file-error (car error))
    (test-equal file (cadr error))))

(test-equal "no user name before a handshake" #f
  (server-session-psk-username (make-session connection-end/server)))

(call-with-psk-file
 (lambda (key-file dir)
   (test-group "TLS 1.3, raw key"
     (call-with-values (lambda () (psk-exchange key-file))
       (lambda (answer kx status)
         (test-equal "alice TLS1.3 hello over psk" answer)
         (test-assert (memq kx (list kx/psk kx/ecdhe-psk kx/dhe-psk)))
         (test-eqv 0 status))))

   (test-group "TLS 1.2, hexadecimal key"
     (call-with-values
         (lambda ()
           (psk-exchange key-file
                         #:key (string->utf8 (bytevector->hex alice-key))
                         #:format psk-key-format/hex
                         #:priorities tls12-psk-priorities))
       (lambda (answer kx status)
         (test-equal "alice TLS1.2 hello over psk" answer)
         (test-eq kx/psk kx)
         (test-eqv 0 status))))

   (test-group "another user of the same file"
     (call-with-values
         (lambda () (psk-exchange key-file #:user "bob" #:key (make-bytevector 16 42)))
       (lambda (answer kx status)
         (test-equal "bob TLS1.3 hello over psk" answer)
         (test-eqv 0 status))))

   (test-group "wrong key fails the handshake"
     (test-assert
      (gnutls-error-of
       (lambda () (psk-exchange key-file #:key (make-bytevector 32 1))))))

   (test-group "unknown user fails"
     (test-assert
      (gnutls-error-of
       (lambda () (psk-exchange key-file #:user "mallory" #:key alice-key)))))

   (test-group "file name with non-ASCII characters"
     ;; Guile encodes file names in the locale's encoding: use a UTF-8 one.
     (let ((utf8-locale (false-if-exception (setlocale LC_ALL "C.UTF-8"))))
       (if (not utf8-locale)
           (test-skip 1))
       (test-equal "alice TLS1.3 hello over psk"
         (let ((file (string-append dir "/clés-ünïcode-λ.psk")))
           (write-psk-file file (cons "alice" alice-key))
           (call-with-values (lambda () (psk-exchange file))
             (lambda (answer kx status) answer))))))))

(test-end "psk")
(test-exit)
