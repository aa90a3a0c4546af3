#include "password_files.hh"

#include "convert.hh"
#include "errors.hh"

#include <langinfo.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace gg {

std::string c_string_argument(SCM obj, int position) {
  std::string text = string_argument(obj, position);
  if (text.find('\0') != std::string::npos) throw OutOfRange(position, obj);
  return text;
}

FileName file_name_argument(SCM obj, int position) {
  if (!scm_is_string(obj)) throw WrongTypeArgument(position, obj, "string");
  size_t length = 0;
  // Question marks for what the locale cannot encode: never a Scheme error
  // from here; such a name then fails as a missing file.
  std::unique_ptr<char, decltype(&std::free)> bytes(
      scm_to_stringn(obj, &length, nl_langinfo(CODESET), SCM_FAILED_CONVERSION_QUESTION_MARK), &std::free);
  std::string name(bytes.get(), length);
  if (name.find('\0') != std::string::npos) throw OutOfRange(position, obj);
  return {obj, name};
}

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

SCM user_name_from(const char* name) {
  if (name == nullptr) return SCM_BOOL_F;
  return scm_from_stringn(name, std::strlen(name), "UTF-8", SCM_FAILED_CONVERSION_QUESTION_MARK);
}

}  // namespace gg
