// Fuzz target for the wire decoder: any bytes either decode or give an
// error status; a decoded value re-encodes, and decodes again to the same
// bytes. Built with libFuzzer by wire/fuzz.sh; also run over the seed
// corpus (and mutations of it) as a normal test by //wire:decode_fuzzer_test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vm/heap.h"
#include "wire/test_heap.h"
#include "wire/wire.h"

namespace {

// The input being checked, printed when a check fails.
std::string_view current_input;

void Check(bool condition, const char* what) {
  if (condition) return;
  fprintf(stderr, "decode_fuzzer: %s; input:", what);
  for (unsigned char c : current_input) fprintf(stderr, " %02x", c);
  fprintf(stderr, "\n");
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using eta::wire::Decode;
  using eta::wire::Encode;
  eta::wire::TestHeap t(/*stress=*/false, size_t{256} << 20);
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  current_input = bytes;
  eta::wire::DecodeOptions options;
  options.max_bytes = 1 << 20;
  absl::StatusOr<eta::vm::Value> value = Decode(bytes, t.heap, t.symbols, options);
  if (!value.ok()) {
    Check(!value.status().message().empty(), "error without a message");
    return 0;
  }
  t.Keep(*value);
  // What decodes must encode (it is serializable, acyclic and within the
  // nesting limit), in both forms, and both encodings decode to the same
  // binary encoding.
  eta::wire::EncodeOptions encode;
  encode.max_bytes = size_t{64} << 20;
  std::string binary;
  Check(Encode(*value, &binary, encode).ok(), "decoded value does not encode");
  encode.form = eta::wire::Form::kText;
  std::string text;
  Check(Encode(*value, &text, encode).ok(), "decoded value has no text form");
  eta::wire::DecodeOptions big;
  big.max_bytes = size_t{64} << 20;
  for (const std::string* form : {&binary, &text}) {
    absl::StatusOr<eta::vm::Value> again = Decode(*form, t.heap, t.symbols, big);
    Check(again.ok(), "an encoding does not decode");
    t.Keep(*again);
    std::string binary_again;
    encode.form = eta::wire::Form::kBinary;
    Check(Encode(*again, &binary_again, encode).ok(), "re-encoding failed");
    Check(binary_again == binary, "round trip changed the value");
  }
  return 0;
}
