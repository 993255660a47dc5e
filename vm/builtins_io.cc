// Ports and textual input/output: display, write, string ports, files.
#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "vm/builtins.h"
#include "vm/builtins_internal.h"
#include "vm/printer.h"
#include "vm/utf8.h"

namespace eta::vm {
namespace {

using internal::kReadChunk;
using internal::ReadMore;
using internal::StringChars;

// Input from a descriptor is read in chunks of this size, as needed.

// ---- Port arguments ----

// OutputPortArgument returns the port at `position` (1-based), or the
// current output port when the argument is absent; nullptr after raising.
Port* OutputPortArgument(VM& vm, const char* name, Arguments args,
                         int position, Value default_port) {
  Value v = args.count >= position ? args[position - 1] : default_port;
  if (!IsPort(v) || !As<Port>(v)->IsOutput()) {
    vm.RaiseTypeError(name, position, "an output port", v);
    return nullptr;
  }
  Port* port = As<Port>(v);
  if (port->closed) {
    vm.RaiseError("os-error", absl::StrCat(name, ": write to closed port ",
                                           port->name));
    return nullptr;
  }
  return port;
}

Port* OutputPort(VM& vm, const char* name, Arguments args, int position) {
  return OutputPortArgument(vm, name, args, position,
                            vm.current_output_port());
}

Port* InputPort(VM& vm, const char* name, Arguments args, int position) {
  Value v = args.count >= position ? args[position - 1]
                                   : vm.current_input_port();
  if (!IsPort(v) || !As<Port>(v)->IsInput()) {
    vm.RaiseTypeError(name, position, "an input port", v);
    return nullptr;
  }
  Port* port = As<Port>(v);
  if (port->closed) {
    vm.RaiseError("os-error", absl::StrCat(name, ": read from closed port ",
                                           port->name));
    return nullptr;
  }
  return port;
}

// ---- Input buffering ----


// Available ensures `count` bytes are buffered after the position if the
// input has them; returns how many are.
size_t Available(Port* port, size_t count) {
  while (port->input.size() - port->position < count) {
    if (!ReadMore(port)) break;
  }
  return port->input.size() - port->position;
}

size_t SequenceLength(unsigned char lead) {
  if (lead < 0xc0) return 1;
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  return 4;
}

// NextChar decodes the next character without consuming it; returns false
// at end of input. Malformed bytes read as U+FFFD, one byte at a time.
bool NextChar(Port* port, uint32_t* c, size_t* length) {
  if (Available(port, 1) == 0) return false;
  auto lead = static_cast<unsigned char>(port->input[port->position]);
  Available(port, SequenceLength(lead));
  if (!DecodeUtf8Char(port->input, port->position, c, length)) {
    *c = kReplacementCharacter;
    *length = 1;
  }
  return true;
}

// ---- Output ----

template <bool kWrite>
Value DisplayOrWrite(VM& vm, Arguments args) {
  const char* name = kWrite ? "write" : "display";
  Port* port = OutputPort(vm, name, args, 2);
  if (port == nullptr) return Value::RaiseMarker();
  std::string text;
  PrintValue(args[0], kWrite, &text);
  port->Write(text);
  return Value::Unspecified();
}

Value Print(VM& vm, Arguments args) {
  Port* port = OutputPort(vm, "print", args, 2);
  if (port == nullptr) return Value::RaiseMarker();
  port->Write(ValueToString(args[0], false));
  return Value::Unspecified();
}

Value Println(VM& vm, Arguments args) {
  Port* port = OutputPort(vm, "println", args, 2);
  if (port == nullptr) return Value::RaiseMarker();
  std::string text = ValueToString(args[0], false);
  text.push_back('\n');
  port->Write(text);
  return Value::Unspecified();
}

Value Eprintln(VM& vm, Arguments args) {
  Port* port =
      OutputPortArgument(vm, "eprintln", args, 2, vm.current_error_port());
  if (port == nullptr) return Value::RaiseMarker();
  std::string text = ValueToString(args[0], false);
  text.push_back('\n');
  port->Write(text);
  return Value::Unspecified();
}

Value WriteString(VM& vm, Arguments args) {
  if (!IsString(args[0])) {
    return vm.RaiseTypeError("write-string", 1, "a string", args[0]);
  }
  Port* port = OutputPort(vm, "write-string", args, 2);
  if (port == nullptr) return Value::RaiseMarker();
  const std::u32string& chars = StringChars(args[0]);
  auto range =
      internal::RangeArguments(vm, "write-string", args, 3, chars.size());
  if (!range) return Value::RaiseMarker();
  port->Write(EncodeUtf8(std::u32string_view(chars).substr(
      range->start, range->end - range->start)));
  return Value::Unspecified();
}

Value WriteChar(VM& vm, Arguments args) {
  if (!args[0].IsChar()) {
    return vm.RaiseTypeError("write-char", 1, "a character", args[0]);
  }
  Port* port = OutputPort(vm, "write-char", args, 2);
  if (port == nullptr) return Value::RaiseMarker();
  std::string text;
  AppendUtf8(args[0].AsChar(), &text);
  port->Write(text);
  return Value::Unspecified();
}

Value Newline(VM& vm, Arguments args) {
  Port* port = OutputPort(vm, "newline", args, 1);
  if (port == nullptr) return Value::RaiseMarker();
  port->Write("\n");
  return Value::Unspecified();
}

Value FlushOutput(VM& vm, Arguments args) {
  Port* port = OutputPort(vm, "flush-output", args, 1);
  if (port == nullptr) return Value::RaiseMarker();
  port->Flush();
  return Value::Unspecified();
}

// ---- Input ----

Value ReadChar(VM& vm, Arguments args) {
  Port* port = InputPort(vm, "read-char", args, 1);
  if (port == nullptr) return Value::RaiseMarker();
  uint32_t c;
  size_t length;
  if (!NextChar(port, &c, &length)) return Value::Eof();
  port->position += length;
  return Value::Char(c);
}

Value PeekChar(VM& vm, Arguments args) {
  Port* port = InputPort(vm, "peek-char", args, 1);
  if (port == nullptr) return Value::RaiseMarker();
  uint32_t c;
  size_t length;
  if (!NextChar(port, &c, &length)) return Value::Eof();
  return Value::Char(c);
}

Value ReadLine(VM& vm, Arguments args) {
  Port* port = InputPort(vm, "read-line", args, 1);
  if (port == nullptr) return Value::RaiseMarker();
  size_t scanned = 0;  // bytes after the position known to hold no newline
  size_t start, end;
  while (true) {
    size_t newline = port->input.find('\n', port->position + scanned);
    if (newline != std::string::npos) {
      start = port->position;
      end = newline;
      port->position = newline + 1;
      break;
    }
    scanned = port->input.size() - port->position;
    if (!ReadMore(port)) {
      if (scanned == 0) return Value::Eof();
      start = port->position;
      end = port->input.size();
      port->position = end;
      break;
    }
  }
  std::string_view line(port->input.data() + start, end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return vm.MakeString(DecodeUtf8Lenient(line));
}

Value ReadString(VM& vm, Arguments args) {
  auto count = internal::CountArgument(vm, "read-string", args, 1);
  if (!count) return Value::RaiseMarker();
  Port* port = InputPort(vm, "read-string", args, 2);
  if (port == nullptr) return Value::RaiseMarker();
  std::u32string chars;
  uint32_t c;
  size_t length;
  while (chars.size() < *count && NextChar(port, &c, &length)) {
    chars.push_back(static_cast<char32_t>(c));
    port->position += length;
  }
  if (chars.empty() && *count > 0) return Value::Eof();
  return vm.MakeString(std::move(chars));
}

Value CharReady(VM& vm, Arguments args) {
  Port* port = InputPort(vm, "char-ready?", args, 1);
  if (port == nullptr) return Value::RaiseMarker();
  if (port->position < port->input.size() || port->fd < 0) {
    return Value::True();
  }
  struct pollfd poll_fd = {port->fd, POLLIN, 0};
  return Value::Bool(::poll(&poll_fd, 1, 0) > 0);
}

// ---- Ports ----

Value NewPort(VM& vm, Port::Direction direction, int fd, std::string name) {
  Port* port = vm.heap().New<Port>(direction, fd, std::move(name));
  if (port == nullptr) return vm.RaiseOutOfMemory();
  return Value::FromObject(port);
}

Value CurrentInputPort(VM& vm, Arguments args) {
  return vm.current_input_port();
}
Value CurrentOutputPort(VM& vm, Arguments args) {
  return vm.current_output_port();
}
Value CurrentErrorPort(VM& vm, Arguments args) {
  return vm.current_error_port();
}

Value SetCurrentOutputPort(VM& vm, Arguments args) {
  if (!IsPort(args[0]) || !As<Port>(args[0])->IsOutput()) {
    return vm.RaiseTypeError("%set-current-output-port!", 1, "an output port",
                             args[0]);
  }
  vm.set_current_output_port(args[0]);
  return Value::Unspecified();
}

Value OpenInputString(VM& vm, Arguments args) {
  if (!IsString(args[0])) {
    return vm.RaiseTypeError("open-input-string", 1, "a string", args[0]);
  }
  std::string text = EncodeUtf8(StringChars(args[0]));
  Value port = NewPort(vm, Port::Direction::kInput, -1, "string");
  if (!port.IsRaise()) As<Port>(port)->input = std::move(text);
  return port;
}

Value OpenOutputString(VM& vm, Arguments args) {
  return NewPort(vm, Port::Direction::kOutput, -1, "string");
}

Value GetOutputString(VM& vm, Arguments args) {
  if (!IsPort(args[0]) || !As<Port>(args[0])->IsOutput() ||
      As<Port>(args[0])->fd >= 0) {
    return vm.RaiseTypeError("get-output-string", 1, "a string output port",
                             args[0]);
  }
  return vm.MakeString(DecodeUtf8Lenient(As<Port>(args[0])->buffer));
}

Value OsError(VM& vm, const char* name, const std::string& file, int error) {
  return vm.RaiseError("os-error", absl::StrCat(name, ": cannot open ", file,
                                                ": ", std::strerror(error)));
}

Value OpenInputFile(VM& vm, Arguments args) {
  const char* name = "open-input-file";
  std::string path;
  if (!vm.OsStringArgument(name, 1, args[0], &path)) return Value::RaiseMarker();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OsError(vm, name, path, errno);
  std::string text;
  char chunk[kReadChunk];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return OsError(vm, name, path, error);
    }
    if (n == 0) break;
    text.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  internal::ReportLargeObject(vm, text.size(), 1);
  Value port = NewPort(vm, Port::Direction::kInput, -1, path);
  if (!port.IsRaise()) As<Port>(port)->input = std::move(text);
  return port;
}

Value OpenOutputFile(VM& vm, Arguments args) {
  const char* name = "open-output-file";
  std::string path;
  if (!vm.OsStringArgument(name, 1, args[0], &path)) return Value::RaiseMarker();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return OsError(vm, name, path, errno);
  Value port = NewPort(vm, Port::Direction::kOutput, fd, path);
  if (port.IsRaise()) {
    ::close(fd);
    return port;
  }
  As<Port>(port)->owns_fd = true;
  return port;
}

enum class PortKind { kAny, kInput, kOutput };

template <PortKind kKind>
Value ClosePort(VM& vm, Arguments args) {
  static constexpr const char* kNames[] = {"close-port", "close-input-port",
                                           "close-output-port"};
  static constexpr const char* kExpected[] = {"a port", "an input port",
                                              "an output port"};
  Value v = args[0];
  bool ok = IsPort(v) &&
            (kKind == PortKind::kAny ||
             (kKind == PortKind::kInput) == As<Port>(v)->IsInput());
  if (!ok) {
    return vm.RaiseTypeError(kNames[static_cast<int>(kKind)], 1,
                             kExpected[static_cast<int>(kKind)], v);
  }
  As<Port>(v)->Close();
  return Value::Unspecified();
}

Value InputPortP(VM& vm, Arguments args) {
  return Value::Bool(IsPort(args[0]) && As<Port>(args[0])->IsInput());
}
Value OutputPortP(VM& vm, Arguments args) {
  return Value::Bool(IsPort(args[0]) && As<Port>(args[0])->IsOutput());
}
Value PortP(VM& vm, Arguments args) { return Value::Bool(IsPort(args[0])); }

Value EofObject(VM& vm, Arguments args) { return Value::Eof(); }
Value EofObjectP(VM& vm, Arguments args) {
  return Value::Bool(args[0].IsEof());
}

const PrimitiveSpec kIoPrimitives[] = {
    {"display", 1, 2, DisplayOrWrite<false>},
    {"write", 1, 2, DisplayOrWrite<true>},
    {"print", 1, 2, Print},
    {"println", 1, 2, Println},
    {"eprintln", 1, 2, Eprintln},
    {"write-string", 1, 4, WriteString},
    {"write-char", 1, 2, WriteChar},
    {"newline", 0, 1, Newline},
    {"flush-output", 0, 1, FlushOutput},
    {"read-char", 0, 1, ReadChar},
    {"peek-char", 0, 1, PeekChar},
    {"read-line", 0, 1, ReadLine},
    {"read-string", 1, 2, ReadString},
    {"char-ready?", 0, 1, CharReady},
    {"current-input-port", 0, 0, CurrentInputPort},
    {"current-output-port", 0, 0, CurrentOutputPort},
    {"current-error-port", 0, 0, CurrentErrorPort},
    {"%set-current-output-port!", 1, 1, SetCurrentOutputPort},
    {"open-input-string", 1, 1, OpenInputString},
    {"open-output-string", 0, 0, OpenOutputString},
    {"get-output-string", 1, 1, GetOutputString},
    {"open-input-file", 1, 1, OpenInputFile},
    {"open-output-file", 1, 1, OpenOutputFile},
    {"close-port", 1, 1, ClosePort<PortKind::kAny>},
    {"close-input-port", 1, 1, ClosePort<PortKind::kInput>},
    {"close-output-port", 1, 1, ClosePort<PortKind::kOutput>},
    {"input-port?", 1, 1, InputPortP},
    {"output-port?", 1, 1, OutputPortP},
    {"port?", 1, 1, PortP},
    {"textual-port?", 1, 1, PortP},
    {"eof-object", 0, 0, EofObject},
    {"eof-object?", 1, 1, EofObjectP},
};

}  // namespace

absl::Span<const PrimitiveSpec> IoPrimitives() { return kIoPrimitives; }

}  // namespace eta::vm
