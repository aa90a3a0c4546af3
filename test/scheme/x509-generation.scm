;;; Certificates made here: a self-signed CA and server certificates it
;;; signs, every field read back with the getters, times past 2038, RSA
;;; and ECDSA issuers, PEM and DER export and import, TLS handshakes
;;; verified against the CA, the errors of misused arguments, and hostile
;;; arguments for every procedure.

(use-modules (srfi srfi-1)
             (srfi srfi-11)
             (srfi srfi-64)
             (rnrs bytevectors)
             (srfi srfi-4)
             (ice-9 match)
             (test-support)
             (test-certificates)
             (argument-sweep)
             (generated-certificates)
             (gnutls))

(define (error-key thunk)
  "The key of what THUNK raises (such as out-of-range or gnutls-error), or
#f if it returns."
  (match (error-of thunk)
    ((key . _) key)
    (#f #f)))

(define (alternative-names cert)
  "Every subject alternative name of CERT, as (KIND NAME) lists."
  (let loop ((index 0) (names '()))
    (let-values (((kind name) (x509-certificate-subject-alternative-name cert index)))
      (if kind
          (loop (+ index 1) (cons (list kind name) names))
          (reverse names)))))

(define (reimported cert format)
  (import-x509-certificate (export-x509-certificate cert format) format))

(test-begin "x509-generation")

(define ca-key (make-test-key))
(define ca (make-authority ca-key #:name "Test CA" #:serial #vu8(#x10 #x01)))
(define server-key (make-test-key))
(define server
  (make-host-certificate server-key ca ca-key #:serial #vu8(#x20 #x02)
                         #:addresses '("127.0.0.1" "::1")
                         #:activation (- (current-time) 60)
                         #:expiration year-2100))

(test-group "oid values"
  (test-equal "oid->string gives the Scheme name"
    '("x520-common-name" "x520-country-name" "ldap-dc" "ad-caissuers")
    (map oid->string (list oid/x520-common-name oid/x520-country-name oid/ldap-dc
                           oid/ad-caissuers)))
  (test-equal "values print with their name" "#<gnutls-oid-enum pkix-gender>"
    (object->string oid/pkix-gender))
  (test-assert "distinct values" (not (eq? oid/x520-name oid/x520-given-name))))

(test-group "the CA read back"
  (test-equal "version" 3 (x509-certificate-version ca))
  (test-equal "serial" #vu8(#x10 #x01) (x509-certificate-serial ca))
  (test-equal "subject, in certificate order" "CN=Test CA,O=Generated PKI,C=FR"
    (x509-certificate-dn ca))
  (test-equal "self-signed: issuer is subject" (x509-certificate-dn ca)
    (x509-certificate-issuer-dn ca))
  (test-equal "DN OIDs" '("2.5.4.3" "2.5.4.10" "2.5.4.6" #f)
    (map (lambda (i) (x509-certificate-dn-oid ca i)) (iota 4)))
  (test-equal "CA status" #t (x509-certificate-ca-status ca))
  (test-equal "key usage" (list key-usage/crl-sign key-usage/key-cert-sign)
    (x509-certificate-key-usage ca))
  (test-equal "subject key id is the key id" (x509-certificate-key-id ca)
    (x509-certificate-subject-key-id ca))
  (test-equal "public key" (list pk-algorithm/ecdsa 256)
    (call-with-values (lambda () (x509-certificate-public-key-algorithm ca)) list))
  (test-equal "signed with ECDSA" sign-algorithm/ecdsa-sha256
    (x509-certificate-signature-algorithm ca)))

(test-group "the server certificate read back"
  (test-equal "serial" #vu8(#x20 #x02) (x509-certificate-serial server))
  (test-equal "subject" "CN=localhost,O=Generated PKI" (x509-certificate-dn server))
  (test-equal "issuer: the CA's subject" (x509-certificate-dn ca)
    (x509-certificate-issuer-dn server))
  (test-equal "authority key id: the CA's subject key id"
    (x509-certificate-subject-key-id ca) (x509-certificate-authority-key-id server))
  (test-equal "not a CA" #f (x509-certificate-ca-status server))
  (test-equal "subject alternative names"
    `((,x509-subject-alternative-name/dnsname "localhost")
      (,x509-subject-alternative-name/ipaddress "127.0.0.1")
      (,x509-subject-alternative-name/ipaddress "::1"))
    (alternative-names server))
  (test-equal "matches its names" '(#t #t #t #f)
    (map (lambda (host) (x509-certificate-matches-hostname? server host))
         '("localhost" "127.0.0.1" "::1" "example.org")))
  (test-equal "expires in 2100" year-2100 (x509-certificate-expiration-time server)))

(test-group "other names and a given authority key id"
  (let ((cert (make-x509-certificate)))
    (set-x509-certificate-version! cert 3)
    (set-x509-certificate-serial! cert #vu8(9))
    (set-x509-certificate-dn-by-oid! cert "2.5.4.3" "by dotted OID")
    (set-x509-certificate-dn-by-oid! cert oid/pkcs9-email "someone@example.org")
    (set-x509-certificate-key! cert server-key)
    (set-x509-certificate-activation-time! cert year-2040)
    (set-x509-certificate-expiration-time! cert year-2100)
    (set-x509-certificate-authority-key-id! cert #vu8(1 2 3 4))
    (set-x509-certificate-subject-alternative-name!
     cert x509-subject-alternative-name/rfc822name "someone@example.org")
    (set-x509-certificate-subject-alternative-name!
     cert x509-subject-alternative-name/uri "https://example.org/")
    (sign-x509-certificate! cert ca ca-key)
    (test-equal "a dotted OID and an e-mail attribute"
      '("2.5.4.3" "1.2.840.113549.1.9.1")
      (list (x509-certificate-dn-oid cert 0) (x509-certificate-dn-oid cert 1)))
    (test-equal "e-mail and URI names"
      `((,x509-subject-alternative-name/rfc822name "someone@example.org")
        (,x509-subject-alternative-name/uri "https://example.org/"))
      (alternative-names cert))
    (test-equal "signing keeps the authority key id it was given" #vu8(1 2 3 4)
      (x509-certificate-authority-key-id cert))))

(test-group "an empty certificate"
  (let ((cert (make-x509-certificate)))
    (test-equal "its getters answer or raise gnutls-error"
      '(-1 -1 gnutls-error gnutls-error)
      (list (x509-certificate-activation-time cert)
            (x509-certificate-expiration-time cert)
            (error-key (lambda () (x509-certificate-ca-status cert)))
            (error-key (lambda () (x509-certificate-serial cert)))))))

(test-group "times"
  (define (validity activation expiration)
    (let ((cert (make-host-certificate server-key ca ca-key #:activation activation
                                       #:expiration expiration)))
      (list (x509-certificate-activation-time cert)
            (x509-certificate-expiration-time cert))))
  (test-equal "2040 to 2100, past 2038" (list year-2040 year-2100)
    (validity year-2040 year-2100))
  (test-equal "the Epoch to the last second of 9999" '(0 253402300799)
    (validity 0 253402300799))
  ;; RFC 5280 writes "no well-defined expiration" as the last second of 9999.
  (test-equal "no well-defined expiration" (list year-2040 253402300799)
    (validity year-2040 -1))
  (test-equal "before the Epoch, or past 9999: out of range"
    '(out-of-range out-of-range out-of-range out-of-range)
    (let ((cert (make-x509-certificate)))
      (list (error-key (lambda () (set-x509-certificate-activation-time! cert -1)))
            (error-key (lambda () (set-x509-certificate-activation-time! cert 253402300800)))
            (error-key (lambda () (set-x509-certificate-expiration-time! cert -2)))
            (error-key (lambda () (set-x509-certificate-expiration-time! cert (expt 2 63))))))))

(test-group "CA status"
  (test-equal "a certificate without basic constraints has none"
    error/requested-data-not-available
    (let ((cert (make-x509-certificate)))
      (set-x509-certificate-version! cert 3)
      (set-x509-certificate-serial! cert #vu8(7))
      (set-x509-certificate-dn-by-oid! cert oid/x520-common-name "plain")
      (set-x509-certificate-key! cert server-key)
      (set-x509-certificate-activation-time! cert (current-time))
      (set-x509-certificate-expiration-time! cert year-2040)
      (sign-x509-certificate! cert ca ca-key)
      (car (gnutls-error-of (lambda () (x509-certificate-ca-status cert)))))))

(test-group "issuers"
  (let* ((rsa-key (make-test-key pk-algorithm/rsa 2048))
         (rsa-ca (make-authority rsa-key #:name "RSA CA"))
         (by-rsa (make-host-certificate server-key rsa-ca rsa-key)))
    (test-equal "an RSA CA signs with RSA" sign-algorithm/rsa-sha256
      (x509-certificate-signature-algorithm by-rsa))
    (test-equal "its key" (list pk-algorithm/rsa 2048)
      (call-with-values (lambda () (x509-certificate-public-key-algorithm rsa-ca)) list))
    (test-equal "issuer" "CN=RSA CA,O=Generated PKI,C=FR" (x509-certificate-issuer-dn by-rsa))
    (test-equal "the RSA key goes out and back"
      (export-x509-private-key rsa-key x509-certificate-format/pem)
      (export-x509-private-key
       (import-x509-private-key (export-x509-private-key rsa-key x509-certificate-format/pem)
                                x509-certificate-format/pem)
       x509-certificate-format/pem)))
  (let* ((ed-key (make-test-key pk-algorithm/eddsa-ed25519 0))
         (ed-ca (make-authority ed-key #:name "Ed25519 CA")))
    (test-equal "an Ed25519 CA" sign-algorithm/eddsa-ed25519
      (x509-certificate-signature-algorithm (make-host-certificate server-key ed-ca ed-key)))))

(test-group "export and import"
  (for-each
   (lambda (format)
     (let ((data (export-x509-certificate server format)))
       (test-assert "a u8vector" (u8vector? data))
       (test-equal "import then export gives the same bytes" data
         (export-x509-certificate (reimported server format) format))
       (test-equal "the same fields" (list (x509-certificate-dn server)
                                           (x509-certificate-serial server)
                                           (alternative-names server))
         (let ((copy (reimported server format)))
           (list (x509-certificate-dn copy) (x509-certificate-serial copy)
                 (alternative-names copy))))))
   (list x509-certificate-format/pem x509-certificate-format/der))
  (test-equal "PEM is PEM" "-----BEGIN CERTIFICATE-----"
    (substring (utf8->string (export-x509-certificate ca x509-certificate-format/pem)) 0 27))
  (let ((der (export-x509-private-key server-key x509-certificate-format/der)))
    (test-assert "a private key exports as a u8vector" (u8vector? der))
    (test-equal "and imports back to the same key" der
      (export-x509-private-key (import-x509-private-key der x509-certificate-format/der)
                               x509-certificate-format/der))))

(test-group "serials"
  (define (serial-outcome bytes)
    (let ((cert (make-x509-certificate)))
      (or (error-key (lambda () (set-x509-certificate-serial! cert bytes)))
          (begin
            (set-x509-certificate-dn-by-oid! cert oid/x520-common-name "serial")
            (set-x509-certificate-key! cert server-key)
            (set-x509-certificate-activation-time! cert 0)
            (set-x509-certificate-expiration-time! cert year-2040)
            (sign-x509-certificate! cert ca ca-key)
            (x509-certificate-serial cert)))))
  (let ((twenty (u8-list->bytevector (cons #x7f (iota 19 1)))))
    (test-equal "20 octets" twenty (serial-outcome twenty)))
  (test-equal "one octet" #vu8(1) (serial-outcome #vu8(1)))
  (test-equal "21 octets, none, or a first bit set: out of range"
    '(out-of-range out-of-range out-of-range)
    (map serial-outcome (list (make-bytevector 21 1) #vu8() #vu8(#x80 1))))
  (test-equal "a u8vector is a bytevector" #vu8(5) (serial-outcome (u8vector 5))))

(test-group "misused arguments"
  (define cert (make-x509-certificate))
  (test-equal "errors"
    '((version 0 out-of-range) (version 4 out-of-range)
      (unknown-oid gnutls-error) (oid-value-with-nul out-of-range)
      (san-kind out-of-range) (bad-address out-of-range)
      (empty-key-id out-of-range) (authority-key-id out-of-range)
      (ca-status wrong-type-arg) (key-usage wrong-type-arg)
      (flags wrong-type-arg) (algorithm gnutls-error))
    (list
     (list 'version 0 (error-key (lambda () (set-x509-certificate-version! cert 0))))
     (list 'version 4 (error-key (lambda () (set-x509-certificate-version! cert 4))))
     (list 'unknown-oid
           (error-key (lambda () (set-x509-certificate-dn-by-oid! cert "1.2" "x"))))
     (list 'oid-value-with-nul
           (error-key (lambda () (set-x509-certificate-dn-by-oid! cert oid/x520-common-name "a\x00b"))))
     (list 'san-kind
           (error-key (lambda ()
                        (set-x509-certificate-subject-alternative-name!
                         cert x509-subject-alternative-name/dn "CN=x"))))
     (list 'bad-address
           (error-key (lambda ()
                        (set-x509-certificate-subject-alternative-name!
                         cert x509-subject-alternative-name/ipaddress "300.1.1.1"))))
     (list 'empty-key-id
           (error-key (lambda () (set-x509-certificate-subject-key-id! cert #vu8()))))
     (list 'authority-key-id
           (error-key (lambda () (set-x509-certificate-authority-key-id! cert #vu8()))))
     (list 'ca-status (error-key (lambda () (set-x509-certificate-ca-status! cert 1))))
     (list 'key-usage
           (error-key (lambda () (set-x509-certificate-key-usage! cert (list key-usage/crl-sign 'x)))))
     (list 'flags
           (error-key (lambda () (generate-x509-private-key pk-algorithm/ecdsa 256 '(x)))))
     (list 'algorithm
           (error-key (lambda () (generate-x509-private-key pk-algorithm/dh 2048 '()))))))
  (test-equal "privkey/ flags reach the generation: provable keys are RSA or DSA only"
    '(#t gnutls-error)
    (list (x509-private-key?
           (generate-x509-private-key pk-algorithm/ecdsa 256 (list privkey/flag-export-compat)))
          (error-key (lambda ()
                       (generate-x509-private-key pk-algorithm/ecdsa 256
                                                  (list privkey/flag-provable))))))
  (test-equal "the OID GnuTLS does not know" (list error/x509-unsupported-oid)
    (gnutls-error-of (lambda () (set-x509-certificate-dn-by-oid! cert "1.2" "x"))))
  (test-equal "an empty certificate cannot be signed or exported" '(gnutls-error gnutls-error)
    (list (error-key (lambda () (sign-x509-certificate! (make-x509-certificate) ca ca-key)))
          (error-key (lambda ()
                       (export-x509-certificate (make-x509-certificate)
                                                x509-certificate-format/der))))))

(test-group "TLS with generated certificates"
  (define (handshake-outcome cert key host)
    "Serve CERT (with the CA) and KEY from a forked peer; return what the
verifying client got: the peer's DN, or the verification error and its
reasons; and the peer's exit status."
    (let-values (((result status)
                  (call-with-forked-peer
                   (x509-server-peer (serving-credentials (list cert ca) key))
                   (lambda (socket)
                     (catch 'gnutls-error
                       (lambda ()
                         (let ((session (x509-client-handshake
                                         socket (trusting-credentials ca)
                                         #:server-name host #:verify host)))
                           (read-server-report session)
                           (map certificate-dn (session-peer-certificate-chain session))))
                       (lambda (key error who . extra)
                         (cons error (map (lambda (reasons)
                                            (if (list? reasons)
                                                (sort (map certificate-status->string reasons)
                                                      string<?)
                                                reasons))
                                          extra))))))))
      (list result (if (eqv? status 0) 0 'failed))))
  (test-equal "the verifying client accepts the server"
    '(("CN=localhost,O=Generated PKI" "CN=Test CA,O=Generated PKI,C=FR") 0)
    (handshake-outcome server server-key "localhost"))
  (test-equal "and an expired certificate is refused"
    (list (list error/certificate-verification-error
                (sort (map certificate-status->string
                           (list certificate-status/invalid certificate-status/expired))
                      string<?))
          'failed)
    (handshake-outcome (make-host-certificate server-key ca ca-key
                                              #:activation (- (current-time) (days 30))
                                              #:expiration (- (current-time) (days 1)))
                       server-key "localhost"))
  (test-equal "and so is a certificate for another host"
    (list (list error/certificate-verification-error
                (sort (map certificate-status->string
                           (list certificate-status/invalid certificate-status/unexpected-owner))
                      string<?))
          'failed)
    (handshake-outcome (make-host-certificate server-key ca ca-key #:host "elsewhere.example"
                                              #:addresses '())
                       server-key "localhost")))

(test-group "hostile arguments"
  (define cert (make-x509-certificate))
  (define (sweep name proc . valid)
    (test-equal (string-append name ": hostile arguments") '() (argument-sweep proc valid)))
  (sweep "make-x509-certificate" make-x509-certificate)
  (sweep "set-x509-certificate-version!" set-x509-certificate-version! cert 3)
  (sweep "set-x509-certificate-serial!" set-x509-certificate-serial! cert #vu8(1 2))
  (sweep "set-x509-certificate-dn-by-oid!" set-x509-certificate-dn-by-oid! cert
         oid/x520-common-name "name")
  (sweep "set-x509-certificate-key!" set-x509-certificate-key! cert server-key)
  (sweep "set-x509-certificate-activation-time!" set-x509-certificate-activation-time! cert
         year-2040)
  (sweep "set-x509-certificate-expiration-time!" set-x509-certificate-expiration-time! cert
         year-2100)
  (sweep "set-x509-certificate-ca-status!" set-x509-certificate-ca-status! cert #t)
  (sweep "set-x509-certificate-key-usage!" set-x509-certificate-key-usage! cert
         (list key-usage/digital-signature))
  (sweep "set-x509-certificate-subject-key-id!" set-x509-certificate-subject-key-id! cert
         #vu8(1 2 3))
  (sweep "set-x509-certificate-authority-key-id!" set-x509-certificate-authority-key-id! cert
         #vu8(1 2 3))
  (sweep "set-x509-certificate-subject-alternative-name!"
         set-x509-certificate-subject-alternative-name! cert
         x509-subject-alternative-name/dnsname "example.org")
  (sweep "sign-x509-certificate!" sign-x509-certificate!
         (make-host-certificate server-key ca ca-key) ca ca-key)
  (sweep "export-x509-certificate" export-x509-certificate server x509-certificate-format/der)
  (sweep "export-x509-private-key" export-x509-private-key server-key
         x509-certificate-format/pem)
  (sweep "generate-x509-private-key" generate-x509-private-key pk-algorithm/ecdsa 256 '())
  (sweep "x509-certificate-activation-time" x509-certificate-activation-time server)
  (sweep "x509-certificate-expiration-time" x509-certificate-expiration-time server)
  (sweep "x509-certificate-ca-status" x509-certificate-ca-status server)
  (sweep "x509-certificate-serial" x509-certificate-serial server)
  (sweep "oid->string" oid->string oid/x520-common-name))

(test-end "x509-generation")
(test-exit)
