// libFuzzer harness of every fuzzer here: the extension linked in and
// initialised into the (gnutls) module, so that the whole binding runs,
// from the Scheme procedures down to GnuTLS and the transports, and a
// Scheme driver that gets each input as a bytevector.  The driver is the
// module DRIVER_MODULE, loaded from DRIVER_FILE or from the file the
// environment variable DRIVER_VARIABLE names (to try a driver being
// edited); it exports DRIVER_PROCEDURE, called once an input.  The tests'
// shared modules (SUPPORT_DIRECTORY) are on its load path.
#include <libguile.h>
#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" void scm_init_gnutls_cxx();

namespace {

SCM driver_procedure = SCM_BOOL_F;

void define_gnutls_module(void*) { scm_init_gnutls_cxx(); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  scm_init_guile();
  // A peer that hangs up must not kill the fuzzer with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  scm_c_define_module("gnutls", define_gnutls_module, nullptr);
  // Drivers may use the tests' shared modules, (test-support) and others.
  SCM load_path = scm_c_lookup("%load-path");
  scm_variable_set_x(load_path,
                     scm_cons(scm_from_utf8_string(SUPPORT_DIRECTORY), scm_variable_ref(load_path)));
  const char* driver = std::getenv(DRIVER_VARIABLE);
  scm_c_primitive_load(driver != nullptr ? driver : DRIVER_FILE);
  driver_procedure = scm_permanent_object(scm_c_public_ref(DRIVER_MODULE, DRIVER_PROCEDURE));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SCM bytes = scm_c_make_bytevector(size);
  if (size > 0) std::memcpy(SCM_BYTEVECTOR_CONTENTS(bytes), data, size);
  scm_call_1(driver_procedure, bytes);
  return 0;
}
