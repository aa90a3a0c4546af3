#include "guile/procedures.hh"

namespace gg {

std::vector<ProcedureSpec>& procedure_registry() {
  static std::vector<ProcedureSpec> registry;
  return registry;
}

void define_exported(const char* name, SCM value) {
  scm_c_define(name, value);
  scm_c_export(name, nullptr);
}

void define_registered_procedures() {
  SCM documentation = scm_from_utf8_symbol("documentation");
  for (const ProcedureSpec& spec : procedure_registry()) {
    SCM proc = scm_c_make_gsubr(spec.name, spec.required, spec.optional, spec.rest, spec.function);
    scm_set_procedure_property_x(proc, documentation, scm_from_utf8_string(spec.documentation));
    define_exported(spec.name, proc);
  }
}

}  // namespace gg

namespace gg {

std::vector<void (*)()>& initializer_registry() {
  static std::vector<void (*)()> registry;
  return registry;
}

}  // namespace gg
