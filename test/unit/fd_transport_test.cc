#include "fd_transport.hh"

#include "descriptors.hh"
#include "transport_strings.hh"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using gg::io::FdTransport;
using gg::io::IoResult;
using gg::test::PipeOnNumber;
using gg::test::pull_string;
using gg::test::push_string;
using gg::test::set_nonblocking;
using gg::test::SocketPair;

TEST_CASE("bytes pushed on one end are pulled on the other", "[fd]") {
  SocketPair sp;
  FdTransport a(sp.fd[0]), b(sp.fd[1]);
  REQUIRE(push_string(a, "hello").count == 5);
  char buf[16];
  IoResult r = b.pull(buf, sizeof buf);
  REQUIRE(r.error == 0);
  REQUIRE(std::string(buf, r.count) == "hello");
}

TEST_CASE("a vectored push goes out in order as one stream", "[fd]") {
  SocketPair sp;
  FdTransport a(sp.fd[0]), b(sp.fd[1]);
  std::string x = "abc", y = "", z = "defgh";
  giovec_t v[3] = {{x.data(), x.size()}, {y.data(), y.size()}, {z.data(), z.size()}};
  REQUIRE(a.push(v, 3).count == 8);
  char buf[16];
  IoResult r = b.pull(buf, sizeof buf);
  REQUIRE(std::string(buf, r.count) == "abcdefgh");
}

TEST_CASE("a pull at the end of the stream returns 0", "[fd]") {
  SocketPair sp;
  FdTransport b(sp.fd[1]);
  close(sp.fd[0]);
  sp.fd[0] = -1;
  REQUIRE(pull_string(b, 4).empty());  // no error, zero bytes
}

TEST_CASE("a non-blocking descriptor reports would-block, with errno preserved", "[fd]") {
  SocketPair sp;
  set_nonblocking(sp.fd[1]);
  FdTransport b(sp.fd[1]);
  char buf[4];
  IoResult r = b.pull(buf, sizeof buf);
  REQUIRE(r.count == -1);
  REQUIRE(r.would_block());
}

TEST_CASE("a full non-blocking socket takes part of a push, then would block", "[fd]") {
  SocketPair sp;
  int small = 4096;
  setsockopt(sp.fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  set_nonblocking(sp.fd[0]);
  FdTransport a(sp.fd[0]);
  std::string big(1 << 20, 'x');
  IoResult first = push_string(a, big);
  REQUIRE(first.error == 0);
  REQUIRE(first.count > 0);
  REQUIRE(first.count < static_cast<ssize_t>(big.size()));  // partial write
  IoResult second = push_string(a, big);
  REQUIRE(second.would_block());
}

TEST_CASE("writing to a closed peer is EPIPE, not SIGPIPE", "[fd]") {
  SocketPair sp;
  close(sp.fd[1]);
  sp.fd[1] = -1;
  FdTransport a(sp.fd[0]);
  IoResult r = push_string(a, "x");
  REQUIRE(r.count == -1);
  REQUIRE(r.error == EPIPE);
}

TEST_CASE("pipes work through read and write", "[fd]") {
  int p[2];
  REQUIRE(pipe(p) == 0);
  FdTransport w(p[1]), r(p[0]);
  REQUIRE(push_string(w, "pipe").count == 4);
  char buf[8];
  IoResult got = r.pull(buf, sizeof buf);
  REQUIRE(std::string(buf, got.count) == "pipe");
  close(p[0]);
  close(p[1]);
}

namespace {
void ignore_signal(int) {}
}  // namespace

TEST_CASE("a pull interrupted by a signal reports EINTR, and the next pull gets the data", "[fd]") {
  // The session runs the program's signal handlers before it calls again,
  // so the transport must not retry by itself.
  SocketPair sp;
  struct sigaction sa = {};
  sa.sa_handler = ignore_signal;  // no SA_RESTART: recv fails with EINTR
  struct sigaction old = {};
  sigaction(SIGUSR1, &sa, &old);
  FdTransport b(sp.fd[1]);
  pthread_t reader = pthread_self();
  std::thread interrupter([&] {
    usleep(100000);
    pthread_kill(reader, SIGUSR1);  // interrupts the blocked recv
  });
  char buf[8];
  IoResult interrupted = b.pull(buf, sizeof buf);
  interrupter.join();
  sigaction(SIGUSR1, &old, nullptr);
  REQUIRE(interrupted.error == EINTR);
  REQUIRE(write(sp.fd[0], "late", 4) == 4);
  IoResult r = b.pull(buf, sizeof buf);
  REQUIRE(r.error == 0);
  REQUIRE(std::string(buf, r.count) == "late");
}

TEST_CASE("wait_readable times out, then sees data", "[fd]") {
  SocketPair sp;
  FdTransport b(sp.fd[1]);
  REQUIRE(b.wait_readable(10) == 0);
  REQUIRE(write(sp.fd[0], "x", 1) == 1);
  REQUIRE(b.wait_readable(1000) == 1);
  REQUIRE(b.wait_fd() == sp.fd[1]);
  REQUIRE_FALSE(b.calls_scheme());
}

TEST_CASE("wait_readable on a non-blocking descriptor answers would-block at once", "[fd]") {
  // GnuTLS waits there during handshakes; over a non-blocking descriptor the
  // handshake must return GNUTLS_E_AGAIN instead of waiting out its timeout.
  SocketPair sp;
  set_nonblocking(sp.fd[1]);
  FdTransport b(sp.fd[1]);
  errno = 0;
  REQUIRE(b.wait_readable(GNUTLS_INDEFINITE_TIMEOUT) == -1);
  REQUIRE(errno == EAGAIN);
  REQUIRE(write(sp.fd[0], "x", 1) == 1);
  REQUIRE(b.wait_readable(GNUTLS_INDEFINITE_TIMEOUT) == 1);
}

TEST_CASE("still_as_given and reused_since_given through a close and a reuse", "[fd]") {
  // still_as_given tells a descriptor closed or reused for another file;
  // reused_since_given tells a reused one only, not a merely closed one.
  SocketPair sp;
  int number = sp.fd[1];
  FdTransport t(number);
  REQUIRE(t.still_as_given());
  REQUIRE_FALSE(t.reused_since_given());

  close(number);
  sp.fd[1] = -1;
  REQUIRE_FALSE(t.still_as_given());
  REQUIRE_FALSE(t.reused_since_given());  // closed: I/O on it fails by itself

  PipeOnNumber reused(number);  // the number names a pipe now
  REQUIRE_FALSE(t.still_as_given());
  REQUIRE(t.reused_since_given());
}

TEST_CASE("reused_since_given: a descriptor not open when given and open now", "[fd]") {
  int p[2];
  REQUIRE(pipe(p) == 0);
  int number = p[1] + 10;
  FdTransport t(number);  // nothing there yet
  REQUIRE_FALSE(t.reused_since_given());
  REQUIRE(dup2(p[1], number) == number);
  REQUIRE(t.reused_since_given());
  close(number);
  close(p[0]);
  close(p[1]);
}
