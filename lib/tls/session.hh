// A TLS session: the gnutls_session_t, its transport, and everything it
// must keep alive (credentials, transport port, record port).
#pragma once

#include "captured_exception.hh"

#include "attempt_first.hh"
#include "deadline_wait_fd.hh"
#include "foreign.hh"
#include "port_buffers.hh"
#include "readiness_fd.hh"
#include "session_activity.hh"
#include "transport.hh"

#include <gnutls/gnutls.h>
#include <libguile.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
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
  // Replacing the transport needs the session to itself (see activity()).
  void use_fd(int fd);
  void use_port(SCM port);
  io::Transport* transport() const { return transport_.get(); }
  // The transport, kept alive for the caller even if another thread
  // replaces it meanwhile: for code outside the session's operations (the
  // record port's wait descriptors).
  std::shared_ptr<io::Transport> shared_transport() const { return std::atomic_load(&transport_); }

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
  int send_alert(gnutls_alert_level_t level, gnutls_alert_description_t description);

  // Bound every later handshake (the first and any re-handshake) to `ms`
  // milliseconds in all, 0 for no limit; GNUTLS_E_TIMEDOUT when it expires.
  void set_handshake_timeout(unsigned ms);

  // What runs on the session: each operation above enters it first, and
  // so must any other call that changes what a handshake uses.
  SessionActivity& activity() { return activity_; }

  // Throw the error for GnuTLS result `code` (< 0): the transport's pending
  // Scheme exception if there is one, else GnutlsError.
  [[noreturn]] void fail(int code);

  bool bye_sent() const { return bye_sent_; }

  // Where the session is in its life.  Each operation checks the phase
  // first (check_phase): GnuTLS itself crashes on some operations in the
  // wrong phase (a post-handshake operation before any handshake, an alert
  // before priorities are set).
  enum class Phase {
    fresh,        // no handshake attempted yet
    handshaking,  // the first handshake has begun and not ended
    established,  // a handshake completed (a re-handshake may be under way)
    failed,       // a handshake failed: the session cannot be used again
    closing,      // bye has begun and would block
    closed,       // bye completed
  };
  Phase phase() const { return phase_; }
  // A handshake completed once: what was negotiated can be asked for.
  bool negotiated() const { return negotiated_; }
  // The peer sent an alert (close_notify included): alert-get has an answer.
  bool alert_received() const { return alert_received_; }

  // How the stream from the peer ended, once receive has returned 0.
  enum class StreamEnd { open, close_notify, premature };
  StreamEnd stream_end() const { return stream_end_; }

  // The collector is about to destroy the session: its record port goes
  // with it (each refers to the other), and is closed now, while the
  // session can still send (see close_collected_record_port).
  void collecting() noexcept;

  // The session's record port, #f until the first session-record-port
  // makes it (attach_record_port, once).
  SCM record_port() const { return record_port_; }
  bool has_record_port() const { return scm_is_true(record_port_); }
  void attach_record_port(SCM port, LazyBufferMemory buffers) {
    record_port_ = port;
    record_port_buffers_ = std::move(buffers);
  }

  // How a record port read that would block waits.  It blocked with output
  // it must send first stuck, or with GnuTLS waiting to write
  // (`needs_write`), or it waits for input alone.  An operation whose
  // waiter polls the transport itself forgets it (forget_blocked_read).
  void note_blocked_read(bool needs_write) { record_read_needs_write_ = needs_write; }
  void forget_blocked_read() { record_read_needs_write_ = false; }
  // The descriptor a record port read waits on, given the transport's
  // (`transport_fd`, or -1): the bounded handshake's while it waits (see
  // handshake_wait_fd), one readable when the transport is readable or
  // writable after a read that needs to write, else the transport's.
  int record_read_wait_fd(int transport_fd);

  // While a bounded handshake over a non-blocking transport waits for it,
  // the descriptor the record port's read waiter polls: readable when the
  // transport is ready in the direction GnuTLS waits for, or when the
  // deadline has passed, so that a silent peer cannot outlast the bound.
  // -1 otherwise.  arm_handshake_wait sets it up (false if the handshake
  // has no deadline, or the system no such descriptor).
  int handshake_wait_fd() const { return handshake_in_progress_ ? handshake_wait_fd_ : -1; }
  bool arm_handshake_wait();
  void disarm_handshake_wait() { handshake_wait_fd_ = -1; }

  // Make the handshake verify the peer's certificate with `flags`
  // (gnutls_certificate_verify_flags), for `hostname` unless it is null.
  // Needs the session to itself, as every change to what a handshake uses.
  void verify_peer(const std::string* hostname, unsigned flags);

 private:
  void require_transport() const;
  void require_descriptor_as_given() const;
  void throw_pending_exception();
  void throw_away_pending_exception();
  void tell_peer_why(int handshake_error);
  bool can_send_alerts() const;
  void note_alert(int result);
  using Clock = std::chrono::steady_clock;
  // Call `op`, a GnuTLS call that may push or pull, in Guile mode if the
  // transport calls Scheme, else outside it.
  template <class Op>
  int in_transport_mode(Op op);
  template <class Op>
  int run_attempts(Op op, std::optional<Clock::time_point> deadline = std::nullopt);
  template <class Op>
  int run(Op op);
  // What run does with a GnuTLS result: note an alert, throw the pending
  // Scheme exception of a failure; the result otherwise.
  int finish(int result);
  // run for a record call: attempted first in Guile mode without waiting,
  // where the transport can (attempt_first.hh), as `guess` advises.
  template <class Op>
  int run_record(Op op, io::AttemptGuess& guess);

  gnutls_session_t session_ = nullptr;
  // Scheme objects the session refers to.  Session objects live in
  // GC-scanned memory, so these members keep their objects alive.
  SCM transport_port_ = SCM_BOOL_F;
  SCM record_port_ = SCM_BOOL_F;
  LazyBufferMemory record_port_buffers_;  // after collecting(), nothing uses them
  bool record_read_needs_write_ = false;
  io::ReadinessFd readiness_;
  // The host name the handshake verifies the peer's certificate against:
  // GnuTLS keeps a pointer to it, so the session owns the string.
  std::string verified_hostname_;
  unsigned flags_;
  std::shared_ptr<io::Transport> transport_;
  std::map<gnutls_credentials_type_t, std::shared_ptr<void>> credentials_;
  bool bye_sent_ = false;
  Phase phase_ = Phase::fresh;
  gnutls_close_request_t bye_how_ = GNUTLS_SHUT_RDWR;
  bool negotiated_ = false;
  bool alert_received_ = false;
  bool handshake_in_progress_ = false;  // the first or a re-handshake
  unsigned handshake_timeout_ms_ = 0;   // 0: no limit
  std::optional<Clock::time_point> handshake_deadline_;
  io::DeadlineWaitFd handshake_waiting_;
  int handshake_wait_fd_ = -1;
  bool at_end_ = false;  // the peer closed (with or without close_notify)
  StreamEnd stream_end_ = StreamEnd::open;
  SessionActivity activity_;
  // Used under the reader and the writer role respectively.
  io::AttemptGuess receive_guess_, send_guess_;

 public:
  // What GnuTLS calls back into Scheme during a handshake (see
  // session_callbacks.hh): the procedures, and the credentials the
  // server's procedure chose, kept alive for as long as the session.
  struct Callbacks {
    SCM credentials_procedure = SCM_BOOL_F;
    SCM key_log_procedure = SCM_BOOL_F;
    std::shared_ptr<void> chosen_credentials;
    // What a procedure raised while GnuTLS called it, for the caller of the
    // session operation during which it ran (only the first is kept).
    CapturedException exception;
  };
  Callbacks& callbacks() { return callbacks_; }
  bool server() const { return (flags_ & GNUTLS_SERVER) != 0; }

 private:
  Callbacks callbacks_;
};

// The session argument `obj` (WrongTypeArgument naming `position` for
// anything else).
inline Session& session_argument(SCM obj, int position) { return Foreign<Session>::require(obj, position); }

}  // namespace gg
