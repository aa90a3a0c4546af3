#include "session.hh"

#include "enumerates.hh"
#include "errors.hh"
#include "fd_port_transport.hh"
#include "fd_transport.hh"
#include "port_transport.hh"
#include "record_port.hh"
#include "without_guile.hh"

#include <libguile/iselect.h>
#include <poll.h>
#include <sys/select.h>

#include <cerrno>

namespace gg {

namespace {

// GnuTLS allows one thread sending and one receiving at a time: a second
// sender (or receiver) gets an error instead of corrupting the session.
class OneAtATime {
 public:
  OneAtATime(std::atomic<bool>& busy, const char* message) : busy_(busy) {
    if (busy_.exchange(true)) throw GnutlsError(GNUTLS_E_INVALID_REQUEST, message);
  }
  OneAtATime(const OneAtATime&) = delete;
  OneAtATime& operator=(const OneAtATime&) = delete;
  ~OneAtATime() { busy_ = false; }

 private:
  std::atomic<bool>& busy_;
};

// Run the asyncs Guile has queued for this thread (signal handlers, mostly);
// an exception one raises is thrown on as a PendingSchemeException.
void run_asyncs() {
  if (CapturedException e = CapturedException::run([] { scm_async_tick(); }))
    throw PendingSchemeException(std::move(e));
}

// A system call of the session's was interrupted by a signal.  Guile
// queues the program's handler from its signal delivery thread, so it may
// not be queued yet: wait until the descriptor is ready or Guile wakes this
// thread for an async, then run what is queued.  Guile's own ports retry at
// once, and miss the handler when the delivery thread is a moment late.
void run_signal_handlers(int fd, bool writing) {
  run_asyncs();
  if (fd >= 0 && fd < FD_SETSIZE) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    scm_std_select(fd + 1, writing ? nullptr : &set, writing ? &set : nullptr, nullptr, nullptr);
  } else if (fd >= 0) {
    // select cannot watch this descriptor: wait for Guile's wake-up alone,
    // a slice at a time, looking at the descriptor between slices, for at
    // most a second (a handler Guile did not install queues nothing).
    struct pollfd p = {fd, static_cast<short>(writing ? POLLOUT : POLLIN), 0};
    for (int slice = 0; slice < 50 && poll(&p, 1, 0) == 0; slice++) {
      struct timeval wait = {0, 20000};
      if (scm_std_select(0, nullptr, nullptr, nullptr, &wait) < 0 && errno == EINTR) break;
    }
  }
  run_asyncs();
}

}  // namespace

Session::Session(unsigned init_flags) : flags_(init_flags) {
  int r = gnutls_init(&session_, init_flags);
  if (r < 0) throw GnutlsError(r);
}

Session::~Session() {
  if (session_ != nullptr) gnutls_deinit(session_);
}

void Session::collecting() noexcept {
  if (scm_is_true(record_port)) close_collected_record_port(record_port, *this);
}

void Session::use_fd(int fd) {
  transport_ = std::make_unique<io::FdTransport>(fd);
  transport_->install(session_);
  transport_port = SCM_BOOL_F;
}

void Session::use_port(SCM port) {
  transport_ = io::transport_for_port(port);
  transport_->install(session_);
  transport_port = port;
}

void Session::use_credentials(gnutls_credentials_type_t type, void* raw, std::shared_ptr<void> owner) {
  int r = gnutls_credentials_set(session_, type, raw);
  if (r < 0) throw GnutlsError(r);
  credentials_[type] = std::move(owner);
}

void Session::require_transport() const {
  if (!transport_)
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                      "session has no transport: call set-session-transport-fd! or "
                      "set-session-transport-port! first");
}

void Session::throw_pending_exception() {
  if (auto* port = dynamic_cast<io::PortTransport*>(transport_.get())) {
    if (CapturedException captured = port->take_exception())
      throw PendingSchemeException(std::move(captured));
  }
}

void Session::throw_away_pending_exception() {
  if (auto* port = dynamic_cast<io::PortTransport*>(transport_.get()))
    while (port->take_exception()) {
    }
}

void Session::fail(int code) {
  throw_pending_exception();
  // The handshake's own peer verification failed: say why, as a list of
  // certificate-status values.
  if (code == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
    unsigned status = gnutls_session_get_verify_cert_status(session_);
    throw GnutlsError(code, [status] {
      return scm_list_1(enumerate_list_from_flags(EnumKind::certificate_status, status));
    });
  }
  throw GnutlsError(code);
}

