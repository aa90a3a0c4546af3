#include "procedures.hh"

#include <cctype>
#include <string>
#include <vector>

namespace gg {

std::vector<ProcedureSpec>& procedure_registry() {
  static std::vector<ProcedureSpec> registry;
  return registry;
}

void define_exported(const char* name, SCM value) {
  scm_c_define(name, value);
  scm_c_export(name, nullptr);
}

namespace {

// "(SCM cert_file, SCM format)" -> {"cert-file", "format"}.
std::vector<std::string> argument_names(const std::string& c_arguments) {
  std::vector<std::string> names;
  std::string current;
  bool in_word = false;
  for (char c : c_arguments) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      if (!in_word) current.clear();
      current += c == '_' ? '-' : c;
      in_word = true;
    } else {
      in_word = false;
      if ((c == ',' || c == ')') && !current.empty()) {
        while (!current.empty() && current.back() == '-') current.pop_back();
        names.push_back(current);
        current.clear();
      }
    }
  }
  return names;
}

SCM symbol_list(const std::vector<std::string>& names, size_t from, size_t to) {
  SCM list = SCM_EOL;
  for (size_t i = to; i > from; --i) list = scm_cons(scm_from_utf8_symbol(names[i - 1].c_str()), list);
  return list;
}

}  // namespace

void set_argument_names(SCM proc, const char* c_arguments, int required, int optional, int rest) {
  std::vector<std::string> names = argument_names(c_arguments);
  size_t total = static_cast<size_t>(required + optional + rest);
  if (names.size() != total) return;  // not a plain parameter list: no names
  auto req = static_cast<size_t>(required);
  auto opt = static_cast<size_t>(optional);
  SCM rest_name = rest ? scm_from_utf8_symbol(names.back().c_str()) : SCM_BOOL_F;
  // (REQUIRED OPTIONAL KEYWORDS ALLOW-OTHER-KEYS? REST), as Guile's own
  // procedure-arguments reads it.
  SCM arglist = scm_list_5(symbol_list(names, 0, req), symbol_list(names, req, req + opt), SCM_EOL,
                           SCM_BOOL_F, rest_name);
  scm_set_procedure_property_x(proc, scm_from_utf8_symbol("arglist"), arglist);
}

void set_manual_section(SCM proc, const char* section) {
  if (section == nullptr) return;
  scm_set_procedure_property_x(proc, scm_from_utf8_symbol("manual-section"), scm_from_utf8_string(section));
}

void define_registered_procedures() {
  SCM documentation = scm_from_utf8_symbol("documentation");
  for (const ProcedureSpec& spec : procedure_registry()) {
    SCM proc = scm_c_make_gsubr(spec.name, spec.required, spec.optional, spec.rest, spec.function);
    scm_set_procedure_property_x(proc, documentation, scm_from_utf8_string(spec.documentation));
    set_argument_names(proc, spec.c_arguments, spec.required, spec.optional, spec.rest);
    set_manual_section(proc, spec.section);
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
