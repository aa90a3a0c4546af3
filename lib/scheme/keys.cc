// Abstract private and public keys: generation, import and export (PEM,
// DER, raw parameters), signatures and public-key encryption.
#include "keys.hh"

#include "boundary.hh"
#include "convert.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>

namespace gg {

namespace {

void check(int r) {
  if (r < 0) throw GnutlsError(r);
}

gnutls_privkey_t private_key_argument(SCM obj, int position) {
  return Foreign<PrivateKey>::require(obj, position, "private key").get();
}

gnutls_pubkey_t public_key_argument(SCM obj, int position) {
  return Foreign<PublicKey>::require(obj, position, "public key").get();
}

// A new key of type Key, filled by `fill(handle)`, a GnuTLS call.
template <class Key, class Fill>
SCM new_key(Fill fill) {
  return Foreign<Key>::make_filled([&](Key& key) { return fill(key.get()); });
}

// The raw parameters of a key, read from consecutive arguments starting
// at `first_position`.  Those whose index is in `optional` may be #f and
// are then given to GnuTLS as null.
template <size_t N>
class RawParameters {
 public:
  RawParameters(const std::array<SCM, N>& arguments, int first_position,
                std::initializer_list<size_t> optional = {}) {
    for (size_t i = 0; i < N; ++i) {
      bool may_be_false = false;
      for (size_t o : optional) may_be_false = may_be_false || o == i;
      given_[i] = !(may_be_false && scm_is_false(arguments[i]));
      if (given_[i]) datums_[i] = datum_argument(arguments[i], first_position + static_cast<int>(i));
    }
  }
  const gnutls_datum_t* operator[](size_t i) const { return given_[i] ? &datums_[i] : nullptr; }

