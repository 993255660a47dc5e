#include "tools/runtime.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "compiler/status_macros.h"
#include "tools/evaluator.h"
#include "tools/program_compiler.h"
#include "vm/module.pb.h"

namespace eta::tools {

absl::Status LoadPrelude(vm::VM& vm) {
  // Parsed once per process, shared by every VM (thread VMs included).
  static const eta::module::ModuleFile* const prelude = [] {
    auto bytes = EmbeddedModuleBytes("%prelude");
    // In an arena: a few large blocks rather than a malloc per message.
    auto* arena = new google::protobuf::Arena;
    auto* file = google::protobuf::Arena::CreateMessage<eta::module::ModuleFile>(arena);
    if (!bytes || !file->ParseFromArray(bytes->data(), static_cast<int>(bytes->size()))) {
      file->Clear();
    }
    return file;
  }();
  if (prelude->modules_size() == 0) {
    return absl::InternalError("the embedded prelude is missing");
  }
  for (const auto& m : prelude->modules()) {
    absl::Status s = vm.LoadModuleMessage(m);
    if (s.ok()) s = vm.RunModule(m.name(), false);
    if (!s.ok()) {
      return absl::InternalError(absl::StrCat("prelude: ", s.message(), "\n",
                                              vm.DescribeUncaught()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> RunFileModules(
    vm::VM& vm, const std::string& path, const std::vector<std::string>& search_path,
    bool call_main) {
  std::vector<std::string> load_order;
  ProgramCompiler compiler(search_path, [&](const eta::module::Module& m) -> absl::Status {
    absl::Status s = vm.LoadModuleMessage(m);
    if (s.ok()) load_order.push_back(m.name());
    return s;
  });
  ETA_ASSIGN_OR_RETURN(std::vector<eta::module::Module> own, compiler.CompileFile(path));
  std::vector<std::string> own_names;
  for (const auto& m : own) own_names.push_back(m.name());
  for (const std::string& name : load_order) {
    bool is_own = false;
    for (const auto& m : own) is_own |= m.name() == name;
    ETA_RETURN_IF_ERROR(vm.RunModule(name, call_main && is_own));
    if (vm.exit_requested()) break;
  }
  return own_names;
}

absl::Status ThreadHost::WithNewVM(const std::function<absl::Status(vm::VM&)>& body) {
  ProgramEvaluator evaluator("%eval");
  vm::VM vm(vm::VMOptions{});
  AddRuntimePrimitives(vm);
  vm.set_evaluator(&evaluator);
  ETA_RETURN_IF_ERROR(LoadPrelude(vm));
  net::SetSearchPath(vm, search_path_);
  net::SetThreadHost(vm, this);
  return body(vm);
}

absl::StatusOr<std::string> ThreadHost::LoadFile(vm::VM& vm, const std::string& path) {
  ETA_ASSIGN_OR_RETURN(std::vector<std::string> own,
                       RunFileModules(vm, path, search_path_, /*call_main=*/false));
  if (own.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no module"));
  return own.back();
}

}  // namespace eta::tools
