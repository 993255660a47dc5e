// A pass over the core AST, run before code generation: finds the frames in
// which a continuation could be captured and later re-entered, so that the
// code generator keeps their set! variables in boxes.
//
// A re-entered continuation restores a copy of the frames it captured. A
// variable that lives in a stack slot would come back with the value it had
// at the capture, although set! has changed it since; in a box it is one
// location, shared by every copy of the frame (assignment conversion).
#ifndef ETA_COMPILER_CONTINUATION_SAFETY_H_
#define ETA_COMPILER_CONTINUATION_SAFETY_H_

#include <memory>
#include <vector>

#include "compiler/ast.h"

namespace eta::compiler {

// MarkCaptureFrames sets Lambda::may_capture_continuation on every lambda
// whose own code makes a non-tail call: only a call can capture a
// continuation (call/cc, or any procedure that calls it), and a tail call
// leaves no frame of this lambda to capture. Inlined primitives never call.
void MarkCaptureFrames(const std::vector<std::unique_ptr<Lambda>>& lambdas);

}  // namespace eta::compiler

#endif  // ETA_COMPILER_CONTINUATION_SAFETY_H_
