// X.509 certificates and private keys, over GnuTLS.  Each wraps a
// shared GnuTLS handle, so credentials given one keep it valid.
#pragma once

#include "credentials.hh"
#include "datum.hh"
#include "foreign.hh"

#include <gnutls/x509.h>

namespace gg {

class X509Certificate : public SharedObject<gnutls_x509_crt_t, gnutls_x509_crt_init, gnutls_x509_crt_deinit> {
};

class X509PrivateKey
    : public SharedObject<gnutls_x509_privkey_t, gnutls_x509_privkey_init, gnutls_x509_privkey_deinit> {};

// The certificate or private key argument `obj` (WrongTypeArgument naming
// `position` for anything else).
inline X509Certificate& certificate_argument(SCM obj, int position) {
  return Foreign<X509Certificate>::require(obj, position, "x509-certificate");
}
inline X509PrivateKey& x509_private_key_argument(SCM obj, int position) {
  return Foreign<X509PrivateKey>::require(obj, position, "x509-private-key");
}

}  // namespace gg
