// A TLS session: the gnutls_session_t, its transport, and everything it
// must keep alive (credentials, transport port, record port).
#pragma once

#include "readiness_fd.hh"
#include "transport.hh"

#include <gnutls/gnutls.h>
#include <libguile.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>

namespace gg {

class Session {
 public:
  explicit Session(unsigned init_flags);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  gnutls_session_t get() const { return session_; }
  bool nonblocking() const { return (flags_ & GNUTLS_NONBLOCK) != 0; }

  // Transports.  The session never closes the fd or port it is given.
  void use_fd(int fd);
  void use_port(SCM port);
  io::Transport* transport() const { return transport_.get(); }

  // Give GnuTLS the credentials `raw`, keeping `owner` (which keeps `raw`
  // valid) for as long as the session may use them.
  void use_credentials(gnutls_credentials_type_t type, void* raw, std::shared_ptr<void> owner);

  // GnuTLS operations that move data; receive returns 0 at the end of the
  // stream, including a peer gone without close_notify, and ever after.
  // Each returns GnuTLS's result; they need a transport (GnutlsError
  // otherwise).  A signal runs the program's handler and the call goes on;
  // a Scheme exception from the handler or caught in the transport is
  // thrown as a PendingSchemeException.
  int handshake();
  int bye(gnutls_close_request_t how);
  int receive(void* buffer, size_t size);
  int send(const void* data, size_t size);
  int rehandshake();
  int reauthenticate();

  // Throw the error for GnuTLS result `code` (< 0): the transport's pending
  // Scheme exception if there is one, else GnutlsError.
  [[noreturn]] void fail(int code);

  bool bye_sent() const { return bye_sent_; }

  // The collector is about to destroy the session: its record port goes
  // with it (each refers to the other), and is closed now, while the
  // session can still send (see close_collected_record_port).
  void collecting() noexcept;

  // Scheme objects the session refers to.  Session objects live in
  // GC-scanned memory, so these members keep their objects alive.
  SCM transport_port = SCM_BOOL_F;
  SCM record_port = SCM_BOOL_F;

  // Set when a record port read would block while output it must send
  // first is stuck, or while GnuTLS waits to write: the read then waits on
  // `readiness` (readable or writable transport) instead of input alone.
  bool record_read_needs_write = false;
  io::ReadinessFd readiness;

  // The host name the handshake verifies the peer's certificate against:
  // GnuTLS keeps a pointer to it, so the session owns the string.
  std::string verified_hostname;

 private:
  void require_transport() const;
  void throw_pending_exception();
  void throw_away_pending_exception();
  void tell_peer_why(int handshake_error);
  template <class Op>
  int run(Op op);

  gnutls_session_t session_ = nullptr;
  unsigned flags_;
  std::unique_ptr<io::Transport> transport_;
  std::map<gnutls_credentials_type_t, std::shared_ptr<void>> credentials_;
  bool bye_sent_ = false;
  bool at_end_ = false;                 // the peer closed (with or without close_notify)
  std::atomic<bool> sending_{false};    // a thread is in send()
  std::atomic<bool> receiving_{false};  // a thread is in receive()
};

}  // namespace gg
