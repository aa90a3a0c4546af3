;;; The values programs written for the guile-gnutls 3.7 bindings see:
;;; binary data as SRFI-4 u8vectors, two values past the last alternative
;;; name, flag lists and distinguished names in the old order, errors with
;;; the old arguments; and `session-end-of-stream', which tells a
;;; close_notify from a vanished peer.  The expected bytes are what the
;;; 3.7 bindings return for the fixed credentials in test/data.

(use-modules (srfi srfi-4)
             (srfi srfi-64)
             (rnrs bytevectors)
             (ice-9 binary-ports)
             (test-support)
             (gnutls))

(define (data-file name)
  ;; Kept with the tests; a missing file is a failure, not a reason to skip.
  (string-append (or (getenv "MESON_SOURCE_ROOT") ".") "/test/data/" name))

(define (data-bytes name)
  (call-with-input-file (data-file name) get-bytevector-all #:binary #t))

(define (pem-certificate name)
  (import-x509-certificate (data-bytes name) x509-certificate-format/pem))

(define server (pem-certificate "compat-server-cert.pem"))
(define ca (pem-certificate "compat-ca-cert.pem"))

(define (u8vector-and-bytes v)
  "V's kind and contents, so that a failure prints both."
  (list (u8vector? v) (and (bytevector? v) (bytevector->u8-list v))))

(define (expected-u8vector bytes)
  "What `u8vector-and-bytes' gives for a u8vector holding BYTES."
  (list #t (bytevector->u8-list bytes)))

(define (raised-or-values thunk)
  "The key and arguments of what THUNK raises, or its values as a list."
  (catch #t
    (lambda () (call-with-values thunk list))
    (lambda (key . args) (cons key args))))

(test-begin "compat-values")

(test-group "binary results are u8vectors"
  (test-equal "fingerprint"
    (list #t '(204 36 108 226 44 23 17 242 223 166 38 235 178 165 35 94
               233 0 55 14 39 188 106 242 199 14 3 121 121 175 95 211))
    (u8vector-and-bytes (x509-certificate-fingerprint server digest/sha256)))
  (test-equal "key id"
    (list #t '(120 138 231 179 224 147 128 168 167 208 254 111 229 200 11 7
               167 161 242 179))
    (u8vector-and-bytes (x509-certificate-key-id server)))
  (test-equal "subject key id"
    (list #t '(120 138 231 179 224 147 128 168 167 208 254 111 229 200 11 7
               167 161 242 179))
    (u8vector-and-bytes (x509-certificate-subject-key-id server)))
  (test-equal "authority key id"
    (list #t '(107 107 90 17 53 132 162 196 142 11 172 121 217 235 209 203
               67 208 119 51))
    (u8vector-and-bytes (x509-certificate-authority-key-id server)))
  (test-equal "a self-signed CA has no authority key id"
    (list 'gnutls-error error/requested-data-not-available
          'x509-certificate-authority-key-id)
    (raised-or-values (lambda () (x509-certificate-authority-key-id ca))))
  (test-equal "the printed form is #u8"
    "#u8(107 107 90"
    (string-take (object->string (x509-certificate-authority-key-id server)) 14))
  (let ((dh (pkcs3-import-dh-parameters (data-bytes "compat-dh.pem")
                                        x509-certificate-format/pem)))
    (test-equal "PKCS#3 export, PEM"
      (expected-u8vector (data-bytes "compat-dh.pem"))
      (u8vector-and-bytes (pkcs3-export-dh-parameters dh x509-certificate-format/pem)))
    (test-equal "PKCS#3 export, DER"
      (expected-u8vector (data-bytes "compat-dh.der"))
      (u8vector-and-bytes (pkcs3-export-dh-parameters dh x509-certificate-format/der)))))

