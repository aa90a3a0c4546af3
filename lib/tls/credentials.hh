// Credentials of every kind (anonymous, certificate, PSK, SRP) behind one
// interface, so that set-session-credentials! accepts any of them and the
// session keeps what it uses alive.
#pragma once

#include <gnutls/gnutls.h>
#include <libguile.h>

#include <memory>
#include <type_traits>

namespace gg {

// A GnuTLS handle (pointer to an opaque struct) freed by `Free` when the
// last owner lets go.
template <class Handle>
using SharedHandle = std::shared_ptr<std::remove_pointer_t<Handle>>;

template <class Handle, class Free>
SharedHandle<Handle> share_handle(Handle h, Free free) {
  return SharedHandle<Handle>(h, [free](Handle p) { free(p); });
}

class Credentials {
 public:
  virtual ~Credentials() = default;
  virtual gnutls_credentials_type_t type() const = 0;
  // What GnuTLS is given, and an owner that keeps it (and anything it
  // points to, such as DH parameters) alive.
  virtual void* raw() const = 0;
  virtual std::shared_ptr<void> owner() const = 0;
};

// Each credentials type registers how to find its Credentials in a Scheme
// object (null when the object is of another type).
using CredentialsUnwrapper = Credentials* (*)(SCM obj);
void register_credentials_type(CredentialsUnwrapper unwrapper);
Credentials& credentials_argument(SCM obj, int position);

}  // namespace gg
