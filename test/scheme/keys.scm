;;; Abstract private and public keys: generation, import and export (PEM,
;;; DER, raw parameters), signatures of data and of hashes, RSA encryption,
;;; conversions from X.509 keys and certificates, and hostile arguments.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (ice-9 match)
             ((ice-9 ftw) #:select (scandir))
             (rnrs bytevectors)
             (test-support)
             (test-certificates)
             (argument-sweep)
             (gnutls))

(define (data-file name)
  (string-append (or (getenv "MESON_SOURCE_ROOT") ".") "/test/data/" name))

(define (hex->bytevector text)
  (u8-list->bytevector
   (map (lambda (i) (string->number (substring text (* 2 i) (+ 2 (* 2 i))) 16))
        (iota (quotient (string-length text) 2)))))

(define (flip-bit bv index)
  "A copy of BV with the lowest bit of byte INDEX flipped."
  (let ((copy (bytevector-copy bv)))
    (bytevector-u8-set! copy index (logxor 1 (bytevector-u8-ref copy index)))
    copy))

(define (all-values thunk) (call-with-values thunk list))

(define (verification thunk)
  "'valid if THUNK returns, else the gnutls-error it raised."
  (match (gnutls-error-of thunk)
    (#f 'valid)
    ((error . _) error)))

(define message (string->utf8 "The quick brown fox jumps over the lazy dog"))

;; FIPS 180-2, appendix B.1 and D.1: the digests of "abc".
(define abc (string->utf8 "abc"))
(define abc-sha256
  (hex->bytevector "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
(define abc-sha384
  (hex->bytevector
   "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"))

;; The keys, generated once (RSA and DSA are the slow ones).
(define rsa (generate-private-key pk-algorithm/rsa 2048))
(define dsa (generate-private-key pk-algorithm/dsa 2048))
(define p256 (generate-private-key pk-algorithm/ecdsa ecc-curve/secp256r1))
(define p384 (generate-private-key pk-algorithm/ecdsa ecc-curve/secp384r1))
(define ed25519 (generate-private-key pk-algorithm/eddsa-ed25519 ecc-curve/ed25519))
(define ed448 (and (memq ecc-curve/ed448 (ecc-curve-list))
                   (generate-private-key pk-algorithm/eddsa-ed448 ecc-curve/ed448)))

(define (public key) (private-key->public-key key '()))

;; Each key with a signature algorithm that suits it.
(define signers
  (append `((rsa ,rsa ,sign-algorithm/rsa-sha256)
            (rsa-pss ,rsa ,sign-algorithm/rsa-pss-rsae-sha256)
            (dsa ,dsa ,sign-algorithm/dsa-sha256)
            (p256 ,p256 ,sign-algorithm/ecdsa-sha256)
            (p384 ,p384 ,sign-algorithm/ecdsa-secp384r1-sha384)
            (ed25519 ,ed25519 ,sign-algorithm/eddsa-ed25519))
          (if ed448 `((ed448 ,ed448 ,sign-algorithm/eddsa-ed448)) '())))

(test-begin "keys")

(test-group "generation"
  (test-equal "what each key is"
    `((#t ,pk-algorithm/rsa 2048) (#t ,pk-algorithm/dsa 2048)
      (#t ,pk-algorithm/ecdsa 256) (#t ,pk-algorithm/ecdsa 384)
      (#t ,pk-algorithm/eddsa-ed25519 256))
    (map (lambda (key) (cons (private-key? key) (all-values (lambda () (private-key-pk-algorithm key)))))
         (list rsa dsa p256 p384 ed25519)))
  (test-equal "their public keys are the same"
    (map (lambda (key) (all-values (lambda () (private-key-pk-algorithm key))))
         (list rsa dsa p256 ed25519))
    (map (lambda (key) (all-values (lambda () (public-key-pk-algorithm (public key)))))
         (list rsa dsa p256 ed25519)))
  (test-equal "predicates"
    '(#t #f #f #t #f)
    (list (private-key? p256) (private-key? (public p256)) (public-key? p256)
          (public-key? (public p256)) (private-key? 'p256)))
  (test-equal "an Edwards key from a size in bits"
    (list pk-algorithm/eddsa-ed25519 256)
    (all-values (lambda ()
                  (private-key-pk-algorithm
                   (generate-private-key pk-algorithm/eddsa-ed25519 256)))))
  (test-equal "a curve for an algorithm without curves is out of range"
    '(out-of-range out-of-range)
    (map (lambda (alg)
           (car (error-of (lambda () (generate-private-key alg ecc-curve/secp256r1)))))
         (list pk-algorithm/rsa pk-algorithm/dsa)))
  (test-equal "a size GnuTLS refuses, an algorithm it cannot generate"
    (list error/pk-generation-error error/invalid-request error/invalid-request)
    (map (lambda (alg size)
           (car (gnutls-error-of (lambda () (generate-private-key alg size)))))
         (list pk-algorithm/rsa pk-algorithm/unknown pk-algorithm/mldsa44)
         (list 64 2048 2048)))
  (test-equal "sizes beyond 16384 bits are out of range"
    '(out-of-range out-of-range)
    (map (lambda (size) (car (error-of (lambda () (generate-private-key pk-algorithm/rsa size)))))
         (list 16385 0))))

(test-group "signatures"
  (test-equal "each key signs and its public key verifies"
    (map (lambda (s) (list (car s) 'valid)) signers)
    (map (match-lambda
           ((name key algorithm)
            (let ((signature (private-key-sign-data key algorithm message '())))
              (list name (verification
                          (lambda ()
                            (public-key-verify-data (public key) algorithm message
                                                    signature)))))))
         signers))
  (test-equal "a flipped bit in the signature or the data fails"
    (map (lambda (s) (list (car s) error/pk-sig-verify-failed error/pk-sig-verify-failed))
         signers)
    (map (match-lambda
           ((name key algorithm)
            (let ((signature (private-key-sign-data key algorithm message '()))
                  (pub (public key)))
              (list name
                    (verification
                     (lambda ()
                       (public-key-verify-data pub algorithm message
                                               (flip-bit signature
                                                         (- (bytevector-length signature) 2)))))
                    (verification
                     (lambda ()
                       (public-key-verify-data pub algorithm (flip-bit message 3)
                                               signature)))))))
         signers))
  (test-equal "another key's public key fails"
    error/pk-sig-verify-failed
    (verification
     (lambda ()
       (public-key-verify-data (public (generate-private-key pk-algorithm/ecdsa
                                                             ecc-curve/secp256r1))
                               sign-algorithm/ecdsa-sha256 message
                               (private-key-sign-data p256 sign-algorithm/ecdsa-sha256
                                                      message '())))))
  (test-equal "an algorithm that does not suit the key"
    'gnutls-error
    (car (error-of (lambda ()
                     (private-key-sign-data p256 sign-algorithm/rsa-sha256 message '())))))
  (test-equal "signatures of hashes verify as signatures of the data"
    '((rsa valid valid) (rsa-pss valid valid) (dsa valid valid) (p256 valid valid)
      (p384 valid valid))
    (map (match-lambda
           ((name key algorithm digest)
            (let ((pub (public key))
                  (signature (private-key-sign-hash key algorithm digest '())))
              (list name
                    (verification
                     (lambda () (public-key-verify-data pub algorithm abc signature)))
                    (verification
                     (lambda ()
                       (public-key-verify-hash pub algorithm digest
                                               (private-key-sign-data key algorithm abc
                                                                      '()))))))))
         `((rsa ,rsa ,sign-algorithm/rsa-sha256 ,abc-sha256)
           (rsa-pss ,rsa ,sign-algorithm/rsa-pss-rsae-sha256 ,abc-sha256)
           (dsa ,dsa ,sign-algorithm/dsa-sha256 ,abc-sha256)
           (p256 ,p256 ,sign-algorithm/ecdsa-sha256 ,abc-sha256)
           (p384 ,p384 ,sign-algorithm/ecdsa-sha384 ,abc-sha384))))
  (test-equal "RSA PKCS#1 v1.5 is deterministic: hash and data signatures are equal"
    #t
    (equal? (private-key-sign-hash rsa sign-algorithm/rsa-sha256 abc-sha256 '())
            (private-key-sign-data rsa sign-algorithm/rsa-sha256 abc '())))
  (test-equal "a wrong hash fails"
    error/pk-sig-verify-failed
    (verification
     (lambda ()
       (public-key-verify-hash (public p256) sign-algorithm/ecdsa-sha256
                               (flip-bit abc-sha256 0)
                               (private-key-sign-hash p256 sign-algorithm/ecdsa-sha256
                                                      abc-sha256 '())))))
  (test-equal "Edwards keys sign data, not hashes"
    'gnutls-error
    (car (error-of (lambda ()
                     (private-key-sign-hash ed25519 sign-algorithm/eddsa-ed25519
                                            abc-sha256 '())))))
  ;; RFC 8032, section 7.1, TEST 1 and TEST 2.
  (test-equal "Ed25519 known answers"
    (list (hex->bytevector
           (string-append "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                          "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"))
          'valid
          (hex->bytevector
           (string-append "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                          "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"))
          'valid)
    (append-map
     (match-lambda
       ((secret public-key data)
        (let ((key (import-raw-ecc-private-key ecc-curve/ed25519 (hex->bytevector public-key)
                                               #f (hex->bytevector secret)))
              (pub (import-raw-ecc-public-key ecc-curve/ed25519 (hex->bytevector public-key)
                                              #f)))
          (let ((signature (private-key-sign-data key sign-algorithm/eddsa-ed25519 data '())))
            (list signature
                  (verification
                   (lambda ()
                     (public-key-verify-data pub sign-algorithm/eddsa-ed25519 data
                                             signature))))))))
     `(("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        ,(make-bytevector 0))
       ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
        #vu8(#x72)))))
  (test-equal "every privkey flag, with every key: a signature or a gnutls-error"
    '(exited 0 ())
    (call-in-child
     (lambda ()
       (let ((flags (list privkey/import-auto-release privkey/import-copy
                          privkey/disable-callbacks privkey/sign-flag-tls1-rsa
                          privkey/flag-provable privkey/flag-export-compat
                          privkey/sign-flag-rsa-pss privkey/flag-reproducible
                          privkey/flag-ca privkey/flag-rsa-pss-fixed-salt-length)))
         (append-map
          (match-lambda
            ((name key algorithm)
             (filter-map
              (lambda (flag)
                (let ((outcomes
                       (map (lambda (sign input)
                              (catch 'gnutls-error
                                (lambda () (bytevector? (sign key algorithm input (list flag))))
                                (const 'gnutls-error)))
                            (list private-key-sign-data private-key-sign-hash)
                            (list message abc-sha256))))
                  (and (not (every (lambda (o) (memq o '(#t gnutls-error))) outcomes))
                       (list name (privkey->string flag) outcomes))))
              flags)))
          signers))))))

(test-group "raw parameters"
  (define (round-trip export import key)
    (equal? (all-values (lambda () (export key)))
            (all-values (lambda () (export (apply import (all-values (lambda () (export key)))))))))
  (test-equal "private keys: export, import, export again"
    '(#t #t #t #t)
    (list (round-trip private-key-export-raw-rsa import-raw-rsa-private-key rsa)
          (round-trip private-key-export-raw-dsa import-raw-dsa-private-key dsa)
          (round-trip private-key-export-raw-ecc import-raw-ecc-private-key p256)
          (round-trip private-key-export-raw-ecc import-raw-ecc-private-key ed25519)))
  (test-equal "public keys: export, import, export again"
    '(#t #t #t #t)
    (list (round-trip public-key-export-raw-rsa import-raw-rsa-public-key (public rsa))
          (round-trip public-key-export-raw-dsa import-raw-dsa-public-key (public dsa))
          (round-trip public-key-export-raw-ecc import-raw-ecc-public-key (public p384))
          (round-trip public-key-export-raw-ecc import-raw-ecc-public-key (public ed25519))))
  (define (coordinate-size v size)
    "SIZE if the bytevector V holds a number of SIZE bytes, else V's length.
GnuTLS gives the numbers as it keeps them: with a leading zero byte when
the top bit is set, one byte shorter (or more, rarely) when the top byte
is zero."
    (let loop ((start 0))
      (if (and (< start (bytevector-length v)) (zero? (bytevector-u8-ref v start)))
          (loop (+ start 1))
          (let ((significant (- (bytevector-length v) start)))
            ;; Four zero top bytes in a row: one chance in 2^32.
            (if (<= (- size 4) significant size) size (bytevector-length v))))))
  (test-equal "what the exports are"
    (list 8 (list ecc-curve/secp256r1 32 32 32) (list ecc-curve/ed25519 32 0 32)
          (list ecc-curve/secp384r1 48 48))
    (list (length (all-values (lambda () (private-key-export-raw-rsa rsa))))
          (map (lambda (v) (if (bytevector? v) (coordinate-size v 32) v))
               (all-values (lambda () (private-key-export-raw-ecc p256))))
          (map (lambda (v) (if (bytevector? v) (bytevector-length v) v))
               (all-values (lambda () (private-key-export-raw-ecc ed25519))))
          (map (lambda (v) (if (bytevector? v) (coordinate-size v 48) v))
               (all-values (lambda () (public-key-export-raw-ecc (public p384)))))))
  (test-equal "the optional RSA and DSA parameters are computed"
    '(#t #t)
    (list (match (all-values (lambda () (private-key-export-raw-rsa rsa)))
            ((m e d p q u e1 e2)
             ;; d may come out modulo another multiple of the order: the
             ;; signatures, deterministic, tell that the key is the same.
             (equal? (private-key-sign-data rsa sign-algorithm/rsa-sha256 message '())
                     (private-key-sign-data (import-raw-rsa-private-key m e #f p q #f #f #f)
                                            sign-algorithm/rsa-sha256 message '()))))
          (match (all-values (lambda () (private-key-export-raw-dsa dsa)))
            ((p q g y x)
             (equal? (list p q g y x)
                     (all-values
                      (lambda ()
                        (private-key-export-raw-dsa
                         (import-raw-dsa-private-key p q g #f x)))))))))
  (test-equal "a re-imported public key verifies the original's signature"
    'valid
    (let ((signature (private-key-sign-data rsa sign-algorithm/rsa-sha256 message '())))
      (verification
       (lambda ()
         (public-key-verify-data
          (call-with-values (lambda () (public-key-export-raw-rsa (public rsa)))
            import-raw-rsa-public-key)
          sign-algorithm/rsa-sha256 message signature)))))
  (test-equal "y may be #f only on curves without one"
    '(#t wrong-type-arg wrong-type-arg)
    (call-with-values (lambda () (private-key-export-raw-ecc p256))
      (lambda (curve x y k)
        (list (public-key? (call-with-values (lambda () (public-key-export-raw-ecc (public ed25519)))
                             (lambda (curve x y) (import-raw-ecc-public-key curve x #f))))
              (car (error-of (lambda () (import-raw-ecc-private-key curve x #f k))))
              (car (error-of (lambda () (import-raw-ecc-public-key curve x #f))))))))
  (test-equal "#f for a required parameter is a wrong type"
    '(wrong-type-arg wrong-type-arg)
    (call-with-values (lambda () (private-key-export-raw-rsa rsa))
      (lambda (m e d p q u e1 e2)
        (list (car (error-of (lambda () (import-raw-rsa-private-key m #f d p q u e1 e2))))
              (car (error-of (lambda () (import-raw-rsa-public-key #f e))))))))
  (test-equal "the raw exports of another algorithm's key fail"
    '(gnutls-error gnutls-error gnutls-error)
    (map (lambda (thunk) (car (error-of thunk)))
         (list (lambda () (private-key-export-raw-rsa p256))
               (lambda () (private-key-export-raw-ecc rsa))
               (lambda () (public-key-export-raw-dsa (public rsa))))))
  ;; GnuTLS checks little of what it imports: degenerate keys must give
  ;; errors when used, not crash the process (a DSA key whose q is 1 once
  ;; made GnuTLS divide by zero when signing).
  (test-equal "degenerate keys fail cleanly"
    '(exited 0 (pk-invalid-privkey pk-invalid-privkey gnutls-error gnutls-error
                gnutls-error pk-invalid-privkey gnutls-error))
    (call-in-child
     (lambda ()
       (define (error-name thunk)
         (catch 'gnutls-error
           (lambda () (thunk) 'returned)
           (lambda (key error . _)
             (if (eq? error error/pk-invalid-privkey) 'pk-invalid-privkey 'gnutls-error))))
       (list
        (error-name (lambda ()
                      (private-key-sign-data
                       (import-raw-dsa-private-key #vu8(1) #vu8(1) #vu8(1) #f #vu8(1))
                       sign-algorithm/dsa-sha256 message '())))
        (error-name (lambda ()
                      (private-key-sign-hash
                       (import-raw-dsa-private-key #vu8(7) #vu8(0 1) #vu8(2) #f #vu8(1))
                       sign-algorithm/dsa-sha256 abc-sha256 '())))
        (error-name (lambda ()
                      (public-key-verify-data
                       (import-raw-dsa-public-key #vu8(1) #vu8(1) #vu8(1) #vu8(1))
                       sign-algorithm/dsa-sha256 message #vu8(48 6 2 1 1 2 1 1))))
        (error-name (lambda ()
                      (public-key-encrypt-data (import-raw-rsa-public-key #vu8(1) #vu8(1))
                                               message)))
        (error-name (lambda ()
                      (private-key-decrypt-data
                       (import-raw-rsa-private-key #vu8(0) #vu8(0) #vu8(0) #vu8(0) #vu8(0)
                                                   #vu8(0) #vu8(0) #vu8(0))
                       #vu8(1))))
        (error-name (lambda ()
                      (private-key-sign-data
                       (import-raw-ecc-private-key ecc-curve/secp256r1 (make-bytevector 32 1)
                                                   (make-bytevector 32 2)
                                                   (make-bytevector 32 255))
                       sign-algorithm/ecdsa-sha256 message '())))
        (error-name (lambda ()
                      (public-key-verify-data
                       (import-raw-ecc-public-key ecc-curve/secp256r1 (make-bytevector 32 1)
                                                  (make-bytevector 32 2))
                       sign-algorithm/ecdsa-sha256 message #vu8(48 6 2 1 1 2 1 1)))))))))

(test-group "PEM and DER"
  (define (public-der key) (public-key-export key x509-certificate-format/der))
  (test-equal "public-key-export: PEM and DER of the same key"
    '(#t #t #t)
    (let* ((pub (public p256))
           (pem (public-key-export pub x509-certificate-format/pem))
           (der (public-key-export pub x509-certificate-format/der)))
      (list (string-prefix? "-----BEGIN PUBLIC KEY-----" (utf8->string pem))
            (equal? der (public-der (import-public-key pem x509-certificate-format/pem)))
            (equal? der (public-der (import-public-key der x509-certificate-format/der))))))
  (test-equal "import-private-key: PKCS#8 DER, encrypted PKCS#8, the same key"
    '(#t #t)
    (let ((der (import-private-key (read-file-bytes (data-file "keys-p256.der"))
                                   x509-certificate-format/der))
          (encrypted (import-private-key
                      (read-file-bytes (data-file "keys-p256-encrypted.pem"))
                      x509-certificate-format/pem "tiger, tiger")))
      (list (private-key? der)
            (equal? (all-values (lambda () (private-key-export-raw-ecc der)))
                    (all-values (lambda () (private-key-export-raw-ecc encrypted)))))))
  (test-equal "import-private-key: a wrong password, no password, garbage"
    '(gnutls-error gnutls-error gnutls-error out-of-range)
    (let ((encrypted (read-file-bytes (data-file "keys-p256-encrypted.pem"))))
      (map (lambda (thunk) (car (error-of thunk)))
           (list (lambda () (import-private-key encrypted x509-certificate-format/pem "tiger"))
                 (lambda () (import-private-key encrypted x509-certificate-format/pem))
                 (lambda () (import-private-key message x509-certificate-format/der #f))
                 (lambda () (import-private-key encrypted x509-certificate-format/pem
                                                "tiger\x00;"))))))
  (test-equal "import-public-key: garbage"
    'gnutls-error
    (car (error-of (lambda () (import-public-key message x509-certificate-format/pem))))))

(test-group "encryption"
  (define pub (public rsa))
  (test-equal "RSA round trip gives the plaintext back"
    (list message (make-bytevector 0) (make-bytevector 245 7))
    (map (lambda (plaintext)
           (private-key-decrypt-data rsa (public-key-encrypt-data pub plaintext)))
         (list message (make-bytevector 0) (make-bytevector 245 7))))
  (test-equal "ciphertexts are randomised and the modulus' size"
    '(#f 256)
    (let ((a (public-key-encrypt-data pub message)))
      (list (equal? a (public-key-encrypt-data pub message)) (bytevector-length a))))
  (test-equal "a tampered or short ciphertext fails"
    (list error/decryption-failed error/decryption-failed)
    (map (lambda (ciphertext)
           (car (gnutls-error-of (lambda () (private-key-decrypt-data rsa ciphertext)))))
         (list (flip-bit (public-key-encrypt-data pub message) 100) #vu8(1 2 3))))
  (test-equal "too long a plaintext, or a key that does not encrypt"
    '(gnutls-error gnutls-error gnutls-error)
    (map (lambda (thunk) (car (error-of thunk)))
         (list (lambda () (public-key-encrypt-data pub (make-bytevector 246 7)))
               (lambda () (public-key-encrypt-data (public p256) message))
               (lambda () (private-key-decrypt-data p256 (make-bytevector 64 1)))))))

(test-group "conversions"
  (define cert (import-x509-certificate (read-file-bytes (data-file "compat-server-cert.pem"))
                                        x509-certificate-format/pem))
  (define (x509-key)
    (import-x509-private-key (read-file-bytes (data-file "compat-server-key.pem"))
                             x509-certificate-format/pem))
  (test-equal "a certificate's public key is that of its private key"
    #t
    (equal? (public-key-export (x509-certificate->public-key cert) x509-certificate-format/der)
            (public-key-export (public (x509-private-key->private-key (x509-key) '()))
                               x509-certificate-format/der)))
  (define (certificate-verification key)
    ;; Whether the certificate's key verifies a signature made with KEY.
    (verification
     (lambda ()
       (public-key-verify-data (x509-certificate->public-key cert)
                               sign-algorithm/ecdsa-sha256 message
                               (private-key-sign-data key sign-algorithm/ecdsa-sha256
                                                      message '())))))
  (test-equal "the certificate's key verifies what its private key signs"
    'valid
    (certificate-verification (x509-private-key->private-key (x509-key) '())))
  (test-equal "the private key outlives the X.509 key, whatever the flags"
    '(valid valid valid)
    (map (lambda (flags)
           (let ((key (x509-private-key->private-key (x509-key) flags)))
             (gc) (gc)
             (certificate-verification key)))
         (list '() (list privkey/import-auto-release) (list privkey/import-copy))))
  (test-equal "import-private-key reads what import-x509-private-key reads"
    #t
    (equal? (all-values
             (lambda ()
               (private-key-export-raw-ecc
                (import-private-key (read-file-bytes (data-file "compat-server-key.pem"))
                                    x509-certificate-format/pem))))
            (all-values
             (lambda ()
               (private-key-export-raw-ecc (x509-private-key->private-key (x509-key) '()))))))
  (test-equal "private-key->public-key with key usages"
    (list pk-algorithm/ecdsa 256)
    (all-values
     (lambda ()
       (public-key-pk-algorithm
        (private-key->public-key p256 (list key-usage/digital-signature))))))
  (test-equal "preferred hash algorithms"
    `((,digest/sha256 #f) (,digest/sha384 #f) (,digest/sha512 #f) (,digest/sha256 #f)
      (,digest/sha256 #t))
    (map (lambda (key)
           (all-values (lambda () (public-key-preferred-hash-algorithm (public key)))))
         (list p256 p384 ed25519 rsa dsa))))

(test-group "the manual's JWS example"
  ;; The program of doc/keys.texi, as the manual shows it.
  (define (manual-example)
    (let* ((texi (utf8->string (read-file-bytes (string-append
                                                 (or (getenv "MESON_SOURCE_ROOT") ".")
                                                 "/doc/keys.texi"))))
           (anchor (string-contains texi "@anchor{JWS example}"))
           (start (+ (string-contains texi "@lisp\n" anchor) 6))
           (end (string-contains texi "@end lisp" start))
           (lines (string-split (substring texi start end) #\newline))
           (code (string-join (remove (lambda (line) (string-prefix? "@result{}" line)) lines)
                              "\n")))
      (fold (lambda (escape text)
              (string-join (split-string text (car escape)) (cdr escape)))
            code '(("@{" . "{") ("@}" . "}") ("@@" . "@")))))
  (define (split-string text separator)
    (let loop ((from 0) (pieces '()))
      (match (string-contains text separator from)
        (#f (reverse (cons (substring text from) pieces)))
        (at (loop (+ at (string-length separator))
                  (cons (substring text from at) pieces))))))
  (define module (make-fresh-user-module))
  (define last-value
    (call-with-input-string (manual-example)
      (lambda (port)
        (let loop ((value #f))
          (match (read port)
            ((? eof-object?) value)
            (form (loop (eval form module))))))))
  (define (example name) (module-ref module name))
  (define jws (example 'jws))
  (define pub (private-key->public-key (example 'key) '()))
  (test-equal "it ends verifying its own JWS" #t last-value)
  ;; RFC 4648, section 10, in the URL-safe alphabet without padding.
  (test-equal "its base64url encodes and decodes the RFC 4648 vectors"
    '(("" "Zg" "Zm8" "Zm9v" "Zm9vYg" "Zm9vYmE" "Zm9vYmFy")
      ("" "f" "fo" "foo" "foob" "fooba" "foobar"))
    (let ((encoded (map (lambda (s) ((example 'base64url) (string->utf8 s)))
                        '("" "f" "fo" "foo" "foob" "fooba" "foobar"))))
      (list encoded
            (map (lambda (s) (utf8->string ((example 'base64url-decode) s))) encoded))))
  (test-equal "the JWS: the ES256 header, the payload, 64 signature bytes"
    '("eyJhbGciOiJFUzI1NiJ9" "{\"iss\":\"joe\",\"exp\":1300819380}" 64)
    (match (string-split jws #\.)
      ((header payload signature)
       (list header (utf8->string ((example 'base64url-decode) payload))
             (bytevector-length ((example 'base64url-decode) signature))))))
  (test-equal "a changed payload or another key fails"
    '(#f #f)
    (let ((dot (string-index jws #\.)))
      (list ((example 'verify-jws) pub
             (string-append (substring jws 0 (+ dot 1)) "X"
                            (substring jws (+ dot 2))))
            ((example 'verify-jws) (public p256) jws))))
  (test-equal "many signatures convert to r and s and back"
    '()
    (filter-map (lambda (i)
                  (let ((jws ((example 'sign-jws) p256 (number->string i))))
                    (and (not ((example 'verify-jws) (public p256) jws)) i)))
                (iota 40))))

(test-group "the key fuzzer's seeds"
  ;; The seeds of the key import fuzzer (fuzz/), through its driver: each
  ;; imports as some key, and its truncations and bit flips, which mostly
  ;; do not, end in a return or a gnutls-error (in a child: not a crash).
  (define fuzz-directory (string-append (or (getenv "MESON_SOURCE_ROOT") ".") "/fuzz"))
  (load (string-append fuzz-directory "/key-driver.scm"))
  (define fuzz-key (@ (key-driver) fuzz-key))
  (define seeds
    ;; scandir sorts the names.
    (map (lambda (name) (string-append fuzz-directory "/corpus/" name))
         (scandir (string-append fuzz-directory "/corpus")
                  (lambda (name) (string-prefix? "key-" name)))))
  (test-equal "every seed imports"
    (map (const #t) seeds)
    (map (lambda (file) (positive? (fuzz-key (read-file-bytes file)))) seeds))
  (test-equal "their truncations and bit flips"
    '(exited 0 #t)
    (call-in-child
     (lambda ()
       (every (lambda (file)
                (let ((bytes (read-file-bytes file)))
                  (every (lambda (variant) (exact-integer? (fuzz-key variant)))
                         (append
                          (map (lambda (n)
                                 (let ((cut (make-bytevector n)))
                                   (bytevector-copy! bytes 0 cut 0 n)
                                   cut))
                               (list 0 1 (quotient (bytevector-length bytes) 2)
                                     (- (bytevector-length bytes) 1)))
                          (map (lambda (i) (flip-bit bytes (modulo (* i 37) (bytevector-length bytes))))
                               (iota 12))))))
              seeds)))))

(test-group "hostile arguments"
  (define pub (public rsa))
  (define ciphertext (public-key-encrypt-data pub message))
  (define signature (private-key-sign-data p256 sign-algorithm/ecdsa-sha256 message '()))
  (define x509-key
    (import-x509-private-key (read-file-bytes (data-file "compat-server-key.pem"))
                             x509-certificate-format/pem))
  (define cert (import-x509-certificate (read-file-bytes (data-file "compat-server-cert.pem"))
                                        x509-certificate-format/pem))
  (define pem (public-key-export pub x509-certificate-format/pem))
  (define encrypted (read-file-bytes (data-file "keys-p256-encrypted.pem")))
  (define-syntax-rule (sweep proc arg ...)
    (test-equal (string-append (symbol->string 'proc) ": hostile arguments") '()
      (argument-sweep proc (list arg ...))))
  (define-values (rsa-m rsa-e rsa-d rsa-p rsa-q rsa-u rsa-e1 rsa-e2)
    (private-key-export-raw-rsa rsa))
  (define-values (dsa-p dsa-q dsa-g dsa-y dsa-x) (private-key-export-raw-dsa dsa))
  (define-values (ecc-curve ecc-x ecc-y ecc-k) (private-key-export-raw-ecc p256))
  (sweep generate-private-key pk-algorithm/ecdsa ecc-curve/secp256r1)
  (sweep import-private-key encrypted x509-certificate-format/pem "tiger, tiger")
  (sweep import-public-key pem x509-certificate-format/pem)
  (sweep import-raw-rsa-private-key rsa-m rsa-e rsa-d rsa-p rsa-q rsa-u rsa-e1 rsa-e2)
  (sweep import-raw-rsa-public-key rsa-m rsa-e)
  (sweep import-raw-dsa-private-key dsa-p dsa-q dsa-g dsa-y dsa-x)
  (sweep import-raw-dsa-public-key dsa-p dsa-q dsa-g dsa-y)
  (sweep import-raw-ecc-private-key ecc-curve ecc-x ecc-y ecc-k)
  (sweep import-raw-ecc-public-key ecc-curve ecc-x ecc-y)
  (sweep private-key-export-raw-rsa rsa)
  (sweep private-key-export-raw-dsa dsa)
  (sweep private-key-export-raw-ecc p256)
  (sweep public-key-export-raw-rsa pub)
  (sweep public-key-export-raw-dsa (public dsa))
  (sweep public-key-export-raw-ecc (public p256))
  (sweep public-key-export pub x509-certificate-format/der)
  (sweep private-key->public-key p256 (list key-usage/digital-signature))
  (sweep private-key-pk-algorithm p256)
  (sweep public-key-pk-algorithm pub)
  (sweep public-key-preferred-hash-algorithm pub)
  (sweep private-key-sign-data p256 sign-algorithm/ecdsa-sha256 message '())
  (sweep private-key-sign-hash p256 sign-algorithm/ecdsa-sha256 abc-sha256 '())
  (sweep public-key-verify-data (public p256) sign-algorithm/ecdsa-sha256 message signature)
  (sweep public-key-verify-hash (public p256) sign-algorithm/ecdsa-sha256 abc-sha256
         (private-key-sign-hash p256 sign-algorithm/ecdsa-sha256 abc-sha256 '()))
  (sweep public-key-encrypt-data pub message)
  (sweep private-key-decrypt-data rsa ciphertext)
  (sweep x509-certificate->public-key cert)
  (sweep x509-private-key->private-key x509-key (list privkey/import-copy))
  (sweep private-key? p256)
  (sweep public-key? pub))

(test-end "keys")
(test-exit)
