// A transport over a file descriptor (usually a socket) that the caller
// owns: the session never closes it.
#pragma once

#include "transport.hh"

#include <sys/types.h>

#include <atomic>

namespace gg::io {

// True if `fd` is in non-blocking mode (O_NONBLOCK).
bool is_nonblocking(int fd);

class FdTransport final : public Transport {
 public:
  explicit FdTransport(int fd);

  IoResult pull(void* buffer, size_t size) override;
  IoResult push(const giovec_t* iov, int iovcnt) override;
  int wait_readable(unsigned ms) override;
  int wait_fd() const override { return fd_; }
  bool calls_scheme() const override { return false; }
  bool attempts_without_waiting() const override { return is_socket_; }

  int fd() const { return fd_; }
  // The descriptor still refers to the file it referred to when given.
  bool still_as_given() const override;
  bool reused_since_given() const override;

 private:
  int fd_;
  // The file `fd_` referred to when given, if fstat could tell.
  bool identified_ = false;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  // recv/sendmsg keep SIGPIPE away from the process; pipes and terminals
  // answer ENOTSOCK once, after which plain read/writev are used.
  // Atomic: one thread may pull while another pushes.
  std::atomic<bool> is_socket_{true};
};

}  // namespace gg::io
