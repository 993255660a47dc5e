// read: the datum reader (compiler/reader.h) on textual input ports. The
// reader's data become VM values without recursion, whatever their nesting.
#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/datum.h"
#include "compiler/reader.h"
#include "vm/builtins.h"
#include "vm/builtins_internal.h"
#include "vm/datum_values.h"
#include "vm/port.h"

namespace eta::vm {
namespace {

using internal::kReadChunk;
using internal::ReadMore;


// InputPortArgument returns the input port argument (or the current input
// port), or nullptr after raising.
Port* InputPortArgument(VM& vm, const char* who, Arguments args) {
  Value v = args.count >= 1 ? args[0] : vm.current_input_port();
  if (!IsPort(v) || !As<Port>(v)->IsInput()) {
    vm.RaiseTypeError(who, 1, "an input port", v);
    return nullptr;
  }
  Port* port = As<Port>(v);
  if (port->closed) {
    vm.RaiseError("os-error",
                  absl::StrCat(who, ": read from closed port ", port->name));
    return nullptr;
  }
  return port;
}

// ReaderMessage strips the "FILE:LINE:COL: read-error: " prefix of a reader
// error: the location is relative to where this read started, which would
// mislead.
std::string ReaderMessage(std::string message) {
  constexpr std::string_view kMarker = ": read-error: ";
  size_t at = message.find(kMarker);
  if (at != std::string::npos) message.erase(0, at + kMarker.size());
  return message;
}

// (read [port]) returns the next datum of the port, or the eof object.
// The reader copies its text, so it is given a window of the input that
// doubles while the datum may be incomplete there: the reader failed, found
// nothing, or stopped at the window's end (an atom may go on). Past the
// buffered input, a descriptor port (stdin) reads more. Reading many data
// from a long string port thus costs about the size of each datum.
Value Read(VM& vm, Arguments args) {
  Port* port = InputPortArgument(vm, "read", args);
  if (port == nullptr) return Value::RaiseMarker();
  size_t window = kReadChunk;
  while (true) {
    std::string_view rest(port->input);
    rest.remove_prefix(port->position);
    std::string_view text = rest.substr(0, window);
    compiler::Reader reader(text, port->name);
    auto datum = reader.Next();
    bool maybe_incomplete = !datum.ok() || !datum->has_value() ||
                            reader.Offset() >= text.size();
    if (maybe_incomplete) {
      if (text.size() < rest.size()) {
        window *= 2;
        continue;
      }
      if (ReadMore(port)) continue;
    }
    if (!datum.ok()) {
      return vm.RaiseError(
          "read-error",
          absl::StrCat("read: ", ReaderMessage(std::string(
                                     datum.status().message()))));
    }
    port->position += reader.Offset();
    if (!datum->has_value()) return Value::Eof();
    absl::StatusOr<Value> value = DatumToValue(***datum, vm.heap(), vm.symbols());
    if (value.ok()) return *value;
    if (absl::IsResourceExhausted(value.status())) return vm.RaiseOutOfMemory();
    return vm.RaiseError("read-error",
                         absl::StrCat("read: ", value.status().message()));
  }
}

const PrimitiveSpec kReadPrimitives[] = {
    {"read", 0, 1, Read},
};

}  // namespace

absl::Span<const PrimitiveSpec> ReadPrimitives() { return kReadPrimitives; }

}  // namespace eta::vm
