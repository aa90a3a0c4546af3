// Scheme code called from inside GnuTLS (a transport port, a log procedure)
// must not unwind through GnuTLS's C frames: its exception is caught here,
// kept alive, and re-raised unchanged once GnuTLS has returned.
#pragma once

#include <libguile.h>

#include <utility>

namespace gg {

// A caught Scheme exception: the throw key and arguments `catch` reports.
// Protected from the garbage collector for as long as this object holds it.
class CapturedException {
 public:
  CapturedException() = default;
  CapturedException(SCM key, SCM args);
  CapturedException(CapturedException&& other) noexcept;
  CapturedException& operator=(CapturedException&& other) noexcept;
  CapturedException(const CapturedException&) = delete;
  CapturedException& operator=(const CapturedException&) = delete;
  ~CapturedException();

  explicit operator bool() const { return held_; }
  SCM key() const { return key_; }
  SCM args() const { return args_; }

  // Raise it again in the current dynamic context: the very object for
  // exceptions raised with `raise-exception`, the same key and arguments
  // for `throw`.  Call only once no C++ object needs destroying.
  [[noreturn]] static void reraise(SCM key, SCM args);

  // Run `body` in Guile mode under a catch-all; on a Scheme exception return
  // it (and leave `body` unfinished), else return an empty object.
  template <class Body>
  static CapturedException run(Body&& body);

 private:
  void release();

  SCM key_ = SCM_BOOL_F;
  SCM args_ = SCM_EOL;
  bool held_ = false;

  static CapturedException run_raw(void (*body)(void*), void* data);
};

template <class Body>
CapturedException CapturedException::run(Body&& body) {
  return run_raw([](void* data) { (*static_cast<Body*>(data))(); }, static_cast<void*>(&body));
}

}  // namespace gg
