;;; Random bytes and their levels; base64 and hexadecimal against RFC 4648,
;;; strings and bytevectors, malformed text, inputs too large for GnuTLS,
;;; and hostile arguments.

(use-modules (srfi srfi-1)
             (srfi srfi-4)
             (srfi srfi-64)
             (ice-9 match)
             (ice-9 rdelim)
             (rnrs bytevectors)
             (system foreign)
             (test-support)
             (argument-sweep)
             (gnutls))

(test-begin "random-encoding")

(define (gnutls-error-name thunk)
  (match (gnutls-error-of thunk)
    ((error . _) (error->string error))
    (#f #f)))

;;; Random bytes

(define mebibyte (* 1024 1024))

(define (virtual-memory-kib)
  "The size of this process's address space, in KiB."
  (call-with-input-file "/proc/self/status"
    (lambda (port)
      (let loop ()
        (let ((line (read-line port)))
          (if (string-prefix? "VmSize:" line)
              (string->number (car (string-tokenize (substring line 7))))
              (loop)))))))

(define (distinct-bytes bv)
  (length (delete-duplicates (bytevector->u8-list bv))))

(test-group "gnutls-random"
  (for-each
   (lambda (level)
     (let ((name (random-level->string level)))
       (test-equal (string-append name ": 0 bytes") #vu8() (gnutls-random level 0))
       (test-equal (string-append name ": 1 MiB, every byte value, two draws differ")
         (list mebibyte 256 #f)
         (let ((first (gnutls-random level mebibyte)))
           (list (bytevector-length first)
                 (distinct-bytes (gnutls-random level 4096))
                 (equal? first (gnutls-random level mebibyte)))))))
   (list random-level/nonce random-level/random random-level/key))
  (test-equal "random bytes outlive collections while referenced"
    ;; They live outside the GC heap, freed (and wiped) by a finalizer:
    ;; freed too early, they would read as zeros or garbage here.
    '(#t #t #t)
    (let* ((kept (map (lambda (i) (gnutls-random random-level/key 4096)) (iota 3)))
           (copies (map bytevector-copy kept)))
      (do ((i 0 (+ i 1))) ((= i 300))
        (gnutls-random random-level/nonce 65536))
      (gc) (gc)
      (map equal? kept copies)))
  (test-equal "the levels' names"
    '("nonce" "random" "key")
    (map random-level->string (list random-level/nonce random-level/random random-level/key)))
  (test-equal "lengths below 0 or from 2^31 are out of range"
    '(out-of-range out-of-range)
    (map (lambda (length)
           (car (error-of (lambda () (gnutls-random random-level/nonce length)))))
         (list -1 (expt 2 31))))
  ;; Under the sanitizers a failed allocation ends the process by design.
  (unless (getenv "SANITIZER_PRELOAD")
    (test-equal "more than the memory at hand raises out-of-memory"
      '(exited 0 out-of-memory)
      (call-in-child
       (lambda ()
         ;; Room for 64 MiB more than the child maps now.
         (setrlimit 'as (* 1024 (+ (virtual-memory-kib) 65536)) #f)
         (car (error-of (lambda () (gnutls-random random-level/key (expt 2 30))))))))))

;;; Base64 and hexadecimal

(define rfc-4648-vectors
  ;; RFC 4648 section 10: (INPUT BASE64 BASE16).
  '(("" "" "")
    ("f" "Zg==" "66")
    ("fo" "Zm8=" "666F")
    ("foo" "Zm9v" "666F6F")
    ("foob" "Zm9vYg==" "666F6F62")
    ("fooba" "Zm9vYmE=" "666F6F6261")
    ("foobar" "Zm9vYmFy" "666F6F626172")))

(test-group "RFC 4648 test vectors"
  (for-each
   (match-lambda
     ((input base64 base16)
      (let ((bytes (string->utf8 input)))
        (test-equal (format #f "~s: encodings of the string and of its bytes" input)
          (list base64 base64 (string-downcase base16) (string-downcase base16))
          (list (base64-encode input) (base64-encode bytes)
                (hex-encode input) (hex-encode bytes)))
        (test-equal (format #f "~s: decoded, from strings and from bytevectors" input)
          (make-list 5 bytes)
          (list (base64-decode base64) (base64-decode (string->utf8 base64))
                (hex-decode base16) (hex-decode (string-downcase base16))
                (hex-decode (string->utf8 base16)))))))
   rfc-4648-vectors))

(test-group "encodings"
  (test-equal "strings are encoded in UTF-8 first"
    '("w6lsw6h2ZSDOuw==" "c3a96cc3a8766520cebb")
    (list (base64-encode "élève λ") (hex-encode "élève λ")))
  (test-equal "base64 of 1000 bytes is one line, with no header"
    '(1336 #f #f)
    (let ((text (base64-encode (make-bytevector 1000 7))))
      (list (string-length text) (string-index text #\newline) (string-contains text "-----"))))
  (test-equal "base64 decoding skips line breaks and spaces"
    (string->utf8 "foobar")
    (base64-decode "Zm9v\nYm Fy\n"))
  (test-equal "uniform vectors are bytes too"
    "01000000ffffffff"
    (hex-encode (u32vector 1 #xffffffff))))

(test-equal "malformed text raises gnutls-error"
  (append (make-list 4 (error->string error/base64-decoding-error))
          (make-list 4 (error->string error/parsing-error)))
  (map gnutls-error-name
       (list (lambda () (base64-decode "Zm9vYg"))        ; padding missing
             (lambda () (base64-decode "Zm9v!mFy"))
             (lambda () (base64-decode "-_-_"))          ; base64url
             (lambda () (base64-decode "Z"))
             (lambda () (hex-decode "666"))              ; odd
             (lambda () (hex-decode "zz"))
             (lambda () (hex-decode "66 6f"))
             (lambda () (hex-decode "0x66")))))

(define (call-with-unbacked-bytevector size proc)
  "Call PROC with a read-only bytevector of SIZE bytes that takes no
memory (a private anonymous mapping, never touched), then unmap it."
  (let* ((libc (dynamic-link))
         (mmap (pointer->procedure '* (dynamic-func "mmap" libc)
                                   (list '* size_t int int int long)))
         (munmap (pointer->procedure int (dynamic-func "munmap" libc) (list '* size_t)))
         (prot-read 1) (map-private 2) (map-anonymous #x20) (map-noreserve #x4000)
         (address (mmap %null-pointer size prot-read
                        (logior map-private map-anonymous map-noreserve) -1 0)))
    (when (= (pointer-address address) (- (expt 2 64) 1))
      (error "mmap failed"))
    (let ((result (proc (pointer->bytevector address size))))
      (munmap address size)
      result)))

(test-equal "inputs larger than GnuTLS takes are out of range, not truncated"
  ;; In a child, so that a missing check (GnuTLS reading 4 GiB) cannot
  ;; stall the suite.
  '(exited 0 (out-of-range out-of-range out-of-range out-of-range))
  (call-in-child
   (lambda ()
     (call-with-unbacked-bytevector (+ (expt 2 32) 1)
       (lambda (huge)
         (map (lambda (proc) (car (error-of (lambda () (proc huge)))))
              (list base64-encode base64-decode hex-encode hex-decode)))))))

;;; Hostile arguments

(for-each
 (match-lambda
   ((proc . arguments)
    (test-equal (format #f "~a: hostile arguments" (procedure-name proc))
      '() (argument-sweep proc arguments))))
 `((,gnutls-random ,random-level/key 16)
   (,random-level->string ,random-level/nonce)
   (,base64-encode #vu8(1 2 3))
   (,base64-encode "text")
   (,base64-decode "Zm9v")
   (,hex-encode #vu8(1 2 3))
   (,hex-decode "0aFF")))

(test-end "random-encoding")
(test-exit)
