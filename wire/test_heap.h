// TestHeap: a heap and symbol table without a VM, for wire's tests,
// benchmark and fuzz target. Values in `roots` survive collections.
#ifndef ETA_WIRE_TEST_HEAP_H_
#define ETA_WIRE_TEST_HEAP_H_

#include <cstddef>
#include <vector>

#include "vm/heap.h"
#include "vm/symbol_table.h"
#include "vm/value.h"

namespace eta::wire {

struct TestHeap {
  explicit TestHeap(bool stress = false, size_t max_bytes = size_t{8} << 30)
      : heap(vm::HeapOptions{max_bytes, stress}) {
    heap.SetRootTracer([this](vm::Tracer& tracer) {
      for (vm::Value v : roots) tracer.Mark(v);
    });
    heap.SetWeakSweeper([this] { symbols.DropUnmarked(); });
  }
  // Keep roots `v` and returns it.
  vm::Value Keep(vm::Value v) {
    roots.push_back(v);
    return v;
  }

  vm::Heap heap;
  vm::SymbolTable symbols;
  std::vector<vm::Value> roots;
};

}  // namespace eta::wire

#endif  // ETA_WIRE_TEST_HEAP_H_
