// What every VM made by the tools has: the core builtins and the socket
// layer's (net/), the embedded prelude, and (for spawn-thread) a way to make
// more such VMs.
#ifndef ETA_TOOLS_RUNTIME_H_
#define ETA_TOOLS_RUNTIME_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/actors.h"
#include "tools/runtime_primitives.h"
#include "vm/vm.h"

namespace eta::tools {

// LoadPrelude loads and runs the embedded prelude in `vm`.
absl::Status LoadPrelude(vm::VM& vm);

// RunFileModules compiles (or reads) the program `path` and its imports,
// loads them into `vm` and runs their bodies in order, calling `main` of the
// program's own modules when `call_main`. Returns the program's own module
// names. An uncaught error leaves vm.uncaught_error() set.
absl::StatusOr<std::vector<std::string>> RunFileModules(
    vm::VM& vm, const std::string& path, const std::vector<std::string>& search_path,
    bool call_main);

// ThreadHost makes the VMs of spawn-thread and spawn-thread-with: builtins,
// prelude, eval, module loading from the search path.
class ThreadHost : public net::ThreadHost {
 public:
  explicit ThreadHost(std::vector<std::string> search_path)
      : search_path_(std::move(search_path)) {}
  absl::Status WithNewVM(const std::function<absl::Status(vm::VM&)>& body) override;
  absl::StatusOr<std::string> LoadFile(vm::VM& vm, const std::string& path) override;

 private:
  std::vector<std::string> search_path_;
};

}  // namespace eta::tools

#endif  // ETA_TOOLS_RUNTIME_H_