 private:
  std::array<gnutls_datum_t, N> datums_{};
  std::array<bool, N> given_{};
};

// The datums GnuTLS exported, as multiple values of bytevectors, after
// `first` if it is given (an ECC key's curve).
template <class Datum, size_t N>
SCM bytevector_values(const std::array<Datum, N>& datums, SCM first = SCM_UNDEFINED) {
  SCM values = SCM_EOL;
  for (size_t i = N; i-- > 0;)
    values = scm_cons(bytevector_from(datums[i].get().data, datums[i].get().size), values);
  if (!SCM_UNBNDP(first)) values = scm_cons(first, values);
  return scm_values(values);
}

// The two values of a key's algorithm and size.
SCM algorithm_values(int algorithm, unsigned bits) {
  check(algorithm);
  return scm_values(scm_list_2(enumerate(EnumKind::pk_algorithm, algorithm), scm_from_uint(bits)));
}

// The signature by `key` of `input` (data or a hash): the arguments of
// private-key-sign-data and private-key-sign-hash.
SCM signature_of(SCM key, SCM algorithm, SCM input, SCM flags, PrivateKey::Input kind) {
  const PrivateKey& k = Foreign<PrivateKey>::require(key, 1, "private key");
  gnutls_sign_algorithm_t sign = sign_algorithm_argument(algorithm, 2);
  gnutls_datum_t datum = datum_argument(input, 3);
  unsigned f = enumerate_flags(EnumKind::privkey, flags, 4);
  OwnedDatum signature;
  k.sign(sign, f, kind, datum, signature);
  return bytevector_from(signature.get().data, signature.get().size);
}

// Whether `signature` is that of `input` (data or a hash), or the
// GnuTLS error saying why not: the arguments of public-key-verify-data and
// public-key-verify-hash.
SCM verification_of(SCM key, SCM algorithm, SCM input, SCM signature, PrivateKey::Input kind) {
  gnutls_pubkey_t k = public_key_argument(key, 1);
  gnutls_sign_algorithm_t sign = sign_algorithm_argument(algorithm, 2);
  gnutls_datum_t datum = datum_argument(input, 3);
  gnutls_datum_t sig = datum_argument(signature, 4);
  check(kind == PrivateKey::Input::data ? gnutls_pubkey_verify_data2(k, sign, 0, &datum, &sig)
                                        : gnutls_pubkey_verify_hash2(k, sign, 0, &datum, &sig));
  return SCM_UNSPECIFIED;
}

}  // namespace

GG_INITIALIZER(define_key_types) {
  Foreign<PrivateKey>::define_type(
      "gnutls-private-key",
      {"private-key?", "Return true if @var{obj} is a private key (of any algorithm).", manual::keys});
  Foreign<PublicKey>::define_type(
      "gnutls-public-key",
      {"public-key?", "Return true if @var{obj} is a public key (of any algorithm).", manual::keys});
}

// ---- generation and import

GG_DEFINE(generate_private_key, "generate-private-key", manual::keys, (SCM algorithm, SCM size),
          "Return a new private key of @var{algorithm}, a @code{pk-algorithm/} value.  "
          "@var{size} is either the size of the key in bits, an integer (2048 for "
          "@code{pk-algorithm/rsa}, say), or the curve of an elliptic-curve key, an "
          "@code{ecc-curve/} value such as @code{ecc-curve/secp256r1} with "
          "@code{pk-algorithm/ecdsa} or @code{ecc-curve/ed25519} with "
          "@code{pk-algorithm/eddsa-ed25519}.  RSA and DSA keys take a while to "
          "generate; elliptic-curve keys are quick.  A curve given with an algorithm "
          "that uses none is out of range.") {
  gnutls_pk_algorithm_t pk = known_pk_algorithm(enumerate_value(EnumKind::pk_algorithm, algorithm, 1));
  unsigned bits = 0;
  if (is_enumerate(EnumKind::ecc_curve, size)) {
    // GnuTLS reads a curve as a huge size for other algorithms.
    if (!curve_algorithm(pk)) throw OutOfRange(2, size);
    bits = curve_bits(curve_argument(size, 2));
  } else {
    bits = static_cast<unsigned>(integer_argument(size, 2, 1, 16384));
  }
  return new_key<PrivateKey>(
      [&](gnutls_privkey_t key) { return gnutls_privkey_generate2(key, pk, bits, 0, nullptr, 0); });
}

GG_DEFINE(import_private_key, "import-private-key", manual::keys, (SCM data, SCM format, Optional password),
          "Return the private key in the bytevector @var{data}, encoded as @var{format} "
          "says (@code{x509-certificate-format/pem} or "
          "@code{x509-certificate-format/der}).  Any algorithm and the usual containers "
          "are read: PKCS#1, PKCS#8 and the older OpenSSL format.  @var{password}, a "
          "string, decrypts an encrypted key; leave it out or pass @code{#f} for a key "
          "stored in the clear.") {
  gnutls_datum_t datum = datum_argument(data, 1);
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 2);
  bool has_password = password.given() && scm_is_true(password);
  WipedString pass{has_password ? c_string_argument(password, 3) : std::string()};
  return Foreign<PrivateKey>::make_filled(
      [&](PrivateKey& k) { k.import(datum, fmt, has_password ? pass.text.c_str() : nullptr); });
}

GG_DEFINE(import_public_key, "import-public-key", manual::keys, (SCM data, SCM format),
          "Return the public key in the bytevector @var{data} (a SubjectPublicKeyInfo), "
          "encoded as @var{format} says (@code{x509-certificate-format/pem} or "
          "@code{x509-certificate-format/der}): what @code{public-key-export} and "
          "@command{openssl pkey -pubout} produce.") {
  gnutls_datum_t datum = datum_argument(data, 1);
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 2);
  return new_key<PublicKey>([&](gnutls_pubkey_t key) { return gnutls_pubkey_import(key, &datum, fmt); });
}

GG_DEFINE(x509_private_key_to_private_key, "x509-private-key->private-key", manual::keys,
          (SCM key, SCM flags),
          "Return a private key holding a copy of @var{key}, an X.509 private key.  "
          "@var{flags} is a list of @code{privkey/} values; the key is always copied, "
          "so @code{privkey/import-auto-release} and @code{privkey/import-copy} make no "
          "difference.") {
  X509PrivateKey& x509 = x509_private_key_argument(key, 1);
  unsigned f = enumerate_flags(EnumKind::privkey, flags, 2);
  return Foreign<PrivateKey>::make_filled([&](PrivateKey& k) { k.import_x509(x509, f); });
}

