// Benchmarks for the VM's hot paths: calls and returns, fixnum and flonum
// arithmetic, pair and closure allocation, vector access, and a full
// collection of a large live heap.
//
// Each interpreter benchmark compiles a small Eta program once (outside the
// timed loop) and then, per iteration, calls one of its procedures through
// VM::Call; the procedure runs a loop of state.range(0) steps in Eta, so the
// cost of entering the VM from C++ is amortised away.
//
//   bazel build --config=opt //vm:interpreter_benchmark
//   bazel-bin/vm/interpreter_benchmark --benchmark_min_time=0.05

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "tools/test_support.h"
#include "vm/heap.h"
#include "vm/object.h"
#include "vm/value.h"
#include "vm/vm.h"

namespace eta::vm {
namespace {

// The procedures under test. Each takes the loop count `n` (and whatever
// else it needs) and returns a value the benchmark checks, so a broken
// build fails loudly instead of timing an error path.
constexpr char kSource[] = R"eta(
; BM_CallReturn: one non-tail call and return per step.
(define (identity x) x)
(define (call-loop n)
  (let loop ((i 0) (last 0))
    (if (< i n)
        (loop (+ i 1) (identity i))
        last)))

; BM_FixnumArithmetic: four fixnum operations per step (*, -, + and the
; accumulating +), besides the loop's own compare and increment.
(define (fixnum-loop n)
  (let loop ((i 0) (acc 0))
    (if (< i n)
        (loop (+ i 1) (+ acc (+ (* i 3) (- i 1))))
        acc)))

; BM_FlonumArithmetic: four flonum operations per step (*, +, / and -);
; x converges to 2.0.
(define (flonum-loop n)
  (let loop ((i 0) (x 0.0))
    (if (< i n)
        (loop (+ i 1) (- (+ (* x 0.5) 1.5) (/ x 4.0)))
        x)))

; BM_ConsAllocation: one pair per step; the list is garbage after the call.
(define (cons-loop n)
  (let loop ((i 0) (acc '()))
    (if (< i n)
        (loop (+ i 1) (cons i acc))
        acc)))

; BM_ClosureCreation: one closure capturing `i` per step.
(define (closure-loop n)
  (let loop ((i 0) (last #f))
    (if (< i n)
        (loop (+ i 1) (lambda () i))
        (last))))

; BM_VectorAccess: one vector-ref and one vector-set! per element.
(define (vector-pass v)
  (let ((n (vector-length v)))
    (let loop ((i 0))
      (if (< i n)
          (begin
            (vector-set! v i (+ (vector-ref v i) 1))
            (loop (+ i 1)))
          n))))
)eta";

// NewBenchVM returns a VM with the prelude and kSource loaded; it aborts on
// failure, since no benchmark can run without it.
std::unique_ptr<VM> NewBenchVM() {
  std::unique_ptr<VM> vm = tools::testing::NewVM();
  absl::Status status = tools::testing::RunSource(*vm, kSource, "benchmark.eta");
  if (!status.ok()) {
    std::fprintf(stderr, "interpreter_benchmark: %s\n%s\n",
                 std::string(status.message()).c_str(),
                 vm->DescribeUncaught().c_str());
    std::abort();
  }
  return vm;
}

// Procedure returns the value of the program's global `name`. Globals are
// GC roots, so the value stays valid for the VM's lifetime.
Value Procedure(VM& vm, std::string_view name) {
  Global* global = vm.FindGlobal("%main", name);
  if (global == nullptr || global->value.IsUndefined()) {
    std::fprintf(stderr, "interpreter_benchmark: no procedure %.*s\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return global->value;
}

// RunLoop times `procedure` called with `args` once per benchmark iteration
// and returns the last result; on an uncaught error it marks the benchmark
// as failed and returns Undefined.
Value RunLoop(benchmark::State& state, VM& vm, Value procedure,
              absl::Span<const Value> args) {
  Value result = Value::Undefined();
  for (auto _ : state) {
    absl::StatusOr<Value> r = vm.Call(procedure, args);
    if (!r.ok()) {
      state.SkipWithError(vm.DescribeUncaught().c_str());
      return Value::Undefined();
    }
    result = *r;
    benchmark::DoNotOptimize(result);
  }
  return result;
}

// CheckFixnum marks the benchmark as failed unless `v` is fixnum `expected`.
void CheckFixnum(benchmark::State& state, Value v, int64_t expected) {
  if (state.error_occurred()) return;
  if (!v.IsFixnum() || v.AsFixnum() != expected) {
    state.SkipWithError("unexpected result");
  }
}

void BM_CallReturn(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::unique_ptr<VM> vm = NewBenchVM();
  const Value args[] = {Value::Fixnum(n)};
  Value result = RunLoop(state, *vm, Procedure(*vm, "call-loop"), args);
  CheckFixnum(state, result, n - 1);
  state.SetItemsProcessed(state.iterations() * n);  // calls
}
BENCHMARK(BM_CallReturn)->Arg(100'000);

void BM_FixnumArithmetic(benchmark::State& state) {
  constexpr int64_t kOpsPerStep = 4;
  const int64_t n = state.range(0);
  std::unique_ptr<VM> vm = NewBenchVM();
  const Value args[] = {Value::Fixnum(n)};
  Value result = RunLoop(state, *vm, Procedure(*vm, "fixnum-loop"), args);
  // Sum over i < n of (3i + i - 1) = 2n(n-1) - n.
  CheckFixnum(state, result, 2 * n * (n - 1) - n);
  state.SetItemsProcessed(state.iterations() * n * kOpsPerStep);
}
BENCHMARK(BM_FixnumArithmetic)->Arg(100'000);

void BM_FlonumArithmetic(benchmark::State& state) {
  constexpr int64_t kOpsPerStep = 4;
  const int64_t n = state.range(0);
  std::unique_ptr<VM> vm = NewBenchVM();
  const Value args[] = {Value::Fixnum(n)};
  Value result = RunLoop(state, *vm, Procedure(*vm, "flonum-loop"), args);
  if (!state.error_occurred() &&
      !(result.IsFlonum() && result.AsFlonum() > 1.99 && result.AsFlonum() <= 2.0)) {
    state.SkipWithError("unexpected result");
  }
  state.SetItemsProcessed(state.iterations() * n * kOpsPerStep);
}
BENCHMARK(BM_FlonumArithmetic)->Arg(100'000);

void BM_ConsAllocation(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::unique_ptr<VM> vm = NewBenchVM();
  const Value args[] = {Value::Fixnum(n)};
  const size_t collections_before = vm->heap().collections();
  Value result = RunLoop(state, *vm, Procedure(*vm, "cons-loop"), args);
  if (!state.error_occurred() && !(n == 0 ? result.IsNil() : IsPair(result))) {
    state.SkipWithError("unexpected result");
  }
  state.SetItemsProcessed(state.iterations() * n);  // pairs
  // Collections per call of cons-loop.
  state.counters["collections"] = benchmark::Counter(
      static_cast<double>(vm->heap().collections() - collections_before),
      benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_ConsAllocation)->Arg(1'000)->Arg(100'000);

void BM_ClosureCreation(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::unique_ptr<VM> vm = NewBenchVM();
  const Value args[] = {Value::Fixnum(n)};
  Value result = RunLoop(state, *vm, Procedure(*vm, "closure-loop"), args);
  CheckFixnum(state, result, n - 1);  // the last closure returns its i
  state.SetItemsProcessed(state.iterations() * n);  // closures
}
BENCHMARK(BM_ClosureCreation)->Arg(100'000);

void BM_VectorAccess(benchmark::State& state) {
  constexpr int64_t kAccessesPerElement = 2;  // one vector-ref, one vector-set!
  const int64_t n = state.range(0);
  std::unique_ptr<VM> vm = NewBenchVM();
  // Rooted across the calls: the VM only sees it on its stack during one.
  Rooted vector(vm->heap(),
                vm->MakeVector(std::vector<Value>(n, Value::Fixnum(0))));
  const Value args[] = {vector.get()};
  Value result = RunLoop(state, *vm, Procedure(*vm, "vector-pass"), args);
  CheckFixnum(state, result, n);
  state.SetItemsProcessed(state.iterations() * n * kAccessesPerElement);
}
BENCHMARK(BM_VectorAccess)->Arg(100'000);

// BM_HeapCollect times one full collection of a heap holding range(0) live
// pairs (a rooted list) besides the prelude. Items are the list's pairs.
void BM_HeapCollect(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::unique_ptr<VM> vm = NewBenchVM();
  Rooted list(vm->heap(), Value::Nil());
  for (int64_t i = 0; i < n; ++i) {
    Value pair = vm->Cons(Value::Fixnum(i), list.get());
    if (!pair.IsObject()) {
      state.SkipWithError("out of memory building the list");
      return;
    }
    list = pair;
  }
  vm->heap().Collect();  // drop the setup's garbage before timing
  const size_t live_bytes = vm->heap().live_bytes();
  for (auto _ : state) {
    vm->heap().Collect();
  }
  if (vm->heap().live_bytes() != live_bytes) {
    state.SkipWithError("a collection freed live objects");
  }
  state.SetItemsProcessed(state.iterations() * n);  // pairs traced
  state.counters["live_MB"] =
      benchmark::Counter(static_cast<double>(live_bytes) / (1 << 20));
}
BENCHMARK(BM_HeapCollect)->Arg(100'000);

}  // namespace
}  // namespace eta::vm
