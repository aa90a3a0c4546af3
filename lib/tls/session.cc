#include "session.hh"

#include "descriptor_io.hh"
#include "enumerates.hh"
#include "errors.hh"
#include "fd_port_transport.hh"
#include "fd_transport.hh"
#include "port_transport.hh"
#include "record_port.hh"
#include "without_guile.hh"

#include <libguile/iselect.h>
#include <sys/select.h>

#include <cerrno>

namespace gg {

namespace {

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
    for (int slice = 0; slice < 50 && io::wait_ready(fd, writing, 0) == 0; slice++) {
      struct timeval wait = {0, 20000};
      if (scm_std_select(0, nullptr, nullptr, nullptr, &wait) < 0 && errno == EINTR) break;
    }
  }
  run_asyncs();
}

// What each phase allows.  The messages say why, as misuse is what brings
// them: a post-handshake operation before the handshake, after it failed or
// after bye.
enum class Operation { handshake, post_handshake, send, receive, bye, alert };

using Phase = Session::Phase;

const char* const kNotHandshaken = "the handshake has not completed: call handshake first";
const char* const kInProgress = "the handshake is in progress: call handshake until it completes";
const char* const kFailed =
    "the handshake of this session failed: it cannot be used again, make a new session";
const char* const kByeCalled = "bye was called on this session";

void check_phase(Phase phase, Operation op) {
  switch (op) {
    case Operation::handshake:
      if (phase == Phase::failed) throw GnutlsError(GNUTLS_E_INVALID_REQUEST, kFailed);
      if (phase == Phase::closing || phase == Phase::closed)
        throw GnutlsError(GNUTLS_E_INVALID_REQUEST, kByeCalled);
      return;
    case Operation::post_handshake:
    case Operation::send:
    case Operation::receive:
      if (phase == Phase::established) return;
      if (phase == Phase::handshaking)
        throw GnutlsError(op == Operation::post_handshake ? GNUTLS_E_INVALID_REQUEST
                                                          : GNUTLS_E_UNAVAILABLE_DURING_HANDSHAKE,
                          kInProgress);
      if (phase == Phase::failed) throw GnutlsError(GNUTLS_E_INVALID_REQUEST, kFailed);
      if (phase == Phase::fresh) throw GnutlsError(GNUTLS_E_INVALID_REQUEST, kNotHandshaken);
      // After bye: Session::receive and Session::send decide.
      if (op == Operation::post_handshake) throw GnutlsError(GNUTLS_E_INVALID_REQUEST, kByeCalled);
      return;
    case Operation::bye:
      // A handshake in progress may be abandoned politely; one that failed
      // already told the peer (Session::bye).
      if (phase == Phase::fresh)
        throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                          "the handshake has not completed: there is no TLS session to close");
      if (phase == Phase::closed)
        throw GnutlsError(GNUTLS_E_INVALID_REQUEST, "bye was already called on this session");
      return;
    case Operation::alert:
      if (phase == Phase::handshaking || phase == Phase::established) return;
      if (phase == Phase::fresh)
        throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                          "the handshake has not begun: there is no peer to alert yet");
      if (phase == Phase::failed)
        throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                          "the handshake of this session failed: the peer was already told why");
      throw GnutlsError(GNUTLS_E_INVALID_REQUEST, kByeCalled);
  }
}

// Milliseconds left until `deadline`, at least 1 while it has not passed.
unsigned milliseconds_until(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0u : static_cast<unsigned>(left.count());
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
  if (has_record_port()) close_collected_record_port(record_port_, *this);
}

int Session::record_read_wait_fd(int transport_fd) {
  if (handshake_wait_fd() >= 0) return handshake_wait_fd();
  if (record_read_needs_write_) {
    int either = readiness_.watch(transport_fd);
    if (either >= 0) return either;
  }
  return transport_fd;
}

void Session::verify_peer(const std::string* hostname, unsigned flags) {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "a verification change");
  verified_hostname_ = hostname == nullptr ? std::string() : *hostname;  // GnuTLS keeps a pointer to it
  gnutls_session_set_verify_cert(session_, hostname == nullptr ? nullptr : verified_hostname_.c_str(), flags);
}