GG_DEFINE(x509_certificate_to_public_key, "x509-certificate->public-key", manual::keys, (SCM cert),
          "Return the public key of @var{cert}, an X.509 certificate.") {
  gnutls_x509_crt_t crt = certificate_argument(cert, 1).get();
  return new_key<PublicKey>([&](gnutls_pubkey_t key) { return gnutls_pubkey_import_x509(key, crt, 0); });
}

GG_DEFINE(private_key_to_public_key, "private-key->public-key", manual::keys, (SCM key, SCM usage),
          "Return the public key of @var{key}, a private key.  @var{usage} is the list "
          "of @code{key-usage/} values the public key is for (the empty list for no "
          "restriction).") {
  gnutls_privkey_t private_key = private_key_argument(key, 1);
  unsigned u = enumerate_flags(EnumKind::key_usage, usage, 2);
  return new_key<PublicKey>(
      [&](gnutls_pubkey_t pub) { return gnutls_pubkey_import_privkey(pub, private_key, u, 0); });
}

// ---- raw parameters

GG_DEFINE(import_raw_rsa_private_key, "import-raw-rsa-private-key", manual::keys,
          (SCM m, SCM e, SCM d, SCM p, SCM q, SCM u, SCM e1, SCM e2),
          "Return the RSA private key of the given parameters, each a bytevector "
          "holding a big-endian unsigned integer: the modulus @var{m}, the public "
          "exponent @var{e}, the private exponent @var{d}, the primes @var{p} and "
          "@var{q}, the coefficient @var{u} and the exponents @var{e1} and @var{e2}.  "
          "@var{d}, @var{u}, @var{e1} and @var{e2} may be @code{#f}: they are then "
          "computed from the others.") {
  RawParameters<8> in({m, e, d, p, q, u, e1, e2}, 1, {2, 5, 6, 7});
  return new_key<PrivateKey>([&](gnutls_privkey_t key) {
    return gnutls_privkey_import_rsa_raw(key, in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]);
  });
}

GG_DEFINE(import_raw_rsa_public_key, "import-raw-rsa-public-key", manual::keys, (SCM m, SCM e),
          "Return the RSA public key of modulus @var{m} and exponent @var{e}, "
          "bytevectors holding big-endian unsigned integers.") {
  RawParameters<2> in({m, e}, 1);
  return new_key<PublicKey>(
      [&](gnutls_pubkey_t key) { return gnutls_pubkey_import_rsa_raw(key, in[0], in[1]); });
}

GG_DEFINE(import_raw_dsa_private_key, "import-raw-dsa-private-key", manual::keys,
          (SCM p, SCM q, SCM g, SCM y, SCM x),
          "Return the DSA private key of the given parameters, each a bytevector "
          "holding a big-endian unsigned integer: the primes @var{p} and @var{q}, the "
          "generator @var{g}, the public value @var{y} (or @code{#f}, to compute it) and "
          "the private value @var{x}.") {
  RawParameters<5> in({p, q, g, y, x}, 1, {3});
  return new_key<PrivateKey>([&](gnutls_privkey_t key) {
    return gnutls_privkey_import_dsa_raw(key, in[0], in[1], in[2], in[3], in[4]);
  });
}

GG_DEFINE(import_raw_dsa_public_key, "import-raw-dsa-public-key", manual::keys, (SCM p, SCM q, SCM g, SCM y),
          "Return the DSA public key of primes @var{p} and @var{q}, generator @var{g} "
          "and public value @var{y}, bytevectors holding big-endian unsigned integers.") {
  RawParameters<4> in({p, q, g, y}, 1);
  return new_key<PublicKey>(
      [&](gnutls_pubkey_t key) { return gnutls_pubkey_import_dsa_raw(key, in[0], in[1], in[2], in[3]); });
}

