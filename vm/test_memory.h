// Memory figures of this process for tests that bound what an input costs.
#ifndef ETA_VM_TEST_MEMORY_H_
#define ETA_VM_TEST_MEMORY_H_

#include <cstddef>
#include <fstream>
#include <string>

namespace eta::vm::testing {

// ProcStatusKb reads one "Key:   N kB" line of /proc/self/status (VmRSS,
// VmHWM, ...); 0 if there is none.
inline size_t ProcStatusKb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  const std::string prefix = key + ":";
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stoul(line.substr(prefix.size()));
  }
  return 0;
}

}  // namespace eta::vm::testing

#endif  // ETA_VM_TEST_MEMORY_H_
