#include "port_transport.hh"

#include "descriptor_io.hh"
#include "fd_transport.hh"
#include "port_buffers.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace gg::io {

namespace {

// The most a pull reads or a push writes in one call into Scheme: several
// records.
constexpr size_t kChunkSize = 65536;
// The least size of a port's read buffer once the transport fills it: the
// largest record GnuTLS may receive (2^14 bytes of data, 2048 of
// expansion, the 5-byte header), so that most records take one read of
// the source.  Larger saves nothing measurable and costs each session over
// a custom port its size.
constexpr size_t kReadBufferSize = 20 * 1024;

// A bytevector of at least `size` bytes kept in `slot`, made on first use.
SCM scratch(ProtectedObject& slot, size_t size) {
  if (!slot || SCM_BYTEVECTOR_LENGTH(slot.get()) < size) slot = ProtectedObject(scm_c_make_bytevector(size));
  return slot.get();
}

}  // namespace

// A file port over a non-blocking descriptor: Guile's port machinery would
// wait in C when the descriptor has nothing to give or take, so the
// transport reports "would block" to GnuTLS instead; -1 otherwise.
int PortTransport::nonblocking_fd() const {
  int fd = wait_fd();
  return fd >= 0 && is_nonblocking(fd) ? fd : -1;
}

IoResult PortTransport::pull(void* buffer, size_t size) {
  IoResult result;
  if (nonblocking_fd() >= 0) {
    // char-ready? sees both the port's buffer and the descriptor.
    bool ready = true;
    exception_ = CapturedException::run([&] { ready = scm_is_true(scm_char_ready_p(port_)); });
    if (exception_) return IoResult::failure(EIO);
    if (!ready) return IoResult::failure(EAGAIN);
  }
  exception_ = CapturedException::run([&] {
    if (std::optional<IoResult> taken = take_directly(buffer, size)) {
      result = *taken;
      return;
    }
    // GnuTLS's buffer is lent to Guile as a bytevector so that whatever
    // the port has buffered, or one read of its source, lands there
    // directly; Guile copies into it and keeps no reference.
    SCM target = scm_pointer_to_bytevector(scm_from_pointer(buffer, nullptr), scm_from_size_t(size),
                                           SCM_INUM0, SCM_UNDEFINED);
    SCM n = scm_get_bytevector_some_x(port_, target, SCM_INUM0, scm_from_size_t(size));
    result = IoResult::bytes(SCM_EOF_OBJECT_P(n) ? 0 : scm_to_ssize_t(n));
  });
  if (exception_) return IoResult::failure(EIO);
  return result;
}

IoResult PortTransport::push(const giovec_t* iov, int iovcnt) {
  if (int fd = nonblocking_fd(); fd >= 0) {
    // Bytes written to the port earlier go first (normally there are none:
    // every push flushes); then the descriptor takes what it can.
    push_exception_ = CapturedException::run([&] { scm_force_output(port_); });
    if (push_exception_) return IoResult::failure(EIO);
    return FdTransport(fd).push(iov, iovcnt);
  }
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
  // Flushing after each push means GnuTLS never waits for an answer to
  // bytes still sitting in the port's buffer.
  push_exception_ = CapturedException::run([&] {
    if (SCM_OPOUTPORTP(port_) && total > buffer_capacity(port_write_buffer(port_))) {
      write_gathered(iov, iovcnt, total);
    } else {
      for (int i = 0; i < iovcnt; ++i) scm_c_write(port_, iov[i].iov_base, iov[i].iov_len);
    }
    scm_force_output(port_);
  });
  if (push_exception_) return IoResult::failure(EIO);
  return IoResult::bytes(static_cast<ssize_t>(total));
}

