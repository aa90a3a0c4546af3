// libFuzzer harness: attacker-controlled bytes through a transport into a
// handshake (client and server, fd and Scheme-port transports) and, after
// an honest handshake, into the record port.  The extension is linked in
// and initialised into the (gnutls) module; the scenarios are Scheme code
// (session-driver.scm) so that the whole binding is exercised, from the
// Scheme procedures down to the transport layer.
#include <libguile.h>
#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" void scm_init_gnutls_cxx();

namespace {

SCM fuzz_one = SCM_BOOL_F;

void define_gnutls_module(void*) { scm_init_gnutls_cxx(); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  scm_init_guile();
  // A peer that hangs up must not kill the fuzzer with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  scm_c_define_module("gnutls", define_gnutls_module, nullptr);
  const char* driver = std::getenv("SESSION_DRIVER");
  scm_c_primitive_load(driver != nullptr ? driver : SESSION_DRIVER_FILE);
  fuzz_one = scm_variable_ref(scm_c_public_lookup("session-driver", "fuzz-one"));
  scm_gc_protect_object(fuzz_one);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SCM bytes = scm_c_make_bytevector(size);
  if (size > 0) std::memcpy(SCM_BYTEVECTOR_CONTENTS(bytes), data, size);
  scm_call_1(fuzz_one, bytes);
  return 0;
}
