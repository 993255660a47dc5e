// Allocating the data types in a heap, for every layer that builds values
// (the VM, the wire decoder, the reader's data). Each function returns the
// new value, or Value::RaiseMarker() when the heap is full; it may collect,
// so the caller roots what it still needs.
#ifndef ETA_VM_ALLOCATE_H_
#define ETA_VM_ALLOCATE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vm/heap.h"
#include "vm/object.h"
#include "vm/value.h"

namespace eta::vm {

// Registered reports an allocation's out-of-line storage to the heap.
inline Value Registered(Heap& heap, Object* object, size_t extra_bytes) {
  if (object == nullptr) return Value::RaiseMarker();
  heap.ReportExtraBytes(extra_bytes);
  return Value::FromObject(object);
}

inline Value NewPair(Heap& heap, Value car, Value cdr) {
  return Registered(heap, heap.New<Pair>(car, cdr), 0);
}

inline Value NewString(Heap& heap, std::u32string chars) {
  size_t extra = chars.size() * sizeof(char32_t);
  return Registered(heap, heap.New<String>(std::move(chars)), extra);
}

inline Value NewVector(Heap& heap, std::vector<Value> items) {
  size_t extra = items.size() * sizeof(Value);
  return Registered(heap, heap.New<Vector>(std::move(items)), extra);
}

inline Value NewBytevector(Heap& heap, std::vector<uint8_t> bytes) {
  size_t extra = bytes.size();
  return Registered(heap, heap.New<Bytevector>(std::move(bytes)), extra);
}

}  // namespace eta::vm

#endif  // ETA_VM_ALLOCATE_H_
