// Argument conversion that reports bad arguments as C++ exceptions, so
// that no Scheme error escapes while C++ objects are alive.
#pragma once

#include "errors.hh"

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

SCM bytevector_from(const void* data, size_t size);

}  // namespace gg
