;;; A certificate authority in a few lines of Scheme.
;;;
;;; Makes a CA (a self-signed certificate with an ECDSA key), a server
;;; certificate for "localhost" and 127.0.0.1 signed by it, and serves one
;;; TLS connection with them over a socket pair: the server runs in a child
;;; process, the client here checks the server's certificate against the
;;; CA and the host name, sends a line and reads the answer.
;;;
;;; Usage: guile certificate-authority.scm [DIRECTORY]
;;; With DIRECTORY, the CA certificate, the server certificate and the
;;; server's key are also written there as ca.pem, server.pem and
;;; server-key.pem, for other programs (gnutls-serv, openssl s_server) to
;;; use.

(use-modules (gnutls)
             (ice-9 binary-ports)
             (ice-9 rdelim))

(define (days n) (* n 24 60 60))

(define (new-certificate key serial common-name lifetime)
  "A version 3 certificate of KEY named CN=COMMON-NAME, valid from now
for LIFETIME seconds, with its subject key identifier: what every
certificate needs before its own extensions and its signature."
  (let ((cert (make-x509-certificate))
        (now (current-time)))
    (set-x509-certificate-version! cert 3)
    (set-x509-certificate-serial! cert serial)
    (set-x509-certificate-dn-by-oid! cert oid/x520-common-name common-name)
    (set-x509-certificate-dn-by-oid! cert oid/x520-organization-name "Example")
    (set-x509-certificate-key! cert key)
    ;; A little in the past, for clocks that are a little behind.
    (set-x509-certificate-activation-time! cert (- now 60))
    (set-x509-certificate-expiration-time! cert (+ now lifetime))
    (set-x509-certificate-subject-key-id! cert (x509-certificate-key-id cert))
    cert))

(define (make-ca key)
  "A self-signed CA certificate for KEY, valid ten years."
  (let ((cert (new-certificate key #vu8(1) "Example CA" (days 3650))))
    (set-x509-certificate-ca-status! cert #t)
    (set-x509-certificate-key-usage! cert (list key-usage/key-cert-sign
                                                key-usage/crl-sign))
    (sign-x509-certificate! cert cert key)
    cert))

(define (make-server-certificate key ca ca-key)
  "A certificate for KEY naming localhost and 127.0.0.1, valid a year,
signed by CA with CA-KEY."
  (let ((cert (new-certificate key #vu8(2) "localhost" (days 365))))
    (set-x509-certificate-ca-status! cert #f)
    (set-x509-certificate-key-usage! cert (list key-usage/digital-signature))
    (set-x509-certificate-subject-alternative-name!
     cert x509-subject-alternative-name/dnsname "localhost")
    (set-x509-certificate-subject-alternative-name!
     cert x509-subject-alternative-name/ipaddress "127.0.0.1")
    (sign-x509-certificate! cert ca ca-key)
    cert))

(define (save directory name bytes)
  (call-with-output-file (string-append directory "/" name)
    (lambda (port) (put-bytevector port bytes))
    #:binary #t))

(define (serve socket cert ca key)
  "Serve one TLS session on SOCKET with CERT (and the CA above it) and KEY:
answer one line."
  (let ((credentials (make-certificate-credentials))
        (session (make-session connection-end/server)))
    (set-certificate-credentials-x509-keys! credentials (list cert ca) key)
    (set-session-default-priority! session)
    (set-session-credentials! session credentials)
    (set-session-transport-fd! session (fileno socket))
    (handshake session)
    (let* ((port (session-record-port session))
           (line (read-line port)))
      (format #t "server: received ~s~%" line)
      (format port "hello, ~a~%" line)
      (force-output port)
      (bye session close-request/rdwr))))

(define (ask socket ca)
  "As a client on SOCKET trusting only CA, check the server is localhost,
send a line and return the answer."
  (let ((credentials (make-certificate-credentials))
        (session (make-session connection-end/client)))
    ;; The CA as a file would give it: PEM.
    (set-certificate-credentials-x509-trust-data!
     credentials (export-x509-certificate ca x509-certificate-format/pem)
     x509-certificate-format/pem)
    (set-session-default-priority! session)
    (set-session-credentials! session credentials)
    (set-session-server-name! session server-name-type/dns "localhost")
    (set-session-peer-verification! session "localhost")
    (set-session-transport-fd! session (fileno socket))
    (handshake session)
    (let ((server (import-x509-certificate
                   (car (session-peer-certificate-chain session))
                   x509-certificate-format/der)))
      (format #t "client: verified ~a, issued by ~a~%"
              (x509-certificate-dn server) (x509-certificate-issuer-dn server)))
    (let ((port (session-record-port session)))
      (display "client\n" port)
      (force-output port)
      (let ((answer (read-line port)))
        (bye session close-request/rdwr)
        answer))))

(define (main arguments)
  (let* ((ca-key (generate-x509-private-key pk-algorithm/ecdsa 256 '()))
         (ca (make-ca ca-key))
         (server-key (generate-x509-private-key pk-algorithm/ecdsa 256 '()))
         (server (make-server-certificate server-key ca ca-key)))
    (when (pair? arguments)
      (let ((directory (car arguments)))
        (save directory "ca.pem" (export-x509-certificate ca x509-certificate-format/pem))
        (save directory "server.pem"
              (export-x509-certificate server x509-certificate-format/pem))
        (save directory "server-key.pem"
              (export-x509-private-key server-key x509-certificate-format/pem))
        (format #t "wrote ca.pem, server.pem and server-key.pem in ~a~%" directory)))
    (let ((pair (socketpair PF_UNIX SOCK_STREAM 0)))
      (flush-all-ports)
      (let ((pid (primitive-fork)))
        (if (zero? pid)
            (begin
              (close-port (car pair))
              (alarm 30)                ; never outlive a stuck client
              (serve (cdr pair) server ca server-key)
              (force-output (current-output-port))
              (primitive-exit 0))
            (begin
              (close-port (cdr pair))
              (let ((answer (ask (car pair) ca)))
                (format #t "client: the server said ~s~%" answer)
                (close-port (car pair))
                (exit (if (zero? (status:exit-val (cdr (waitpid pid)))) 0 1)))))))))

(main (cdr (command-line)))
