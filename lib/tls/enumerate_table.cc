// The enumerate table, built from the one description of every enumerate
// (enumerates.def): Scheme names, GnuTLS values, and the GnuTLS function
// naming a value for TYPE->string.
#include "enumerates.hh"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/openpgp.h>
#include <gnutls/x509.h>

#include <string_view>

namespace gg {

namespace {

// Values the old bindings exported that GnuTLS no longer defines: they stay
// distinct objects, but GnuTLS never returns them.
constexpr int kObsoleteLzo = -0x4c5a;

// Values of algorithms newer than the GnuTLS this is built with (post-quantum
// ML-DSA and ML-KEM, RSA-OAEP keys): the names are exported for programs
// written against newer bindings, below a negative base GnuTLS never uses,
// so that GnuTLS refuses them and returns none of them.
constexpr int kNewerThanGnutls = -0x7000;

// The OIDs of the oid kind: a value of the kind is its index here, and
// ->string gives the Scheme name.
struct OidName {
  const char* name;
  const char* oid;
};
constexpr OidName kOids[] = {
#define GG_OID(name, oid) {name, oid},
#include "enumerates.def"
};

constexpr int oid_index(std::string_view oid) {
  int i = 0;
  while (kOids[i].oid != oid) ++i;
  return i;
}

#define DESCRIBE(fn, type) [](int v) -> const char* { return fn(static_cast<type>(v)); }
// The same for kinds with values below kNewerThanGnutls, which the GnuTLS
// enumeration cannot hold (they are named after their Scheme name).
#define DESCRIBE_KNOWN(fn, type) \
  [](int v) -> const char* { return v < 0 ? nullptr : fn(static_cast<type>(v)); }

const char* describe_error(int code) { return gnutls_strerror(code); }

}  // namespace

// clang-format off
const std::vector<EnumTypeSpec>& enumerate_table() {
  static const std::vector<EnumTypeSpec> table = {
#define GG_ENUMERATE(kind, name, describe) {EnumKind::kind, name, describe, {
#define GG_VALUE(name, value) {name, value},
#define GG_OID(name, oid) {name, oid_index(oid)},
#define GG_END_ENUMERATE }},
#include "enumerates.def"
  };
  return table;
}
// clang-format on

const char* oid_argument(SCM obj, int position) {
  return kOids[enumerate_value(EnumKind::oid, obj, position)].oid;
}

}  // namespace gg
