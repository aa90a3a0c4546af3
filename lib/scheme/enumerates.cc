// The TYPE->string procedure of every enumerate type, named after the
// types of the enumerate table.
#include "enumerates.hh"
#include "procedures.hh"

#include <array>
#include <string>
#include <utility>

namespace gg {

namespace {

// The procedure for the enumerates of kind K, its name ("cipher->string")
// made from the table at init.
template <EnumKind K>
struct ToString {
  static constexpr const char* c_arguments = "(SCM value)";
  static SCM body(SCM value) { return scm_from_utf8_string(enumerate_description(K, value, 1)); }

  static void add(const char* type_name) {
    static const std::string name = std::string(type_name) + "->string";
    // No section: the manual lists it with its type's values.
    RegisteredProcedure<ToString>::add(
        name.c_str(), "Return a string describing @var{value}, an enumerate value of this type.", nullptr);
  }
};

template <size_t... I>
std::array<void (*)(const char*), kEnumKindCount> adders(std::index_sequence<I...>) {
  return {&ToString<static_cast<EnumKind>(I)>::add...};
}

}  // namespace

GG_INITIALIZER(register_enumerate_to_string_procedures) {
  static const auto add = adders(std::make_index_sequence<kEnumKindCount>{});
  for (const EnumTypeSpec& spec : enumerate_table()) add[static_cast<size_t>(spec.kind)](spec.name);
}

}  // namespace gg
