#include "io/port_transport.hh"

#include <catch2/catch.hpp>
#include <libguile.h>

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
  SCM pair = eval("(let ((p (socketpair PF_UNIX SOCK_STREAM 0)))"
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
