// Password files of PSK and SRP credentials.  GnuTLS only says "file error": the error raised names
// the file and why it could not be read.
#pragma once

#include "convert.hh"

#include <vector>

namespace gg {

// Throw GnutlsError(code) whose extra arguments are the first of `files`
// that cannot be read (as the caller gave it) and the system's reason; or
// all of `files` when each is readable (their contents were at fault).
[[noreturn]] void throw_password_file_error(int code, const std::vector<FileName>& files);

}  // namespace gg
