// libFuzzer harness: attacker-controlled bytes imported as an X.509
// certificate, PEM and DER, through the Scheme procedures, then every
// getter called on what imported and the certificate exported again.  The
// extension is linked in and initialised into the (gnutls) module, so the
// whole path runs: argument conversion, GnuTLS's parser, the getters'
// buffers, the enumerates they return and the error conversion.  A
// gnutls-error is an answer; anything else escaping is a finding.
#include <libguile.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" void scm_init_gnutls_cxx();

namespace {

SCM import_and_read = SCM_BOOL_F;

void define_gnutls_module(void*) { scm_init_gnutls_cxx(); }

// The Scheme side: each getter's gnutls-error is caught on its own, so a
// getter that fails does not hide the ones after it.
constexpr const char kDriver[] = R"scheme(
(use-modules (gnutls))
(lambda (bytes)
  (define (answer thunk)
    (catch 'gnutls-error thunk (lambda _ #f)))
  (define (read-all cert format)
    (for-each (lambda (getter) (answer (lambda () (getter cert))))
              (list x509-certificate-dn x509-certificate-issuer-dn
                    x509-certificate-version x509-certificate-serial
                    x509-certificate-activation-time
                    x509-certificate-expiration-time
                    x509-certificate-ca-status x509-certificate-key-usage
                    x509-certificate-key-id x509-certificate-subject-key-id
                    x509-certificate-authority-key-id
                    x509-certificate-public-key-algorithm
                    x509-certificate-signature-algorithm))
    (for-each (lambda (index)
                (answer (lambda () (x509-certificate-dn-oid cert index)))
                (answer (lambda () (x509-certificate-issuer-dn-oid cert index)))
                (answer (lambda () (x509-certificate-subject-alternative-name cert index))))
              '(0 1 2 7))
    (answer (lambda () (x509-certificate-fingerprint cert digest/sha256)))
    (answer (lambda () (x509-certificate-matches-hostname? cert "localhost")))
    (answer (lambda () (export-x509-certificate cert format))))
  (for-each (lambda (format)
              (answer (lambda ()
                        (read-all (import-x509-certificate bytes format) format))))
            (list x509-certificate-format/pem x509-certificate-format/der)))
)scheme";

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  scm_init_guile();
  scm_c_define_module("gnutls", define_gnutls_module, nullptr);
  SCM port = scm_open_input_string(scm_from_utf8_string(kDriver));
  SCM form = scm_read(port);
  scm_eval(form, scm_current_module());
  import_and_read = scm_eval(scm_read(port), scm_current_module());
  scm_gc_protect_object(import_and_read);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SCM bytes = scm_c_make_bytevector(size);
  if (size > 0) std::memcpy(SCM_BYTEVECTOR_CONTENTS(bytes), data, size);
  scm_call_1(import_and_read, bytes);
  return 0;
}
