// Entry point of the extension, called by (load-extension ...) in
// module/gnutls.scm with the (gnutls) module current.
#include "boundary.hh"
#include "enumerates.hh"
#include "printing.hh"
#include "procedures.hh"

extern "C" __attribute__((visibility("default"))) void scm_init_gnutls_cxx() {
  gg::set_error_enumerate_function(&gg::error_enumerate);
  for (void (*init)() : gg::initializer_registry()) init();
  gg::define_enumerates();
  gg::define_registered_procedures();
  gg::define_printing_support();
}
