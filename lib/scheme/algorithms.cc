// What GnuTLS knows of public-key algorithms, signature algorithms and
// elliptic curves: names, OIDs, how they relate, which are supported.
#include "keys.hh"

#include "boundary.hh"
#include "convert.hh"
#include "enumerates.hh"
#include "procedures.hh"

#include <string>
#include <vector>

namespace gg {

namespace {

// The GnuTLS value of the enumerate argument `obj` of `kind`.
template <class T>
T value_argument(EnumKind kind, SCM obj, int position) {
  return static_cast<T>(enumerate_value(kind, obj, position));
}

// The enumerate GnuTLS named, or the kind's unknown value (0: unknown,
// invalid) for one this module does not describe (from a newer GnuTLS).
SCM enumerate_or_unknown(EnumKind kind, int value) {
  SCM obj = enumerate(kind, value);
  return scm_is_false(obj) ? enumerate(kind, 0) : obj;
}

// What GnuTLS finds for the string argument `text` (a name or an OID).
template <class Lookup>
SCM looked_up(EnumKind kind, SCM text, Lookup lookup) {
  std::string key = c_string_argument(text, 1);
  return enumerate_or_unknown(kind, static_cast<int>(lookup(key.c_str())));
}

SCM oid_from(const char* oid) { return oid != nullptr ? scm_from_utf8_string(oid) : SCM_BOOL_F; }

// The listed values this module describes, as a fresh list of enumerates.
SCM enumerate_list(EnumKind kind, const std::vector<int>& values) {
  SCM list = SCM_EOL;
  for (auto v = values.rbegin(); v != values.rend(); ++v) {
    SCM obj = enumerate(kind, *v);
    if (scm_is_true(obj)) list = scm_cons(obj, list);
  }
  return list;
}

// The procedures every one of the three kinds has: the list of what
// GnuTLS supports, the value of a name and of an OID, and a value's OID.
// Each is an instance of one of these templates, registered with its name
// and docstring from the table below.
template <EnumKind Kind, const std::vector<int>& (*Supported)()>
struct ListProcedure {
  static constexpr const char* c_arguments = "()";
  static SCM body() { return enumerate_list(Kind, Supported()); }
};

template <EnumKind Kind, auto Lookup, const char* Arguments>
struct LookupProcedure {
  static constexpr const char* c_arguments = Arguments;
  static SCM body(SCM text) { return looked_up(Kind, text, Lookup); }
};

template <auto Argument, auto OidOf, const char* Arguments>
struct OidProcedure {
  static constexpr const char* c_arguments = Arguments;
  static SCM body(SCM value) { return oid_from(OidOf(Argument(value, 1))); }
};

// The procedures of this file, registered from the table below.
template <class Procedure>
using Registered = RegisteredProcedure<Procedure, manual::algorithms>;

constexpr char kName[] = "(SCM name)";
constexpr char kOid[] = "(SCM oid)";
constexpr char kCurve[] = "(SCM curve)";
constexpr char kAlgorithm[] = "(SCM algorithm)";

}  // namespace

GG_INITIALIZER(register_algorithm_lookups) {
  using K = EnumKind;
  Registered<ListProcedure<K::ecc_curve, supported_ecc_curves>>::add(
      "ecc-curve-list",
      "Return the list of the elliptic curves (@code{ecc-curve/} values) the "
      "GnuTLS in use supports.");
  Registered<LookupProcedure<K::ecc_curve, gnutls_ecc_curve_get_id, kName>>::add(
      "string->ecc-curve",
      "Return the elliptic curve GnuTLS calls @var{name}, a string such as "
      "@code{\"SECP256R1\"} (case does not matter), or @code{ecc-curve/invalid} if "
      "there is none.");
  Registered<LookupProcedure<K::ecc_curve, gnutls_oid_to_ecc_curve, kOid>>::add(
      "oid->ecc-curve",
      "Return the elliptic curve of @var{oid}, a string in dotted notation such as "
      "@code{\"1.2.840.10045.3.1.7\"}, or @code{ecc-curve/invalid} if there is none.");
  Registered<OidProcedure<curve_argument, gnutls_ecc_curve_get_oid, kCurve>>::add(
      "ecc-curve->oid",
      "Return the OID of @var{curve}, an @code{ecc-curve/} value, as a string in "
      "dotted notation, or @code{#f} if it has none.");
  Registered<ListProcedure<K::pk_algorithm, supported_pk_algorithms>>::add(
      "pk-algorithm-list",
      "Return the list of the public-key algorithms (@code{pk-algorithm/} values) "
      "the GnuTLS in use supports.");
  Registered<LookupProcedure<K::pk_algorithm, gnutls_pk_get_id, kName>>::add(
      "string->pk-algorithm",
      "Return the public-key algorithm GnuTLS calls @var{name}, a string such as "
      "@code{\"RSA\"} or @code{\"EdDSA (Ed25519)\"}, or @code{pk-algorithm/unknown} if "
      "there is none.");
  Registered<LookupProcedure<K::pk_algorithm, gnutls_oid_to_pk, kOid>>::add(
      "oid->pk-algorithm",
      "Return the public-key algorithm of @var{oid}, a string in dotted notation "
      "such as @code{\"1.2.840.113549.1.1.1\"} (RSA), or @code{pk-algorithm/unknown} "
      "if there is none.");
  Registered<OidProcedure<pk_algorithm_argument, gnutls_pk_get_oid, kAlgorithm>>::add(
      "pk-algorithm->oid",
      "Return the OID of @var{algorithm}, a @code{pk-algorithm/} value, as a string "
      "in dotted notation, or @code{#f} if it has none.");
  Registered<ListProcedure<K::sign_algorithm, supported_sign_algorithms>>::add(
      "sign-algorithm-list",
      "Return the list of the signature algorithms (@code{sign-algorithm/} values) "
      "the GnuTLS in use supports.");
  Registered<LookupProcedure<K::sign_algorithm, gnutls_sign_get_id, kName>>::add(
      "string->sign-algorithm",
      "Return the signature algorithm GnuTLS calls @var{name}, a string such as "
      "@code{\"RSA-SHA256\"} or @code{\"ECDSA-SHA256\"}, or "
      "@code{sign-algorithm/unknown} if there is none.");
  Registered<LookupProcedure<K::sign_algorithm, gnutls_oid_to_sign, kOid>>::add(
      "oid->sign-algorithm",
      "Return the signature algorithm of @var{oid}, a string in dotted notation such "
      "as @code{\"1.2.840.113549.1.1.11\"} (RSA with SHA-256), or "
      "@code{sign-algorithm/unknown} if there is none.");
  Registered<OidProcedure<sign_algorithm_argument, gnutls_sign_get_oid, kAlgorithm>>::add(
      "sign-algorithm->oid",
      "Return the OID of @var{algorithm}, a @code{sign-algorithm/} value, as a string "
      "in dotted notation, or @code{#f} if it has none.");
}

// ---- elliptic curves

GG_DEFINE(ecc_curve_to_pk_algorithm, "ecc-curve->pk-algorithm", manual::algorithms, (SCM curve),
          "Return the public-key algorithm of keys on @var{curve}, an @code{ecc-curve/} "
          "value: @code{pk-algorithm/ecdsa} for the NIST curves, "
          "@code{pk-algorithm/eddsa-ed25519} for Ed25519, and so on; "
          "@code{pk-algorithm/unknown} for @code{ecc-curve/invalid}.") {
  return enumerate_or_unknown(EnumKind::pk_algorithm, gnutls_ecc_curve_get_pk(curve_argument(curve, 1)));
}

GG_DEFINE(ecc_curve_size, "ecc-curve-size", manual::algorithms, (SCM curve),
          "Return the size in bytes of a coordinate on @var{curve}, an @code{ecc-curve/} "
          "value (32 for @code{ecc-curve/secp256r1}), or 0 for an unknown curve.") {
  return scm_from_int(gnutls_ecc_curve_get_size(curve_argument(curve, 1)));
}

// ---- public-key algorithms

GG_DEFINE(pk_algorithm_to_sign_algorithm, "pk-algorithm->sign-algorithm", manual::algorithms,
          (SCM algorithm, SCM digest),
          "Return the signature algorithm that signs with @var{algorithm}, a "
          "@code{pk-algorithm/} value, over hashes by @var{digest}, a @code{digest/} "
          "value (@code{pk-algorithm/rsa} and @code{digest/sha256} give "
          "@code{sign-algorithm/rsa-sha256}), or @code{sign-algorithm/unknown} if there "
          "is none.") {
  gnutls_pk_algorithm_t pk = pk_algorithm_argument(algorithm, 1);
  auto hash = value_argument<gnutls_digest_algorithm_t>(EnumKind::digest, digest, 2);
  return enumerate_or_unknown(EnumKind::sign_algorithm, gnutls_pk_to_sign(pk, hash));
}

// ---- signature algorithms

GG_DEFINE(sign_algorithm_to_digest_algorithm, "sign-algorithm->digest-algorithm", manual::algorithms,
          (SCM algorithm),
          "Return the digest algorithm (a @code{digest/} value) that @var{algorithm}, a "
          "@code{sign-algorithm/} value, hashes with, or @code{#f} if it hashes with none "
          "this module names (@code{sign-algorithm/rsa-raw}, "
          "@code{sign-algorithm/unknown}).") {
  return enumerate(EnumKind::digest, gnutls_sign_get_hash_algorithm(sign_algorithm_argument(algorithm, 1)));
}

GG_DEFINE(sign_algorithm_to_pk_algorithm, "sign-algorithm->pk-algorithm", manual::algorithms, (SCM algorithm),
          "Return the public-key algorithm (a @code{pk-algorithm/} value) of the keys that "
          "make signatures by @var{algorithm}, a @code{sign-algorithm/} value.") {
  return enumerate_or_unknown(EnumKind::pk_algorithm,
                              gnutls_sign_get_pk_algorithm(sign_algorithm_argument(algorithm, 1)));
}

GG_DEFINE(sign_algorithm_is_secure_p, "sign-algorithm-is-secure?", manual::algorithms,
          (SCM algorithm, SCM for_certificates),
          "Return true if GnuTLS considers @var{algorithm}, a @code{sign-algorithm/} "
          "value, secure: for signatures on certificates if @var{for-certificates} is "
          "true, for other signatures (those of a handshake) if it is @code{#f}.") {
  gnutls_sign_algorithm_t sign = sign_algorithm_argument(algorithm, 1);
  if (!scm_is_bool(for_certificates)) throw WrongTypeArgument(2, for_certificates, "boolean");
  unsigned flags = scm_is_true(for_certificates) ? GNUTLS_SIGN_FLAG_SECURE_FOR_CERTS : 0;
  return scm_from_bool(gnutls_sign_is_secure2(sign, flags) != 0);
}

GG_DEFINE(sign_algorithm_supports_p, "sign-algorithm-supports?", manual::algorithms,
          (SCM algorithm, SCM pk_algorithm),
          "Return true if signatures by @var{algorithm}, a @code{sign-algorithm/} value, "
          "can be made with keys of @var{pk-algorithm}, a @code{pk-algorithm/} value.") {
  gnutls_sign_algorithm_t sign = sign_algorithm_argument(algorithm, 1);
  gnutls_pk_algorithm_t pk = pk_algorithm_argument(pk_algorithm, 2);
  return scm_from_bool(gnutls_sign_supports_pk_algorithm(sign, pk) != 0);
}

}  // namespace gg
