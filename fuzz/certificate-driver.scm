;;; The Scheme side of the certificate import fuzzer: attacker-controlled
;;; bytes imported as an X.509 certificate, PEM and DER, then every getter
;;; called on what imported and the certificate exported again.  Each
;;; getter's gnutls-error is caught on its own, so a getter that fails does
;;; not hide the ones after it.  A gnutls-error is an answer; anything else
;;; escaping is a finding.

(define-module (certificate-driver)
  #:use-module (gnutls)
  #:export (import-and-read))

(define (answer thunk)
  (catch 'gnutls-error thunk (lambda _ #f)))

(define (read-all cert format)
  (for-each (lambda (getter) (answer (lambda () (getter cert))))
            (list x509-certificate-dn x509-certificate-issuer-dn
                  x509-certificate-version x509-certificate-serial
                  x509-certificate-activation-time
                  x509-certificate-expiration-time
                  x509-certificate-ca-status x509-certificate-key-usage
                  x509-certificate-key-id x509-certificate-subject-key-id
                  x509-certificate-authority-key-id
                  x509-certificate-public-key-algorithm
                  x509-certificate-signature-algorithm))
  (for-each (lambda (index)
              (answer (lambda () (x509-certificate-dn-oid cert index)))
              (answer (lambda () (x509-certificate-issuer-dn-oid cert index)))
              (answer (lambda () (x509-certificate-subject-alternative-name cert index))))
            '(0 1 2 7))
  (answer (lambda () (x509-certificate-fingerprint cert digest/sha256)))
  (answer (lambda () (x509-certificate-matches-hostname? cert "localhost")))
  (answer (lambda () (export-x509-certificate cert format))))

(define (import-and-read bytes)
  "Import BYTES as an X.509 certificate in both encodings and call every
getter on what imports."
  (for-each (lambda (format)
              (answer (lambda ()
                        (read-all (import-x509-certificate bytes format) format))))
            (list x509-certificate-format/pem x509-certificate-format/der)))
