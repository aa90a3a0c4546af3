// Digests and MACs: one-step (hash-direct, hmac-direct) and running
// (make-hash, hash!, hash-output ...).  The hash and hmac procedures share
// their bodies: the templates below, over Hash or Hmac.
#include "hash.hh"

#include "boundary.hh"
#include "convert.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"

#include <deque>
#include <string>

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
  static constexpr char object[] = "(SCM hash)";
  static constexpr char object_and_data[] = "(SCM hash, SCM data)";
};
template <>
struct Kind<Hmac> {
  static constexpr EnumKind algorithms = EnumKind::mac;
  static constexpr char object[] = "(SCM hmac)";
  static constexpr char object_and_data[] = "(SCM hmac, SCM data)";
};
constexpr char kAlgorithm[] = "(SCM algorithm)";

template <class Digest>
typename Digest::Algorithm algorithm_argument(SCM obj, int position) {
  return static_cast<typename Digest::Algorithm>(enumerate_value(Kind<Digest>::algorithms, obj, position));
}

// The first two arguments of make-hmac and hmac-direct.
struct MacAndKey {
  gnutls_mac_algorithm_t algorithm;
  ByteSpan key;
};
MacAndKey mac_and_key_arguments(SCM algorithm, SCM key) {
  return {algorithm_argument<Hmac>(algorithm, 1), bytevector_argument(key, 2)};
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

// A procedure hash and hmac objects share, as GG_DEFINE would define it:
// one of the bodies above, with the name and docstring of a kind, given
// at init.
template <auto Body, const char* Arguments>
struct SharedProcedure {
  static inline const char* scheme_name = nullptr;
  static inline const char* procedure_name = nullptr;
  static constexpr const char* section = manual::hashing;
  static inline const char* documentation = nullptr;
  static constexpr const char* c_arguments = Arguments;
  static constexpr auto prelude = nullptr;
  static constexpr auto body = Body;

  static void define(const std::string& name, const std::string& doc) {
    static std::deque<std::string> texts;  // what the registry points to
    scheme_name = procedure_name = texts.emplace_back(name).c_str();
    documentation = texts.emplace_back(doc).c_str();
    procedure_registry().push_back(procedure_detail::procedure_spec<SharedProcedure>(body));
  }
};

// How the shared procedures of a kind are named and described.
struct KindWords {
  std::string prefix;          // "hash": hash!, hash-output ...
  std::string noun;            // "digest"
  std::string enumerate_type;  // "digest/"
  std::string restart;         // how output starts over
};

template <class Digest>
void define_shared_procedures(const KindWords& w) {
  using K = Kind<Digest>;
  std::string object = "@var{" + w.prefix + "}";
  SharedProcedure<&feed<Digest>, K::object_and_data>::define(
      w.prefix + "!", "Add the bytevector @var{data} to the running " + w.noun + " " + object + ".");
  SharedProcedure<&output<Digest>, K::object>::define(
      w.prefix + "-output", "Return, as a bytevector, the " + w.noun + " of what was added to " + object +
                                " so far.  " + object + " then starts over" + w.restart + ".");
  SharedProcedure<&copy<Digest>, K::object>::define(
      w.prefix + "-copy", "Return a new running " + w.noun + " in the state " + object +
                              " is in now; the two then go on independently.");
  SharedProcedure<&algorithm<Digest>, K::object>::define(
      w.prefix + "-algorithm",
      "Return the @code{" + w.enumerate_type + "} algorithm of the running " + w.noun + " " + object + ".");
  SharedProcedure<&length<Digest>, kAlgorithm>::define(
      w.prefix + "-length", "Return the size in bytes of a " + w.noun + " by the @code{" + w.enumerate_type +
                                "} algorithm @var{algorithm}, or 0 if GnuTLS does not know it.");
}

}  // namespace

GG_INITIALIZER(define_shared_hash_and_hmac_procedures) {
  define_shared_procedures<Hash>({"hash", "digest", "digest/", ", as if just made"});
  define_shared_procedures<Hmac>({"hmac", "MAC", "mac/", " with the same key"});
}

// ---- hash

GG_DEFINE(make_hash, "make-hash", manual::hashing, (SCM algorithm),
          "Return a new running digest of the @code{digest/} algorithm @var{algorithm}: feed "
          "it with @code{hash!} and read it with @code{hash-output}.  Raises "
          "@code{error/unknown-algorithm} for an algorithm GnuTLS cannot compute "
          "(@code{digest/null}, @code{digest/shake-128} ...).") {
  return Foreign<Hash>::make(algorithm_argument<Hash>(algorithm, 1));
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
  MacAndKey m = mac_and_key_arguments(algorithm, key);
  return Foreign<Hmac>::make(m.algorithm, m.key.data, m.key.size);
}

GG_DEFINE(hmac_direct, "hmac-direct", manual::hashing, (SCM algorithm, SCM key, SCM data),
          "Return, as a bytevector, the MAC of the bytevector @var{data} under the bytevector "
          "@var{key} by the @code{mac/} algorithm @var{algorithm}.  The MACs that take a nonce "
          "(UMAC, GMAC) raise @code{error/invalid-request} here: use @code{make-hmac} and "
          "@code{set-hmac-nonce!}.") {
  MacAndKey m = mac_and_key_arguments(algorithm, key);
  ByteSpan bytes = bytevector_argument(data, 3);
  return digest_bytevector(Hmac::usable_length(m.algorithm), [&](void* out) {
    Hmac::direct(m.algorithm, m.key.data, m.key.size, bytes.data, bytes.size, out);
  });
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
