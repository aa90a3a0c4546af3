// Anonymous (unauthenticated Diffie-Hellman) credentials.
#include "boundary.hh"
#include "credentials.hh"
#include "dh_parameters.hh"
#include "foreign.hh"
#include "procedures.hh"

namespace gg {

namespace {

using AnonymousClientCredentials =
    GnutlsCredentials<gnutls_anon_client_credentials_t, GNUTLS_CRD_ANON,
                      gnutls_anon_allocate_client_credentials, gnutls_anon_free_client_credentials>;

using AnonymousServerCredentials =
    GnutlsCredentials<gnutls_anon_server_credentials_t, GNUTLS_CRD_ANON,
                      gnutls_anon_allocate_server_credentials, gnutls_anon_free_server_credentials,
                      DhParametersSetter<gnutls_anon_set_server_dh_params>>;

}  // namespace

GG_INITIALIZER(define_anonymous_credentials_types) {
  Foreign<AnonymousClientCredentials>::define_type<Credentials>(
      "gnutls-anonymous-client-credentials",
      {"anonymous-client-credentials?", "Return true if @var{obj} is anonymous client credentials.",
       manual::anonymous_dh},
      {"make-anonymous-client-credentials", "Return new anonymous client credentials.",
       manual::anonymous_dh});
  Foreign<AnonymousServerCredentials>::define_type<Credentials>(
      "gnutls-anonymous-server-credentials",
      {"anonymous-server-credentials?", "Return true if @var{obj} is anonymous server credentials.",
       manual::anonymous_dh},
      {"make-anonymous-server-credentials", "Return new anonymous server credentials.",
       manual::anonymous_dh});
}

GG_DEFINE(set_anonymous_server_dh_parameters_x, "set-anonymous-server-dh-parameters!", manual::anonymous_dh,
          (SCM credentials, SCM params),
          "Use the Diffie-Hellman parameters @var{params} for the anonymous server "
          "credentials @var{credentials}.") {
  AnonymousServerCredentials& c = Foreign<AnonymousServerCredentials>::require(credentials, 1);
  c.set_dh_parameters(Foreign<DhParameters>::require(params, 2));
  return SCM_UNSPECIFIED;
}

}  // namespace gg
