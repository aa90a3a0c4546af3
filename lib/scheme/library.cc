// Library-wide procedures: version, error predicates, logging.
#include "boundary.hh"
#include "captured_exception.hh"
#include "convert.hh"
#include "enumerates.hh"
#include "procedures.hh"

#include <gnutls/gnutls.h>

#include <climits>
#include <cstdio>
#include <mutex>

namespace gg {

namespace {

// The Scheme log procedure, a GC root while set.
SCM log_procedure = SCM_BOOL_F;
std::mutex log_mutex;

struct LogMessage {
  int level;
  const char* text;
};

void* call_log_procedure(void* data) {
  auto* message = static_cast<LogMessage*>(data);
  SCM proc;
  {
    std::lock_guard<std::mutex> lock(log_mutex);
    proc = log_procedure;
  }
  if (scm_is_false(proc)) return nullptr;
  // GnuTLS is on the stack: an exception from the log procedure must not
  // unwind through it.  It is reported and dropped.
  CapturedException e = CapturedException::run(
      [&] { scm_call_2(proc, scm_from_int(message->level), scm_from_locale_string(message->text)); });
  if (e) std::fputs("gnutls: exception in log procedure ignored\n", stderr);
  return nullptr;
}

// GnuTLS may log from a thread outside Guile mode (record I/O over a file
// descriptor runs there), hence scm_with_guile.
void log_to_scheme(int level, const char* text) {
  LogMessage message{level, text};
  scm_with_guile(call_log_procedure, &message);
}

}  // namespace

GG_DEFINE(gnutls_version, "gnutls-version", manual::library, (),
          "Return a string naming the version of the GnuTLS library in use.") {
  return scm_from_utf8_string(gnutls_check_version(nullptr));
}

GG_DEFINE(fatal_error_p, "fatal-error?", manual::library, (SCM error),
          "Return true if @var{error}, an @code{error/} value, is fatal: the "
          "session cannot be used any more.") {
  return scm_from_bool(gnutls_error_is_fatal(enumerate_value(EnumKind::error, error, 1)) != 0);
}

GG_DEFINE(set_log_procedure_x, "set-log-procedure!", manual::library, (SCM proc),
          "Call @var{proc} with a level (an integer) and a message (a string) for "
          "every message GnuTLS logs at or below the level set by "
          "@code{set-log-level!}.  Exceptions raised by @var{proc} are ignored.") {
  procedure_argument(proc, 1);
  std::lock_guard<std::mutex> lock(log_mutex);
  if (scm_is_true(log_procedure)) scm_gc_unprotect_object(log_procedure);
  log_procedure = scm_gc_protect_object(proc);
  gnutls_global_set_log_function(log_to_scheme);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_log_level_x, "set-log-level!", manual::library, (SCM level),
          "Set the GnuTLS log level: 0 logs nothing, higher values (up to 99) "
          "log more.") {
  gnutls_global_set_log_level(static_cast<int>(integer_argument(level, 1, 0, INT_MAX)));
  return SCM_UNSPECIFIED;
}

}  // namespace gg
