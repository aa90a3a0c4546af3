;;; (gnutls connections) --- TLS connections in one call, secure by default.
;;;
;;; Copyright (C) 2026 the guile-gnutls-cxx authors
;;;
;;; This library is free software; you can redistribute it and/or modify it
;;; under the terms of the GNU Lesser General Public License as published by
;;; the Free Software Foundation; either version 2.1 of the License, or (at
;;; your option) any later version.
;;;
;;; A client connects to a host and port (every address it has, each within
;;; a timeout), or runs over a socket or port it already has; it sends the
;;; host name (SNI), trusts the system's authorities unless told otherwise,
;;; verifies the server's chain and host name during the handshake, and
;;; returns the record port.  A server presents the certificate of the host
;;; name its client asks for.  Each failure raises one condition, a
;;; `&tls-connection-error' whose kind says what failed, and leaves no file
;;; descriptor open.

(define-module (gnutls connections)
  #:use-module (gnutls)
  #:use-module (ice-9 exceptions)
  #:use-module (ice-9 match)
  #:use-module (srfi srfi-1)
  #:use-module (srfi srfi-9)
  #:use-module ((ice-9 suspendable-ports)
                #:select (current-read-waiter current-write-waiter))
  #:use-module ((ice-9 ports internal) #:select (port-poll))
  #:export (open-tls-connection
            tls-client-port
            make-tls-server
            tls-server?
            tls-server-port
            tls-port-session
            &tls-connection-error
            tls-connection-error?
            tls-connection-error-kind
            tls-connection-error-host
            tls-connection-error-details))


;;;
;;; The condition.
;;;

(define &tls-connection-error
  (make-exception-type '&tls-connection-error &error '(kind host details)))

(define make-tls-connection-error
  (record-constructor &tls-connection-error))

(define tls-connection-error?
  (exception-predicate &tls-connection-error))

(define tls-connection-error-kind
  (exception-accessor &tls-connection-error
                      (record-accessor &tls-connection-error 'kind)))

(define tls-connection-error-host
  (exception-accessor &tls-connection-error
                      (record-accessor &tls-connection-error 'host)))

(define tls-connection-error-details
  (exception-accessor &tls-connection-error
                      (record-accessor &tls-connection-error 'details)))

(define kind-messages
  '((no-address . "the host name has no address")
    (refused . "the connection was refused")
    (unreachable . "the host could not be reached")
    (timeout . "the connection timed out")
    (untrusted . "the certificate is not signed by a trusted authority")
    (expired . "the certificate has expired or is not valid yet")
    (wrong-host . "the certificate is for another host")
    (protocol . "the TLS handshake failed")))

(define (fail kind host details)
  "Raise a `&tls-connection-error' of KIND for HOST; DETAILS say more (the
errno, the certificate-status/ values or the gnutls-error arguments)."
  (raise-exception
   (make-exception (make-tls-connection-error kind host details)
                   (make-exception-with-message
                    (string-append (assq-ref kind-messages kind) ": "
                                   (or host "the peer"))))))


;;;
;;; Connecting a socket.
;;;

