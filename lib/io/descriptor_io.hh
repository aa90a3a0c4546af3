// One system call moving bytes through a file descriptor, shared by the
// transports that use descriptors.  Sockets go through recv/sendmsg with
// MSG_NOSIGNAL, so a vanished peer is EPIPE rather than SIGPIPE; a
// descriptor that answers ENOTSOCK (a pipe, a terminal) is remembered in
// `is_socket` and served with read/writev from then on.  EINTR goes back
// to the caller, which decides whether to retry at once or run signal
// handlers first.
#pragma once

#include "transport.hh"

#include <atomic>

namespace gg::io {

// How a call may wait for the descriptor.
enum class Waiting {
  allowed,      // as the descriptor does (a blocking one waits)
  socket_only,  // a socket reports "would block" (MSG_DONTWAIT) where it
                // would wait; a pipe or terminal waits all the same
  never,        // nothing waits: a pipe or terminal reports "would block"
                // without reading or writing, as no flag can stop it waiting
};

IoResult receive_once(int fd, void* buffer, size_t size, std::atomic<bool>& is_socket,
                      Waiting waiting = Waiting::allowed);
IoResult send_once(int fd, const giovec_t* iov, int iovcnt, std::atomic<bool>& is_socket,
                   Waiting waiting = Waiting::allowed);

// Wait until `fd` is readable (writable, if `writing`) for at most `ms`
// milliseconds: GNUTLS_INDEFINITE_TIMEOUT waits for ever, 0 only looks.
// poll's result: 1 when ready, 0 when the time is up, -1 with errno (EINTR
// goes back to the caller, as above).  The one place the transports, the
// record port and the session poll a descriptor.
int wait_ready(int fd, bool writing, unsigned ms);

}  // namespace gg::io
