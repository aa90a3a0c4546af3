#include "credentials.hh"

#include "foreign.hh"

namespace gg {

Credentials& credentials_argument(SCM obj, int position) {
  return Foreign<Credentials>::require(obj, position, "credentials");
}

}  // namespace gg
