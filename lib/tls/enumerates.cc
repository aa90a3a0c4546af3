#include "enumerates.hh"

#include "errors.hh"
#include "printing.hh"
#include "procedures.hh"

#include <array>
#include <string>
#include <unordered_map>
#include <utility>

namespace gg {

namespace {

// What init builds from the description for one enumerate type.
struct EnumRuntime {
  const EnumTypeSpec* spec = nullptr;
  SCM type = SCM_BOOL_F;
  std::unordered_map<int, SCM> objects;  // value -> its object (permanent)
};

std::array<EnumRuntime, kEnumKindCount>& runtimes() {
  static std::array<EnumRuntime, kEnumKindCount> all;
  return all;
}

EnumRuntime& runtime(EnumKind kind) { return runtimes()[static_cast<size_t>(kind)]; }

// Slots of an enumerate object: its value, and the canonical name's spec.
int object_value(SCM obj) {
  return static_cast<int>(reinterpret_cast<intptr_t>(scm_foreign_object_ref(obj, 0)));
}
const EnumValueSpec* object_spec(SCM obj) {
  return static_cast<const EnumValueSpec*>(scm_foreign_object_ref(obj, 1));
}

std::string printed_enumerate(SCM obj, const EnumRuntime& rt) {
  return std::string("#<gnutls-") + rt.spec->name + "-enum " + object_spec(obj)->name + ">";
}

const char* describe(const EnumRuntime& rt, SCM obj) {
  const char* text = rt.spec->describe ? rt.spec->describe(object_value(obj)) : nullptr;
  return text != nullptr ? text : object_spec(obj)->name;
}

}  // namespace

const char* enumerate_description(EnumKind kind, SCM obj, int position) {
  enumerate_value(kind, obj, position);
  return describe(runtime(kind), obj);
}

void define_enumerates() {
  for (const EnumTypeSpec& spec : enumerate_table()) {
    EnumRuntime& rt = runtime(spec.kind);
    rt.spec = &spec;
    std::string class_name = std::string("gnutls-") + spec.name + "-enum";
    rt.type = scm_make_foreign_object_type(
        scm_from_utf8_symbol(class_name.c_str()),
        scm_list_2(scm_from_utf8_symbol("value"), scm_from_utf8_symbol("name")), nullptr);
    scm_permanent_object(rt.type);
    register_printable_type(rt.type, [](SCM obj) {
      for (const EnumRuntime& r : runtimes())
        if (SCM_IS_A_P(obj, r.type)) return printed_enumerate(obj, r);
      return std::string("#<gnutls-enum>");
    });
    for (const EnumValueSpec& value : spec.values) {
      auto found = rt.objects.find(value.value);
      SCM obj;
      if (found == rt.objects.end()) {
        obj = scm_permanent_object(
            scm_make_foreign_object_2(rt.type, reinterpret_cast<void*>(static_cast<intptr_t>(value.value)),
                                      const_cast<EnumValueSpec*>(&value)));
        rt.objects.emplace(value.value, obj);
      } else {
        obj = found->second;  // an alias
      }
      std::string name = std::string(spec.name) + "/" + value.name;
      define_exported(name.c_str(), obj);
    }
  }
}

SCM enumerate(EnumKind kind, int value) {
  const EnumRuntime& rt = runtime(kind);
  auto found = rt.objects.find(value);
  return found == rt.objects.end() ? SCM_BOOL_F : found->second;
}

SCM error_enumerate(int code) {
  SCM obj = enumerate(EnumKind::error, code);
  // Every GnuTLS error is described; an unknown code from a newer GnuTLS
  // still raises something meaningful.
  return scm_is_false(obj) ? scm_from_int(code) : obj;
}

bool is_enumerate(EnumKind kind, SCM obj) { return SCM_IS_A_P(obj, runtime(kind).type); }

int enumerate_value(EnumKind kind, SCM obj, int position) {
  if (!is_enumerate(kind, obj)) throw WrongTypeArgument(position, obj);
  return object_value(obj);
}

unsigned enumerate_flags(EnumKind kind, SCM list, int position) {
  // Improper and circular lists are refused before walking them.
  if (scm_ilength(list) < 0) throw WrongTypeArgument(position, list, "list");
  unsigned flags = 0;
  for (SCM rest = list; !scm_is_null(rest); rest = SCM_CDR(rest)) {
    if (!scm_is_pair(rest)) throw WrongTypeArgument(position, list);
    flags |= static_cast<unsigned>(enumerate_value(kind, SCM_CAR(rest), position));
  }
  return flags;
}

// Consed in table order, so the list ends up in reverse table order:
// the order guile-gnutls listed flags in (for key usage, decipher-only
// first, digital-signature last), which programs compare with equal?.
SCM enumerate_list_from_flags(EnumKind kind, unsigned flags) {
  SCM result = SCM_EOL;
  const EnumRuntime& rt = runtime(kind);
  for (const EnumValueSpec& value : rt.spec->values) {
    unsigned bits = static_cast<unsigned>(value.value);
    if (bits != 0 && (flags & bits) == bits && enumerate(kind, value.value) != SCM_BOOL_F &&
        object_spec(enumerate(kind, value.value)) == &value)
      result = scm_cons(enumerate(kind, value.value), result);
  }
  return result;
}

}  // namespace gg
