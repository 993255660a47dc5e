// The wire format of SPEC [W]: Eta values as bytes and back, in a binary
// form (first byte 0xEA, then tagged values, little-endian) and a text form
// (the `write` representation), told apart by the first byte.
//
// Neither direction recurses on the C++ stack, whatever the length of lists
// and vectors. Nesting (lists and vectors inside lists and vectors; a list's
// spine counts once) is limited to kMaxDepth levels in both forms, so every
// message that encodes also prints and reads back. Errors are
// InvalidArgument statuses (ResourceExhausted for sizes and memory) whose
// message names the problem and where it is: a byte offset when decoding,
// a path such as "car of element 3 of vector" when encoding.
#ifndef ETA_WIRE_WIRE_H_
#define ETA_WIRE_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vm/heap.h"
#include "vm/symbol_table.h"
#include "vm/value.h"

namespace eta::wire {

// kBinaryMarker is the first byte of every binary message.
inline constexpr uint8_t kBinaryMarker = 0xEA;

// Tag is the byte before each binary value. These values are the published
// layout and never change; extensions get new tags.
enum class Tag : uint8_t {
  kNil = 0,
  kTrue = 1,
  kInteger = 2,     // 8-byte signed
  kFlonum = 3,      // 8-byte IEEE double
  kChar = 4,        // 4-byte code point
  kString = 5,      // 4-byte byte length, UTF-8
  kSymbol = 6,      // 4-byte byte length, UTF-8
  kPair = 8,        // car, then cdr
  kVector = 9,      // 4-byte element count, elements
  kFalse = 12,
  kBytevector = 13, // 4-byte length, bytes
};

// kMaxDepth is the deepest nesting a message may have (the printer's limit,
// so that the text form always round-trips).
inline constexpr uint32_t kMaxDepth = 10000;

// kDefaultMaxBytes is the default limit on a message's size, both ways.
inline constexpr size_t kDefaultMaxBytes = size_t{64} << 20;

// Form says which representation to produce.
enum class Form { kBinary, kText };

struct EncodeOptions {
  Form form = Form::kBinary;
  size_t max_bytes = kDefaultMaxBytes;
};

struct DecodeOptions {
  size_t max_bytes = kDefaultMaxBytes;
};

// Encode appends the encoding of `value` to `*out`. On error (a value that
// cannot be serialized, cyclic structure, nesting deeper than kMaxDepth, a
// result over max_bytes) `*out` is left as it was.
absl::Status Encode(vm::Value value, std::string* out,
                    const EncodeOptions& options = {});

// EncodeToString is Encode into a new string.
absl::StatusOr<std::string> EncodeToString(vm::Value value,
                                           const EncodeOptions& options = {});

// Decode builds the value a message encodes, allocating in `heap` and
// interning symbols in `symbols`; the binary form when `bytes` starts with
// kBinaryMarker, else the text form (exactly one datum, then only
// whitespace). Never crashes, whatever the bytes. Every NaN decodes as the
// NaN that reading +nan.0 gives (NaN payloads have no meaning in Eta).
absl::StatusOr<vm::Value> Decode(std::string_view bytes, vm::Heap& heap,
                                 vm::SymbolTable& symbols,
                                 const DecodeOptions& options = {});

// CheckSerializable returns OK when `value` can be encoded (ignoring size),
// else the error Encode would return, naming the offending part.
absl::Status CheckSerializable(vm::Value value);

}  // namespace eta::wire

#endif  // ETA_WIRE_WIRE_H_
