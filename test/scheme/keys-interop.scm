;;; Keys and signatures against OpenSSL: signatures made here verify with
;;; `openssl dgst' and `openssl pkeyutl', signatures and keys made by
;;; OpenSSL work here, and keys made here pass `openssl pkey -check'.

(use-modules (srfi srfi-1)
             (srfi srfi-64)
             (ice-9 match)
             (rnrs bytevectors)
             (rnrs io ports)
             (test-support)
             (test-certificates)
             (external-peers)
             (gnutls))

(define (write-file file bytes)
  (call-with-output-file file
    (lambda (port) (put-bytevector port bytes))
    #:binary #t))

(define (run dir program . arguments)
  "Run PROGRAM with ARGUMENTS, its output in DIR/PROGRAM.log; return its
exit value (#f if it died of a signal, its alarm included)."
  (let ((log (string-append dir "/" program ".log")))
    (status:exit-val
     (cdr (waitpid (spawn-program program arguments #:stdin "/dev/null"
                                  #:stdout log #:stderr log))))))

(define (flip-bit bv index)
  (let ((copy (bytevector-copy bv)))
    (bytevector-u8-set! copy index (logxor 1 (bytevector-u8-ref copy index)))
    copy))

(define (unsigned-hex bv width)
  "BV, a big-endian unsigned integer, in WIDTH bytes of hexadecimal
(leading zero bytes dropped or added)."
  (let* ((bytes (drop-while zero? (bytevector->u8-list bv)))
         (padded (append (make-list (max 0 (- width (length bytes))) 0) bytes)))
    (bytevector->hex (u8-list->bytevector padded))))

(define (integer-line name bv)
  (string-append name "=INTEGER:0x" (unsigned-hex bv 1) "\n"))

(define (rsa-private-key-config key)
  "An `openssl asn1parse -genconf' description of KEY as a PKCS#1
RSAPrivateKey, built from its raw parameters."
  (call-with-values (lambda () (private-key-export-raw-rsa key))
    (lambda (m e d p q u e1 e2)
      (string-append "asn1=SEQUENCE:key\n[key]\nversion=INTEGER:0\n"
                     (integer-line "n" m) (integer-line "e" e) (integer-line "d" d)
                     (integer-line "p" p) (integer-line "q" q)
                     (integer-line "dp" e1) (integer-line "dq" e2)
                     (integer-line "qinv" u)))))

(define (p256-private-key-config key)
  "The same for KEY, a P-256 key, as an RFC 5915 ECPrivateKey."
  (call-with-values (lambda () (private-key-export-raw-ecc key))
    (lambda (curve x y k)
      (string-append "asn1=SEQUENCE:key\n[key]\nversion=INTEGER:1\n"
                     "k=FORMAT:HEX,OCTETSTRING:" (unsigned-hex k 32) "\n"
                     "curve=EXPLICIT:0,OID:prime256v1\n"
                     "point=EXPLICIT:1,FORMAT:HEX,BITSTRING:04"
                     (unsigned-hex x 32) (unsigned-hex y 32) "\n"))))

(define message (string->utf8 "{\"iss\":\"joe\",\"exp\":1300819380}"))

(test-begin "keys-interop")

