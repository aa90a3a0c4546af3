// Enumerates: each GnuTLS enumeration is a disjoint Scheme type with one
// object per value (compared with eq?) and a TYPE->string procedure.  All of
// them come from the single description in enumerates.def.
#pragma once

#include <gnutls/gnutls.h>
#include <libguile.h>

#include <cstddef>
#include <vector>

namespace gg {

// One kind for each type of the description (enumerates.def), in its order.
enum class EnumKind {
#define GG_ENUMERATE(kind, name, describe) kind,
#include "enumerates.def"
};

// How many kinds there are.
inline constexpr size_t kEnumKindCount = 0
#define GG_ENUMERATE(kind, name, describe) +1
#include "enumerates.def"
    ;

struct EnumValueSpec {
  const char* name;  // Scheme name after "TYPE/"
  int value;
};

struct EnumTypeSpec {
  EnumKind kind;
  const char* name;                    // Scheme type name: "cipher"
  const char* (*describe)(int value);  // GnuTLS's name for ->string, or null
  std::vector<EnumValueSpec> values;   // first name of a value is canonical,
                                       // later ones are aliases (same object)
};

// The description, indexed by EnumKind.
const std::vector<EnumTypeSpec>& enumerate_table();

// Create every enumerate type and value, and export the values.
void define_enumerates();

// What TYPE->string answers for `obj`, an enumerate of `kind` (the
// argument at `position`; anything else throws WrongTypeArgument).
const char* enumerate_description(EnumKind kind, SCM obj, int position);

// The object for `value`, or #f when GnuTLS returned a value not described.
SCM enumerate(EnumKind kind, int value);
SCM error_enumerate(int code);

// The value of `obj`, which must be of `kind`: WrongTypeArgument otherwise.
int enumerate_value(EnumKind kind, SCM obj, int position);

// The encoding an x509-certificate-format/ argument names.
inline gnutls_x509_crt_fmt_t format_argument(SCM obj, int position) {
  return static_cast<gnutls_x509_crt_fmt_t>(
      enumerate_value(EnumKind::x509_certificate_format, obj, position));
}
// The dotted OID ("2.5.4.3") an oid/ argument names.
const char* oid_argument(SCM obj, int position);
bool is_enumerate(EnumKind kind, SCM obj);

// The bitwise OR of a list of values of `kind` (flags); position names the
// argument for errors.
unsigned enumerate_flags(EnumKind kind, SCM list, int position);
// The list of values of `kind` whose bits are set in `flags`, in the
// reverse of their table order (as guile-gnutls listed them).
SCM enumerate_list_from_flags(EnumKind kind, unsigned flags);

}  // namespace gg
