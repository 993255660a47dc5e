// etac: compiles an Eta source file to a .etac compiled-module file.
//   etac [-O] [-o OUT.etac] [--disasm] [--path DIRS] FILE.eta
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tools/disasm.h"
#include "tools/paths.h"
#include "tools/program_compiler.h"
#include "vm/module.pb.h"

namespace {

constexpr char kUsage[] =
    "usage: etac [-O] [-o OUT.etac] [--disasm] [--path DIRS] FILE.eta\n"
    "  Compiles FILE.eta (and checks the modules it imports) to OUT.etac\n"
    "  (default: FILE.etac). --disasm prints the bytecode.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> path_flags;
  std::string file, output;
  bool disasm = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "-O") {
      // Optimisation passes always run; accepted for compatibility.
    } else if (arg == "--disasm") {
      disasm = true;
    } else if (arg == "-o" && i + 1 < argc) {
      output = eta::tools::ResolveUserPath(argv[++i]);
    } else if (arg == "--path" && i + 1 < argc) {
      path_flags.push_back(eta::tools::ResolveUserPath(argv[++i]));
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::fprintf(stderr, "etac: unknown option %s\n%s", arg.c_str(), kUsage);
      return 2;
    } else if (file.empty()) {
      file = arg;
    } else {
      std::fprintf(stderr, "etac: one file at a time\n%s", kUsage);
      return 2;
    }
  }
  if (file.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string path = eta::tools::ResolveUserPath(file);
  if (!eta::tools::ReadFile(path).ok()) {
    std::fprintf(stderr, "error: cannot read %s\n", file.c_str());
    return 2;
  }
  if (output.empty()) {
    output = path.size() > 4 && path.substr(path.size() - 4) == ".eta"
                 ? path + "c"
                 : path + ".etac";
  }
  eta::tools::ProgramCompiler compiler(eta::tools::ModuleSearchPath(path_flags), nullptr);
  auto modules = compiler.CompileFile(path);
  if (!modules.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(modules.status().message()).c_str());
    return 1;
  }
  eta::module::ModuleFile out_file;
  for (const auto& m : *modules) {
    if (disasm) std::fputs(eta::tools::Disassemble(m).c_str(), stdout);
    *out_file.add_modules() = m;
  }
  std::ofstream out(output, std::ios::binary);
  if (!out || !out_file.SerializeToOstream(&out)) {
    std::fprintf(stderr, "error: cannot write %s\n", output.c_str());
    return 1;
  }
  return 0;
}
