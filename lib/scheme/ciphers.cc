// Ciphers: make-cipher handles that encrypt piece by piece, AEAD ciphers
// that encrypt and authenticate whole messages, and the sizes of every
// cipher/ algorithm.
#include "cipher.hh"

#include "boundary.hh"
#include "convert.hh"
#include "datum.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"

#include <climits>

namespace gg {

GG_INITIALIZER(define_cipher_types) {
  Foreign<Cipher>::define_type(
      "gnutls-cipher", {"cipher?", "Return true if @var{obj} is a cipher handle made by @code{make-cipher}.",
                        manual::ciphers});
  Foreign<AeadCipher>::define_type(
      "gnutls-aead-cipher",
      {"aead-cipher?", "Return true if @var{obj} is an AEAD cipher made by @code{make-aead-cipher}.",
       manual::ciphers});
}

namespace {

gnutls_cipher_algorithm_t cipher_argument(SCM obj, int position) {
  return static_cast<gnutls_cipher_algorithm_t>(enumerate_value(EnumKind::cipher, obj, position));
}

// Outputs go to wiped memory: no part of a plaintext outlives a failed
// call or its bytevector, and bulk encryption does not make the collector
// run on every message.
template <class Fill>
SCM filled_bytevector(size_t size, Fill fill) {
  return wiped_bytevector(size, fill);
}

// What cipher-encrypt and cipher-decrypt share: the handle's operation on
// the data, into a bytevector of the same size.
SCM cipher_process(SCM cipher, SCM data, void (Cipher::*operation)(ByteSpan, unsigned char*)) {
  Cipher& c = Foreign<Cipher>::require(cipher, 1);
  ByteSpan input = bytevector_argument(data, 2);
  return filled_bytevector(input.size, [&](unsigned char* output) { (c.*operation)(input, output); });
}

// The arguments of aead-cipher-encrypt and aead-cipher-decrypt, checked.
struct AeadMessage {
  AeadCipher& cipher;
  ByteSpan nonce;
  ByteSpan auth;
  size_t tag_size;       // as given: 0 for the algorithm's size
  size_t full_tag_size;  // what it means
  ByteSpan data;
};

AeadMessage aead_message(SCM aead, SCM nonce, SCM auth_data, SCM tag_size, SCM data) {
  AeadCipher& cipher = Foreign<AeadCipher>::require(aead, 1);
  ByteSpan nonce_bytes = bytevector_argument(nonce, 2);
  ByteSpan auth = bytevector_argument(auth_data, 3);
  auto tag = static_cast<size_t>(integer_argument(tag_size, 4, 0, INT_MAX));
  ByteSpan bytes = bytevector_argument(data, 5);
  gnutls_cipher_algorithm_t algorithm = cipher.algorithm();
  if (!cipher_sizes::nonce_fits(algorithm, nonce_bytes.size)) throw OutOfRange(2, nonce);
  if (!cipher_sizes::aead_tag_fits(algorithm, tag)) throw OutOfRange(4, tag_size);
  return {cipher, nonce_bytes, auth, tag, cipher_sizes::aead_tag_size(algorithm, tag), bytes};
}

// Procedures that differ only in what they call, registered from the
// table below: a size of a cipher/ algorithm, and an operation of a
// cipher handle on a bytevector.
template <auto size_of>
struct SizeProcedure {
  static constexpr const char* c_arguments = "(SCM cipher)";
  static SCM body(SCM cipher) {
    return scm_from_long(static_cast<long>(size_of(cipher_argument(cipher, 1))));
  }
};

template <void (Cipher::*operation)(ByteSpan, unsigned char*)>
struct ProcessProcedure {
  static constexpr const char* c_arguments = "(SCM cipher, SCM data)";
  static SCM body(SCM cipher, SCM data) { return cipher_process(cipher, data, operation); }
};

template <class Procedure>
using Registered = RegisteredProcedure<Procedure, manual::ciphers>;

}  // namespace

GG_INITIALIZER(define_table_procedures) {
  Registered<SizeProcedure<gnutls_cipher_get_block_size>>::add(
      "cipher-block-size",
      "Return the block size in bytes of @var{cipher}, a @code{cipher/} value "
      "(1 for a stream cipher, 0 for one GnuTLS does not implement).");
  Registered<SizeProcedure<gnutls_cipher_get_iv_size>>::add(
      "cipher-iv-size",
      "Return the size in bytes of the IV (or nonce) that @var{cipher}, a "
      "@code{cipher/} value, takes.");
  Registered<SizeProcedure<gnutls_cipher_get_key_size>>::add(
      "cipher-key-size",
      "Return the size in bytes of a key of @var{cipher}, a @code{cipher/} "
      "value (0 for one GnuTLS does not implement).");
  Registered<SizeProcedure<gnutls_cipher_get_tag_size>>::add(
      "cipher-tag-size",
      "Return the size in bytes of the authentication tag of @var{cipher}, a "
      "@code{cipher/} value: 0 unless it is an AEAD algorithm.");
  Registered<ProcessProcedure<&Cipher::encrypt>>::add(
      "cipher-encrypt",
      "Encrypt the bytevector @var{data} with the cipher handle @var{cipher} and "
      "return the ciphertext, a bytevector of the same size.  A CBC mode takes "
      "whole blocks only (@code{cipher-block-size}); in an authenticated mode "
      "only the last piece of data may end inside a block.  Other sizes raise "
      "@code{error/invalid-request}.");
  Registered<ProcessProcedure<&Cipher::decrypt>>::add(
      "cipher-decrypt",
      "Decrypt the bytevector @var{data} with the cipher handle @var{cipher} and "
      "return the plaintext, a bytevector of the same size, under the rules of "
      "@code{cipher-encrypt}.  In an authenticated mode, compare "
      "@code{cipher-tag} with the tag that came with the data before using the "
      "plaintext.");
}

GG_DEFINE(make_cipher, "make-cipher", manual::ciphers, (SCM cipher, SCM key, SCM iv),
          "Return a cipher handle for algorithm @var{cipher} (a @code{cipher/} value) "
          "with the bytevectors @var{key} and @var{iv}, whose sizes must be the "
          "algorithm's (@code{cipher-key-size}, @code{cipher-iv-size}).  The handle "
          "keeps its state from call to call: @code{cipher-encrypt} goes on where "
          "the previous call stopped.  Modes that exist only as AEAD, such as CCM "
          "and SIV, raise @code{error/invalid-request}: use @code{make-aead-cipher}.") {
  gnutls_cipher_algorithm_t algorithm = cipher_argument(cipher, 1);
  gnutls_datum_t key_datum = datum_argument(key, 2);
  gnutls_datum_t iv_datum = datum_argument(iv, 3);
  if (!cipher_sizes::key_fits(algorithm, key_datum.size)) throw OutOfRange(2, key);
  if (!cipher_sizes::iv_fits(algorithm, iv_datum.size)) throw OutOfRange(3, iv);
  return Foreign<Cipher>::make(algorithm, key_datum, iv_datum);
}

GG_DEFINE(cipher_set_iv_x, "cipher-set-iv!", manual::ciphers, (SCM cipher, SCM iv),
          "Start the cipher handle @var{cipher} again from the IV (or nonce) "
          "@var{iv}, a bytevector of @code{cipher-iv-size} bytes: a new message, "
          "with no associated data yet.") {
  Cipher& c = Foreign<Cipher>::require(cipher, 1);
  ByteSpan bytes = bytevector_argument(iv, 2);
  if (!cipher_sizes::iv_fits(c.algorithm(), bytes.size)) throw OutOfRange(2, iv);
  c.set_iv(bytes);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(cipher_add_auth_x, "cipher-add-auth!", manual::ciphers, (SCM cipher, SCM data),
          "Authenticate the bytevector @var{data} as associated data of the message "
          "that the cipher handle @var{cipher}, of an authenticated mode such as "
          "GCM, encrypts or decrypts next.  Associated data comes before the "
          "message, and only its last piece may end inside a block; otherwise, or "
          "for a mode that authenticates nothing, raise @code{error/invalid-request}.") {
  Cipher& c = Foreign<Cipher>::require(cipher, 1);
  c.add_auth(bytevector_argument(data, 2));
  return SCM_UNSPECIFIED;
}

GG_DEFINE(cipher_tag, "cipher-tag", manual::ciphers, (SCM cipher, SCM tag_size),
          "Return the authentication tag of what the cipher handle @var{cipher}, of "
          "an authenticated mode, has authenticated and processed since its IV was "
          "set, as a bytevector of @var{tag-size} bytes (1 to @code{cipher-tag-size}).  "
          "Raise @code{error/invalid-request} for other sizes or modes.") {
  Cipher& c = Foreign<Cipher>::require(cipher, 1);
  auto size = static_cast<size_t>(integer_argument(tag_size, 2, 0, INT_MAX));
  std::vector<unsigned char> tag = c.tag(size);
  return bytevector_from(tag.data(), tag.size());
}

GG_DEFINE(cipher_algorithm, "cipher-algorithm", manual::ciphers, (SCM cipher),
          "Return the algorithm of the cipher handle @var{cipher}, a @code{cipher/} value.") {
  return enumerate(EnumKind::cipher, Foreign<Cipher>::require(cipher, 1).algorithm());
}

GG_DEFINE(make_aead_cipher, "make-aead-cipher", manual::ciphers, (SCM cipher, SCM key),
          "Return an AEAD cipher for algorithm @var{cipher}, a @code{cipher/} value "
          "with a tag (GCM, CCM, SIV, ChaCha20-Poly1305), and the bytevector "
          "@var{key} of @code{cipher-key-size} bytes.  Raise "
          "@code{error/invalid-request} for an algorithm that authenticates nothing.") {
  gnutls_cipher_algorithm_t algorithm = cipher_argument(cipher, 1);
  gnutls_datum_t key_datum = datum_argument(key, 2);
  if (!cipher_sizes::key_fits(algorithm, key_datum.size)) throw OutOfRange(2, key);
  return Foreign<AeadCipher>::make(algorithm, key_datum);
}

GG_DEFINE(aead_cipher_encrypt, "aead-cipher-encrypt", manual::ciphers,
          (SCM aead, SCM nonce, SCM auth_data, SCM tag_size, SCM plaintext),
          "Encrypt the bytevector @var{plaintext} with the AEAD cipher @var{aead} "
          "under the bytevector @var{nonce}, authenticating it with the associated "
          "data @var{auth-data} (a bytevector, maybe empty), and return the "
          "ciphertext followed by a tag of @var{tag-size} bytes (0 for the "
          "algorithm's own size) in one bytevector.  Never use a nonce twice with "
          "the same key.") {
  AeadMessage m = aead_message(aead, nonce, auth_data, tag_size, plaintext);
  size_t size = m.data.size + m.full_tag_size;
  return filled_bytevector(size, [&](unsigned char* output) {
    m.cipher.encrypt(m.nonce, m.auth, m.tag_size, m.data, output, size);
  });
}

GG_DEFINE(aead_cipher_decrypt, "aead-cipher-decrypt", manual::ciphers,
          (SCM aead, SCM nonce, SCM auth_data, SCM tag_size, SCM ciphertext),
          "Decrypt the bytevector @var{ciphertext}, ciphertext followed by its tag "
          "of @var{tag-size} bytes (0 for the algorithm's own size), with the AEAD "
          "cipher @var{aead}, the @var{nonce} and the associated data "
          "@var{auth-data} it was encrypted with, and return the plaintext.  If "
          "anything of it was altered, raise @code{error/decryption-failed} and "
          "return nothing of the plaintext.") {
  AeadMessage m = aead_message(aead, nonce, auth_data, tag_size, ciphertext);
  if (m.data.size < m.full_tag_size) throw GnutlsError(GNUTLS_E_DECRYPTION_FAILED);
  size_t size = m.data.size - m.full_tag_size;
  return filled_bytevector(size, [&](unsigned char* output) {
    m.cipher.decrypt(m.nonce, m.auth, m.tag_size, m.data, output, size);
  });
}

GG_DEFINE(aead_cipher_algorithm, "aead-cipher-algorithm", manual::ciphers, (SCM aead),
          "Return the algorithm of the AEAD cipher @var{aead}, a @code{cipher/} value.") {
  return enumerate(EnumKind::cipher, Foreign<AeadCipher>::require(aead, 1).algorithm());
}

}  // namespace gg
