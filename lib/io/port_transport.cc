#include "io/port_transport.hh"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gg::io {

IoResult PortTransport::pull(void* buffer, size_t size) {
  IoResult result;
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
  size_t total = 0;
  // Flushing after each push means GnuTLS never waits for an answer to
  // bytes still sitting in the port's buffer.
  exception_ = CapturedException::run([&] {
    for (int i = 0; i < iovcnt; ++i) {
      scm_c_write(port_, iov[i].iov_base, iov[i].iov_len);
      total += iov[i].iov_len;
    }
    scm_force_output(port_);
  });
  if (exception_) return IoResult::failure(EIO);
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
  struct pollfd p = {fd, POLLIN, 0};
  for (;;) {
    int r = poll(&p, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : static_cast<int>(ms));
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}
}  // namespace gg::io
