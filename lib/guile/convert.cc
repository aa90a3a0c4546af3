#include "convert.hh"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace gg {

ByteSpan bytevector_argument(SCM obj, int position) {
  if (!scm_is_bytevector(obj)) throw WrongTypeArgument(position, obj, "bytevector");
  return {reinterpret_cast<uint8_t*>(SCM_BYTEVECTOR_CONTENTS(obj)), SCM_BYTEVECTOR_LENGTH(obj)};
}

std::string string_argument(SCM obj, int position) {
  if (!scm_is_string(obj)) throw WrongTypeArgument(position, obj, "string");
  size_t length = 0;
  std::unique_ptr<char, decltype(&std::free)> text(scm_to_utf8_stringn(obj, &length), &std::free);
  return std::string(text.get(), length);
}

long integer_argument(SCM obj, int position, long low, long high) {
  if (!scm_is_exact_integer(obj)) throw WrongTypeArgument(position, obj, "exact integer");
  if (!scm_is_signed_integer(obj, low, high)) throw OutOfRange(position, obj);
  return scm_to_long(obj);
}

int fd_argument(SCM obj, int position) {
  if (SCM_OPFPORTP(obj)) return SCM_FPORT_FDES(obj);
  if (!scm_is_exact_integer(obj)) throw WrongTypeArgument(position, obj, "file descriptor");
  if (!scm_is_signed_integer(obj, 0, INT_MAX)) throw OutOfRange(position, obj);
  return scm_to_int(obj);
}

SCM procedure_argument(SCM obj, int position, bool allow_false) {
  if (allow_false && scm_is_false(obj)) return obj;
  if (!scm_is_true(scm_procedure_p(obj))) throw WrongTypeArgument(position, obj, "procedure");
  return obj;
}

SCM bytevector_from(const void* data, size_t size) {
  SCM bv = scm_c_make_bytevector(size);
  if (size > 0) std::memcpy(SCM_BYTEVECTOR_CONTENTS(bv), data, size);
  return bv;
}

}  // namespace gg
