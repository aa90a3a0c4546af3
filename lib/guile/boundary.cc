#include "boundary.hh"

namespace gg {

namespace {
ErrorEnumerateFunction installed_error_enumerate = nullptr;
}  // namespace

void set_error_enumerate_function(ErrorEnumerateFunction function) { installed_error_enumerate = function; }

SchemeErrorToRaise SchemeErrorToRaise::from_current_exception() {
  SchemeErrorToRaise e;
  try {
    throw;
  } catch (const GnutlsError& x) {
    e.kind = Kind::gnutls;
    e.first =
        installed_error_enumerate != nullptr ? installed_error_enumerate(x.code()) : scm_from_int(x.code());
    e.second = x.extra_arguments();
    if (x.explained()) e.explanation = scm_from_utf8_string(x.what());
  } catch (const WrongTypeArgument& x) {
    e.kind = Kind::wrong_type;
    e.first = x.object();
    e.position = x.position();
    e.expected = x.expected();
  } catch (const OutOfRange& x) {
    e.kind = Kind::out_of_range;
    e.first = x.object();
    e.position = x.position();
  } catch (const SystemError& x) {
    e.kind = Kind::system;
    e.position = x.errno_value();
  } catch (const PendingSchemeException& x) {
    e.kind = Kind::rethrow;
    e.first = x.captured().key();
    e.second = x.captured().args();
  } catch (const std::bad_alloc&) {
    e.kind = Kind::out_of_memory;
  } catch (const std::exception& x) {
    e.kind = Kind::internal;
    e.first = scm_from_utf8_string(x.what());
  } catch (...) {
    e.kind = Kind::internal;
    e.first = scm_from_utf8_string("unknown C++ exception");
  }
  return e;
}

namespace {

// The last explained gnutls-error raised in this thread, as (ARGS .
// EXPLANATION), or #f.  Guile's `throw' copies its argument list, so the
// printer receives a list equal to ARGS, not ARGS itself; a fluid keeps
// the pair per thread.
SCM last_explanation() {
  static SCM const fluid = scm_permanent_object(scm_make_fluid_with_default(SCM_BOOL_F));
  return fluid;
}

}  // namespace

SCM error_explanation(SCM args) {
  SCM last = scm_fluid_ref(last_explanation());
  if (scm_is_pair(last) && scm_is_true(scm_equal_p(scm_car(last), args))) return scm_cdr(last);
  return SCM_BOOL_F;
}

void SchemeErrorToRaise::raise(const char* who) const {
  static SCM const gnutls_error = scm_from_utf8_symbol("gnutls-error");
  switch (kind) {
    case Kind::gnutls: {
      SCM args = scm_cons2(first, scm_from_utf8_symbol(who), second);
      scm_fluid_set_x(last_explanation(),
                      scm_is_string(explanation) ? scm_cons(args, explanation) : SCM_BOOL_F);
      scm_throw(gnutls_error, args);
    }
    case Kind::wrong_type:
      if (expected != nullptr) scm_wrong_type_arg_msg(who, position, first, expected);
      scm_wrong_type_arg(who, position, first);
    case Kind::out_of_range:
      scm_out_of_range_pos(who, first, scm_from_int(position));
    case Kind::system:
      errno = position;
      scm_syserror(who);
    case Kind::rethrow:
      CapturedException::reraise(first, second);
    case Kind::out_of_memory:
      scm_report_out_of_memory();
      break;
    case Kind::internal:
    case Kind::none:
      break;
  }
  scm_misc_error(who, "internal error: ~A", scm_list_1(first));
}

}  // namespace gg
