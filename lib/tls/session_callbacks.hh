// Scheme procedures GnuTLS calls during a handshake: the server's choice
// of certificate credentials by the name the client asked for (SNI), and
// key logging.  GnuTLS may run the handshake outside Guile mode, so each
// call enters it, and catches what the procedure raises: it must not
// unwind through GnuTLS.
#pragma once

#include "session.hh"

#include <libguile.h>

namespace gg {

// Before the server `s` picks its certificate, call `proc` with the server
// name the client sent (a string, or #f); certificate credentials it
// returns replace the session's, #f keeps them.  Anything else, or an
// exception, fails the handshake with GNUTLS_E_NO_CERTIFICATE_FOUND.
// #f removes the procedure.  Needs the session to itself.
void set_credentials_procedure(Session& s, SCM proc);

// Call `proc` with each secret the handshake of `s` derives: its NSS key
// log label (a string), the client random and the secret (bytevectors).
// #f removes it.  Needs the session to itself.
void set_key_log_procedure(Session& s, SCM proc);

// The server name (SNI) the client of server session `s` sent, as a
// string, or #f if it sent none.
SCM requested_server_name(Session& s);

}  // namespace gg