// Runs a GnuTLS call that may push or pull.  Over a file descriptor nothing
// touches Scheme, so the call runs outside Guile mode: a thread blocked in
// recv does not hold up garbage collection or other threads.  A signal that
// interrupts it runs the program's handler, whose exception reaches the
// caller; if the handler returns, the call goes on.
template <class Op>
int Session::run(Op op_once) {
  require_transport();
  // GnuTLS reports a short read as GNUTLS_E_AGAIN even over a blocking
  // transport.  A blocking session waits for the rest (or the end of the
  // stream) and calls again: passing "would block" on would leave its
  // caller waiting on a descriptor a port transport does not have.
  auto op_whole = [&] {
    int result = op_once();
    while (result == GNUTLS_E_AGAIN && !nonblocking() && gnutls_record_get_direction(session_) == 0) {
      int ready = transport_->wait_readable(GNUTLS_INDEFINITE_TIMEOUT);
      if (ready < 0 && errno == EINTR) return static_cast<int>(GNUTLS_E_INTERRUPTED);
      if (ready <= 0) break;
      result = op_once();
    }
    return result;
  };
  int r;
  for (;;) {
    if (transport_->calls_scheme()) {
      r = op_whole();
    } else {
      r = without_guile(op_whole);
    }
    // GnuTLS resumes an interrupted call when it is called again.
    if (r != GNUTLS_E_INTERRUPTED) break;
    run_signal_handlers(transport_->wait_fd(), gnutls_record_get_direction(session_) == 1);
  }
  // A Scheme exception outranks whatever GnuTLS made of the failed I/O.
  if (r < 0) throw_pending_exception();
  return r;
}

int Session::handshake() {
  int r = run([this] { return gnutls_handshake(session_); });
  if (r < 0 && gnutls_error_is_fatal(r)) tell_peer_why(r);
  return r;
}

// A failed handshake tells the peer why with an alert (bad certificate,
// handshake failure, ...), as gnutls-cli and gnutls-serv do, rather than
// leaving it to find the connection gone.  Not when the transport itself
// failed: there is no one to tell, and writing to a vanished peer through
// a Scheme port could raise SIGPIPE.  The alert is a courtesy: if it
// cannot be sent, the handshake's own error is what the caller sees.
void Session::tell_peer_why(int handshake_error) {
  switch (handshake_error) {
    case GNUTLS_E_PUSH_ERROR:
    case GNUTLS_E_PULL_ERROR:
    case GNUTLS_E_PREMATURE_TERMINATION:
    case GNUTLS_E_FATAL_ALERT_RECEIVED:
      return;
    default:
      break;
  }
  auto send_alert = [this, handshake_error] {
    int r = gnutls_alert_send_appropriate(session_, handshake_error);
    if (r == GNUTLS_E_INTERRUPTED) r = gnutls_alert_send_appropriate(session_, handshake_error);
    return r;
  };
  if (transport_->calls_scheme()) {
    send_alert();
    throw_away_pending_exception();
  } else {
    without_guile(send_alert);
  }
}

int Session::bye(gnutls_close_request_t how) {
  if (bye_sent_) throw GnutlsError(GNUTLS_E_INVALID_REQUEST, "bye was already called on this session");
  int r = run([this, how] { return gnutls_bye(session_, how); });
  if (r == GNUTLS_E_SUCCESS) bye_sent_ = true;
  return r;
}

int Session::receive(void* buffer, size_t size) {
  // The end of the stream stays the end: GnuTLS itself would call the
  // session invalid after a premature termination.
  if (at_end_) return 0;
  OneAtATime one_receiver(receiving_, "another thread is receiving on this session");
  int r = run([this, buffer, size] { return static_cast<int>(gnutls_record_recv(session_, buffer, size)); });
  if (r == GNUTLS_E_PREMATURE_TERMINATION) r = 0;  // a peer gone without close_notify
  if (r == 0 && size > 0) at_end_ = true;
  return r;
}

int Session::send(const void* data, size_t size) {
  if (bye_sent_) throw GnutlsError(GNUTLS_E_INVALID_SESSION, "cannot send: bye was called on this session");
  OneAtATime one_sender(sending_, "another thread is sending on this session");
  return run([this, data, size] { return static_cast<int>(gnutls_record_send(session_, data, size)); });
}

int Session::rehandshake() {
  return run([this] { return gnutls_rehandshake(session_); });
}

int Session::reauthenticate() {
  return run([this] { return gnutls_reauth(session_, 0); });
}

}  // namespace gg
