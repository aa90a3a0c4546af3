#include "enumerates.hh"

#include "boundary.hh"
#include "printing.hh"
#include "procedures.hh"

#include <array>
#include <string>
#include <unordered_map>
#include <utility>

namespace gg {

namespace {

constexpr size_t kKindCount = static_cast<size_t>(EnumKind::x509_subject_alternative_name) + 1;

// What init builds from the description for one enumerate type.
struct EnumRuntime {
  const EnumTypeSpec* spec = nullptr;
  SCM type = SCM_BOOL_F;
  std::unordered_map<int, SCM> objects;  // value -> its object (permanent)
  std::string to_string_name;            // "cipher->string"
};

std::array<EnumRuntime, kKindCount>& runtimes() {
  static std::array<EnumRuntime, kKindCount> all;
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

template <EnumKind K>
SCM enumerate_to_string(SCM obj) {
  const EnumRuntime& rt = runtime(K);
  return guarded(rt.to_string_name.c_str(), [&] {
    enumerate_value(K, obj, 1);
    return scm_from_utf8_string(describe(rt, obj));
  });
}

template <size_t... I>
std::array<scm_t_subr, kKindCount> to_string_subrs(std::index_sequence<I...>) {
  return {reinterpret_cast<scm_t_subr>(&enumerate_to_string<static_cast<EnumKind>(I)>)...};
}

const char* kToStringDoc = "Return a string describing @var{value}, an enumerate value of this type.";

}  // namespace

void define_enumerates() {
  static const auto subrs = to_string_subrs(std::make_index_sequence<kKindCount>{});
  SCM documentation = scm_from_utf8_symbol("documentation");
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
    rt.to_string_name = std::string(spec.name) + "->string";
    SCM proc = scm_c_make_gsubr(rt.to_string_name.c_str(), 1, 0, 0, subrs[static_cast<size_t>(spec.kind)]);
    scm_set_procedure_property_x(proc, documentation, scm_from_utf8_string(kToStringDoc));
    set_argument_names(proc, "(SCM value)", 1, 0, 0);
    define_exported(rt.to_string_name.c_str(), proc);
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
