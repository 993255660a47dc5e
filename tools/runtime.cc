#include "tools/runtime.h"

#include <sys/stat.h>
#include <time.h>

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
  // Not verified again: it was compiled with the tools and is part of the
  // binary, and runtime_test verifies it (every process would otherwise
  // spend ~70 us on it, every spawned child included).
  for (const auto& m : prelude->modules()) {
    absl::Status s = vm.LoadModuleMessage(m, {}, vm::VM::Verify::kAlreadyVerified);
    if (s.ok()) s = vm.RunModule(m.name(), false);
    if (!s.ok()) {
      return absl::InternalError(absl::StrCat("prelude: ", s.message(), "\n",
                                              vm.DescribeUncaught()));
    }
  }
  return absl::OkStatus();
}

namespace {

// Stamp describes a file as it is now (size 0, time 0 when it is gone).
CompiledProgram::FileStamp Stamp(const std::string& path) {
  CompiledProgram::FileStamp stamp{path};
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    stamp.size = st.st_size;
    stamp.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  }
  return stamp;
}

bool Unchanged(const CompiledProgram& program) {
  for (const auto& file : program.files) {
    if (!(Stamp(file.path) == file)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<CompiledProgram> CompileProgram(const std::string& path,
                                               const std::vector<std::string>& search_path) {
  CompiledProgram program;
  ProgramCompiler compiler(search_path, [&](const eta::module::Module& m) -> absl::Status {
    program.modules.push_back(std::make_shared<const eta::module::Module>(m));
    return absl::OkStatus();
  });
  struct timespec start;
  clock_gettime(CLOCK_REALTIME, &start);
  ETA_ASSIGN_OR_RETURN(std::vector<eta::module::Module> own, compiler.CompileFile(path));
  // A file modified while it was being compiled (or just before: file times
  // are coarse) may not be what was read: such a program is not reused.
  int64_t racy_after = int64_t{start.tv_sec} * 1000000000 + start.tv_nsec - 50000000;
  for (const std::string& file : compiler.files()) {
    program.files.push_back(Stamp(file));
    if (program.files.back().mtime_ns >= racy_after) program.reusable = false;
  }
  for (const auto& m : own) program.own.push_back(m.name());
  return program;
}

absl::Status LoadProgram(vm::VM& vm, const CompiledProgram& program, vm::VM::Verify verify) {
  for (const auto& m : program.modules) ETA_RETURN_IF_ERROR(vm.LoadModuleMessage(m, verify));
  return absl::OkStatus();
}

absl::Status RunProgramBodies(vm::VM& vm, const CompiledProgram& program, bool call_main) {
  for (const auto& m : program.modules) {
    bool is_own = false;
    for (const std::string& name : program.own) is_own |= m->name() == name;
    ETA_RETURN_IF_ERROR(vm.RunModule(m->name(), call_main && is_own));
    if (vm.exit_requested()) break;
  }
  return absl::OkStatus();
}

absl::Status RunProgram(vm::VM& vm, const CompiledProgram& program, bool call_main) {
  ETA_RETURN_IF_ERROR(LoadProgram(vm, program));
  return RunProgramBodies(vm, program, call_main);
}

absl::StatusOr<ProgramCache::Program> ProgramCache::Get(const std::string& path) {
  Program program = Cached(path);
  if (program.compiled != nullptr) return program;
  ETA_ASSIGN_OR_RETURN(CompiledProgram compiled, CompileProgram(path, search_path_));
  program.compiled = std::make_shared<const CompiledProgram>(std::move(compiled));
  if (program.compiled->reusable) {
    std::lock_guard<std::mutex> lock(mutex_);
    programs_[path] = program;
  }
  return program;
}

ProgramCache::Program ProgramCache::Cached(const std::string& path) {
  Program program;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = programs_.find(path);
    if (it != programs_.end()) program = it->second;
  }
  if (program.compiled != nullptr && !Unchanged(*program.compiled)) return Program{};
  return program;
}

void ProgramCache::Verified(const std::string& path,
                            const std::shared_ptr<const CompiledProgram>& compiled) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = programs_.find(path);
  if (it != programs_.end() && it->second.compiled == compiled) it->second.verified = true;
}

ThreadHost::~ThreadHost() = default;

absl::StatusOr<std::shared_ptr<const vm::VM>> SharedBase() {
  // Made once per process and never destroyed: every VM made from it (an
  // actor on a scheduler thread too) reads it to the process's end.
  static const absl::StatusOr<std::shared_ptr<const vm::VM>>* const base = [] {
    auto vm = std::make_shared<vm::VM>(vm::VMOptions{});
    AddRuntimePrimitives(*vm);
    absl::Status loaded = LoadPrelude(*vm);
    vm->Freeze();
    return new absl::StatusOr<std::shared_ptr<const vm::VM>>(
        loaded.ok() ? absl::StatusOr<std::shared_ptr<const vm::VM>>(std::move(vm))
                    : absl::StatusOr<std::shared_ptr<const vm::VM>>(loaded));
  }();
  return *base;
}

absl::StatusOr<ReadyVM> MakeReadyVM(vm::VMOptions options) {
  ETA_ASSIGN_OR_RETURN(std::shared_ptr<const vm::VM> base, SharedBase());
  ReadyVM ready;
  ready.evaluator = std::make_unique<ProgramEvaluator>("%eval");
  ready.vm = std::make_unique<vm::VM>(std::move(options), std::move(base));
  ready.vm->set_evaluator(ready.evaluator.get());
  return ready;
}

absl::StatusOr<ReadyVM> ThreadHost::MakeVM() {
  ETA_ASSIGN_OR_RETURN(ReadyVM ready, MakeReadyVM(vm::VMOptions{}));
  net::SetSearchPath(*ready.vm, programs_.search_path());
  net::SetThreadHost(*ready.vm, this);
  return ready;
}

namespace {

class HostedReadyVM : public net::HostedVM {
 public:
  explicit HostedReadyVM(ReadyVM ready) : ready_(std::move(ready)) {}
  vm::VM& vm() override { return *ready_.vm; }

 private:
  ReadyVM ready_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<net::HostedVM>> ThreadHost::NewVM() {
  ETA_ASSIGN_OR_RETURN(ReadyVM ready, MakeVM());
  return std::make_unique<HostedReadyVM>(std::move(ready));
}

absl::StatusOr<std::string> ThreadHost::LoadFile(vm::VM& vm, const std::string& path) {
  ETA_ASSIGN_OR_RETURN(ProgramCache::Program program, programs_.Get(path));
  const CompiledProgram& compiled = *program.compiled;
  ETA_RETURN_IF_ERROR(LoadProgram(
      vm, compiled, program.verified ? vm::VM::Verify::kAlreadyVerified : vm::VM::Verify::kVerify));
  if (!program.verified) programs_.Verified(path, program.compiled);
  ETA_RETURN_IF_ERROR(RunProgramBodies(vm, compiled, /*call_main=*/false));
  if (compiled.own.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no module"));
  return compiled.own.back();
}

}  // namespace eta::tools
