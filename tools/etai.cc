// etai: runs an Eta program (.eta source, compiled in memory, or .etac).
//   etai [--path DIRS] [--mailbox URL] [--disasm] FILE [ARGS...]
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "compiler/status_macros.h"
#include "net/actors.h"
#include "net/scheduler.h"
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
    "usage: etai [--path DIRS] [--schedulers N] [--mailbox URL] [--disasm]\n"
    "            [FILE.eta|FILE.etac [ARGS...]]\n"
    "  Runs an Eta program, or with no file an interactive REPL.\n"
    "  Exit status: 0, the program's (exit N) status,\n"
    "  1 after an uncaught error, 2 for bad usage or an unreadable file.\n"
    "  --path DIRS    colon-separated module directories (also ETA_MODULE_PATH)\n"
    "  --schedulers N the scheduler threads that run the actors (1 to 1024;\n"
    "                 also ETA_SCHEDULERS; default: one per CPU)\n"
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

// Invocation is what etai's command line asks for.
struct Invocation {
  std::vector<std::string> path_flags;  // resolved
  std::string file, mailbox;
  std::string schedulers;  // --schedulers, as given
  bool disasm = false;
  std::vector<std::string> arguments;  // after the file
  std::string bad_option;              // when parsing failed on one
};

// ParseInvocation reads args (argv[0] first) into `run`; false for --help
// or an unknown option (then in run->bad_option).
bool ParseInvocation(const std::vector<std::string>& args, Invocation* run) {
  size_t i = 1;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return false;
    if (arg == "--disasm") {
      run->disasm = true;
    } else if (arg == "--path" && i + 1 < args.size()) {
      run->path_flags.push_back(eta::tools::ResolveUserPath(args[++i]));
    } else if (arg == "--schedulers" && i + 1 < args.size()) {
      run->schedulers = args[++i];
    } else if (arg == "--mailbox" && i + 1 < args.size()) {
      run->mailbox = args[++i];
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      run->bad_option = arg;
      return false;
    } else {
      run->file = arg;
      ++i;
      break;
    }
  }
  for (; i < args.size(); ++i) run->arguments.push_back(args[i]);
  return true;
}

// What the spawn server made before it forked this process, if it is one
// of its children: a VM, and the programs it compiled for its children.
eta::tools::ReadyVM* forked_vm = nullptr;
eta::tools::ProgramCache* forked_programs = nullptr;

// PrepareSpawnServer is what a spawn server does once: what every child
// would otherwise do first (the VM's making also parses the prelude, once
// per process; the compiler's builtin names are built here).
void PrepareSpawnServer() {
  SetMallocOptions();
  eta::tools::BuiltinMap();
  absl::StatusOr<eta::tools::ReadyVM> made = eta::tools::MakeReadyVM({});
  if (made.ok()) forked_vm = new eta::tools::ReadyVM(std::move(*made));
}

// CompileForChild is what a spawn server does before it forks a child
// with `args`: compile its program (unless cached and unchanged), which
// the child then finds compiled. A program that does not compile is left
// for the child to compile, and report.
void CompileForChild(const std::vector<std::string>& args) {
  Invocation run;
  if (!ParseInvocation(args, &run) || run.file.empty() || run.disasm) return;
  std::vector<std::string> search_path = eta::tools::ModuleSearchPath(run.path_flags);
  if (forked_programs == nullptr || forked_programs->search_path() != search_path) {
    delete forked_programs;
    forked_programs = new eta::tools::ProgramCache(search_path);
  }
  (void)forked_programs->Get(eta::tools::ResolveUserPath(run.file));
}

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

// LoadedProgram is a program loaded into a VM: its modules in load order
// and the names of the file's own.
struct LoadedProgram {
  std::vector<std::string> load_order;
  std::vector<std::string> own;
};

