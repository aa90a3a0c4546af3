#include "x509.hh"

#include "errors.hh"

namespace gg {

X509Certificate::X509Certificate() {
  gnutls_x509_crt_t crt = nullptr;
  int r = gnutls_x509_crt_init(&crt);
  if (r < 0) throw GnutlsError(r);
  handle_ = share_handle(crt, gnutls_x509_crt_deinit);
}

X509PrivateKey::X509PrivateKey() {
  gnutls_x509_privkey_t key = nullptr;
  int r = gnutls_x509_privkey_init(&key);
  if (r < 0) throw GnutlsError(r);
  handle_ = share_handle(key, gnutls_x509_privkey_deinit);
}

}  // namespace gg
