;;; Interactive programs work with the record port's default settings:
;;; pending output is sent before the port waits for input, and by
;;; `bye' and `close-port'; a port set unbuffered by hand works too.

(use-modules (srfi srfi-64)
             (test-support)
             (gnutls)
             (ice-9 rdelim)
             (ice-9 binary-ports)
             (ice-9 textual-ports)
             (rnrs bytevectors))

(test-begin "interactive")

(define (with-peer peer proc)
  "Run PEER in a forked child and PROC here, as call-with-forked-peer
does; return PROC's value if the peer succeeded, #f otherwise."
  (call-with-values (lambda () (call-with-forked-peer peer proc))
    (lambda (result status)
      (and (eqv? status 0) result))))

(define* (handshaken-session end socket #:key (transport 'fd))
  "A session of END over SOCKET, as a descriptor, or as a port if
TRANSPORT is 'port, after its handshake."
  (let ((session (if (eq? transport 'port)
                     (make-anonymous-session end #:port socket)
                     (make-anonymous-session end #:fd (fileno socket)))))
    (handshake session)
    session))

(define (server-session socket . options)
  "A server session over SOCKET after its handshake; see handshaken-session."
  (apply handshaken-session connection-end/server socket options))

(define (client-session socket . options)
  "A client session over SOCKET after its handshake; see handshaken-session."
  (apply handshaken-session connection-end/client socket options))

(define (finish session)
  "Say goodbye, then wait for the peer's: neither side closes its socket
while the other may still be writing."
  (bye session close-request/wr)
  (get-bytevector-all (session-record-port session)))

(define (read-request port)
  "Read header lines from PORT up to the empty line; return them."
  (let loop ((lines '()))
    (let ((line (read-line port)))
      (if (or (eof-object? line) (string=? line "") (string=? line "\r"))
          (reverse lines)
          (loop (cons line lines))))))

(define (http-server socket)
  (let* ((session (server-session socket))
         (port (session-record-port session))
         (request (read-request port)))
    (display "HTTP/1.0 200 OK\r\n\r\n" port)
    (write request port)
    (finish session)))

;; The manual's example: display a request, then read the reply, with no
;; force-output in between.
(test-equal "display then read, default settings"
  "HTTP/1.0 200 OK\r\n\r\n(\"GET / HTTP/1.0\\r\")"
  (with-peer
   http-server
   (lambda (socket)
     (let* ((session (client-session socket))
            (port (session-record-port session)))
       (display "GET / HTTP/1.0\r\n\r\n" port)
       (let ((reply (get-string-all port)))
         (finish session)
         reply)))))

(define request-count 20)

(define* (line-server #:key (transport 'fd) (buffering #f))
  "A peer answering each request line with a reply line, until EOF."
  (lambda (socket)
    (let* ((session (server-session socket #:transport transport))
           (port (session-record-port session)))
      (when buffering (setvbuf port buffering))
      (let loop ()
        (let ((line (read-line port)))
          (unless (eof-object? line)
            (display (string-append "reply to " line "\n") port)
            (loop))))
      (finish session))))

(define* (line-client socket #:key (transport 'fd) (buffering #f))
  "Send numbered requests one at a time, reading each reply before the
next request; return the replies."
  (let* ((session (client-session socket #:transport transport))
         (port (session-record-port session)))
    (when buffering (setvbuf port buffering))
    (let loop ((i 0) (replies '()))
      (if (= i request-count)
          (begin
            (finish session)
            (reverse replies))
          (begin
            (display (string-append "request " (number->string i) "\n") port)
            (loop (+ i 1) (cons (read-line port) replies)))))))

(define expected-replies
  (map (lambda (i) (string-append "reply to request " (number->string i)))
       (iota request-count)))

(test-equal "line protocol, default settings"
  expected-replies
  (with-peer (line-server) line-client))

(test-equal "line protocol over socket port transports"
  expected-replies
  (with-peer (line-server #:transport 'port)
                         (lambda (socket) (line-client socket #:transport 'port))))

(test-equal "line protocol, both ports set unbuffered by hand"
  expected-replies
  (with-peer (line-server #:buffering 'none)
                         (lambda (socket) (line-client socket #:buffering 'none))))

(test-equal "an unbuffered port sends each write at once"
  '(#t "ping")
  ;; The peer answers the line as soon as it has it: the answer arrives
  ;; while this side neither forces output nor reads the record port.
  (with-peer
   (lambda (socket)
     (let* ((session (server-session socket))
            (port (session-record-port session)))
       (setvbuf port 'none)
       (display (read-line port) port)
       (finish session)))
   (lambda (socket)
     (let* ((session (client-session socket))
            (port (session-record-port session)))
       (setvbuf port 'none)
       (display "ping\n" port)
       (let* ((ready (select (list socket) '() '() 20))
              (answer (get-string-all port)))
         (finish session)
         (list (pair? (car ready)) answer))))))

(define (last-words-server socket)
  "Read everything until the end of the stream and send it back."
  (let* ((session (server-session socket))
         (port (session-record-port session))
         (text (get-string-all port)))
    (record-send session (string->utf8 text))
    (finish session)))

(define (last-words words then)
  "Display WORDS on a client's record port, with last-words-server as the
peer, and return (THEN SESSION PORT): what the client reads back after
sending them off as THEN does."
  (with-peer
   last-words-server
   (lambda (socket)
     (let* ((session (client-session socket))
            (port (session-record-port session)))
       (display words port)
       (then session port)))))

(test-equal "bye sends pending output first"
  "last words"
  (last-words "last words"
              (lambda (session port)
                (bye session close-request/wr)
                (get-string-all port))))

(test-equal "close-port sends pending output first"
  "closing words"
  (last-words "closing words"
              (lambda (session port)
                (close-port port)
                (bye session close-request/wr)
                ;; The port is closed: read the answer, up to the peer's
                ;; goodbye, at the record level.
                (let ((buffer (make-bytevector 64)))
                  (let loop ((text ""))
                    (let ((n (record-receive! session buffer)))
                      (if (zero? n)
                          text
                          (let ((piece (make-bytevector n)))
                            (bytevector-copy! buffer 0 piece 0 n)
                            (loop (string-append text (utf8->string piece)))))))))))

(test-end "interactive")
(test-exit)
