// One template gives every wrapped C++ type its Guile foreign object type,
// predicate, printer name and finalizer.  The C++ object lives in
// GC-scanned memory, so SCM members it holds keep their objects alive, and
// its destructor runs exactly once: from the finalizer, or earlier from an
// explicit release.  A type may also act just before its collection.
#pragma once

#include "errors.hh"
#include "printing.hh"

#include <libguile.h>

#include <new>
#include <string>
#include <utility>

namespace gg {

template <class T>
class Foreign {
 public:
  // Create the Scheme type; `printed_name` appears as #<printed_name ...>.
  static void define_type(const char* printed_name) {
    type_ = scm_make_foreign_object_type(scm_from_utf8_symbol(printed_name),
                                         scm_list_1(scm_from_utf8_symbol("object")), &finalize);
    scm_permanent_object(type_);
    register_printable_type(type_, printed_name, nullptr);
  }

  static SCM type() { return type_; }

  // Construct a T in GC memory and wrap it.  If the constructor throws,
  // nothing is wrapped and the memory is reclaimed by the GC.
  template <class... Args>
  static SCM make(Args&&... args) {
    void* memory = scm_gc_malloc(sizeof(T), "gnutls object");
    T* object = new (memory) T(std::forward<Args>(args)...);
    return scm_make_foreign_object_1(type_, object);
  }

  static bool is(SCM obj) { return SCM_IS_A_P(obj, type_); }

  // The live object, or null for another type or a released object.
  static T* unwrap(SCM obj) {
    if (!is(obj)) return nullptr;
    return static_cast<T*>(scm_foreign_object_ref(obj, 0));
  }

  // The live object; a WrongTypeArgument naming `position` otherwise.
  static T& require(SCM obj, int position) {
    T* object = unwrap(obj);
    if (object == nullptr) throw WrongTypeArgument(position, obj);
    return *object;
  }

  // Destroy the C++ object now; the Scheme object stays, but unwraps to null.
  static void release(SCM obj) {
    if (!is(obj)) return;
    auto* object = static_cast<T*>(scm_foreign_object_ref(obj, 0));
    if (object == nullptr) return;
    scm_foreign_object_set_x(obj, 0, nullptr);
    object->~T();
  }

 private:
  // The finalizer.  A type that must act when it is collected, while its
  // Scheme object still unwraps to it, defines `void collecting() noexcept`.
  static void finalize(SCM obj) {
    if (T* object = unwrap(obj)) call_collecting(object);
    release(obj);
  }
  template <class U>
  static auto call_collecting(U* object) -> decltype(object->collecting()) {
    object->collecting();
  }
  static void call_collecting(const void*) {}

  static inline SCM type_ = SCM_BOOL_F;
};

}  // namespace gg