GG_DEFINE(import_raw_ecc_private_key, "import-raw-ecc-private-key", manual::keys,
          (SCM curve, SCM x, SCM y, SCM k),
          "Return the elliptic-curve private key on @var{curve}, an @code{ecc-curve/} "
          "value, of public point (@var{x}, @var{y}) and private value @var{k}, "
          "bytevectors.  On the Edwards curves (@code{ecc-curve/ed25519}, "
          "@code{ecc-curve/ed448}) @var{x} and @var{k} are the keys in the curve's own "
          "encoding and @var{y} is ignored (it may be @code{#f}).") {
  gnutls_ecc_curve_t c = curve_argument(curve, 1);
  bool x_only = x_only_curve(c);
  RawParameters<3> in({x, x_only ? SCM_BOOL_F : y, k}, 2, {1});
  if (!x_only && in[1] == nullptr) throw WrongTypeArgument(3, y, "bytevector");
  return new_key<PrivateKey>(
      [&](gnutls_privkey_t key) { return gnutls_privkey_import_ecc_raw(key, c, in[0], in[1], in[2]); });
}

GG_DEFINE(import_raw_ecc_public_key, "import-raw-ecc-public-key", manual::keys, (SCM curve, SCM x, SCM y),
          "Return the elliptic-curve public key on @var{curve}, an @code{ecc-curve/} "
          "value, of point (@var{x}, @var{y}), bytevectors.  On the Edwards curves "
          "@var{x} is the key in the curve's own encoding and @var{y} is ignored (it may "
          "be @code{#f}).") {
  gnutls_ecc_curve_t c = curve_argument(curve, 1);
  bool x_only = x_only_curve(c);
  RawParameters<2> in({x, x_only ? SCM_BOOL_F : y}, 2, {1});
  if (!x_only && in[1] == nullptr) throw WrongTypeArgument(3, y, "bytevector");
  return new_key<PublicKey>(
      [&](gnutls_pubkey_t key) { return gnutls_pubkey_import_ecc_raw(key, c, in[0], in[1]); });
}

GG_DEFINE(private_key_export_raw_rsa, "private-key-export-raw-rsa", manual::keys, (SCM key),
          "Return eight values, the parameters of @var{key}, an RSA private key, as "
          "bytevectors holding big-endian unsigned integers: modulus, public exponent, "
          "private exponent, first and second primes, coefficient, and the exponents "
          "modulo each prime minus one.  They are what "
          "@code{import-raw-rsa-private-key} takes.") {
  gnutls_privkey_t k = private_key_argument(key, 1);
  std::array<SecretDatum, 8> d;
  check(gnutls_privkey_export_rsa_raw2(k, d[0].out(), d[1].out(), d[2].out(), d[3].out(), d[4].out(),
                                       d[5].out(), d[6].out(), d[7].out(), 0));
  return bytevector_values(d);
}

GG_DEFINE(private_key_export_raw_dsa, "private-key-export-raw-dsa", manual::keys, (SCM key),
          "Return five values, the parameters @var{p}, @var{q}, @var{g}, @var{y} and "
          "@var{x} of @var{key}, a DSA private key, as bytevectors.") {
  gnutls_privkey_t k = private_key_argument(key, 1);
  std::array<SecretDatum, 5> d;
  check(gnutls_privkey_export_dsa_raw2(k, d[0].out(), d[1].out(), d[2].out(), d[3].out(), d[4].out(), 0));
  return bytevector_values(d);
}

GG_DEFINE(private_key_export_raw_ecc, "private-key-export-raw-ecc", manual::keys, (SCM key),
          "Return four values for @var{key}, an elliptic-curve private key: its curve "
          "(an @code{ecc-curve/} value), the coordinates @var{x} and @var{y} of its "
          "public point and its private value @var{k}, bytevectors.  For an Edwards "
          "curve, @var{y} is empty.") {
  gnutls_privkey_t k = private_key_argument(key, 1);
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  std::array<SecretDatum, 3> d;
  check(gnutls_privkey_export_ecc_raw2(k, &curve, d[0].out(), d[1].out(), d[2].out(), 0));
  return bytevector_values(d, enumerate(EnumKind::ecc_curve, curve));
}

