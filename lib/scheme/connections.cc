// Scheme procedures for what a connection negotiates beyond the handshake
// itself: application protocols (ALPN), session resumption (session data
// and server ticket keys), the server name a client asked for (SNI) and a
// certificate chosen by it, and key logging.
#include "boundary.hh"
#include "convert.hh"
#include "datum.hh"
#include "deadline_wait_port.hh"
#include "foreign.hh"
#include "procedures.hh"
#include "session.hh"
#include "session_callbacks.hh"

#include <gnutls/gnutls.h>

#include <chrono>
#include <climits>
#include <string>
#include <vector>

namespace gg {

namespace {

void require_end(const Session& s, bool server) {
  if (s.server() != server)
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                      server ? "this is for server sessions, and the session is a client's"
                             : "this is for client sessions, and the session is a server's");
}

void require_negotiated(const Session& s) {
  if (!s.negotiated())
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                      "the handshake has not completed: nothing was negotiated yet");
}

// Give fresh session `obj` of the given end the bytes `data` with `set`
// (a GnuTLS setter of the session and a datum): what the coming handshake
// is to use.  `what` names the change, with its article.
template <class Setter>
SCM set_before_handshake(SCM obj, SCM data, bool server, const char* what, Setter set) {
  Session& s = session_argument(obj, 1);
  gnutls_datum_t bytes = datum_argument(data, 2);
  require_end(s, server);
  SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, what);
  if (s.phase() != Session::Phase::fresh)
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST, std::string("the handshake has begun: too late for ") + what);
  int r = set(s.get(), bytes);
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

// ALPN protocol names are 1 to 255 bytes (RFC 7301).
constexpr size_t kMaxProtocolName = 255;

}  // namespace

GG_DEFINE(set_session_alpn_protocols_x, "set-session-alpn-protocols!", manual::connections,
          (SCM session, SCM protocols, Optional mandatory),
          "Offer the application protocols @var{protocols}, a list of strings "
          "(such as @code{\"h2\"} and @code{\"http/1.1\"}, most preferred first), "
          "in the handshake of @var{session} (ALPN).  A server picks the "
          "first of the client's protocols it also has.  When @var{mandatory} "
          "is true, a server whose protocols have none in common with the "
          "client's fails the handshake with "
          "@code{error/no-application-protocol}.  Read the outcome with "
          "@code{session-alpn-protocol}.") {
  Session& s = session_argument(session, 1);
  if (scm_is_false(scm_list_p(protocols))) throw WrongTypeArgument(2, protocols, "list of strings");
  std::vector<std::string> names;
  for (SCM rest = protocols; scm_is_pair(rest); rest = scm_cdr(rest)) {
    SCM name = scm_car(rest);
    if (!scm_is_string(name)) throw WrongTypeArgument(2, protocols, "list of strings");
    std::string bytes = string_argument(name, 2);
    if (bytes.empty() || bytes.size() > kMaxProtocolName) throw OutOfRange(2, protocols);
    names.push_back(std::move(bytes));
  }
  if (names.empty()) throw OutOfRange(2, protocols);
  std::vector<gnutls_datum_t> datums;
  for (std::string& name : names)
    datums.push_back({reinterpret_cast<unsigned char*>(name.data()), static_cast<unsigned>(name.size())});
  unsigned flags = mandatory.given() && scm_is_true(mandatory) ? GNUTLS_ALPN_MANDATORY : 0;
  SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "an ALPN change");
  int r = gnutls_alpn_set_protocols(s.get(), datums.data(), static_cast<unsigned>(datums.size()), flags);
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(session_alpn_protocol, "session-alpn-protocol", manual::connections, (SCM session),
          "Return the application protocol the handshake of @var{session} "
          "negotiated (ALPN), a string, or @code{#f} if none was.  Raise "
          "@code{error/invalid-request} before a handshake completed.") {
  Session& s = session_argument(session, 1);
  require_negotiated(s);
  gnutls_datum_t selected{nullptr, 0};
  if (gnutls_alpn_get_selected_protocol(s.get(), &selected) < 0 || selected.data == nullptr)
    return SCM_BOOL_F;
  return scm_from_utf8_stringn(reinterpret_cast<const char*>(selected.data), selected.size);
}

