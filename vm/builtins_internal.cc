#include "vm/builtins_internal.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace eta::vm::internal {
namespace {

// Objects bigger than this are reported to the heap for GC pacing.
constexpr size_t kLargeObjectBytes = 4096;

}  // namespace

bool ListToVector(Value list, std::vector<Value>* out) {
  Value slow = list;
  size_t steps = 0;
  while (IsPair(list)) {
    out->push_back(Car(list));
    list = Cdr(list);
    if (++steps % 2 == 0) slow = Cdr(slow);
    if (list.Eq(slow) && IsPair(list)) return false;
  }
  return list.IsNil();
}

int64_t ProperListLength(Value list) {
  Value slow = list;
  int64_t length = 0;
  while (IsPair(list)) {
    list = Cdr(list);
    ++length;
    if (length % 2 == 0) slow = Cdr(slow);
    if (list.Eq(slow) && IsPair(list)) return -1;
  }
  return list.IsNil() ? length : -1;
}

Value MakeListFrom(VM& vm, const Value* items, size_t count, Value tail) {
  Rooted list(vm.heap(), tail);
  for (size_t i = count; i-- > 0;) {
    Value pair = vm.Cons(items[i], list);
    if (pair.IsRaise()) return pair;
    list = pair;
  }
  return list;
}

std::optional<size_t> IndexArgument(VM& vm, const char* procedure,
                                    Arguments args, int position, size_t limit,
                                    bool inclusive) {
  Value v = args[position - 1];
  if (!v.IsFixnum()) {
    vm.RaiseTypeError(procedure, position, "an exact integer", v);
    return std::nullopt;
  }
  int64_t i = v.AsFixnum();
  if (i < 0 || static_cast<uint64_t>(i) > limit ||
      (!inclusive && static_cast<uint64_t>(i) == limit)) {
    vm.RaiseRangeError(
        procedure, position,
        absl::StrCat("index ", i, " for length ", limit), v);
    return std::nullopt;
  }
  return static_cast<size_t>(i);
}

std::optional<size_t> CountArgument(VM& vm, const char* procedure,
                                    Arguments args, int position) {
  Value v = args[position - 1];
  if (!v.IsFixnum()) {
    vm.RaiseTypeError(procedure, position, "an exact integer", v);
    return std::nullopt;
  }
  if (v.AsFixnum() < 0) {
    vm.RaiseRangeError(procedure, position,
                       absl::StrCat("negative count ", v.AsFixnum()), v);
    return std::nullopt;
  }
  return static_cast<size_t>(v.AsFixnum());
}

std::optional<Range> RangeArguments(VM& vm, const char* procedure,
                                    Arguments args, int start_position,
                                    size_t length) {
  Range range{0, length};
  if (args.count >= start_position) {
    auto start =
        IndexArgument(vm, procedure, args, start_position, length, true);
    if (!start) return std::nullopt;
    range.start = *start;
  }
  if (args.count >= start_position + 1) {
    auto end =
        IndexArgument(vm, procedure, args, start_position + 1, length, true);
    if (!end) return std::nullopt;
    range.end = *end;
    if (range.end < range.start) {
      vm.RaiseRangeError(procedure, start_position + 1,
                         absl::StrCat("end ", range.end, " is before start ",
                                      range.start),
                         args[start_position]);
      return std::nullopt;
    }
  }
  return range;
}

bool CheckAllocation(VM& vm, size_t count, size_t element_size) {
  size_t limit = vm.options().heap.max_bytes / element_size;
  if (count > limit) {
    vm.RaiseOutOfMemory();
    return false;
  }
  if (count * element_size >= kLargeObjectBytes) vm.heap().CollectIfDue(count * element_size);
  return true;
}

void ReportLargeObject(VM& vm, size_t count, size_t element_size) {
  size_t bytes = count * element_size;
  if (bytes >= kLargeObjectBytes) vm.heap().ReportExtraBytes(bytes);
}

bool ReadMore(Port* port) {
  if (port->fd < 0) return false;
  if (port->position > kReadChunk && port->position * 2 > port->input.size()) {
    port->input.erase(0, port->position);
    port->position = 0;
  }
  char chunk[kReadChunk];
  while (true) {
    ssize_t n = ::read(port->fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    port->input.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

}  // namespace eta::vm::internal
