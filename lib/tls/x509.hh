// X.509 certificates and private keys, over GnuTLS.  Each wraps a
// shared GnuTLS handle, so credentials given one keep it valid.
#pragma once

#include "credentials.hh"

#include <gnutls/x509.h>

namespace gg {

class X509Certificate {
 public:
  X509Certificate();  // empty, to import into
  gnutls_x509_crt_t get() const { return handle_.get(); }
  const SharedHandle<gnutls_x509_crt_t>& shared() const { return handle_; }

 private:
  SharedHandle<gnutls_x509_crt_t> handle_;
};

class X509PrivateKey {
 public:
  X509PrivateKey();  // empty, to import into
  gnutls_x509_privkey_t get() const { return handle_.get(); }
  const SharedHandle<gnutls_x509_privkey_t>& shared() const { return handle_; }

 private:
  SharedHandle<gnutls_x509_privkey_t> handle_;
};

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
