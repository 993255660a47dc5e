#include "vm/module_files.h"

#include <sys/stat.h>

#include <cstdint>

namespace eta::vm {
namespace {

bool Stat(const std::string& path, int64_t* mtime) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *mtime = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  return true;
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool IsRegularFile(const std::string& path) {
  int64_t ignored;
  return Stat(path, &ignored);
}

std::string ChooseModuleFile(const std::string& path) {
  int64_t source_time = 0;
  bool has_source = Stat(path, &source_time);
  if (EndsWith(path, ".eta")) {
    std::string compiled = path + "c";
    int64_t compiled_time = 0;
    if (Stat(compiled, &compiled_time) && (!has_source || compiled_time >= source_time)) {
      return compiled;
    }
  }
  return has_source ? path : "";
}

}  // namespace eta::vm
