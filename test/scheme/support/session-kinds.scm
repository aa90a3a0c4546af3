;;; (session-kinds) --- sessions of each protocol version, for the tests
;;; of session states.
;;;
;;; TLS 1.2 sessions use anonymous credentials; TLS 1.3 has no anonymous
;;; key exchange, so its sessions use certificate credentials: the server
;;; presents a self-signed certificate, which the client does not verify.

(define-module (session-kinds)
  #:use-module (gnutls)
  #:use-module (rnrs bytevectors)
  #:use-module (test-support)
  #:export (test-certificate-pem
            test-key-pem
            protocol-kinds
            credentials-for
            make-kind-session))

(define test-certificate-pem
  "-----BEGIN CERTIFICATE-----
MIIBdjCCARygAwIBAgIUTUOX5tNKxUyTaOoR7bNlbUhykzYwCgYIKoZIzj0EAwIw
DzENMAsGA1UEAxMEdGVzdDAgFw0yNjExMjMyMzAzMThaGA8yMTI2MTAzMDIzMDMx
OFowDzENMAsGA1UEAxMEdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABF1+
PsgHH4S0vfFpS0y9OAvpM/eQ71xpZvHx6bmOFQoPKQI4t7DBiaV4IYc1f6HTwPcx
jrSpgvfu/8+bA4VqhsujVDBSMAwGA1UdEwEB/wQCMAAwEwYDVR0lBAwwCgYIKwYB
BQUHAwEwDgYDVR0PAQH/BAQDAgeAMB0GA1UdDgQWBBR69JjE7XtGXIk6mc0zL2JG
qZwxYDAKBggqhkjOPQQDAgNIADBFAiEAhNhgq3Q9O6iD8jQhD9dQZr/v01m0pKq2
SjhJchCt+U8CIDW+7aPqDB2zg/bkddrGtLptUF5VWxufnNK3NM5GcYSy
-----END CERTIFICATE-----
")

(define test-key-pem
  "-----BEGIN EC PRIVATE KEY-----
MHgCAQEEIQDlR9orqIxemmbAR1ZGZeqjiksO4BvutdldHKSWgbT9faAKBggqhkjO
PQMBB6FEA0IABF1+PsgHH4S0vfFpS0y9OAvpM/eQ71xpZvHx6bmOFQoPKQI4t7DB
iaV4IYc1f6HTwPcxjrSpgvfu/8+bA4Vqhss=
-----END EC PRIVATE KEY-----
")

(define protocol-kinds
  ;; (LABEL . PRIORITIES): the protocol versions a state is tried with.
  `(("TLS 1.3" . "NORMAL:-VERS-ALL:+VERS-TLS1.3")
    ("TLS 1.2" . ,anonymous-priorities)))

(define (tls13? priorities)
  (string-contains priorities "TLS1.3"))

(define (credentials-for end priorities)
  "Credentials for END that PRIORITIES can handshake with."
  (cond ((not (tls13? priorities))
         (if (eq? end connection-end/server)
             (make-anonymous-server-credentials)
             (make-anonymous-client-credentials)))
        (else
         (let ((credentials (make-certificate-credentials)))
           (when (eq? end connection-end/server)
             (set-certificate-credentials-x509-key-data!
              credentials (string->utf8 test-certificate-pem)
              (string->utf8 test-key-pem) x509-certificate-format/pem))
           credentials))))

(define* (make-kind-session end priorities #:key fd port (flags '()))
  "Return a session for END with PRIORITIES and credentials that let it
handshake with a peer made the same way, over FD or PORT."
  (let ((session (apply make-session end flags)))
    (set-session-priorities! session priorities)
    (set-session-credentials! session (credentials-for end priorities))
    (cond (fd (set-session-transport-fd! session fd))
          (port (set-session-transport-port! session port)))
    session))
