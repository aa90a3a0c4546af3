// X.509 certificates and private keys, over GnuTLS.  Each wraps a
// shared GnuTLS handle, so credentials given one keep it valid.
#pragma once

#include "credentials.hh"

#include <gnutls/x509.h>

namespace gg {

class X509Certificate : public SharedObject<gnutls_x509_crt_t, gnutls_x509_crt_init, gnutls_x509_crt_deinit> {
};

class X509PrivateKey
    : public SharedObject<gnutls_x509_privkey_t, gnutls_x509_privkey_init, gnutls_x509_privkey_deinit> {};

// A datum GnuTLS allocated, freed with gnutls_free.
class OwnedDatum {
 public:
  OwnedDatum() = default;
  OwnedDatum(const OwnedDatum&) = delete;
  OwnedDatum& operator=(const OwnedDatum&) = delete;
  ~OwnedDatum() { gnutls_free(datum_.data); }
  gnutls_datum_t* out() { return &datum_; }  // for GnuTLS to fill
  const gnutls_datum_t& get() const { return datum_; }

 private:
  gnutls_datum_t datum_ = {nullptr, 0};
};

}  // namespace gg
