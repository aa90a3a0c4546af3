// Procedures on credentials of any kind.
#include "credentials.hh"
#include "foreign.hh"
#include "procedures.hh"
#include "session.hh"

namespace gg {

GG_DEFINE(set_session_credentials_x, "set-session-credentials!", manual::session,
          (SCM session, SCM credentials),
          "Use @var{credentials} (anonymous, certificate, PSK or SRP credentials) "
          "for @var{session}.  The session keeps them alive as long as it needs "
          "them.") {
  Session& s = session_argument(session, 1);
  Credentials& c = credentials_argument(credentials, 2);
  s.use_credentials(c.type(), c.raw(), c.owner());
  return SCM_UNSPECIFIED;
}

}  // namespace gg
