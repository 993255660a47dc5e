#include "tools/repl.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <editline/readline.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "compiler/compiler.h"
#include "compiler/reader.h"
#include "tools/program_compiler.h"
#include "vm/module.pb.h"
#include "vm/object.h"
#include "vm/printer.h"

namespace eta::tools {
namespace {

constexpr char kNamespace[] = "%repl";

// LineSource gives lines with line editing on a terminal, plain otherwise.
class LineSource {
 public:
  LineSource() : interactive_(isatty(0) && isatty(1)) {}

  bool Next(bool continuation, std::string* line) {
    if (interactive_) {
      char* text = readline(continuation ? "...> " : "eta> ");
      if (!text) return false;
      *line = text;
      if (!line->empty()) add_history(text);
      std::free(text);
      return true;
    }
    char* text = nullptr;
    size_t capacity = 0;
    ssize_t length = ::getline(&text, &capacity, stdin);
    if (length >= 0) {
      if (length > 0 && text[length - 1] == '\n') --length;
      line->assign(text, static_cast<size_t>(length));
    }
    std::free(text);
    return length >= 0;
  }

  bool interactive() const { return interactive_; }

 private:
  bool interactive_;
};

// NeedsMoreInput tells a read error caused by input that merely stops
// early (an open list or string) from a real syntax error.
bool NeedsMoreInput(const absl::Status& status) {
  return absl::StrContains(status.message(), "input ended") ||
         absl::StrContains(status.message(), "unterminated");
}

void PrintResult(vm::Value value) {
  if (value.IsUnspecified()) return;
  if (vm::IsType(value, vm::ObjectType::kValues)) {
    for (vm::Value v : vm::As<vm::MultipleValues>(value)->values) {
      std::printf("%s\n", vm::ValueToString(v, true).c_str());
    }
    return;
  }
  std::printf("%s\n", vm::ValueToString(value, true).c_str());
}

}  // namespace

int RunRepl(vm::VM& vm, const std::vector<std::string>& search_path) {
  std::vector<std::string> path = search_path;
  path.insert(path.begin(), ".");
  std::vector<std::string> pending_bodies;  // imported modules to run
  ProgramCompiler loader(path, [&](const eta::module::Module& m) {
    absl::Status s = vm.LoadModuleMessage(m);
    if (s.ok()) pending_bodies.push_back(m.name());
    return s;
  });
  LineSource lines;
  if (lines.interactive()) {
    std::printf("Eta REPL. Ctrl-D or (exit) leaves.\n");
  }
  std::vector<std::string> defined;
  std::vector<compiler::DatumPtr> import_specs;
  std::string buffer;
  int input_number = 0;
  int line_number = 0;
  std::string line;
  while (lines.Next(!buffer.empty(), &line)) {
    ++line_number;
    buffer += line;
    buffer += "\n";
    auto forms = compiler::ReadAll(buffer, "<repl>");
    if (!forms.ok()) {
      if (NeedsMoreInput(forms.status())) continue;
      std::fprintf(stderr, "error: %s\n", std::string(forms.status().message()).c_str());
      buffer.clear();
      continue;
    }
    buffer.clear();
    for (const compiler::DatumPtr& form : *forms) {
      compiler::ModuleSource source;
      source.name = absl::StrCat("%repl-", ++input_number);
      source.file = "<repl>";
      source.location = form->location;
      source.import_specs = import_specs;
      bool is_import = form->IsPair() && form->car->IsSymbol("import");
      if (is_import) {
        std::vector<compiler::DatumPtr> items;
        compiler::ListToVector(form, &items);
        source.import_specs.insert(source.import_specs.end(), items.begin() + 1, items.end());
      } else {
        source.body.push_back(form);
      }
      compiler::CompileOptions options;
      options.builtins = &BuiltinMap();
      options.predefined = &defined;
      auto module = compiler::CompileModule(source, loader, options);
      if (!module.ok()) {
        std::fprintf(stderr, "error: %s\n", std::string(module.status().message()).c_str());
        continue;
      }
      absl::Status loaded = vm.LoadModuleMessage(*module, kNamespace);
      if (!loaded.ok()) {
        std::fprintf(stderr, "error: %s\n", std::string(loaded.message()).c_str());
        continue;
      }
      if (is_import) import_specs = source.import_specs;
      bool imports_ok = true;
      for (const std::string& name : pending_bodies) {
        if (!vm.RunModule(name, false).ok() && !vm.exit_requested()) {
          std::fputs(vm.DescribeUncaught().c_str(), stderr);
          imports_ok = false;
        }
      }
      pending_bodies.clear();
      if (!imports_ok) continue;
      for (const auto& g : module->globals()) {
        if (g.module().empty()) defined.push_back(g.name());
      }
      auto result = vm.RunModuleBody(source.name);
      if (vm.exit_requested()) {
        vm.FlushOutput();
        return vm.exit_status();
      }
      vm.FlushOutput();
      if (!result.ok()) {
        std::fputs(vm.DescribeUncaught().c_str(), stderr);
        continue;
      }
      PrintResult(*result);
      std::fflush(stdout);
    }
  }
  if (!buffer.empty()) {
    std::fprintf(stderr, "error: <repl>: input ended inside an unfinished expression\n");
  }
  if (lines.interactive()) std::printf("\n");
  vm.FlushOutput();
  return 0;
}

}  // namespace eta::tools
