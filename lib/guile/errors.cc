#include "errors.hh"

#include <gnutls/gnutls.h>

namespace gg {

GnutlsError::GnutlsError(int code, std::function<SCM()> extra)
    : std::runtime_error(gnutls_strerror(code)), code_(code), extra_(std::move(extra)) {}

GnutlsError::GnutlsError(int code, const std::string& message)
    : GnutlsError(code, [message] { return scm_list_1(scm_from_utf8_string(message.c_str())); }) {}

SCM GnutlsError::extra_arguments() const { return extra_ ? extra_() : SCM_EOL; }

}  // namespace gg
