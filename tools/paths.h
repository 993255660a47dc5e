// ResolveUserPath resolves a path the user typed against the directory the
// user ran the command from (BUILD_WORKING_DIRECTORY under `bazel run`).
#ifndef ETA_TOOLS_PATHS_H_
#define ETA_TOOLS_PATHS_H_

#include <cstdlib>
#include <string>

namespace eta::tools {

// ResolveUserPath returns `path` made absolute against the user's directory
// when it is relative and `bazel run` moved the working directory.
inline std::string ResolveUserPath(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* dir = std::getenv("BUILD_WORKING_DIRECTORY");
  if (!dir || !*dir) return path;
  return std::string(dir) + "/" + path;
}

}  // namespace eta::tools

#endif  // ETA_TOOLS_PATHS_H_
