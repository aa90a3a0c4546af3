// Credentials of every kind (anonymous, certificate, PSK, SRP) behind one
// interface, so that set-session-credentials! accepts any of them and the
// session keeps what it uses alive.
#pragma once

#include "errors.hh"

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

// A GnuTLS object made by `init` and freed by `deinit` with its last
// owner; shared, so that what it is given to (credentials) keeps it valid.
template <class Handle, int (*init)(Handle*), void (*deinit)(Handle)>
class SharedObject {
 public:
  SharedObject() {  // empty, to generate or import into
    Handle h = nullptr;
    int r = init(&h);
    if (r < 0) throw GnutlsError(r);
    handle_ = share_handle(h, deinit);
  }
  Handle get() const { return handle_.get(); }
  const SharedHandle<Handle>& shared() const { return handle_; }

 private:
  SharedHandle<Handle> handle_;
};

class Credentials {
 public:
  virtual ~Credentials() = default;
  virtual gnutls_credentials_type_t type() const = 0;
  // What GnuTLS is given, and an owner that keeps it (and anything it
  // points to, such as DH parameters) alive.
  virtual void* raw() const = 0;
  virtual std::shared_ptr<void> owner() const = 0;
};

// How credentials that take Diffie-Hellman parameters are given them
// (gnutls_..._set_..._dh_params); NoDhParameters for the others, whose
// set_dh_parameters then does not compile.
template <auto Set>
struct DhParametersSetter {
  template <class Handle>
  static void set(Handle handle, gnutls_dh_params_t params) {
    Set(handle, params);
  }
};
struct NoDhParameters {};

// Credentials over one GnuTLS handle, made by `Allocate` and freed by
// `Free` once neither their Scheme object nor any session uses them.
// Those that take Diffie-Hellman parameters keep them alive as long, since
// GnuTLS keeps a pointer to them.  Define the Scheme type with
// Foreign<...>::define_type<Credentials>, so that credentials_argument
// finds them.
template <class Handle, gnutls_credentials_type_t Type, int (*Allocate)(Handle*), void (*Free)(Handle),
          class SetDh = NoDhParameters>
class GnutlsCredentials final : public Credentials {
 public:
  GnutlsCredentials() : state_(std::make_shared<State>()) {
    int r = Allocate(&state_->handle);
    if (r < 0) throw GnutlsError(r);
  }
  gnutls_credentials_type_t type() const override { return Type; }
  void* raw() const override { return state_->handle; }
  std::shared_ptr<void> owner() const override { return state_; }
  Handle get() const { return state_->handle; }

  // `params`: DhParameters (dh_parameters.hh).
  template <class Dh>
  void set_dh_parameters(const Dh& params) {
    SetDh::set(state_->handle, params.get());
    state_->dh = params.shared();
  }

 private:
  struct State {
    Handle handle = nullptr;
    SharedHandle<gnutls_dh_params_t> dh;
    ~State() {
      if (handle != nullptr) Free(handle);
    }
  };
  std::shared_ptr<State> state_;
};

// The credentials (of any kind) `obj` holds; WrongTypeArgument otherwise.
Credentials& credentials_argument(SCM obj, int position);

}  // namespace gg
