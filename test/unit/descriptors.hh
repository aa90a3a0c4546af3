// Descriptors the unit tests make and close: a socketpair, a pipe, a pipe
// put on a given descriptor number, non-blocking mode.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

namespace gg::test {

// Two connected Unix stream sockets, closed at the end of the scope.  A
// test that closes one itself sets it to -1.
struct SocketPair {
  int fd[2];
  SocketPair() { REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0); }
  ~SocketPair() {
    if (fd[0] >= 0) close(fd[0]);
    if (fd[1] >= 0) close(fd[1]);
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
};

// A pipe (read end fd[0], write end fd[1]), closed at the end of the scope.
struct Pipe {
  int fd[2];
  Pipe() { REQUIRE(pipe(fd) == 0); }
  ~Pipe() {
    close(fd[0]);
    close(fd[1]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

// A fresh pipe whose write end is also descriptor NUMBER (which must not
// be open), as if NUMBER had been closed and reused for another file.
// Closes all three at the end of the scope.
struct PipeOnNumber {
  int pipe_fd[2];
  int number;
  explicit PipeOnNumber(int number) : number(number) {
    REQUIRE(pipe(pipe_fd) == 0);
    REQUIRE(dup2(pipe_fd[1], number) == number);
  }
  ~PipeOnNumber() {
    close(number);
    close(pipe_fd[0]);
    close(pipe_fd[1]);
  }
  PipeOnNumber(const PipeOnNumber&) = delete;
  PipeOnNumber& operator=(const PipeOnNumber&) = delete;
};

inline void set_nonblocking(int fd) { REQUIRE(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0); }

}  // namespace gg::test
