#include "port_buffers.hh"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <sys/mman.h>

namespace gg {

namespace {

struct PortInternals {
  SCM read_buffer;    // port -> read buffer
  SCM write_buffer;   // port -> write buffer
  SCM random_access;  // port -> boolean
  SCM read;           // port -> the port type's read procedure
};

const PortInternals& internals() {
  static const PortInternals procedures = {
      scm_variable_ref(scm_c_public_lookup("ice-9 ports internal", "port-read-buffer")),
      scm_variable_ref(scm_c_public_lookup("ice-9 ports internal", "port-write-buffer")),
      scm_variable_ref(scm_c_public_lookup("ice-9 ports internal", "port-random-access?")),
      scm_variable_ref(scm_c_public_lookup("ice-9 ports internal", "port-read")),
  };
  return procedures;
}

constexpr size_t kBytevectorField = 0, kCurField = 1, kEndField = 2, kHasEofField = 3;

bool laid_out(SCM buffer) { return scm_is_vector(buffer) && scm_c_vector_length(buffer) > kHasEofField; }

}  // namespace

SCM port_read_buffer(SCM port) { return scm_call_1(internals().read_buffer, port); }
SCM port_write_buffer(SCM port) { return scm_call_1(internals().write_buffer, port); }

BufferedRange buffered_range(SCM buffer) {
  if (!laid_out(buffer)) return {};
  SCM cur = scm_c_vector_ref(buffer, kCurField);
  SCM end = scm_c_vector_ref(buffer, kEndField);
  if (!scm_is_unsigned_integer(cur, 0, SIZE_MAX) || !scm_is_unsigned_integer(end, 0, SIZE_MAX)) return {};
  BufferedRange range{scm_to_size_t(cur), scm_to_size_t(end)};
  return range.end > range.cur ? range : BufferedRange{};
}

SCM buffer_bytevector(SCM buffer) {
  if (!laid_out(buffer)) return SCM_BOOL_F;
  SCM bytes = scm_c_vector_ref(buffer, kBytevectorField);
  return scm_is_bytevector(bytes) ? bytes : SCM_BOOL_F;
}

size_t buffer_capacity(SCM buffer) {
  SCM bytes = buffer_bytevector(buffer);
  return scm_is_false(bytes) ? 0 : SCM_BYTEVECTOR_LENGTH(bytes);
}

bool buffer_has_eof(SCM buffer) {
  return laid_out(buffer) && scm_is_true(scm_c_vector_ref(buffer, kHasEofField));
}

void set_buffer_bytevector(SCM buffer, SCM bytes) { scm_c_vector_set_x(buffer, kBytevectorField, bytes); }

void set_buffered_range(SCM buffer, BufferedRange range) {
  scm_c_vector_set_x(buffer, kCurField, scm_from_size_t(range.cur));
  scm_c_vector_set_x(buffer, kEndField, scm_from_size_t(range.end));
}

size_t take_buffered(SCM buffer, void* target, size_t size) {
  BufferedRange range = buffered_range(buffer);
  SCM bytes = buffer_bytevector(buffer);
  if (range.size() == 0 || scm_is_false(bytes) || range.end > SCM_BYTEVECTOR_LENGTH(bytes)) return 0;
  size_t n = std::min(size, range.size());
  std::memcpy(target, SCM_BYTEVECTOR_CONTENTS(bytes) + range.cur, n);
  set_buffered_range(buffer, {range.cur + n, range.end});
  return n;
}

LazyBufferMemory& LazyBufferMemory::operator=(LazyBufferMemory&& other) noexcept {
  if (this != &other) {
    release();
    memory_ = other.memory_;
    size_ = other.size_;
    other.memory_ = nullptr;
  }
  return *this;
}

void LazyBufferMemory::release() noexcept {
  if (memory_ != nullptr) munmap(memory_, size_);
  memory_ = nullptr;
}

LazyBufferMemory use_lazy_buffer_memory(SCM port) {
  LazyBufferMemory owner;
  SCM read_buffer = port_read_buffer(port);
  SCM write_buffer = port_write_buffer(port);
  SCM read_bytes = buffer_bytevector(read_buffer);
  SCM write_bytes = buffer_bytevector(write_buffer);
  if (scm_is_false(read_bytes) || scm_is_false(write_bytes)) return owner;
  if (buffered_range(read_buffer).size() > 0 || buffered_range(write_buffer).size() > 0) return owner;
  size_t read_size = SCM_BYTEVECTOR_LENGTH(read_bytes);
  size_t write_size = SCM_BYTEVECTOR_LENGTH(write_bytes);
  // Anonymous pages are zero pages until written to: unlike memory from
  // malloc or the collector, nothing here touches them.
  void* memory =
      mmap(nullptr, read_size + write_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return owner;
  owner.memory_ = memory;
  owner.size_ = read_size + write_size;
  // The collector paces itself by what it allocates: count these too.
  scm_gc_register_allocation(owner.size_);
  SCM pointer = scm_from_pointer(memory, nullptr);
  scm_c_vector_set_x(
      read_buffer, kBytevectorField,
      scm_pointer_to_bytevector(pointer, scm_from_size_t(read_size), SCM_INUM0, SCM_UNDEFINED));
  scm_c_vector_set_x(write_buffer, kBytevectorField,
                     scm_pointer_to_bytevector(pointer, scm_from_size_t(write_size),
                                               scm_from_size_t(read_size), SCM_UNDEFINED));
  return owner;
}

bool random_access_port(SCM port) { return scm_is_true(scm_call_1(internals().random_access, port)); }

SCM read_port_source(SCM port, SCM bytevector, size_t start, size_t count) {
  SCM read = scm_call_1(internals().read, port);
  return scm_call_4(read, port, bytevector, scm_from_size_t(start), scm_from_size_t(count));
}

}  // namespace gg
