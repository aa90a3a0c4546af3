// What the error printer needs beyond the error enumerate itself.
#include "boundary.hh"
#include "procedures.hh"

namespace gg {

GG_DEFINE(gnutls_error_explanation, "%gnutls-error-explanation", manual::library, (SCM args),
          "Return the explanation this module gave for the gnutls-error "
          "whose arguments are the list @var{args} (as the error printer "
          "receives them, or as @code{exception-args} returns them), if it "
          "is the last one raised in this thread; @code{#f} otherwise.  "
          "The error itself keeps the shape "
          "@code{(gnutls-error @var{error} @var{procedure})}; the printer "
          "shows the explanation after GnuTLS's description of the error.") {
  if (!scm_is_pair(args)) throw WrongTypeArgument(1, args, "gnutls-error arguments");
  return error_explanation(args);
}

}  // namespace gg
