// The one place where C++ meets Scheme errors.  A Scheme error is a
// non-local exit that skips C++ destructors, so every Scheme-visible
// procedure runs its C++ body inside `guarded`: the body's objects are gone
// before the matching Scheme error is raised.
#pragma once

#include "errors.hh"

#include <cxxabi.h>
#include <libguile.h>

#include <exception>
#include <new>

namespace gg {

// What to raise, once C++ is out of the way.  Only SCM values and static
// strings: trivially destructible, and visible to the GC from the stack.
struct SchemeErrorToRaise {
  enum class Kind { none, gnutls, wrong_type, out_of_range, system, rethrow, out_of_memory, internal };
  Kind kind = Kind::none;
  SCM first = SCM_BOOL_F;  // error enumerate / offending object / key / message
  SCM second = SCM_EOL;    // extra arguments / args
  int position = 0;        // argument position or errno
  const char* expected = nullptr;
  SCM explanation = SCM_BOOL_F;  // a gnutls-error's explanation, a string

  // Convert the exception being handled (call from a catch block only).
  static SchemeErrorToRaise from_current_exception();
  [[noreturn]] void raise(const char* who) const;
};

// The explanation of the gnutls-error with arguments ARGS (the list the
// error printer receives, or `exception-args' of the exception), if it is
// the last one the boundary raised in this thread; #f otherwise.
SCM error_explanation(SCM args);
// The Scheme object a GnuTLS error code is raised with.  The tls layer owns
// the error enumerates and installs this at init, before any procedure runs.
using ErrorEnumerateFunction = SCM (*)(int code);
void set_error_enumerate_function(ErrorEnumerateFunction function);

template <class Body>
auto guarded(const char* who, Body&& body) -> decltype(body()) {
  SchemeErrorToRaise error;
  try {
    return body();
  } catch (...) {
    // A foreign exception, such as the forced unwind of a thread's
    // cancellation or exit, is no error to convert: it must go on to the
    // thread's start.  (Catching abi::__forced_unwind& instead binds a
    // reference to no object, which UBSan rightly reports.)
    if (abi::__cxa_current_exception_type() == nullptr) throw;
    error = SchemeErrorToRaise::from_current_exception();
  }
  error.raise(who);
}

}  // namespace gg
