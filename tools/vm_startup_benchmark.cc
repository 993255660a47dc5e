// Benchmarks for making a VM, the fixed cost of every etai process and of
// every spawn-thread: the VM itself, registering the builtins, and linking
// and running the prelude.
//
//   bazel build --config=opt //tools:vm_startup_benchmark
//   bazel-bin/tools/vm_startup_benchmark

#include "benchmark/benchmark.h"
#include "tools/runtime.h"
#include "tools/runtime_primitives.h"
#include "vm/vm.h"

namespace eta::tools {
namespace {

void BM_NewVM(benchmark::State& state) {
  for (auto _ : state) {
    vm::VM vm(vm::VMOptions{});
    benchmark::DoNotOptimize(&vm);
  }
}
BENCHMARK(BM_NewVM);

void BM_NewVMWithBuiltins(benchmark::State& state) {
  for (auto _ : state) {
    vm::VM vm(vm::VMOptions{});
    AddRuntimePrimitives(vm);
    benchmark::DoNotOptimize(&vm);
  }
}
BENCHMARK(BM_NewVMWithBuiltins);

void BM_NewVMWithPrelude(benchmark::State& state) {
  for (auto _ : state) {
    vm::VM vm(vm::VMOptions{});
    AddRuntimePrimitives(vm);
    absl::Status s = LoadPrelude(vm);
    if (!s.ok()) {
      state.SkipWithError("the prelude did not load");
      break;
    }
  }
}
BENCHMARK(BM_NewVMWithPrelude);

}  // namespace
}  // namespace eta::tools
