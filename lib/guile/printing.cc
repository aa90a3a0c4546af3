#include "printing.hh"

#include "errors.hh"
#include "procedures.hh"

#include <cstdio>
#include <string>
#include <vector>

namespace gg {

namespace {

struct PrintableType {
  SCM type;
  std::string name;
  Printer printer;
};

std::vector<PrintableType>& printable_types() {
  static std::vector<PrintableType> types;
  return types;
}

SCM object_to_string(SCM obj) {
  for (const PrintableType& t : printable_types()) {
    if (!SCM_IS_A_P(obj, t.type)) continue;
    if (t.printer != nullptr) return scm_from_utf8_string(t.printer(obj).c_str());
    char text[128];
    std::snprintf(text, sizeof text, "#<%s %lx>", t.name.c_str(),
                  static_cast<unsigned long>(SCM_UNPACK(obj)));
    return scm_from_utf8_string(text);
  }
  throw WrongTypeArgument(1, obj, "object of this module");
}

}  // namespace

void register_printable_type(SCM type, const char* name, Printer printer) {
  printable_types().push_back({type, name, printer});
}

void register_printable_type(SCM type, Printer printer) { printable_types().push_back({type, "", printer}); }

void define_printing_support() {
  SCM types = SCM_EOL;
  for (const PrintableType& t : printable_types()) types = scm_cons(t.type, types);
  scm_c_define("%gnutls-object-types", types);
}

GG_DEFINE(gnutls_object_to_string, "%gnutls-object->string", manual::library, (SCM obj),
          "Return the text that the printer of this module's objects shows "
          "for @var{obj}, one of its objects, such as "
          "@code{#<gnutls-session 7f...>}.  The printers installed for every "
          "type of @code{%gnutls-object-types} call it.") {
  return object_to_string(obj);
}

}  // namespace gg
