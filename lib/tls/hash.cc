#include "hash.hh"

#include "errors.hh"

#include <string>

namespace gg {

namespace {

template <class Functions>
std::string algorithm_name(typename Functions::Algorithm algorithm) {
  const char* name = Functions::name(algorithm);
  return name != nullptr ? name : "this algorithm";
}

// A UMAC nonce is at most an AES block (nettle asserts it).
constexpr size_t kUmacNonceMaximum = 16;

}  // namespace

template <class Functions>
size_t RunningDigest<Functions>::usable_length(Algorithm algorithm) {
  size_t length = Functions::length(algorithm);
  if (length == 0)
    throw GnutlsError(GNUTLS_E_UNKNOWN_ALGORITHM,
                      algorithm_name<Functions>(algorithm) + " has no implementation that gives output");
  return length;
}

template <class Functions>
void RunningDigest<Functions>::update(const void* data, size_t size) {
  int r = locked([&](Handle handle) { return Functions::update(handle, data, size); });
  if (r < 0) throw GnutlsError(r);
}

template <class Functions>
void RunningDigest<Functions>::output(void* out) {
  locked([&](Handle handle) { Functions::output(handle, out); });
}

template <class Functions>
auto RunningDigest<Functions>::copy_handle(const RunningDigest& other) -> Handle {
  std::lock_guard<std::mutex> lock(other.mutex_);
  Handle copy = Functions::copy(other.handle_);
  if (copy == nullptr)
    throw GnutlsError(GNUTLS_E_ILLEGAL_PARAMETER,
                      "GnuTLS cannot copy the state of " + algorithm_name<Functions>(other.algorithm_));
  return copy;
}

template class RunningDigest<HashFunctions>;
template class RunningDigest<HmacFunctions>;

namespace {

gnutls_hash_hd_t new_hash(gnutls_digest_algorithm_t algorithm) {
  Hash::usable_length(algorithm);
  gnutls_hash_hd_t handle = nullptr;
  int r = gnutls_hash_init(&handle, algorithm);
  if (r < 0) throw GnutlsError(r);
  return handle;
}

gnutls_hmac_hd_t new_hmac(gnutls_mac_algorithm_t algorithm, const void* key, size_t key_size) {
  Hmac::usable_length(algorithm);
  Hmac::check_key(algorithm, key_size);
  gnutls_hmac_hd_t handle = nullptr;
  int r = gnutls_hmac_init(&handle, algorithm, key, key_size);
  if (r < 0) throw GnutlsError(r);
  return handle;
}

}  // namespace

Hash::Hash(gnutls_digest_algorithm_t algorithm) : RunningDigest(algorithm, new_hash(algorithm)) {}

void Hash::direct(gnutls_digest_algorithm_t algorithm, const void* data, size_t size, void* out) {
  usable_length(algorithm);
  int r = gnutls_hash_fast(algorithm, data, size, out);
  if (r < 0) throw GnutlsError(r);
}

Hmac::Hmac(gnutls_mac_algorithm_t algorithm, const void* key, size_t key_size)
    : RunningDigest(algorithm, new_hmac(algorithm, key, key_size)) {}

void Hmac::check_key(gnutls_mac_algorithm_t algorithm, size_t key_size) {
  // The MACs numbered below GNUTLS_MAC_AEAD are HMACs over the digest of
  // the same number, and take a key of any length.
  if (algorithm < GNUTLS_MAC_AEAD) return;
  size_t wanted = gnutls_hmac_get_key_size(algorithm);
  if (key_size != wanted)
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST, algorithm_name<HmacFunctions>(algorithm) +
                                                    " takes a key of " + std::to_string(wanted) +
                                                    " bytes, not " + std::to_string(key_size));
}

void Hmac::set_nonce(const void* nonce, size_t size) {
  std::string name = algorithm_name<HmacFunctions>(algorithm());
  if (gnutls_mac_get_nonce_size(algorithm()) == 0)
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST, name + " takes no nonce");
  bool umac = algorithm() == GNUTLS_MAC_UMAC_96 || algorithm() == GNUTLS_MAC_UMAC_128;
  // GnuTLS ignores an empty nonce without saying so.
  if (size == 0 || (umac && size > kUmacNonceMaximum))
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST,
                      name + " takes a nonce of 1 to " +
                          (umac ? std::to_string(kUmacNonceMaximum) : "any number of") + " bytes, not " +
                          std::to_string(size));
  locked([&](gnutls_hmac_hd_t handle) { gnutls_hmac_set_nonce(handle, nonce, size); });
}

void Hmac::direct(gnutls_mac_algorithm_t algorithm, const void* key, size_t key_size, const void* data,
                  size_t size, void* out) {
  usable_length(algorithm);
  check_key(algorithm, key_size);
  int r = gnutls_hmac_fast(algorithm, key, key_size, data, size, out);
  if (r < 0) throw GnutlsError(r);
}

}  // namespace gg
