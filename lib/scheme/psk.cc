// Pre-shared key (PSK) credentials: a client names itself and proves it
// knows a key; a server looks the key up in a password file.
#include "boundary.hh"
#include "convert.hh"
#include "credentials.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "password_files.hh"
#include "procedures.hh"
#include "session.hh"

#include <climits>

namespace gg {

namespace {

using PskClientCredentials =
    GnutlsCredentials<gnutls_psk_client_credentials_t, GNUTLS_CRD_PSK, gnutls_psk_allocate_client_credentials,
                      gnutls_psk_free_client_credentials>;

using PskServerCredentials =
    GnutlsCredentials<gnutls_psk_server_credentials_t, GNUTLS_CRD_PSK, gnutls_psk_allocate_server_credentials,
                      gnutls_psk_free_server_credentials>;

}  // namespace

GG_INITIALIZER(define_psk_credentials_types) {
  Foreign<PskClientCredentials>::define_type<Credentials>(
      "gnutls-psk-client-credentials",
      {"psk-client-credentials?", "Return true if @var{obj} is PSK client credentials.", manual::psk_srp},
      {"make-psk-client-credentials", "Return new PSK client credentials.", manual::psk_srp});
  Foreign<PskServerCredentials>::define_type<Credentials>(
      "gnutls-psk-server-credentials",
      {"psk-server-credentials?", "Return true if @var{obj} is PSK server credentials.", manual::psk_srp},
      {"make-psk-server-credentials", "Return new PSK server credentials.", manual::psk_srp});
}

GG_DEFINE(set_psk_client_credentials_x, "set-psk-client-credentials!", manual::psk_srp,
          (SCM credentials, SCM username, SCM key, SCM key_format),
          "Make the PSK client credentials @var{credentials} identify as the "
          "string @var{username} with the key in the bytevector @var{key}, "
          "which holds the key itself when @var{key-format} is "
          "@code{psk-key-format/raw} and its hexadecimal text when it is "
          "@code{psk-key-format/hex}.") {
  PskClientCredentials& c = Foreign<PskClientCredentials>::require(credentials, 1);
  std::string name = c_string_argument(username, 2);
  gnutls_datum_t datum = datum_argument(key, 3);
  auto format = static_cast<gnutls_psk_key_flags>(enumerate_value(EnumKind::psk_key_format, key_format, 4));
  // GnuTLS copies the name and the key.
  int r = gnutls_psk_set_client_credentials(c.get(), name.c_str(), &datum, format);
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_psk_server_credentials_file_x, "set-psk-server-credentials-file!", manual::psk_srp,
          (SCM credentials, SCM file),
          "Make the PSK server credentials @var{credentials} look up client "
          "keys in the password file named @var{file} (lines of "
          "@code{username:hex-key}, as @command{psktool} writes them).  A file "
          "that cannot be read raises a @code{gnutls-error} whose extra "
          "arguments are the file name and the reason.") {
  PskServerCredentials& c = Foreign<PskServerCredentials>::require(credentials, 1);
  FileName name = file_name_argument(file, 2);
  int r = gnutls_psk_set_server_credentials_file(c.get(), name.bytes.c_str());
  if (r < 0) throw_password_file_error(r, {name});
  return SCM_UNSPECIFIED;
}

GG_DEFINE(server_session_psk_username, "server-session-psk-username", manual::psk_srp, (SCM session),
          "Return the user name the PSK client of the server session "
          "@var{session} gave, or @code{#f} if none.") {
  return user_name_from(gnutls_psk_server_get_username(session_argument(session, 1).get()));
}

}  // namespace gg
