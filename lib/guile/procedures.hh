// Each source file registers its own Scheme procedures, with docstrings,
// next to their code; init defines and exports them all at once.
#pragma once

#include <libguile.h>

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

}  // namespace gg

// GG_PROCEDURE (c_name, "scheme-name", required, optional, rest, (SCM a, ...), "doc")
// { body }  defines a static C function and registers it.
#define GG_PROCEDURE(c_name, scheme_name, req, opt, rest, arglist, doc)                    \
  static SCM c_name arglist;                                                               \
  static const ::gg::RegisterProcedure c_name##_registration{::gg::ProcedureSpec{          \
      scheme_name, req, opt, rest, reinterpret_cast<scm_t_subr>(&c_name), doc, #arglist}}; \
  static SCM c_name arglist

namespace gg {

// Work done once at init, before procedures are defined (creating foreign
// object types, port types); registered from the file that owns it.
std::vector<void (*)()>& initializer_registry();

struct RegisterInitializer {
  explicit RegisterInitializer(void (*init)()) { initializer_registry().push_back(init); }
};

}  // namespace gg

#define GG_INITIALIZER(c_name)                                                          \
  static void c_name();                                                                 \
  static const ::gg::RegisterInitializer c_name##_registration{&c_name};                \
  static void c_name()
