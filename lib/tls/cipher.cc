#include "cipher.hh"

#include "datum.hh"
#include "errors.hh"

#include <string>

namespace gg {

namespace {

bool is_ccm(gnutls_cipher_algorithm_t algorithm) {
  return algorithm == GNUTLS_CIPHER_AES_128_CCM || algorithm == GNUTLS_CIPHER_AES_256_CCM ||
         algorithm == GNUTLS_CIPHER_AES_128_CCM_8 || algorithm == GNUTLS_CIPHER_AES_256_CCM_8;
}

bool is_siv(gnutls_cipher_algorithm_t algorithm) {
  return algorithm == GNUTLS_CIPHER_AES_128_SIV || algorithm == GNUTLS_CIPHER_AES_256_SIV;
}

// CBC takes whole blocks only: Nettle asserts it, aborting the process.
bool is_cbc(gnutls_cipher_algorithm_t algorithm) {
  switch (algorithm) {
    case GNUTLS_CIPHER_3DES_CBC:
    case GNUTLS_CIPHER_AES_128_CBC:
    case GNUTLS_CIPHER_AES_192_CBC:
    case GNUTLS_CIPHER_AES_256_CBC:
    case GNUTLS_CIPHER_CAMELLIA_128_CBC:
    case GNUTLS_CIPHER_CAMELLIA_192_CBC:
    case GNUTLS_CIPHER_CAMELLIA_256_CBC:
    case GNUTLS_CIPHER_DES_CBC:
    case GNUTLS_CIPHER_RC2_40_CBC:
      return true;
    default:
      return false;
  }
}

// GnuTLS gives no key size for an algorithm it does not implement, and
// refuses the algorithm itself.
bool known(gnutls_cipher_algorithm_t algorithm) { return gnutls_cipher_get_key_size(algorithm) > 0; }

std::string name_of(gnutls_cipher_algorithm_t algorithm) {
  const char* name = gnutls_cipher_get_name(algorithm);
  return name != nullptr ? name : "this cipher";
}

[[noreturn]] void refuse(const std::string& why) { throw GnutlsError(GNUTLS_E_INVALID_REQUEST, why); }

}  // namespace

namespace cipher_sizes {

bool key_fits(gnutls_cipher_algorithm_t algorithm, size_t size) {
  return !known(algorithm) || size == gnutls_cipher_get_key_size(algorithm);
}

bool iv_fits(gnutls_cipher_algorithm_t algorithm, size_t size) {
  return !known(algorithm) || size == gnutls_cipher_get_iv_size(algorithm);
}

bool nonce_fits(gnutls_cipher_algorithm_t algorithm, size_t size) {
  if (is_ccm(algorithm)) return size >= 7 && size <= 13;
  if (algorithm == GNUTLS_CIPHER_CHACHA20_POLY1305) return size == 12;
  return size >= 1;
}

bool aead_tag_fits(gnutls_cipher_algorithm_t algorithm, size_t size) {
  size_t full = gnutls_cipher_get_tag_size(algorithm);
  if (size == 0) return full > 0;
  if (is_siv(algorithm)) return size == full;
  return size >= 4 && size <= full && (!is_ccm(algorithm) || size % 2 == 0);
}

size_t aead_tag_size(gnutls_cipher_algorithm_t algorithm, size_t requested) {
  return requested != 0 ? requested : gnutls_cipher_get_tag_size(algorithm);
}

}  // namespace cipher_sizes

Cipher::Cipher(gnutls_cipher_algorithm_t algorithm, const gnutls_datum_t& key, const gnutls_datum_t& iv)
    : algorithm_(algorithm),
      mode_(is_cbc(algorithm)                           ? Mode::whole_blocks
            : gnutls_cipher_get_tag_size(algorithm) > 0 ? Mode::authenticated
                                                        : Mode::stream),
      block_size_(gnutls_cipher_get_block_size(algorithm)),
      tag_size_(gnutls_cipher_get_tag_size(algorithm)) {
  if (!cipher_sizes::key_fits(algorithm, key.size)) refuse("the key does not fit " + name_of(algorithm));
  if (!cipher_sizes::iv_fits(algorithm, iv.size)) refuse("the IV does not fit " + name_of(algorithm));
  int r = gnutls_cipher_init(&handle_, algorithm, &key, iv.size > 0 ? &iv : nullptr);
  if (r < 0) throw GnutlsError(r);
}

template <class Operation>
void Cipher::process(ByteSpan input, unsigned char* output, Operation operation) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (mode_ == Mode::whole_blocks && input.size % block_size_ != 0)
    refuse(name_of(algorithm_) + " takes whole blocks of " + std::to_string(block_size_) + " bytes");
  if (mode_ == Mode::authenticated && data_size_ % block_size_ != 0)
    refuse("only the last piece of data given to " + name_of(algorithm_) +
           " may be shorter than a multiple of " + std::to_string(block_size_) + " bytes");
  int r = operation(handle_, input.data, input.size, output, input.size);
  if (r < 0) throw GnutlsError(r);
  data_size_ += input.size;
}

