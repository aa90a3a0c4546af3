// libFuzzer harness: attacker-controlled bytes imported as a private and
// as a public key, PEM and DER, through the Scheme procedures, and the
// keys that import used (key-driver.scm), with the extension linked in
// and initialised into the (gnutls) module.
#include "convert.hh"

#include <libguile.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" void scm_init_gnutls_cxx();

namespace {

SCM fuzz_key = SCM_BOOL_F;

void define_gnutls_module(void*) { scm_init_gnutls_cxx(); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  scm_init_guile();
  scm_c_define_module("gnutls", define_gnutls_module, nullptr);
  const char* driver = std::getenv("KEY_DRIVER");  // to try a driver being edited
  scm_c_primitive_load(driver != nullptr ? driver : KEY_DRIVER_FILE);
  fuzz_key = scm_permanent_object(scm_c_public_ref("key-driver", "fuzz-key"));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  scm_call_1(fuzz_key, gg::bytevector_from(data, size));
  return 0;
}
