;;; Digests and MACs: known answers from the standards, running digests
;;; against one-step ones, output resets, copies, the MACs that take a
;;; nonce or a key of one size, the algorithms GnuTLS cannot compute, use
;;; from two threads, hostile arguments, and the manual's JWS example.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (ice-9 match)
             (ice-9 rdelim)
             (ice-9 threads)
             (ice-9 eval-string)
             (rnrs bytevectors)
             (test-support)
             (argument-sweep)
             (gnutls))

(test-begin "hashing")

(define (hex text) (hex-decode text))
(define (octets byte count) (make-bytevector count byte))

(define (gnutls-error-name thunk)
  "The name of the gnutls-error THUNK raises, as a string, or #f."
  (match (gnutls-error-of thunk)
    ((error . _) (error->string error))
    (#f #f)))

(define unknown-algorithm (error->string error/unknown-algorithm))
(define invalid-request (error->string error/invalid-request))

;;; Known answers

(define two-block-message
  ;; FIPS 180-4 examples: the two-block message of SHA-224/256 (448 bits)
  ;; and of SHA-384/512 (896 bits).
  `((short . "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
    (long . ,(string-append "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                            "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"))))

(define digest-vectors
  ;; (ALGORITHM MESSAGE HEX-DIGEST).  SHA-2: the "abc" and two-block
  ;; examples of FIPS 180-4 (NIST's example values).  SHA-3: the "abc"
  ;; and empty-message examples of FIPS 202 (NIST's example values).
  `((,digest/sha224 "abc" "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")
    (,digest/sha224 ,(assq-ref two-block-message 'short)
     "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525")
    (,digest/sha256 "abc" "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    (,digest/sha256 ,(assq-ref two-block-message 'short)
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    (,digest/sha384 "abc"
     ,(string-append "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
                     "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"))
    (,digest/sha384 ,(assq-ref two-block-message 'long)
     ,(string-append "09330c33f71147e83d192fc782cd1b4753111b173b3b05d2"
                     "2fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039"))
    (,digest/sha512 "abc"
     ,(string-append "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"))
    (,digest/sha512 ,(assq-ref two-block-message 'long)
     ,(string-append "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
                     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"))
    (,digest/sha3-224 "abc" "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf")
    (,digest/sha3-224 "" "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7")
    (,digest/sha3-256 "abc" "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")
    (,digest/sha3-256 "" "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
    (,digest/sha3-384 "abc"
     ,(string-append "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c25"
                     "96da7cf0e49be4b298d88cea927ac7f539f1edf228376d25"))
    (,digest/sha3-384 ""
     ,(string-append "0c63a75b845e4f7d01107d852e4c2485c51a50aaaa94fc61"
                     "995e71bbee983a2ac3713831264adb47fb6bd1e058d5f004"))
    (,digest/sha3-512 "abc"
     ,(string-append "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
                     "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0"))
    (,digest/sha3-512 ""
     ,(string-append "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
                     "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26"))))

(define (running-digest algorithm message)
  "The digest of MESSAGE fed in one hash! to a running digest."
  (let ((hash (make-hash algorithm)))
    (hash! hash message)
    (hash-output hash)))

(test-group "digests: FIPS 180-4 and FIPS 202 examples"
  (for-each
   (match-lambda
     ((algorithm message expected)
      (let ((name (format #f "~a ~s" (digest->string algorithm)
                          (if (> (string-length message) 8) 'two-block message)))
            (data (string->utf8 message)))
        (test-equal (string-append name ", hash-direct")
          expected (hex-encode (hash-direct algorithm data)))
        (test-equal (string-append name ", running")
          expected (hex-encode (running-digest algorithm data)))
        (test-equal (string-append name ", hash-length")
          (/ (string-length expected) 2) (hash-length algorithm)))))
   digest-vectors))

(define hmac-vectors
  ;; RFC 4231 section 4, test cases 1-4, 6 and 7: (CASE KEY DATA MAC ...),
  ;; the MACs in hex in the order of `hmac-algorithms'.
  `((1 ,(octets #x0b 20) ,(string->utf8 "Hi There")
       "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22"
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
       ,(string-append "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6"
                       "82aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6")
       ,(string-append "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                       "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"))
    (2 ,(string->utf8 "Jefe") ,(string->utf8 "what do ya want for nothing?")
       "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
       ,(string-append "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
                       "e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649")
       ,(string-append "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                       "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"))
    (3 ,(octets #xaa 20) ,(octets #xdd 50)
       "7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea"
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
       ,(string-append "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9feb"
                       "e83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27")
       ,(string-append "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
                       "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"))
    (4 ,(u8-list->bytevector (iota 25 1)) ,(octets #xcd 50)
       "6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a"
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
       ,(string-append "3e8a69b7783c25851933ab6290af6ca77a9981480850009c"
                       "c5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb")
       ,(string-append "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
                       "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"))
    (6 ,(octets #xaa 131)
       ,(string->utf8 "Test Using Larger Than Block-Size Key - Hash Key First")
       "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e"
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
       ,(string-append "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f"
                       "3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952")
       ,(string-append "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                       "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"))
    (7 ,(octets #xaa 131)
       ,(string->utf8
         (string-append "This is a test using a larger than block-size key and a "
                        "larger than block-size data. The key needs to be hashed "
                        "before being used by the HMAC algorithm."))
       "3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1"
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
       ,(string-append "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9a"
                       "dccebb82461e99c5a678cc31e799176d3860e6110c46523e")
       ,(string-append "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
                       "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"))))

(define hmac-algorithms (list mac/sha224 mac/sha256 mac/sha384 mac/sha512))

(define (running-mac algorithm key data)
  (let ((hmac (make-hmac algorithm key)))
    (hmac! hmac data)
    (hmac-output hmac)))

(test-group "HMAC-SHA-2: RFC 4231"
  (for-each
   (match-lambda
     ((case key data . macs)
      (for-each
       (lambda (algorithm expected)
         (let ((name (format #f "~a case ~a" (mac->string algorithm) case)))
           (test-equal (string-append name ", hmac-direct")
             expected (hex-encode (hmac-direct algorithm key data)))
           (test-equal (string-append name ", running")
             expected (hex-encode (running-mac algorithm key data)))))
       hmac-algorithms macs)))
   hmac-vectors))

(test-group "AES-CMAC-128: RFC 4493 examples 1 and 2"
  (let ((key (hex "2b7e151628aed2a6abf7158809cf4f3c")))
    (test-equal "empty message"
      "bb1d6929e95937287fa37d129b756746"
      (hex-encode (hmac-direct mac/aes-cmac-128 key #vu8())))
    (test-equal "one block, running"
      "070a16b46b4d4144f79bdd9dd04a287c"
      (hex-encode (running-mac mac/aes-cmac-128 key
                               (hex "6bc1bee22e409f96e93d7e117393172a"))))))

;;; Running digests

(define random-state (seed->random-state 20240))

(define (random-bytes count)
  (u8-list->bytevector (map (lambda (i) (random 256 random-state)) (iota count))))

(define (random-pieces data)
  "DATA cut at random places into a list of bytevectors (some empty)."
  (let loop ((start 0) (pieces '()))
    (if (>= start (bytevector-length data))
        (reverse (cons #vu8() pieces))
        (let* ((size (min (random 200 random-state) (- (bytevector-length data) start)))
               (piece (make-bytevector size)))
          (bytevector-copy! data start piece 0 size)
          (loop (+ start size) (cons piece pieces))))))

(define (fed-in-pieces make feed! output pieces)
  (let ((running (make)))
    (for-each (lambda (piece) (feed! running piece)) pieces)
    (output running)))

(test-group "incremental equals one step, over random cuts"
  (for-each
   (lambda (algorithm)
     (let ((data (random-bytes (random 3000 random-state))))
       (test-equal (format #f "~a over ~a bytes" (digest->string algorithm)
                           (bytevector-length data))
         (hash-direct algorithm data)
         (fed-in-pieces (lambda () (make-hash algorithm)) hash! hash-output
                        (random-pieces data)))))
   (list digest/md5 digest/sha1 digest/sha224 digest/sha256 digest/sha384
         digest/sha512 digest/sha3-256 digest/sha3-512 digest/streebog-256))
  (let ((key (random-bytes 40))
        (data (random-bytes 2500)))
    (test-equal "HMAC-SHA-256 over 2500 bytes"
      (hmac-direct mac/sha256 key data)
      (fed-in-pieces (lambda () (make-hmac mac/sha256 key)) hmac! hmac-output
                     (random-pieces data)))))

(test-group "output starts over"
  (let ((hash (make-hash digest/sha256)))
    (hash! hash (string->utf8 "abc"))
    (test-equal "first output, then the empty message's digest"
      (list (hash-direct digest/sha256 (string->utf8 "abc"))
            (hash-direct digest/sha256 #vu8()))
      (let ((first (hash-output hash)))
        (list first (hash-output hash)))))
  (let ((hmac (make-hmac mac/sha256 (string->utf8 "Jefe"))))
    (hmac! hmac (string->utf8 "what do ya want "))
    (test-equal "an HMAC keeps its key"
      (list (hmac-direct mac/sha256 (string->utf8 "Jefe") (string->utf8 "what do ya want "))
            (hmac-direct mac/sha256 (string->utf8 "Jefe") (string->utf8 "for nothing?")))
      (let ((first (hmac-output hmac)))
        (hmac! hmac (string->utf8 "for nothing?"))
        (list first (hmac-output hmac))))))

(define (copies-go-their-own-way make feed! output copy direct)
  "Feed \"a\", copy, feed the copy \"bc\" and the original \"xyz\": return
whether each output is the one-step digest of its own message."
  (let ((original (make)))
    (feed! original (string->utf8 "a"))
    (let ((copied (copy original)))
      (feed! copied (string->utf8 "bc"))
      (feed! original (string->utf8 "xyz"))
      (list (equal? (output copied) (direct (string->utf8 "abc")))
            (equal? (output original) (direct (string->utf8 "axyz")))))))

(test-group "copies"
  (test-equal "hash-copy"
    '(#t #t)
    (copies-go-their-own-way (lambda () (make-hash digest/sha512)) hash! hash-output
                             hash-copy (lambda (data) (hash-direct digest/sha512 data))))
  (let ((key (string->utf8 "key")))
    (test-equal "hmac-copy"
      '(#t #t)
      (copies-go-their-own-way (lambda () (make-hmac mac/sha384 key)) hmac! hmac-output
                               hmac-copy (lambda (data) (hmac-direct mac/sha384 key data)))))
  (test-equal "algorithms and types"
    (list digest/sha512 mac/sha1 #t #f #t #f)
    (let ((hash (make-hash digest/sha512))
          (hmac (make-hmac mac/sha1 #vu8(1))))
      (list (hash-algorithm (hash-copy hash)) (hmac-algorithm (hmac-copy hmac))
            (hash? hash) (hash? hmac) (hmac? hmac) (hmac? hash)))))

;;; What GnuTLS cannot compute

(test-group "algorithms without an implementation"
  (test-equal "SHAKE and the null digest: no length, no digest"
    (list 0 0 unknown-algorithm unknown-algorithm unknown-algorithm unknown-algorithm)
    (list (hash-length digest/shake-128) (hmac-length mac/shake-256)
          (gnutls-error-name (lambda () (make-hash digest/shake-128)))
          (gnutls-error-name (lambda () (hash-direct digest/shake-256 #vu8(1))))
          (gnutls-error-name (lambda () (hash-direct digest/null #vu8())))
          (gnutls-error-name (lambda () (make-hmac mac/shake-128 #vu8(1))))))
  ;; GnuTLS makes an MD2 context but knows no length for its output.
  (test-equal "MD2: refused rather than written into no bytes"
    (list 0 unknown-algorithm unknown-algorithm)
    (list (hash-length digest/md2)
          (gnutls-error-name (lambda () (make-hash digest/md2)))
          (gnutls-error-name (lambda () (hash-direct digest/md2 #vu8(1))))))
  (test-equal "mac/aead is no MAC of its own"
    unknown-algorithm
    (gnutls-error-name (lambda () (hmac-direct mac/aead #vu8(1) #vu8(1))))))

;;; MACs that take a nonce, or a key of one size

(test-equal "nonce sizes"
  '(8 8 12 12 12 0 0)
  (map mac-nonce-size (list mac/umac-96 mac/umac-128 mac/aes-gmac-128 mac/aes-gmac-192
                            mac/aes-gmac-256 mac/sha256 mac/aes-cmac-128)))

(define (nonce-mac algorithm key nonce data)
  (let ((hmac (make-hmac algorithm key)))
    (set-hmac-nonce! hmac nonce)
    (hmac! hmac data)
    (hmac-output hmac)))

(test-group "MACs with a nonce"
  (for-each
   (match-lambda
     ((algorithm key-size length)
      (let* ((key (random-bytes key-size))
             (data (random-bytes 100))
             (mac (lambda (nonce) (nonce-mac algorithm key nonce data))))
        (test-equal (format #f "~a: length, same nonce same MAC, other nonce other MAC"
                            (mac->string algorithm))
          (list length #t #f)
          (list (bytevector-length (mac (octets 1 8)))
                (equal? (mac (octets 1 8)) (mac (octets 1 8)))
                (equal? (mac (octets 1 8)) (mac (octets 2 8)))))
        (test-equal (format #f "~a: hmac-direct refuses it" (mac->string algorithm))
          invalid-request
          (gnutls-error-name (lambda () (hmac-direct algorithm key data)))))))
   `((,mac/umac-96 16 12) (,mac/umac-128 16 16) (,mac/aes-gmac-128 16 16)
     (,mac/aes-gmac-256 32 16)))
  (test-equal "nonces refused: none taken, empty, longer than UMAC takes"
    (list invalid-request invalid-request invalid-request #f)
    (list (gnutls-error-name
           (lambda () (set-hmac-nonce! (make-hmac mac/sha256 #vu8(1)) (octets 0 8))))
          (gnutls-error-name
           (lambda () (set-hmac-nonce! (make-hmac mac/aes-gmac-128 (octets 0 16)) #vu8())))
          (gnutls-error-name
           (lambda () (set-hmac-nonce! (make-hmac mac/umac-96 (octets 0 16)) (octets 0 17))))
          (gnutls-error-name
           (lambda () (set-hmac-nonce! (make-hmac mac/aes-gmac-128 (octets 0 16))
                                       (octets 0 100)))))))

(test-equal "keys of the wrong size: refused, where GnuTLS would abort"
  ;; In a child: before the check, each of these ended the process.
  `(exited 0 ,(make-list 14 invalid-request))
  (call-in-child
   (lambda ()
     (append-map
      (match-lambda
        ((algorithm size)
         (map (lambda (wrong)
                (gnutls-error-name (lambda () (make-hmac algorithm (octets 7 wrong)))))
              (list (- size 1) (+ size 1)))))
      `((,mac/umac-96 16) (,mac/aes-cmac-128 16) (,mac/aes-cmac-256 32)
        (,mac/aes-gmac-192 24) (,mac/gost28147-tc26z-imit 32)
        (,mac/magma-omac 32) (,mac/kuznyechik-omac 32))))))

(test-equal "hmac-direct checks the key size too"
  (list invalid-request "bb1d6929e95937287fa37d129b756746")
  (list (gnutls-error-name (lambda () (hmac-direct mac/aes-cmac-128 (octets 0 15) #vu8())))
        (hex-encode (hmac-direct mac/aes-cmac-128 (hex "2b7e151628aed2a6abf7158809cf4f3c")
                                 #vu8()))))

;;; Threads

(test-equal "one running digest fed from two threads at once"
  ;; Every piece is the same, so any interleaving gives one digest; a
  ;; race inside GnuTLS's context would give another, or a crash.
  (list 'exited 0 (hex-encode (hash-direct digest/sha256 (octets 97 (* 2 20000 64)))))
  (call-in-child
   (lambda ()
     (let* ((hash (make-hash digest/sha256))
            (piece (octets 97 64))
            (feeder (lambda ()
                      (do ((i 0 (+ i 1))) ((= i 20000))
                        (hash! hash piece))))
            (other (call-with-new-thread feeder)))
       (feeder)
       (join-thread other)
       (hex-encode (hash-output hash))))))

;;; Hostile arguments

(let ((hash (make-hash digest/sha256))
      (hmac (make-hmac mac/sha256 #vu8(1 2 3)))
      (umac (make-hmac mac/umac-96 (make-bytevector 16 0))))
  (for-each
   (match-lambda
     ((proc . arguments)
      (test-equal (format #f "~a: hostile arguments" (procedure-name proc))
        '() (argument-sweep proc arguments))))
   `((,make-hash ,digest/sha256)
     (,hash! ,hash #vu8(1 2))
     (,hash-output ,hash)
     (,hash-copy ,hash)
     (,hash-direct ,digest/sha256 #vu8(1 2))
     (,hash-length ,digest/sha256)
     (,hash-algorithm ,hash)
     (,hash? ,hash)
     (,make-hmac ,mac/sha256 #vu8(1 2))
     (,make-hmac ,mac/aes-cmac-128 ,(make-bytevector 16 0))
     (,hmac! ,hmac #vu8(1 2))
     (,hmac-output ,hmac)
     (,hmac-copy ,hmac)
     (,hmac-direct ,mac/sha256 #vu8(1) #vu8(1 2))
     (,hmac-length ,mac/sha256)
     (,hmac-algorithm ,hmac)
     (,hmac? ,hmac)
     (,mac-nonce-size ,mac/umac-96)
     (,set-hmac-nonce! ,umac ,(make-bytevector 8 0)))))

;;; The manual's example

(define (manual-example file name)
  "The Scheme code between the lines `@c begin example NAME' and `@c end
example NAME' of the manual's FILE, its Texinfo escapes undone."
  (call-with-input-file (string-append (getenv "MESON_SOURCE_ROOT") "/doc/" file)
    (lambda (port)
      (let loop ((inside? #f) (lines '()))
        (let ((line (read-line port)))
          (cond ((eof-object? line) (error "no such example in the manual" name))
                ((string=? line (string-append "@c begin example " name)) (loop #t lines))
                ((string=? line (string-append "@c end example " name))
                 (let ((text (string-join (reverse lines) "\n")))
                   (fold (lambda (escape text)
                           (string-join (string-split-string text (car escape)) (cdr escape)))
                         text '(("@{" . "{") ("@}" . "}") ("@@" . "@")))))
                ((and inside? (not (string-prefix? "@" line))) (loop #t (cons line lines)))
                (else (loop inside? lines))))))))

(define (string-split-string text separator)
  (let loop ((start 0) (pieces '()))
    (match (string-contains text separator start)
      (#f (reverse (cons (substring text start) pieces)))
      (at (loop (+ at (string-length separator)) (cons (substring text start at) pieces))))))

(test-equal "the JWS example of the manual gives RFC 7515's signature (appendix A.1)"
  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
  (let ((module (make-fresh-user-module)))
    (module-use! module (resolve-interface '(gnutls)))
    (eval-string (manual-example "hashing.texi" "jws") #:module module)
    (eval 'signature module)))

(test-end "hashing")
(test-exit)
