// Helpers shared by the builtin library files (builtins_*.cc). Not for use
// outside the builtins.
#ifndef ETA_VM_BUILTINS_INTERNAL_H_
#define ETA_VM_BUILTINS_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vm/object.h"
#include "vm/port.h"
#include "vm/vm.h"

namespace eta::vm::internal {

// ListToVector appends the elements of `list` to `*out`; returns false when
// `list` is not a proper list (improper or cyclic).
bool ListToVector(Value list, std::vector<Value>* out);

// ProperListLength returns the length of a proper list, or -1 for an
// improper or cyclic one.
int64_t ProperListLength(Value list);

// MakeListFrom builds a list of items[0..count) ending in `tail`. The items
// (and `tail`) must be reachable from a root while it allocates (e.g. from
// the primitive's arguments).
Value MakeListFrom(VM& vm, const Value* items, size_t count,
                   Value tail = Value::Nil());

// IndexArgument checks that args[position - 1] is an exact integer in
// [0, limit) (or [0, limit] when `inclusive`); otherwise raises a type-error
// or range-error for `procedure` and returns std::nullopt.
std::optional<size_t> IndexArgument(VM& vm, const char* procedure,
                                    Arguments args, int position, size_t limit,
                                    bool inclusive);

// CountArgument checks that args[position - 1] is a non-negative exact
// integer (a size); otherwise raises and returns std::nullopt.
std::optional<size_t> CountArgument(VM& vm, const char* procedure,
                                    Arguments args, int position);

// Range is a [start, end) slice of a sequence.
struct Range {
  size_t start;
  size_t end;
};

// RangeArguments reads the optional start and end arguments at positions
// `start_position` and `start_position + 1` of a sequence of `length`
// elements (defaults 0 and `length`), checking 0 <= start <= end <= length.
// Raises and returns std::nullopt when they are bad.
std::optional<Range> RangeArguments(VM& vm, const char* procedure,
                                    Arguments args, int start_position,
                                    size_t length);

// CheckAllocation raises out-of-memory (returning false) when `count`
// elements of `element_size` bytes would exceed the heap limit. For a large
// object it first collects if that much storage would make a collection due
// (it may collect: callers hold no unrooted objects).
bool CheckAllocation(VM& vm, size_t count, size_t element_size);

// ReportLargeObject tells the heap about the storage of a new object with
// `count` elements of `element_size` bytes when it is large.
void ReportLargeObject(VM& vm, size_t count, size_t element_size);

// kReadChunk is how much input a descriptor port reads at a time.
inline constexpr size_t kReadChunk = 4096;

// ReadMore appends the next chunk of a descriptor port's input; false at the
// end of the input (or on an error, which reads as end of input) and for
// string ports. Consumed input is dropped first when it is most of the
// buffer, so positions stay relative to port->input.
bool ReadMore(Port* port);

// StringChars returns the characters of a String value.
inline std::u32string& StringChars(Value v) { return As<String>(v)->chars; }

// Strings' search, split, join, trim and pad primitives
// (builtins_string_search.cc), registered in StringPrimitives().
Value StringIndexChar(VM& vm, Arguments args);
Value StringSearch(VM& vm, Arguments args);
Value StringContains(VM& vm, Arguments args);
Value StringPrefixP(VM& vm, Arguments args);
Value StringSuffixP(VM& vm, Arguments args);
Value StringSplit(VM& vm, Arguments args);
Value StringJoin(VM& vm, Arguments args);
// string-trim trims the left (SRFI-13); string-trim-both trims both ends.
Value StringTrim(VM& vm, Arguments args);
Value StringTrimBoth(VM& vm, Arguments args);
Value StringTrimLeft(VM& vm, Arguments args);
Value StringTrimRight(VM& vm, Arguments args);
Value StringPadLeft(VM& vm, Arguments args);
Value StringPadRight(VM& vm, Arguments args);

}  // namespace eta::vm::internal

#endif  // ETA_VM_BUILTINS_INTERNAL_H_
