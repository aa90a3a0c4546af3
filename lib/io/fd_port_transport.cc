#include "io/fd_port_transport.hh"

#include "guile/without_guile.hh"
#include "io/descriptor_io.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gg::io {

namespace {

// Guile keeps a port's buffers as vectors #(bytevector cur end ...), which
// its own Scheme I/O code reads through (ice-9 ports internal).
struct PortBuffers {
  SCM read_buffer;   // procedure: port -> read buffer
  SCM write_buffer;  // procedure: port -> write buffer
};

const PortBuffers& port_buffers() {
  static const PortBuffers procedures = {
      scm_variable_ref(scm_c_public_lookup("ice-9 ports internal", "port-read-buffer")),
      scm_variable_ref(scm_c_public_lookup("ice-9 ports internal", "port-write-buffer")),
  };
  return procedures;
}

constexpr size_t kBytevectorField = 0, kCurField = 1, kEndField = 2;

// Unconsumed bytes [cur, end) of a port buffer; {0, 0} if it is empty or
// not laid out as expected.
struct BufferedRange {
  size_t cur = 0, end = 0;
  size_t size() const { return end - cur; }
};

BufferedRange buffered_range(SCM buffer) {
  if (!scm_is_vector(buffer) || scm_c_vector_length(buffer) <= kEndField) return {};
  SCM cur = scm_c_vector_ref(buffer, kCurField);
  SCM end = scm_c_vector_ref(buffer, kEndField);
  if (!scm_is_unsigned_integer(cur, 0, SIZE_MAX) || !scm_is_unsigned_integer(end, 0, SIZE_MAX)) return {};
  BufferedRange range{scm_to_size_t(cur), scm_to_size_t(end)};
  return range.end > range.cur ? range : BufferedRange{};
}

// Move up to `size` bytes from the port's read buffer to `target`.
size_t take_buffered_input(SCM port, void* target, size_t size) {
  SCM buffer = scm_call_1(port_buffers().read_buffer, port);
  BufferedRange range = buffered_range(buffer);
  if (range.size() == 0) return 0;
  SCM bytes = scm_c_vector_ref(buffer, kBytevectorField);
  size_t n = std::min(size, range.size());
  if (!scm_is_bytevector(bytes) || range.cur + n > SCM_BYTEVECTOR_LENGTH(bytes)) return 0;
  std::memcpy(target, SCM_BYTEVECTOR_CONTENTS(bytes) + range.cur, n);
  scm_c_vector_set_x(buffer, kCurField, scm_from_size_t(range.cur + n));
  return n;
}

bool has_buffered_output(SCM port) {
  return buffered_range(scm_call_1(port_buffers().write_buffer, port)).size() > 0;
}

// The exception Guile's file ports raise for a failed read or write.
CapturedException system_error(const char* port_procedure, int error) {
  return CapturedException(
      scm_from_utf8_symbol("system-error"),
      scm_list_4(scm_from_utf8_string(port_procedure), scm_from_utf8_string("~A"),
                 scm_list_1(scm_strerror(scm_from_int(error))), scm_list_1(scm_from_int(error))));
}

}  // namespace

template <class Attempt>
IoResult FdPortTransport::direct(bool pushing, Attempt attempt) {
  IoResult r = without_guile(attempt);
  // EINTR goes back to the session, which runs the program's signal
  // handlers once GnuTLS has returned (see FdTransport::pull).
  if (r.error != 0 && !r.would_block() && r.error != EINTR) {
    keep(pushing, system_error(pushing ? "fport_write" : "fport_read", r.error));
    return IoResult::failure(EIO);
  }
  return r;
}

IoResult FdPortTransport::pull(void* buffer, size_t size) {
  SCM p = port();
  // A closed port raises its own error through the Guile path.
  if (!SCM_OPINFPORTP(p)) return PortTransport::pull(buffer, size);
  size_t buffered = 0;
  if (CapturedException e =
          CapturedException::run([&] { buffered = take_buffered_input(p, buffer, size); })) {
    keep_pull_exception(std::move(e));
    return IoResult::failure(EIO);
  }
  if (buffered > 0) return IoResult::bytes(static_cast<ssize_t>(buffered));

  // A non-blocking descriptor reports "would block", as with FdTransport.
  int fd = SCM_FPORT_FDES(p);
  return direct(false, [&] { return receive_once(fd, buffer, size, is_socket_); });
}

IoResult FdPortTransport::push(const giovec_t* iov, int iovcnt) {
  SCM p = port();
  if (!SCM_OPOUTFPORTP(p)) return PortTransport::push(iov, iovcnt);
  // Whatever the program wrote on the port itself goes out first.
  if (CapturedException e = CapturedException::run([&] {
        if (has_buffered_output(p)) scm_flush(p);
      })) {
    keep_push_exception(std::move(e));
    return IoResult::failure(EIO);
  }

  int fd = SCM_FPORT_FDES(p);
  return direct(true, [&] { return send_once(fd, iov, iovcnt, is_socket_, push_waits()); });
}

std::unique_ptr<PortTransport> transport_for_port(SCM port) {
  if (SCM_OPFPORTP(port)) return std::make_unique<FdPortTransport>(port);
  return std::make_unique<PortTransport>(port);
}

}  // namespace gg::io
