// Port: textual input and output ports (standard streams, strings, files).
#ifndef ETA_VM_PORT_H_
#define ETA_VM_PORT_H_

#include <string>

#include "vm/object.h"

namespace eta::vm {

// Port is an input or output port. Output to a file descriptor is buffered
// and flushed at every newline (so actors' output interleaves by line) and
// when the port is flushed or closed; string output ports accumulate in
// `buffer` until get-output-string. Input ports hold their whole text.
struct Port : Object {
  enum class Direction : uint8_t { kInput, kOutput };
  Port(Direction d, int descriptor, std::string port_name)
      : Object(ObjectType::kPort),
        direction(d), fd(descriptor), name(std::move(port_name)) {}
  ~Port();

  Direction direction;
  int fd;              // -1 for a string port
  bool owns_fd = false;  // close fd when the port is closed or collected
  bool closed = false;
  std::string name;    // "stdout", "string", or the file name
  std::string buffer;  // output: pending or accumulated bytes (UTF-8)
  std::string input;   // input: the text
  size_t position = 0; // input: byte offset of the next character

  bool IsInput() const { return direction == Direction::kInput; }
  bool IsOutput() const { return direction == Direction::kOutput; }
  // Write appends UTF-8 text; an fd port flushes through the last newline.
  void Write(std::string_view utf8);
  // Flush writes any buffered bytes of an fd port.
  void Flush();
  // Close flushes and closes; idempotent.
  void Close();
};

inline bool IsPort(Value v) { return IsType(v, ObjectType::kPort); }

}  // namespace eta::vm

#endif  // ETA_VM_PORT_H_
