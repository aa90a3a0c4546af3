// One template gives every wrapped C++ type its Guile foreign object type,
// its TYPE? predicate, printer name and finalizer, and unwraps an object as
// any base class its type was defined with (Credentials of every kind).
// The C++ object lives in GC-scanned memory, so SCM members it holds keep
// their objects alive, and
// its destructor runs exactly once: from the finalizer, or earlier from an
// explicit release.  A type may also act just before its collection.
#pragma once

#include "errors.hh"
#include "printing.hh"
#include "procedures.hh"

#include <libguile.h>

#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gg {

// A procedure Foreign<T>::define_type defines (TYPE?, make-TYPE): its
// name, docstring and manual section.
struct TypeProcedure {
  const char* name;
  const char* documentation;
  const char* section;
};

template <class T>
class Foreign {
 public:
  // Create the Scheme type; `printed_name` appears as #<printed_name ...>.
  // Objects of it also unwrap as each of `Bases` (Foreign<Base>::unwrap).
  template <class... Bases>
  static void define_type(const char* printed_name) {
    type_ = scm_make_foreign_object_type(scm_from_utf8_symbol(printed_name),
                                         scm_list_1(scm_from_utf8_symbol("object")), &finalize);
    scm_permanent_object(type_);
    register_printable_type(type_, printed_name, nullptr);
    (Foreign<Bases>::add_subtype(type_, &upcast<Bases>), ...);
  }

  // The same, and register `predicate`, the procedure telling objects of
  // the type (define the type from an initializer, before procedures are).
  template <class... Bases>
  static void define_type(const char* printed_name, const TypeProcedure& predicate) {
    define_type<Bases...>(printed_name);
    RegisteredProcedure<Predicate>::add(predicate.name, predicate.documentation, predicate.section);
  }

  // The same, and register `maker`, a procedure of no arguments returning
  // a new object, for a type whose objects are made from nothing.
  template <class... Bases>
  static void define_type(const char* printed_name, const TypeProcedure& predicate,
                          const TypeProcedure& maker) {
    define_type<Bases...>(printed_name, predicate);
    RegisteredProcedure<Maker>::add(maker.name, maker.documentation, maker.section);
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

  // A new T, made with no arguments, that `fill(T&)` sets up before
  // Scheme sees it (an import, a generation): `fill` returns nothing, or a
  // GnuTLS result whose failure is raised as GnutlsError.
  template <class Fill>
  static SCM make_filled(Fill fill) {
    SCM obj = make();
    T& object = *unwrap(obj);
    if constexpr (std::is_void_v<std::invoke_result_t<Fill&, T&>>) {
      fill(object);
    } else {
      int r = fill(object);
      if (r < 0) throw GnutlsError(r);
    }
    return obj;
  }

  static bool is(SCM obj) { return SCM_IS_A_P(obj, type_); }

  // The live object, or null for another type or a released object.  For
  // a base class, the object of any type defined with it as a base.
  static T* unwrap(SCM obj) {
    // The objects procedures are given are of the types defined here, not
    // of GOOPS classes derived from them: look for the exact class first.
    if (of_class(obj, type_)) return static_cast<T*>(scm_foreign_object_ref(obj, 0));
    for (const Subtype& subtype : subtypes_)
      if (of_class(obj, subtype.type)) return upcast_of(obj, subtype);
    if (SCM_IS_A_P(obj, type_)) return static_cast<T*>(scm_foreign_object_ref(obj, 0));
    for (const Subtype& subtype : subtypes_)
      if (SCM_IS_A_P(obj, subtype.type)) return upcast_of(obj, subtype);
    return nullptr;
  }

  // The live object; a WrongTypeArgument naming `position` otherwise.
  // `expected` names the type in the error message (null: none).
  static T& require(SCM obj, int position, const char* expected = nullptr) {
    T* object = unwrap(obj);
    if (object == nullptr) throw WrongTypeArgument(position, obj, expected);
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
  template <class U>
  friend class Foreign;

  // A type derived from T, and how to find the T in one of its objects.
  struct Subtype {
    SCM type;
    T* (*upcast)(void* object);
  };
  static void add_subtype(SCM type, T* (*upcast)(void*)) { subtypes_.push_back(Subtype{type, upcast}); }
  static T* upcast_of(SCM obj, const Subtype& subtype) {
    void* object = scm_foreign_object_ref(obj, 0);
    return object != nullptr ? subtype.upcast(object) : nullptr;
  }
  // `obj` is an instance of `type` itself: one comparison, where
  // SCM_IS_A_P calls into GOOPS for the class precedence list.
  static bool of_class(SCM obj, SCM type) { return SCM_INSTANCEP(obj) && scm_is_eq(SCM_CLASS_OF(obj), type); }
  template <class Base>
  static Base* upcast(void* object) {
    return static_cast<T*>(object);
  }

  // The TYPE? procedure and the maker.
  struct Predicate {
    static constexpr const char* c_arguments = "(SCM obj)";
    static SCM body(SCM obj) { return scm_from_bool(is(obj)); }
  };
  struct Maker {
    static constexpr const char* c_arguments = "()";
    static SCM body() { return make(); }
  };

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
  static inline std::vector<Subtype> subtypes_;
};

}  // namespace gg
