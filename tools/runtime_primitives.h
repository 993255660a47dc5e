// The builtins every VM made by the tools has: the core builtins of the VM
// and the socket layer's (net/). Apart from runtime.h because the standard
// library is compiled against this list (no dependency cycle).
#ifndef ETA_TOOLS_RUNTIME_PRIMITIVES_H_
#define ETA_TOOLS_RUNTIME_PRIMITIVES_H_

#include "vm/vm.h"

namespace eta::tools {

// AddRuntimePrimitives registers all builtins in `vm`.
void AddRuntimePrimitives(vm::VM& vm);

}  // namespace eta::tools

#endif  // ETA_TOOLS_RUNTIME_PRIMITIVES_H_
