#include "port_transport.hh"

#include <libguile.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

using gg::io::IoResult;
using gg::io::PortTransport;

namespace {

SCM eval(const char* code) { return scm_c_eval_string(code); }

}  // namespace

TEST_CASE("pulls take what a Scheme input port holds, then see its end", "[port]") {
  SCM port = eval("(open-bytevector-input-port (string->utf8 \"encrypted bytes\"))");
  PortTransport t(port);
  char buf[64];
  IoResult r = t.pull(buf, sizeof buf);
  REQUIRE(r.error == 0);
  REQUIRE(std::string(buf, r.count) == "encrypted bytes");
  REQUIRE(t.pull(buf, sizeof buf).count == 0);
  REQUIRE(t.calls_scheme());
}

TEST_CASE("pulls never ask for more than GnuTLS's buffer", "[port]") {
  SCM port = eval("(open-bytevector-input-port (make-bytevector 100 7))");
  PortTransport t(port);
  char buf[10];
  size_t total = 0;
  for (;;) {
    IoResult r = t.pull(buf, sizeof buf);
    REQUIRE(r.error == 0);
    REQUIRE(r.count <= 10);
    if (r.count == 0) break;
    total += static_cast<size_t>(r.count);
  }
  REQUIRE(total == 100);
}

TEST_CASE("pushes reach the port and are flushed", "[port]") {
  SCM result = eval(
      "(begin (use-modules (rnrs io ports))"
      "  (call-with-values open-bytevector-output-port list))");
  SCM port = scm_car(result);
  SCM get = scm_cadr(result);
  PortTransport t(port);
  std::string a = "head", b = "tail";
  giovec_t v[2] = {{a.data(), a.size()}, {b.data(), b.size()}};
  REQUIRE(t.push(v, 2).count == 8);
  SCM bytes = scm_call_0(get);
  REQUIRE(scm_c_bytevector_length(bytes) == 8);
}

TEST_CASE("an exception raised by the port is captured, not propagated", "[port]") {
  SCM port = eval(
      "(make-custom-binary-input/output-port \"thrower\""
      "  (lambda (bv start count) (throw 'transport-broke 'read))"
      "  (lambda (bv start count) (throw 'transport-broke 'write))"
      "  #f #f #f)");
  PortTransport t(port);
  char buf[8];
  IoResult r = t.pull(buf, sizeof buf);
  REQUIRE(r.count == -1);
  REQUIRE(r.error == EIO);
  gg::CapturedException e = t.take_exception();
  REQUIRE(static_cast<bool>(e));
  REQUIRE(scm_is_eq(e.key(), scm_from_utf8_symbol("transport-broke")));
  REQUIRE_FALSE(static_cast<bool>(t.take_exception()));  // taken once

  std::string data = "x";
  giovec_t v = {data.data(), data.size()};
  REQUIRE(t.push(&v, 1).error == EIO);
  REQUIRE(scm_is_eq(scm_car(t.take_exception().args()), scm_from_utf8_symbol("write")));
}

TEST_CASE("a closed transport port is an error captured like any other", "[port]") {
  SCM port = eval("(let ((p (open-bytevector-input-port #vu8(1 2 3)))) (close-port p) p)");
  PortTransport t(port);
  char buf[8];
  REQUIRE(t.pull(buf, sizeof buf).error == EIO);
  REQUIRE(static_cast<bool>(t.take_exception()));
}

TEST_CASE("ports without a descriptor have no wait fd", "[port]") {
  PortTransport t(eval("(open-bytevector-input-port #vu8())"));
  REQUIRE(t.wait_fd() == -1);
  REQUIRE(t.wait_readable(0) == 1);
}

TEST_CASE("a socket port in non-blocking mode reports would-block instead of waiting", "[port]") {
  SCM pair = eval(
      "(let ((p (socketpair PF_UNIX SOCK_STREAM 0)))"
      "  (for-each (lambda (s) (fcntl s F_SETFL (logior O_NONBLOCK (fcntl s F_GETFL))))"
      "            (list (car p) (cdr p)))"
      "  p)");
  scm_gc_protect_object(pair);
  PortTransport a(scm_car(pair)), b(scm_cdr(pair));
  char buf[64];
  IoResult r = b.pull(buf, sizeof buf);
  REQUIRE(r.error == EAGAIN);
  errno = 0;
  REQUIRE(b.wait_readable(GNUTLS_INDEFINITE_TIMEOUT) == -1);
  REQUIRE(errno == EAGAIN);

  // Pushes go to the descriptor until the socket is full.
  std::string chunk(65536, 'z');
  giovec_t v = {chunk.data(), chunk.size()};
  size_t pushed = 0;
  for (;;) {
    IoResult w = a.push(&v, 1);
    if (w.error != 0) {
      REQUIRE(w.error == EAGAIN);
      break;
    }
    pushed += static_cast<size_t>(w.count);
  }
  REQUIRE(pushed > 0);
  size_t pulled = 0;
  for (;;) {
    IoResult p = b.pull(buf, sizeof buf);
    if (p.error != 0) {
      REQUIRE(p.error == EAGAIN);
      break;
    }
    REQUIRE(p.count > 0);
    pulled += static_cast<size_t>(p.count);
  }
  REQUIRE(pulled == pushed);
  scm_gc_unprotect_object(pair);
}

