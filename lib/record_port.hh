// The session record port: a Guile port type over the TLS record layer.
#pragma once

#include "session.hh"

#include <libguile.h>

namespace gg {

// Send what the session's record port has buffered, if it has a port.
// May raise a Scheme error: call only where no C++ object needs destroying.
void flush_record_port(Session& session);

}  // namespace gg
