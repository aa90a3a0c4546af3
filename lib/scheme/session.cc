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

#include <climits>

namespace gg {

namespace {

Session& session_argument(SCM obj, int position) { return Foreign<Session>::require(obj, position); }

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
SCM resumable_session_call(const char* who, SCM obj, Op op) {
  return guarded(who, [&] {
    Session& s = session_argument(obj, 1);
    s.record_read_needs_write = false;  // a waiter polls the transport itself
    s.disarm_handshake_wait();
    return resumable_result(s, op(s));
  });
}

// What a handshake negotiated, which GnuTLS answers with defaults (or
// the priorities' highest version) before any handshake completed.
template <class Getter>
SCM session_enumerate(const char* who, SCM obj, EnumKind kind, Getter getter) {
  return guarded(who, [&] {
    Session& s = session_argument(obj, 1);
    if (!s.negotiated())
      throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                        "the handshake has not completed: nothing was negotiated yet");
    return enumerate(kind, static_cast<int>(getter(s.get())));
  });
}

}  // namespace

GG_PROCEDURE(make_session, "make-session", 1, 0, 1, (SCM end, SCM flags),
             "Return a new session for connection end @var{end} "
             "(@code{connection-end/client} or @code{connection-end/server}), "
             "with the optional @var{flags}, @code{connection-flag/} values.") {
  note_session_memory(kSessionMemoryKiB);
  return guarded("make-session", [&] {
    unsigned init_flags = static_cast<unsigned>(enumerate_value(EnumKind::connection_end, end, 1));
    init_flags |= enumerate_flags(EnumKind::connection_flag, flags, 2);
    return Foreign<Session>::make(init_flags);
  });
}

GG_PROCEDURE(session_p, "session?", 1, 0, 0, (SCM obj), "Return true if @var{obj} is a session.") {
  return scm_from_bool(Foreign<Session>::is(obj));
}

// The operations below may have to wait for the transport.  Continuations
// cannot be captured through C frames, so the waiting (and the retry) is
// done by the Scheme procedures of the same name without `%' in the
// (gnutls) module; these primitives make one attempt each.

GG_PROCEDURE(handshake_step, "%handshake", 1, 0, 0, (SCM session),
             "Make one attempt at the handshake of @var{session}.  Return "
             "@code{#t} once it is complete, or the symbol @code{read} or "
             "@code{write} when the transport would block in that direction; "
             "raise a @code{gnutls-error} on failure.  A handshake bounded by "
             "@code{set-session-handshake-timeout!} always answers @code{read}: "
             "the read wait fd of the session's record port then becomes ready "
             "with the transport or at the deadline.  Use @code{handshake}.") {
  return guarded("handshake", [&] {
    Session& s = session_argument(session, 1);
    s.record_read_needs_write = false;  // a waiter polls the transport itself
    s.disarm_handshake_wait();
    int r = s.handshake();
    // A bounded handshake waits for its transport or its deadline, both
    // through the record port's read wait fd.
    if (r == GNUTLS_E_AGAIN && s.arm_handshake_wait()) return read_symbol();
    return resumable_result(s, r);
  });
}

GG_PROCEDURE(rehandshake_step, "%rehandshake", 1, 0, 0, (SCM session),
             "Make one attempt at @code{rehandshake} on @var{session}: "
             "@code{#t}, @code{read} or @code{write} as for @code{%handshake}.") {
  return resumable_session_call("rehandshake", session, [](Session& s) { return s.rehandshake(); });
}

GG_PROCEDURE(reauthenticate_step, "%reauthenticate", 1, 0, 0, (SCM session),
             "Make one attempt at @code{reauthenticate} on @var{session}: "
             "@code{#t}, @code{read} or @code{write} as for @code{%handshake}.") {
  return resumable_session_call("reauthenticate", session, [](Session& s) { return s.reauthenticate(); });
}

