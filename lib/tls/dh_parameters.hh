// Diffie-Hellman parameters, shared by the credentials that use them.
#pragma once

#include "credentials.hh"

#include <gnutls/gnutls.h>

namespace gg {

class DhParameters {
 public:
  DhParameters();  // empty parameters, to generate or import into
  gnutls_dh_params_t get() const { return handle_.get(); }
  const SharedHandle<gnutls_dh_params_t>& shared() const { return handle_; }

 private:
  SharedHandle<gnutls_dh_params_t> handle_;
};

}  // namespace gg
