// Secure Remote Password (SRP) credentials: a client proves it knows a
// password; a server checks it against verifiers in a password file.
#include "boundary.hh"
#include "convert.hh"
#include "credentials.hh"
#include "datum.hh"
#include "foreign.hh"
#include "password_files.hh"
#include "procedures.hh"
#include "session.hh"

#include <climits>
#include <memory>

namespace gg {

namespace {

using SrpClientCredentials =
    GnutlsCredentials<gnutls_srp_client_credentials_t, GNUTLS_CRD_SRP, gnutls_srp_allocate_client_credentials,
                      gnutls_srp_free_client_credentials>;

using SrpServerCredentials =
    GnutlsCredentials<gnutls_srp_server_credentials_t, GNUTLS_CRD_SRP, gnutls_srp_allocate_server_credentials,
                      gnutls_srp_free_server_credentials>;

using GnutlsBytes = std::unique_ptr<unsigned char, void (*)(void*)>;

// Run GnuTLS's SRP base64 `transform` on the UTF-8 bytes of `text`.
template <class Transform>
SCM srp_base64(SCM text, Transform transform) {
  std::string input = string_argument(text, 1);
  if (input.size() > UINT_MAX) throw OutOfRange(1, text);
  gnutls_datum_t in = {reinterpret_cast<unsigned char*>(input.data()), static_cast<unsigned>(input.size())};
  gnutls_datum_t out = {nullptr, 0};
  int r = transform(&in, &out);
  if (r < 0) throw GnutlsError(r);
  GnutlsBytes owned(out.data, gnutls_free);
  return scm_from_stringn(reinterpret_cast<const char*>(out.data), out.size, "UTF-8",
                          SCM_FAILED_CONVERSION_QUESTION_MARK);
}

}  // namespace

GG_INITIALIZER(define_srp_credentials_types) {
  Foreign<SrpClientCredentials>::define_type<Credentials>(
      "gnutls-srp-client-credentials",
      {"srp-client-credentials?", "Return true if @var{obj} is SRP client credentials.", manual::psk_srp},
      {"make-srp-client-credentials", "Return new SRP client credentials.", manual::psk_srp});
  Foreign<SrpServerCredentials>::define_type<Credentials>(
      "gnutls-srp-server-credentials",
      {"srp-server-credentials?", "Return true if @var{obj} is SRP server credentials.", manual::psk_srp},
      {"make-srp-server-credentials", "Return new SRP server credentials.", manual::psk_srp});
}

GG_DEFINE(set_srp_client_credentials_x, "set-srp-client-credentials!", manual::psk_srp,
          (SCM credentials, SCM username, SCM password),
          "Make the SRP client credentials @var{credentials} log in as the "
          "string @var{username} with the string @var{password}.") {
  SrpClientCredentials& c = Foreign<SrpClientCredentials>::require(credentials, 1);
  std::string name = c_string_argument(username, 2);
  WipedString secret{c_string_argument(password, 3)};
  // GnuTLS copies both.
  int r = gnutls_srp_set_client_credentials(c.get(), name.c_str(), secret.text.c_str());
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_srp_server_credentials_files_x, "set-srp-server-credentials-files!", manual::psk_srp,
          (SCM credentials, SCM password_file, SCM password_conf_file),
          "Make the SRP server credentials @var{credentials} check clients "
          "against the verifiers in @var{password-file}, whose groups are in "
          "@var{password-conf-file} (both as @command{srptool} writes them).  A "
          "file that cannot be read raises a @code{gnutls-error} whose extra "
          "arguments are the file name and the reason.") {
  SrpServerCredentials& c = Foreign<SrpServerCredentials>::require(credentials, 1);
  FileName passwords = file_name_argument(password_file, 2);
  FileName groups = file_name_argument(password_conf_file, 3);
  int r = gnutls_srp_set_server_credentials_file(c.get(), passwords.bytes.c_str(), groups.bytes.c_str());
  if (r < 0) throw_password_file_error(r, {passwords, groups});
  return SCM_UNSPECIFIED;
}

GG_DEFINE(server_session_srp_username, "server-session-srp-username", manual::psk_srp, (SCM session),
          "Return the user name the SRP client of the server session "
          "@var{session} logged in as, or @code{#f} if none.") {
  return user_name_from(gnutls_srp_server_get_username(session_argument(session, 1).get()));
}

GG_DEFINE(srp_base64_encode, "srp-base64-encode", manual::psk_srp, (SCM str),
          "Return the string @var{str} (taken as UTF-8) encoded with SRP's "
          "base64 alphabet, which differs from that of RFC 4648.") {
  return srp_base64(str, gnutls_srp_base64_encode2);
}

GG_DEFINE(srp_base64_decode, "srp-base64-decode", manual::psk_srp, (SCM str),
          "Return the string that @var{str}, in SRP's base64 alphabet, "
          "encodes, read as UTF-8 (bytes that are not UTF-8 become question "
          "marks).  Text that is not SRP base64 raises a @code{gnutls-error}.") {
  return srp_base64(str, gnutls_srp_base64_decode2);
}

}  // namespace gg
