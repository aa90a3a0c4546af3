// Attempts without waiting (attempt_first.hh): what the fd transport does
// under a NoWaitAttempt, on sockets, pipes and full sockets, and how
// AttemptGuess backs off.  An attempt that waited would hang here: each
// case runs under an alarm whose signal turns such a wait into EINTR, a
// failure of the case rather than of the whole run.
#include "attempt_first.hh"
#include "fd_transport.hh"

#include "descriptors.hh"
#include "transport_strings.hh"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>
#include <vector>

using gg::io::AttemptGuess;
using gg::io::FdTransport;
using gg::io::IoResult;
using gg::io::NoWaitAttempt;
using gg::test::Pipe;
using gg::test::pull_string;
using gg::test::push_string;
using gg::test::SocketPair;

namespace {

// For the life of the guard, a wait longer than 10 s ends with EINTR.
struct AlarmGuard {
  struct sigaction old_action;
  AlarmGuard() {
    struct sigaction a = {};
    a.sa_handler = [](int) {};
    sigemptyset(&a.sa_mask);
    sigaction(SIGALRM, &a, &old_action);
    alarm(10);
  }
  ~AlarmGuard() {
    alarm(0);
    sigaction(SIGALRM, &old_action, nullptr);
  }
};

}  // namespace

TEST_CASE("a no-wait attempt is scoped to its thread and its life", "[attempt]") {
  REQUIRE_FALSE(NoWaitAttempt::active());
  {
    NoWaitAttempt attempt;
    REQUIRE(NoWaitAttempt::active());
  }
  REQUIRE_FALSE(NoWaitAttempt::active());
}

TEST_CASE("a no-wait pull on a blocking socket with nothing to read would block", "[attempt]") {
  AlarmGuard guard;
  SocketPair sp;
  FdTransport b(sp.fd[1]);
  REQUIRE(b.attempts_without_waiting());
  char buf[8];
  IoResult r;
  {
    NoWaitAttempt attempt;
    r = b.pull(buf, sizeof buf);
  }
  REQUIRE(r.error == EAGAIN);
  // What arrives afterwards is there for the attempt and for a plain pull.
  FdTransport a(sp.fd[0]);
  REQUIRE(push_string(a, "abcdef").count == 6);
  {
    NoWaitAttempt attempt;
    r = b.pull(buf, 3);
  }
  REQUIRE(r.error == 0);
  REQUIRE(std::string(buf, r.count) == "abc");
  REQUIRE(pull_string(b, 8) == "def");
}

TEST_CASE("a no-wait wait_readable on a blocking socket answers would-block at once", "[attempt]") {
  AlarmGuard guard;
  SocketPair sp;
  FdTransport b(sp.fd[1]);
  NoWaitAttempt attempt;
  errno = 0;
  REQUIRE(b.wait_readable(GNUTLS_INDEFINITE_TIMEOUT) == -1);
  REQUIRE(errno == EAGAIN);
}

TEST_CASE("a no-wait push into a full blocking socket takes what fits, then would block", "[attempt]") {
  AlarmGuard guard;
  SocketPair sp;
  FdTransport a(sp.fd[0]);
  std::vector<char> chunk(1 << 16, 'x');
  giovec_t v = {chunk.data(), chunk.size()};
  size_t sent = 0;
  IoResult r;
  {
    NoWaitAttempt attempt;
    for (int i = 0; i < 1000; ++i) {
      r = a.push(&v, 1);
      if (r.error != 0) break;
      sent += static_cast<size_t>(r.count);
    }
  }
  REQUIRE(r.error == EAGAIN);
  REQUIRE(sent > 0);
  // Everything taken reaches the peer, and nothing more.
  FdTransport b(sp.fd[1]);
  gg::test::set_nonblocking(sp.fd[1]);
  size_t got = 0;
  char buf[1 << 16];
  for (;;) {
    IoResult p = b.pull(buf, sizeof buf);
    if (p.error != 0) break;
    got += static_cast<size_t>(p.count);
  }
  REQUIRE(got == sent);
}

TEST_CASE("a pipe cannot be asked without waiting: no-wait calls would block and move nothing", "[attempt]") {
  AlarmGuard guard;
  Pipe p;
  FdTransport reader(p.fd[0]), writer(p.fd[1]);
  REQUIRE(push_string(writer, "data").count == 4);
  char buf[8];
  IoResult pulled, pushed;
  {
    NoWaitAttempt attempt;
    pulled = reader.pull(buf, sizeof buf);
    pushed = push_string(writer, "more");
  }
  REQUIRE(pulled.error == EAGAIN);
  REQUIRE(pushed.error == EAGAIN);
  // Both learnt they are no sockets, and say so from now on.
  REQUIRE_FALSE(reader.attempts_without_waiting());
  REQUIRE_FALSE(writer.attempts_without_waiting());
  // The bytes are still in the pipe, and "more" was never written.
  REQUIRE(pull_string(reader, 8) == "data");
  REQUIRE(push_string(writer, "end").count == 3);
  REQUIRE(pull_string(reader, 8) == "end");
}

TEST_CASE("AttemptGuess attempts until an attempt fails", "[attempt]") {
  AttemptGuess guess;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(guess.worth_attempting());
    guess.attempted(true);
  }
}

TEST_CASE("AttemptGuess skips a doubling number of calls after failures in a row, up to 64", "[attempt]") {
  AttemptGuess guess;
  std::vector<unsigned> skipped;
  REQUIRE(guess.worth_attempting());
  for (int failure = 0; failure < 9; ++failure) {
    guess.attempted(false);
    unsigned n = 0;
    while (!guess.worth_attempting()) ++n;  // ends at the next attempt
    skipped.push_back(n);
  }
  REQUIRE(skipped == std::vector<unsigned>{1, 2, 4, 8, 16, 32, 64, 64, 64});
}

TEST_CASE("AttemptGuess attempts again at once after an attempt completes", "[attempt]") {
  AttemptGuess guess;
  for (int i = 0; i < 10; ++i) {
    REQUIRE(guess.worth_attempting());
    guess.attempted(false);
    while (!guess.worth_attempting()) {
    }
  }
  guess.attempted(true);
  REQUIRE(guess.worth_attempting());
  guess.attempted(false);
  // The backoff started again from one skipped call.
  REQUIRE_FALSE(guess.worth_attempting());
  REQUIRE(guess.worth_attempting());
}
