// Vectors and bytevectors.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "vm/builtins.h"
#include "vm/builtins_internal.h"

namespace eta::vm {
namespace {

using internal::IndexArgument;
using internal::RangeArguments;

bool CheckVector(VM& vm, const char* name, Arguments args, int position) {
  if (IsVector(args[position - 1])) return true;
  vm.RaiseTypeError(name, position, "a vector", args[position - 1]);
  return false;
}

bool CheckBytevector(VM& vm, const char* name, Arguments args, int position) {
  if (IsBytevector(args[position - 1])) return true;
  vm.RaiseTypeError(name, position, "a bytevector", args[position - 1]);
  return false;
}

bool CheckByte(VM& vm, const char* name, Arguments args, int position) {
  Value v = args[position - 1];
  if (v.IsFixnum() && v.AsFixnum() >= 0 && v.AsFixnum() <= 255) return true;
  vm.RaiseTypeError(name, position, "a byte (an exact integer 0-255)", v);
  return false;
}

std::vector<Value>& Items(Value v) { return As<Vector>(v)->items; }
std::vector<uint8_t>& Bytes(Value v) { return As<Bytevector>(v)->bytes; }

Value NewVector(VM& vm, std::vector<Value> items) {
  size_t size = items.size();
  Value v = vm.MakeVector(std::move(items));
  if (!v.IsRaise()) internal::ReportLargeObject(vm, size, sizeof(Value));
  return v;
}

Value NewBytevector(VM& vm, std::vector<uint8_t> bytes) {
  size_t size = bytes.size();
  Value v = vm.MakeBytevector(std::move(bytes));
  if (!v.IsRaise()) internal::ReportLargeObject(vm, size, 1);
  return v;
}

// ---- Vectors ----

Value VectorP(VM& vm, Arguments args) { return Value::Bool(IsVector(args[0])); }

Value MakeVectorPrimitive(VM& vm, Arguments args) {
  auto count = internal::CountArgument(vm, "make-vector", args, 1);
  if (!count) return Value::RaiseMarker();
  if (!internal::CheckAllocation(vm, *count, sizeof(Value))) {
    return Value::RaiseMarker();
  }
  Value fill = args.count > 1 ? args[1] : Value::Unspecified();
  return NewVector(vm, std::vector<Value>(*count, fill));
}

Value VectorPrimitive(VM& vm, Arguments args) {
  return NewVector(vm, std::vector<Value>(args.values, args.values + args.count));
}

Value VectorLength(VM& vm, Arguments args) {
  if (!CheckVector(vm, "vector-length", args, 1)) return Value::RaiseMarker();
  return Value::Fixnum(static_cast<int64_t>(Items(args[0]).size()));
}

Value VectorRef(VM& vm, Arguments args) {
  if (!CheckVector(vm, "vector-ref", args, 1)) return Value::RaiseMarker();
  const std::vector<Value>& items = Items(args[0]);
  auto index = IndexArgument(vm, "vector-ref", args, 2, items.size(), false);
  if (!index) return Value::RaiseMarker();
  return items[*index];
}

Value VectorSet(VM& vm, Arguments args) {
  if (!CheckVector(vm, "vector-set!", args, 1)) return Value::RaiseMarker();
  if (!vm.CheckMutable("vector-set!", 1, "vector", args[0])) return Value::RaiseMarker();
  std::vector<Value>& items = Items(args[0]);
  auto index = IndexArgument(vm, "vector-set!", args, 2, items.size(), false);
  if (!index) return Value::RaiseMarker();
  items[*index] = args[2];
  return Value::Unspecified();
}

Value VectorToList(VM& vm, Arguments args) {
  if (!CheckVector(vm, "vector->list", args, 1)) return Value::RaiseMarker();
  auto range =
      RangeArguments(vm, "vector->list", args, 2, Items(args[0]).size());
  if (!range) return Value::RaiseMarker();
  // The vector is an argument, so its items stay alive; index it afresh each
  // time rather than holding a pointer into it across allocations.
  Rooted list(vm.heap(), Value::Nil());
  for (size_t i = range->end; i-- > range->start;) {
    Value pair = vm.Cons(Items(args[0])[i], list);
    if (pair.IsRaise()) return pair;
    list = pair;
  }
  return list;
}

Value ListToVector(VM& vm, Arguments args) {
  std::vector<Value> items;
  if (!internal::ListToVector(args[0], &items)) {
    return vm.RaiseTypeError("list->vector", 1, "a proper list", args[0]);
  }
  return NewVector(vm, std::move(items));
}

Value VectorFill(VM& vm, Arguments args) {
  if (!CheckVector(vm, "vector-fill!", args, 1)) return Value::RaiseMarker();
  if (!vm.CheckMutable("vector-fill!", 1, "vector", args[0])) return Value::RaiseMarker();
  std::vector<Value>& items = Items(args[0]);
  auto range = RangeArguments(vm, "vector-fill!", args, 3, items.size());
  if (!range) return Value::RaiseMarker();
  for (size_t i = range->start; i < range->end; ++i) items[i] = args[1];
  return Value::Unspecified();
}

Value VectorCopy(VM& vm, Arguments args) {
  if (!CheckVector(vm, "vector-copy", args, 1)) return Value::RaiseMarker();
  const std::vector<Value>& items = Items(args[0]);
  auto range = RangeArguments(vm, "vector-copy", args, 2, items.size());
  if (!range) return Value::RaiseMarker();
  return NewVector(vm, std::vector<Value>(items.begin() + range->start,
                                          items.begin() + range->end));
}

// (vector-copy! to at from [start [end]])
Value VectorCopyInto(VM& vm, Arguments args) {
  const char* name = "vector-copy!";
  if (!CheckVector(vm, name, args, 1) || !CheckVector(vm, name, args, 3) ||
      !vm.CheckMutable(name, 1, "vector", args[0])) {
    return Value::RaiseMarker();
  }
  std::vector<Value>& to = Items(args[0]);
  const std::vector<Value>& from = Items(args[2]);
  auto at = IndexArgument(vm, name, args, 2, to.size(), true);
  if (!at) return Value::RaiseMarker();
  auto range = RangeArguments(vm, name, args, 4, from.size());
  if (!range) return Value::RaiseMarker();
  size_t count = range->end - range->start;
  if (count > to.size() - *at) {
    return vm.RaiseRangeError(name, 2, "the destination is too short",
                              args[1]);
  }
  std::vector<Value> copy(from.begin() + range->start,
                          from.begin() + range->end);  // may overlap
  std::copy(copy.begin(), copy.end(), to.begin() + *at);
  return Value::Unspecified();
}

Value VectorAppend(VM& vm, Arguments args) {
  std::vector<Value> items;
  for (int i = 0; i < args.count; ++i) {
    if (!CheckVector(vm, "vector-append", args, i + 1)) {
      return Value::RaiseMarker();
    }
    const std::vector<Value>& part = Items(args[i]);
    items.insert(items.end(), part.begin(), part.end());
  }
  return NewVector(vm, std::move(items));
}

// ---- Bytevectors ----

Value BytevectorP(VM& vm, Arguments args) {
  return Value::Bool(IsBytevector(args[0]));
}

Value MakeBytevectorPrimitive(VM& vm, Arguments args) {
  auto count = internal::CountArgument(vm, "make-bytevector", args, 1);
  if (!count) return Value::RaiseMarker();
  uint8_t fill = 0;
  if (args.count > 1) {
    if (!CheckByte(vm, "make-bytevector", args, 2)) return Value::RaiseMarker();
    fill = static_cast<uint8_t>(args[1].AsFixnum());
  }
  if (!internal::CheckAllocation(vm, *count, 1)) return Value::RaiseMarker();
  return NewBytevector(vm, std::vector<uint8_t>(*count, fill));
}

Value BytevectorPrimitive(VM& vm, Arguments args) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < args.count; ++i) {
    if (!CheckByte(vm, "bytevector", args, i + 1)) return Value::RaiseMarker();
    bytes.push_back(static_cast<uint8_t>(args[i].AsFixnum()));
  }
  return NewBytevector(vm, std::move(bytes));
}

