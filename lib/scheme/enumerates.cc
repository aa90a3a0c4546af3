// The TYPE->string procedure of every enumerate type, named after the
// types of the enumerate table.
#include "enumerates.hh"
#include "procedures.hh"

#include <array>
#include <string>
#include <utility>

namespace gg {

namespace {

// The procedure for the enumerates of kind K, as GG_DEFINE would define
// it, with the name only known at init ("cipher->string").
template <EnumKind K>
struct ToStringProcedure {
  static inline std::string name;
  static inline const char* scheme_name = nullptr;
  static inline const char* procedure_name = nullptr;
  static constexpr const char* section = nullptr;  // the manual lists it with its type's values
  static constexpr const char* documentation =
      "Return a string describing @var{value}, an enumerate value of this type.";
  static constexpr const char* c_arguments = "(SCM value)";
  static constexpr auto prelude = nullptr;
  static SCM body(SCM value) { return scm_from_utf8_string(enumerate_description(K, value, 1)); }

  static ProcedureSpec spec(const char* type_name) {
    name = std::string(type_name) + "->string";
    scheme_name = procedure_name = name.c_str();
    return procedure_detail::procedure_spec<ToStringProcedure>(&body);
  }
};

template <size_t... I>
std::array<ProcedureSpec (*)(const char*), kEnumKindCount> spec_makers(std::index_sequence<I...>) {
  return {&ToStringProcedure<static_cast<EnumKind>(I)>::spec...};
}

}  // namespace

GG_INITIALIZER(register_enumerate_to_string_procedures) {
  static const auto makers = spec_makers(std::make_index_sequence<kEnumKindCount>{});
  for (const EnumTypeSpec& spec : enumerate_table())
    procedure_registry().push_back(makers[static_cast<size_t>(spec.kind)](spec.name));
}

}  // namespace gg