GG_DEFINE(session_data, "session-data", manual::connections, (SCM session),
          "Return the data with which a later client session can resume "
          "client @var{session} (see @code{set-session-data!}), a bytevector, "
          "or @code{#f} if there is nothing to resume: under TLS 1.3 the "
          "server sends its ticket after the handshake, so the data exist "
          "only once the client has read from the session (for instance the "
          "server's first answer).  Keep the data secret: they hold the "
          "session's keys.  Raise @code{error/invalid-request} before a "
          "handshake completed.") {
  Session& s = session_argument(session, 1);
  require_negotiated(s);
  // Without a ticket yet, GnuTLS would wait for one on the transport, and
  // then answer with data that cannot resume.
  if (gnutls_protocol_get_version(s.get()) == GNUTLS_TLS1_3 &&
      (gnutls_session_get_flags(s.get()) & GNUTLS_SFLAGS_SESSION_TICKET) == 0)
    return SCM_BOOL_F;
  SecretDatum data;  // it holds the session's keys
  int r = gnutls_session_get_data2(s.get(), data.out());
  if (r == GNUTLS_E_INVALID_SESSION) return SCM_BOOL_F;
  if (r < 0) throw GnutlsError(r);
  return bytevector_from(data.get().data, data.get().size);
}

GG_DEFINE(set_session_data_x, "set-session-data!", manual::connections, (SCM session, SCM data),
          "Ask the handshake of client @var{session} to resume the session "
          "@var{data} describe, a bytevector @code{session-data} returned for "
          "an earlier session with the same server (@code{error/invalid-request} "
          "for a server session).  If the server does not "
          "resume it, the handshake is a full one: see "
          "@code{session-resumed?}.  Call it before the handshake.") {
  return set_before_handshake(session, data, false, "a session data change",
                              [](gnutls_session_t raw, const gnutls_datum_t& bytes) {
                                return gnutls_session_set_data(raw, bytes.data, bytes.size);
                              });
}

GG_DEFINE(session_resumed_p, "session-resumed?", manual::connections, (SCM session),
          "Return true if the handshake of @var{session} resumed an earlier "
          "session rather than making a new one.") {
  Session& s = session_argument(session, 1);
  return scm_from_bool(s.negotiated() && gnutls_session_is_resumed(s.get()) != 0);
}

GG_DEFINE(make_session_ticket_key, "make-session-ticket-key", manual::connections, (),
          "Return a new random key for the session tickets of a server, a "
          "bytevector (see @code{set-server-session-ticket-key!}).  Every "
          "session of a server given the same key can resume the sessions "
          "of the others.  Keep it secret.") {
  SecretDatum key;
  int r = gnutls_session_ticket_key_generate(key.out());
  if (r < 0) throw GnutlsError(r);
  return bytevector_from(key.get().data, key.get().size);
}

GG_DEFINE(set_server_session_ticket_key_x, "set-server-session-ticket-key!", manual::connections,
          (SCM session, SCM key),
          "Make server @var{session} issue session tickets sealed with "
          "@var{key}, a bytevector made by @code{make-session-ticket-key}, and "
          "accept the tickets of the earlier sessions of the same key: its "
          "clients can then resume (TLS 1.3 and TLS 1.2).  A key of another "
          "size, or a client session, raise @code{error/invalid-request}.") {
  // GnuTLS copies the key.
  return set_before_handshake(session, key, true, "a ticket key change",
                              [](gnutls_session_t raw, const gnutls_datum_t& bytes) {
                                return gnutls_session_ticket_enable_server(raw, &bytes);
                              });
}

