// How wrapped objects print (#<gnutls-session 7f...>, #<gnutls-cipher-enum
// aes-128-cbc>).  Foreign object types are GOOPS classes, so the module
// installs one `write' method per registered type.
#pragma once

#include <libguile.h>

#include <string>

namespace gg {

using Printer = std::string (*)(SCM obj);

// `printer` null: #<name address>.
void register_printable_type(SCM type, const char* name, Printer printer = nullptr);
void register_printable_type(SCM type, Printer printer);

// Define %gnutls-object-types (not exported) in the current module; the
// procedure %gnutls-object->string, which prints one, is defined with the
// others.
void define_printing_support();

}  // namespace gg
