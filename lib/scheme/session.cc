// Scheme procedures on sessions: creation, handshake, parameters, and what
// was negotiated.
#include "session.hh"
#include "boundary.hh"
#include "convert.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"
#include "record_port.hh"
#include "session_memory.hh"
#include "session_priorities.hh"

#include <climits>

namespace gg {

namespace {

SCM read_symbol() {
  static SCM const read = scm_from_utf8_symbol("read");
  return read;
}

// The direction GnuTLS last waited for, as a symbol.
SCM direction_symbol(Session& s) {
  static SCM const write = scm_from_utf8_symbol("write");
  return gnutls_record_get_direction(s.get()) == 0 ? read_symbol() : write;
}

// #t for success, the waiting direction for GNUTLS_E_AGAIN; other errors
// are raised.
SCM resumable_result(Session& s, int r) {
  if (r == GNUTLS_E_AGAIN) return direction_symbol(s);
  if (r < 0) s.fail(r);
  return SCM_BOOL_T;
}

template <class Op>
SCM resumable_session_call(SCM obj, Op op) {
  Session& s = session_argument(obj, 1);
  s.forget_blocked_read();  // a waiter polls the transport itself
  s.disarm_handshake_wait();
  return resumable_result(s, op(s));
}

// What a handshake negotiated, which GnuTLS answers with defaults (or
// the priorities' highest version) before any handshake completed.
template <class Getter>
SCM session_enumerate(SCM obj, EnumKind kind, Getter getter) {
  Session& s = session_argument(obj, 1);
  if (!s.negotiated())
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                      "the handshake has not completed: nothing was negotiated yet");
  return enumerate(kind, static_cast<int>(getter(s.get())));
}

// At most one record between the bytevector `bytes` and the session:
// `transfer(session, span)` sends or receives, and its count is returned.
template <class Transfer>
SCM record_transfer(SCM session, SCM bytes, Transfer transfer) {
  Session& s = session_argument(session, 1);
  ByteSpan span = bytevector_argument(bytes, 2);
  int r = transfer(s, span);
  if (r < 0) s.fail(r);
  return scm_from_int(r);
}

// Scheme work before a session is made: its memory, told to the GC.
void note_new_session(SCM, Rest) { note_session_memory(kSessionMemoryKiB); }

// Flushing may raise a Scheme error: do it before any C++ object exists.
void flush_before_bye(SCM session, SCM) {
  if (Session* s = Foreign<Session>::unwrap(session)) flush_record_port(*s);
}

}  // namespace

GG_DEFINE_WITH_PRELUDE(make_session, "make-session", manual::session, note_new_session, (SCM end, Rest flags),
                       "Return a new session for connection end @var{end} "
                       "(@code{connection-end/client} or @code{connection-end/server}), "
                       "with the optional @var{flags}, @code{connection-flag/} values.") {
  unsigned init_flags = static_cast<unsigned>(enumerate_value(EnumKind::connection_end, end, 1));
  init_flags |= enumerate_flags(EnumKind::connection_flag, flags, 2);
  return Foreign<Session>::make(init_flags);
}

// The operations below may have to wait for the transport.  Continuations
// cannot be captured through C frames, so the waiting (and the retry) is
// done by the Scheme procedures of the same name without `%' in the
// (gnutls) module; these primitives make one attempt each.

GG_DEFINE_AS(handshake_step, "%handshake", "handshake", manual::library, (SCM session),
             "Make one attempt at the handshake of @var{session}.  Return "
             "@code{#t} once it is complete, or the symbol @code{read} or "
             "@code{write} when the transport would block in that direction; "
             "raise a @code{gnutls-error} on failure.  A handshake bounded by "
             "@code{set-session-handshake-timeout!} always answers @code{read}: "
             "the read wait fd of the session's record port then becomes ready "
             "with the transport or at the deadline.  Use @code{handshake}.") {
  Session& s = session_argument(session, 1);
  s.forget_blocked_read();  // a waiter polls the transport itself
  s.disarm_handshake_wait();
  int r = s.handshake();
  // A bounded handshake waits for its transport or its deadline, both
  // through the record port's read wait fd.
  if (r == GNUTLS_E_AGAIN && s.arm_handshake_wait()) return read_symbol();
  return resumable_result(s, r);
}

