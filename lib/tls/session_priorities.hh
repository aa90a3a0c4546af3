// Priorities parsed once per distinct string.  Parsing a priority string
// (gnutls_priority_init) costs about as much as the rest of a resumed
// TLS 1.2 handshake, and a program gives most of its sessions one of a few
// strings: the parsed priorities of the last few are kept and shared, as
// GnuTLS allows (it counts the sessions using a gnutls_priority_t and
// frees it after the last).  A string is parsed when it enters the cache,
// so a change of the system's priority configuration file reaches the
// strings parsed after it.
#pragma once

#include <gnutls/gnutls.h>

namespace gg {

// Give `session` the priorities of `text`, or GnuTLS's defaults for null,
// as gnutls_priority_set_direct does, and return its result: for a string
// that does not parse, GNUTLS_E_INVALID_REQUEST with `*error_position`
// (when not null) pointing into `text` where parsing failed.  Safe from
// any thread.
int set_session_priorities(gnutls_session_t session, const char* text, const char** error_position);

}  // namespace gg
