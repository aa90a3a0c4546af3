;;; (generated-certificates) --- certificates made by this module itself.
;;;
;;; A certificate authority and the certificates it signs, generated with
;;; the procedures of (gnutls) (ECDSA P-256 keys unless told otherwise:
;;; fast), and the certificate credentials that serve and trust them.

(define-module (generated-certificates)
  #:use-module (gnutls)
  #:use-module (rnrs bytevectors)
  #:export (year-2040
            year-2100
            days
            make-test-key
            make-authority
            make-host-certificate
            serving-credentials
            trusting-credentials
            write-bytes))

(define year-2040
  ;; 2040-01-01T00:00:00Z, past the 32-bit time_t limit of 2038.
  2208988800)
(define year-2100
  ;; 2100-01-01T00:00:00Z.
  4102444800)

(define (days n)
  "N days, in seconds."
  (* n 24 3600))

(define* (make-test-key #:optional (algorithm pk-algorithm/ecdsa) (bits 256))
  "Return a new X.509 private key of ALGORITHM and BITS (ECDSA P-256 by
default)."
  (generate-x509-private-key algorithm bits '()))

(define* (fill-certificate! cert key #:key serial dn activation expiration
                            ca? usages)
  "Give CERT version 3, SERIAL (a bytevector), the DN attributes DN (a list
of (OID . VALUE)), KEY's public key, a validity from ACTIVATION to
EXPIRATION, CA status CA?, key USAGES and a subject key id."
  (set-x509-certificate-version! cert 3)
  (set-x509-certificate-serial! cert serial)
  (for-each (lambda (attribute)
              (set-x509-certificate-dn-by-oid! cert (car attribute) (cdr attribute)))
            dn)
  (set-x509-certificate-key! cert key)
  (set-x509-certificate-activation-time! cert activation)
  (set-x509-certificate-expiration-time! cert expiration)
  (set-x509-certificate-ca-status! cert ca?)
  (set-x509-certificate-key-usage! cert usages)
  (set-x509-certificate-subject-key-id! cert (x509-certificate-key-id cert)))

(define* (make-authority key #:key (name "Generated CA") (serial #vu8(1))
                         (activation (- (current-time) (days 1)))
                         (expiration (+ (current-time) (days 3650))))
  "Return a self-signed CA certificate for KEY, named CN=NAME, O=Generated
PKI, C=FR, allowed to sign certificates and CRLs."
  (let ((cert (make-x509-certificate)))
    (fill-certificate! cert key #:serial serial
                       #:dn `((,oid/x520-common-name . ,name)
                              (,oid/x520-organization-name . "Generated PKI")
                              (,oid/x520-country-name . "FR"))
                       #:activation activation #:expiration expiration
                       #:ca? #t
                       #:usages (list key-usage/key-cert-sign key-usage/crl-sign))
    (sign-x509-certificate! cert cert key)
    cert))

(define* (make-host-certificate key ca ca-key #:key (host "localhost")
                                (addresses '("127.0.0.1")) (serial #vu8(2))
                                (activation (- (current-time) (days 1)))
                                (expiration (+ (current-time) (days 365))))
  "Return a server certificate for KEY, for the DNS name HOST (its CN too)
and the IP ADDRESSES, signed by the CA certificate CA with CA-KEY."
  (let ((cert (make-x509-certificate)))
    (fill-certificate! cert key #:serial serial
                       #:dn `((,oid/x520-common-name . ,host)
                              (,oid/x520-organization-name . "Generated PKI"))
                       #:activation activation #:expiration expiration
                       #:ca? #f
                       #:usages (list key-usage/digital-signature
                                      key-usage/key-encipherment))
    (set-x509-certificate-subject-alternative-name!
     cert x509-subject-alternative-name/dnsname host)
    (for-each (lambda (address)
                (set-x509-certificate-subject-alternative-name!
                 cert x509-subject-alternative-name/ipaddress address))
              addresses)
    (sign-x509-certificate! cert ca ca-key)
    cert))

(define (serving-credentials chain key)
  "Return certificate credentials presenting the certificate list CHAIN
(the server's own first) with KEY."
  (let ((credentials (make-certificate-credentials)))
    (set-certificate-credentials-x509-keys! credentials chain key)
    credentials))

(define (trusting-credentials ca)
  "Return certificate credentials trusting the CA certificate CA, given to
them as PEM, as a program reading it from a file would."
  (let ((credentials (make-certificate-credentials)))
    (set-certificate-credentials-x509-trust-data!
     credentials (export-x509-certificate ca x509-certificate-format/pem)
     x509-certificate-format/pem)
    credentials))

(define (write-bytes file bytes)
  "Write the bytevector BYTES to FILE."
  (call-with-output-file file
    (lambda (port) ((@ (ice-9 binary-ports) put-bytevector) port bytes))
    #:binary #t))
