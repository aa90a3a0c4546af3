;;; Ciphers and AEAD: known answers from the standards through both
;;; interfaces, round trips of every AEAD algorithm, tampering, the sizes
;;; and call orders GnuTLS must never see, every cipher/ value, hostile
;;; arguments, and the manual's example.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (srfi srfi-26)
             (rnrs bytevectors)
             (ice-9 match)
             (ice-9 regex)
             (ice-9 textual-ports)
             (ice-9 threads)
             (test-support)
             (argument-sweep)
             (gnutls))

(define (hex text)
  "The bytevector written in hexadecimal as TEXT (white space ignored)."
  (let ((digits (string-delete char-set:whitespace text)))
    (u8-list->bytevector
     (map (lambda (i) (string->number (substring digits i (+ i 2)) 16))
          (iota (quotient (string-length digits) 2) 0 2)))))

(define (bytevector-append . bytevectors)
  (u8-list->bytevector (append-map bytevector->u8-list bytevectors)))

(define (sub bytevector start end)
  (u8-list->bytevector (take (drop (bytevector->u8-list bytevector) start)
                             (- end start))))

(define (flip-first-bit bytevector index)
  "A copy of BYTEVECTOR with the low bit of byte INDEX flipped."
  (let ((copy (bytevector-copy bytevector)))
    (bytevector-u8-set! copy index (logxor 1 (bytevector-u8-ref copy index)))
    copy))

