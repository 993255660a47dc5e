// The builtins every VM made by the tools has: the core builtins of the VM
// and the socket layer's (net/).
#ifndef ETA_TOOLS_RUNTIME_H_
#define ETA_TOOLS_RUNTIME_H_

#include "vm/vm.h"

namespace eta::tools {

// AddRuntimePrimitives registers all builtins in `vm`.
void AddRuntimePrimitives(vm::VM& vm);

}  // namespace eta::tools

#endif  // ETA_TOOLS_RUNTIME_H_