// No operation is running (the entry says so), so GnuTLS holds no pointer
// to the old transport; a record port asking for its wait descriptor
// meanwhile keeps it alive through shared_transport().
void Session::use_fd(int fd) {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "a transport change");
  std::shared_ptr<io::Transport> transport = std::make_shared<io::FdTransport>(fd);
  transport->install(session_);
  std::atomic_store(&transport_, std::move(transport));
  transport_port_ = SCM_BOOL_F;
}

void Session::use_port(SCM port) {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "a transport change");
  std::shared_ptr<io::Transport> transport = io::transport_for_port(port);
  transport->install(session_);
  // The new port is reachable from here before the old transport goes.
  transport_port_ = port;
  std::atomic_store(&transport_, std::move(transport));
}

void Session::use_credentials(gnutls_credentials_type_t type, void* raw, std::shared_ptr<void> owner) {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "a credentials change");
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

// The program owns the descriptor: once it closed it, the number may name
// a file it opened since, which a handshake would write into.  One fstat
// per handshake or bye; records are not checked (see the manual).
void Session::require_descriptor_as_given() const {
  if (transport_ && transport_->reused_since_given()) {
    int fd = transport_->wait_fd();
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                      "transport descriptor " + std::to_string(fd) +
                          " no longer refers to the file given to set-session-transport-fd! "
                          "(it was closed, and its number reused)");
  }
}

void Session::throw_pending_exception() {
  if (callbacks_.exception) throw PendingSchemeException(std::move(callbacks_.exception));
  if (auto* port = dynamic_cast<io::PortTransport*>(transport_.get())) {
    if (CapturedException captured = port->take_exception())
      throw PendingSchemeException(std::move(captured));
  }
}

void Session::throw_away_pending_exception() {
  callbacks_.exception = CapturedException();
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
// caller; if the handler returns, the call goes on.  The transport's
// pending Scheme exception, if any, is left for the caller to throw.
// Waits between attempts end at `deadline` with GNUTLS_E_TIMEDOUT.
template <class Op>
int Session::in_transport_mode(Op op) {
  return transport_->calls_scheme() ? op() : without_guile(op);
}

template <class Op>
int Session::run_attempts(Op op_once, std::optional<Clock::time_point> deadline) {
  require_transport();
  // GnuTLS reports a short read as GNUTLS_E_AGAIN even over a blocking
  // transport.  A blocking session waits for the rest (or the end of the
  // stream) and calls again: passing "would block" on would leave its
  // caller waiting on a descriptor a port transport does not have.
  auto op_whole = [&] {
    int result = op_once();
    while (result == GNUTLS_E_AGAIN && !nonblocking() && gnutls_record_get_direction(session_) == 0) {
      unsigned wait = GNUTLS_INDEFINITE_TIMEOUT;
      if (deadline) {
        wait = milliseconds_until(*deadline);
        if (wait == 0) return static_cast<int>(GNUTLS_E_TIMEDOUT);
      }
      int ready = transport_->wait_readable(wait);
      if (ready < 0 && errno == EINTR) return static_cast<int>(GNUTLS_E_INTERRUPTED);
      if (ready == 0 && deadline) return static_cast<int>(GNUTLS_E_TIMEDOUT);
      if (ready <= 0) break;
      result = op_once();
    }
    return result;
  };
  int r;
  for (;;) {
    r = in_transport_mode(op_whole);
    // GnuTLS resumes an interrupted call when it is called again.
    if (r != GNUTLS_E_INTERRUPTED) break;
    run_signal_handlers(transport_->wait_fd(), gnutls_record_get_direction(session_) == 1);
  }
  return r;
}

int Session::finish(int result) {
  note_alert(result);
  // A Scheme exception outranks whatever GnuTLS made of the failed I/O.
  if (result < 0) throw_pending_exception();
  return result;
}

template <class Op>
int Session::run(Op op) {
  return finish(run_attempts(op));
}

template <class Op>
int Session::run_record(Op op, io::AttemptGuess& guess) {
  require_transport();
  if (transport_->attempts_without_waiting() && guess.worth_attempting()) {
    int r;
    {
      io::NoWaitAttempt no_wait;
      r = op();
    }
    // Else the call is made again as run makes it, outside Guile mode:
    // over a blocking descriptor it waits; over a non-blocking one it
    // finds again that it would block, and says so.
    bool completed = r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED;
    guess.attempted(completed);
    if (completed) return finish(r);
  }
  return run(op);
}

void Session::set_handshake_timeout(unsigned ms) {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "a timeout change");
  gnutls_handshake_set_timeout(session_, ms);
  handshake_timeout_ms_ = ms;
}

