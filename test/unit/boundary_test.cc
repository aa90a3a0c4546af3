// The procedure macro and the boundary: arity and argument names come from
// the C++ signature, the body runs inside `guarded' under the procedure's
// name, and a forced unwind (thread cancellation) passes through; Foreign
// unwraps through a base class.
#include "boundary.hh"
#include "foreign.hh"
#include "procedures.hh"

#include <libguile.h>
#include <pthread.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <string>

namespace gg {

GG_DEFINE(boundary_test_procedure, "boundary-test-procedure", manual::library,
          (SCM first_value, Optional second, Rest others), "A procedure for the unit test.") {
  if (scm_is_eq(first_value, SCM_BOOL_F)) throw WrongTypeArgument(1, first_value);
  return scm_list_3(first_value, second.given() ? SCM(second) : scm_from_utf8_symbol("none"), others);
}

}  // namespace gg

namespace {

const gg::ProcedureSpec* find_spec(const char* name) {
  for (const gg::ProcedureSpec& spec : gg::procedure_registry())
    if (std::string(spec.name) == name) return &spec;
  return nullptr;
}

std::string written(SCM obj) {
  char* text = scm_to_utf8_string(scm_object_to_string(obj, SCM_UNDEFINED));
  std::string result(text);
  free(text);
  return result;
}

}  // namespace

TEST_CASE("the arity is counted from the parameter types", "[procedure]") {
  using gg::Optional;
  using gg::Rest;
  using A = gg::procedure_detail::Arity<SCM, SCM, Optional, Rest>;
  STATIC_REQUIRE(A::required == 2);
  STATIC_REQUIRE(A::optional == 1);
  STATIC_REQUIRE(A::rest == 1);
  STATIC_REQUIRE(A::ordered());
  STATIC_REQUIRE_FALSE(gg::procedure_detail::Arity<Optional, SCM>::ordered());
  const gg::ProcedureSpec* spec = find_spec("boundary-test-procedure");
  REQUIRE(spec != nullptr);
  REQUIRE(spec->required == 1);
  REQUIRE(spec->optional == 1);
  REQUIRE(spec->rest == 1);
  REQUIRE(std::string(spec->section) == "Library Procedures");
}

TEST_CASE("a parameter without a name is found at compile time", "[procedure]") {
  using gg::procedure_detail::named_parameter_count;
  STATIC_REQUIRE(named_parameter_count("()") == 0);
  STATIC_REQUIRE(named_parameter_count("(SCM a)") == 1);
  STATIC_REQUIRE(named_parameter_count("(SCM a, Optional b, Rest c)") == 3);
  STATIC_REQUIRE(named_parameter_count("(SCM a, SCM)") == -1);
  STATIC_REQUIRE(named_parameter_count("(SCM)") == -1);
}

TEST_CASE("a defined procedure has its names and runs inside the boundary", "[procedure]") {
  gg::define_registered_procedures();
  REQUIRE(written(scm_c_eval_string("((@ (ice-9 session) procedure-arguments) boundary-test-procedure)")) ==
          "((required first-value) (optional second) (keyword) (allow-other-keys? . #f) (rest . others))");
  REQUIRE(written(scm_c_eval_string("(boundary-test-procedure 1)")) == "(1 none ())");
  REQUIRE(written(scm_c_eval_string("(boundary-test-procedure 1 2 3 4)")) == "(1 2 (3 4))");
  // The body's C++ exception is raised as the Scheme error, naming the procedure.
  REQUIRE(written(scm_c_eval_string("(catch #t (lambda () (boundary-test-procedure #f))"
                                    "  (lambda (key who . rest) (list key who)))")) ==
          "(wrong-type-arg \"boundary-test-procedure\")");
}

TEST_CASE("a forced unwind passes through the boundary", "[boundary]") {
  // Cancelling a thread unwinds its stack with abi::__forced_unwind; the
  // boundary must not swallow it (the runtime aborts if it is not rethrown).
  pthread_t thread;
  auto body = [](void*) -> void* {
    gg::guarded("cancelled-procedure", [] {
      for (;;) pause();  // a cancellation point
      return SCM_UNSPECIFIED;
    });
    return nullptr;
  };
  REQUIRE(pthread_create(&thread, nullptr, body, nullptr) == 0);
  REQUIRE(pthread_cancel(thread) == 0);
  void* result = nullptr;
  REQUIRE(pthread_join(thread, &result) == 0);
  REQUIRE(result == PTHREAD_CANCELED);
}

namespace {

struct TestBase {
  virtual ~TestBase() = default;
  virtual int kind() const = 0;
};
struct TestDerived final : TestBase {
  int kind() const override { return 7; }
};

}  // namespace

TEST_CASE("Foreign unwraps through a base class and defines the predicate", "[foreign]") {
  gg::Foreign<TestDerived>::define_type<TestBase>(
      "test-derived", {"test-derived?", "Return true if @var{obj} is a test object.", gg::manual::library});
  SCM obj = gg::Foreign<TestDerived>::make();
  REQUIRE(gg::Foreign<TestBase>::unwrap(obj) == gg::Foreign<TestDerived>::unwrap(obj));
  REQUIRE(gg::Foreign<TestBase>::require(obj, 1).kind() == 7);
  REQUIRE(gg::Foreign<TestBase>::unwrap(SCM_BOOL_T) == nullptr);
  const gg::ProcedureSpec* spec = find_spec("test-derived?");
  REQUIRE(spec != nullptr);
  REQUIRE(spec->required == 1);
  auto predicate = reinterpret_cast<SCM (*)(SCM)>(spec->function);
  REQUIRE(scm_is_true(predicate(obj)));
  REQUIRE(scm_is_false(predicate(SCM_BOOL_T)));
  // A released object unwraps to null as its base too.
  gg::Foreign<TestDerived>::release(obj);
  REQUIRE(gg::Foreign<TestBase>::unwrap(obj) == nullptr);
  const char* expected = nullptr;
  try {
    gg::Foreign<TestBase>::require(obj, 2, "test object");
  } catch (const gg::WrongTypeArgument& e) {
    expected = e.expected();
  }
  REQUIRE(std::string(expected != nullptr ? expected : "none") == "test object");
}
