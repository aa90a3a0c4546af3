#include "readiness_fd.hh"

#include "descriptors.hh"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <vector>

using gg::io::ReadinessFd;
using gg::test::set_nonblocking;
using gg::test::SocketPair;

namespace {

bool readable(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

// Fill the socket until it takes no more; return how much it took.
size_t fill(int fd) {
  set_nonblocking(fd);
  std::vector<char> chunk(4096, 'x');
  size_t total = 0;
  for (;;) {
    ssize_t n = write(fd, chunk.data(), chunk.size());
    if (n < 0) return total;
    total += static_cast<size_t>(n);
  }
}

}  // namespace

#ifdef __linux__
TEST_CASE("the readiness fd is readable exactly when the watched fd is readable or writable", "[readiness]") {
  SocketPair sp;
  ReadinessFd readiness;
  int fd = readiness.watch(sp.fd[0]);
  REQUIRE(fd >= 0);
  REQUIRE(fd != sp.fd[0]);
  REQUIRE(readable(fd));  // an empty socket is writable

  size_t filled = fill(sp.fd[0]);
  REQUIRE(filled > 0);
  REQUIRE_FALSE(readable(fd));  // full, and nothing to read

  // The peer drains the socket: writable again.
  std::vector<char> sink(filled);
  size_t drained = 0;
  while (drained < filled) {
    ssize_t n = read(sp.fd[1], sink.data(), sink.size());
    REQUIRE(n > 0);
    drained += static_cast<size_t>(n);
  }
  REQUIRE(readable(fd));
  REQUIRE(readiness.watch(sp.fd[0]) == fd);  // the same descriptor every time
}

TEST_CASE("the readiness fd wakes for input even while the socket is full", "[readiness]") {
  SocketPair sp;
  ReadinessFd readiness;
  fill(sp.fd[0]);
  int fd = readiness.watch(sp.fd[0]);
  REQUIRE_FALSE(readable(fd));
  REQUIRE(write(sp.fd[1], "y", 1) == 1);
  REQUIRE(readable(fd));
}

TEST_CASE("watching a new descriptor replaces the old one", "[readiness]") {
  SocketPair first, second;
  ReadinessFd readiness;
  fill(first.fd[0]);
  fill(second.fd[0]);
  int fd = readiness.watch(first.fd[0]);
  REQUIRE(readiness.watch(second.fd[0]) == fd);
  REQUIRE(write(first.fd[1], "y", 1) == 1);
  REQUIRE_FALSE(readable(fd));  // the first socket is no longer watched
  REQUIRE(write(second.fd[1], "y", 1) == 1);
  REQUIRE(readable(fd));
}
#endif

TEST_CASE("an invalid descriptor gives no readiness fd", "[readiness]") {
  ReadinessFd readiness;
  REQUIRE(readiness.watch(-1) == -1);
}