GG_DEFINE(public_key_export_raw_rsa, "public-key-export-raw-rsa", manual::keys, (SCM key),
          "Return two values, the modulus and public exponent of @var{key}, an RSA "
          "public key, as bytevectors.") {
  gnutls_pubkey_t k = public_key_argument(key, 1);
  std::array<OwnedDatum, 2> d;
  check(gnutls_pubkey_export_rsa_raw2(k, d[0].out(), d[1].out(), 0));
  return bytevector_values(d);
}

GG_DEFINE(public_key_export_raw_dsa, "public-key-export-raw-dsa", manual::keys, (SCM key),
          "Return four values, the parameters @var{p}, @var{q}, @var{g} and @var{y} of "
          "@var{key}, a DSA public key, as bytevectors.") {
  gnutls_pubkey_t k = public_key_argument(key, 1);
  std::array<OwnedDatum, 4> d;
  check(gnutls_pubkey_export_dsa_raw2(k, d[0].out(), d[1].out(), d[2].out(), d[3].out(), 0));
  return bytevector_values(d);
}

GG_DEFINE(public_key_export_raw_ecc, "public-key-export-raw-ecc", manual::keys, (SCM key),
          "Return three values for @var{key}, an elliptic-curve public key: its curve "
          "(an @code{ecc-curve/} value) and the coordinates @var{x} and @var{y} of its "
          "point, bytevectors.  For an Edwards curve, @var{y} is empty.") {
  gnutls_pubkey_t k = public_key_argument(key, 1);
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  std::array<OwnedDatum, 2> d;
  check(gnutls_pubkey_export_ecc_raw2(k, &curve, d[0].out(), d[1].out(), 0));
  return bytevector_values(d, enumerate(EnumKind::ecc_curve, curve));
}

GG_DEFINE(public_key_export, "public-key-export", manual::keys, (SCM key, SCM format),
          "Return @var{key}, a public key, as a SubjectPublicKeyInfo in a bytevector, "
          "encoded as @var{format} says (@code{x509-certificate-format/pem} or "
          "@code{x509-certificate-format/der}).") {
  gnutls_pubkey_t k = public_key_argument(key, 1);
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 2);
  OwnedDatum out;
  check(gnutls_pubkey_export2(k, fmt, out.out()));
  return bytevector_from(out.get().data, out.get().size);
}

// ---- what keys are

GG_DEFINE(private_key_pk_algorithm, "private-key-pk-algorithm", manual::keys, (SCM key),
          "Return two values: the algorithm of @var{key}, a private key (a "
          "@code{pk-algorithm/} value), and its size in bits.") {
  unsigned bits = 0;
  int algorithm = gnutls_privkey_get_pk_algorithm(private_key_argument(key, 1), &bits);
  return algorithm_values(algorithm, bits);
}

GG_DEFINE(public_key_pk_algorithm, "public-key-pk-algorithm", manual::keys, (SCM key),
          "Return two values: the algorithm of @var{key}, a public key (a "
          "@code{pk-algorithm/} value), and its size in bits.") {
  unsigned bits = 0;
  int algorithm = gnutls_pubkey_get_pk_algorithm(public_key_argument(key, 1), &bits);
  return algorithm_values(algorithm, bits);
}

GG_DEFINE(public_key_preferred_hash_algorithm, "public-key-preferred-hash-algorithm", manual::keys, (SCM key),
          "Return two values: the digest algorithm that suits signatures checked with "
          "@var{key}, a public key (a @code{digest/} value), and a boolean that is true "
          "when the key allows no other (as DSA keys do).") {
  gnutls_digest_algorithm_t digest = GNUTLS_DIG_UNKNOWN;
  unsigned mandatory = 0;
  check(gnutls_pubkey_get_preferred_hash_algorithm(public_key_argument(key, 1), &digest, &mandatory));
  return scm_values(scm_list_2(enumerate(EnumKind::digest, digest), scm_from_bool(mandatory != 0)));
}

