// Test helpers shared by the VM and tool tests: a VM with the primitives and
// the embedded prelude, compiling and running source text in it, and
// capturing what it prints.
#ifndef ETA_TOOLS_TEST_SUPPORT_H_
#define ETA_TOOLS_TEST_SUPPORT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vm/module.pb.h"
#include "vm/heap.h"
#include "vm/port.h"
#include "vm/vm.h"

namespace eta::tools::testing {

// NewVM returns a VM with every primitive registered and the embedded
// prelude loaded and run. It aborts the test binary if the prelude fails.
std::unique_ptr<vm::VM> NewVM(vm::VMOptions options = {});

// CompileSource compiles the program `text` (named `file_name` in errors)
// with the tools' builtin map; imported modules are found on
// `search_path` or in the embedded standard library and handed to
// `on_import` (which may be null). Returns the program's own modules.
absl::StatusOr<std::vector<eta::module::Module>> CompileSource(
    const std::string& text, const std::string& file_name,
    const std::vector<std::string>& search_path = {},
    std::function<absl::Status(const eta::module::Module&)> on_import = nullptr);

// RunSource compiles `text`, loads its imports and its own modules into
// `vm` and runs them in order (calling `main` of its own modules). A compile
// or load error is returned as is; an uncaught Eta error returns a non-OK
// status with vm.uncaught_error() set. With `internal_names` the program
// may call the standard library's internal (%) builtins, as a test of
// them must.
absl::Status RunSource(vm::VM& vm, const std::string& text,
                       const std::string& file_name = "test.eta", bool internal_names = false);

// OutputCapture redirects a VM's current output port to a string port for
// its lifetime; text() is what was printed so far.
class OutputCapture {
 public:
  explicit OutputCapture(vm::VM& vm);
  ~OutputCapture();
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;
  std::string text() const { return port_->buffer; }

 private:
  vm::VM& vm_;
  vm::Rooted previous_;  // the port to restore, kept alive meanwhile
  vm::Port* port_;
};

}  // namespace eta::tools::testing

#endif  // ETA_TOOLS_TEST_SUPPORT_H_
