// Each source file registers its own Scheme procedures, with docstrings,
// next to their code; init defines and exports them all at once.
#pragma once

#include "boundary.hh"

#include <libguile.h>

#include <cstddef>
#include <type_traits>
#include <vector>

namespace gg {

struct ProcedureSpec {
  const char* name;
  int required;
  int optional;
  int rest;
  scm_t_subr function;
  const char* documentation;
  const char* c_arguments;  // the C parameter list, "(SCM session, SCM data)"
  const char* section;      // the manual's section, or null (see manual below)
};

std::vector<ProcedureSpec>& procedure_registry();

struct RegisterProcedure {
  explicit RegisterProcedure(const ProcedureSpec& spec) { procedure_registry().push_back(spec); }
};

// Define every registered procedure in the current module and export it.
void define_registered_procedures();

// Define and export a Scheme value.
void define_exported(const char* name, SCM value);

// Give `proc` the argument names of `c_arguments` (a C parameter list such
// as "(SCM cert_file, SCM format)", names read as cert-file and format) as
// its `arglist' property, where `procedure-arguments' and the manual find
// them.
void set_argument_names(SCM proc, const char* c_arguments, int required, int optional, int rest);

// Give `proc` the manual section its reference entry goes to, as its
// `manual-section' property (doc/extract-reference.scm reads it).
void set_manual_section(SCM proc, const char* section);

// The sections of the manual's procedure reference (manual_sections.def,
// which doc/extract-reference.scm reads too): manual::psk_srp and so on.
namespace manual {
#define GG_MANUAL_SECTION(constant, node, description) inline constexpr char constant[] = node;
#include "manual_sections.def"
#undef GG_MANUAL_SECTION
}  // namespace manual

// Parameter types of a GG_DEFINE procedure.  `SCM` is a required argument,
// `Optional` an optional one (SCM_UNDEFINED when left out) and a last
// `Rest` the list of the remaining arguments.  Both read as their SCM.
struct Optional {
  SCM value;
  operator SCM() const { return value; }
  bool given() const { return !SCM_UNBNDP(value); }
};
struct Rest {
  SCM list;
  operator SCM() const { return list; }
};

namespace procedure_detail {

template <class T>
constexpr int argument_kind() {
  static_assert(std::is_same_v<T, SCM> || std::is_same_v<T, Optional> || std::is_same_v<T, Rest>,
                "a procedure's parameters are SCM, Optional or Rest");
  return std::is_same_v<T, SCM> ? 0 : std::is_same_v<T, Optional> ? 1 : 2;
}

template <class... Args>
struct Arity {
  static constexpr int kinds[sizeof...(Args) + 1] = {argument_kind<Args>()..., 3};
  static constexpr int count(int kind) {
    int n = 0;
    for (size_t i = 0; i < sizeof...(Args); ++i) n += kinds[i] == kind ? 1 : 0;
    return n;
  }
  static constexpr bool ordered() {
    for (size_t i = 0; i < sizeof...(Args); ++i)
      if (kinds[i] > kinds[i + 1]) return false;
    return true;
  }
  static constexpr int required = count(0);
  static constexpr int optional = count(1);
  static constexpr int rest = count(2);
};

constexpr bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The number of parameters of the C parameter list `p`, "(SCM a, Rest b)",
// or -1 if one of them has no name (a type and a name: two words).
constexpr int named_parameter_count(const char* p) {
  int count = 0;
  int words = 0;
  bool in_word = false;
  for (; *p != '\0'; ++p) {
    if (identifier_char(*p)) {
      if (!in_word) ++words;
      in_word = true;
      continue;
    }
    in_word = false;
    if (*p == ',' || *p == ')') {
      if (words == 0 && *p == ')' && count == 0) return 0;  // "()"
      if (words < 2) return -1;
      ++count;
      words = 0;
    }
  }
  return count;
}

template <class T>
using AsScm = SCM;

template <class Info, class... Args>
struct Subr {
  // What Guile calls: run the prelude, if any, in Scheme mode, then the
  // body inside the boundary, under the procedure's name.
  static SCM call(AsScm<Args>... args) {
    if constexpr (!std::is_null_pointer_v<std::decay_t<decltype(Info::prelude)>>)
      Info::prelude(Args{args}...);
    return guarded(Info::procedure_name, [&] { return Info::body(Args{args}...); });
  }
};

template <class Info, class... Args>
ProcedureSpec procedure_spec(SCM (*)(Args...)) {
  using A = Arity<Args...>;
  static_assert(A::ordered(), "parameters go SCM..., Optional..., then at most one Rest");
  static_assert(A::rest <= 1, "at most one Rest parameter");
  static_assert(named_parameter_count(Info::c_arguments) == static_cast<int>(sizeof...(Args)),
                "every parameter needs a name: it is the argument's name in Scheme");
  return ProcedureSpec{Info::scheme_name,
                       A::required,
                       A::optional,
                       A::rest,
                       reinterpret_cast<scm_t_subr>(&Subr<Info, Args...>::call),
                       Info::documentation,
                       Info::c_arguments,
                       Info::section};
}

}  // namespace procedure_detail

// A procedure defined as GG_DEFINE defines one, for those whose name or
// docstring is data (a table of procedures that differ only in what they
// call, a name made at init): `Procedure` gives `c_arguments` and `body`,
// as GG_DEFINE's parameter list and body, and add() gives the rest and
// registers it.  Each instance is one procedure; `Section` is the default
// manual section.
template <class Procedure, const char* Section = nullptr>
struct RegisteredProcedure : Procedure {
  static inline const char* scheme_name = nullptr;
  static inline const char* procedure_name = nullptr;
  static inline const char* documentation = nullptr;
  static inline const char* section = Section;
  static constexpr auto prelude = nullptr;