Value BytevectorLength(VM& vm, Arguments args) {
  if (!CheckBytevector(vm, "bytevector-length", args, 1)) {
    return Value::RaiseMarker();
  }
  return Value::Fixnum(static_cast<int64_t>(Bytes(args[0]).size()));
}

Value BytevectorRef(VM& vm, Arguments args) {
  if (!CheckBytevector(vm, "bytevector-u8-ref", args, 1)) {
    return Value::RaiseMarker();
  }
  const std::vector<uint8_t>& bytes = Bytes(args[0]);
  auto index =
      IndexArgument(vm, "bytevector-u8-ref", args, 2, bytes.size(), false);
  if (!index) return Value::RaiseMarker();
  return Value::Fixnum(bytes[*index]);
}

Value BytevectorSet(VM& vm, Arguments args) {
  if (!CheckBytevector(vm, "bytevector-u8-set!", args, 1) ||
      !vm.CheckMutable("bytevector-u8-set!", 1, "bytevector", args[0])) {
    return Value::RaiseMarker();
  }
  std::vector<uint8_t>& bytes = Bytes(args[0]);
  auto index =
      IndexArgument(vm, "bytevector-u8-set!", args, 2, bytes.size(), false);
  if (!index) return Value::RaiseMarker();
  if (!CheckByte(vm, "bytevector-u8-set!", args, 3)) {
    return Value::RaiseMarker();
  }
  bytes[*index] = static_cast<uint8_t>(args[2].AsFixnum());
  return Value::Unspecified();
}

