// Anonymous (unauthenticated Diffie-Hellman) credentials.
#include "boundary.hh"
#include "credentials.hh"
#include "dh_parameters.hh"
#include "foreign.hh"
#include "procedures.hh"

namespace gg {

namespace {

class AnonymousClientCredentials final : public Credentials {
 public:
  AnonymousClientCredentials() {
    gnutls_anon_client_credentials_t c = nullptr;
    int r = gnutls_anon_allocate_client_credentials(&c);
    if (r < 0) throw GnutlsError(r);
    handle_ = share_handle(c, gnutls_anon_free_client_credentials);
  }
  gnutls_credentials_type_t type() const override { return GNUTLS_CRD_ANON; }
  void* raw() const override { return handle_.get(); }
  std::shared_ptr<void> owner() const override { return handle_; }

 private:
  SharedHandle<gnutls_anon_client_credentials_t> handle_;
};

class AnonymousServerCredentials final : public Credentials {
 public:
  AnonymousServerCredentials() : state_(std::make_shared<State>()) {
    int r = gnutls_anon_allocate_server_credentials(&state_->credentials);
    if (r < 0) throw GnutlsError(r);
  }
  gnutls_credentials_type_t type() const override { return GNUTLS_CRD_ANON; }
  void* raw() const override { return state_->credentials; }
  std::shared_ptr<void> owner() const override { return state_; }

  void set_dh_parameters(const DhParameters& params) {
    gnutls_anon_set_server_dh_params(state_->credentials, params.get());
    state_->dh = params.shared();
  }

 private:
  // GnuTLS keeps a pointer to the DH parameters: they live as long as the
  // credentials do, whoever holds those.
  struct State {
    gnutls_anon_server_credentials_t credentials = nullptr;
    SharedHandle<gnutls_dh_params_t> dh;
    ~State() {
      if (credentials != nullptr) gnutls_anon_free_server_credentials(credentials);
    }
  };
  std::shared_ptr<State> state_;
};

}  // namespace

GG_INITIALIZER(define_anonymous_credentials_types) {
  Foreign<AnonymousClientCredentials>::define_type("gnutls-anonymous-client-credentials");
  Foreign<AnonymousServerCredentials>::define_type("gnutls-anonymous-server-credentials");
  register_credentials_type(
      [](SCM obj) -> Credentials* { return Foreign<AnonymousClientCredentials>::unwrap(obj); });
  register_credentials_type(
      [](SCM obj) -> Credentials* { return Foreign<AnonymousServerCredentials>::unwrap(obj); });
}

GG_DEFINE(make_anonymous_client_credentials, "make-anonymous-client-credentials", manual::anonymous_dh, (),
          "Return new anonymous client credentials.") {
  return Foreign<AnonymousClientCredentials>::make();
}

GG_DEFINE(make_anonymous_server_credentials, "make-anonymous-server-credentials", manual::anonymous_dh, (),
          "Return new anonymous server credentials.") {
  return Foreign<AnonymousServerCredentials>::make();
}

GG_DEFINE(anonymous_client_credentials_p, "anonymous-client-credentials?", manual::anonymous_dh, (SCM obj),
          "Return true if @var{obj} is anonymous client credentials.") {
  return scm_from_bool(Foreign<AnonymousClientCredentials>::is(obj));
}

GG_DEFINE(anonymous_server_credentials_p, "anonymous-server-credentials?", manual::anonymous_dh, (SCM obj),
          "Return true if @var{obj} is anonymous server credentials.") {
  return scm_from_bool(Foreign<AnonymousServerCredentials>::is(obj));
}

GG_DEFINE(set_anonymous_server_dh_parameters_x, "set-anonymous-server-dh-parameters!", manual::anonymous_dh,
          (SCM credentials, SCM params),
          "Use the Diffie-Hellman parameters @var{params} for the anonymous server "
          "credentials @var{credentials}.") {
  AnonymousServerCredentials& c = Foreign<AnonymousServerCredentials>::require(credentials, 1);
  c.set_dh_parameters(Foreign<DhParameters>::require(params, 2));
  return SCM_UNSPECIFIED;
}

}  // namespace gg
