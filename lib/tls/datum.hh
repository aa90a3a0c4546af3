// Data GnuTLS allocates for us or fills into buffers sized as it asks, and
// secret bytes this module holds: freed by their destructor, secrets wiped
// first so that no copy of a key or a plaintext outlives its use in freed
// memory.
#pragma once

#include <gnutls/gnutls.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace gg {

// Overwrite `size` bytes at `data` with zeros, in a way the compiler may
// not remove as a dead store.
inline void wipe(void* data, size_t size) {
  if (data != nullptr && size > 0) gnutls_memset(data, 0, size);
}

// A password or other secret text, wiped when it goes.
struct WipedString {
  std::string text;
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { wipe(text.data(), text.size()); }
};

// A datum GnuTLS allocated, freed with gnutls_free.  `Secret` datums (a
// raw private key, a decrypted message) are wiped before they are freed.
template <bool Secret>
class BasicOwnedDatum {
 public:
  BasicOwnedDatum() = default;
  BasicOwnedDatum(const BasicOwnedDatum&) = delete;
  BasicOwnedDatum& operator=(const BasicOwnedDatum&) = delete;
  ~BasicOwnedDatum() {
    if (Secret) wipe(datum_.data, datum_.size);
    gnutls_free(datum_.data);
  }
  gnutls_datum_t* out() { return &datum_; }  // for GnuTLS to fill
  const gnutls_datum_t& get() const { return datum_; }

 private:
  gnutls_datum_t datum_ = {nullptr, 0};
};

using OwnedDatum = BasicOwnedDatum<false>;
using SecretDatum = BasicOwnedDatum<true>;

// A buffer of secret bytes this module allocates (a copy of a key, a
// plaintext being assembled), wiped when it goes.
class SecretBytes {
 public:
  explicit SecretBytes(size_t size = 0) : bytes_(size) {}
  SecretBytes(const void* data, size_t size)
      : bytes_(static_cast<const unsigned char*>(data), static_cast<const unsigned char*>(data) + size) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() { wipe(bytes_.data(), bytes_.size()); }
  unsigned char* data() { return bytes_.data(); }
  const unsigned char* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }

 private:
  std::vector<unsigned char> bytes_;
};

// The result of a GnuTLS getter that fills a caller-sized buffer.
struct Filled {
  int result;
  std::vector<unsigned char> bytes;
};

// Calls `fill(buffer, &size)`, a GnuTLS getter of the kind that says how
// much room it needs, until the buffer is large enough.
template <class Fill>
Filled fill_buffer(Fill fill) {
  std::vector<unsigned char> buffer(256);
  for (;;) {
    size_t size = buffer.size();
    int r = fill(buffer.data(), &size);
    if (r == GNUTLS_E_SHORT_MEMORY_BUFFER && size > buffer.size()) {
      buffer.resize(size);
      continue;
    }
    if (r >= 0) buffer.resize(std::min(size, buffer.size()));
    return {r, std::move(buffer)};
  }
}

}  // namespace gg