Value BytevectorCopy(VM& vm, Arguments args) {
  if (!CheckBytevector(vm, "bytevector-copy", args, 1)) {
    return Value::RaiseMarker();
  }
  const std::vector<uint8_t>& bytes = Bytes(args[0]);
  auto range = RangeArguments(vm, "bytevector-copy", args, 2, bytes.size());
  if (!range) return Value::RaiseMarker();
  return NewBytevector(vm, std::vector<uint8_t>(bytes.begin() + range->start,
                                                bytes.begin() + range->end));
}

// (bytevector-copy! to at from [start [end]])
Value BytevectorCopyInto(VM& vm, Arguments args) {
  const char* name = "bytevector-copy!";
  if (!CheckBytevector(vm, name, args, 1) || !CheckBytevector(vm, name, args, 3) ||
      !vm.CheckMutable(name, 1, "bytevector", args[0])) {
    return Value::RaiseMarker();
  }
  std::vector<uint8_t>& to = Bytes(args[0]);
  const std::vector<uint8_t>& from = Bytes(args[2]);
  auto at = IndexArgument(vm, name, args, 2, to.size(), true);
  if (!at) return Value::RaiseMarker();
  auto range = RangeArguments(vm, name, args, 4, from.size());
  if (!range) return Value::RaiseMarker();
  size_t count = range->end - range->start;
  if (count > to.size() - *at) {
    return vm.RaiseRangeError(name, 2, "the destination is too short",
                              args[1]);
  }
  std::vector<uint8_t> copy(from.begin() + range->start,
                            from.begin() + range->end);
  std::copy(copy.begin(), copy.end(), to.begin() + *at);
  return Value::Unspecified();
}

Value BytevectorAppend(VM& vm, Arguments args) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < args.count; ++i) {
    if (!CheckBytevector(vm, "bytevector-append", args, i + 1)) {
      return Value::RaiseMarker();
    }
    const std::vector<uint8_t>& part = Bytes(args[i]);
    bytes.insert(bytes.end(), part.begin(), part.end());
  }
  return NewBytevector(vm, std::move(bytes));
}

const PrimitiveSpec kVectorPrimitives[] = {
    {"vector?", 1, 1, VectorP},
    {"make-vector", 1, 2, MakeVectorPrimitive},
    {"vector", 0, -1, VectorPrimitive},
    {"vector-length", 1, 1, VectorLength},
    {"vector-ref", 2, 2, VectorRef},
    {"vector-set!", 3, 3, VectorSet},
    {"vector->list", 1, 3, VectorToList},
    {"list->vector", 1, 1, ListToVector},
    {"vector-fill!", 2, 4, VectorFill},
    {"vector-copy", 1, 3, VectorCopy},
    {"vector-copy!", 3, 5, VectorCopyInto},
    {"vector-append", 0, -1, VectorAppend},
    {"bytevector?", 1, 1, BytevectorP},
    {"make-bytevector", 1, 2, MakeBytevectorPrimitive},
    {"bytevector", 0, -1, BytevectorPrimitive},
    {"bytevector-length", 1, 1, BytevectorLength},
    {"bytevector-u8-ref", 2, 2, BytevectorRef},
    {"bytevector-u8-set!", 3, 3, BytevectorSet},
    {"bytevector-copy", 1, 3, BytevectorCopy},
    {"bytevector-copy!", 3, 5, BytevectorCopyInto},
    {"bytevector-append", 0, -1, BytevectorAppend},
};

}  // namespace

absl::Span<const PrimitiveSpec> VectorPrimitives() { return kVectorPrimitives; }

}  // namespace eta::vm
