// Frames and captured continuations: the control state of the interpreter,
// declared apart from the VM so that the object table can trace and free
// continuations without depending on the interpreter.
#ifndef ETA_VM_CONTINUATION_H_
#define ETA_VM_CONTINUATION_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vm/object.h"
#include "vm/value.h"

namespace eta::vm {

// Frame is one activation on the VM's call stack.
struct Frame {
  Closure* closure;
  const uint32_t* pc;   // where execution continues in this frame
  uint32_t base;        // stack index of local 0
  uint64_t escape_id;   // non-zero for frames made by %call/ec
};

// Continuation is a captured control state: invoking it returns the given
// value(s) from frame `frame_count`. A full continuation carries copies of
// the frames and stack below it; an escape continuation only names a live
// frame.
struct Continuation : Object {
  Continuation() : Object(ObjectType::kContinuation) {}
  bool escape_only = false;
  uint64_t escape_id = 0;
  uint64_t run_id = 0;
  size_t frame_index = 0;  // frames kept: the value returns into frame_index-1
  size_t stack_size = 0;   // the value lands at this stack index
  std::vector<Frame> frames;
  std::vector<Value> stack;
  Value handlers;
};

}  // namespace eta::vm

#endif  // ETA_VM_CONTINUATION_H_