GG_DEFINE(server_session_server_name, "server-session-server-name", manual::connections, (SCM session),
          "Return the host name the client of server @var{session} asked for "
          "(Server Name Indication), a string, or @code{#f} if it sent none; "
          "@code{error/invalid-request} for a client session.  The name is "
          "known once the client's first message is in: inside the procedure "
          "of @code{set-server-session-credentials-procedure!} too.") {
  Session& s = session_argument(session, 1);
  require_end(s, true);
  return requested_server_name(s);
}

GG_DEFINE(set_server_session_credentials_procedure_x, "set-server-session-credentials-procedure!",
          manual::connections, (SCM session, SCM proc),
          "Choose the certificate of server @var{session} by the host name "
          "its client asks for: during the handshake, once the client's "
          "first message is in, call @var{proc} with that name (a string, or "
          "@code{#f} if the client sent none).  Certificate credentials it "
          "returns replace those of the session for this handshake; "
          "@code{#f} keeps them.  If it returns anything else, the handshake "
          "fails with @code{error/no-certificate-found}; if it raises an "
          "exception, the handshake fails and @code{handshake} raises that "
          "exception.  A client session raises "
          "@code{error/invalid-request}.  @var{proc} must not use the "
          "session but for reading it.  @code{#f} as @var{proc} removes "
          "it.") {
  Session& s = session_argument(session, 1);
  SCM procedure = procedure_argument(proc, 2, true);
  require_end(s, true);
  set_credentials_procedure(s, procedure);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_session_key_log_procedure_x, "set-session-key-log-procedure!", manual::connections,
          (SCM session, SCM proc),
          "Call @var{proc} with each secret the handshakes of @var{session} "
          "derive, for debugging with tools such as Wireshark: its label (a "
          "string such as @code{\"CLIENT_HANDSHAKE_TRAFFIC_SECRET\"}), the "
          "client random and the secret (bytevectors), the three fields of a "
          "line of an NSS key log file, the last two in hexadecimal.  "
          "An exception @var{proc} raises is raised by the call during which "
          "GnuTLS called it (@code{handshake}, even when it completed).  This "
          "replaces, for @var{session}, the file the @env{SSLKEYLOGFILE} "
          "environment variable names.  @code{#f} as @var{proc} removes "
          "it.") {
  Session& s = session_argument(session, 1);
  set_key_log_procedure(s, procedure_argument(proc, 2, true));
  return SCM_UNSPECIFIED;
}

GG_DEFINE(make_deadline_wait_port_scm, "make-deadline-wait-port", manual::connections,
          (SCM fd, SCM direction, SCM ms),
          "Return an input port for a scheduler of suspendable ports (such as "
          "Fibers) to wait on until @var{fd}, a file descriptor or a port that "
          "has one, is ready, or until @var{ms} milliseconds (a non-negative "
          "exact integer) have passed, whichever comes first: its read wait "
          "fd becomes ready then.  @var{direction} is @code{read} or "
          "@code{write}, what @var{fd} is to be ready for.  A scheduler knows "
          "nothing of deadlines; passing this port to the current read waiter "
          "is a bounded wait that does not block the other tasks (the "
          "connections of @code{open-tls-connection} wait so).  Waking does "
          "not say which came first: check @var{fd}, or the time.  Reading "
          "the port gives end of file; close it when done (a collected one "
          "is closed too).  A descriptor that is always ready, such as a "
          "regular file's, makes the port ready at once.  Raises a "
          "@code{system-error} where the system cannot watch @var{fd} "
          "(outside Linux, or a closed descriptor).") {
  int descriptor = fd_argument(fd, 1);
  static SCM const read = scm_from_utf8_symbol("read");
  static SCM const write = scm_from_utf8_symbol("write");
  if (!scm_is_symbol(direction)) throw WrongTypeArgument(2, direction, "read or write");
  if (!scm_is_eq(direction, read) && !scm_is_eq(direction, write)) throw OutOfRange(2, direction);
  long limit = integer_argument(ms, 3, 0, INT_MAX);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit);
  return make_deadline_wait_port(descriptor, scm_is_eq(direction, write), deadline);
}

}  // namespace gg
