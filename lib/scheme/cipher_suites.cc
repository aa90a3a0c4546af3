// Cipher suites: the name GnuTLS gives a key exchange, cipher and MAC
// combination.
#include "boundary.hh"
#include "enumerates.hh"
#include "procedures.hh"

#include <gnutls/gnutls.h>

namespace gg {

GG_DEFINE(cipher_suite_to_string, "cipher-suite->string", manual::library, (SCM kx, SCM cipher, SCM mac),
          "Return the name of the cipher suite made of key exchange @var{kx}, "
          "cipher @var{cipher} and MAC @var{mac} (@code{kx/}, @code{cipher/} and "
          "@code{mac/} values), such as @code{\"ECDHE_RSA_AES_128_GCM_SHA256\"}, "
          "or @code{#f} if GnuTLS knows no such suite.") {
  auto c_kx = static_cast<gnutls_kx_algorithm_t>(enumerate_value(EnumKind::kx, kx, 1));
  auto c_cipher = static_cast<gnutls_cipher_algorithm_t>(enumerate_value(EnumKind::cipher, cipher, 2));
  auto c_mac = static_cast<gnutls_mac_algorithm_t>(enumerate_value(EnumKind::mac, mac, 3));
  const char* name = gnutls_cipher_suite_get_name(c_kx, c_cipher, c_mac);
  return name != nullptr ? scm_from_utf8_string(name) : SCM_BOOL_F;
}

}  // namespace gg
