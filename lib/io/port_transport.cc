#include "io/port_transport.hh"

#include "io/fd_transport.hh"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gg::io {

// A file port over a non-blocking descriptor: Guile's port machinery would
// wait in C when the descriptor has nothing to give or take, so the
// transport reports "would block" to GnuTLS instead; -1 otherwise.
int PortTransport::nonblocking_fd() const {
  int fd = wait_fd();
  return fd >= 0 && is_nonblocking(fd) ? fd : -1;
}

IoResult PortTransport::pull(void* buffer, size_t size) {
  IoResult result;
  if (nonblocking_fd() >= 0) {
    // char-ready? sees both the port's buffer and the descriptor.
    bool ready = true;
    exception_ = CapturedException::run([&] { ready = scm_is_true(scm_char_ready_p(port_)); });
    if (exception_) return IoResult::failure(EIO);
    if (!ready) return IoResult::failure(EAGAIN);
  }
  // GnuTLS's buffer is lent to Scheme as a bytevector so that whatever the
  // port has buffered, or one read of its source, lands there directly.
  exception_ = CapturedException::run([&] {
    SCM target = scm_pointer_to_bytevector(scm_from_pointer(buffer, nullptr),
                                           scm_from_size_t(size), SCM_INUM0, SCM_UNDEFINED);
    SCM n = scm_get_bytevector_some_x(port_, target, SCM_INUM0, scm_from_size_t(size));
    result = IoResult::bytes(SCM_EOF_OBJECT_P(n) ? 0 : scm_to_ssize_t(n));
  });
  if (exception_) return IoResult::failure(EIO);
  return result;
}

IoResult PortTransport::push(const giovec_t* iov, int iovcnt) {
  if (int fd = nonblocking_fd(); fd >= 0) {
    // Bytes written to the port earlier go first (normally there are none:
    // every push flushes); then the descriptor takes what it can.
    push_exception_ = CapturedException::run([&] { scm_force_output(port_); });
    if (push_exception_) return IoResult::failure(EIO);
    return FdTransport(fd).push(iov, iovcnt);
  }
  size_t total = 0;
  // Flushing after each push means GnuTLS never waits for an answer to
  // bytes still sitting in the port's buffer.
  push_exception_ = CapturedException::run([&] {
    for (int i = 0; i < iovcnt; ++i) {
      scm_c_write(port_, iov[i].iov_base, iov[i].iov_len);
      total += iov[i].iov_len;
    }
    scm_force_output(port_);
  });
  if (push_exception_) return IoResult::failure(EIO);
  return IoResult::bytes(static_cast<ssize_t>(total));
}

int PortTransport::wait_fd() const {
  // Only file ports have a descriptor; scm_fileno would throw otherwise.
  if (SCM_OPFPORTP(port_)) return SCM_FPORT_FDES(port_);
  return -1;
}

int PortTransport::wait_readable(unsigned ms) {
  // Bytes already in the port's buffer are invisible to poll: ask the port
  // first.  Ports without a descriptor report readiness and let the read
  // itself wait.
  bool ready = true;
  exception_ = CapturedException::run([&] { ready = scm_is_true(scm_char_ready_p(port_)); });
  if (exception_) {
    errno = EIO;
    return -1;
  }
  int fd = wait_fd();
  if (ready || fd < 0) return 1;
  if (is_nonblocking(fd)) {  // never wait on a non-blocking descriptor
    errno = EAGAIN;
    return -1;
  }
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : static_cast<int>(ms));  // EINTR: see FdTransport::pull
}
}  // namespace gg::io
