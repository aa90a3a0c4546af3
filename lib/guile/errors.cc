#include "errors.hh"

#include <gnutls/gnutls.h>

namespace gg {

GnutlsError::GnutlsError(int code, std::function<SCM()> extra)
    : std::runtime_error(gnutls_strerror(code)), code_(code), extra_(std::move(extra)) {}

GnutlsError::GnutlsError(int code, const std::string& message)
    : std::runtime_error(message), code_(code), explained_(true) {}

SCM GnutlsError::extra_arguments() const { return extra_ ? extra_() : SCM_EOL; }

}  // namespace gg