void Cipher::encrypt(ByteSpan input, unsigned char* output) {
  process(input, output, gnutls_cipher_encrypt2);
}

void Cipher::decrypt(ByteSpan input, unsigned char* output) {
  process(input, output, gnutls_cipher_decrypt2);
}

void Cipher::set_iv(ByteSpan iv) {
  std::lock_guard<std::mutex> lock(mutex_);
  // GnuTLS reports a wrong size by switching the whole library to its
  // error state: it must never see one.
  if (!cipher_sizes::iv_fits(algorithm_, iv.size)) refuse("the IV does not fit " + name_of(algorithm_));
  gnutls_cipher_set_iv(handle_, iv.data, iv.size);
  auth_size_ = data_size_ = 0;
}

void Cipher::add_auth(ByteSpan data) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (mode_ != Mode::authenticated) refuse(name_of(algorithm_) + " is not an authenticated mode");
  if (data_size_ > 0) refuse("associated data must come before the data it goes with");
  if (auth_size_ % block_size_ != 0)
    refuse("only the last piece of associated data may be shorter than a multiple of " +
           std::to_string(block_size_) + " bytes");
  int r = gnutls_cipher_add_auth(handle_, data.data, data.size);
  if (r < 0) throw GnutlsError(r);
  auth_size_ += data.size;
}

std::vector<unsigned char> Cipher::tag(size_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (mode_ != Mode::authenticated) refuse(name_of(algorithm_) + " is not an authenticated mode");
  // Nettle asserts on a GCM tag longer than a block.
  if (size < 1 || size > tag_size_) refuse("the tag size does not fit " + name_of(algorithm_));
  std::vector<unsigned char> tag(size);
  int r = gnutls_cipher_tag(handle_, tag.data(), size);
  if (r < 0) throw GnutlsError(r);
  return tag;
}

AeadCipher::AeadCipher(gnutls_cipher_algorithm_t algorithm, const gnutls_datum_t& key)
    : algorithm_(algorithm) {
  if (gnutls_cipher_get_tag_size(algorithm) == 0)
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST, name_of(algorithm) + " is not an AEAD algorithm");
  if (!cipher_sizes::key_fits(algorithm, key.size)) refuse("the key does not fit " + name_of(algorithm));
  int r = gnutls_aead_cipher_init(&handle_, algorithm, &key);
  if (r < 0) throw GnutlsError(r);
}

namespace {

// The checks an AEAD message's sizes pass before GnuTLS sees them (Nettle
// asserts on a CCM or SIV nonce of the wrong size).
void check_message(gnutls_cipher_algorithm_t algorithm, ByteSpan nonce, size_t tag_size) {
  if (!cipher_sizes::nonce_fits(algorithm, nonce.size))
    refuse("the nonce does not fit " + name_of(algorithm));
  if (!cipher_sizes::aead_tag_fits(algorithm, tag_size))
    refuse("the tag size does not fit " + name_of(algorithm));
}

}  // namespace

void AeadCipher::encrypt(ByteSpan nonce, ByteSpan auth, size_t tag_size, ByteSpan plaintext,
                         unsigned char* output, size_t output_size) {
  check_message(algorithm_, nonce, tag_size);
  if (output_size != plaintext.size + cipher_sizes::aead_tag_size(algorithm_, tag_size))
    refuse("no room for the ciphertext");
  std::lock_guard<std::mutex> lock(mutex_);
  size_t size = output_size;
  int r = gnutls_aead_cipher_encrypt(handle_, nonce.data, nonce.size, auth.data, auth.size, tag_size,
                                     plaintext.data, plaintext.size, output, &size);
  if (r < 0) throw GnutlsError(r);
}

void AeadCipher::decrypt(ByteSpan nonce, ByteSpan auth, size_t tag_size, ByteSpan ciphertext,
                         unsigned char* output, size_t output_size) {
  check_message(algorithm_, nonce, tag_size);
  size_t full_tag = cipher_sizes::aead_tag_size(algorithm_, tag_size);
  if (ciphertext.size < full_tag) throw GnutlsError(GNUTLS_E_DECRYPTION_FAILED);
  if (output_size != ciphertext.size - full_tag) refuse("no room for the plaintext");
  std::lock_guard<std::mutex> lock(mutex_);
  size_t size = output_size;
  int r = gnutls_aead_cipher_decrypt(handle_, nonce.data, nonce.size, auth.data, auth.size, tag_size,
                                     ciphertext.data, ciphertext.size, output, &size);
  if (r < 0) {
    // GCM decrypts before it compares tags: what it wrote is not authentic.
    wipe(output, output_size);
    throw GnutlsError(r);
  }
}

}  // namespace gg
