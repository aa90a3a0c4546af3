// Password files of PSK and SRP credentials, and the strings handed to
// GnuTLS with them.  GnuTLS only says "file error": the error raised names
// the file and why it could not be read.
#pragma once

#include <libguile.h>

#include <string>
#include <vector>

namespace gg {

// A string GnuTLS takes as a C string (a user name, a password): UTF-8,
// without NUL characters (OutOfRange otherwise).
std::string c_string_argument(SCM obj, int position);

// A file name as Guile's own file procedures encode it (the locale's
// encoding), so any name `open-file' accepts names the same file here.
struct FileName {
  SCM given;          // the Scheme string, for error messages
  std::string bytes;  // what the system is given
};
FileName file_name_argument(SCM obj, int position);

// Throw GnutlsError(code) whose extra arguments are the first of `files`
// that cannot be read (as the caller gave it) and the system's reason; or
// all of `files` when each is readable (their contents were at fault).
[[noreturn]] void throw_password_file_error(int code, const std::vector<FileName>& files);

// A user name a peer sent, as a string, or #f for null.  Bytes that are
// not UTF-8 become question marks rather than an error.
SCM user_name_from(const char* name);

}  // namespace gg
