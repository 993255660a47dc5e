#include "tools/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace eta::tools {

// Plain POSIX reads: iostreams would set up locales, which costs a new
// etai (every spawned actor) measurable start-up time.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  auto failure = [&](int error) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(error)));
  };
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure(errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int error = errno;
    close(fd);
    return failure(error);
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": it is a directory"));
  }
  std::string bytes;
  if (S_ISREG(st.st_mode)) bytes.reserve(static_cast<size_t>(st.st_size));
  char buffer[65536];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      close(fd);
      return failure(error);
    }
    bytes.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return bytes;
}

}  // namespace eta::tools
