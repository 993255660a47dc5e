// What every VM made by the tools has: the core builtins and the socket
// layer's (net/), the embedded prelude, and (for spawn-thread) a way to make
// more such VMs.
#ifndef ETA_TOOLS_RUNTIME_H_
#define ETA_TOOLS_RUNTIME_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/actors.h"
#include "tools/evaluator.h"
#include "tools/runtime_primitives.h"
#include "vm/module.pb.h"
#include "vm/vm.h"

namespace eta::tools {

// ReadyVM is a VM with the runtime's builtins, eval and the prelude, and
// its evaluator.
struct ReadyVM {
  std::unique_ptr<ProgramEvaluator> evaluator;  // outlives the VM
  std::unique_ptr<vm::VM> vm;
};

// SharedBase is the process's frozen VM with the runtime's builtins and the
// prelude (made on first use), which every ReadyVM shares (VM::Freeze).
absl::StatusOr<std::shared_ptr<const vm::VM>> SharedBase();

// MakeReadyVM makes a ReadyVM with `options`, from the SharedBase.
absl::StatusOr<ReadyVM> MakeReadyVM(vm::VMOptions options);

// LoadPrelude loads and runs the embedded prelude in `vm`.
absl::Status LoadPrelude(vm::VM& vm);

// CompiledProgram is a program file compiled with its imports: every
// module in load order, the names of the file's own modules, and the files
// the compiler read with their sizes and modification times.
struct CompiledProgram {
  struct FileStamp {
    std::string path;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp& other) const = default;
  };
  // Shared with the VMs that load them (thread VMs load one program each).
  std::vector<std::shared_ptr<const eta::module::Module>> modules;
  std::vector<std::string> own;
  std::vector<FileStamp> files;
  bool reusable = true;  // false when a file changed around compile time
};

// CompileProgram compiles (or reads) the program `path` and its imports.
absl::StatusOr<CompiledProgram> CompileProgram(const std::string& path,
                                               const std::vector<std::string>& search_path);

// RunProgram loads a compiled program into `vm` and runs its modules' bodies
// in order, calling `main` of the program's own modules when `call_main`.
// An uncaught error leaves vm.uncaught_error() set.
absl::Status RunProgram(vm::VM& vm, const CompiledProgram& program, bool call_main);
// RunProgram's two steps. LoadProgram may skip verification only for a
// program some VM has loaded (verified) before.
absl::Status LoadProgram(vm::VM& vm, const CompiledProgram& program,
                         vm::VM::Verify verify = vm::VM::Verify::kVerify);
absl::Status RunProgramBodies(vm::VM& vm, const CompiledProgram& program, bool call_main);

// ProgramCache compiles each program file once: while none of the files
// a compile read has changed, later requests for the file get the same
// program. It also remembers which programs a VM has loaded (verified).
// Safe to use from several threads.
class ProgramCache {
 public:
  explicit ProgramCache(std::vector<std::string> search_path)
      : search_path_(std::move(search_path)) {}
  const std::vector<std::string>& search_path() const { return search_path_; }

  // Program is a compiled program and whether a VM has verified it.
  struct Program {
    std::shared_ptr<const CompiledProgram> compiled;
    bool verified = false;
  };
  // Get returns the program `path`, compiled now unless it is cached and
  // none of its files has changed.
  absl::StatusOr<Program> Get(const std::string& path);
  // Cached returns the program `path` if it is cached and unchanged, and
  // compiles nothing; compiled is null otherwise.
  Program Cached(const std::string& path);
  // Verified records that a VM has loaded `compiled`, verifying it.
  void Verified(const std::string& path, const std::shared_ptr<const CompiledProgram>& compiled);

 private:
  std::vector<std::string> search_path_;
  // std::mutex rather than absl::Mutex here: Debian's abseil is not built
  // for ThreadSanitizer, which then cannot see what its locks order.
  std::mutex mutex_;
  absl::flat_hash_map<std::string, Program> programs_ ABSL_GUARDED_BY(mutex_);
};

// ThreadHost makes the VMs of spawn-thread and spawn-thread-with: builtins,
// prelude, eval, module loading from the search path.
// A VM is used by one actor only, never again: each actor's VM starts
// fresh (from the SharedBase, so at little cost).
class ThreadHost : public net::ThreadHost {
 public:
  explicit ThreadHost(std::vector<std::string> search_path)
      : programs_(std::move(search_path)) {}
  ~ThreadHost() override;
  absl::StatusOr<std::unique_ptr<net::HostedVM>> NewVM() override;
  // LoadFile compiles a file once per process: later threads reuse the
  // compiled modules while none of the files read has changed.
  absl::StatusOr<std::string> LoadFile(vm::VM& vm, const std::string& path) override;

 private:
  absl::StatusOr<ReadyVM> MakeVM();

  ProgramCache programs_;
};

}  // namespace eta::tools

#endif  // ETA_TOOLS_RUNTIME_H_