(define (openssl-tests dir)
  (define (file name) (string-append dir "/" name))
  (define p256 (generate-private-key pk-algorithm/ecdsa ecc-curve/secp256r1))
  (define rsa (generate-private-key pk-algorithm/rsa 2048))
  (define ed25519 (generate-private-key pk-algorithm/eddsa-ed25519 ecc-curve/ed25519))
  (define (export-public key name)
    (write-file (file name)
                (public-key-export (private-key->public-key key '())
                                   x509-certificate-format/pem)))
  (write-file (file "message") message)
  (export-public p256 "p256.pem")
  (export-public rsa "rsa.pem")
  (export-public ed25519 "ed25519.pem")

  (test-equal "openssl dgst verifies ECDSA and RSA signatures made here"
    '((0 1) (0 1))
    (map (match-lambda
           ((key algorithm pem)
            (let ((signature (private-key-sign-data key algorithm message '())))
              (map (lambda (bytes)
                     (write-file (file "signature") bytes)
                     (run dir "openssl" "dgst" "-sha256" "-verify" (file pem)
                          "-signature" (file "signature") (file "message")))
                   (list signature (flip-bit signature 10))))))
         `((,p256 ,sign-algorithm/ecdsa-sha256 "p256.pem")
           (,rsa ,sign-algorithm/rsa-sha256 "rsa.pem"))))
  (test-equal "openssl pkeyutl verifies an Ed25519 signature made here"
    0
    (begin
      (write-file (file "ed25519.sig")
                  (private-key-sign-data ed25519 sign-algorithm/eddsa-ed25519 message '()))
      (run dir "openssl" "pkeyutl" "-verify" "-pubin" "-inkey" (file "ed25519.pem")
           "-rawin" "-in" (file "message") "-sigfile" (file "ed25519.sig"))))
  (test-equal "openssl accepts the public keys exported here"
    '(0 0 0)
    (map (lambda (pem)
           (run dir "openssl" "pkey" "-pubin" "-in" (file pem) "-pubcheck" "-noout"))
         '("p256.pem" "rsa.pem" "ed25519.pem")))
  (test-equal "openssl pkey -check accepts the raw parameters of keys made here"
    '((0 0) (0 0))
    (map (match-lambda
           ((name config)
            (call-with-output-file (file (string-append name ".conf"))
              (lambda (port) (display config port)))
            (list (run dir "openssl" "asn1parse" "-genconf"
                       (file (string-append name ".conf"))
                       "-out" (file (string-append name ".der")) "-noout")
                  (run dir "openssl" "pkey" "-inform" "DER"
                       "-in" (file (string-append name ".der")) "-check" "-noout"))))
         `(("rsa-key" ,(rsa-private-key-config rsa))
           ("p256-key" ,(p256-private-key-config p256)))))
  (test-equal "signatures and keys made by openssl work here"
    (list '(0 0 0) 'valid 'valid (list error/pk-sig-verify-failed))
    (let ((status
           (list (run dir "openssl" "genpkey" "-algorithm" "EC"
                      "-pkeyopt" "ec_paramgen_curve:P-256" "-out" (file "openssl-key.pem"))
                 (run dir "openssl" "pkey" "-in" (file "openssl-key.pem") "-pubout"
                      "-out" (file "openssl-pub.pem"))
                 (run dir "openssl" "dgst" "-sha256" "-sign" (file "openssl-key.pem")
                      "-out" (file "openssl.sig") (file "message")))))
      (let ((pub (import-public-key (read-file-bytes (file "openssl-pub.pem"))
                                    x509-certificate-format/pem))
            (key (import-private-key (read-file-bytes (file "openssl-key.pem"))
                                     x509-certificate-format/pem))
            (signature (read-file-bytes (file "openssl.sig"))))
        (list status
              (match (gnutls-error-of
                      (lambda ()
                        (public-key-verify-data pub sign-algorithm/ecdsa-sha256 message
                                                signature)))
                (#f 'valid)
                (error error))
              (match (gnutls-error-of
                      (lambda ()
                        (public-key-verify-data
                         pub sign-algorithm/ecdsa-sha256 message
                         (private-key-sign-data key sign-algorithm/ecdsa-sha256 message
                                                '()))))
                (#f 'valid)
                (error error))
              (gnutls-error-of
               (lambda ()
                 (public-key-verify-data pub sign-algorithm/ecdsa-sha256
                                         (flip-bit message 0) signature))))))))

(define have-openssl (program-available? "openssl" "version"))
(test-assert "openssl is installed" have-openssl)
(when have-openssl
  (call-with-temporary-directory "keys-interop" openssl-tests))

(test-end "keys-interop")
(test-exit)
