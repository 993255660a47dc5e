// StackLow: the compiler's stages after the reader recurse over the nesting
// of the code they compile (the reader keeps a stack of its own), so each
// recursive step asks first whether its thread's C++ stack is nearly used
// up, and code nested deeper than that is refused with a syntax-error
// instead of crashing the process. It measures the stack itself rather
// than counting levels: a frame's size differs between stages and builds
// (a sanitizer's frames are several times larger).
#ifndef ETA_COMPILER_STACK_GUARD_H_
#define ETA_COMPILER_STACK_GUARD_H_

namespace eta::compiler {

// StackLow tells whether the calling thread has less stack left than a
// margin that any non-recursive work and the error's unwinding fit in.
bool StackLow();

// kNestingTooDeep is the message of that syntax-error.
inline constexpr char kNestingTooDeep[] =
    "nesting too deep to compile (the compiler's stack is used up)";

}  // namespace eta::compiler

#endif  // ETA_COMPILER_STACK_GUARD_H_
