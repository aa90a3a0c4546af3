// A port's buffers and source as Guile's own Scheme I/O code sees them,
// through (ice-9 ports internal): a buffer is a vector #(bytevector cur
// end has-eof? ...), and `port-read` is one read of the port's source.
// The transports use these to move bytes in the large chunks GnuTLS
// wants, whatever buffering the program gave the port.
#pragma once

#include <libguile.h>

#include <cstddef>
#include <utility>

namespace gg {

// Unconsumed bytes [cur, end) of a port buffer.
struct BufferedRange {
  size_t cur = 0, end = 0;
  size_t size() const { return end - cur; }
};

SCM port_read_buffer(SCM port);
SCM port_write_buffer(SCM port);

// The unconsumed bytes of `buffer`; empty if there are none or the buffer
// is not laid out as expected.
BufferedRange buffered_range(SCM buffer);
// The bytevector of `buffer`, or #f if it is not laid out as expected.
SCM buffer_bytevector(SCM buffer);
// How many bytes `buffer` can hold; 0 if it is not laid out as expected.
size_t buffer_capacity(SCM buffer);
// True if the port's last read of its source found its end, and nobody
// has consumed that end yet.
bool buffer_has_eof(SCM buffer);
// Make `bytes` the storage of the (empty) `buffer`.
void set_buffer_bytevector(SCM buffer, SCM bytes);
// Make [cur, end) of `buffer` hold `range`.
void set_buffered_range(SCM buffer, BufferedRange range);
// Move up to `size` of the unconsumed bytes of `buffer` to `target`, as a
// read of the port would; the count moved, 0 if there are none or they do
// not lie within the buffer's bytevector.
size_t take_buffered(SCM buffer, void* target, size_t size);

// The memory of a port's two buffers once use_lazy_buffer_memory moved
// them: anonymous pages, which the system provides only once they are
// written to.  Its owner must outlive every use of the port's buffers (the
// record port's session, whose finalizer closes the port): the collector
// finalizes objects that die together in no particular order.
class LazyBufferMemory {
 public:
  LazyBufferMemory() = default;
  LazyBufferMemory(LazyBufferMemory&& other) noexcept : memory_(other.memory_), size_(other.size_) {
    other.memory_ = nullptr;
  }
  LazyBufferMemory& operator=(LazyBufferMemory&& other) noexcept;
  LazyBufferMemory(const LazyBufferMemory&) = delete;
  LazyBufferMemory& operator=(const LazyBufferMemory&) = delete;
  ~LazyBufferMemory() { release(); }

 private:
  friend LazyBufferMemory use_lazy_buffer_memory(SCM port);
  void release() noexcept;
  void* memory_ = nullptr;
  size_t size_ = 0;
};

// Give the (empty) read and write buffers of `port` storage of the same
// sizes in lazily provided memory, so that a port that waits idle (one of
// a server's many connections) costs next to nothing for its buffers.
// The caller keeps what this returns as long as the port may be used;
// where the buffers cannot be moved, it holds nothing and they stay as
// they were.
LazyBufferMemory use_lazy_buffer_memory(SCM port);

// True if the port supports seeking: Guile then keeps its read and write
// buffers in step, and only its own I/O procedures may read it.
bool random_access_port(SCM port);

// One read of `port`'s source into `bytevector` at [start, start + count),
// bypassing the port's buffer, as Guile itself reads when it fills it: a
// count (0 at the end of the stream), or #f if the read would block.
SCM read_port_source(SCM port, SCM bytevector, size_t start, size_t count);

}  // namespace gg
