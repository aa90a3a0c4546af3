;;; (crypto-bench) --- the Scheme side of the crypto benchmarks.
;;;
;;; Each case does what the case of the same name in raw_crypto.c does,
;;; through the (gnutls) procedures, and prints one number.  A case whose
;;; procedures this build lacks (they come with other parts of the 5.0
;;; surface) exits 77, which bench/run reports as skipped.
;;;
;;;   hash-direct BYTES PIECE   hash-direct SHA-256 of PIECE-byte pieces (MB/s)
;;;   hash-updates COUNT        hash! of 64 bytes, COUNT times (updates/s)
;;;   aead BYTES MESSAGE        aead-cipher-encrypt AES-128-GCM of
;;;                             MESSAGE-byte messages (MB/s)
;;;   sign ecdsa|ed25519 COUNT  private-key-sign-data of 64 bytes (signatures/s)

(define-module (crypto-bench)
  #:use-module (gnutls)
  #:use-module (ice-9 format)
  #:use-module (ice-9 match)
  #:use-module (rnrs bytevectors)
  #:export (main))

(define (binding name)
  "The value NAME has in (gnutls); if it has none, say so and exit 77."
  (let ((variable (module-variable (resolve-interface '(gnutls)) name)))
    (unless (and variable (variable-bound? variable))
      (format (current-error-port) "skipped: ~a is not in this build~%" name)
      (exit 77))
    (variable-ref variable)))

(define (per-second amount thunk)
  "Call THUNK; return AMOUNT divided by the seconds it took."
  (let ((start (get-internal-real-time)))
    (thunk)
    (/ amount (exact->inexact (/ (- (get-internal-real-time) start)
                                 internal-time-units-per-second)))))

(define (repeat count proc)
  (do ((i 0 (+ i 1))) ((= i count)) (proc)))

(define (hash-direct-case total piece-size)
  (let ((piece (make-bytevector piece-size 0)))
    (/ (per-second total
                   (lambda ()
                     (repeat (quotient total piece-size)
                             (lambda () (hash-direct digest/sha256 piece)))))
       1e6)))

(define (hash-updates-case count)
  (let ((hash (make-hash digest/sha256))
        (data (make-bytevector 64 0)))
    (per-second count (lambda () (repeat count (lambda () (hash! hash data)))))))

(define (aead-case total message-size)
  (let* ((encrypt (binding 'aead-cipher-encrypt))
         (cipher ((binding 'make-aead-cipher) (binding 'cipher/aes-128-gcm)
                  (make-bytevector 16 1)))
         (nonce (make-bytevector 12 2))
         (auth (make-bytevector 16 3))
         (plaintext (make-bytevector message-size 0)))
    (/ (per-second total
                   (lambda ()
                     (repeat (quotient total message-size)
                             (lambda () (encrypt cipher nonce auth 16 plaintext)))))
       1e6)))

(define (sign-case kind count)
  (let* ((sign (binding 'private-key-sign-data))
         (generate (binding 'generate-private-key))
         (key (match kind
                ("ecdsa" (generate (binding 'pk-algorithm/ecdsa)
                                   (binding 'ecc-curve/secp256r1)))
                ("ed25519" (generate (binding 'pk-algorithm/eddsa-ed25519)
                                     (binding 'ecc-curve/ed25519)))))
         (algorithm (binding (if (string=? kind "ecdsa")
                                 'sign-algorithm/ecdsa-sha256
                                 'sign-algorithm/eddsa-ed25519)))
         (data (make-bytevector 64 4)))
    (per-second count (lambda () (repeat count (lambda () (sign key algorithm data '())))))))

(define cases
  ;; Each case's name and procedure; the arguments that read as numbers
  ;; are given as numbers.
  `(("hash-direct" . ,hash-direct-case)
    ("hash-updates" . ,hash-updates-case)
    ("aead" . ,aead-case)
    ("sign" . ,sign-case)))

(define (main args)
  "Run the case named on the command line ARGS and print its result."
  (let ((case (and (pair? (cdr args)) (assoc-ref cases (cadr args)))))
    (unless case
      (format (current-error-port)
              "usage: crypto-bench hash-direct BYTES PIECE | hash-updates COUNT | ~
               aead BYTES MESSAGE | sign ecdsa|ed25519 COUNT~%")
      (exit 2))
    (format #t "~,2f~%"
            (apply case (map (lambda (argument) (or (string->number argument) argument))
                             (cddr args))))))