(define (outcome thunk)
  "THUNK's value, or (KEY ERROR) for a gnutls-error, or (KEY) for another error."
  (catch #t thunk
    (lambda (key . args)
      (if (eq? key 'gnutls-error) (list key (car args)) (list key)))))

(define all-ciphers
  (let ((interface (resolve-interface '(gnutls))))
    (sort (filter (lambda (name) (string-prefix? "cipher/" (symbol->string name)))
                  (module-map (lambda (name variable) name) interface))
          (lambda (a b) (string<? (symbol->string a) (symbol->string b))))))

(define (cipher-value name)
  (module-ref (resolve-interface '(gnutls)) name))

(test-begin "ciphers")

;;; Known answers.

;; McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)",
;; appendix B: the inputs and outputs of test cases 1-4 (AES-128) and
;; 13-16 (AES-256).  Cases 4 and 16 encrypt the first 60 bytes of the
;; plaintext of cases 3 and 15, with associated data.
(define gcm-plaintext
  (hex "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
        1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"))
(define gcm-auth (hex "feedfacedeadbeeffeedfacedeadbeefabaddad2"))
(define gcm-iv (hex "cafebabefacedbaddecaf888"))
(define gcm-key (hex "feffe9928665731c6d6a8f9467308308"))
(define gcm-ciphertext-3
  (hex "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
        21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"))
(define gcm-ciphertext-15
  (hex "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
        8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"))
(define zero-iv (make-bytevector 12 0))
(define zero-block (make-bytevector 16 0))
(define (first-60 bytevector) (sub bytevector 0 60))

(define gcm-cases
  ;; (CASE ALGORITHM KEY IV PLAINTEXT AUTH CIPHERTEXT TAG)
  (let ((aes-128 cipher/aes-128-gcm) (aes-256 cipher/aes-256-gcm)
        (zero-128 (make-bytevector 16 0)) (zero-256 (make-bytevector 32 0))
        (key-256 (bytevector-append gcm-key gcm-key)) (none #vu8()))
    `((1 ,aes-128 ,zero-128 ,zero-iv ,none ,none ,none "58e2fccefa7e3061367f1d57a4e7455a")
      (2 ,aes-128 ,zero-128 ,zero-iv ,zero-block ,none ,(hex "0388dace60b6a392f328c2b971b2fe78")
         "ab6e47d42cec13bdf53a67b21257bddf")
      (3 ,aes-128 ,gcm-key ,gcm-iv ,gcm-plaintext ,none ,gcm-ciphertext-3 "4d5c2af327cd64a62cf35abd2ba6fab4")
      (4 ,aes-128 ,gcm-key ,gcm-iv ,(first-60 gcm-plaintext) ,gcm-auth ,(first-60 gcm-ciphertext-3)
         "5bc94fbc3221a5db94fae95ae7121a47")
      (13 ,aes-256 ,zero-256 ,zero-iv ,none ,none ,none "530f8afbc74536b9a963b4f1c4cb738b")
      (14 ,aes-256 ,zero-256 ,zero-iv ,zero-block ,none ,(hex "cea7403d4d606b6e074ec5d3baf39d18")
          "d0d1c8a799996bf0265b98b5d48ab919")
      (15 ,aes-256 ,key-256 ,gcm-iv ,gcm-plaintext ,none ,gcm-ciphertext-15 "b094dac5d93471bdec1a502270e3cc6c")
      (16 ,aes-256 ,key-256 ,gcm-iv ,(first-60 gcm-plaintext) ,gcm-auth ,(first-60 gcm-ciphertext-15)
          "76fc6ece0f4e1768cddf8853bb2d551b"))))

(for-each
 (match-lambda
   ((case algorithm key iv plaintext auth ciphertext tag-hex)
    (define tag (hex tag-hex))
    (test-equal (format #f "GCM test case ~a, make-aead-cipher" case)
      (list (bytevector-append ciphertext tag) plaintext)
      (let* ((aead (make-aead-cipher algorithm key))
             (sealed (aead-cipher-encrypt aead iv auth 0 plaintext)))
        (list sealed (aead-cipher-decrypt aead iv auth 16 sealed))))
    (test-equal (format #f "GCM test case ~a, make-cipher" case)
      (list ciphertext tag plaintext tag)
      (let ((encryptor (make-cipher algorithm key iv))
            (decryptor (make-cipher algorithm key iv)))
        (cipher-add-auth! encryptor auth)
        (cipher-add-auth! decryptor auth)
        (let* ((encrypted (cipher-encrypt encryptor plaintext))
               (encryption-tag (cipher-tag encryptor 16))
               (decrypted (cipher-decrypt decryptor ciphertext)))
          (list encrypted encryption-tag decrypted (cipher-tag decryptor 16)))))))
 gcm-cases)

(test-equal "GCM test case 4 in pieces, and again after cipher-set-iv!"
  (let ((expected (list (first-60 gcm-ciphertext-3)
                        (hex "5bc94fbc3221a5db94fae95ae7121a47"))))
    (list expected expected))
  (let ((cipher (make-cipher cipher/aes-128-gcm gcm-key zero-iv))
        (plaintext (first-60 gcm-plaintext)))
    (define (in-pieces)
      (cipher-set-iv! cipher gcm-iv)
      (cipher-add-auth! cipher (sub gcm-auth 0 16))
      (cipher-add-auth! cipher (sub gcm-auth 16 20))
      (let* ((first (cipher-encrypt cipher (sub plaintext 0 32)))
             (rest (cipher-encrypt cipher (sub plaintext 32 60))))
        (list (bytevector-append first rest) (cipher-tag cipher 16))))
    (let ((once (in-pieces)))
      (list once (in-pieces)))))

(define chacha-plaintext
  (string->utf8 "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."))
(define chacha-key (u8-list->bytevector (iota 32 #x80)))
(define chacha-nonce (hex "07000000 4041424344454647"))
(define chacha-auth (hex "50515253c0c1c2c3c4c5c6c7"))
(define chacha-ciphertext
  ;; RFC 8439, section 2.8.2.
  (hex "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
        3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
        92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
        3ff4def08e4b7a9de576d26586cec64b6116"))
(define chacha-tag (hex "1ae10b594f09e26a7e902ecbd0600691"))

(test-equal "ChaCha20-Poly1305, RFC 8439 2.8.2, make-aead-cipher"
  (list (bytevector-append chacha-ciphertext chacha-tag) chacha-plaintext)
  (let* ((aead (make-aead-cipher cipher/chacha20-poly1305 chacha-key))
         (sealed (aead-cipher-encrypt aead chacha-nonce chacha-auth 0 chacha-plaintext)))
    (list sealed (aead-cipher-decrypt aead chacha-nonce chacha-auth 0 sealed))))

(test-equal "ChaCha20-Poly1305, RFC 8439 2.8.2, make-cipher"
  (list chacha-ciphertext chacha-tag)
  (let ((cipher (make-cipher cipher/chacha20-poly1305 chacha-key chacha-nonce)))
    (cipher-add-auth! cipher chacha-auth)
    (let ((ciphertext (cipher-encrypt cipher chacha-plaintext)))
      (list ciphertext (cipher-tag cipher 16)))))

(define cbc-key (hex "2b7e151628aed2a6abf7158809cf4f3c"))
(define cbc-iv (hex "000102030405060708090a0b0c0d0e0f"))
(define cbc-plaintext
  (hex "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
        30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710"))
(define cbc-ciphertext
  ;; NIST SP 800-38A, F.2.1 CBC-AES128.Encrypt.
  (hex "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2
        73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7"))

(test-equal "AES-128-CBC, SP 800-38A F.2.1: at once, in two calls, decrypted"
  (list cbc-ciphertext cbc-ciphertext cbc-plaintext)
  (let ((at-once (make-cipher cipher/aes-128-cbc cbc-key cbc-iv))
        (in-two (make-cipher cipher/aes-128-cbc cbc-key cbc-iv))
        (decryptor (make-cipher cipher/aes-128-cbc cbc-key cbc-iv)))
    (list (cipher-encrypt at-once cbc-plaintext)
          (bytevector-append (cipher-encrypt in-two (sub cbc-plaintext 0 16))
                             (cipher-encrypt in-two (sub cbc-plaintext 16 64)))
          (cipher-decrypt decryptor cbc-ciphertext))))

;; What the manual promises of pieces: on block boundaries, the same
;; bytes as at once.
(test-equal "stream modes in pieces of whole blocks"
  '((cipher/salsa20-256 #t) (cipher/chacha20-32 #t) (cipher/aes-128-cfb8 #t)
    (cipher/gost28147-tc26z-cfb #t) (cipher/kuznyechik-ctr-acpkm #t))
  (map (lambda (name)
         (let* ((algorithm (cipher-value name))
                (size (cipher-block-size algorithm)))
           (define (encrypted pieces)
             (let ((cipher (make-cipher algorithm
                                        (make-bytevector (cipher-key-size algorithm) 1)
                                        (make-bytevector (cipher-iv-size algorithm) 2))))
               (apply bytevector-append
                      (map (lambda (n) (cipher-encrypt cipher (make-bytevector n 0)))
                           pieces))))
           (list name (equal? (encrypted (list (+ (* 2 size) 5)))
                              (encrypted (list size size 5))))))
       '(cipher/salsa20-256 cipher/chacha20-32 cipher/aes-128-cfb8
         cipher/gost28147-tc26z-cfb cipher/kuznyechik-ctr-acpkm)))

;;; Every AEAD algorithm: round trips and tampering.

(define aead-ciphers
  (filter (lambda (name) (> (cipher-tag-size (cipher-value name)) 0)) all-ciphers))

(test-equal "the AEAD algorithms"
  '(cipher/aes-128-ccm cipher/aes-128-ccm-8 cipher/aes-128-gcm cipher/aes-128-siv
    cipher/aes-192-gcm cipher/aes-256-ccm cipher/aes-256-ccm-8 cipher/aes-256-gcm
    cipher/aes-256-siv cipher/camellia-128-gcm cipher/camellia-256-gcm
    cipher/chacha20-poly1305)
  aead-ciphers)

(define decryption-failed (list 'gnutls-error error/decryption-failed))

(define message (string->utf8 "a message of more than one block, and a bit"))
(define header (string->utf8 "associated"))

(for-each
 (lambda (name)
   (let* ((algorithm (cipher-value name))
          (aead (make-aead-cipher algorithm
                                  (make-bytevector (cipher-key-size algorithm) 3)))
          (nonce (make-bytevector (cipher-iv-size algorithm) 5))
          (tag-size (cipher-tag-size algorithm))
          (sealed (aead-cipher-encrypt aead nonce header 0 message))
          (last (- (bytevector-length sealed) 1)))
     (define (open nonce header sealed)
       (outcome (lambda () (aead-cipher-decrypt aead nonce header 0 sealed))))
     (test-equal (format #f "~a: round trip, then each part tampered with" name)
       (list algorithm
             (+ (bytevector-length message) tag-size)
             message
             decryption-failed          ; the tag's last byte flipped
             decryption-failed          ; the first byte
             decryption-failed          ; the associated data
             decryption-failed          ; the nonce
             decryption-failed)         ; the tag cut short
       (list (aead-cipher-algorithm aead)
             (bytevector-length sealed)
             (open nonce header sealed)
             (open nonce header (flip-first-bit sealed last))
             (open nonce header (flip-first-bit sealed 0))
             (open nonce (flip-first-bit header 0) sealed)
             (open (flip-first-bit nonce 0) header sealed)
             (open nonce header (sub sealed 0 (- tag-size 1)))))))
 aead-ciphers)

(test-equal "a shorter tag: the sizes a message takes, and it opens"
  (list (+ (bytevector-length message) 8) message
        (list 'gnutls-error error/decryption-failed))
  (let* ((aead (make-aead-cipher cipher/aes-128-gcm (make-bytevector 16 1)))
         (nonce (make-bytevector 12 2))
         (sealed (aead-cipher-encrypt aead nonce header 8 message)))
    (list (bytevector-length sealed)
          (aead-cipher-decrypt aead nonce header 8 sealed)
          (outcome (lambda () (aead-cipher-decrypt aead nonce header 16 sealed))))))

;;; Sizes and call orders that are refused.

(define gcm (make-cipher cipher/aes-128-gcm (make-bytevector 16 0) (make-bytevector 12 0)))
(define cbc (make-cipher cipher/aes-128-cbc cbc-key cbc-iv))
(define gcm-aead (make-aead-cipher cipher/aes-128-gcm (make-bytevector 16 0)))

(define (fresh-gcm)
  (make-cipher cipher/aes-128-gcm (make-bytevector 16 0) (make-bytevector 12 0)))

(define invalid-request (list 'gnutls-error error/invalid-request))

(test-equal "make-cipher: key and IV sizes, and modes it cannot do"
  (list '(out-of-range) '(out-of-range) '(out-of-range) '(out-of-range)
        invalid-request invalid-request invalid-request
        (list 'gnutls-error error/invalid-request))
  (list (outcome (lambda () (make-cipher cipher/aes-128-gcm (make-bytevector 15) (make-bytevector 12))))
        (outcome (lambda () (make-cipher cipher/aes-128-gcm (make-bytevector 32) (make-bytevector 12))))
        (outcome (lambda () (make-cipher cipher/aes-128-gcm (make-bytevector 16) (make-bytevector 16))))
        (outcome (lambda () (make-cipher cipher/aes-128-cbc (make-bytevector 16) #vu8())))
        (outcome (lambda () (make-cipher cipher/aes-128-ccm (make-bytevector 16) (make-bytevector 12))))
        (outcome (lambda () (make-cipher cipher/aes-128-siv (make-bytevector 32) (make-bytevector 16))))
        (outcome (lambda () (make-cipher cipher/null #vu8() #vu8())))
        (outcome (lambda () (make-cipher cipher/idea-pgp-cfb #vu8() #vu8())))))

(test-equal "a block cipher takes whole blocks"
  (list invalid-request invalid-request 32)
  (list (outcome (lambda () (cipher-encrypt cbc (make-bytevector 15))))
        (outcome (lambda () (cipher-decrypt cbc (make-bytevector 17))))
        (bytevector-length (cipher-encrypt cbc (make-bytevector 32)))))

(test-equal "an authenticated mode: a partial block ends the data"
  (list 15 invalid-request invalid-request)
  (let ((cipher (fresh-gcm)))
    (list (bytevector-length (cipher-encrypt cipher (make-bytevector 15)))
          (outcome (lambda () (cipher-encrypt cipher (make-bytevector 16))))
          (outcome (lambda () (cipher-decrypt cipher (make-bytevector 16)))))))

(test-equal "ChaCha20-Poly1305 in pieces: whole 64-byte blocks before the last"
  (list 64 3 invalid-request)
  (let ((cipher (make-cipher cipher/chacha20-poly1305 chacha-key chacha-nonce)))
    (list (bytevector-length (cipher-encrypt cipher (make-bytevector 64)))
          (bytevector-length (cipher-encrypt cipher (make-bytevector 3)))
          (outcome (lambda () (cipher-encrypt cipher (make-bytevector 64)))))))

(test-equal "associated data comes first, a partial block last"
  (list invalid-request invalid-request *unspecified*)
  (list (let ((cipher (fresh-gcm)))
          (cipher-encrypt cipher (make-bytevector 16))
          (outcome (lambda () (cipher-add-auth! cipher (make-bytevector 16)))))
        (let ((cipher (fresh-gcm)))
          (cipher-add-auth! cipher (make-bytevector 5))
          (outcome (lambda () (cipher-add-auth! cipher (make-bytevector 16)))))
        (let ((cipher (fresh-gcm)))
          (cipher-encrypt cipher (make-bytevector 16))
          (cipher-set-iv! cipher (make-bytevector 12))
          (cipher-add-auth! cipher (make-bytevector 16)))))

(test-equal "unauthenticated modes have no associated data and no tag"
  (list invalid-request invalid-request)
  (list (outcome (lambda () (cipher-add-auth! cbc (make-bytevector 16))))
        (outcome (lambda () (cipher-tag cbc 16)))))

(test-equal "cipher-tag sizes"
  (list invalid-request invalid-request '(out-of-range) 1 16)
  (list (outcome (lambda () (cipher-tag gcm 0)))
        (outcome (lambda () (cipher-tag gcm 17)))
        (outcome (lambda () (cipher-tag gcm -1)))
        (bytevector-length (cipher-tag gcm 1))
        (bytevector-length (cipher-tag gcm 16))))

(test-equal "a wrong IV size never reaches GnuTLS, which keeps working"
  (list '(out-of-range) '(out-of-range) '(out-of-range) 16)
  (list (outcome (lambda () (cipher-set-iv! gcm (make-bytevector 11))))
        (outcome (lambda () (cipher-set-iv! gcm (make-bytevector 13))))
        (outcome (lambda () (cipher-set-iv! cbc #vu8())))
        ;; GnuTLS would have switched the whole library to its error state.
        (bytevector-length
         (cipher-encrypt (make-cipher cipher/aes-128-gcm (make-bytevector 16)
                                      (make-bytevector 12))
                         (make-bytevector 16)))))

(define (aead-outcome algorithm nonce-size tag-size)
  (outcome
   (lambda ()
     (aead-cipher-encrypt (make-aead-cipher algorithm
                                            (make-bytevector (cipher-key-size algorithm)))
                          (make-bytevector nonce-size) header tag-size message))))

(test-equal "AEAD nonce sizes"
  (list '(out-of-range) '(out-of-range) '(out-of-range) '(out-of-range)
        '(out-of-range) '(out-of-range))
  (list (aead-outcome cipher/aes-128-gcm 0 0)
        (aead-outcome cipher/aes-128-ccm 6 0)
        (aead-outcome cipher/aes-128-ccm 14 0)
        (aead-outcome cipher/chacha20-poly1305 11 0)
        (aead-outcome cipher/chacha20-poly1305 13 0)
        (aead-outcome cipher/aes-128-siv 0 0)))

(test-equal "AEAD nonce sizes that are taken"
  (list 59 59 59 59 59)
  (map (lambda (outcome)
         (if (bytevector? outcome) (bytevector-length outcome) outcome))
       (list (aead-outcome cipher/aes-128-gcm 1 0)
             (aead-outcome cipher/aes-128-gcm 16 0)
             (aead-outcome cipher/aes-128-ccm 7 0)
             (aead-outcome cipher/aes-128-ccm 13 0)
             (aead-outcome cipher/aes-128-siv 1 0))))

(test-equal "AEAD tag sizes"
  (list '(out-of-range) '(out-of-range) '(out-of-range) '(out-of-range)
        '(out-of-range) '(out-of-range) 47 49)
  (map (lambda (outcome)
         (if (bytevector? outcome) (bytevector-length outcome) outcome))
       (list (aead-outcome cipher/aes-128-gcm 12 3)
             (aead-outcome cipher/aes-128-gcm 12 17)
             (aead-outcome cipher/aes-128-ccm 12 5)
             (aead-outcome cipher/aes-128-ccm-8 12 10)
             (aead-outcome cipher/aes-128-siv 16 8)
             (aead-outcome cipher/chacha20-poly1305 12 (expt 2 40))
             (aead-outcome cipher/aes-128-gcm 12 4)
             (aead-outcome cipher/aes-128-ccm 12 6))))

(test-equal "AEAD: what is no AEAD cipher, and a key that does not fit"
  (list invalid-request invalid-request '(out-of-range) '(out-of-range))
  (list (outcome (lambda () (make-aead-cipher cipher/aes-128-cbc (make-bytevector 16))))
        (outcome (lambda () (make-aead-cipher cipher/idea-pgp-cfb #vu8())))
        (outcome (lambda () (make-aead-cipher cipher/aes-128-gcm (make-bytevector 17))))
        (outcome (lambda () (make-aead-cipher cipher/chacha20-poly1305 #vu8())))))

(test-equal "a ciphertext shorter than its tag"
  (list (list 'gnutls-error error/decryption-failed)
        (list 'gnutls-error error/decryption-failed))
  (list (outcome (lambda () (aead-cipher-decrypt gcm-aead (make-bytevector 12) #vu8() 0
                                                 (make-bytevector 15))))
        (outcome (lambda () (aead-cipher-decrypt gcm-aead (make-bytevector 12) #vu8() 4
                                                 #vu8())))))

(test-equal "predicates and algorithms"
  (list #t #f #t #f #f #f cipher/aes-128-gcm cipher/aes-128-gcm)
  (list (cipher? gcm) (cipher? gcm-aead) (aead-cipher? gcm-aead) (aead-cipher? gcm)
        (cipher? cipher/aes-128-gcm) (aead-cipher? #vu8())
        (cipher-algorithm gcm) (aead-cipher-algorithm gcm-aead)))

;;; Every cipher/ value.

(test-equal "every cipher/ value: a name and sizes"
  '()
  (filter-map
   (lambda (name)
     (let* ((algorithm (cipher-value name))
            (sizes (map (cut <> algorithm)
                        (list cipher-key-size cipher-iv-size cipher-block-size
                              cipher-tag-size))))
       (and (not (and (string? (cipher->string algorithm))
                      (every (lambda (n) (and (exact-integer? n) (>= n 0))) sizes)))
            (list name sizes))))
   all-ciphers))

(test-equal "sizes of some algorithms"
  '((16 12 16 16) (32 16 64 0) (0 0 0 0) (64 16 16 0))
  (map (lambda (algorithm)
         (map (cut <> algorithm)
              (list cipher-key-size cipher-iv-size cipher-block-size cipher-tag-size)))
       (list cipher/aes-128-gcm cipher/chacha20-32 cipher/twofish-pgp-cfb
             cipher/aes-256-xts)))

(define (exercise name)
  "Use the algorithm NAME every way, with keys and IVs of its sizes, and
return what went otherwise than a value, an out-of-range or a gnutls-error."
  (define algorithm (cipher-value name))
  (define (sized n) (make-bytevector n 7))
  (define problems '())
  (define (try what thunk)
    (match (outcome thunk)
      (((or 'gnutls-error 'out-of-range) . _) #f)
      (((? symbol? key)) (set! problems (cons (list name what key) problems)))
      (_ #f)))
  (let ((key (sized (cipher-key-size algorithm)))
        (iv (sized (cipher-iv-size algorithm))))
    (try 'make-aead-cipher
         (lambda ()
           (let ((aead (make-aead-cipher algorithm key)))
             (for-each (lambda (size)
                         (try (list 'aead size)
                              (lambda ()
                                (aead-cipher-decrypt
                                 aead iv header 0
                                 (aead-cipher-encrypt aead iv header 0 (sized size))))))
                       '(0 1 15 16 17 64)))))
    (try 'make-cipher
         (lambda ()
           (let ((cipher (make-cipher algorithm key iv)))
             (for-each (lambda (size)
                         (try (list 'encrypt size)
                              (lambda () (cipher-encrypt cipher (sized size))))
                         (try (list 'add-auth size)
                              (lambda () (cipher-add-auth! cipher (sized size))))
                         (try (list 'decrypt size)
                              (lambda () (cipher-decrypt cipher (sized size))))
                         (try (list 'tag size) (lambda () (cipher-tag cipher size)))
                         (try (list 'set-iv size)
                              (lambda () (cipher-set-iv! cipher (sized size)))))
                       '(0 1 7 8 15 16 17 64))))))
  problems)

(test-equal "every cipher/ value, used every way, in a child"
  '(exited 0 ())
  (call-in-child (lambda () (append-map exercise all-ciphers)) #:timeout 30))

(test-equal "two threads sharing one handle"
  '(exited 0 ok)
  (call-in-child
   (lambda ()
     (let* ((cipher (fresh-gcm))
            (work (lambda ()
                    (do ((i 0 (+ i 1))) ((= i 2000))
                      (outcome (lambda () (cipher-add-auth! cipher (make-bytevector 5))))
                      (outcome (lambda () (cipher-encrypt cipher (make-bytevector 7))))
                      (outcome (lambda () (cipher-tag cipher 16)))
                      (cipher-set-iv! cipher (make-bytevector 12)))))
            (threads (list (call-with-new-thread work) (call-with-new-thread work))))
       (for-each join-thread threads)
       'ok))
   #:timeout 30))

;;; Hostile arguments.

(define key16 (make-bytevector 16 0))
(define nonce12 (make-bytevector 12 0))

(for-each
 (match-lambda
   ((name proc . arguments)
    (test-equal (format #f "~a: hostile arguments" name) '()
      (argument-sweep proc arguments))))
 (list (list 'make-cipher make-cipher cipher/aes-128-gcm key16 nonce12)
       (list 'cipher-encrypt cipher-encrypt (fresh-gcm) (make-bytevector 16))
       (list 'cipher-decrypt cipher-decrypt (fresh-gcm) (make-bytevector 16))
       (list 'cipher-set-iv! cipher-set-iv! (fresh-gcm) nonce12)
       (list 'cipher-add-auth! cipher-add-auth! (fresh-gcm) (make-bytevector 16))
       (list 'cipher-tag cipher-tag (fresh-gcm) 16)
       (list 'cipher-algorithm cipher-algorithm (fresh-gcm))
       (list 'cipher-block-size cipher-block-size cipher/aes-128-gcm)
       (list 'cipher-iv-size cipher-iv-size cipher/aes-128-gcm)
       (list 'cipher-key-size cipher-key-size cipher/aes-128-gcm)
       (list 'cipher-tag-size cipher-tag-size cipher/aes-128-gcm)
       (list 'cipher? cipher? (fresh-gcm))
       (list 'make-aead-cipher make-aead-cipher cipher/aes-128-gcm key16)
       (list 'aead-cipher-encrypt aead-cipher-encrypt gcm-aead nonce12 header 0 message)
       (list 'aead-cipher-decrypt aead-cipher-decrypt gcm-aead nonce12 header 0
             (aead-cipher-encrypt gcm-aead nonce12 header 0 message))
       (list 'aead-cipher-algorithm aead-cipher-algorithm gcm-aead)
       (list 'aead-cipher? aead-cipher? gcm-aead)))

;;; The manual's example.

(define (manual-example file)
  "The forms of the example of FILE marked as run by the test suite, and
the value its @result{} line promises."
  (let* ((text (call-with-input-file file get-string-all))
         (start (string-contains text "@c The test suite runs this example."))
         (lisp (string-contains text "@lisp" start))
         (end (string-contains text "@end lisp" lisp))
         (body (substring text (+ lisp (string-length "@lisp")) end))
         (unescaped (regexp-substitute/global #f "@([@{}])" body 'pre 1 'post))
         (result (string-match "@result\\{\\} (.*)\n" unescaped)))
    (values (call-with-input-string (substring unescaped 0 (match:start result))
              (lambda (port)
                (let loop ((forms '()))
                  (let ((form (read port)))
                    (if (eof-object? form) (reverse forms) (loop (cons form forms)))))))
            (call-with-input-string (match:substring result 1) read))))

(call-with-values
    (lambda ()
      (manual-example (string-append (or (getenv "MESON_SOURCE_ROOT") ".")
                                     "/doc/ciphers.texi")))
  (lambda (forms expected)
    (test-equal "the manual's AES-256-GCM example does what it says"
      expected
      (let ((module (make-fresh-user-module)))
        (fold (lambda (form last) (eval form module)) #f forms)))))

(test-end "ciphers")
(test-exit)
