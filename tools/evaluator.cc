#include "tools/evaluator.h"

#include "absl/strings/str_cat.h"
#include "compiler/compiler.h"
#include "compiler/reader.h"
#include "vm/function.h"
#include "vm/printer.h"

namespace eta::tools {
namespace {

// NoImports refuses imports inside eval'd code (their bodies would have to
// run first; import at top level instead).
class NoImports : public compiler::ModuleResolver {
 public:
  absl::StatusOr<compiler::ModuleInterface> Resolve(
      const std::string& name, const compiler::SourceLocation& at) override {
    return absl::InvalidArgumentError(
        absl::StrCat("import of ", name, " inside eval is not supported"));
  }
};

}  // namespace

absl::StatusOr<vm::Value> ProgramEvaluator::CompileForEval(vm::VM& vm, vm::Value expression) {
  // The datum crosses to the compiler through its written form, which the
  // reader reads back exactly for every datum type.
  std::string text = vm::ValueToString(expression, true);
  auto forms = compiler::ReadAll(text, "<eval>");
  if (!forms.ok()) return forms.status();
  compiler::ModuleSource source;
  source.name = absl::StrCat(namespace_, "-", ++count_);
  source.file = "<eval>";
  source.body = *forms;
  compiler::CompileOptions options;
  options.builtins = &BuiltinMap();
  options.predefined = &defined_;
  NoImports resolver;
  auto module = compiler::CompileModule(source, resolver, options);
  if (!module.ok()) return module.status();
  absl::Status loaded = vm.LoadModuleMessage(*module, namespace_);
  if (!loaded.ok()) return loaded;
  for (const auto& g : module->globals()) {
    if (g.module().empty()) defined_.push_back(g.name());
  }
  vm::LoadedModule* loaded_module = vm.FindModule(source.name);
  loaded_module->body_run = true;
  vm::Function* f = loaded_module->function(0);
  vm::Closure* body = f != nullptr ? vm.heap().NewClosure(f, 0) : nullptr;
  if (!body) return absl::ResourceExhaustedError("out of memory");
  return vm::Value::FromObject(body);
}

}  // namespace eta::tools
