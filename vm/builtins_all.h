// AddAllPrimitives registers every builtin table in a VM.
#ifndef ETA_VM_BUILTINS_ALL_H_
#define ETA_VM_BUILTINS_ALL_H_

#include "vm/vm.h"

namespace eta::vm {

// AddAllPrimitives registers every C++ builtin of [B] in `vm`.
void AddAllPrimitives(VM& vm);

}  // namespace eta::vm

#endif  // ETA_VM_BUILTINS_ALL_H_