GG_PROCEDURE(bye_step, "%bye", 2, 0, 0, (SCM session, SCM how),
             "Make one attempt at @code{bye} on @var{session}, after sending "
             "the output pending on its record port: @code{#t}, @code{read} or "
             "@code{write} as for @code{%handshake}.") {
  // Flushing may raise a Scheme error: do it before any C++ object exists.
  if (Session* s = Foreign<Session>::unwrap(session)) flush_record_port(*s);
  return guarded("bye", [&] {
    Session& s = session_argument(session, 1);
    auto request = static_cast<gnutls_close_request_t>(enumerate_value(EnumKind::close_request, how, 2));
    s.disarm_handshake_wait();
    return resumable_result(s, s.bye(request));
  });
}

GG_PROCEDURE(record_get_direction, "record-get-direction", 1, 0, 0, (SCM session),
             "Return the direction in which the last operation on @var{session} "
             "that was interrupted (it raised @code{error/again}, or a record "
             "port read or write would have blocked) waits: the symbol "
             "@code{read} or @code{write}.  A non-blocking program polls the "
             "transport for that direction before trying again.") {
  return guarded("record-get-direction", [&] { return direction_symbol(session_argument(session, 1)); });
}

GG_PROCEDURE(alert_get, "alert-get", 1, 0, 0, (SCM session),
             "Return the last alert received by @var{session}, an "
             "@code{alert-description/} value; @code{error/invalid-request} if "
             "the peer has sent none.") {
  return guarded("alert-get", [&] {
    Session& s = session_argument(session, 1);
    // GnuTLS answers close_notify when no alert came.
    if (!s.alert_received())
      throw GnutlsError(GNUTLS_E_INVALID_REQUEST, "no alert was received on this session");
    return enumerate(EnumKind::alert_description, static_cast<int>(gnutls_alert_get(s.get())));
  });
}

GG_PROCEDURE(alert_send, "alert-send", 3, 0, 0, (SCM session, SCM level, SCM alert),
             "Send an alert of @var{level} (@code{alert-level/}) and description "
             "@var{alert} (@code{alert-description/}) on @var{session}.") {
  return guarded("alert-send", [&] {
    Session& s = session_argument(session, 1);
    auto l = static_cast<gnutls_alert_level_t>(enumerate_value(EnumKind::alert_level, level, 2));
    auto d = static_cast<gnutls_alert_description_t>(enumerate_value(EnumKind::alert_description, alert, 3));
    int r = s.send_alert(l, d);
    if (r < 0) s.fail(r);
    return SCM_UNSPECIFIED;
  });
}

GG_PROCEDURE(set_session_handshake_timeout_x, "set-session-handshake-timeout!", 2, 0, 0,
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
  return guarded("set-session-handshake-timeout!", [&] {
    Session& s = session_argument(session, 1);
    unsigned limit = scm_is_false(ms) ? 0u : static_cast<unsigned>(integer_argument(ms, 2, 0, INT_MAX));
    s.set_handshake_timeout(limit);
    return SCM_UNSPECIFIED;
  });
}

GG_PROCEDURE(set_session_priorities_x, "set-session-priorities!", 2, 0, 0, (SCM session, SCM priorities),
             "Use the GnuTLS priority string @var{priorities} for @var{session}.  "
             "An invalid string raises @code{error/invalid-request}, whose extra "
             "argument is the offset in the string where parsing failed.") {
  return guarded("set-session-priorities!", [&] {
    Session& s = session_argument(session, 1);
    std::string text = string_argument(priorities, 2);
    SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a priority change");
    const char* error_position = nullptr;
    int r = gnutls_priority_set_direct(s.get(), text.c_str(), &error_position);
    if (r == GNUTLS_E_INVALID_REQUEST && error_position != nullptr) {
      // The offset alone, as guile-gnutls raised it.
      long offset = error_position - text.c_str();
      throw GnutlsError(r, [offset] { return scm_list_1(scm_from_long(offset)); });
    }
    if (r < 0) throw GnutlsError(r);
    return SCM_UNSPECIFIED;
  });
}

GG_PROCEDURE(set_session_default_priority_x, "set-session-default-priority!", 1, 0, 0, (SCM session),
             "Use GnuTLS's default priorities (the system's policy) for @var{session}.") {
  return guarded("set-session-default-priority!", [&] {
    Session& s = session_argument(session, 1);
    SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a priority change");
    int r = gnutls_set_default_priority(s.get());
    if (r < 0) throw GnutlsError(r);
    return SCM_UNSPECIFIED;
  });
}