GG_DEFINE_AS(rehandshake_step, "%rehandshake", "rehandshake", manual::library, (SCM session),
             "Make one attempt at @code{rehandshake} on @var{session}: "
             "@code{#t}, @code{read} or @code{write} as for @code{%handshake}.") {
  return resumable_session_call(session, [](Session& s) { return s.rehandshake(); });
}

GG_DEFINE_AS(reauthenticate_step, "%reauthenticate", "reauthenticate", manual::library, (SCM session),
             "Make one attempt at @code{reauthenticate} on @var{session}: "
             "@code{#t}, @code{read} or @code{write} as for @code{%handshake}.") {
  return resumable_session_call(session, [](Session& s) { return s.reauthenticate(); });
}

GG_DEFINE_AS_WITH_PRELUDE(bye_step, "%bye", "bye", manual::library, flush_before_bye, (SCM session, SCM how),
                          "Make one attempt at @code{bye} on @var{session}, after sending "
                          "the output pending on its record port: @code{#t}, @code{read} or "
                          "@code{write} as for @code{%handshake}.") {
  Session& s = session_argument(session, 1);
  auto request = static_cast<gnutls_close_request_t>(enumerate_value(EnumKind::close_request, how, 2));
  s.disarm_handshake_wait();
  return resumable_result(s, s.bye(request));
}

GG_DEFINE(record_get_direction, "record-get-direction", manual::session, (SCM session),
          "Return the direction in which the last operation on @var{session} "
          "that was interrupted (it raised @code{error/again}, or a record "
          "port read or write would have blocked) waits: 0 to read, 1 to "
          "write, as GnuTLS and guile-gnutls 3.7.14 and later answer.  A "
          "non-blocking program polls the transport for that direction "
          "before trying again.") {
  return scm_from_int(gnutls_record_get_direction(session_argument(session, 1).get()));
}

GG_DEFINE(alert_get, "alert-get", manual::session, (SCM session),
          "Return the last alert received by @var{session}, an "
          "@code{alert-description/} value; @code{error/invalid-request} if "
          "the peer has sent none.") {
  Session& s = session_argument(session, 1);
  // GnuTLS answers close_notify when no alert came.
  if (!s.alert_received())
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST, "no alert was received on this session");
  return enumerate(EnumKind::alert_description, static_cast<int>(gnutls_alert_get(s.get())));
}