namespace {

// A custom binary port whose read procedure serves `size` bytes of the
// pattern 0, 1, 2, ... and logs each count it was asked for in `reads`
// (most recent first), and whose write procedure logs each count in
// `writes` and a copy of the bytes in `written`; it is `port-under-test`.
SCM logging_port(size_t size) {
  scm_c_define("source-size", scm_from_size_t(size));
  return eval(
      "(begin"
      "  (use-modules (rnrs bytevectors) (rnrs io ports))"
      "  (define reads '())"
      "  (define writes '())"
      "  (define written '())"
      "  (define served 0)"
      "  (define lent '())"
      "  (define port-under-test (make-custom-binary-input/output-port \"logging\""
      "    (lambda (bv start count)"
      "      (set! reads (cons count reads))"
      "      (set! lent (cons bv lent))"
      "      (let ((n (min count (- source-size served))))"
      "        (do ((i 0 (+ i 1))) ((= i n))"
      "          (bytevector-u8-set! bv (+ start i) (modulo (+ served i) 256)))"
      "        (set! served (+ served n))"
      "        n))"
      "    (lambda (bv start count)"
      "      (set! writes (cons count writes))"
      "      (let ((copy (make-bytevector count)))"
      "        (bytevector-copy! bv start copy 0 count)"
      "        (set! written (cons copy written)))"
      "      count)"
      "    #f #f #f))"
      "  port-under-test)");
}

SCM logged(const char* name) { return scm_variable_ref(scm_c_lookup(name)); }

bool holds_pattern(const unsigned char* bytes, size_t size, size_t from) {
  for (size_t i = 0; i < size; ++i)
    if (bytes[i] != static_cast<unsigned char>((from + i) % 256)) return false;
  return true;
}

}  // namespace

TEST_CASE("a pull from a port with nothing buffered reads its source once, for all GnuTLS asks", "[port]") {
  SCM port = logging_port(100000);
  PortTransport t(port);
  std::string buf(20000, '\0');
  IoResult r = t.pull(buf.data(), buf.size());
  REQUIRE(r.error == 0);
  REQUIRE(r.count == 20000);
  // Through the port's own 1 KiB buffer it would have taken 20 reads.
  REQUIRE(scm_to_int(scm_length(logged("reads"))) == 1);
  size_t asked = scm_to_size_t(scm_car(logged("reads")));
  REQUIRE(asked >= 20000);
  REQUIRE(holds_pattern(reinterpret_cast<unsigned char*>(buf.data()), buf.size(), 0));
}

TEST_CASE("what a read of the source brought beyond the pull stays in the port", "[port]") {
  SCM port = logging_port(100000);
  PortTransport t(port);
  // A record's header, as GnuTLS pulls it first.
  unsigned char header[5];
  REQUIRE(t.pull(header, sizeof header).count == 5);
  REQUIRE(holds_pattern(header, sizeof header, 0));
  size_t asked = scm_to_size_t(scm_car(logged("reads")));
  REQUIRE(asked > 5);
  // The body comes from the port's buffer, with no other read.
  std::string body(16384, '\0');
  REQUIRE(t.pull(body.data(), body.size()).count == 16384);
  REQUIRE(holds_pattern(reinterpret_cast<unsigned char*>(body.data()), body.size(), 5));
  REQUIRE(scm_to_int(scm_length(logged("reads"))) == 1);
  // The port's own readers find the rest, in order, then the source's.
  SCM rest = eval("(get-bytevector-all port-under-test)");
  size_t taken = 5 + 16384;
  REQUIRE(scm_c_bytevector_length(rest) == 100000 - taken);
  REQUIRE(
      holds_pattern(reinterpret_cast<unsigned char*>(SCM_BYTEVECTOR_CONTENTS(rest)), 100000 - taken, taken));
}

