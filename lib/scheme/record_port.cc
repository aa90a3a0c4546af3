// Scheme procedures on session record ports.
#include "record_port.hh"
#include "convert.hh"
#include "errors.hh"
#include "foreign.hh"
#include "procedures.hh"
#include "session.hh"
#include "session_memory.hh"

namespace gg {

namespace {

// A port's memory, told to the GC before the port is made.
void note_new_record_port(SCM session, Optional) {
  if (Session* s = Foreign<Session>::unwrap(session); s != nullptr && !s->has_record_port())
    note_session_memory(kRecordPortMemoryKiB);
}

}  // namespace

GG_DEFINE_WITH_PRELUDE(session_record_port, kSessionRecordPortName, manual::session, note_new_record_port,
                       (SCM session, Optional close),
                       "Return the read-write port over the record layer of @var{session}; "
                       "every call returns the same port (@code{eq?}).  If @var{close} is "
                       "given, it is called with the port when the port is closed (by "
                       "@code{close-port}, or when the port is garbage-collected).  Reads "
                       "and writes are buffered a record at a time; output is sent before "
                       "the port waits for input, and by @code{force-output}, @code{bye} "
                       "and @code{close-port}.\n\n"
                       "Over a non-blocking transport, reads and writes that would block "
                       "report it to Guile's port machinery: with suspendable ports "
                       "installed they wait through @code{current-read-waiter} and "
                       "@code{current-write-waiter} (so Fibers suspends the fiber), "
                       "otherwise Guile polls.  @code{port-read-wait-fd} and "
                       "@code{port-write-wait-fd} give the transport's descriptor; while "
                       "a read must first send output the transport cannot take yet, the "
                       "read wait descriptor is one that also becomes readable when the "
                       "transport becomes writable.\n\n"
                       "One thread may read from the port while another writes to it, as "
                       "GnuTLS allows one of each at a time.  The writing thread should "
                       "send its output itself (with @code{force-output}, or by writing "
                       "whole records): a read sends output left in the port, and two "
                       "threads must not write at once.") {
  session_argument(session, 1);
  return record_port(session, close.given() ? procedure_argument(close, 2, true) : SCM_UNDEFINED);
}

GG_DEFINE(set_session_record_port_close_x, "set-session-record-port-close!", manual::session,
          (SCM port, SCM close),
          "Set @var{close}, a one-argument procedure, as the procedure called "
          "with @var{port}, a session record port, when it is closed.  It may "
          "be used to close the session's transport.") {
  if (!is_record_port(port)) throw WrongTypeArgument(1, port, "session record port");
  set_record_port_close(port, procedure_argument(close, 2));
  return SCM_UNSPECIFIED;
}

}  // namespace gg
