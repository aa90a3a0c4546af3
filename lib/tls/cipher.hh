// Symmetric encryption over GnuTLS's cipher API.  Cipher is a handle whose
// state (IV, counter, authentication so far) runs on from call to call;
// AeadCipher is a key that encrypts or decrypts whole messages, each under
// its own nonce.  Both refuse the sizes and call orders that GnuTLS does
// not check itself: there, a wrong IV size puts the whole library in its
// error state and a misplaced partial block fails an assertion that aborts
// the process.  Their keys are zeroised when they are freed (the GnuTLS
// deinit functions do it).  Each serialises its own calls, so two threads
// sharing one cannot corrupt its state.
#pragma once

#include "convert.hh"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <cstddef>
#include <mutex>
#include <vector>

namespace gg {

// The sizes, in bytes, that an algorithm takes.  Key and IV sizes of an
// algorithm GnuTLS does not implement all fit: GnuTLS refuses the
// algorithm itself.
namespace cipher_sizes {
// A key: exactly the algorithm's key size.
bool key_fits(gnutls_cipher_algorithm_t algorithm, size_t size);
// The IV of a Cipher: exactly the algorithm's IV size.
bool iv_fits(gnutls_cipher_algorithm_t algorithm, size_t size);
// The nonce of an AEAD message: 7 to 13 bytes for CCM, at least one for
// GCM and SIV, 12 for ChaCha20-Poly1305.
bool nonce_fits(gnutls_cipher_algorithm_t algorithm, size_t size);
// The tag of an AEAD message: 0 (the algorithm's size), else 4 bytes to
// the algorithm's size, even for CCM, exactly its size for SIV.
bool aead_tag_fits(gnutls_cipher_algorithm_t algorithm, size_t size);
// The tag size `requested` means: the algorithm's size for 0.
size_t aead_tag_size(gnutls_cipher_algorithm_t algorithm, size_t requested);
}  // namespace cipher_sizes

class Cipher {
 public:
  // GnutlsError if GnuTLS refuses the algorithm (AEAD-only modes such as
  // CCM and SIV, placeholders it does not implement) or the sizes do not
  // fit (cipher_sizes).
  Cipher(gnutls_cipher_algorithm_t algorithm, const gnutls_datum_t& key, const gnutls_datum_t& iv);
  Cipher(const Cipher&) = delete;
  Cipher& operator=(const Cipher&) = delete;
  ~Cipher() { gnutls_cipher_deinit(handle_); }

  gnutls_cipher_algorithm_t algorithm() const { return algorithm_; }

  // Encrypt or decrypt `input` into `output` (as many bytes); the state
  // runs on.  A CBC mode takes whole blocks only; an authenticated mode
  // takes a partial block only as its last piece of data.
  void encrypt(ByteSpan input, unsigned char* output);
  void decrypt(ByteSpan input, unsigned char* output);
  // Start again from `iv`, which must fit (cipher_sizes::iv_fits).
  void set_iv(ByteSpan iv);
  // Authenticate `data` as associated data: before any data is encrypted
  // or decrypted, and with a partial block only as its last piece.
  void add_auth(ByteSpan data);
  // The first `size` bytes (1 to the algorithm's tag size) of the tag of
  // what was authenticated and processed so far (not a secret).
  std::vector<unsigned char> tag(size_t size);

 private:
  enum class Mode { stream, whole_blocks, authenticated };
  template <class Operation>
  void process(ByteSpan input, unsigned char* output, Operation operation);

  gnutls_cipher_algorithm_t algorithm_;
  Mode mode_;
  size_t block_size_;
  size_t tag_size_;
  size_t auth_size_ = 0;  // bytes of associated data since the IV was set
  size_t data_size_ = 0;  // bytes encrypted or decrypted since then
  gnutls_cipher_hd_t handle_ = nullptr;
  std::mutex mutex_;
};

class AeadCipher {
 public:
  // GnutlsError if the algorithm is no AEAD algorithm GnuTLS implements
  // or the key does not fit.
  AeadCipher(gnutls_cipher_algorithm_t algorithm, const gnutls_datum_t& key);
  AeadCipher(const AeadCipher&) = delete;
  AeadCipher& operator=(const AeadCipher&) = delete;
  ~AeadCipher() { gnutls_aead_cipher_deinit(handle_); }

  gnutls_cipher_algorithm_t algorithm() const { return algorithm_; }

  // Encrypt `plaintext` into `output`, which has room for it and a tag of
  // `tag_size` bytes (the sizes must fit, cipher_sizes).
  void encrypt(ByteSpan nonce, ByteSpan auth, size_t tag_size, ByteSpan plaintext, unsigned char* output,
               size_t output_size);
  // Decrypt and authenticate `ciphertext` (with its tag) into `output`;
  // GnutlsError (decryption-failed) if it is not authentic, and then
  // `output` holds nothing of the plaintext.
  void decrypt(ByteSpan nonce, ByteSpan auth, size_t tag_size, ByteSpan ciphertext, unsigned char* output,
               size_t output_size);

 private:
  gnutls_cipher_algorithm_t algorithm_;
  gnutls_aead_cipher_hd_t handle_ = nullptr;
  std::mutex mutex_;
};

}  // namespace gg