(define (connect-error-kind errno)
  (cond ((= errno ECONNREFUSED) 'refused)
        ((= errno ETIMEDOUT) 'timeout)
        (else 'unreachable)))

(define (wait-writable socket timeout scheduler-waiter)
  "Wait until SOCKET is writable (its connect is done), for at most TIMEOUT
seconds (#f: no limit); return #f if time ran out.  SCHEDULER-WAITER is
the write waiter of a scheduler of suspendable ports, or #f.  A scheduler
knows no deadlines: with one, the current read waiter waits on a port
that is ready when SOCKET is writable or at the deadline, so that the
other tasks run meanwhile and the bound still holds."
  (define (writable-within ms)
    ;; poll(2): select's descriptor limit does not apply.
    (positive? (port-poll socket "w" ms)))
  (define deadline
    (and timeout
         (+ (get-internal-real-time)
            (inexact->exact
             (round (* timeout internal-time-units-per-second))))))
  (define (milliseconds-left)
    (max 0 (quotient (* 1000 (- deadline (get-internal-real-time)))
                     internal-time-units-per-second)))
  (cond
   ((not scheduler-waiter)
    (writable-within (if deadline (milliseconds-left) -1)))
   ((not deadline)
    (scheduler-waiter socket)
    #t)
   (else
    (let loop ()
      (cond ((writable-within 0) #t)
            ((zero? (milliseconds-left)) #f)
            (else
             (let ((wait-port (make-deadline-wait-port socket 'write
                                                       (milliseconds-left))))
               ((current-read-waiter) wait-port)
               (close-port wait-port)
               (loop))))))))

(define (scheduler-write-waiter socket)
  "The current write waiter if the waits of SOCKET go through it (it is
non-blocking and a scheduler installed its own waiter), else #f."
  (and (not (zero? (logand O_NONBLOCK (fcntl socket F_GETFL))))
       (not (eq? (current-write-waiter) default-write-waiter))
       (current-write-waiter)))

(define default-write-waiter
  ;; The waiter in effect when this module was loaded: Guile's own.
  (current-write-waiter))

(define (connect-address host address timeout non-blocking?)
  "Return a socket connected to ADDRESS (an addrinfo), or raise a
`&tls-connection-error'.  The socket is closed on failure."
  (let ((socket (socket (addrinfo:fam address) SOCK_STREAM 0)))
    (define (finish waiter)
      ;; The connect is in progress: wait for its end, then for its outcome.
      (unless (wait-writable socket timeout waiter)
        (fail 'timeout host ETIMEDOUT))
      (let ((errno (getsockopt socket SOL_SOCKET SO_ERROR)))
        (unless (zero? errno)
          (fail (connect-error-kind errno) host errno))))
    (with-exception-handler
        (lambda (e)
          (close-port socket)
          (raise-exception e))
      (lambda ()
        (fcntl socket F_SETFL (logior O_NONBLOCK (fcntl socket F_GETFL)))
        (let ((waiter (scheduler-write-waiter socket)))
          ;; Guile's `connect' returns #f while a non-blocking connect is in
          ;; progress; under suspendable ports it is replaced by one that
          ;; waits through the current write waiter itself, with no limit,
          ;; and that waiter is given here the bounded wait instead.
          (unless (catch 'system-error
                    (lambda ()
                      (parameterize ((current-write-waiter
                                      (lambda (_) (finish waiter))))
                        (connect socket (addrinfo:addr address))))
                    (lambda args
                      (let ((errno (system-error-errno args)))
                        (unless (memv errno (list EINPROGRESS EAGAIN EINTR))
                          (fail (connect-error-kind errno) host errno))
                        #f)))
            (finish waiter)))
        (unless non-blocking?
          (fcntl socket F_SETFL
                 (logand (lognot O_NONBLOCK) (fcntl socket F_GETFL))))
        socket)
      #:unwind? #t)))

(define-syntax-rule (guard-connection expr otherwise)
  "EXPR, or OTHERWISE if EXPR raises a `&tls-connection-error'."
  (with-exception-handler
      (lambda (e)
        (if (tls-connection-error? e) otherwise (raise-exception e)))
    (lambda () expr)
    #:unwind? #t))

(define (connect-socket host port timeout non-blocking?)
  "Return a socket connected to PORT of HOST, trying each of its addresses
in the order getaddrinfo gives them; raise the failure of the last."
  (let ((addresses
         (catch 'getaddrinfo-error
           (lambda ()
             (getaddrinfo host (if (number? port) (number->string port) port)
                          (if (number? port) AI_NUMERICSERV 0)
                          AF_UNSPEC SOCK_STREAM))
           (lambda (key code)
             (fail 'no-address host (gai-strerror code))))))
    (when (null? addresses)
      (fail 'no-address host #f))
    (let loop ((addresses addresses))
      (match addresses
        ((last) (connect-address host last timeout non-blocking?))
        ((address . rest)
         (guard-connection (connect-address host address timeout non-blocking?)
                           (loop rest)))))))


;;;
;;; Handshakes and what their failures mean.
;;;

(define (verification-failure-kind statuses)
  (cond ((any (lambda (status) (memq status statuses))
              (list certificate-status/signer-not-found
                    certificate-status/signer-not-ca
                    certificate-status/revoked
                    certificate-status/insecure-algorithm))
         'untrusted)
        ((any (lambda (status) (memq status statuses))
              (list certificate-status/expired
                    certificate-status/not-activated))
         'expired)
        ((memq certificate-status/unexpected-owner statuses)
         'wrong-host)
        (else 'untrusted)))

(define (handshake-failure host args)
  "Raise the `&tls-connection-error' of a handshake that raised the
gnutls-error arguments ARGS, (ERROR PROCEDURE . EXTRA)."
  (let ((code (car args))
        (extra (cddr args)))
    (cond ((and (eq? code error/certificate-verification-error)
                (pair? extra) (list? (car extra)))
           (fail (verification-failure-kind (car extra)) host (car extra)))
          ((eq? code error/timedout) (fail 'timeout host args))
          (else (fail 'protocol host args)))))

(define (handshake/classified session host)
  (catch 'gnutls-error
    (lambda () (handshake session))
    (lambda (key . args) (handshake-failure host args))))

(define (ip-address? host)
  (or (false-if-exception (inet-pton AF_INET host))
      (false-if-exception (inet-pton AF_INET6 host))))

(define port-sessions
  ;; Record port -> session, for `tls-port-session'.  Doubly weak: the
  ;; session refers to its port, so a value held strongly would keep its
  ;; key forever; the port keeps its session alive.
  (make-doubly-weak-hash-table))

(define (tls-port-session port)
  "Return the session of PORT, a record port made by this module, or #f."
  (hashq-ref port-sessions port))

(define (use-transport! session transport)
  (if (and (file-port? transport) (not (port-closed? transport)))
      (set-session-transport-fd! session (fileno transport))
      (set-session-transport-port! session transport)))

(define (client-credentials ca-file)
  (let ((credentials (make-certificate-credentials)))
    (if ca-file
        (set-certificate-credentials-x509-trust-file!
         credentials ca-file x509-certificate-format/pem)
        (set-certificate-credentials-x509-system-trust! credentials))
    credentials))

(define (set-priorities! session priorities)
  (if priorities
      (set-session-priorities! session priorities)
      (set-session-default-priority! session)))

(define (require-alpn session host)
  (unless (session-alpn-protocol session)
    (bye/quietly session)
    (fail 'protocol host (list error/no-application-protocol))))

(define (bye/quietly session)
  (false-if-exception (bye session close-request/rdwr)))

(define* (tls-client-port transport host
                          #:key ca-file credentials (verify? #t)
                          priorities alpn-protocols alpn-required?
                          session-data key-log
                          (handshake-timeout 30))
  "Run a TLS client over TRANSPORT, a connected socket or an input/output
port, for HOST (a host name or address string), and return the record
port once the handshake has verified the server.  The caller keeps
TRANSPORT and closes it after the record port.

The server's chain is checked against the system's trusted authorities, or
those of the PEM file CA-FILE, or the certificate CREDENTIALS given, and
its certificate must be for HOST (both unless VERIFY? is #f).  HOST is sent
as the server name (SNI) unless it is an IP address.  PRIORITIES is a
GnuTLS priority string (default: the system's, which prefers TLS 1.3).
ALPN-PROTOCOLS, a list of strings, are offered; with ALPN-REQUIRED? a
server that picks none is an error.  SESSION-DATA (from `session-data' of
an earlier connection) asks to resume that session.  KEY-LOG is a key log
procedure (see `set-session-key-log-procedure!').  The handshake is bounded
by HANDSHAKE-TIMEOUT seconds (#f: no bound).

Failures raise a `&tls-connection-error' of kind `untrusted', `expired',
`wrong-host', `timeout' or `protocol', before any application byte is
sent."
  (let ((session (make-session connection-end/client)))
    (set-priorities! session priorities)
    (set-session-credentials! session (or credentials (client-credentials ca-file)))
    (unless (ip-address? host)
      (set-session-server-name! session server-name-type/dns host))
    (when verify?
      (set-session-peer-verification! session host))
    (when alpn-protocols
      (set-session-alpn-protocols! session alpn-protocols))
    (when session-data
      (set-session-data! session session-data))
    (when key-log
      (set-session-key-log-procedure! session key-log))
    (when handshake-timeout
      (set-session-handshake-timeout! session
                                      (inexact->exact (round (* 1000 handshake-timeout)))))
    (use-transport! session transport)
    (handshake/classified session host)
    (when alpn-required?
      (require-alpn session host))
    (let ((port (session-record-port session)))
      (hashq-set! port-sessions port session)
      port)))

(define* (open-tls-connection host port
                              #:key (connect-timeout 10) non-blocking?
                              #:allow-other-keys
                              #:rest options)
  "Connect to PORT (a number or service name) of HOST over TLS and return
the record port, ready for use; `tls-port-session' gives its session.
Every address of HOST is tried in turn (IPv6 and IPv4, as getaddrinfo
orders them), each for at most CONNECT-TIMEOUT seconds (#f: no limit).
With NON-BLOCKING?, the socket stays non-blocking, for suspendable ports
and schedulers such as Fibers: the connect then waits through the current
read waiter, on a port from `make-deadline-wait-port', so that it keeps
its timeout without blocking the other tasks.  Closing the record port closes the connection, after
telling the server (close_notify).

The other keywords are those of `tls-client-port'.  Failures raise a
`&tls-connection-error' whose kind is `no-address', `refused',
`unreachable' or `timeout' for the connection, or one of those of
`tls-client-port'; no descriptor is left open."
  (let ((socket (connect-socket host port connect-timeout non-blocking?)))
    (with-exception-handler
        (lambda (e)
          (close-port socket)
          (raise-exception e))
      (lambda ()
        (let* ((record-port
                (apply tls-client-port socket host
                       (strip-keywords options '(#:connect-timeout #:non-blocking?))))
               (session (tls-port-session record-port)))
          (set-session-record-port-close!
           record-port
           (lambda (_)
             (bye/quietly session)
             (close-port socket)))
          record-port))
      #:unwind? #t)))

(define (strip-keywords options keys)
  (let loop ((options options) (kept '()))
    (match options
      (() (reverse kept))
      (((? keyword? key) value . rest)
       (loop rest (if (memq key keys) kept (cons* value key kept))))
      ((x . rest) (loop rest (cons x kept))))))


;;;
;;; Servers.
;;;

(define-record-type <tls-server>
  (%make-tls-server credentials hosts client-certificate priorities
                    alpn-protocols alpn-required? ticket-key handshake-timeout)
  tls-server?
  (credentials tls-server-credentials)
  (hosts tls-server-hosts)                ; ((NAME . CREDENTIALS) ...)
  (client-certificate tls-server-client-certificate)
  (priorities tls-server-priorities)
  (alpn-protocols tls-server-alpn-protocols)
  (alpn-required? tls-server-alpn-required?)
  (ticket-key tls-server-ticket-key)
  (handshake-timeout tls-server-handshake-timeout))

(define (server-credentials certificate-file key-file client-ca-file)
  (let ((credentials (make-certificate-credentials)))
    (set-certificate-credentials-x509-key-files!
     credentials certificate-file key-file x509-certificate-format/pem)
    (when client-ca-file
      (set-certificate-credentials-x509-trust-file!
       credentials client-ca-file x509-certificate-format/pem))
    credentials))

(define* (make-tls-server #:key certificate-file key-file (hosts '())
                          client-ca-file (client-certificate 'ignore)
                          priorities alpn-protocols alpn-required?
                          (resumption? #t) (handshake-timeout 30))
  "Return a TLS server, for `tls-server-port'.  It presents the certificate
chain of the PEM file CERTIFICATE-FILE, whose private key is in KEY-FILE;
HOSTS, a list of (NAME CERTIFICATE-FILE KEY-FILE), gives the certificates
of further host names, presented to clients that ask for NAME (SNI); the
first is the default when CERTIFICATE-FILE is not given.

CLIENT-CERTIFICATE is `ignore', `request' or `require': whether clients
are asked for a certificate, which is then verified against the
authorities of the PEM file CLIENT-CA-FILE.  PRIORITIES is a GnuTLS
priority string (default: the system's).  ALPN-PROTOCOLS are the
application protocols offered; with ALPN-REQUIRED?, a client with none in
common is refused.  With RESUMPTION? (the default) the server issues
session tickets, under a key of its own, so that its clients can resume.
Handshakes are bounded by HANDSHAKE-TIMEOUT seconds (#f: no bound)."
  (let* ((host-credentials
          (map (match-lambda
                 ((name certificate key)
                  (cons (string-downcase name)
                        (server-credentials certificate key client-ca-file))))
               hosts))
         (default
           (cond (certificate-file
                  (server-credentials certificate-file key-file client-ca-file))
                 ((pair? host-credentials) (cdar host-credentials))
                 (else (error "make-tls-server: no certificate given")))))
    (unless (memq client-certificate '(ignore request require))
      (error "make-tls-server: client-certificate is one of ignore, request, require"
             client-certificate))
    (%make-tls-server default host-credentials client-certificate priorities
                      alpn-protocols alpn-required?
                      (and resumption? (make-session-ticket-key))
                      handshake-timeout)))

(define (tls-server-port server transport)
  "Run the server side of a TLS connection for SERVER (see
`make-tls-server') over TRANSPORT, an accepted socket or an input/output
port, and return the record port once the handshake is done.  The caller
keeps TRANSPORT and closes it after the record port.  A failed handshake
raises a `&tls-connection-error' (its host is #f)."
  (let ((session (make-session connection-end/server))
        (hosts (tls-server-hosts server)))
    (set-priorities! session (tls-server-priorities server))
    (set-session-credentials! session (tls-server-credentials server))
    (unless (null? hosts)
      (set-server-session-credentials-procedure!
       session
       (lambda (name)
         (and name (assoc-ref hosts (string-downcase name))))))
    (unless (eq? (tls-server-client-certificate server) 'ignore)
      (set-server-session-certificate-request!
       session
       (if (eq? (tls-server-client-certificate server) 'require)
           certificate-request/require
           certificate-request/request))
      (set-session-peer-verification! session #f))
    (when (tls-server-alpn-protocols server)
      (set-session-alpn-protocols! session (tls-server-alpn-protocols server)
                                   (tls-server-alpn-required? server)))
    (when (tls-server-ticket-key server)
      (set-server-session-ticket-key! session (tls-server-ticket-key server)))
    (when (tls-server-handshake-timeout server)
      (set-session-handshake-timeout!
       session (inexact->exact (round (* 1000 (tls-server-handshake-timeout server))))))
    (use-transport! session transport)
    (handshake/classified session #f)
    (let ((port (session-record-port session)))
      (hashq-set! port-sessions port session)
      port)))
