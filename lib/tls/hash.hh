// Running digests (Hash) and MACs (Hmac) over GnuTLS's hash and hmac
// contexts.  Both are one template: a context, its algorithm, and a mutex,
// since GnuTLS contexts are not safe to use from two threads at once and a
// race on one would write past its buffers.
#pragma once

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <cstddef>
#include <mutex>

namespace gg {

// What a running digest of one kind calls in GnuTLS.
struct HashFunctions {
  using Handle = gnutls_hash_hd_t;
  using Algorithm = gnutls_digest_algorithm_t;
  static constexpr auto update = gnutls_hash;
  static constexpr auto output = gnutls_hash_output;
  static constexpr auto deinit = gnutls_hash_deinit;
  static constexpr auto copy = gnutls_hash_copy;
  static constexpr auto length = gnutls_hash_get_len;
  static constexpr auto name = gnutls_digest_get_name;
};

struct HmacFunctions {
  using Handle = gnutls_hmac_hd_t;
  using Algorithm = gnutls_mac_algorithm_t;
  static constexpr auto update = gnutls_hmac;
  static constexpr auto output = gnutls_hmac_output;
  static constexpr auto deinit = gnutls_hmac_deinit;  // GnuTLS clears the key state
  static constexpr auto copy = gnutls_hmac_copy;
  static constexpr auto length = gnutls_hmac_get_len;
  static constexpr auto name = gnutls_mac_get_name;
};

// The tag of the constructor that copies a running digest's state.
struct CopyOf {};

template <class Functions>
class RunningDigest {
 public:
  using Handle = typename Functions::Handle;
  using Algorithm = typename Functions::Algorithm;

  RunningDigest(const RunningDigest&) = delete;
  RunningDigest& operator=(const RunningDigest&) = delete;
  ~RunningDigest() { Functions::deinit(handle_, nullptr); }

  Algorithm algorithm() const { return algorithm_; }
  size_t length() const { return length_of(algorithm_); }
  // The output length of `algorithm`, 0 if GnuTLS does not know it.
  static size_t length_of(Algorithm algorithm) { return Functions::length(algorithm); }

  void update(const void* data, size_t size);
  // Write the length() bytes of the digest of what was fed so far to
  // `out`; GnuTLS then starts over, as on a fresh context.
  void output(void* out);

  // The output length of `algorithm`; GnutlsError(unknown-algorithm) if it
  // has none (no implementation, or not usable on its own), as GnuTLS
  // would otherwise write a digest into a buffer of no bytes.
  static size_t usable_length(Algorithm algorithm);

 protected:
  RunningDigest(Algorithm algorithm, Handle handle) : algorithm_(algorithm), handle_(handle) {}
  // A new context holding a copy of `other`'s state.
  static Handle copy_handle(const RunningDigest& other);
  // Call `call` with the context, which no other thread uses meanwhile.
  template <class Call>
  auto locked(Call call) {
    std::lock_guard<std::mutex> lock(mutex_);
    return call(handle_);
  }

 private:
  Algorithm algorithm_;
  Handle handle_;
  mutable std::mutex mutex_;
};

class Hash : public RunningDigest<HashFunctions> {
 public:
  explicit Hash(gnutls_digest_algorithm_t algorithm);
  Hash(CopyOf, const Hash& other) : RunningDigest(other.algorithm(), copy_handle(other)) {}

  // The digest of `data` in one step, into usable_length(algorithm) bytes at `out`.
  static void direct(gnutls_digest_algorithm_t algorithm, const void* data, size_t size, void* out);
};

class Hmac : public RunningDigest<HmacFunctions> {
 public:
  Hmac(gnutls_mac_algorithm_t algorithm, const void* key, size_t key_size);
  Hmac(CopyOf, const Hmac& other) : RunningDigest(other.algorithm(), copy_handle(other)) {}

  // For the MACs that take a nonce (UMAC, GMAC); GnutlsError otherwise or
  // for a nonce of a length the algorithm cannot take.
  void set_nonce(const void* nonce, size_t size);

  // The MAC of `data` under `key` in one step (not for MACs that take a
  // nonce: GnuTLS refuses them), into usable_length(algorithm) bytes.
  static void direct(gnutls_mac_algorithm_t algorithm, const void* key, size_t key_size, const void* data,
                     size_t size, void* out);

  // Refuse, with GnutlsError, a key whose length `algorithm` cannot take.
  // The cipher-based MACs (CMAC, GMAC, UMAC, the GOST ones) abort the
  // process, or read past the key, on any other length than theirs.
  static void check_key(gnutls_mac_algorithm_t algorithm, size_t key_size);
};

}  // namespace gg
