#include "deadline_wait_port.hh"

#include "deadline_wait_fd.hh"
#include "errors.hh"
#include "procedures.hh"

#include <cerrno>
#include <memory>

#ifdef __linux__
#include <sys/eventfd.h>
#endif

namespace gg {

namespace {

scm_t_port_type* deadline_wait_port_type = nullptr;

// The port's stream: owned by the port, freed when it is closed.
struct DeadlineWaitStream {
  io::DeadlineWaitFd waiter;
  io::OwnedFd always_ready;  // for descriptors that are always ready
  int wait_fd = -1;
};

// A descriptor that polls readable for good, or -1.  Files and the like
// are always ready as poll(2) sees them, but epoll refuses them (EPERM).
int always_ready_fd(io::OwnedFd& owner) {
#ifdef __linux__
  owner.reset(eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK));
  return owner.get();
#else
  (void)owner;
  return -1;
#endif
}

DeadlineWaitStream* port_stream(SCM port) { return reinterpret_cast<DeadlineWaitStream*>(SCM_STREAM(port)); }

// Nothing to read: the port exists to be waited on.
size_t read_nothing(SCM, SCM, size_t, size_t) { return 0; }

int read_wait_fd(SCM port) {
  DeadlineWaitStream* stream = port_stream(port);
  return stream == nullptr ? -1 : stream->wait_fd;
}

void close_stream(SCM port) {
  delete port_stream(port);
  SCM_SETSTREAM(port, 0);
}

}  // namespace

GG_INITIALIZER(define_deadline_wait_port_type) {
  deadline_wait_port_type =
      scm_make_port_type(const_cast<char*>("gnutls-deadline-wait-port"), read_nothing, nullptr);
  scm_set_port_close(deadline_wait_port_type, close_stream);
  // A port dropped unclosed must not keep its two descriptors.
  scm_set_port_needs_close_on_gc(deadline_wait_port_type, 1);
  scm_set_port_read_wait_fd(deadline_wait_port_type, read_wait_fd);
}

SCM make_deadline_wait_port(int fd, bool writing, std::chrono::steady_clock::time_point deadline) {
  auto stream = std::make_unique<DeadlineWaitStream>();
  errno = 0;
  stream->wait_fd = stream->waiter.watch(fd, writing, deadline);
  if (stream->wait_fd < 0 && errno == EPERM) stream->wait_fd = always_ready_fd(stream->always_ready);
  if (stream->wait_fd < 0) throw SystemError(errno != 0 ? errno : ENOSYS);
  return scm_c_make_port(deadline_wait_port_type, SCM_RDNG, reinterpret_cast<scm_t_bits>(stream.release()));
}

}  // namespace gg