GG_PROCEDURE(set_session_server_name_x, "set-session-server-name!", 3, 0, 0,
             (SCM session, SCM type, SCM name),
             "Tell the server the name of the host @var{session} connects to "
             "(Server Name Indication); @var{type} is @code{server-name-type/dns}.") {
  return guarded("set-session-server-name!", [&] {
    Session& s = session_argument(session, 1);
    auto t = static_cast<gnutls_server_name_type_t>(enumerate_value(EnumKind::server_name_type, type, 2));
    std::string host = string_argument(name, 3);
    SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a server name change");
    int r = gnutls_server_name_set(s.get(), t, host.data(), host.size());
    if (r < 0) throw GnutlsError(r);
    return SCM_UNSPECIFIED;
  });
}

GG_PROCEDURE(set_session_dh_prime_bits_x, "set-session-dh-prime-bits!", 2, 0, 0, (SCM session, SCM bits),
             "Set the minimum number of bits of the Diffie-Hellman prime that "
             "@var{session} accepts.") {
  return guarded("set-session-dh-prime-bits!", [&] {
    Session& s = session_argument(session, 1);
    auto prime_bits = static_cast<unsigned>(integer_argument(bits, 2, 0, UINT_MAX));
    SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a parameter change");
    gnutls_dh_set_prime_bits(s.get(), prime_bits);
    return SCM_UNSPECIFIED;
  });
}

GG_PROCEDURE(set_session_transport_fd_x, "set-session-transport-fd!", 2, 0, 0, (SCM session, SCM fd),
             "Use file descriptor @var{fd} (an integer, or a file port's descriptor) "
             "as the transport of @var{session}.  The descriptor stays the caller's: "
             "the session never closes it.") {
  return guarded("set-session-transport-fd!", [&] {
    Session& s = session_argument(session, 1);
    s.use_fd(fd_argument(fd, 2));
    return SCM_UNSPECIFIED;
  });
}

GG_PROCEDURE(set_session_transport_port_x, "set-session-transport-port!", 2, 0, 0, (SCM session, SCM port),
             "Use the binary input/output port @var{port} as the transport of "
             "@var{session}.  Exceptions raised by @var{port} propagate to the "
             "caller of the session operation that used it.") {
  return guarded("set-session-transport-port!", [&] {
    Session& s = session_argument(session, 1);
    if (!scm_is_true(scm_port_p(port)) || !scm_is_true(scm_input_port_p(port)) ||
        !scm_is_true(scm_output_port_p(port)))
      throw WrongTypeArgument(2, port, "input/output port");
    if (scm_is_true(scm_port_closed_p(port))) throw WrongTypeArgument(2, port, "open port");
    s.use_port(port);
    return SCM_UNSPECIFIED;
  });
}

GG_PROCEDURE(session_cipher, "session-cipher", 1, 0, 0, (SCM session),
             "Return the cipher of @var{session}, a @code{cipher/} value.  Raise "
             "@code{error/invalid-request} before a handshake completed.") {
  return session_enumerate("session-cipher", session, EnumKind::cipher, gnutls_cipher_get);
}

GG_PROCEDURE(session_kx, "session-kx", 1, 0, 0, (SCM session),
             "Return the key exchange algorithm of @var{session}, a @code{kx/} value.  Raise "
             "@code{error/invalid-request} before a handshake completed.") {
  return session_enumerate("session-kx", session, EnumKind::kx, gnutls_kx_get);
}

GG_PROCEDURE(session_mac, "session-mac", 1, 0, 0, (SCM session),
             "Return the MAC algorithm of @var{session}, a @code{mac/} value.  Raise "
             "@code{error/invalid-request} before a handshake completed.") {
  return session_enumerate("session-mac", session, EnumKind::mac, gnutls_mac_get);
}

