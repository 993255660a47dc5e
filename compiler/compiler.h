// The compiler's entry points: split a program into modules, resolve their
// imports through a ModuleResolver, and compile each to a protobuf module.
#ifndef ETA_COMPILER_COMPILER_H_
#define ETA_COMPILER_COMPILER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "compiler/builtin_modules.h"
#include "compiler/datum.h"
#include "vm/module.pb.h"

namespace eta::compiler {

// ModuleInterface is what importers see of a module: its exported names
// and its macros (Module.macros: the exported macros, the macros they use
// and what their templates' names mean in the module).
struct ModuleInterface {
  std::string name;
  std::vector<std::string> exports;
  std::string macros;
};

// ModuleResolver makes an imported module available (compiling and loading
// it as needed) and returns its interface.
class ModuleResolver {
 public:
  virtual ~ModuleResolver() = default;
  // Resolve returns the interface of module `name`, imported at `at`.
  virtual absl::StatusOr<ModuleInterface> Resolve(const std::string& name,
                                                  const SourceLocation& at) = 0;
};

// ModuleSource is one module of a program, before compilation.
struct ModuleSource {
  std::string name;
  std::string file;
  SourceLocation location;
  std::vector<DatumPtr> import_specs;
  std::vector<DatumPtr> exports;
  std::vector<DatumPtr> body;
  bool script = false;  // the implicit module of a script
};

// SplitProgram groups a file's data into modules: one per (module ...)
// form, or a single module named `script_name` for a script.
absl::StatusOr<std::vector<ModuleSource>> SplitProgram(
    const std::vector<DatumPtr>& forms, const std::string& file,
    const std::string& script_name);

// CompileOptions: `builtins` maps every builtin name to its module;
// `export_all` exports every definition (the prelude).
// `predefined` names count as definitions of the module already (the
// REPL's earlier definitions).
struct CompileOptions {
  const BuiltinModules* builtins = nullptr;
  // internal_names lets the module name the internal (%) builtins: the
  // standard library's modules only (etac_bootstrap).
  bool internal_names = false;
  bool export_all = false;
  const std::vector<std::string>* predefined = nullptr;
};

// ImportedModules lists the module names a source imports, in order.
absl::StatusOr<std::vector<std::string>> ImportedModules(const ModuleSource& source);

// CompileModule compiles one module. Errors read "FILE:LINE:COL: KIND: MESSAGE".
absl::StatusOr<eta::module::Module> CompileModule(const ModuleSource& source,
                                                  ModuleResolver& resolver,
                                                  const CompileOptions& options);

}  // namespace eta::compiler

#endif  // ETA_COMPILER_COMPILER_H_
