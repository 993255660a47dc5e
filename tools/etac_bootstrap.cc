// etac_bootstrap: compiles the prelude and the standard modules at build
// time, before the embedded standard library exists.
//   etac_bootstrap --primitives FILE [--prelude FILE.etac] [--module NAME]
//                  -o OUT.etac [--exports OUT.txt] FILE.eta ...
// With --module, all files are one script module exporting everything.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_split.h"
#include "compiler/compiler.h"
#include "compiler/reader.h"
#include "tools/read_file.h"
#include "vm/module.pb.h"

namespace {

class NoImports : public eta::compiler::ModuleResolver {
 public:
  absl::StatusOr<eta::compiler::ModuleInterface> Resolve(
      const std::string& name, const eta::compiler::SourceLocation& at) override {
    return absl::NotFoundError("standard modules cannot import at bootstrap: " + name);
  }
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string primitives, prelude, module_name, output, exports_output;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--primitives" && i + 1 < argc) primitives = argv[++i];
    else if (arg == "--prelude" && i + 1 < argc) prelude = argv[++i];
    else if (arg == "--module" && i + 1 < argc) module_name = argv[++i];
    else if (arg == "-o" && i + 1 < argc) output = argv[++i];
    else if (arg == "--exports" && i + 1 < argc) exports_output = argv[++i];
    else inputs.push_back(arg);
  }
  if (primitives.empty() || output.empty() || inputs.empty()) {
    return Fail("usage: etac_bootstrap --primitives FILE [--prelude F] [--module NAME] -o OUT FILE...");
  }
  // The map views `names` and `prelude_file`, which live until the end.
  eta::compiler::BuiltinModules builtins;
  auto names = eta::tools::ReadFile(primitives);
  if (!names.ok()) return Fail(std::string(names.status().message()));
  for (absl::string_view n : absl::StrSplit(*names, '\n', absl::SkipEmpty())) {
    builtins[n] = "%builtins";
  }
  eta::module::ModuleFile prelude_file;
  if (!prelude.empty()) {
    auto bytes = eta::tools::ReadFile(prelude);
    if (!bytes.ok() || !prelude_file.ParseFromString(*bytes)) {
      return Fail("cannot read the prelude");
    }
    for (const auto& m : prelude_file.modules()) {
      for (const auto& e : m.exports()) builtins[e] = "%prelude";
    }
  }
  std::vector<eta::compiler::DatumPtr> forms;
  for (const auto& input : inputs) {
    auto text = eta::tools::ReadFile(input);
    if (!text.ok()) return Fail(std::string(text.status().message()));
    auto data = eta::compiler::ReadAll(*text, input);
    if (!data.ok()) return Fail(std::string(data.status().message()));
    forms.insert(forms.end(), data->begin(), data->end());
  }
  auto sources = eta::compiler::SplitProgram(forms, inputs[0],
                                             module_name.empty() ? "%main" : module_name);
  if (!sources.ok()) return Fail(std::string(sources.status().message()));
  eta::compiler::CompileOptions options;
  options.builtins = &builtins;
  options.internal_names = true;
  options.export_all = !module_name.empty();
  NoImports resolver;
  eta::module::ModuleFile file;
  for (const auto& source : *sources) {
    auto module = eta::compiler::CompileModule(source, resolver, options);
    if (!module.ok()) return Fail(std::string(module.status().message()));
    if (options.export_all) {
      // The prelude carries no positions: errors and traces point at the
      // user's code that called it, not into the prelude.
      for (auto& function : *module->mutable_functions()) function.clear_source_map();
    }
    module->set_library(true);
    *file.add_modules() = *module;
  }
  std::ofstream out(output, std::ios::binary);
  if (!out || !file.SerializeToOstream(&out)) return Fail("cannot write " + output);
  if (!exports_output.empty()) {
    // The exported names, one per line, so the tools learn the builtins
    // without parsing the module at start-up.
    std::ofstream exports(exports_output);
    for (const auto& m : file.modules()) {
      for (const auto& e : m.exports()) exports << e << "\n";
    }
    if (!exports) return Fail("cannot write " + exports_output);
  }
  return 0;
}
