#include "convert.hh"

#include <langinfo.h>

#include <climits>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

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

gnutls_datum_t datum_argument(SCM obj, int position) {
  ByteSpan bytes = bytevector_argument(obj, position);
  if (bytes.size > UINT_MAX) throw OutOfRange(position, obj);
  return {bytes.data, static_cast<unsigned>(bytes.size)};
}

std::string c_string_argument(SCM obj, int position) {
  std::string text = string_argument(obj, position);
  if (text.find('\0') != std::string::npos) throw OutOfRange(position, obj);
  return text;
}

std::string locale_string_argument(SCM obj, int position) {
  if (!scm_is_string(obj)) throw WrongTypeArgument(position, obj, "string");
  size_t length = 0;
  std::unique_ptr<char, decltype(&std::free)> bytes(
      scm_to_stringn(obj, &length, nl_langinfo(CODESET), SCM_FAILED_CONVERSION_QUESTION_MARK), &std::free);
  return std::string(bytes.get(), length);
}

FileName file_name_argument(SCM obj, int position) {
  // A name the locale cannot encode then fails as a missing file.
  std::string name = locale_string_argument(obj, position);
  if (name.find('\0') != std::string::npos) throw OutOfRange(position, obj);
  return {obj, name};
}

SCM user_name_from(const char* name) {
  if (name == nullptr) return SCM_BOOL_F;
  return scm_from_stringn(name, std::strlen(name), "UTF-8", SCM_FAILED_CONVERSION_QUESTION_MARK);
}

SCM bytevector_from(const void* data, size_t size) {
  SCM bv = scm_c_make_bytevector(size);
  if (size > 0) std::memcpy(SCM_BYTEVECTOR_CONTENTS(bv), data, size);
  return bv;
}

SCM u8vector_from(const void* data, size_t size) {
  SCM vector = scm_make_u8vector(scm_from_size_t(size), SCM_UNDEFINED);
  if (size > 0) std::memcpy(SCM_BYTEVECTOR_CONTENTS(vector), data, size);
  return vector;
}

namespace {

// The size of a block of wiped bytes is kept just before them, for the
// finalizer; the header keeps the bytes aligned as malloc's are.
constexpr size_t kSizeHeader = alignof(std::max_align_t);

void wipe_and_free(void* data) {
  auto* block = static_cast<unsigned char*>(data) - kSizeHeader;
  size_t size = 0;
  std::memcpy(&size, block, sizeof size);
  explicit_bzero(block, kSizeHeader + size);
  std::free(block);
}

}  // namespace

unsigned char* allocate_wiped_bytes(size_t size) {
  if (size > SIZE_MAX - kSizeHeader) throw std::bad_alloc();
  auto* block = static_cast<unsigned char*>(std::malloc(kSizeHeader + size));
  if (block == nullptr) throw std::bad_alloc();
  std::memcpy(block, &size, sizeof size);
  return block + kSizeHeader;
}

void free_wiped_bytes(unsigned char* data) { wipe_and_free(data); }

SCM adopt_wiped_bytes(unsigned char* data, size_t size) {
  scm_gc_register_allocation(size);
  // The bytevector keeps the pointer object, whose finalizer frees the bytes.
  return scm_pointer_to_bytevector(scm_from_pointer(data, wipe_and_free), scm_from_size_t(size), SCM_INUM0,
                                   scm_from_utf8_symbol("vu8"));
}

}  // namespace gg
