;;; The Scheme side of the key import fuzzer: attacker-controlled bytes
;;; imported as a private and as a public key, PEM and DER.  A key that
;;; imports is then used (described, exported, made to sign and verify), so
;;; that whatever GnuTLS accepted from hostile bytes is exercised too.
;;; Every call must return or raise a gnutls-error; the fuzzer catches
;;; crashes and sanitizer reports, and the keys test replays the seeds.
;;; Encrypted keys are tried without a password, so that a hostile
;;; iteration count cannot make an input take minutes.

(define-module (key-driver)
  #:use-module (gnutls)
  #:use-module (rnrs bytevectors)
  #:export (fuzz-key))

(define message (string->utf8 "fuzzed key"))

(define (try thunk)
  (catch 'gnutls-error thunk (lambda _ #f)))

(define (exercise-public pub)
  (try (lambda () (public-key-pk-algorithm pub)))
  (try (lambda () (public-key-preferred-hash-algorithm pub)))
  (try (lambda () (public-key-export pub x509-certificate-format/pem)))
  (try (lambda () (public-key-encrypt-data pub message))))

(define (exercise-private key)
  (let* ((algorithm (try (lambda () (private-key-pk-algorithm key))))
         (pub (try (lambda () (private-key->public-key key '()))))
         (digest (and pub (try (lambda () (public-key-preferred-hash-algorithm pub)))))
         (sign (and algorithm digest (pk-algorithm->sign-algorithm algorithm digest))))
    (when pub (exercise-public pub))
    (when sign
      (let ((signature (try (lambda () (private-key-sign-data key sign message '())))))
        (when (and pub signature)
          (try (lambda () (public-key-verify-data pub sign message signature))))))))

(define (fuzz-key bytes)
  "Import BYTES as every kind of key in both encodings and use what
imports; return the number of keys that did."
  (let loop ((formats (list x509-certificate-format/pem x509-certificate-format/der))
             (imported 0))
    (if (null? formats)
        imported
        (let ((key (try (lambda () (import-private-key bytes (car formats)))))
              (pub (try (lambda () (import-public-key bytes (car formats))))))
          (when key (exercise-private key))
          (when pub (exercise-public pub))
          (loop (cdr formats) (+ imported (if key 1 0) (if pub 1 0)))))))
