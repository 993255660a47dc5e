#include "tools/test_support.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "compiler/compiler.h"
#include "compiler/reader.h"
#include "compiler/status_macros.h"
#include "tools/program_compiler.h"
#include "tools/runtime.h"

namespace eta::tools::testing {

std::unique_ptr<vm::VM> NewVM(vm::VMOptions options) {
  auto vm = std::make_unique<vm::VM>(std::move(options));
  AddRuntimePrimitives(*vm);
  if (absl::Status s = LoadPrelude(*vm); !s.ok()) {
    std::fprintf(stderr, "test_support: %s\n", std::string(s.message()).c_str());
    std::abort();
  }
  return vm;
}

absl::StatusOr<std::vector<eta::module::Module>> CompileSource(
    const std::string& text, const std::string& file_name,
    const std::vector<std::string>& search_path,
    std::function<absl::Status(const eta::module::Module&)> on_import) {
  // The program compiler resolves imports (search path, embedded library);
  // the source itself is compiled here, from memory.
  ProgramCompiler resolver(search_path, std::move(on_import));
  ETA_ASSIGN_OR_RETURN(std::vector<compiler::DatumPtr> forms,
                       compiler::ReadAll(text, file_name));
  ETA_ASSIGN_OR_RETURN(std::vector<compiler::ModuleSource> sources,
                       compiler::SplitProgram(forms, file_name, "%main"));
  compiler::CompileOptions options;
  options.builtins = &BuiltinMap();
  std::vector<eta::module::Module> modules;
  for (const auto& source : sources) {
    ETA_ASSIGN_OR_RETURN(eta::module::Module m,
                         compiler::CompileModule(source, resolver, options));
    modules.push_back(std::move(m));
  }
  return modules;
}

absl::Status RunSource(vm::VM& vm, const std::string& text, const std::string& file_name,
                       bool internal_names) {
  std::vector<std::string> order;
  auto load = [&](const eta::module::Module& m) -> absl::Status {
    if (vm.IsModuleLoaded(m.name())) return absl::OkStatus();
    ETA_RETURN_IF_ERROR(vm.LoadModuleMessage(m));
    order.push_back(m.name());
    return absl::OkStatus();
  };
  // A later module of the file may import an earlier one: compile and load
  // them one at a time through a resolver that knows the loaded ones.
  ETA_ASSIGN_OR_RETURN(std::vector<compiler::DatumPtr> forms,
                       compiler::ReadAll(text, file_name));
  ETA_ASSIGN_OR_RETURN(std::vector<compiler::ModuleSource> sources,
                       compiler::SplitProgram(forms, file_name, "%main"));
  class Resolver : public compiler::ModuleResolver {
   public:
    Resolver(ProgramCompiler& library, std::vector<eta::module::Module>& own)
        : library_(library), own_(own) {}
    absl::StatusOr<compiler::ModuleInterface> Resolve(
        const std::string& name, const compiler::SourceLocation& at) override {
      for (const auto& m : own_) {
        if (m.name() == name) {
          return compiler::ModuleInterface{
              m.name(), std::vector<std::string>(m.exports().begin(), m.exports().end())};
        }
      }
      return library_.Resolve(name, at);
    }

   private:
    ProgramCompiler& library_;
    std::vector<eta::module::Module>& own_;
  };
  ProgramCompiler library({}, load);
  std::vector<eta::module::Module> own;
  Resolver resolver(library, own);
  compiler::CompileOptions options;
  options.builtins = &BuiltinMap();
  options.internal_names = internal_names;
  std::vector<std::string> own_names;
  for (const auto& source : sources) {
    ETA_ASSIGN_OR_RETURN(eta::module::Module m,
                         compiler::CompileModule(source, resolver, options));
    ETA_RETURN_IF_ERROR(load(m));
    own_names.push_back(m.name());
    own.push_back(std::move(m));
  }
  for (const std::string& name : order) {
    bool is_own = false;
    for (const auto& n : own_names) is_own |= n == name;
    ETA_RETURN_IF_ERROR(vm.RunModule(name, is_own));
    if (vm.exit_requested()) break;
  }
  return absl::OkStatus();
}

OutputCapture::OutputCapture(vm::VM& vm)
    : vm_(vm), previous_(vm.heap(), vm.current_output_port()) {
  port_ = vm.heap().New<vm::Port>(vm::Port::Direction::kOutput, -1, "string");
  if (!port_) {
    std::fprintf(stderr, "test_support: out of memory making a string port\n");
    std::abort();
  }
  // The current output port is a root, so the port stays alive.
  vm.set_current_output_port(vm::Value::FromObject(port_));
}

OutputCapture::~OutputCapture() { vm_.set_current_output_port(previous_.get()); }

}  // namespace eta::tools::testing
