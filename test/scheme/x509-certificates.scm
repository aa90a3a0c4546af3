;;; X.509 certificates, private keys and certificate credentials, without
;;; a handshake: import, accessors, loading files and data, errors.

(use-modules (srfi srfi-64)
             (srfi srfi-1)
             (ice-9 match)
             (rnrs bytevectors)
             (test-support)
             (test-certificates)
             (gnutls))

(define (pem-certificate file)
  (import-x509-certificate (read-file-bytes file) x509-certificate-format/pem))

(test-begin "x509-certificates")

(call-with-test-pki
 (lambda (pki)
   (define dir (pki-directory pki))
   (define (file name) (string-append dir "/" name))
   (define server (pem-certificate (pki-file pki 'server-cert)))
   (define ca (pem-certificate (pki-file pki 'ca-cert)))
   (define client (pem-certificate (pki-file pki 'client-cert)))

   (test-group "import"
     (test-assert "certificate" (x509-certificate? server))
     (test-assert "not a certificate" (not (x509-certificate? 42)))
     (test-assert "DER import"
       (begin
         (run-certtool dir "--certificate-info" "--outder"
                       "--infile" (pki-file pki 'server-cert)
                       "--outfile" (file "server-cert.der"))
         (let ((der (import-x509-certificate (read-file-bytes (file "server-cert.der"))
                                             x509-certificate-format/der)))
           (equal? (x509-certificate-fingerprint der digest/sha256)
                   (x509-certificate-fingerprint server digest/sha256)))))
     (test-equal "garbage is a gnutls-error" 'gnutls-error
       (car (error-of
             (lambda ()
               (import-x509-certificate (string->utf8 "not a certificate")
                                        x509-certificate-format/pem)))))
     (test-assert "private key"
       (x509-private-key? (import-x509-private-key (read-file-bytes (pki-file pki 'server-key))
                                                   x509-certificate-format/pem)))
     (test-assert "not a private key" (not (x509-private-key? server)))
     (test-equal "PKCS#8 import of a PKCS#1 key" 'gnutls-error
       (car (error-of
             (lambda ()
               (pkcs8-import-x509-private-key (read-file-bytes (pki-file pki 'server-key))
                                              x509-certificate-format/pem #f #f)))))
     ;; certtool only writes encrypted PKCS#8; openssl writes it plain.
     (when (zero? (system* "openssl" "pkey" "-in" (pki-file pki 'server-key)
                           "-out" (file "server-key-plain.p8")))
       (test-assert "unencrypted PKCS#8 key"
         (x509-private-key?
          (pkcs8-import-x509-private-key (read-file-bytes (file "server-key-plain.p8"))
                                         x509-certificate-format/pem #f #f))))
     (run-certtool dir "--to-p8" "--load-privkey" (pki-file pki 'server-key)
                   "--password" "sésame" "--outfile" (file "server-key.p8"))
     (test-assert "encrypted PKCS#8 key with its password"
       (x509-private-key?
        (pkcs8-import-x509-private-key (read-file-bytes (file "server-key.p8"))
                                       x509-certificate-format/pem "sésame")))
     (test-equal "encrypted PKCS#8 key, wrong password" 'gnutls-error
       (car (error-of
             (lambda ()
               (pkcs8-import-x509-private-key (read-file-bytes (file "server-key.p8"))
                                              x509-certificate-format/pem "wrong" #t)))))
     ;; A C string ends at its first NUL: the password must not be cut
     ;; short to its right part and accepted.
     (test-equal "a password with a NUL character is out of range" 'out-of-range
       (car (error-of
             (lambda ()
               (pkcs8-import-x509-private-key (read-file-bytes (file "server-key.p8"))
                                              x509-certificate-format/pem
                                              "sésame\x00;more" #t))))))

   (test-group "accessors"
     (test-equal "dn" "O=Test PKI,CN=localhost" (x509-certificate-dn server))
     (test-equal "issuer dn" "O=Test PKI,CN=Test CA" (x509-certificate-issuer-dn server))
     (test-equal "self-signed issuer" (x509-certificate-dn ca) (x509-certificate-issuer-dn ca))
     (test-equal "dn oids" '("2.5.4.10" "2.5.4.3" #f)
       (map (lambda (i) (x509-certificate-dn-oid server i)) '(0 1 2)))
     (test-equal "issuer dn oids" '("2.5.4.10" "2.5.4.3" #f)
       (map (lambda (i) (x509-certificate-issuer-dn-oid server i)) '(0 1 2)))
     (test-equal "version" 3 (x509-certificate-version server))
     (test-equal "public key algorithm" (list pk-algorithm/ecdsa 256)
       (call-with-values (lambda () (x509-certificate-public-key-algorithm server)) list))
     (test-eq "signature algorithm" sign-algorithm/ecdsa-sha256
       (x509-certificate-signature-algorithm server))
     (test-equal "sha256 fingerprint" 32
       (bytevector-length (x509-certificate-fingerprint server digest/sha256)))
     (test-assert "fingerprints differ"
       (not (equal? (x509-certificate-fingerprint server digest/sha1)
                    (x509-certificate-fingerprint client digest/sha1))))
     (test-equal "key id" 20 (bytevector-length (x509-certificate-key-id server)))
     (test-equal "authority key id is the CA's subject key id"
       (x509-certificate-subject-key-id ca)
       (x509-certificate-authority-key-id server))
     (test-equal "subject key id is the key id"
       (x509-certificate-key-id server)
       (x509-certificate-subject-key-id server))
     (test-equal "server key usage" (list key-usage/digital-signature)
       (x509-certificate-key-usage server))
     (test-assert "CA key usage"
       (lset= eq? (list key-usage/key-cert-sign key-usage/crl-sign)
              (x509-certificate-key-usage ca)))
     (test-equal "subject alternative names"
       (list (list x509-subject-alternative-name/dnsname "localhost")
             (list x509-subject-alternative-name/ipaddress "127.0.0.1")
             (list #f #f))
       (map (lambda (i)
              (call-with-values
                  (lambda () (x509-certificate-subject-alternative-name server i))
                list))
            '(0 1 2)))
     (test-equal "e-mail alternative name"
       (list x509-subject-alternative-name/rfc822name "client@example.org")
       (call-with-values
           (lambda () (x509-certificate-subject-alternative-name client 0))
         list))
     (test-assert "matches localhost" (x509-certificate-matches-hostname? server "localhost"))
     (test-assert "matches its IP address" (x509-certificate-matches-hostname? server "127.0.0.1"))
     (test-assert "does not match another host"
       (not (x509-certificate-matches-hostname? server "example.org")))
     (test-assert "wrong-host certificate"
       (not (x509-certificate-matches-hostname? (pem-certificate (pki-file pki 'wronghost-cert))
                                                "localhost"))))

   (test-group "wrong types"
     (test-assert "dn of a non-certificate" (wrong-type? (lambda () (x509-certificate-dn 42))))
     (test-assert "dn of a private key"
       (wrong-type? (lambda ()
                      (x509-certificate-dn
                       (import-x509-private-key (read-file-bytes (pki-file pki 'server-key))
                                                x509-certificate-format/pem)))))
     (test-assert "import from a string"
       (wrong-type? (lambda () (import-x509-certificate "data" x509-certificate-format/pem))))
     (test-assert "import with a non-format"
       (wrong-type? (lambda () (import-x509-certificate (read-file-bytes (pki-file pki 'ca-cert))
                                                        digest/sha1))))
     (test-assert "fingerprint with a non-digest"
       (wrong-type? (lambda () (x509-certificate-fingerprint server 'sha256))))
     (test-assert "hostname not a string"
       (wrong-type? (lambda () (x509-certificate-matches-hostname? server 'localhost))))
     (test-assert "dn-oid index not an integer"
       (wrong-type? (lambda () (x509-certificate-dn-oid server "0"))))
     (test-assert "trust file of non-credentials"
       (wrong-type? (lambda ()
                      (set-certificate-credentials-x509-trust-file!
                       (make-anonymous-client-credentials) (pki-file pki 'ca-cert)
                       x509-certificate-format/pem))))
     (test-assert "trust file name not a string"
       (wrong-type? (lambda ()
                      (set-certificate-credentials-x509-trust-file!
                       (make-certificate-credentials) 42 x509-certificate-format/pem))))
     (test-assert "keys! with a non-certificate in the list"
       (wrong-type? (lambda ()
                      (set-certificate-credentials-x509-keys!
                       (make-certificate-credentials) (list server 42)
                       (import-x509-private-key (read-file-bytes (pki-file pki 'server-key))
                                                x509-certificate-format/pem)))))
     (test-assert "keys! with an improper list"
       (wrong-type? (lambda ()
                      (set-certificate-credentials-x509-keys!
                       (make-certificate-credentials) (cons server server)
                       (import-x509-private-key (read-file-bytes (pki-file pki 'server-key))
                                                x509-certificate-format/pem)))))
     (test-assert "keys! with a certificate as key"
       (wrong-type? (lambda ()
                      (set-certificate-credentials-x509-keys!
                       (make-certificate-credentials) (list server) server))))
     (test-assert "verify flags of the wrong enumerate"
       (wrong-type? (lambda ()
                      (set-certificate-credentials-verify-flags!
                       (make-certificate-credentials) certificate-status/expired))))
     (test-assert "peer-certificate-status of a non-session"
       (wrong-type? (lambda () (peer-certificate-status (make-certificate-credentials)))))
     (test-assert "session credentials of the wrong kind"
       (wrong-type? (lambda () (set-session-credentials! (make-session connection-end/client)
                                                         server)))))

   (test-group "credentials"
     (define (fresh) (make-certificate-credentials))
     (test-assert "predicate" (certificate-credentials? (fresh)))
     (test-assert "predicate on other credentials"
       (not (certificate-credentials? (make-anonymous-client-credentials))))
     (test-equal "trust file returns the number of certificates" 1
       (set-certificate-credentials-x509-trust-file! (fresh) (pki-file pki 'ca-cert)
                                                     x509-certificate-format/pem))
     (test-equal "trust data returns the number of certificates" 2
       (set-certificate-credentials-x509-trust-data!
        (fresh)
        (u8-list->bytevector (append (bytevector->u8-list (read-file-bytes (pki-file pki 'ca-cert)))
                                     (bytevector->u8-list
                                      (read-file-bytes (pki-file pki 'unknown-ca-cert)))))
        x509-certificate-format/pem))
     (test-assert "key files"
       (let ((c (fresh)))
         (set-certificate-credentials-x509-key-files! c (pki-file pki 'server-cert)
                                                      (pki-file pki 'server-key)
                                                      x509-certificate-format/pem)
         #t))
     (test-assert "key data"
       (let ((c (fresh)))
         (set-certificate-credentials-x509-key-data! c (read-file-bytes (pki-file pki 'server-cert))
                                                     (read-file-bytes (pki-file pki 'server-key))
                                                     x509-certificate-format/pem)
         #t))
     (test-equal "key data that do not match" 'gnutls-error
       (car (error-of
             (lambda ()
               (set-certificate-credentials-x509-key-data!
                (fresh) (read-file-bytes (pki-file pki 'server-cert))
                (read-file-bytes (pki-file pki 'client-key)) x509-certificate-format/pem)))))
     (test-assert "keys from objects"
       (let ((c (fresh)))
         (set-certificate-credentials-x509-keys!
          c (list server ca)
          (import-x509-private-key (read-file-bytes (pki-file pki 'server-key))
                                   x509-certificate-format/pem))
         #t))
     (test-assert "verify limits and flags"
       (let ((c (fresh)))
         (set-certificate-credentials-verify-limits! c 8192 5)
         (set-certificate-credentials-verify-flags! c)
         (set-certificate-credentials-verify-flags! c certificate-verify/disable-time-checks
                                                    certificate-verify/allow-x509-v1-ca-crt)
         #t))
     (test-match "verify limits out of range"
       (error-of
        (lambda () (set-certificate-credentials-verify-limits! (fresh) -1 5)))
       (('out-of-range . _) #t))
     (run-certtool dir "--get-dh-params" "--outfile" (file "dh.pem"))
     (test-assert "DH parameters"
       (let ((c (fresh)))
         (set-certificate-credentials-dh-parameters!
          c (pkcs3-import-dh-parameters (read-file-bytes (file "dh.pem"))
                                        x509-certificate-format/pem))
         (gc)
         #t))
     (call-with-output-file (file "crl.tmpl")
       (lambda (port) (display "crl_next_update = 365\ncrl_number = 7\n" port)))
     (run-certtool dir "--generate-crl" "--load-ca-privkey" (pki-file pki 'ca-key)
                   "--load-ca-certificate" (pki-file pki 'ca-cert)
                   "--load-certificate" (pki-file pki 'wronghost-cert)
                   "--template" (file "crl.tmpl") "--outfile" (file "crl.pem"))
     (test-equal "CRL file returns the number of CRLs" 1
       (set-certificate-credentials-x509-crl-file! (fresh) (file "crl.pem")
                                                   x509-certificate-format/pem))
     (test-equal "CRL data returns the number of CRLs" 1
       (set-certificate-credentials-x509-crl-data! (fresh) (read-file-bytes (file "crl.pem"))
                                                   x509-certificate-format/pem))
     (test-match "system trust returns a count"
       (catch 'gnutls-error
         (lambda ()
           (set-certificate-credentials-x509-system-trust! (fresh)))
         (lambda (key error . _)
           ;; No system trust store on this machine.
           (and (memq error (list error/file-error error/unimplemented-feature)) 0)))
       ((? integer? n) (>= n 0))))

   (test-group "file names"
     ;; Guile encodes file names in the locale; use UTF-8 so the name below
     ;; really has non-ASCII bytes.
     (false-if-exception (setlocale LC_ALL "C.UTF-8"))
     (let ((ca-copy (file "autorité-ça-ü.pem"))
           (cert-copy (file "сертификат.pem"))
           (key-copy (file "clé privée.pem")))
       (copy-file (pki-file pki 'ca-cert) ca-copy)
       (copy-file (pki-file pki 'server-cert) cert-copy)
       (copy-file (pki-file pki 'server-key) key-copy)
       (test-equal "non-ASCII trust file" 1
         (set-certificate-credentials-x509-trust-file! (make-certificate-credentials) ca-copy
                                                       x509-certificate-format/pem))
       (test-assert "non-ASCII key files"
         (begin
           (set-certificate-credentials-x509-key-files! (make-certificate-credentials)
                                                        cert-copy key-copy
                                                        x509-certificate-format/pem)
           #t))
       (test-equal "non-ASCII CRL file" 1
         (let ((crl-copy (file "liste révoquée.pem")))
           (copy-file (file "crl.pem") crl-copy)
           (set-certificate-credentials-x509-crl-file! (make-certificate-credentials) crl-copy
                                                       x509-certificate-format/pem))))
     (let ((missing (file "absent-é.pem")))
       ;; (TEST-NAME PROCEDURE-NAME PROCEDURE FILE ...): FILE ... is what
       ;; PROCEDURE takes after the credentials, and its error names.
       (for-each
        (match-lambda
          ((test-name name procedure . files)
           (test-equal test-name
             (cons* 'gnutls-error error/file-error name files)
             (error-of
              (lambda ()
                (apply procedure (make-certificate-credentials)
                       (append files (list x509-certificate-format/pem))))))))
        `(("missing trust file names the file"
           set-certificate-credentials-x509-trust-file!
           ,set-certificate-credentials-x509-trust-file! ,missing)
          ("missing CRL file names the file"
           set-certificate-credentials-x509-crl-file!
           ,set-certificate-credentials-x509-crl-file! ,missing)
          ("missing key file names both files"
           set-certificate-credentials-x509-key-files!
           ,set-certificate-credentials-x509-key-files!
           ,(pki-file pki 'server-cert) ,missing))))
     (test-equal "a directory is not a trust file"
       (list 'gnutls-error error/file-error dir)
       (match (error-of
               (lambda ()
                 (set-certificate-credentials-x509-trust-file! (make-certificate-credentials)
                                                               dir x509-certificate-format/pem)))
         ((key error who . extra) (cons* key error extra))
         (other other))))))

(test-end "x509-certificates")
(test-exit)
