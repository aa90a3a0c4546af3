#include "transport.hh"

#include <cerrno>

namespace gg::io {

bool IoResult::would_block() const { return error == EAGAIN || error == EWOULDBLOCK; }

void Transport::install(gnutls_session_t session) {
  session_ = session;
  gnutls_transport_set_ptr(session, this);
  gnutls_transport_set_pull_function(session, &Transport::pull_callback);
  gnutls_transport_set_vec_push_function(session, &Transport::vec_push_callback);
  gnutls_transport_set_pull_timeout_function(session, &Transport::pull_timeout_callback);
}

// GnuTLS learns the reason of a failed push or pull from the session's
// errno, which is how EAGAIN becomes GNUTLS_E_AGAIN and EINTR
// GNUTLS_E_INTERRUPTED.
ssize_t Transport::to_gnutls(IoResult r) const {
  if (r.error == 0) return r.count;
  gnutls_transport_set_errno(session_, r.error);
  return -1;
}

ssize_t Transport::pull_callback(gnutls_transport_ptr_t self, void* buffer, size_t size) {
  auto* transport = static_cast<Transport*>(self);
  return transport->to_gnutls(transport->pull(buffer, size));
}

ssize_t Transport::vec_push_callback(gnutls_transport_ptr_t self, const giovec_t* iov, int iovcnt) {
  auto* transport = static_cast<Transport*>(self);
  return transport->to_gnutls(transport->push(iov, iovcnt));
}

int Transport::pull_timeout_callback(gnutls_transport_ptr_t self, unsigned ms) {
  auto* transport = static_cast<Transport*>(self);
  int r = transport->wait_readable(ms);
  if (r < 0) gnutls_transport_set_errno(transport->session_, errno);
  return r;
}

}  // namespace gg::io
