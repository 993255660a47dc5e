// Test helper: a fresh directory for ipc endpoints.
#ifndef ETA_NET_TEST_DIRS_H_
#define ETA_NET_TEST_DIRS_H_

#include <stdlib.h>

#include <string>
#include <vector>

namespace eta::net::testing {

// EndpointDir makes a fresh directory /tmp/PREFIX-XXXXXX (mkdtemp's
// template) and returns its path, or "" if it cannot. It is under /tmp,
// not TEST_TMPDIR: a socket path must be short (about 100 bytes), and
// TEST_TMPDIR often is too long for one.
inline std::string EndpointDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  return ::mkdtemp(buffer.data()) != nullptr ? std::string(buffer.data()) : "";
}

}  // namespace eta::net::testing

#endif  // ETA_NET_TEST_DIRS_H_
