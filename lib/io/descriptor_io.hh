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

IoResult receive_once(int fd, void* buffer, size_t size, std::atomic<bool>& is_socket);
// With `wait` false a socket send reports "would block" (MSG_DONTWAIT)
// where it would wait; a pipe or terminal waits all the same.
IoResult send_once(int fd, const giovec_t* iov, int iovcnt, std::atomic<bool>& is_socket, bool wait = true);

// Wait until `fd` is readable (writable, if `writing`) for at most `ms`
// milliseconds: GNUTLS_INDEFINITE_TIMEOUT waits for ever, 0 only looks.
// poll's result: 1 when ready, 0 when the time is up, -1 with errno (EINTR
// goes back to the caller, as above).  The one place the transports, the
// record port and the session poll a descriptor.
int wait_ready(int fd, bool writing, unsigned ms);

}  // namespace gg::io
