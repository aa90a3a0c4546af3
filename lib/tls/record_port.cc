// The record port moves bytes between Guile's port buffers and the TLS
// record layer; buffering policy stays with Guile's port machinery.  Reads
// fill a whole record at a time, writes coalesce into full records, and
// pending output is sent before the port waits for input, so interactive
// protocols work without force-output.
#include "record_port.hh"

#include "boundary.hh"
#include "captured_exception.hh"
#include "convert.hh"
#include "descriptor_io.hh"
#include "fd_transport.hh"
#include "foreign.hh"
#include "port_buffers.hh"
#include "procedures.hh"

namespace gg {

namespace {

scm_t_port_type* record_port_type = nullptr;

// Nearly the largest TLS record payload: (almost) a record per read, full
// records on write.  16384 plus a bytevector header would cost the garbage
// collector 20 KiB per buffer; this size fits in 16 KiB exactly.
constexpr size_t kRecordSize = 16384 - 64;

// The port's stream, in GC-scanned memory the port refers to: the
// session (so that it, its credentials and transport live as long as the
// port is reachable) and the close procedure, or #f.  The close procedure
// lives in the port, not in the session: when both are collected together
// their finalizers run in any order, and a close procedure kept in an
// already finalized session would never be called.
struct RecordPortStream {
  SCM session;
  SCM close;
};

RecordPortStream& port_stream(SCM port) { return *reinterpret_cast<RecordPortStream*>(SCM_STREAM(port)); }
SCM port_session(SCM port) { return port_stream(port).session; }

// True when waiting for the transport is the program's business: the
// session was made with connection-flag/nonblock or its descriptor is in
// non-blocking mode.
bool transport_nonblocking(Session& s) {
  if (s.nonblocking()) return true;
  std::shared_ptr<io::Transport> transport = s.shared_transport();
  int fd = transport == nullptr ? -1 : transport->wait_fd();
  return fd >= 0 && io::is_nonblocking(fd);
}

// Send the output pending in `port`'s write buffer as far as the transport
// takes it without waiting; true if nothing is left.  Guile's own flush
// would wait in C, stalling every task of a suspendable-ports scheduler.
// The unsent bytes stay in the buffer, where GnuTLS's retry finds them.
bool flush_without_waiting(SCM port, Session& s) {
  SCM buffer = port_write_buffer(port);
  SCM bytevector = buffer_bytevector(buffer);
  if (scm_is_false(bytevector)) return true;  // not a buffer Guile made
  BufferedRange pending = buffered_range(buffer);
  auto* bytes = SCM_BYTEVECTOR_CONTENTS(bytevector);
  while (pending.size() > 0) {
    int r = s.send(bytes + pending.cur, pending.size());
    if (r == GNUTLS_E_AGAIN) {
      set_buffered_range(buffer, pending);
      return false;
    }
    if (r < 0) {
      set_buffered_range(buffer, {});  // errors are sticky, as in Guile's flush
      s.fail(r);
    }
    pending.cur += static_cast<size_t>(r);
  }
  set_buffered_range(buffer, {});
  return true;
}

size_t read_record(SCM port, SCM dst, size_t start, size_t count) {
  // Whatever the program wrote must reach the peer before we wait for its
  // answer: the display-then-read idiom needs no force-output.
  // Only output waiting to be sent asks how to send it: whether the
  // transport is non-blocking costs a system call, one per record else.
  SCM session = port_session(port);
  bool has_output = buffered_range(port_write_buffer(port)).size() > 0;
  Session* maybe = has_output ? Foreign<Session>::unwrap(session) : nullptr;
  bool nonblocking = maybe != nullptr && transport_nonblocking(*maybe);
  if (has_output && !nonblocking) scm_flush(port);
  return guarded(kSessionRecordPortName, [&]() -> size_t {
    Session& s = session_argument(session, 1);
    bool output_stuck = nonblocking && !flush_without_waiting(port, s);
    s.forget_blocked_read();
    int r = s.receive(SCM_BYTEVECTOR_CONTENTS(dst) + start, count);
    if (r >= 0) return static_cast<size_t>(r);
    if (r == GNUTLS_E_AGAIN) {  // would block
      s.note_blocked_read(output_stuck || gnutls_record_get_direction(s.get()) == 1);
      return static_cast<size_t>(-1);
    }
    s.fail(r);
  });
}

size_t write_record(SCM port, SCM src, size_t start, size_t count) {
  SCM session = port_session(port);
  return guarded(kSessionRecordPortName, [&]() -> size_t {
    Session& s = session_argument(session, 1);
    int r = s.send(SCM_BYTEVECTOR_CONTENTS(src) + start, count);
    if (r >= 0) return static_cast<size_t>(r);
    if (r == GNUTLS_E_AGAIN) return static_cast<size_t>(-1);
    s.fail(r);
  });
}

int transport_wait_fd(SCM port) {
  Session* s = Foreign<Session>::unwrap(port_session(port));
  if (s == nullptr) return -1;
  // Not inside a session operation: another thread may replace the
  // transport meanwhile, so hold on to it.
  std::shared_ptr<io::Transport> transport = s->shared_transport();
  return transport == nullptr ? -1 : transport->wait_fd();
}

// Suspendable ports (and Fibers) wait for a read by polling this fd for
// input; see Session::record_read_wait_fd for when that is not enough.
int read_wait_fd(SCM port) {
  int fd = transport_wait_fd(port);
  Session* s = Foreign<Session>::unwrap(port_session(port));
  return s == nullptr ? fd : s->record_read_wait_fd(fd);
}

int input_waiting(SCM port) {
  Session* s = Foreign<Session>::unwrap(port_session(port));
  if (s == nullptr) return 0;
  if (gnutls_record_check_pending(s->get()) > 0) return 1;
  int fd = transport_wait_fd(port);
  if (fd < 0) return 1;  // cannot tell: let the read wait
  return io::wait_ready(fd, false, 0) > 0 ? 1 : 0;
}

void natural_buffer_sizes(SCM, size_t* read_size, size_t* write_size) {
  *read_size = kRecordSize;
  *write_size = kRecordSize;
}

// Called on close-port, and by close_collected_record_port.  The session
// may already be finalized: the close procedure stashed the port once.
void close_record_port(SCM port) {
  SCM close = port_stream(port).close;
  if (scm_is_true(close)) scm_call_1(close, port);
}

// Forget the output pending in `port`'s write buffer.
void drop_pending_output(SCM port) { set_buffered_range(port_write_buffer(port), {}); }

// Print an exception no caller can receive, as Guile prints one a
// finalizer raised.
void report_uncaught(const char* what, const CapturedException& e) {
  CapturedException::run([&] {
    SCM port = scm_current_error_port();
    scm_puts(what, port);
    scm_newline(port);
    scm_print_exception(port, SCM_BOOL_F, e.key(), e.args());
  });
}

}  // namespace

void close_collected_record_port(SCM port, Session& s) noexcept {
  if (!SCM_OPENP(port)) return;
  // Guile closes collected ports itself, flushing first, but in no
  // particular order with their sessions: a port flushed after its session
  // was finalized raised, and lost its close procedure; one stuck on a
  // full socket waited for ever, in whatever thread ran the finalizers
  // (make-session's collections included).  Hence this, from the session's
  // finalizer, sending only what the transport takes at once.
  CapturedException::run([&] {
    try {
      // A descriptor closed meanwhile may have been reused: send nothing.
      if (s.transport() == nullptr || !s.transport()->still_as_given()) return;
      s.transport()->stop_waiting_on_push();
      flush_without_waiting(port, s);
    } catch (...) {  // a send that failed: the output is dropped below
    }
  });
  CapturedException::run([&] { drop_pending_output(port); });
  if (CapturedException e = CapturedException::run([&] { scm_close_port(port); }))
    report_uncaught("gnutls: the close procedure of a collected record port raised an exception:", e);
}

void flush_record_port(Session& session) {
  SCM port = session.record_port();
  if (scm_is_true(port) && scm_is_false(scm_port_closed_p(port))) scm_force_output(port);
}

GG_INITIALIZER(define_record_port_type) {
  record_port_type = scm_make_port_type(const_cast<char*>("gnutls-session-port"), read_record, write_record);
  scm_set_port_close(record_port_type, close_record_port);
  // Not closed on GC by Guile: the session's finalizer closes it (see
  // close_collected_record_port).
  scm_set_port_read_wait_fd(record_port_type, read_wait_fd);
  scm_set_port_write_wait_fd(record_port_type, transport_wait_fd);
  scm_set_port_input_waiting(record_port_type, input_waiting);
  scm_set_port_get_natural_buffer_sizes(record_port_type, natural_buffer_sizes);
}

SCM record_port(SCM session, SCM close_procedure) {
  Session& s = session_argument(session, 1);
  if (!s.has_record_port()) {
    auto* stream =
        static_cast<RecordPortStream*>(scm_gc_malloc(sizeof(RecordPortStream), "record port stream"));
    *stream = {session, scm_is_eq(close_procedure, SCM_UNDEFINED) ? SCM_BOOL_F : close_procedure};
    SCM port = scm_c_make_port(record_port_type, SCM_RDNG | SCM_WRTNG, reinterpret_cast<scm_t_bits>(stream));
    // A server may hold thousands of idle sessions: their buffers should
    // cost memory only once they carry data.  The session owns that
    // memory: its finalizer is the last to use the port.
    s.attach_record_port(port, use_lazy_buffer_memory(port));
  } else if (!scm_is_eq(close_procedure, SCM_UNDEFINED)) {
    port_stream(s.record_port()).close = close_procedure;
  }
  return s.record_port();
}

bool is_record_port(SCM obj) { return SCM_PORTP(obj) && SCM_PORT_TYPE(obj) == record_port_type; }

void set_record_port_close(SCM port, SCM close_procedure) {
  session_argument(port_session(port), 1);
  port_stream(port).close = close_procedure;
}

}  // namespace gg
