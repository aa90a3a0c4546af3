#include "fd_port_transport.hh"

#include "transport_strings.hh"

#include <fcntl.h>
#include <libguile.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <memory>
#include <string>

using gg::io::FdPortTransport;
using gg::io::IoResult;
using gg::io::PortTransport;
using gg::test::pull_string;
using gg::test::push_string;

namespace {

SCM eval(const char* code) { return scm_c_eval_string(code); }

// A socket port (the transport side) and the raw descriptor of its peer.
struct PortAndPeer {
  SCM port;
  int peer;
  PortAndPeer() {
    SCM pair = eval("(socketpair PF_UNIX SOCK_STREAM 0)");
    port = scm_car(pair);
    scm_gc_protect_object(port);
    peer = dup(scm_to_int(scm_fileno(scm_cdr(pair))));
    scm_close_port(scm_cdr(pair));
  }
  ~PortAndPeer() {
    scm_close_port(port);
    scm_gc_unprotect_object(port);
    if (peer >= 0) close(peer);
  }
  void peer_writes(const std::string& s) const {
    REQUIRE(write(peer, s.data(), s.size()) == static_cast<ssize_t>(s.size()));
  }
  std::string peer_reads(size_t size) const {
    std::string s(size, '\0');
    size_t got = 0;
    while (got < size) {
      ssize_t n = read(peer, &s[got], size - got);
      REQUIRE(n > 0);
      got += static_cast<size_t>(n);
    }
    return s;
  }
};

}  // namespace

TEST_CASE("file ports get the direct transport, other ports the Guile one", "[fd-port]") {
  PortAndPeer p;
  std::unique_ptr<PortTransport> direct = gg::io::transport_for_port(p.port);
  REQUIRE(dynamic_cast<FdPortTransport*>(direct.get()) != nullptr);
  REQUIRE(direct->wait_fd() == scm_to_int(scm_fileno(p.port)));

  std::unique_ptr<PortTransport> other =
      gg::io::transport_for_port(eval("(open-bytevector-input-port #vu8(1))"));
  REQUIRE(dynamic_cast<FdPortTransport*>(other.get()) == nullptr);
}

TEST_CASE("bytes Guile already buffered are pulled first, none lost", "[fd-port]") {
  PortAndPeer p;
  scm_setvbuf(p.port, scm_from_utf8_symbol("block"), scm_from_int(4096));
  p.peer_writes("hello world");
  // The program reads one byte itself: Guile buffers the rest.
  REQUIRE(scm_is_eq(scm_read_char(p.port), SCM_MAKE_CHAR('h')));
  FdPortTransport t(p.port);
  REQUIRE(pull_string(t, 4) == "ello");
  REQUIRE(pull_string(t) == " world");
  p.peer_writes("more");
  REQUIRE(pull_string(t) == "more");
}

TEST_CASE("output the program left in the port's buffer is sent first", "[fd-port]") {
  PortAndPeer p;
  scm_setvbuf(p.port, scm_from_utf8_symbol("block"), scm_from_int(4096));
  scm_c_write(p.port, "first ", 6);
  FdPortTransport t(p.port);
  REQUIRE(push_string(t, "second").count == 6);
  REQUIRE(p.peer_reads(12) == "first second");
}

TEST_CASE("the end of the stream pulls as zero bytes", "[fd-port]") {
  PortAndPeer p;
  FdPortTransport t(p.port);
  shutdown(p.peer, SHUT_WR);
  REQUIRE(pull_string(t, 8).empty());  // no error, zero bytes
}

TEST_CASE("a closed transport port fails with the port's own error", "[fd-port]") {
  PortAndPeer p;
  FdPortTransport t(p.port);
  scm_close_port(p.port);
  char buf[8];
  REQUIRE(t.pull(buf, sizeof buf).error == EIO);
  gg::CapturedException e = t.take_exception();
  REQUIRE(static_cast<bool>(e));
  REQUIRE(scm_is_eq(e.key(), scm_from_utf8_symbol("wrong-type-arg")));
  REQUIRE(push_string(t, "x").error == EIO);
  REQUIRE(static_cast<bool>(t.take_exception()));
}

TEST_CASE("a peer gone away is a captured system-error, not a signal", "[fd-port]") {
  PortAndPeer p;
  FdPortTransport t(p.port);
  close(p.peer);
  p.peer = -1;
  IoResult r = push_string(t, "lost");
  REQUIRE(r.error == EIO);
  gg::CapturedException e = t.take_exception();
  REQUIRE(scm_is_eq(e.key(), scm_from_utf8_symbol("system-error")));
  // Arguments as Guile's ports give them: (who format (message) (errno)).
  REQUIRE(scm_to_int(scm_car(scm_cadddr(e.args()))) == EPIPE);
}

TEST_CASE("a non-blocking port reports would-block instead of waiting", "[fd-port]") {
  PortAndPeer p;
  int fd = scm_to_int(scm_fileno(p.port));
  REQUIRE(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
  FdPortTransport t(p.port);
  char buf[8];
  REQUIRE(t.pull(buf, sizeof buf).would_block());
  REQUIRE_FALSE(static_cast<bool>(t.take_exception()));
  p.peer_writes("late");
  REQUIRE(pull_string(t) == "late");
}
