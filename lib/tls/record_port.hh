// The session record port: a Guile port type over the TLS record layer.
#pragma once

#include "session.hh"

#include <libguile.h>

namespace gg {

// The procedure that makes record ports, whose name the port's own reads
// and writes raise their errors under.
inline constexpr char kSessionRecordPortName[] = "session-record-port";

// The record port of the session `session` (a Scheme session object),
// made on first use.  `close_procedure`, unless SCM_UNDEFINED, becomes the
// procedure called with the port when it is closed (#f for none).
SCM record_port(SCM session, SCM close_procedure);

// True if `obj` is a session record port.
bool is_record_port(SCM obj);

// Make `close_procedure` the procedure called with the record port `port`
// when it is closed.
void set_record_port_close(SCM port, SCM close_procedure);

// Send what the session's record port has buffered, if it has a port.
// May raise a Scheme error: call only where no C++ object needs destroying.
void flush_record_port(Session& session);

// Close `port`, the record port of `session`, which the collector is
// about to destroy.  Pending output is sent as far as the transport takes
// it at once (a socket's buffer holds a record easily; nobody is left to
// wait for a peer that does not read).  What cannot be sent is dropped,
// and the port's close procedure runs.  Nothing is raised: there is no
// caller to raise to.
void close_collected_record_port(SCM port, Session& session) noexcept;

}  // namespace gg
