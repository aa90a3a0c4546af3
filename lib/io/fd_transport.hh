// A transport over a file descriptor (usually a socket) that the caller
// owns: the session never closes it.
#pragma once

#include "io/transport.hh"

#include <atomic>

namespace gg::io {

// True if `fd` is in non-blocking mode (O_NONBLOCK).
bool is_nonblocking(int fd);

class FdTransport final : public Transport {
 public:
  explicit FdTransport(int fd) : fd_(fd) {}

  IoResult pull(void* buffer, size_t size) override;
  IoResult push(const giovec_t* iov, int iovcnt) override;
  int wait_readable(unsigned ms) override;
  int wait_fd() const override { return fd_; }
  bool calls_scheme() const override { return false; }

  int fd() const { return fd_; }

 private:
  int fd_;
  // recv/sendmsg keep SIGPIPE away from the process; pipes and terminals
  // answer ENOTSOCK once, after which plain read/writev are used.
  // Atomic: one thread may pull while another pushes.
  std::atomic<bool> is_socket_{true};
};

}  // namespace gg::io
