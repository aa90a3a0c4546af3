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

// Whether the big-endian unsigned integer `n` is greater than one.
bool exceeds_one(const gnutls_datum_t& n) {
  size_t i = 0;
  while (i < n.size && n.data[i] == 0) ++i;
  return n.size - i > 1 || (n.size - i == 1 && n.data[i] > 1);
}

// GnuTLS (through Nettle) picks a DSA signature's nonce below q - 1 and
// divides by zero when q is 1, which nothing checks on import: refuse to
// sign with such a key rather than die of SIGFPE.
void check_dsa_subgroup(gnutls_privkey_t key) {
  if (gnutls_privkey_get_pk_algorithm(key, nullptr) != GNUTLS_PK_DSA) return;
  OwnedDatum q;
  int r = gnutls_privkey_export_dsa_raw2(key, nullptr, q.out(), nullptr, nullptr, nullptr, 0);
  if (r < 0) throw GnutlsError(r);
  if (!exceeds_one(q.get())) throw GnutlsError(GNUTLS_E_PK_INVALID_PRIVKEY);
}

}  // namespace

void PrivateKey::sign(gnutls_sign_algorithm_t algorithm, unsigned flags, Input kind,
                      const gnutls_datum_t& input, OwnedDatum& signature) const {
  check_dsa_subgroup(get());
  int r = kind == Input::data ? gnutls_privkey_sign_data2(get(), algorithm, flags, &input, signature.out())
                              : gnutls_privkey_sign_hash2(get(), algorithm, flags, &input, signature.out());
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

bool curve_algorithm(gnutls_pk_algorithm_t algorithm) {
  switch (algorithm) {
    case GNUTLS_PK_ECDSA:
    case GNUTLS_PK_ECDH_X25519:
    case GNUTLS_PK_EDDSA_ED25519:
    case GNUTLS_PK_ECDH_X448:
    case GNUTLS_PK_EDDSA_ED448:
    case GNUTLS_PK_GOST_01:
    case GNUTLS_PK_GOST_12_256:
    case GNUTLS_PK_GOST_12_512:
      return true;
    default:
      return false;
  }
}

bool x_only_curve(gnutls_ecc_curve_t curve) {
  switch (gnutls_ecc_curve_get_pk(curve)) {
    case GNUTLS_PK_EDDSA_ED25519:
    case GNUTLS_PK_EDDSA_ED448:
    case GNUTLS_PK_ECDH_X25519:
    case GNUTLS_PK_ECDH_X448:
      return true;
    default:
      return false;
  }
}

}  // namespace gg
