// Argument conversion that reports bad arguments as C++ exceptions, so
// that no Scheme error escapes while C++ objects are alive.
#pragma once

#include "guile/errors.hh"

#include <libguile.h>

#include <cstddef>
#include <cstdint>
#include <string>

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
SCM bytevector_from(const void* data, size_t size);
// A fresh SRFI-4 u8vector holding a copy of `data`: what guile-gnutls
// returned for binary data, so `u8vector?` holds and it prints as #u8(...).
// It is a bytevector too.
SCM u8vector_from(const void* data, size_t size);

}  // namespace gg
