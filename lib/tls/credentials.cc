#include "credentials.hh"

#include "boundary.hh"
#include "foreign.hh"
#include "procedures.hh"
#include "session.hh"

#include <vector>

namespace gg {

namespace {

std::vector<CredentialsUnwrapper>& unwrappers() {
  static std::vector<CredentialsUnwrapper> all;
  return all;
}

}  // namespace

void register_credentials_type(CredentialsUnwrapper unwrapper) { unwrappers().push_back(unwrapper); }

Credentials& credentials_argument(SCM obj, int position) {
  for (CredentialsUnwrapper unwrap : unwrappers())
    if (Credentials* c = unwrap(obj)) return *c;
  throw WrongTypeArgument(position, obj, "credentials");
}

GG_DEFINE(set_session_credentials_x, "set-session-credentials!", manual::session,
          (SCM session, SCM credentials),
          "Use @var{credentials} (anonymous, certificate, PSK or SRP credentials) "
          "for @var{session}.  The session keeps them alive as long as it needs "
          "them.") {
  Session& s = Foreign<Session>::require(session, 1);
  Credentials& c = credentials_argument(credentials, 2);
  s.use_credentials(c.type(), c.raw(), c.owner());
  return SCM_UNSPECIFIED;
}

}  // namespace gg
