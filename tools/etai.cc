// etai: runs an Eta program (.eta source, compiled in memory, or .etac).
//   etai [--path DIRS] [--mailbox URL] [--disasm] FILE [ARGS...]
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "net/actors.h"
#include "net/spawn_server.h"
#include "tools/disasm.h"
#include "tools/paths.h"
#include "tools/program_compiler.h"
#include "tools/repl.h"
#include "tools/runtime.h"
#include "vm/module.pb.h"
#include "vm/vm.h"

namespace {

constexpr char kUsage[] =
    "usage: etai [--path DIRS] [--mailbox URL] [--disasm] [FILE.eta|FILE.etac [ARGS...]]\n"
    "  Runs an Eta program, or with no file an interactive REPL.\n"
    "  Exit status: 0, the program's (exit N) status,\n"
    "  1 after an uncaught error, 2 for bad usage or an unreadable file.\n"
    "  --path DIRS    colon-separated module directories (also ETA_MODULE_PATH)\n"
    "  --mailbox URL  the parent's endpoint (set by spawn)\n"
    "  --disasm       print the bytecode of the program's modules, then run\n";

// SetMallocOptions: large blocks (the storage of big vectors and strings)
// come from the malloc heap and stay there after a collection frees them,
// so the next one reuses pages already mapped instead of faulting in fresh
// ones.
void SetMallocOptions() {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

// A VM the spawn server made before it forked this process, or null.
eta::tools::ReadyVM* forked_vm = nullptr;

// TakeReadyVM returns the VM the program runs in: the spawn server's, or a
// new one.
absl::StatusOr<eta::tools::ReadyVM> TakeReadyVM(const std::string& program_name,
                                                const std::vector<std::string>& arguments) {
  if (forked_vm != nullptr) {
    eta::tools::ReadyVM ready = std::move(*forked_vm);
    delete std::exchange(forked_vm, nullptr);
    ready.vm->SetCommandLine(program_name, arguments);
    return ready;
  }
  eta::vm::VMOptions options;
  options.arguments = arguments;
  options.program_name = program_name;
  return eta::tools::MakeReadyVM(std::move(options));
}

int Usage(FILE* to, int status) {
  std::fputs(kUsage, to);
  return status;
}

}  // namespace

// ProgramEnded ends etai with `status` once the program has run. What the
// program left open is released (output written, threads joined, children
// ended, sockets closed with their handshakes) and the process exits
// without destroying the VM: freeing its heap and modules would only cost
// time, which every spawned child pays at the end of its task, while nng's
// threads still compete for the cores. Sanitizer builds destroy the VM,
// for the sanitizers' checks.
int ProgramEnded(eta::vm::VM& vm, int status) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return status;
#else
  vm.ReleaseForExit();
  std::fflush(nullptr);
  std::_Exit(status);
#endif
}

int main(int argc, char** argv) {
  // In a child the spawn server started, the child's own arguments.
  std::vector<std::string> args =
      eta::net::ServeSpawnsIfAsked(std::vector<std::string>(argv, argv + argc), [] {
        SetMallocOptions();
        eta::tools::WarmProcessTables();
        absl::StatusOr<eta::tools::ReadyVM> made = eta::tools::MakeReadyVM({});
        if (made.ok()) forked_vm = new eta::tools::ReadyVM(std::move(*made));
      });
  const size_t count = args.size();
  SetMallocOptions();
  std::vector<std::string> path_flags;
  std::string file, mailbox;
  bool disasm = false;
  std::vector<std::string> arguments;
  size_t i = 1;
  for (; i < count; ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return Usage(stdout, 0);
    if (arg == "--disasm") {
      disasm = true;
    } else if (arg == "--path" && i + 1 < count) {
      path_flags.push_back(eta::tools::ResolveUserPath(args[++i]));
    } else if (arg == "--mailbox" && i + 1 < count) {
      mailbox = args[++i];
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      std::fprintf(stderr, "etai: unknown option %s\n", arg.c_str());
      return Usage(stderr, 2);
    } else {
      file = arg;
      ++i;
      break;
    }
  }
  for (; i < count; ++i) arguments.push_back(args[i]);
  std::string path = file.empty() ? "" : eta::tools::ResolveUserPath(file);
  if (!file.empty() && !eta::tools::ReadFile(path).ok()) {
    std::fprintf(stderr, "error: cannot read %s\n", file.c_str());
    return 2;
  }

  // Outlives the VM, whose end waits for the threads that use it.
  eta::tools::ThreadHost thread_host(eta::tools::ModuleSearchPath(path_flags));
  absl::StatusOr<eta::tools::ReadyVM> ready = TakeReadyVM(file, arguments);
  if (!ready.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(ready.status().message()).c_str());
    return 1;
  }
  eta::vm::VM& vm = *ready->vm;

  eta::net::SetSearchPath(vm, eta::tools::ModuleSearchPath(path_flags));
  eta::net::SetThreadHost(vm, &thread_host);
  if (!mailbox.empty()) {
    if (absl::Status s = eta::net::AttachMailbox(vm, mailbox); !s.ok()) {
      std::fprintf(stderr, "error: --mailbox %s: %s\n", mailbox.c_str(),
                   std::string(s.message()).c_str());
      return 1;
    }
  }

  if (file.empty()) return eta::tools::RunRepl(vm, eta::tools::ModuleSearchPath(path_flags));

  std::vector<std::string> load_order;
  eta::tools::ProgramCompiler compiler(
      eta::tools::ModuleSearchPath(path_flags),
      [&](const eta::module::Module& m) -> absl::Status {
        if (disasm) std::fputs(eta::tools::Disassemble(m).c_str(), stdout);
        absl::Status s = vm.LoadModuleMessage(m);
        if (s.ok()) load_order.push_back(m.name());
        return s;
      });
  auto own = compiler.CompileFile(path);
  if (!own.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(own.status().message()).c_str());
    return ProgramEnded(vm, 1);
  }
  for (const std::string& name : load_order) {
    bool is_own = false;
    for (const auto& m : *own) is_own |= m.name() == name;
    absl::Status s = vm.RunModule(name, is_own);
    if (vm.exit_requested()) {
      vm.FlushOutput();
      return ProgramEnded(vm, vm.exit_status());
    }
    if (!s.ok()) {
      vm.FlushOutput();
      std::fputs(vm.DescribeUncaught().c_str(), stderr);
      return ProgramEnded(vm, 1);
    }
  }
  vm.FlushOutput();
  return ProgramEnded(vm, 0);
}
