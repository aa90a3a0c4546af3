// The C++ exceptions the core throws.  None of them reaches Guile: the
// boundary (boundary.hh) turns each into the matching Scheme error once
// every C++ object of the call has been destroyed.
#pragma once

#include "captured_exception.hh"

#include <libguile.h>

#include <functional>
#include <stdexcept>
#include <string>

namespace gg {

// A GnuTLS error code, raised as (gnutls-error ERROR PROCEDURE . EXTRA).
// `extra` builds the extra arguments in Guile mode at raise time.
class GnutlsError : public std::runtime_error {
 public:
  explicit GnutlsError(int code, std::function<SCM()> extra = {});
  // With a human-readable explanation (what()).  The Scheme error keeps
  // the shape guile-gnutls raised, (gnutls-error ERROR PROCEDURE), which
  // handlers of three arguments expect; the explanation travels beside it
  // (see error_explanation in boundary.hh) and the error printer shows it.
  GnutlsError(int code, const std::string& message);
  int code() const { return code_; }
  bool explained() const { return explained_; }
  SCM extra_arguments() const;

 private:
  int code_;
  bool explained_ = false;
  std::function<SCM()> extra_;
};

// Argument `position` (1-based) of the procedure is not of the right type.
class WrongTypeArgument : public std::invalid_argument {
 public:
  WrongTypeArgument(int position, SCM object, const char* expected = nullptr)
      : std::invalid_argument("wrong type argument"),
        position_(position),
        object_(object),
        expected_(expected) {}
  int position() const { return position_; }
  SCM object() const { return object_; }  // an argument, so still referenced
  const char* expected() const { return expected_; }

 private:
  int position_;
  SCM object_;
  const char* expected_;
};

// Argument `position` has the right type but an unacceptable value.
class OutOfRange : public std::out_of_range {
 public:
  OutOfRange(int position, SCM object)
      : std::out_of_range("argument out of range"), position_(position), object_(object) {}
  int position() const { return position_; }
  SCM object() const { return object_; }

 private:
  int position_;
  SCM object_;
};

// A failed system call, raised as Guile's system-error.
class SystemError : public std::runtime_error {
 public:
  explicit SystemError(int errno_value) : std::runtime_error("system error"), errno_value_(errno_value) {}
  int errno_value() const { return errno_value_; }

 private:
  int errno_value_;
};

// A Scheme exception caught while GnuTLS was running, to be raised again.
class PendingSchemeException : public std::exception {
 public:
  explicit PendingSchemeException(CapturedException captured) : captured_(std::move(captured)) {}
  const CapturedException& captured() const { return captured_; }
  const char* what() const noexcept override { return "Scheme exception"; }

 private:
  CapturedException captured_;
};

}  // namespace gg
