#include "io/fd_transport.hh"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

namespace gg::io {

bool is_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_NONBLOCK) != 0;
}

IoResult FdTransport::pull(void* buffer, size_t size) {
  for (;;) {
    ssize_t n = is_socket_ ? recv(fd_, buffer, size, 0) : read(fd_, buffer, size);
    if (n >= 0) return IoResult::bytes(n);
    if (errno == EINTR) continue;
    if (errno == ENOTSOCK && is_socket_) {
      is_socket_ = false;
      continue;
    }
    return IoResult::failure(errno);
  }
}

IoResult FdTransport::push(const giovec_t* iov, int iovcnt) {
  // giovec_t has the layout of struct iovec (GnuTLS guarantees it), so the
  // vector goes to the kernel as it is: one system call per flight.
  auto* vec = reinterpret_cast<struct iovec*>(const_cast<giovec_t*>(iov));
  for (;;) {
    ssize_t n;
    if (is_socket_) {
      struct msghdr msg = {};
      msg.msg_iov = vec;
      msg.msg_iovlen = static_cast<size_t>(iovcnt);
      n = sendmsg(fd_, &msg, MSG_NOSIGNAL);
    } else {
      n = writev(fd_, vec, iovcnt);
    }
    if (n >= 0) return IoResult::bytes(n);
    if (errno == EINTR) continue;
    if (errno == ENOTSOCK && is_socket_) {
      is_socket_ = false;
      continue;
    }
    return IoResult::failure(errno);
  }
}

int FdTransport::wait_readable(unsigned ms) {
  // GnuTLS waits here during a handshake (it has a default timeout); a
  // non-blocking descriptor must answer "would block" instead of waiting.
  bool nonblocking = is_nonblocking(fd_);
  struct pollfd p = {fd_, POLLIN, 0};
  for (;;) {
    int r = poll(&p, 1, nonblocking ? 0 : ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : static_cast<int>(ms));
    if (r == 0 && nonblocking) {
      errno = EAGAIN;
      return -1;
    }
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

}  // namespace gg::io
