// ReadFile reads a whole file into a string.
#ifndef ETA_TOOLS_READ_FILE_H_
#define ETA_TOOLS_READ_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace eta::tools {

// ReadFile returns the file's bytes, or NotFound naming the file and errno.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace eta::tools

#endif  // ETA_TOOLS_READ_FILE_H_
