// Benchmarks for the binary wire form: Encode and Decode of four messages,
// the same ones wire/bench/erlang_wire.escript times with term_to_binary and
// binary_to_term (wire/bench/run.sh prints the two side by side):
//
//   ints     a list of the fixnums 1..1,000,000
//   flonums  a vector of 100,000 flonums i*1.5 (i = 1..100,000)
//   strings  a list of 100,000 strings "str1".."str100000"
//   records  a list of 10,000 vectors #(i i*0.5 "name" #t (i i+1))
//
// Items are the message's top-level elements, bytes the encoded size (also
// reported as the counter message_bytes); times are wall-clock, as Erlang's
// are.
//
//   bazel build --config=opt //wire:wire_benchmark
//   bazel-bin/wire/wire_benchmark --benchmark_min_time=0.5

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "vm/allocate.h"
#include "vm/heap.h"
#include "vm/value.h"
#include "wire/test_heap.h"
#include "wire/wire.h"

namespace eta::wire {
namespace {

using vm::Rooted;
using vm::Value;

// kMaxMessageBytes is far above the largest message (ints, about 10 MB).
constexpr size_t kMaxMessageBytes = size_t{1} << 30;

enum class Case { kInts, kFlonums, kStrings, kRecords };

// Elements returns the number of top-level elements of a case's message.
int64_t Elements(Case c) {
  switch (c) {
    case Case::kInts: return 1'000'000;
    case Case::kFlonums: return 100'000;
    case Case::kStrings: return 100'000;
    case Case::kRecords: return 10'000;
  }
  return 0;
}

// OrDie returns `v`, aborting if an allocation failed: no benchmark can run
// without its message.
Value OrDie(Value v) {
  if (v.IsRaise()) {
    std::fprintf(stderr, "wire_benchmark: out of memory building a message\n");
    std::abort();
  }
  return v;
}

std::u32string Utf32(const std::string& ascii) {
  return std::u32string(ascii.begin(), ascii.end());
}

// NewRecord returns #(i i*0.5 "name" #t (i i+1)).
Value NewRecord(vm::Heap& heap, int64_t i) {
  Rooted tail(heap, OrDie(vm::NewPair(heap, Value::Fixnum(i + 1), Value::Nil())));
  Rooted pair(heap, OrDie(vm::NewPair(heap, Value::Fixnum(i), tail)));
  Rooted name(heap, OrDie(vm::NewString(heap, U"name")));
  return OrDie(vm::NewVector(
      heap, {Value::Fixnum(i), Value::Flonum(i * 0.5), name, Value::True(), pair}));
}

// ListOf returns the list (element(1) ... element(n)), built from its end.
template <typename ElementFunction>
Value ListOf(vm::Heap& heap, int64_t n, ElementFunction element) {
  Rooted list(heap, Value::Nil());
  for (int64_t i = n; i >= 1; --i) {
    Rooted item(heap, element(i));
    list = OrDie(vm::NewPair(heap, item, list));
  }
  return list;
}

// BuildMessage returns case `c`'s value, rooted in `heap`.
Value BuildMessage(Case c, TestHeap& heap) {
  vm::Heap& h = heap.heap;
  const int64_t n = Elements(c);
  switch (c) {
    case Case::kInts:
      return heap.Keep(ListOf(h, n, [](int64_t i) { return Value::Fixnum(i); }));
    case Case::kFlonums: {
      std::vector<Value> items;
      items.reserve(n);
      for (int64_t i = 1; i <= n; ++i) items.push_back(Value::Flonum(i * 1.5));
      return heap.Keep(OrDie(vm::NewVector(h, std::move(items))));
    }
    case Case::kStrings:
      return heap.Keep(ListOf(h, n, [&h](int64_t i) {
        return OrDie(vm::NewString(h, Utf32("str" + std::to_string(i))));
      }));
    case Case::kRecords:
      return heap.Keep(ListOf(h, n, [&h](int64_t i) { return NewRecord(h, i); }));
  }
  return Value::Nil();
}

constexpr EncodeOptions kEncodeOptions{Form::kBinary, kMaxMessageBytes};
constexpr DecodeOptions kDecodeOptions{kMaxMessageBytes};

void SetCounters(benchmark::State& state, Case c, size_t message_bytes) {
  state.SetItemsProcessed(state.iterations() * Elements(c));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(message_bytes));
  state.counters["message_bytes"] =
      benchmark::Counter(static_cast<double>(message_bytes));
}

// BM_Encode times Encode of case `c`'s message into one string, emptied
// before each iteration but keeping its capacity, so what is timed is the
// encoder and not the growth of a fresh buffer (term_to_binary, too, sizes
// its binary before encoding and never grows it). A fresh EncodeToString per
// iteration is dominated by page faults and copying whose cost depends on
// the machine and on glibc's state left by earlier benchmarks.
void BM_Encode(benchmark::State& state, Case c) {
  TestHeap heap;
  const Value message = BuildMessage(c, heap);
  std::string bytes;
  for (auto _ : state) {
    bytes.clear();
    absl::Status status = Encode(message, &bytes, kEncodeOptions);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(bytes.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, c, bytes.size());
}

// BM_Decode times Decode of case `c`'s encoded message into one TestHeap.
// The message is built in a heap of its own, so the decoding heap holds
// only the decoded values: unrooted, they are garbage for its collector,
// whose cost is part of what is timed.
void BM_Decode(benchmark::State& state, Case c) {
  std::string message;
  {
    TestHeap source;
    absl::StatusOr<std::string> bytes =
        EncodeToString(BuildMessage(c, source), kEncodeOptions);
    if (!bytes.ok()) {
      state.SkipWithError(std::string(bytes.status().message()).c_str());
      return;
    }
    message = *std::move(bytes);
  }
  TestHeap heap;
  // Check once, untimed, that decoding gives back the message.
  {
    absl::StatusOr<Value> value =
        Decode(message, heap.heap, heap.symbols, kDecodeOptions);
    absl::StatusOr<std::string> again =
        value.ok() ? EncodeToString(*value, kEncodeOptions)
                   : absl::StatusOr<std::string>(value.status());
    if (!again.ok() || *again != message) {
      state.SkipWithError("decoding does not round-trip");
      return;
    }
  }
  for (auto _ : state) {
    absl::StatusOr<Value> value =
        Decode(message, heap.heap, heap.symbols, kDecodeOptions);
    if (!value.ok()) {
      state.SkipWithError(std::string(value.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(*value);
  }
  SetCounters(state, c, message.size());
}

#define WIRE_BENCHMARK(function, name, c) \
  BENCHMARK_CAPTURE(function, name, c)    \
      ->UseRealTime()                     \
      ->Unit(benchmark::kMicrosecond)

WIRE_BENCHMARK(BM_Encode, ints, Case::kInts);
WIRE_BENCHMARK(BM_Encode, flonums, Case::kFlonums);
WIRE_BENCHMARK(BM_Encode, strings, Case::kStrings);
WIRE_BENCHMARK(BM_Encode, records, Case::kRecords);
WIRE_BENCHMARK(BM_Decode, ints, Case::kInts);
WIRE_BENCHMARK(BM_Decode, flonums, Case::kFlonums);
WIRE_BENCHMARK(BM_Decode, strings, Case::kStrings);
WIRE_BENCHMARK(BM_Decode, records, Case::kRecords);

}  // namespace
}  // namespace eta::wire
