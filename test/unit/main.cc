// Catch2 runner for the C++ layer.  Guile is initialized first because the
// port transport calls into Scheme.
#define CATCH_CONFIG_RUNNER
#include <libguile.h>
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  scm_init_guile();
  scm_c_eval_string("(use-modules (rnrs io ports) (rnrs bytevectors))");
  return Catch::Session().run(argc, argv);
}
