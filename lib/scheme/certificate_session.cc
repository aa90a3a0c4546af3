// Sessions and certificates: what the peer presented, whether it verifies,
// and asking the handshake itself to verify it.
#include "boundary.hh"
#include "convert.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"
#include "session.hh"

#include <string>

namespace gg {

namespace {

// A list of bytevectors holding the `count` certificates at `chain`.
SCM certificate_list(const gnutls_datum_t* chain, unsigned count) {
  SCM result = SCM_EOL;
  for (unsigned i = count; i > 0; --i)
    result = scm_cons(u8vector_from(chain[i - 1].data, chain[i - 1].size), result);
  return result;
}

}  // namespace

GG_DEFINE(peer_certificate_status, "peer-certificate-status", manual::session, (SCM session),
          "Verify the certificate chain the peer of @var{session} presented "
          "against the trusted CAs and CRLs of its certificate credentials, and "
          "return the list of problems found, @code{certificate-status/} values: "
          "the empty list when the chain is valid.  The host name is not "
          "checked (see @code{x509-certificate-matches-hostname?} and "
          "@code{set-session-peer-verification!}).") {
  Session& s = session_argument(session, 1);
  unsigned status = 0;
  int r = gnutls_certificate_verify_peers2(s.get(), &status);
  if (r < 0) throw GnutlsError(r);
  return enumerate_list_from_flags(EnumKind::certificate_status, status);
}

GG_DEFINE(session_peer_certificate_chain, "session-peer-certificate-chain", manual::session, (SCM session),
          "Return the certificate chain the peer of @var{session} presented, a "
          "list of u8vectors holding DER-encoded X.509 certificates, the "
          "peer's own first; the empty list if it presented none.") {
  Session& s = session_argument(session, 1);
  unsigned count = 0;
  const gnutls_datum_t* chain = gnutls_certificate_get_peers(s.get(), &count);
  return chain == nullptr ? SCM_EOL : certificate_list(chain, count);
}

GG_DEFINE(session_our_certificate_chain, "session-our-certificate-chain", manual::session, (SCM session),
          "Return the certificate @var{session} presented to its peer, as a list "
          "holding one u8vector (DER-encoded X.509), or the empty list if it "
          "presented none.") {
  Session& s = session_argument(session, 1);
  const gnutls_datum_t* ours = gnutls_certificate_get_ours(s.get());
  return ours == nullptr ? SCM_EOL : certificate_list(ours, 1);
}

GG_DEFINE(set_server_session_certificate_request_x, "set-server-session-certificate-request!",
          manual::session, (SCM session, SCM request),
          "Tell server @var{session} whether to ask the client for a "
          "certificate: @var{request} is @code{certificate-request/ignore}, "
          "@code{certificate-request/request} or "
          "@code{certificate-request/require}.") {
  Session& s = session_argument(session, 1);
  auto how =
      static_cast<gnutls_certificate_request_t>(enumerate_value(EnumKind::certificate_request, request, 2));
  gnutls_certificate_server_set_request(s.get(), how);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_session_peer_verification_x, "set-session-peer-verification!", manual::session,
          (SCM session, SCM hostname, Rest flags),
          "Make the handshake of @var{session} verify the peer's certificate "
          "chain against the trusted CAs of its certificate credentials and, "
          "unless @var{hostname} is @code{#f}, that the certificate is for "
          "@var{hostname} (it does not send it to the server: see "
          "@code{set-session-server-name!}).  @var{flags} are optional @code{certificate-verify/} "
          "values.  When verification fails, @code{handshake} raises "
          "@code{error/certificate-verification-error} whose extra argument is "
          "the list of @code{certificate-status/} reasons (for instance "
          "@code{certificate-status/expired}, or "
          "@code{certificate-status/unexpected-owner} for another host name).") {
  Session& s = session_argument(session, 1);
  bool any_host = scm_is_false(hostname);
  std::string name = any_host ? std::string() : string_argument(hostname, 2);
  unsigned verify_flags = enumerate_flags(EnumKind::certificate_verify, flags, 3);
  s.verify_peer(any_host ? nullptr : &name, verify_flags);
  return SCM_UNSPECIFIED;
}

}  // namespace gg