// ---- signatures

GG_DEFINE(private_key_sign_data, "private-key-sign-data", manual::keys,
          (SCM key, SCM algorithm, SCM data, SCM flags),
          "Return the signature of the bytevector @var{data} made with @var{key}, a "
          "private key, by @var{algorithm}, a @code{sign-algorithm/} value that suits the "
          "key (@code{sign-algorithm/ecdsa-sha256} for a P-256 key, say).  The data is "
          "hashed as the algorithm says.  @var{flags} is a list of @code{privkey/} "
          "values, usually empty.") {
  return signature_of(key, algorithm, data, flags, PrivateKey::Input::data);
}

GG_DEFINE(private_key_sign_hash, "private-key-sign-hash", manual::keys,
          (SCM key, SCM algorithm, SCM digest, SCM flags),
          "Return the signature made with @var{key}, a private key, by @var{algorithm} (a "
          "@code{sign-algorithm/} value) over @var{digest}, a bytevector holding the hash "
          "of the data by the algorithm's digest.  Edwards-curve keys sign data, not "
          "hashes: use @code{private-key-sign-data} for them.  @var{flags} is a list of "
          "@code{privkey/} values, usually empty.") {
  return signature_of(key, algorithm, digest, flags, PrivateKey::Input::hash);
}

GG_DEFINE(public_key_verify_data, "public-key-verify-data", manual::keys,
          (SCM key, SCM algorithm, SCM data, SCM signature),
          "Check that @var{signature}, a bytevector, is the signature of the bytevector "
          "@var{data} by @var{algorithm} (a @code{sign-algorithm/} value) with the private "
          "key of @var{key}, a public key.  Return unspecified if it is; raise a "
          "@code{gnutls-error} (@code{error/pk-sig-verify-failed} for a wrong signature) "
          "if not.") {
  return verification_of(key, algorithm, data, signature, PrivateKey::Input::data);
}

GG_DEFINE(public_key_verify_hash, "public-key-verify-hash", manual::keys,
          (SCM key, SCM algorithm, SCM digest, SCM signature),
          "Check that @var{signature}, a bytevector, is the signature by @var{algorithm} "
          "(a @code{sign-algorithm/} value) with the private key of @var{key}, a public "
          "key, over @var{digest}, the hash of the data.  Return unspecified if it is; "
          "raise a @code{gnutls-error} if not.") {
  return verification_of(key, algorithm, digest, signature, PrivateKey::Input::hash);
}

// ---- encryption

GG_DEFINE(public_key_encrypt_data, "public-key-encrypt-data", manual::keys, (SCM key, SCM plaintext),
          "Return the bytevector @var{plaintext} encrypted with @var{key}, an RSA public "
          "key (PKCS#1 v1.5 padding).  The plaintext must be shorter than the key's "
          "modulus by at least 11 bytes.") {
  gnutls_pubkey_t k = public_key_argument(key, 1);
  gnutls_datum_t datum = datum_argument(plaintext, 2);
  OwnedDatum ciphertext;
  check(gnutls_pubkey_encrypt_data(k, 0, &datum, ciphertext.out()));
  return bytevector_from(ciphertext.get().data, ciphertext.get().size);
}

GG_DEFINE(private_key_decrypt_data, "private-key-decrypt-data", manual::keys, (SCM key, SCM ciphertext),
          "Return the plaintext of the bytevector @var{ciphertext}, decrypted with "
          "@var{key}, an RSA private key: what @code{public-key-encrypt-data} encrypted "
          "with its public key.  A ciphertext that does not decrypt raises "
          "@code{error/decryption-failed}.") {
  const PrivateKey& k = Foreign<PrivateKey>::require(key, 1, "private key");
  gnutls_datum_t datum = datum_argument(ciphertext, 2);
  SecretDatum plaintext;
  k.decrypt(datum, plaintext);
  return bytevector_from(plaintext.get().data, plaintext.get().size);
}

}  // namespace gg
