#include "descriptor_io.hh"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

namespace gg::io {

IoResult receive_once(int fd, void* buffer, size_t size, std::atomic<bool>& is_socket, Waiting waiting) {
  for (;;) {
    if (!is_socket && waiting == Waiting::never) return IoResult::failure(EAGAIN);
    ssize_t n = is_socket ? recv(fd, buffer, size, waiting == Waiting::allowed ? 0 : MSG_DONTWAIT)
                          : read(fd, buffer, size);
    if (n >= 0) return IoResult::bytes(n);
    if (errno == ENOTSOCK && is_socket) {
      is_socket = false;
      continue;
    }
    return IoResult::failure(errno);
  }
}

IoResult send_once(int fd, const giovec_t* iov, int iovcnt, std::atomic<bool>& is_socket, Waiting waiting) {
  // giovec_t has the layout of struct iovec (GnuTLS guarantees it), so the
  // vector goes to the kernel as it is: one system call per flight.
  auto* vec = reinterpret_cast<struct iovec*>(const_cast<giovec_t*>(iov));
  for (;;) {
    if (!is_socket && waiting == Waiting::never) return IoResult::failure(EAGAIN);
    ssize_t n;
    if (is_socket) {
      struct msghdr msg = {};
      msg.msg_iov = vec;
      msg.msg_iovlen = static_cast<size_t>(iovcnt);
      n = sendmsg(fd, &msg, MSG_NOSIGNAL | (waiting == Waiting::allowed ? 0 : MSG_DONTWAIT));
    } else {
      n = writev(fd, vec, iovcnt);
    }
    if (n >= 0) return IoResult::bytes(n);
    if (errno == ENOTSOCK && is_socket) {
      is_socket = false;
      continue;
    }
    return IoResult::failure(errno);
  }
}

int wait_ready(int fd, bool writing, unsigned ms) {
  struct pollfd p = {fd, static_cast<short>(writing ? POLLOUT : POLLIN), 0};
  return poll(&p, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : static_cast<int>(ms));
}

}  // namespace gg::io