// Guile fills a port's buffer with reads of the buffer's size (1 KiB for
// a custom port), and GnuTLS pulls a record's 5-byte header and then its
// body: through Guile's procedures, a record would take several calls into
// Scheme and a bytevector made for each pull.  Instead the transport
// fills the port's buffer itself, growing it to hold a whole record if it
// is smaller, and copies from it: the bytes GnuTLS has not
// asked for yet stay the port's, and whoever reads the port after the
// session ends finds them.  An unbuffered port (setvbuf 'none) reads no
// further than it is asked: its source gets one read of what GnuTLS asks
// for, so that the bytes after the TLS stream stay in the source.
// Seekable ports keep their read and write buffers in step, and a buffer
// that holds the end of the stream must be consumed as Guile does it: both
// are left to Guile (nullopt).
std::optional<IoResult> PortTransport::take_directly(void* buffer, size_t size) {
  if (!SCM_OPINPORTP(port_) || random_access()) return std::nullopt;
  SCM read_buffer = port_read_buffer(port_);
  if (size_t taken = take_buffered(read_buffer, buffer, size))
    return IoResult::bytes(static_cast<ssize_t>(taken));
  SCM bytes = buffer_bytevector(read_buffer);
  // A buffer not laid out as expected, or holding the end of the stream.
  if (scm_is_false(bytes) || buffered_range(read_buffer).size() > 0 || buffer_has_eof(read_buffer))
    return std::nullopt;
  if (SCM_BYTEVECTOR_LENGTH(bytes) <= 1) return read_source(buffer, size);
  if (SCM_BYTEVECTOR_LENGTH(bytes) < kReadBufferSize) {
    bytes = scm_c_make_bytevector(kReadBufferSize);
    set_buffer_bytevector(read_buffer, bytes);
  }
  size_t capacity = SCM_BYTEVECTOR_LENGTH(bytes);
  SCM got = read_port_source(port_, bytes, 0, capacity);
  if (scm_is_false(got)) return IoResult::failure(EAGAIN);
  // A port type that claims more than it was asked for raises here.
  set_buffered_range(read_buffer, {0, scm_to_unsigned_integer(got, 0, capacity)});
  // Nothing to take is the end of the stream.
  return IoResult::bytes(static_cast<ssize_t>(take_buffered(read_buffer, buffer, size)));
}

// One read of the port's source, of at most `size` bytes, through a
// bytevector of the transport's own.
IoResult PortTransport::read_source(void* buffer, size_t size) {
  size_t wanted = std::min(size, kChunkSize);
  SCM bytes = scratch(read_scratch_, wanted);
  SCM got = read_port_source(port_, bytes, 0, wanted);
  if (scm_is_false(got)) return IoResult::failure(EAGAIN);
  // A port type that claims more than it was asked for raises here.
  size_t count = scm_to_unsigned_integer(got, 0, wanted);
  std::memcpy(buffer, SCM_BYTEVECTOR_CONTENTS(bytes), count);
  return IoResult::bytes(static_cast<ssize_t>(count));
}

// A port's type, and so whether it can seek, is fixed when it is made.
bool PortTransport::random_access() const {
  if (!random_access_) random_access_ = random_access_port(port_);
  return *random_access_;
}

// Through the port's buffer, a push larger than it would reach the port's
// source one buffer at a time; gathered, it goes in one write.
void PortTransport::write_gathered(const giovec_t* iov, int iovcnt, size_t total) {
  SCM bytes = scratch(write_scratch_, std::min(total, kChunkSize));
  size_t capacity = SCM_BYTEVECTOR_LENGTH(bytes), filled = 0;
  auto* target = reinterpret_cast<unsigned char*>(SCM_BYTEVECTOR_CONTENTS(bytes));
  for (int i = 0; i < iovcnt; ++i) {
    const auto* source = static_cast<const unsigned char*>(iov[i].iov_base);
    size_t left = iov[i].iov_len;
    while (left > 0) {
      size_t n = std::min(left, capacity - filled);
      std::memcpy(target + filled, source, n);
      filled += n;
      source += n;
      left -= n;
      if (filled == capacity) {
        scm_c_write_bytes(port_, bytes, 0, filled);
        filled = 0;
      }
    }
  }
  if (filled > 0) scm_c_write_bytes(port_, bytes, 0, filled);
}

int PortTransport::wait_fd() const {
  // Only file ports have a descriptor; scm_fileno would throw otherwise.
  if (SCM_OPFPORTP(port_)) return SCM_FPORT_FDES(port_);
  return -1;
}

int PortTransport::wait_readable(unsigned ms) {
  // Bytes already in the port's buffer are invisible to poll: ask the port
  // first.  Ports without a descriptor report readiness and let the read
  // itself wait.
  bool ready = true;
  exception_ = CapturedException::run([&] { ready = scm_is_true(scm_char_ready_p(port_)); });
  if (exception_) {
    errno = EIO;
    return -1;
  }
  int fd = wait_fd();
  if (ready || fd < 0) return 1;
  if (is_nonblocking(fd)) {  // never wait on a non-blocking descriptor
    errno = EAGAIN;
    return -1;
  }
  // EINTR: see FdTransport::pull
  return wait_ready(fd, false, ms);
}
}  // namespace gg::io