  static void add(const char* name, const char* doc, const char* manual_section = Section) {
    scheme_name = procedure_name = name;
    documentation = doc;
    section = manual_section;
    procedure_registry().push_back(procedure_detail::procedure_spec<RegisteredProcedure>(&Procedure::body));
  }
};

}  // namespace gg

// GG_DEFINE (c_name, "scheme-name", manual::SECTION, (SCM a, Optional b, ...), "doc")
// { body }
//
// Defines and registers the procedure "scheme-name".  Its arity comes from
// the parameter types (SCM, Optional, Rest), its argument names from the
// parameter names (`cert_file' reads as cert-file), and the body runs
// inside `guarded' under the procedure's name, which the body can use as
// `procedure_name'.  The body returns SCM and may throw the exceptions of
// errors.hh; it must not raise Scheme errors itself.
#define GG_DEFINE(c_name, scheme_name, manual_section, arglist, doc) \
  GG_DEFINE_PROCEDURE_(c_name, scheme_name, scheme_name, manual_section, nullptr, arglist, doc)

// The same, with `prelude', a function of the same parameters returning
// void, run first in Scheme mode outside the boundary: for the few bodies
// that must do Scheme work before any C++ object exists (flushing a port,
// which may raise).
#define GG_DEFINE_WITH_PRELUDE(c_name, scheme_name, manual_section, prelude_function, arglist, doc) \
  GG_DEFINE_PROCEDURE_(c_name, scheme_name, scheme_name, manual_section, &prelude_function, arglist, doc)

// GG_DEFINE_AS (c_name, "scheme-name", "error-name", ...) and
// GG_DEFINE_AS_WITH_PRELUDE: the same, for a primitive whose errors carry
// the name of the procedure programs call (`%bye' raises as `bye', the
// Scheme procedure that retries it).  `procedure_name' is then the error
// name.
#define GG_DEFINE_AS(c_name, scheme_name, error_name, manual_section, arglist, doc) \
  GG_DEFINE_PROCEDURE_(c_name, scheme_name, error_name, manual_section, nullptr, arglist, doc)

#define GG_DEFINE_AS_WITH_PRELUDE(c_name, scheme_name, error_name, manual_section, prelude_function, \
                                  arglist, doc)                                                      \
  GG_DEFINE_PROCEDURE_(c_name, scheme_name, error_name, manual_section, &prelude_function, arglist, doc)

#define GG_DEFINE_PROCEDURE_(c_name, name_in_scheme, error_name, manual_section, prelude_function, arglist, \
                             doc)                                                                           \
  namespace {                                                                                               \
  struct c_name##_procedure {                                                                               \
    static constexpr const char* scheme_name = name_in_scheme;                                              \
    static constexpr const char* procedure_name = error_name;                                               \
    static constexpr const char* section = manual_section;                                                  \
    static constexpr const char* documentation = doc;                                                       \
    static constexpr const char* c_arguments = #arglist;                                                    \
    static constexpr auto prelude = prelude_function;                                                       \
    static SCM body arglist;                                                                                \
  };                                                                                                        \
  const ::gg::RegisterProcedure c_name##_registration{                                                      \
      ::gg::procedure_detail::procedure_spec<c_name##_procedure>(&c_name##_procedure::body)};               \
  }                                                                                                         \
  SCM c_name##_procedure::body arglist

namespace gg {

// Work done once at init, before procedures are defined (creating foreign
// object types, port types); registered from the file that owns it.
std::vector<void (*)()>& initializer_registry();

struct RegisterInitializer {
  explicit RegisterInitializer(void (*init)()) { initializer_registry().push_back(init); }
};

}  // namespace gg

#define GG_INITIALIZER(c_name)                                           \
  static void c_name();                                                  \
  static const ::gg::RegisterInitializer c_name##_registration{&c_name}; \
  static void c_name()
