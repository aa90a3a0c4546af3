#include "password_files.hh"

#include "errors.hh"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gg {

void throw_password_file_error(int code, const std::vector<FileName>& files) {
  for (const FileName& file : files) {
    if (access(file.bytes.c_str(), R_OK) != 0) {
      std::string reason = std::strerror(errno);
      SCM given = file.given;  // an argument of the call, so still referenced
      throw GnutlsError(
          code, [given, reason] { return scm_list_2(given, scm_from_locale_string(reason.c_str())); });
    }
  }
  SCM names = SCM_EOL;
  for (auto it = files.rbegin(); it != files.rend(); ++it) names = scm_cons(it->given, names);
  throw GnutlsError(code, [names] { return names; });
}

}  // namespace gg