int Session::handshake() {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "a handshake");
  require_transport();
  check_phase(phase_, Operation::handshake);
  require_descriptor_as_given();
  if (!handshake_in_progress_) {
    // GnuTLS bounds the waits it does itself; the session's own waits (a
    // short read over a blocking transport) end at the same deadline.
    handshake_deadline_.reset();
    if (handshake_timeout_ms_ > 0)
      handshake_deadline_ = Clock::now() + std::chrono::milliseconds(handshake_timeout_ms_);
    handshake_in_progress_ = true;
    if (phase_ == Phase::fresh) phase_ = Phase::handshaking;
  }
  // A signal handler's exception leaves the handshake in progress, to be
  // resumed by the next call.
  int r = run_attempts([this] { return gnutls_handshake(session_); }, handshake_deadline_);
  note_alert(r);
  if (r == GNUTLS_E_SUCCESS) negotiated_ = true;
  if (r == GNUTLS_E_SUCCESS || (r < 0 && gnutls_error_is_fatal(r))) {
    handshake_in_progress_ = false;
    phase_ = r == GNUTLS_E_SUCCESS ? Phase::established : Phase::failed;
  }
  // A callback's exception reaches the caller even when the handshake
  // completed (a key log procedure that raised).
  if (r < 0 || callbacks_.exception) throw_pending_exception();
  if (phase_ == Phase::failed) tell_peer_why(r);
  return r;
}

bool Session::arm_handshake_wait() {
  handshake_wait_fd_ = -1;
  if (!handshake_in_progress_ || !handshake_deadline_ || !transport_) return false;
  bool writing = gnutls_record_get_direction(session_) == 1;
  handshake_wait_fd_ = handshake_waiting_.watch(transport_->wait_fd(), writing, *handshake_deadline_);
  return handshake_wait_fd_ >= 0;
}

// A failed handshake tells the peer why with an alert (bad certificate,
// handshake failure, ...), as gnutls-cli and gnutls-serv do, rather than
// leaving it to find the connection gone.  Not when the transport itself
// failed: there is no one to tell, and writing to a vanished peer through
// a Scheme port could raise SIGPIPE; nor when the peer stalled until the
// handshake timed out, as a write to a peer that does not read could wait
// past the deadline.  The alert is a courtesy: if it cannot be sent, the
// handshake's own error is what the caller sees.
void Session::tell_peer_why(int handshake_error) {
  switch (handshake_error) {
    case GNUTLS_E_PUSH_ERROR:
    case GNUTLS_E_PULL_ERROR:
    case GNUTLS_E_PREMATURE_TERMINATION:
    case GNUTLS_E_FATAL_ALERT_RECEIVED:
    case GNUTLS_E_TIMEDOUT:
      return;
    default:
      break;
  }
  if (!can_send_alerts()) return;
  // Not through run: a courtesy runs no signal handler (whose exception
  // would replace the handshake's error) and waits for nothing; it retries
  // an interrupted send once.  What a port transport raised is dropped.
  in_transport_mode([this, handshake_error] {
    int r = gnutls_alert_send_appropriate(session_, handshake_error);
    if (r == GNUTLS_E_INTERRUPTED) r = gnutls_alert_send_appropriate(session_, handshake_error);
    return r;
  });
  throw_away_pending_exception();
}

