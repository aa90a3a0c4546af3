// A Scheme object held from C++ memory the collector does not scan (a
// member of a heap-allocated C++ object): it is protected from collection
// for as long as this holder owns it.
#pragma once

#include <libguile.h>

#include <utility>

namespace gg {

class ProtectedObject {
 public:
  ProtectedObject() = default;
  explicit ProtectedObject(SCM object) : object_(scm_gc_protect_object(object)), held_(true) {}
  ProtectedObject(ProtectedObject&& other) noexcept
      : object_(std::exchange(other.object_, SCM_BOOL_F)), held_(std::exchange(other.held_, false)) {}
  ProtectedObject& operator=(ProtectedObject&& other) noexcept {
    std::swap(object_, other.object_);
    std::swap(held_, other.held_);
    return *this;
  }
  ProtectedObject(const ProtectedObject&) = delete;
  ProtectedObject& operator=(const ProtectedObject&) = delete;
  ~ProtectedObject() {
    if (held_) scm_gc_unprotect_object(object_);
  }

  explicit operator bool() const { return held_; }
  SCM get() const { return object_; }

 private:
  SCM object_ = SCM_BOOL_F;
  bool held_ = false;
};

}  // namespace gg