// LoadProgramFile loads the program `path` into `vm`: compiled by the
// spawn server, when it did and no file has changed since, or compiled
// now (each module loaded as it is compiled, and disassembled first with
// --disasm).
absl::Status LoadProgramFile(eta::vm::VM& vm, const std::string& path,
                             const std::vector<std::string>& search_path, bool disasm,
                             LoadedProgram* program) {
  eta::tools::ProgramCache::Program forked;
  if (forked_programs != nullptr && !disasm && forked_programs->search_path() == search_path) {
    forked = forked_programs->Cached(path);
  }
  if (forked.compiled != nullptr) {
    ETA_RETURN_IF_ERROR(eta::tools::LoadProgram(vm, *forked.compiled));
    for (const auto& m : forked.compiled->modules) program->load_order.push_back(m->name());
    program->own = forked.compiled->own;
    return absl::OkStatus();
  }
  eta::tools::ProgramCompiler compiler(
      search_path, [&](const eta::module::Module& m) -> absl::Status {
        if (disasm) std::fputs(eta::tools::Disassemble(m).c_str(), stdout);
        absl::Status s = vm.LoadModuleMessage(m);
        if (s.ok()) program->load_order.push_back(m.name());
        return s;
      });
  ETA_ASSIGN_OR_RETURN(std::vector<eta::module::Module> own, compiler.CompileFile(path));
  for (const auto& m : own) program->own.push_back(m.name());
  return absl::OkStatus();
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
  std::vector<std::string> args = eta::net::ServeSpawnsIfAsked(
      std::vector<std::string>(argv, argv + argc), PrepareSpawnServer, CompileForChild);
  SetMallocOptions();
  Invocation run;
  if (!ParseInvocation(args, &run)) {
    if (!run.bad_option.empty()) {
      std::fprintf(stderr, "etai: unknown option %s\n", run.bad_option.c_str());
      return Usage(stderr, 2);
    }
    return Usage(stdout, 0);
  }
  // The schedulers: the flag, else the environment (which the flag sets,
  // so that spawned children have as many).
  if (!run.schedulers.empty()) ::setenv("ETA_SCHEDULERS", run.schedulers.c_str(), 1);
  if (const char* env = std::getenv("ETA_SCHEDULERS"); env != nullptr && *env != '\0') {
    int count = 0;
    if (!absl::SimpleAtoi(env, &count) || count < 1 || count > 1024) {
      std::fprintf(stderr, "etai: %s %s: expected a number of schedulers from 1 to 1024\n",
                   run.schedulers.empty() ? "ETA_SCHEDULERS" : "--schedulers", env);
      return 2;
    }
    eta::net::Scheduler::Configure(count);
  }
  std::string path = run.file.empty() ? "" : eta::tools::ResolveUserPath(run.file);
  if (!run.file.empty() && !eta::tools::ReadFile(path).ok()) {
    std::fprintf(stderr, "error: cannot read %s\n", run.file.c_str());
    return 2;
  }
  std::vector<std::string> search_path = eta::tools::ModuleSearchPath(run.path_flags);

  // Outlives the VM, whose end waits for the threads that use it.
  eta::tools::ThreadHost thread_host(search_path);
  absl::StatusOr<eta::tools::ReadyVM> ready = TakeReadyVM(run.file, run.arguments);
  if (!ready.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(ready.status().message()).c_str());
    return 1;
  }
  eta::vm::VM& vm = *ready->vm;

  eta::net::SetSearchPath(vm, search_path);
  eta::net::SetThreadHost(vm, &thread_host);
  if (!run.mailbox.empty()) {
    if (absl::Status s = eta::net::AttachMailbox(vm, run.mailbox); !s.ok()) {
      std::fprintf(stderr, "error: --mailbox %s: %s\n", run.mailbox.c_str(),
                   std::string(s.message()).c_str());
      return 1;
    }
  }

  if (run.file.empty()) return eta::tools::RunRepl(vm, search_path);

  LoadedProgram program;
  absl::Status loaded = LoadProgramFile(vm, path, search_path, run.disasm, &program);
  if (!loaded.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(loaded.message()).c_str());
    return ProgramEnded(vm, 1);
  }
  for (const std::string& name : program.load_order) {
    bool is_own = std::find(program.own.begin(), program.own.end(), name) != program.own.end();
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
