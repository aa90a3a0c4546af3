#include "fd_port_transport.hh"

#include "attempt_first.hh"
#include "descriptor_io.hh"
#include "port_buffers.hh"
#include "without_guile.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gg::io {

namespace {

bool has_buffered_output(SCM port) { return buffered_range(port_write_buffer(port)).size() > 0; }

// The exception Guile's file ports raise for a failed read or write.
CapturedException system_error(const char* port_procedure, int error) {
  return CapturedException(
      scm_from_utf8_symbol("system-error"),
      scm_list_4(scm_from_utf8_string(port_procedure), scm_from_utf8_string("~A"),
                 scm_list_1(scm_strerror(scm_from_int(error))), scm_list_1(scm_from_int(error))));
}

}  // namespace

template <class Attempt>
IoResult FdPortTransport::direct(bool pushing, Attempt attempt) {
  // First in Guile mode without waiting (see attempt_first.hh); a pipe
  // cannot be asked, and goes straight to the call that may wait.
  AttemptGuess& guess = pushing ? push_guess_ : pull_guess_;
  IoResult r = IoResult::failure(EAGAIN);
  bool attempted = is_socket_ && guess.worth_attempting();
  if (attempted) {
    r = attempt(Waiting::never);
    guess.attempted(!r.would_block());
  }
  if (!attempted || r.would_block()) r = without_guile([&] { return attempt(Waiting::allowed); });
  // EINTR goes back to the session, which runs the program's signal
  // handlers once GnuTLS has returned (see FdTransport::pull).
  if (r.error != 0 && !r.would_block() && r.error != EINTR) {
    keep(pushing, system_error(pushing ? "fport_write" : "fport_read", r.error));
    return IoResult::failure(EIO);
  }
  return r;
}

IoResult FdPortTransport::pull(void* buffer, size_t size) {
  SCM p = port();
  // A closed port raises its own error through the Guile path.
  if (!SCM_OPINFPORTP(p)) return PortTransport::pull(buffer, size);
  size_t buffered = 0;
  if (CapturedException e =
          CapturedException::run([&] { buffered = take_buffered(port_read_buffer(p), buffer, size); })) {
    keep_pull_exception(std::move(e));
    return IoResult::failure(EIO);
  }
  if (buffered > 0) return IoResult::bytes(static_cast<ssize_t>(buffered));

  // A non-blocking descriptor reports "would block", as with FdTransport.
  int fd = SCM_FPORT_FDES(p);
  return direct(false, [&](Waiting waiting) { return receive_once(fd, buffer, size, is_socket_, waiting); });
}

IoResult FdPortTransport::push(const giovec_t* iov, int iovcnt) {
  SCM p = port();
  if (!SCM_OPOUTFPORTP(p)) return PortTransport::push(iov, iovcnt);
  // Whatever the program wrote on the port itself goes out first.
  if (CapturedException e = CapturedException::run([&] {
        if (has_buffered_output(p)) scm_flush(p);
      })) {
    keep_push_exception(std::move(e));
    return IoResult::failure(EIO);
  }

  int fd = SCM_FPORT_FDES(p);
  return direct(true, [&](Waiting waiting) {
    if (waiting == Waiting::allowed && !push_waits()) waiting = Waiting::socket_only;
    return send_once(fd, iov, iovcnt, is_socket_, waiting);
  });
}

std::unique_ptr<PortTransport> transport_for_port(SCM port) {
  if (SCM_OPFPORTP(port)) return std::make_unique<FdPortTransport>(port);
  return std::make_unique<PortTransport>(port);
}

}  // namespace gg::io
