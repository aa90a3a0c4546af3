// Argument conversion that reports bad arguments as C++ exceptions, so
// that no Scheme error escapes while C++ objects are alive.
#pragma once

#include "errors.hh"

#include <gnutls/gnutls.h>
#include <libguile.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gg {

// Bytes of a bytevector (SRFI-4 u8vectors are bytevectors).  The pointer
// stays valid while the argument is referenced (Guile does not move objects).
struct ByteSpan {
  uint8_t* data;
  size_t size;
};

ByteSpan bytevector_argument(SCM obj, int position);
std::string string_argument(SCM obj, int position);
// An exact integer in [low, high].
long integer_argument(SCM obj, int position, long low, long high);
// A file descriptor: a non-negative integer, or a file port's descriptor.
int fd_argument(SCM obj, int position);
// A procedure (or #f when `allow_false`).
SCM procedure_argument(SCM obj, int position, bool allow_false = false);

// A plain bytevector; binary results Scheme sees are made with
// u8vector_from, as guile-gnutls made them.
// A datum over the bytes of bytevector argument `obj` (valid while `obj`
// is referenced); OutOfRange if it is too large for GnuTLS.
gnutls_datum_t datum_argument(SCM obj, int position);

// A string GnuTLS takes as a C string (a user name, a password): UTF-8,
// without NUL characters (OutOfRange otherwise).
std::string c_string_argument(SCM obj, int position);

// A string in the encoding Guile's own file procedures use (the locale's),
// with characters it cannot encode replaced by question marks: never a
// Scheme error from C++, and any name `open-file' accepts works here.
std::string locale_string_argument(SCM obj, int position);

// A file name as Guile's own file procedures encode it (see
// locale_string_argument), without NUL characters (OutOfRange otherwise).
struct FileName {
  SCM given;          // the Scheme string, for error messages
  std::string bytes;  // what the system is given
};
FileName file_name_argument(SCM obj, int position);

// A fresh plain bytevector holding a copy of `data`.  The 3.7 surface
// returns u8vectors only; the 5.0 additions (hashes, ciphers, keys) return
// bytevectors where upstream does.
SCM bytevector_from(const void* data, size_t size);
// A fresh SRFI-4 u8vector holding a copy of `data`: what guile-gnutls
// returned for binary data, so `u8vector?` holds and it prints as #u8(...).
// It is a bytevector too.
SCM u8vector_from(const void* data, size_t size);

// A new bytevector of `size` bytes that `fill(data)` writes, for outputs
// that may be secret (plaintexts, random keys) or large: its bytes are
// allocated outside the GC heap (and told to the collector), so a request
// larger than the memory left is std::bad_alloc rather than an abort, and a
// bulk loop neither collects nor faults fresh pages on every call; they are
// wiped when the bytevector is collected.  If `fill` throws, the bytes are
// wiped and freed, and the exception goes on.
unsigned char* allocate_wiped_bytes(size_t size);
void free_wiped_bytes(unsigned char* data);
SCM adopt_wiped_bytes(unsigned char* data, size_t size);
template <class Fill>
SCM wiped_bytevector(size_t size, Fill fill) {
  unsigned char* data = allocate_wiped_bytes(size);
  try {
    fill(data);
  } catch (...) {
    free_wiped_bytes(data);
    throw;
  }
  return adopt_wiped_bytes(data, size);
}

// A user name a peer sent, as a string, or #f for null.  Bytes that are
// not UTF-8 become question marks rather than an error.
SCM user_name_from(const char* name);

}  // namespace gg
