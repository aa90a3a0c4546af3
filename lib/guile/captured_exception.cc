#include "captured_exception.hh"

namespace gg {

CapturedException::CapturedException(SCM key, SCM args) : key_(key), args_(args), held_(true) {
  scm_gc_protect_object(key_);
  scm_gc_protect_object(args_);
}

CapturedException::CapturedException(CapturedException&& other) noexcept
    : key_(other.key_), args_(other.args_), held_(other.held_) {
  other.held_ = false;
}

CapturedException& CapturedException::operator=(CapturedException&& other) noexcept {
  if (this != &other) {
    release();
    key_ = other.key_;
    args_ = other.args_;
    held_ = other.held_;
    other.held_ = false;
  }
  return *this;
}

CapturedException::~CapturedException() { release(); }

void CapturedException::release() {
  if (held_) {
    scm_gc_unprotect_object(key_);
    scm_gc_unprotect_object(args_);
    held_ = false;
  }
}

namespace {

struct RunState {
  void (*body)(void*);
  void* data;
  SCM key = SCM_BOOL_F;
  SCM args = SCM_EOL;
  bool caught = false;
};

SCM run_body(void* p) {
  auto* state = static_cast<RunState*>(p);
  state->body(state->data);
  return SCM_UNSPECIFIED;
}

SCM catch_handler(void* p, SCM key, SCM args) {
  auto* state = static_cast<RunState*>(p);
  state->key = key;
  state->args = args;
  state->caught = true;
  return SCM_UNSPECIFIED;
}

}  // namespace

CapturedException CapturedException::run_raw(void (*body)(void*), void* data) {
  RunState state{body, data};
  scm_c_catch(SCM_BOOL_T, run_body, &state, catch_handler, &state, nullptr, nullptr);
  if (!state.caught) return {};
  return CapturedException(state.key, state.args);
}

void CapturedException::reraise(SCM key, SCM args) {
  // `catch` reports an exception that was not a `throw` as key %exception
  // with the exception object as sole argument: raise that object itself.
  static SCM const exception_key = scm_from_utf8_symbol("%exception");
  if (scm_is_eq(key, exception_key) && scm_is_pair(args) && scm_is_null(scm_cdr(args))) {
    static SCM const raise = scm_variable_ref(scm_c_public_lookup("guile", "raise-exception"));
    scm_call_1(raise, scm_car(args));
  }
  scm_throw(key, args);
  __builtin_unreachable();
}

}  // namespace gg