GG_DEFINE(alert_send, "alert-send", manual::session, (SCM session, SCM level, SCM alert),
          "Send an alert of @var{level} (@code{alert-level/}) and description "
          "@var{alert} (@code{alert-description/}) on @var{session}.") {
  Session& s = session_argument(session, 1);
  auto l = static_cast<gnutls_alert_level_t>(enumerate_value(EnumKind::alert_level, level, 2));
  auto d = static_cast<gnutls_alert_description_t>(enumerate_value(EnumKind::alert_description, alert, 3));
  int r = s.send_alert(l, d);
  if (r < 0) s.fail(r);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_session_handshake_timeout_x, "set-session-handshake-timeout!", manual::session,
          (SCM session, SCM ms),
          "Bound the handshakes of @var{session} (the first and any later "
          "one) to @var{ms} milliseconds each, a non-negative exact integer; "
          "@code{#f} or 0 means no limit, the default.  A handshake that has "
          "not completed in time raises @code{error/timedout}, and the session "
          "cannot be used again.  Over a blocking transport the bound holds "
          "however the peer behaves, silent or slow; a transport port without "
          "a file descriptor is read by its own procedures, which the bound "
          "cannot interrupt.  Over a non-blocking transport without "
          "suspendable ports, @code{handshake} raises @code{error/again} and "
          "the program waits: its first call after the deadline raises "
          "@code{error/timedout}, so it should wait no longer than the time "
          "left.  Under suspendable ports (Fibers), @code{handshake} waits "
          "through the current read waiter on a descriptor that becomes ready "
          "with the transport or at the deadline, so the bound holds without "
          "blocking the scheduler (on Linux; elsewhere, a peer that sends "
          "nothing keeps such a handshake waiting).") {
  Session& s = session_argument(session, 1);
  unsigned limit = scm_is_false(ms) ? 0u : static_cast<unsigned>(integer_argument(ms, 2, 0, INT_MAX));
  s.set_handshake_timeout(limit);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_session_priorities_x, "set-session-priorities!", manual::session, (SCM session, SCM priorities),
          "Use the GnuTLS priority string @var{priorities} for @var{session}.  "
          "An invalid string raises @code{error/invalid-request}, whose extra "
          "argument is the offset in the string where parsing failed.") {
  Session& s = session_argument(session, 1);
  std::string text = string_argument(priorities, 2);
  SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a priority change");
  const char* error_position = nullptr;
  int r = set_session_priorities(s.get(), text.c_str(), &error_position);
  if (r == GNUTLS_E_INVALID_REQUEST && error_position != nullptr) {
    // The offset alone, as guile-gnutls raised it.
    long offset = error_position - text.c_str();
    throw GnutlsError(r, [offset] { return scm_list_1(scm_from_long(offset)); });
  }
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_session_default_priority_x, "set-session-default-priority!", manual::session, (SCM session),
          "Use GnuTLS's default priorities (the system's policy) for @var{session}.") {
  Session& s = session_argument(session, 1);
  SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a priority change");
  int r = set_session_priorities(s.get(), nullptr, nullptr);
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_session_server_name_x, "set-session-server-name!", manual::session,
          (SCM session, SCM type, SCM name),
          "Tell the server the name of the host @var{session} connects to "
          "(Server Name Indication); @var{type} is @code{server-name-type/dns}.") {
  Session& s = session_argument(session, 1);
  auto t = static_cast<gnutls_server_name_type_t>(enumerate_value(EnumKind::server_name_type, type, 2));
  std::string host = string_argument(name, 3);
  SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a server name change");
  int r = gnutls_server_name_set(s.get(), t, host.data(), host.size());
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_session_dh_prime_bits_x, "set-session-dh-prime-bits!", manual::session, (SCM session, SCM bits),
          "Set the minimum number of bits of the Diffie-Hellman prime that "
          "@var{session} accepts.") {
  Session& s = session_argument(session, 1);
  auto prime_bits = static_cast<unsigned>(integer_argument(bits, 2, 0, UINT_MAX));
  SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a parameter change");
  gnutls_dh_set_prime_bits(s.get(), prime_bits);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_session_transport_fd_x, "set-session-transport-fd!", manual::session, (SCM session, SCM fd),
          "Use file descriptor @var{fd} (an integer, or a file port's descriptor) "
          "as the transport of @var{session}.  The descriptor stays the caller's: "
          "the session never closes it.") {
  Session& s = session_argument(session, 1);
  s.use_fd(fd_argument(fd, 2));
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_session_transport_port_x, "set-session-transport-port!", manual::session,
          (SCM session, SCM port),
          "Use the binary input/output port @var{port} as the transport of "
          "@var{session}.  Exceptions raised by @var{port} propagate to the "
          "caller of the session operation that used it.") {
  Session& s = session_argument(session, 1);
  if (!scm_is_true(scm_port_p(port)) || !scm_is_true(scm_input_port_p(port)) ||
      !scm_is_true(scm_output_port_p(port)))
    throw WrongTypeArgument(2, port, "input/output port");
  if (scm_is_true(scm_port_closed_p(port))) throw WrongTypeArgument(2, port, "open port");
  s.use_port(port);
  return SCM_UNSPECIFIED;
}

