;;; JSON Web Signatures (RFC 7515) in compact form, signed and verified
;;; with HMAC-SHA256 ("HS256") and with ECDSA P-256 ("ES256").
;;;
;;; Run it with no arguments.  It reproduces the HS256 example of RFC 7515
;;; (appendix A.1) to the byte, verifies the ES256 example of its appendix
;;; A.3 with the public key given there, signs a new token with a fresh
;;; P-256 key and verifies it, and shows that a token whose payload was
;;; changed is rejected.  It prints one line per check and exits 0 when
;;; all hold.

(use-modules (gnutls)
             (rnrs bytevectors)
             (ice-9 match)
             (srfi srfi-1))

;;; base64url without padding (RFC 7515, section 2), from base64.

(define (base64url bytes)
  (string-map (match-lambda (#\+ #\-) (#\/ #\_) (c c))
              (string-trim-right (base64-encode bytes) #\=)))

(define (base64url->bytevector text)
  (let ((padding (modulo (- (string-length text)) 4)))
    (base64-decode
     (string-append (string-map (match-lambda (#\- #\+) (#\_ #\/) (c c)) text)
                    (make-string padding #\=)))))

(define (signing-input header payload)
  "The part of a token that is signed: the encoded header and payload."
  (string-append (base64url (string->utf8 header)) "."
                 (base64url (string->utf8 payload))))

(define (token-parts token)
  "The signing input and the signature of TOKEN."
  (let ((dot (string-rindex token #\.)))
    (values (substring token 0 dot)
            (base64url->bytevector (substring token (+ dot 1))))))

;;; HS256.

(define (hs256-sign key header payload)
  (let ((input (signing-input header payload)))
    (string-append input "."
                   (base64url (hmac-direct mac/sha256 key (string->utf8 input))))))

(define (hs256-valid? key token)
  (call-with-values (lambda () (token-parts token))
    (lambda (input signature)
      ;; A real verifier compares in constant time; equal? will do here.
      (equal? signature (hmac-direct mac/sha256 key (string->utf8 input))))))

;;; ES256.  JWS carries the two integers of an ECDSA signature as 32 bytes
;;; each; GnuTLS reads and writes them as the DER structure of X9.62:
;;; SEQUENCE { INTEGER r, INTEGER s }.

(define (unsigned-integer bytes)
  "BYTES as the content of a DER INTEGER: no superfluous leading zero, one
added when the top bit is set."
  (let* ((start (or (list-index (lambda (b) (not (zero? b))) (bytevector->u8-list bytes))
                    (- (bytevector-length bytes) 1)))
         (trimmed (drop (bytevector->u8-list bytes) start)))
    (if (> (car trimmed) 127) (cons 0 trimmed) trimmed)))

(define (raw->der signature)
  (define (integer bytes)
    (let ((content (unsigned-integer bytes)))
      (cons* #x02 (length content) content)))
  (let ((body (append (integer (bytevector-slice signature 0 32))
                      (integer (bytevector-slice signature 32 32)))))
    (u8-list->bytevector (cons* #x30 (length body) body))))

(define (der->raw der)
  (define (integer-at offset)
    ;; The content of the INTEGER at OFFSET, left-padded to 32 bytes, and
    ;; the offset after it.
    (let* ((size (bytevector-u8-ref der (+ offset 1)))
           (content (bytevector->u8-list (bytevector-slice der (+ offset 2) size)))
           (digits (drop-while zero? content)))
      (values (append (make-list (- 32 (length digits)) 0) digits)
              (+ offset 2 size))))
  (call-with-values (lambda () (integer-at 2))
    (lambda (r next)
      (call-with-values (lambda () (integer-at next))
        (lambda (s _)
          (u8-list->bytevector (append r s)))))))

(define (bytevector-slice bv start count)
  (let ((out (make-bytevector count)))
    (bytevector-copy! bv start out 0 count)
    out))

(define (es256-sign private-key header payload)
  (let* ((input (signing-input header payload))
         (der (private-key-sign-data private-key sign-algorithm/ecdsa-sha256
                                     (string->utf8 input) '())))
    (string-append input "." (base64url (der->raw der)))))

(define (es256-valid? public-key token)
  (call-with-values (lambda () (token-parts token))
    (lambda (input signature)
      (and (= (bytevector-length signature) 64)
           (catch 'gnutls-error
             (lambda ()
               (public-key-verify-data public-key sign-algorithm/ecdsa-sha256
                                       (string->utf8 input) (raw->der signature))
               #t)
             (lambda _ #f))))))

;;; The examples of RFC 7515.

(define rfc-payload
  "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}")

(define rfc-hs256-key
  (base64url->bytevector
   "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"))

(define rfc-hs256-token
  (string-append
   "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
   ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
   ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))

(define rfc-es256-public-key
  (import-raw-ecc-public-key
   ecc-curve/secp256r1
   (base64url->bytevector "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU")
   (base64url->bytevector "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")))

(define rfc-es256-token
  (string-append
   "eyJhbGciOiJFUzI1NiJ9"
   ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
   ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"))

(define (tampered token)
  "TOKEN with its payload replaced by another one, signature kept."
  (call-with-values (lambda () (token-parts token))
    (lambda (input signature)
      (let ((dot (string-index input #\.)))
        (string-append (substring input 0 dot) "."
                       (base64url (string->utf8 "{\"iss\":\"mallory\"}")) "."
                       (base64url signature))))))

(define (check description ok?)
  (format #t "~a: ~a~%" description (if ok? "ok" "FAILED"))
  ok?)

(define (main)
  (let* ((header "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}")
         (private-key (generate-private-key pk-algorithm/ecdsa ecc-curve/secp256r1))
         (public-key (private-key->public-key private-key '()))
         (es256-token (es256-sign private-key "{\"alg\":\"ES256\"}" rfc-payload))
         (results
          (list
           (check "HS256 token of RFC 7515 A.1 reproduced"
                  (string=? rfc-hs256-token (hs256-sign rfc-hs256-key header rfc-payload)))
           (check "HS256 token verifies"
                  (hs256-valid? rfc-hs256-key rfc-hs256-token))
           (check "HS256 tampered token rejected"
                  (not (hs256-valid? rfc-hs256-key (tampered rfc-hs256-token))))
           (check "ES256 token of RFC 7515 A.3 verifies"
                  (es256-valid? rfc-es256-public-key rfc-es256-token))
           (check "ES256 token signed with a new key verifies"
                  (es256-valid? public-key es256-token))
           (check "ES256 tampered token rejected"
                  (not (es256-valid? public-key (tampered es256-token))))
           (check "ES256 token rejected under another key"
                  (not (es256-valid? rfc-es256-public-key es256-token))))))
    (format #t "~a~%" es256-token)
    (exit (if (every identity results) 0 1))))

(main)