(test-group "x509 accessors"
  (test-equal "alternative names, then #f #f"
    (list (list x509-subject-alternative-name/dnsname "localhost")
          (list x509-subject-alternative-name/ipaddress "127.0.0.1")
          (list x509-subject-alternative-name/ipaddress "::1")
          (list #f #f)
          (list #f #f))
    (map (lambda (i)
           (call-with-values
               (lambda () (x509-certificate-subject-alternative-name server i))
             list))
         '(0 1 2 3 100)))
  (test-equal "key usage in the old order"
    (list key-usage/crl-sign key-usage/key-cert-sign)
    (x509-certificate-key-usage ca))
  (test-equal "one key usage"
    (list key-usage/digital-signature)
    (x509-certificate-key-usage server))
  (test-equal "dn in certificate order"
    "O=Compat,CN=localhost" (x509-certificate-dn server))
  (test-equal "issuer dn in certificate order"
    "O=Compat,CN=Compat Test CA" (x509-certificate-issuer-dn server)))

(define (server-credentials)
  (let ((credentials (make-certificate-credentials)))
    (set-certificate-credentials-x509-key-data!
     credentials (data-bytes "compat-server-cert.pem")
     (data-bytes "compat-server-key.pem") x509-certificate-format/pem)
    credentials))

(define tls13 "NORMAL:-VERS-ALL:+VERS-TLS1.3")

(define* (certificate-server socket #:key (report (const #t)))
  "Handshake as the server over SOCKET, write REPORT's result (a
bytevector, or nothing) and close."
  (let ((session (make-session connection-end/server)))
    (set-session-priorities! session tls13)
    (set-session-credentials! session (server-credentials))
    (set-session-transport-fd! session (fileno socket))
    (handshake session)
    (let ((bytes (report session)))
      (when (bytevector? bytes)
        (record-send session bytes)))
    (bye session close-request/wr)))

(define (certificate-client socket)
  "A client session over SOCKET that trusts nobody."
  (let ((session (make-session connection-end/client)))
    (set-session-priorities! session tls13)
    (set-session-credentials! session (make-certificate-credentials))
    (set-session-transport-fd! session (fileno socket))
    session))

(define (receive-all session)
  "Bytes until the end of the stream, as a list."
  (let ((buffer (make-bytevector 4096)))
    (let loop ((received '()))
      (let ((n (record-receive! session buffer)))
        (if (zero? n)
            (concatenate-bytes (reverse received))
            (loop (cons (bytevector-copy-prefix buffer n) received)))))))

(define (bytevector-copy-prefix bv n)
  (let ((copy (make-bytevector n)))
    (bytevector-copy! bv 0 copy 0 n)
    copy))

(define (concatenate-bytes bvs)
  (apply append (map bytevector->u8-list bvs)))

(test-group "sessions"
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         (lambda (socket)
           (certificate-server
            socket
            #:report (lambda (session)
                       ;; The server's view of its own chain, sent back.
                       (let ((ours (session-our-certificate-chain session)))
                         (u8-list->bytevector
                          (map (lambda (v) (if (u8vector? v) 1 0)) ours))))))
         (lambda (socket)
           (let ((session (certificate-client socket)))
             (handshake session)
             (list (map u8vector-and-bytes (session-peer-certificate-chain session))
                   (peer-certificate-status session)
                   (session-our-certificate-chain session)
                   (receive-all session))))))
    (lambda (result exit)
      (test-equal "peer chain: u8vectors of the DER certificate"
        (list (expected-u8vector (data-bytes "compat-server-cert.der")))
        (car result))
      (test-equal "certificate status in the old order"
        (list certificate-status/signer-not-found certificate-status/invalid)
        (cadr result))
      (test-equal "a client without a certificate: no chain" '() (caddr result))
      (test-equal "the server's own chain: one u8vector" '(1) (cadddr result))
      (test-eqv "server exit" 0 exit)))
  (call-with-values
      (lambda ()
        (call-with-forked-peer
         certificate-server
         (lambda (socket)
           (let ((session (certificate-client socket)))
             (set-session-peer-verification! session "localhost")
             (raised-or-values (lambda () (handshake session)))))))
    (lambda (result exit)
      (test-equal "verification error: the reasons in the same order"
        (list 'gnutls-error error/certificate-verification-error 'handshake
              (list certificate-status/signer-not-found certificate-status/invalid))
        result))))

;; Errors have the shape guile-gnutls gave them, (gnutls-error ERROR
;; PROCEDURE) with only the extra arguments it gave, so that handlers of
;; three arguments keep working.
(test-group "error arguments"
  (test-equal "an invalid priority string: the offset"
    (list 'gnutls-error error/invalid-request 'set-session-priorities! 7)
    (raised-or-values (lambda ()
                (set-session-priorities! (make-session connection-end/client)
                                         "NORMAL:+BOGUS"))))
  (test-equal "a three-argument handler"
    (list error/invalid-request 'handshake)
    (catch 'gnutls-error
      (lambda () (handshake (make-anonymous-session connection-end/client)))
      (lambda (key error procedure) (list error procedure))))
  (apply
   (lambda (result exit)
     (test-equal "send after bye, as guile-gnutls raised it"
       (list 'gnutls-error error/invalid-session 'record-send)
       (car result))
     (test-equal "bye twice"
       (list 'gnutls-error error/invalid-request 'bye)
       (cadr result))
     (test-eqv "peer exit" 0 exit))
   (anonymous-exchange
    (lambda (session)
      (handshake session)
      (receive-all session))
    (lambda (session)
      (handshake session)
      (bye session close-request/wr)
      (list (raised-or-values (lambda () (record-send session (string->utf8 "late"))))
            (raised-or-values (lambda () (bye session close-request/wr))))))))

;; A peer that says hello and then either closes the TLS session or just
;; closes the connection.
(define (anonymous-peer say-bye?)
  (lambda (socket)
    (let ((session (make-anonymous-session connection-end/server
                                           #:fd (fileno socket))))
      (handshake session)
      (record-send session (string->utf8 "hello"))
      (when say-bye?
        (bye session close-request/wr)))))

(define (end-through-record-receive say-bye?)
  (call-with-forked-peer
   (anonymous-peer say-bye?)
   (lambda (socket)
     (let ((session (make-anonymous-session connection-end/client
                                            #:fd (fileno socket))))
       (handshake session)
       (let* ((before (session-end-of-stream session))
              (bytes (receive-all session)))
         (list before (utf8->string (u8-list->bytevector bytes))
               (session-end-of-stream session)
               ;; The end stays the end.
               (record-receive! session (make-bytevector 10))
               (session-end-of-stream session)))))))

(define (end-through-record-port say-bye?)
  (call-with-forked-peer
   (anonymous-peer say-bye?)
   (lambda (socket)
     (let* ((session (make-anonymous-session connection-end/client
                                             #:fd (fileno socket)))
            (port (session-record-port session)))
       (handshake session)
       (let* ((before (session-end-of-stream session))
              (text (utf8->string (get-bytevector-all port))))
         (list before text (session-end-of-stream session)))))))

(test-group "session-end-of-stream"
  (call-with-values (lambda () (end-through-record-receive #t))
    (lambda (result exit)
      (test-equal "close_notify, record-receive!"
        '(#f "hello" close-notify 0 close-notify) result)
      (test-eqv "peer exit" 0 exit)))
  (call-with-values (lambda () (end-through-record-receive #f))
    (lambda (result exit)
      (test-equal "premature, record-receive!"
        '(#f "hello" premature 0 premature) result)))
  (call-with-values (lambda () (end-through-record-port #t))
    (lambda (result exit)
      (test-equal "close_notify, record port"
        '(#f "hello" close-notify) result)))
  (call-with-values (lambda () (end-through-record-port #f))
    (lambda (result exit)
      (test-equal "premature, record port"
        '(#f "hello" premature) result)))
  (test-equal "a fresh session has not ended" #f
    (session-end-of-stream (make-session connection-end/client)))
  (test-equal "not a session"
    'wrong-type-arg (car (raised-or-values (lambda () (session-end-of-stream 42))))))

(test-group "explained errors keep three arguments"
  (let ((session (make-session connection-end/client)))
    (test-equal "a three-argument handler receives them"
      (list error/invalid-request 'session-protocol)
      (catch 'gnutls-error
        (lambda () (session-protocol session))
        (lambda (key error procedure) (list error procedure))))
    (test-assert "the printer shows the explanation"
      (string-contains (or (printed-error (lambda () (session-protocol session))) "")
                       "(the handshake has not completed"))
    (test-equal "an explanation belongs to its own error"
      '(#f #t)
      (begin
        (catch 'gnutls-error (lambda () (session-protocol session)) (const #f))
        (list (%gnutls-error-explanation
               (list error/invalid-request 'session-cipher))
              (string? (%gnutls-error-explanation
                        (list error/invalid-request 'session-protocol))))))))

(test-end "compat-values")
(test-exit)
