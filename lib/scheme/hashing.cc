// Digests and MACs: one-step (hash-direct, hmac-direct) and running
// (make-hash, hash!, hash-output ...).  The hash and hmac procedures share
// their bodies: the templates below, over Hash or Hmac.
#include "hash.hh"

#include "boundary.hh"
#include "convert.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"

namespace gg {

GG_INITIALIZER(define_hash_types) {
  Foreign<Hash>::define_type(
      "gnutls-hash",
      {"hash?", "Return true if @var{obj} is a running digest made by @code{make-hash}.", manual::hashing});
  Foreign<Hmac>::define_type(
      "gnutls-hmac",
      {"hmac?", "Return true if @var{obj} is a running MAC made by @code{make-hmac}.", manual::hashing});
}

namespace {

// What the procedures of a running digest type take and return.
template <class Digest>
struct Kind;
template <>
struct Kind<Hash> {
  static constexpr EnumKind algorithms = EnumKind::digest;
};
template <>
struct Kind<Hmac> {
  static constexpr EnumKind algorithms = EnumKind::mac;
};

template <class Digest>
typename Digest::Algorithm algorithm_argument(SCM obj, int position) {
  return static_cast<typename Digest::Algorithm>(enumerate_value(Kind<Digest>::algorithms, obj, position));
}

// A fresh bytevector of the digest's length, filled by `write`.
template <class Write>
SCM digest_bytevector(size_t length, Write write) {
  SCM out = scm_c_make_bytevector(length);
  write(SCM_BYTEVECTOR_CONTENTS(out));
  return out;
}

template <class Digest>
SCM feed(SCM digest, SCM data) {
  Digest& d = Foreign<Digest>::require(digest, 1);
  ByteSpan bytes = bytevector_argument(data, 2);
  d.update(bytes.data, bytes.size);
  return SCM_UNSPECIFIED;
}

template <class Digest>
SCM output(SCM digest) {
  Digest& d = Foreign<Digest>::require(digest, 1);
  return digest_bytevector(d.length(), [&](void* out) { d.output(out); });
}

template <class Digest>
SCM copy(SCM digest) {
  return Foreign<Digest>::make(CopyOf{}, Foreign<Digest>::require(digest, 1));
}

template <class Digest>
SCM algorithm(SCM digest) {
  return enumerate(Kind<Digest>::algorithms, Foreign<Digest>::require(digest, 1).algorithm());
}

template <class Digest>
SCM length(SCM algorithm) {
  return scm_from_size_t(Digest::length_of(algorithm_argument<Digest>(algorithm, 1)));
}

}  // namespace

// ---- hash

GG_DEFINE(make_hash, "make-hash", manual::hashing, (SCM algorithm),
          "Return a new running digest of the @code{digest/} algorithm @var{algorithm}: feed "
          "it with @code{hash!} and read it with @code{hash-output}.  Raises "
          "@code{error/unknown-algorithm} for an algorithm GnuTLS cannot compute "
          "(@code{digest/null}, @code{digest/shake-128} ...).") {
  return Foreign<Hash>::make(algorithm_argument<Hash>(algorithm, 1));
}

GG_DEFINE(hash_x, "hash!", manual::hashing, (SCM hash, SCM data),
          "Add the bytevector @var{data} to the running digest @var{hash}.") {
  return feed<Hash>(hash, data);
}

GG_DEFINE(hash_output, "hash-output", manual::hashing, (SCM hash),
          "Return, as a bytevector, the digest of what was added to @var{hash} so far.  "
          "@var{hash} then starts over, as if just made.") {
  return output<Hash>(hash);
}

GG_DEFINE(hash_copy, "hash-copy", manual::hashing, (SCM hash),
          "Return a new running digest in the state @var{hash} is in now; the two then go on "
          "independently.") {
  return copy<Hash>(hash);
}

GG_DEFINE(hash_algorithm, "hash-algorithm", manual::hashing, (SCM hash),
          "Return the @code{digest/} algorithm of the running digest @var{hash}.") {
  return algorithm<Hash>(hash);
}

GG_DEFINE(hash_length, "hash-length", manual::hashing, (SCM algorithm),
          "Return the size in bytes of a digest by the @code{digest/} algorithm "
          "@var{algorithm}, or 0 if GnuTLS does not know it.") {
  return length<Hash>(algorithm);
}

GG_DEFINE(hash_direct, "hash-direct", manual::hashing, (SCM algorithm, SCM data),
          "Return, as a bytevector, the digest of the bytevector @var{data} by the "
          "@code{digest/} algorithm @var{algorithm}.") {
  auto a = algorithm_argument<Hash>(algorithm, 1);
  ByteSpan bytes = bytevector_argument(data, 2);
  return digest_bytevector(Hash::usable_length(a),
                           [&](void* out) { Hash::direct(a, bytes.data, bytes.size, out); });
}

// ---- hmac

GG_DEFINE(make_hmac, "make-hmac", manual::hashing, (SCM algorithm, SCM key),
          "Return a new running MAC of the @code{mac/} algorithm @var{algorithm} keyed with the "
          "bytevector @var{key}: feed it with @code{hmac!} and read it with @code{hmac-output}.  "
          "An HMAC takes a key of any length; the other MACs (CMAC, GMAC, UMAC ...) a key of "
          "exactly their key size, and raise @code{error/invalid-request} on any other.") {
  auto a = algorithm_argument<Hmac>(algorithm, 1);
  ByteSpan k = bytevector_argument(key, 2);
  return Foreign<Hmac>::make(a, k.data, k.size);
}

GG_DEFINE(hmac_x, "hmac!", manual::hashing, (SCM hmac, SCM data),
          "Add the bytevector @var{data} to the running MAC @var{hmac}.") {
  return feed<Hmac>(hmac, data);
}

GG_DEFINE(hmac_output, "hmac-output", manual::hashing, (SCM hmac),
          "Return, as a bytevector, the MAC of what was added to @var{hmac} so far.  @var{hmac} "
          "then starts over with the same key.") {
  return output<Hmac>(hmac);
}

GG_DEFINE(hmac_copy, "hmac-copy", manual::hashing, (SCM hmac),
          "Return a new running MAC in the state @var{hmac} is in now; the two then go on "
          "independently.") {
  return copy<Hmac>(hmac);
}

GG_DEFINE(hmac_algorithm, "hmac-algorithm", manual::hashing, (SCM hmac),
          "Return the @code{mac/} algorithm of the running MAC @var{hmac}.") {
  return algorithm<Hmac>(hmac);
}

GG_DEFINE(hmac_length, "hmac-length", manual::hashing, (SCM algorithm),
          "Return the size in bytes of a MAC by the @code{mac/} algorithm @var{algorithm}; "
          "0 if GnuTLS does not know it.") {
  return length<Hmac>(algorithm);
}

GG_DEFINE(hmac_direct, "hmac-direct", manual::hashing, (SCM algorithm, SCM key, SCM data),
          "Return, as a bytevector, the MAC of the bytevector @var{data} under the bytevector "
          "@var{key} by the @code{mac/} algorithm @var{algorithm}.  The MACs that take a nonce "
          "(UMAC, GMAC) raise @code{error/invalid-request} here: use @code{make-hmac} and "
          "@code{set-hmac-nonce!}.") {
  auto a = algorithm_argument<Hmac>(algorithm, 1);
  ByteSpan k = bytevector_argument(key, 2);
  ByteSpan bytes = bytevector_argument(data, 3);
  return digest_bytevector(Hmac::usable_length(a),
                           [&](void* out) { Hmac::direct(a, k.data, k.size, bytes.data, bytes.size, out); });
}

GG_DEFINE(mac_nonce_size, "mac-nonce-size", manual::hashing, (SCM algorithm),
          "Return the size in bytes of the nonce the @code{mac/} algorithm @var{algorithm} "
          "usually takes, or 0 if it takes none.") {
  return scm_from_size_t(gnutls_mac_get_nonce_size(algorithm_argument<Hmac>(algorithm, 1)));
}

GG_DEFINE(set_hmac_nonce_x, "set-hmac-nonce!", manual::hashing, (SCM hmac, SCM nonce),
          "Set the nonce of the running MAC @var{hmac}, a UMAC (1 to 16 bytes) or a GMAC (at "
          "least one byte), to the bytevector @var{nonce}.  Raises @code{error/invalid-request} "
          "for a MAC that takes no nonce and for a nonce of a length it cannot take.") {
  Hmac& h = Foreign<Hmac>::require(hmac, 1);
  ByteSpan bytes = bytevector_argument(nonce, 2);
  h.set_nonce(bytes.data, bytes.size);
  return SCM_UNSPECIFIED;
}

}  // namespace gg
