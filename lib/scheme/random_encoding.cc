// Random bytes, and base64 and hexadecimal text.  What is encoded or
// decoded may be a key: every copy this module or GnuTLS makes of it is
// wiped when freed.
#include "boundary.hh"
#include "convert.hh"
#include "datum.hh"
#include "enumerates.hh"
#include "procedures.hh"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>

namespace gg {

namespace {

// Random bytes may be a key: they live in wiped memory (see
// wiped_bytevector), where a request larger than the memory left is
// std::bad_alloc, raised once C++ is done, rather than an abort in Guile.
SCM random_bytevector(gnutls_rnd_level_t level, size_t size) {
  return wiped_bytevector(size, [&](unsigned char* data) {
    int r = gnutls_rnd(level, data, size);
    if (r < 0) throw GnutlsError(r);
  });
}

// The bytes of `obj`, a bytevector or a string (encoded in UTF-8 into
// `utf8`), at most `maximum` of them (OutOfRange beyond).
gnutls_datum_t text_or_bytes_argument(SCM obj, int position, size_t maximum,
                                      std::optional<SecretBytes>& utf8) {
  ByteSpan bytes{};
  if (scm_is_string(obj)) {
    size_t length = 0;
    auto wipe_and_free = [&length](char* p) {
      wipe(p, length);
      std::free(p);
    };
    std::unique_ptr<char, decltype(wipe_and_free)> text(scm_to_utf8_stringn(obj, &length), wipe_and_free);
    utf8.emplace(text.get(), length);
    bytes = {utf8->data(), utf8->size()};
  } else if (scm_is_bytevector(obj)) {
    bytes = bytevector_argument(obj, position);
  } else {
    throw WrongTypeArgument(position, obj, "bytevector or string");
  }
  if (bytes.size > maximum) throw OutOfRange(position, obj);
  return {bytes.data, static_cast<unsigned>(bytes.size)};
}

// One of GnuTLS's base64 and hex encoders or decoders, which allocate
// their result.
struct Transcoder {
  int (*convert)(const gnutls_datum_t* in, gnutls_datum_t* out);
  size_t maximum_input;  // so that GnuTLS's (int) sizes cannot overflow
  bool text_result;      // a string, or a bytevector
};

SCM transcode(const Transcoder& how, SCM input) {
  std::optional<SecretBytes> utf8;
  gnutls_datum_t in = text_or_bytes_argument(input, 1, how.maximum_input, utf8);
  SecretDatum out;
  int r = how.convert(&in, out.out());
  if (r < 0) throw GnutlsError(r);
  const gnutls_datum_t& result = out.get();
  return how.text_result ? scm_from_latin1_stringn(reinterpret_cast<const char*>(result.data), result.size)
                         : bytevector_from(result.data, result.size);
}

constexpr size_t kLargestDecodable = INT_MAX;
constexpr Transcoder kBase64Encoder{gnutls_base64_encode2, INT_MAX / 4 * 3, true};
constexpr Transcoder kBase64Decoder{gnutls_base64_decode2, kLargestDecodable, false};
constexpr Transcoder kHexEncoder{gnutls_hex_encode2, INT_MAX / 2, true};
constexpr Transcoder kHexDecoder{gnutls_hex_decode2, kLargestDecodable, false};

}  // namespace

GG_DEFINE(gnutls_random, "gnutls-random", manual::random_encoding, (SCM level, SCM length),
          "Return a bytevector of @var{length} random bytes from GnuTLS's generator of the "
          "@code{random-level/} @var{level}: @code{random-level/nonce} for values that must "
          "not repeat or be guessed (nonces, IVs), @code{random-level/random} for values "
          "that must be unpredictable, @code{random-level/key} for keys.  @var{length} is at "
          "most 2^31 - 1.") {
  auto l = static_cast<gnutls_rnd_level_t>(enumerate_value(EnumKind::random_level, level, 1));
  auto n = static_cast<size_t>(integer_argument(length, 2, 0, INT_MAX));
  return random_bytevector(l, n);
}

GG_DEFINE(base64_encode, "base64-encode", manual::random_encoding, (SCM data),
          "Return the base64 encoding (RFC 4648, with padding) of @var{data}, a bytevector, or "
          "a string taken as its UTF-8 encoding: a string of one line, with no PEM header.") {
  return transcode(kBase64Encoder, data);
}

GG_DEFINE(base64_decode, "base64-decode", manual::random_encoding, (SCM text),
          "Return the bytevector whose base64 encoding is @var{text}, a string or a bytevector "
          "of its characters.  Line breaks and spaces are skipped; anything else that is not "
          "base64 (the URL-safe alphabet included) raises @code{error/base64-decoding-error}.") {
  return transcode(kBase64Decoder, text);
}

GG_DEFINE(hex_encode, "hex-encode", manual::random_encoding, (SCM data),
          "Return the hexadecimal text, two lower-case digits a byte, of @var{data}, a "
          "bytevector, or a string taken as its UTF-8 encoding.") {
  return transcode(kHexEncoder, data);
}

GG_DEFINE(hex_decode, "hex-decode", manual::random_encoding, (SCM text),
          "Return the bytevector whose hexadecimal text is @var{text}, a string or a bytevector "
          "of its characters, in upper or lower case.  An odd number of digits, spaces, or "
          "anything else raises @code{error/parsing-error}.") {
  return transcode(kHexDecoder, text);
}

}  // namespace gg
