#include "session_callbacks.hh"

#include "captured_exception.hh"
#include "convert.hh"
#include "credentials.hh"
#include "foreign.hh"

#include <gnutls/gnutls.h>

#include <string>
#include <vector>

namespace gg {

namespace {

// The Session a GnuTLS callback is for: set_*_procedure gave GnuTLS its
// address (sessions live in memory the collector does not move).
Session& session_of(gnutls_session_t raw) { return *static_cast<Session*>(gnutls_session_get_ptr(raw)); }

// A procedure's exception, kept for the caller of the handshake (or the
// record call) during which GnuTLS called it; the first one wins.
void keep_exception(Session& s, CapturedException e) {
  if (!s.callbacks().exception) s.callbacks().exception = std::move(e);
}

struct CredentialsChoice {
  Session* session;
  int result;
};

// In Guile mode: every Scheme object of the call lives and dies here.
void* choose_credentials(void* data) {
  auto* choice = static_cast<CredentialsChoice*>(data);
  Session& s = *choice->session;
  SCM proc = s.callbacks().credentials_procedure;
  choice->result = 0;
  if (scm_is_false(proc)) return nullptr;
  SCM chosen = SCM_BOOL_F;
  CapturedException e = CapturedException::run([&] { chosen = scm_call_1(proc, requested_server_name(s)); });
  if (e) {
    keep_exception(s, std::move(e));
    choice->result = GNUTLS_E_NO_CERTIFICATE_FOUND;
    return nullptr;
  }
  if (scm_is_false(chosen)) return nullptr;
  Credentials* credentials = Foreign<Credentials>::unwrap(chosen);
  if (credentials == nullptr || credentials->type() != GNUTLS_CRD_CERTIFICATE) {
    choice->result = GNUTLS_E_NO_CERTIFICATE_FOUND;
    return nullptr;
  }
  int r = gnutls_credentials_set(s.get(), GNUTLS_CRD_CERTIFICATE, credentials->raw());
  if (r < 0) {
    choice->result = r;
    return nullptr;
  }
  s.callbacks().chosen_credentials = credentials->owner();
  return nullptr;
}

int after_client_hello(gnutls_session_t raw) {
  CredentialsChoice choice{&session_of(raw), 0};
  scm_with_guile(choose_credentials, &choice);
  return choice.result;
}

struct KeyLogEntry {
  Session* session;
  const char* label;
  const gnutls_datum_t* secret;
};

void* call_key_log_procedure(void* data) {
  auto* entry = static_cast<KeyLogEntry*>(data);
  Session& s = *entry->session;
  SCM proc = s.callbacks().key_log_procedure;
  if (scm_is_false(proc)) return nullptr;
  gnutls_datum_t client_random{nullptr, 0};
  gnutls_datum_t server_random{nullptr, 0};
  gnutls_session_get_random(s.get(), &client_random, &server_random);
  CapturedException e = CapturedException::run([&] {
    scm_call_3(proc, scm_from_utf8_string(entry->label),
               bytevector_from(client_random.data, client_random.size),
               bytevector_from(entry->secret->data, entry->secret->size));
  });
  if (e) keep_exception(s, std::move(e));
  return nullptr;
}

int log_key(gnutls_session_t raw, const char* label, const gnutls_datum_t* secret) {
  KeyLogEntry entry{&session_of(raw), label, secret};
  scm_with_guile(call_key_log_procedure, &entry);
  return 0;
}

}  // namespace

void set_credentials_procedure(Session& s, SCM proc) {
  SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a credentials procedure change");
  s.callbacks().credentials_procedure = proc;
  gnutls_session_set_ptr(s.get(), &s);
  gnutls_handshake_set_post_client_hello_function(s.get(), scm_is_false(proc) ? nullptr : after_client_hello);
}

void set_key_log_procedure(Session& s, SCM proc) {
  SessionActivity::Entry entry(s.activity(), SessionActivity::Role::sole, "a key log procedure change");
  s.callbacks().key_log_procedure = proc;
  gnutls_session_set_ptr(s.get(), &s);
  gnutls_session_set_keylog_function(s.get(), scm_is_false(proc) ? nullptr : log_key);
}

SCM requested_server_name(Session& s) {
  std::vector<char> name(256);
  for (;;) {
    size_t size = name.size();
    unsigned type = 0;
    int r = gnutls_server_name_get(s.get(), name.data(), &size, &type, 0);
    if (r == GNUTLS_E_SHORT_MEMORY_BUFFER && size > name.size() && size < 65536) {
      name.resize(size + 1);
      continue;
    }
    if (r < 0 || type != GNUTLS_NAME_DNS) return SCM_BOOL_F;
    return user_name_from(name.data());
  }
}

}  // namespace gg
