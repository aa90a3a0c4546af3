;;; Public-key algorithms, signature algorithms and elliptic curves: names,
;;; OIDs, how they relate, the lists of what GnuTLS supports, and every
;;; value of the three kinds through every procedure that takes one.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (ice-9 match)
             (ice-9 threads)
             (test-support)
             (argument-sweep)
             (gnutls))

(define (exported-values prefix)
  "The values the (gnutls) module exports under names starting with PREFIX,
each once (aliases name the same object)."
  (delete-duplicates
   (module-map (lambda (name variable) (variable-ref variable))
               (filter-module (resolve-interface '(gnutls)) prefix))
   eq?))

(define (filter-module interface prefix)
  (let ((m (make-module)))
    (module-for-each (lambda (name variable)
                       (when (string-prefix? prefix (symbol->string name))
                         (module-add! m name variable)))
                     interface)
    m))

(define curves (exported-values "ecc-curve/"))
(define pk-algorithms (exported-values "pk-algorithm/"))
(define sign-algorithms (exported-values "sign-algorithm/"))

(test-begin "algorithms")

(test-group "the lists"
  ;; First, from several threads at once: GnuTLS builds its own lists
  ;; unlocked on first use, so the first calls must not race.
  (test-equal "the first calls, from four threads, agree"
    '(#t #t #t)
    (let* ((threads (map (lambda (i)
                           (call-with-new-thread
                            (lambda ()
                              (list (ecc-curve-list) (pk-algorithm-list)
                                    (sign-algorithm-list)))))
                         (iota 4)))
           (results (map join-thread threads)))
      (map (lambda (i)
             (every (lambda (r) (equal? (list-ref r i) (list-ref (car results) i)))
                    results))
           (iota 3))))
  (test-equal "each list is made of its kind, without repeats"
    '((#t #t #t) (#t #t #t) (#t #t #t))
    (map (lambda (lst all)
           (list (pair? lst)
                 (every (lambda (v) (and (memq v all) #t)) lst)
                 (= (length lst) (length (delete-duplicates lst eq?)))))
         (list (ecc-curve-list) (pk-algorithm-list) (sign-algorithm-list))
         (list curves pk-algorithms sign-algorithms)))
  (test-equal "the common algorithms are supported"
    '(#t #t #t #t #t #t)
    (map (lambda (v lst) (and (memq v lst) #t))
         (list ecc-curve/secp256r1 ecc-curve/ed25519 pk-algorithm/rsa
               pk-algorithm/ecdsa sign-algorithm/rsa-sha256
               sign-algorithm/ecdsa-sha256)
         (list (ecc-curve-list) (ecc-curve-list) (pk-algorithm-list)
               (pk-algorithm-list) (sign-algorithm-list) (sign-algorithm-list))))
  (test-equal "the unknown values are not listed"
    '(#f #f #f)
    (list (memq ecc-curve/invalid (ecc-curve-list))
          (memq pk-algorithm/unknown (pk-algorithm-list))
          (memq sign-algorithm/unknown (sign-algorithm-list))))
  (test-assert "a fresh list each call"
    (not (eq? (sign-algorithm-list) (sign-algorithm-list)))))

(define name-lookups
  (list string->ecc-curve string->pk-algorithm string->sign-algorithm))
(define oid-lookups
  (list oid->ecc-curve oid->pk-algorithm oid->sign-algorithm))
(define unknown-values
  ;; What each of name-lookups and oid-lookups gives for a key it does not know.
  (list ecc-curve/invalid pk-algorithm/unknown sign-algorithm/unknown))

(define (look-up-each lookups keys)
  "Each of the procedures LOOKUPS applied to its key of the list KEYS."
  (map (lambda (look-up key) (look-up key)) lookups keys))

(test-group "names"
  (test-equal "->string"
    '("SECP256R1" "Ed25519" "RSA" "RSA-SHA256" "ECDSA-SHA256")
    (list (ecc-curve->string ecc-curve/secp256r1)
          (ecc-curve->string ecc-curve/ed25519)
          (pk-algorithm->string pk-algorithm/rsa)
          (sign-algorithm->string sign-algorithm/rsa-sha256)
          (sign-algorithm->string sign-algorithm/ecdsa-sha256)))
  (test-equal "string-> finds them, in any case"
    (list ecc-curve/secp384r1 ecc-curve/secp384r1 pk-algorithm/rsa
          pk-algorithm/eddsa-ed25519 sign-algorithm/rsa-sha256
          sign-algorithm/ecdsa-sha512)
    (list (string->ecc-curve "SECP384R1") (string->ecc-curve "secp384r1")
          (string->pk-algorithm "RSA") (string->pk-algorithm "EdDSA (Ed25519)")
          (string->sign-algorithm "RSA-SHA256")
          (string->sign-algorithm "ECDSA-SHA512")))
  (test-equal "unknown names give the unknown values"
    unknown-values
    (look-up-each name-lookups '("no such curve" "" "RSA-SHA257")))
  (test-equal "the unknown values print and ->string"
    '("#<gnutls-ecc-curve-enum invalid>" "#<gnutls-sign-algorithm-enum unknown>"
      "invalid" "unknown")
    (list (object->string (string->ecc-curve "none"))
          (object->string (string->sign-algorithm "none"))
          (ecc-curve->string ecc-curve/invalid)
          (sign-algorithm->string sign-algorithm/unknown)))
  (test-equal "a name with a NUL is out of range"
    '(out-of-range out-of-range out-of-range)
    (map (lambda (proc) (car (error-of (lambda () (proc "RSA\x00;")))))
         name-lookups))
  (test-equal "old names are the same objects"
    '(#t #t #t)
    (list (eq? pk-algorithm/ec pk-algorithm/ecdsa)
          (eq? pk-algorithm/ecc pk-algorithm/ecdsa)
          (eq? pk-algorithm/ecdhx pk-algorithm/ecdh-x25519))))

(test-group "OIDs"
  ;; RFC 5480 (curves, id-ecPublicKey), RFC 8017 (RSA), RFC 5758 (ECDSA),
  ;; RFC 8410 (Ed25519).
  (test-equal "->oid"
    '("1.2.840.10045.3.1.7" "1.3.132.0.34" "1.3.101.112"
      "1.2.840.113549.1.1.1" "1.2.840.10045.2.1"
      "1.2.840.113549.1.1.11" "1.2.840.10045.4.3.2" "1.3.101.112")
    (list (ecc-curve->oid ecc-curve/secp256r1)
          (ecc-curve->oid ecc-curve/secp384r1)
          (ecc-curve->oid ecc-curve/ed25519)
          (pk-algorithm->oid pk-algorithm/rsa)
          (pk-algorithm->oid pk-algorithm/ecdsa)
          (sign-algorithm->oid sign-algorithm/rsa-sha256)
          (sign-algorithm->oid sign-algorithm/ecdsa-sha256)
          (sign-algorithm->oid sign-algorithm/eddsa-ed25519)))
  (test-equal "oid-> finds them"
    (list ecc-curve/secp256r1 pk-algorithm/rsa sign-algorithm/rsa-sha256
          sign-algorithm/rsa-sha512)
    (list (oid->ecc-curve "1.2.840.10045.3.1.7")
          (oid->pk-algorithm "1.2.840.113549.1.1.1")
          (oid->sign-algorithm "1.2.840.113549.1.1.11")
          (oid->sign-algorithm "1.2.840.113549.1.1.13")))
  (test-equal "unknown OIDs give the unknown values"
    unknown-values
    (look-up-each oid-lookups '("1.2.3.4" "not an oid" "")))
  (test-equal "values without an OID give #f"
    '(#f #f #f)
    (list (ecc-curve->oid ecc-curve/invalid)
          (pk-algorithm->oid pk-algorithm/unknown)
          (sign-algorithm->oid sign-algorithm/rsa-raw))))

(test-group "relations"
  (test-equal "curve sizes in bytes"
    '(32 48 66 32 0)
    (map ecc-curve-size (list ecc-curve/secp256r1 ecc-curve/secp384r1
                              ecc-curve/secp521r1 ecc-curve/ed25519
                              ecc-curve/invalid)))
  (test-equal "the algorithms of curves"
    (list pk-algorithm/ecdsa pk-algorithm/eddsa-ed25519 pk-algorithm/ecdh-x25519
          pk-algorithm/unknown)
    (map ecc-curve->pk-algorithm (list ecc-curve/secp256r1 ecc-curve/ed25519
                                       ecc-curve/x25519 ecc-curve/invalid)))
  (test-equal "pk-algorithm->sign-algorithm"
    (list sign-algorithm/rsa-sha256 sign-algorithm/ecdsa-sha384
          sign-algorithm/unknown)
    (list (pk-algorithm->sign-algorithm pk-algorithm/rsa digest/sha256)
          (pk-algorithm->sign-algorithm pk-algorithm/ecdsa digest/sha384)
          (pk-algorithm->sign-algorithm pk-algorithm/dh digest/sha256)))
  (test-equal "sign-algorithm->digest-algorithm"
    (list digest/sha256 digest/sha512 digest/sha512 #f #f)
    (map sign-algorithm->digest-algorithm
         (list sign-algorithm/rsa-sha256 sign-algorithm/ecdsa-sha512
               sign-algorithm/eddsa-ed25519 sign-algorithm/rsa-raw
               sign-algorithm/unknown)))
  (test-equal "sign-algorithm->pk-algorithm"
    (list pk-algorithm/rsa pk-algorithm/rsa-pss pk-algorithm/ecdsa
          pk-algorithm/eddsa-ed25519 pk-algorithm/unknown)
    (map sign-algorithm->pk-algorithm
         (list sign-algorithm/rsa-sha256 sign-algorithm/rsa-pss-sha256
               sign-algorithm/ecdsa-sha256 sign-algorithm/eddsa-ed25519
               sign-algorithm/unknown)))
  (test-equal "sign-algorithm-supports?"
    '(#t #f #t #t #f)
    (list (sign-algorithm-supports? sign-algorithm/ecdsa-sha256 pk-algorithm/ecdsa)
          (sign-algorithm-supports? sign-algorithm/ecdsa-sha256 pk-algorithm/rsa)
          (sign-algorithm-supports? sign-algorithm/rsa-pss-rsae-sha256 pk-algorithm/rsa)
          (sign-algorithm-supports? sign-algorithm/eddsa-ed25519
                                    pk-algorithm/eddsa-ed25519)
          (sign-algorithm-supports? sign-algorithm/unknown pk-algorithm/rsa)))
  (test-equal "sign-algorithm-is-secure?"
    '(#t #t #f #f #f #f)
    (list (sign-algorithm-is-secure? sign-algorithm/rsa-sha256 #t)
          (sign-algorithm-is-secure? sign-algorithm/ecdsa-sha256 #f)
          (sign-algorithm-is-secure? sign-algorithm/rsa-md5 #t)
          (sign-algorithm-is-secure? sign-algorithm/rsa-md5 #f)
          (sign-algorithm-is-secure? sign-algorithm/unknown #f)
          (sign-algorithm-is-secure? sign-algorithm/mldsa44 #f)))
  (test-equal "sign-algorithm-is-secure? takes a boolean"
    'wrong-type-arg
    (car (error-of (lambda () (sign-algorithm-is-secure? sign-algorithm/rsa-sha256 1))))))

(test-group "every value"
  ;; Every value through every procedure of its kind, in a child so that a
  ;; crash is reported: each answer must be of the documented kind.
  (define (string-or-false? x) (or (string? x) (not x)))
  (define (check-all)
    (append
     (filter-map
      (lambda (c)
        (and (not (and (string? (ecc-curve->string c))
                       (string? (object->string c))
                       (string-or-false? (ecc-curve->oid c))
                       (memq (ecc-curve->pk-algorithm c) pk-algorithms)
                       (exact-integer? (ecc-curve-size c))))
             (object->string c)))
      curves)
     (filter-map
      (lambda (p)
        (and (not (and (string? (pk-algorithm->string p))
                       (string? (object->string p))
                       (string-or-false? (pk-algorithm->oid p))
                       (memq (pk-algorithm->sign-algorithm p digest/sha256)
                             sign-algorithms)))
             (object->string p)))
      pk-algorithms)
     (filter-map
      (lambda (s)
        (and (not (and (string? (sign-algorithm->string s))
                       (string? (object->string s))
                       (string-or-false? (sign-algorithm->oid s))
                       (let ((d (sign-algorithm->digest-algorithm s)))
                         (or (not d) (string? (digest->string d))))
                       (memq (sign-algorithm->pk-algorithm s) pk-algorithms)
                       (boolean? (sign-algorithm-is-secure? s #t))
                       (boolean? (sign-algorithm-is-secure? s #f))
                       (every (lambda (p) (boolean? (sign-algorithm-supports? s p)))
                              pk-algorithms)))
             (object->string s)))
      sign-algorithms)))
  (test-equal "how many values each kind has"
    '(22 19 49)
    (map length (list curves pk-algorithms sign-algorithms)))
  (test-equal "each answers as documented" '(exited 0 ())
    (call-in-child check-all))
  (test-equal "the privkey flags print and ->string"
    '("#<gnutls-privkey-enum flag-ca>" "flag-ca" 10)
    (list (object->string privkey/flag-ca) (privkey->string privkey/flag-ca)
          (length (filter string? (map privkey->string
                                       (exported-values "privkey/"))))))
  (test-equal "values GnuTLS lacks are distinct and known to none of its procedures"
    (list 7 4 pk-algorithm/unknown #f)
    (let ((newer (list pk-algorithm/mldsa44 pk-algorithm/mldsa65 pk-algorithm/mldsa87
                       pk-algorithm/mlkem768 pk-algorithm/mlkem1024
                       pk-algorithm/rsa-oaep pk-algorithm/unknown))
          (newer-signatures (list sign-algorithm/mldsa44 sign-algorithm/mldsa65
                                  sign-algorithm/mldsa87 sign-algorithm/unknown)))
      (list (length (delete-duplicates newer eq?))
            (length (delete-duplicates newer-signatures eq?))
            (sign-algorithm->pk-algorithm sign-algorithm/mldsa65)
            (pk-algorithm->oid pk-algorithm/mldsa87)))))

(test-group "hostile arguments"
  (define (sweep proc . args) (argument-sweep proc args))
  (test-equal "ecc-curve->oid: hostile arguments" '()
    (sweep ecc-curve->oid ecc-curve/secp256r1))
  (test-equal "ecc-curve->pk-algorithm: hostile arguments" '()
    (sweep ecc-curve->pk-algorithm ecc-curve/secp256r1))
  (test-equal "ecc-curve->string: hostile arguments" '()
    (sweep ecc-curve->string ecc-curve/secp256r1))
  (test-equal "ecc-curve-size: hostile arguments" '()
    (sweep ecc-curve-size ecc-curve/secp256r1))
  (test-equal "ecc-curve-list: hostile arguments" '() (sweep ecc-curve-list))
  (test-equal "oid->ecc-curve: hostile arguments" '()
    (sweep oid->ecc-curve "1.2.840.10045.3.1.7"))
  (test-equal "string->ecc-curve: hostile arguments" '()
    (sweep string->ecc-curve "SECP256R1"))
  (test-equal "oid->pk-algorithm: hostile arguments" '()
    (sweep oid->pk-algorithm "1.2.840.113549.1.1.1"))
  (test-equal "pk-algorithm->oid: hostile arguments" '()
    (sweep pk-algorithm->oid pk-algorithm/rsa))
  (test-equal "pk-algorithm->sign-algorithm: hostile arguments" '()
    (sweep pk-algorithm->sign-algorithm pk-algorithm/rsa digest/sha256))
  (test-equal "pk-algorithm-list: hostile arguments" '() (sweep pk-algorithm-list))
  (test-equal "string->pk-algorithm: hostile arguments" '()
    (sweep string->pk-algorithm "RSA"))
  (test-equal "oid->sign-algorithm: hostile arguments" '()
    (sweep oid->sign-algorithm "1.2.840.113549.1.1.11"))
  (test-equal "sign-algorithm->digest-algorithm: hostile arguments" '()
    (sweep sign-algorithm->digest-algorithm sign-algorithm/rsa-sha256))
  (test-equal "sign-algorithm->oid: hostile arguments" '()
    (sweep sign-algorithm->oid sign-algorithm/rsa-sha256))
  (test-equal "sign-algorithm->pk-algorithm: hostile arguments" '()
    (sweep sign-algorithm->pk-algorithm sign-algorithm/rsa-sha256))
  (test-equal "sign-algorithm-is-secure?: hostile arguments" '()
    (sweep sign-algorithm-is-secure? sign-algorithm/rsa-sha256 #t))
  (test-equal "sign-algorithm-list: hostile arguments" '() (sweep sign-algorithm-list))
  (test-equal "sign-algorithm-supports?: hostile arguments" '()
    (sweep sign-algorithm-supports? sign-algorithm/rsa-sha256 pk-algorithm/rsa))
  (test-equal "string->sign-algorithm: hostile arguments" '()
    (sweep string->sign-algorithm "RSA-SHA256"))
  (test-equal "privkey->string: hostile arguments" '()
    (sweep privkey->string privkey/flag-ca)))

(test-end "algorithms")
(test-exit)