GG_PROCEDURE(session_protocol, "session-protocol", 1, 0, 0, (SCM session),
             "Return the protocol version of @var{session}, a @code{protocol/} value.  Raise "
             "@code{error/invalid-request} before a handshake completed.") {
  return session_enumerate("session-protocol", session, EnumKind::protocol, gnutls_protocol_get_version);
}

GG_PROCEDURE(session_compression_method, "session-compression-method", 1, 0, 0, (SCM session),
             "Return the compression method of @var{session}: always "
             "@code{compression-method/null}, as TLS compression is gone.") {
  return guarded("session-compression-method", [&] {
    session_argument(session, 1);
    return enumerate(EnumKind::compression_method, GNUTLS_COMP_NULL);
  });
}

GG_PROCEDURE(session_certificate_type, "session-certificate-type", 1, 0, 0, (SCM session),
             "Return the certificate type of @var{session}, a @code{certificate-type/} value.  Raise "
             "@code{error/invalid-request} before a handshake completed.") {
  return session_enumerate("session-certificate-type", session, EnumKind::certificate_type,
                           gnutls_certificate_type_get);
}

GG_PROCEDURE(session_authentication_type, "session-authentication-type", 1, 0, 0, (SCM session),
             "Return the authentication type of @var{session}, a @code{credentials/} value.  Raise "
             "@code{error/invalid-request} before a handshake completed.") {
  return session_enumerate("session-authentication-type", session, EnumKind::credentials,
                           gnutls_auth_get_type);
}

GG_PROCEDURE(session_server_authentication_type, "session-server-authentication-type", 1, 0, 0, (SCM session),
             "Return the server's authentication type in @var{session}, a "
             "@code{credentials/} value.  Raise @code{error/invalid-request} before a handshake completed.") {
  return session_enumerate("session-server-authentication-type", session, EnumKind::credentials,
                           gnutls_auth_server_get_type);
}

GG_PROCEDURE(session_client_authentication_type, "session-client-authentication-type", 1, 0, 0, (SCM session),
             "Return the client's authentication type in @var{session}, a "
             "@code{credentials/} value.  Raise @code{error/invalid-request} before a handshake completed.") {
  return session_enumerate("session-client-authentication-type", session, EnumKind::credentials,
                           gnutls_auth_client_get_type);
}

GG_PROCEDURE(record_send, "record-send", 2, 0, 0, (SCM session, SCM data),
             "Send the bytevector @var{data} over @var{session}; return the number "
             "of bytes sent, which may be less than the length of @var{data} (at "
             "most one record).") {
  return guarded("record-send", [&] {
    Session& s = session_argument(session, 1);
    ByteSpan bytes = bytevector_argument(data, 2);
    int r = s.send(bytes.data, bytes.size);
    if (r < 0) s.fail(r);
    return scm_from_int(r);
  });
}

GG_PROCEDURE(record_receive_x, "record-receive!", 2, 0, 0, (SCM session, SCM buffer),
             "Receive data from @var{session} into the bytevector @var{buffer}; "
             "return the number of bytes received, 0 at the end of the stream "
             "(including a peer that closed without close_notify).") {
  return guarded("record-receive!", [&] {
    Session& s = session_argument(session, 1);
    ByteSpan bytes = bytevector_argument(buffer, 2);
    int r = s.receive(bytes.data, bytes.size);
    if (r < 0) s.fail(r);
    return scm_from_int(r);
  });
}

}  // namespace gg

namespace gg {

GG_INITIALIZER(define_session_type) { Foreign<Session>::define_type("gnutls-session"); }

}  // namespace gg

namespace gg {

GG_PROCEDURE(session_end_of_stream, "session-end-of-stream", 1, 0, 0, (SCM session),
             "Return how the peer of @var{session} ended the stream, once a read "
             "(from the record port or with @code{record-receive!}) has returned "
             "the end of file: the symbol @code{close-notify} if it closed the "
             "TLS session properly (with @code{bye}), @code{premature} if the "
             "connection just went away without TLS closure, and @code{#f} while "
             "no read has reached the end.") {
  return guarded("session-end-of-stream", [&] {
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
  });
}

}  // namespace gg
