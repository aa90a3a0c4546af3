// Diffie-Hellman parameters, shared by the credentials that use them.
#pragma once

#include "credentials.hh"

#include <gnutls/gnutls.h>

namespace gg {

class DhParameters : public SharedObject<gnutls_dh_params_t, gnutls_dh_params_init, gnutls_dh_params_deinit> {
};

}  // namespace gg