// A procedure returning what the handshake of its session negotiated:
// WHAT_OF (such as "the cipher of") the session, a value of KIND (whose
// Scheme prefix is PREFIX), as GnuTLS's GETTER answers it.
#define GG_NEGOTIATED(c_name, scheme_name, kind, prefix, getter, what_of)         \
  GG_DEFINE(c_name, scheme_name, manual::session, (SCM session),                  \
            "Return " what_of " @var{session}, a @code{" prefix                   \
            "/} value.  "                                                         \
            "Raise @code{error/invalid-request} before a handshake completed.") { \
    return session_enumerate(session, kind, getter);                              \
  }

GG_NEGOTIATED(session_cipher, "session-cipher", EnumKind::cipher, "cipher", gnutls_cipher_get,
              "the cipher of")

GG_NEGOTIATED(session_kx, "session-kx", EnumKind::kx, "kx", gnutls_kx_get, "the key exchange algorithm of")

GG_NEGOTIATED(session_mac, "session-mac", EnumKind::mac, "mac", gnutls_mac_get, "the MAC algorithm of")

GG_NEGOTIATED(session_protocol, "session-protocol", EnumKind::protocol, "protocol",
              gnutls_protocol_get_version, "the protocol version of")

GG_DEFINE(session_compression_method, "session-compression-method", manual::session, (SCM session),
          "Return the compression method of @var{session}: always "
          "@code{compression-method/null}, as TLS compression is gone.") {
  session_argument(session, 1);
  return enumerate(EnumKind::compression_method, GNUTLS_COMP_NULL);
}

GG_NEGOTIATED(session_certificate_type, "session-certificate-type", EnumKind::certificate_type,
              "certificate-type", gnutls_certificate_type_get, "the certificate type of")

GG_NEGOTIATED(session_authentication_type, "session-authentication-type", EnumKind::credentials,
              "credentials", gnutls_auth_get_type, "the authentication type of")

GG_NEGOTIATED(session_server_authentication_type, "session-server-authentication-type", EnumKind::credentials,
              "credentials", gnutls_auth_server_get_type, "the server's authentication type in")

GG_NEGOTIATED(session_client_authentication_type, "session-client-authentication-type", EnumKind::credentials,
              "credentials", gnutls_auth_client_get_type, "the client's authentication type in")

GG_DEFINE(record_send, "record-send", manual::session, (SCM session, SCM data),
          "Send the bytevector @var{data} over @var{session}; return the number "
          "of bytes sent, which may be less than the length of @var{data} (at "
          "most one record).") {
  return record_transfer(session, data,
                         [](Session& s, ByteSpan bytes) { return s.send(bytes.data, bytes.size); });
}

GG_DEFINE(record_receive_x, "record-receive!", manual::session, (SCM session, SCM buffer),
          "Receive data from @var{session} into the bytevector @var{buffer}; "
          "return the number of bytes received, 0 at the end of the stream "
          "(including a peer that closed without close_notify).") {
  return record_transfer(session, buffer,
                         [](Session& s, ByteSpan bytes) { return s.receive(bytes.data, bytes.size); });
}

}  // namespace gg

namespace gg {

GG_INITIALIZER(define_session_type) {
  Foreign<Session>::define_type("gnutls-session",
                                {"session?", "Return true if @var{obj} is a session.", manual::session});
}

}  // namespace gg

namespace gg {

GG_DEFINE(session_end_of_stream, "session-end-of-stream", manual::session, (SCM session),
          "Return how the peer of @var{session} ended the stream, once a read "
          "(from the record port or with @code{record-receive!}) has returned "
          "the end of file: the symbol @code{close-notify} if it closed the "
          "TLS session properly (with @code{bye}), @code{premature} if the "
          "connection just went away without TLS closure, and @code{#f} while "
          "no read has reached the end.") {
  static SCM const close_notify = scm_from_utf8_symbol("close-notify");
  static SCM const premature = scm_from_utf8_symbol("premature");
  switch (session_argument(session, 1).stream_end()) {
    case Session::StreamEnd::close_notify:
      return close_notify;
    case Session::StreamEnd::premature:
      return premature;
    case Session::StreamEnd::open:
      break;
  }
  return SCM_BOOL_F;
}

}  // namespace gg
