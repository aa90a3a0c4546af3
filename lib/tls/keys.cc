#include "keys.hh"

#include "errors.hh"

#include <algorithm>

namespace gg {

void PrivateKey::import_x509(const X509PrivateKey& key, unsigned flags) {
  // Without a copy the private key would point into the X.509 key, which
  // the collector may free first; with auto-release both would free it.
  flags &= ~static_cast<unsigned>(GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
  flags |= GNUTLS_PRIVKEY_IMPORT_COPY;
  int r = gnutls_privkey_import_x509(get(), key.get(), flags);
  if (r < 0) throw GnutlsError(r);
}

void PrivateKey::import(const gnutls_datum_t& data, gnutls_x509_crt_fmt_t format, const char* password) {
  int r = gnutls_privkey_import_x509_raw(get(), &data, format, password, 0);
  if (r < 0) throw GnutlsError(r);
}

void PrivateKey::decrypt(const gnutls_datum_t& ciphertext, SecretDatum& plaintext) const {
  int r = gnutls_privkey_decrypt_data(get(), 0, &ciphertext, plaintext.out());
  if (r < 0) throw GnutlsError(r);
}

namespace {

// The values of a GnuTLS list ending with `end`, each once (GnuTLS lists
// a value once for each of its names).
template <class T>
std::vector<int> values_of(const T* list, T end) {
  std::vector<int> values;
  for (; list != nullptr && *list != end; ++list)
    if (std::find(values.begin(), values.end(), static_cast<int>(*list)) == values.end())
      values.push_back(static_cast<int>(*list));
  return values;
}

}  // namespace

const std::vector<int>& supported_ecc_curves() {
  static const std::vector<int> curves = values_of(gnutls_ecc_curve_list(), GNUTLS_ECC_CURVE_INVALID);
  return curves;
}

const std::vector<int>& supported_pk_algorithms() {
  static const std::vector<int> algorithms = values_of(gnutls_pk_list(), GNUTLS_PK_UNKNOWN);
  return algorithms;
}

const std::vector<int>& supported_sign_algorithms() {
  static const std::vector<int> algorithms = values_of(gnutls_sign_list(), GNUTLS_SIGN_UNKNOWN);
  return algorithms;
}

bool edwards_curve(gnutls_ecc_curve_t curve) {
  gnutls_pk_algorithm_t pk = gnutls_ecc_curve_get_pk(curve);
  return pk == GNUTLS_PK_EDDSA_ED25519 || pk == GNUTLS_PK_EDDSA_ED448;
}

}  // namespace gg
