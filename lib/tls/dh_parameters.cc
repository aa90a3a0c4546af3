#include "dh_parameters.hh"

#include "errors.hh"

namespace gg {

DhParameters::DhParameters() {
  gnutls_dh_params_t params = nullptr;
  int r = gnutls_dh_params_init(&params);
  if (r < 0) throw GnutlsError(r);
  handle_ = share_handle(params, gnutls_dh_params_deinit);
}

}  // namespace gg
