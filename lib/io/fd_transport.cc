#include "fd_transport.hh"

#include "attempt_first.hh"
#include "descriptor_io.hh"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

namespace gg::io {

FdTransport::FdTransport(int fd) : fd_(fd) {
  struct stat st;
  if (fstat(fd, &st) == 0) {
    identified_ = true;
    device_ = st.st_dev;
    inode_ = st.st_ino;
  }
}

bool FdTransport::still_as_given() const {
  // The program owns the descriptor: once it closed it (its socket port
  // collected, say), the number may name another file.
  struct stat st;
  if (fstat(fd_, &st) != 0) return false;
  return !identified_ || (st.st_dev == device_ && st.st_ino == inode_);
}

bool FdTransport::reused_since_given() const {
  // A descriptor that was not open when given and is now names a file the
  // program opened since; one closed and not reused fails on its own.
  struct stat st;
  if (fstat(fd_, &st) != 0) return false;
  return !identified_ || st.st_dev != device_ || st.st_ino != inode_;
}

bool is_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_NONBLOCK) != 0;
}

// EINTR goes back to GnuTLS (as GNUTLS_E_INTERRUPTED) and from there to
// the session, which runs the program's signal handlers in Guile mode and
// calls again: they cannot run here, outside Guile mode and inside GnuTLS.
IoResult FdTransport::pull(void* buffer, size_t size) {
  return receive_once(fd_, buffer, size, is_socket_,
                      NoWaitAttempt::active() ? Waiting::never : Waiting::allowed);
}

IoResult FdTransport::push(const giovec_t* iov, int iovcnt) {
  Waiting waiting = NoWaitAttempt::active() ? Waiting::never
                    : push_waits()          ? Waiting::allowed
                                            : Waiting::socket_only;
  return send_once(fd_, iov, iovcnt, is_socket_, waiting);
}

int FdTransport::wait_readable(unsigned ms) {
  // GnuTLS waits here during a handshake (it has a default timeout); a
  // non-blocking descriptor must answer "would block" instead of waiting.
  bool nonblocking = NoWaitAttempt::active() || is_nonblocking(fd_);
  int r = wait_ready(fd_, false, nonblocking ? 0 : ms);
  if (r == 0 && nonblocking) {
    errno = EAGAIN;
    return -1;
  }
  return r;  // -1 with EINTR included: see pull
}

}  // namespace gg::io
