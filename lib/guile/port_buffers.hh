// A port's buffers and source as Guile's own Scheme I/O code sees them,
// through (ice-9 ports internal): a buffer is a vector #(bytevector cur
// end has-eof? ...), and `port-read` is one read of the port's source.
// The transports use these to move bytes in the large chunks GnuTLS
// wants, whatever buffering the program gave the port.
#pragma once

#include <libguile.h>

#include <cstddef>

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
// Make [cur, end) of `buffer` hold `range`.
void set_buffered_range(SCM buffer, BufferedRange range);

// True if the port supports seeking: Guile then keeps its read and write
// buffers in step, and only its own I/O procedures may read it.
bool random_access_port(SCM port);

// One read of `port`'s source into `bytevector` at [start, start + count),
// bypassing the port's buffer, as Guile itself reads when it fills it: a
// count (0 at the end of the stream), or #f if the read would block.
SCM read_port_source(SCM port, SCM bytevector, size_t start, size_t count);

}  // namespace gg
