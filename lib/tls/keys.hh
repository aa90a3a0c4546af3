// Abstract private and public keys (gnutls_privkey_t, gnutls_pubkey_t),
// whatever their algorithm, and the algorithms GnuTLS supports.
#pragma once

#include "enumerates.hh"

#include "credentials.hh"
#include "datum.hh"
#include "x509.hh"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include <vector>

namespace gg {

class PrivateKey : public SharedObject<gnutls_privkey_t, gnutls_privkey_init, gnutls_privkey_deinit> {
 public:
  // A copy of `key`: the private key owns its parameters, whatever
  // becomes of the X.509 key.  `flags` are privkey flags; the ones about
  // who releases the X.509 key are this class's business and ignored.
  void import_x509(const X509PrivateKey& key, unsigned flags);
  // A PEM or DER key of any kind GnuTLS reads (PKCS#1, PKCS#8, maybe
  // encrypted with `password`, which may be null).
  void import(const gnutls_datum_t& data, gnutls_x509_crt_fmt_t format, const char* password);
  // The plaintext of `ciphertext`, wiped when it goes.
  void decrypt(const gnutls_datum_t& ciphertext, SecretDatum& plaintext) const;

  // The signature of `input` by `algorithm`: `input` is the data, or the
  // hash of the data by the algorithm's digest.
  enum class Input { data, hash };
  void sign(gnutls_sign_algorithm_t algorithm, unsigned flags, Input kind, const gnutls_datum_t& input,
            OwnedDatum& signature) const;
};

class PublicKey : public SharedObject<gnutls_pubkey_t, gnutls_pubkey_init, gnutls_pubkey_deinit> {};

// What the linked GnuTLS supports, listed once (the first caller waits
// for the list, later ones share it) since GnuTLS's own lists are built
// unlocked on first use.
const std::vector<int>& supported_ecc_curves();
const std::vector<int>& supported_pk_algorithms();
const std::vector<int>& supported_sign_algorithms();

// The GnuTLS value of a pk-algorithm or sign-algorithm enumerate.  Those
// of algorithms newer than this GnuTLS are below zero, which its
// enumerations cannot hold: they become its unknown value, which is what
// GnuTLS would make of them anyway.
inline gnutls_pk_algorithm_t known_pk_algorithm(int value) {
  return value < 0 ? GNUTLS_PK_UNKNOWN : static_cast<gnutls_pk_algorithm_t>(value);
}
inline gnutls_sign_algorithm_t known_sign_algorithm(int value) {
  return value < 0 ? GNUTLS_SIGN_UNKNOWN : static_cast<gnutls_sign_algorithm_t>(value);
}

// Enumerate arguments of those kinds (WrongTypeArgument for anything else).
inline gnutls_ecc_curve_t curve_argument(SCM obj, int position) {
  return static_cast<gnutls_ecc_curve_t>(enumerate_value(EnumKind::ecc_curve, obj, position));
}
inline gnutls_pk_algorithm_t pk_algorithm_argument(SCM obj, int position) {
  return known_pk_algorithm(enumerate_value(EnumKind::pk_algorithm, obj, position));
}
inline gnutls_sign_algorithm_t sign_algorithm_argument(SCM obj, int position) {
  return known_sign_algorithm(enumerate_value(EnumKind::sign_algorithm, obj, position));
}

// The `bits' argument of gnutls_privkey_generate2 that names `curve`.
inline unsigned curve_bits(gnutls_ecc_curve_t curve) { return GNUTLS_CURVE_TO_BITS(curve); }

// Whether keys of `algorithm` lie on an elliptic curve (and so are
// generated with a curve rather than a size in bits).
bool curve_algorithm(gnutls_pk_algorithm_t algorithm);

// Whether points of `curve` are given by x alone (the Edwards and
// Montgomery curves: Ed25519, X25519, Ed448, X448), keys having no y.
bool x_only_curve(gnutls_ecc_curve_t curve);

}  // namespace gg