// GnuTLS sends alerts in records of the session's protocol version, which
// exists only once priorities are set (gnutls_alert_send crashes before).
bool Session::can_send_alerts() const {
  return transport_ && gnutls_protocol_get_version(session_) != GNUTLS_VERSION_UNKNOWN;
}

void Session::note_alert(int result) {
  if (result == GNUTLS_E_WARNING_ALERT_RECEIVED || result == GNUTLS_E_FATAL_ALERT_RECEIVED)
    alert_received_ = true;
}

int Session::bye(gnutls_close_request_t how) {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "a bye");
  require_transport();
  check_phase(phase_, Operation::bye);
  require_descriptor_as_given();
  if (phase_ == Phase::failed) {
    // The failed handshake ended the TLS session (with an alert, where one
    // could be sent): there is nothing left to close, and a cleanup that
    // calls bye whatever happened must not raise.
    bye_sent_ = true;
    phase_ = Phase::closed;
    return GNUTLS_E_SUCCESS;
  }
  if (!can_send_alerts())
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST, "the session has no priorities: nothing to close");
  if (phase_ != Phase::closing) bye_how_ = how;
  handshake_in_progress_ = false;  // a handshake under way is abandoned
  phase_ = Phase::closing;
  int r = run([this] { return gnutls_bye(session_, bye_how_); });
  if (r == GNUTLS_E_SUCCESS) {
    bye_sent_ = true;
    phase_ = Phase::closed;
    if (bye_how_ == GNUTLS_SHUT_RDWR) alert_received_ = true;  // the peer's close_notify
  }
  return r;
}

int Session::receive(void* buffer, size_t size) {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::reader, "a receive");
  // The end of the stream stays the end: GnuTLS itself would call the
  // session invalid after a premature termination.
  if (at_end_) return 0;
  require_transport();
  check_phase(phase_, Operation::receive);
  if (phase_ == Phase::closed && bye_how_ == GNUTLS_SHUT_RDWR) return 0;  // bye read the peer's close_notify
  if (phase_ == Phase::closing && bye_how_ == GNUTLS_SHUT_RDWR)
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST, "bye is waiting for the peer's close_notify: call bye again");
  int r = run_record(
      [this, buffer, size] { return static_cast<int>(gnutls_record_recv(session_, buffer, size)); },
      receive_guess_);
  if (r == 0 && size > 0) alert_received_ = true;  // close_notify
  bool premature = r == GNUTLS_E_PREMATURE_TERMINATION;
  if (premature) r = 0;  // a peer gone without close_notify
  if (r == 0 && size > 0) {
    at_end_ = true;
    stream_end_ = premature ? StreamEnd::premature : StreamEnd::close_notify;
  }
  return r;
}

int Session::send(const void* data, size_t size) {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::writer, "a send");
  if (bye_sent_ || phase_ == Phase::closing)
    throw GnutlsError(GNUTLS_E_INVALID_SESSION, "cannot send: bye was called on this session");
  require_transport();
  check_phase(phase_, Operation::send);
  return run_record([this, data, size] { return static_cast<int>(gnutls_record_send(session_, data, size)); },
                    send_guess_);
}

int Session::rehandshake() {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "a rehandshake");
  require_transport();
  check_phase(phase_, Operation::post_handshake);
  require_descriptor_as_given();
  return run([this] { return gnutls_rehandshake(session_); });
}

int Session::reauthenticate() {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "a reauthentication");
  require_transport();
  check_phase(phase_, Operation::post_handshake);
  require_descriptor_as_given();
  return run([this] { return gnutls_reauth(session_, 0); });
}

int Session::send_alert(gnutls_alert_level_t level, gnutls_alert_description_t description) {
  SessionActivity::Entry entry(activity_, SessionActivity::Role::sole, "an alert-send");
  require_transport();
  check_phase(phase_, Operation::alert);
  require_descriptor_as_given();
  if (!can_send_alerts()) throw GnutlsError(GNUTLS_E_INVALID_REQUEST, "the session has no priorities");
  return run([this, level, description] { return gnutls_alert_send(session_, level, description); });
}

}  // namespace gg