TEST_CASE("an unbuffered port's source is read no further than a pull asks", "[port]") {
  SCM port = logging_port(100000);
  eval("(setvbuf port-under-test 'none)");
  PortTransport t(port);
  unsigned char header[5];
  REQUIRE(t.pull(header, sizeof header).count == 5);
  REQUIRE(holds_pattern(header, sizeof header, 0));
  REQUIRE(scm_to_size_t(scm_car(logged("reads"))) == 5);
  std::string body(16384, '\0');
  REQUIRE(t.pull(body.data(), body.size()).count == 16384);
  REQUIRE(holds_pattern(reinterpret_cast<unsigned char*>(body.data()), body.size(), 5));
  REQUIRE(scm_to_size_t(scm_car(logged("reads"))) == 16384);
}

TEST_CASE("GnuTLS's buffer is never lent to the port's procedures", "[port]") {
  SCM port = logging_port(100000);
  PortTransport t(port);
  std::string buf(20000, '\0');
  REQUIRE(t.pull(buf.data(), buf.size()).count == 20000);
  // A read procedure that kept its bytevector and wrote to it later must
  // not reach memory GnuTLS owns.
  eval("(for-each (lambda (bv) (bytevector-fill! bv 255)) lent)");
  REQUIRE(holds_pattern(reinterpret_cast<unsigned char*>(buf.data()), buf.size(), 0));
}

TEST_CASE("bytes the port has buffered come before a read of its source", "[port]") {
  SCM port = logging_port(100000);
  // The program read a few bytes itself: the rest of a 1 KiB read stays
  // in the port's buffer.
  eval("(get-bytevector-n port-under-test 10)");
  PortTransport t(port);
  std::string buf(20000, '\0');
  size_t got = 0;
  while (got < buf.size()) {
    IoResult r = t.pull(buf.data() + got, buf.size() - got);
    REQUIRE(r.error == 0);
    REQUIRE(r.count > 0);
    got += static_cast<size_t>(r.count);
  }
  REQUIRE(holds_pattern(reinterpret_cast<unsigned char*>(buf.data()), buf.size(), 10));
}

TEST_CASE("a pull sees the end of a port's source", "[port]") {
  PortTransport t(logging_port(0));
  char buf[4096];
  IoResult r = t.pull(buf, sizeof buf);
  REQUIRE(r.error == 0);
  REQUIRE(r.count == 0);
}

TEST_CASE("a read procedure that claims more than it was asked for is an error", "[port]") {
  SCM port = eval(
      "(make-custom-binary-input-port \"liar\""
      "  (lambda (bv start count) (+ count 1)) #f #f #f)");
  PortTransport t(port);
  char buf[4096];
  REQUIRE(t.pull(buf, sizeof buf).error == EIO);
  REQUIRE(static_cast<bool>(t.take_exception()));
}

TEST_CASE("a push larger than the port's buffer reaches the port in one write", "[port]") {
  SCM port = logging_port(0);
  PortTransport t(port);
  std::string data(20000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 256);
  giovec_t v[3] = {{data.data(), 5}, {data.data() + 5, 19000}, {data.data() + 19005, 995}};
  IoResult r = t.push(v, 3);
  REQUIRE(r.error == 0);
  REQUIRE(r.count == 20000);
  // Through the port's own 1 KiB buffer it would have taken 20 writes.
  REQUIRE(scm_to_int(scm_length(logged("writes"))) == 1);
  SCM bytes = scm_car(logged("written"));
  REQUIRE(scm_c_bytevector_length(bytes) == 20000);
  REQUIRE(holds_pattern(reinterpret_cast<unsigned char*>(SCM_BYTEVECTOR_CONTENTS(bytes)), 20000, 0));
}

TEST_CASE("a push larger than the transport's chunk arrives whole and in order", "[port]") {
  SCM port = logging_port(0);
  PortTransport t(port);
  std::string data(200000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 256);
  giovec_t v = {data.data(), data.size()};
  REQUIRE(t.push(&v, 1).count == 200000);
  SCM whole = eval(
      "(call-with-values open-bytevector-output-port"
      "  (lambda (out get)"
      "    (for-each (lambda (bv) (put-bytevector out bv)) (reverse written))"
      "    (get)))");
  REQUIRE(scm_c_bytevector_length(whole) == 200000);
  REQUIRE(holds_pattern(reinterpret_cast<unsigned char*>(SCM_BYTEVECTOR_CONTENTS(whole)), 200000, 0));
  REQUIRE(scm_to_int(scm_length(logged("writes"))) <= 4);
}
