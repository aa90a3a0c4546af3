// OpenPGP certificates: GnuTLS 3.6 removed them.  The predicate stays so
// that programs written for the old bindings still run; no object is an
// OpenPGP certificate.  The other OpenPGP names are defined in gnutls.scm.
#include "procedures.hh"

namespace gg {

GG_DEFINE(openpgp_certificate_p, "openpgp-certificate?", manual::library, (SCM obj),
          "Return false: GnuTLS no longer supports OpenPGP certificates, so "
          "no object, @var{obj} included, is one.  Kept for compatibility with "
          "programs written for older GnuTLS.") {
  (void)obj;
  return SCM_BOOL_F;
}

}  // namespace gg
