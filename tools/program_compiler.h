// ProgramCompiler: compiles a program's modules in dependency order,
// finding imported modules on the search path or in the embedded standard
// library. It implements the compiler's ModuleResolver and never links the VM;
// etai passes a callback that loads each module into its VM.
#ifndef ETA_TOOLS_PROGRAM_COMPILER_H_
#define ETA_TOOLS_PROGRAM_COMPILER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "compiler/compiler.h"
#include "tools/read_file.h"
#include "vm/module.pb.h"

namespace eta::tools {

// BuiltinMap returns every builtin name with the module that provides it:
// the VM's primitives and the prelude's definitions (from the embedded
// standard library).
const compiler::BuiltinModules& BuiltinMap();

// EmbeddedModuleBytes returns the compiled bytes of an embedded module (a
// view of data in the binary), or nothing.
std::optional<absl::string_view> EmbeddedModuleBytes(absl::string_view name);

// ModuleSearchPath returns --path dirs followed by ETA_MODULE_PATH entries.
std::vector<std::string> ModuleSearchPath(const std::vector<std::string>& path_flags);

class ProgramCompiler : public compiler::ModuleResolver {
 public:
  // OnModule receives each compiled or loaded module, imports first.
  using OnModule = std::function<absl::Status(const eta::module::Module&)>;

  ProgramCompiler(std::vector<std::string> search_path, OnModule on_module);

  // CompileFile compiles (or, for .etac, reads) a file and its imports; the
  // file's own modules are returned in order.
  absl::StatusOr<std::vector<eta::module::Module>> CompileFile(const std::string& path);

  absl::StatusOr<compiler::ModuleInterface> Resolve(
      const std::string& name, const compiler::SourceLocation& at) override;
  // files lists every file read so far (the program and imported modules).
  const std::vector<std::string>& files() const { return files_; }

 private:
  absl::Status Deliver(const eta::module::Module& module);
  absl::StatusOr<std::vector<eta::module::Module>> CompileText(
      const std::string& text, const std::string& path, const std::string& script_name);

  std::vector<std::string> search_path_;
  OnModule on_module_;
  absl::flat_hash_map<std::string, compiler::ModuleInterface> known_;
  std::vector<std::string> loading_;  // import chain, for cycle errors
  std::vector<std::string> directories_;  // directory of the importing file
  std::vector<std::string> files_;
};

}  // namespace eta::tools

#endif  // ETA_TOOLS_PROGRAM_COMPILER_H_
