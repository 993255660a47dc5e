#include "tools/runtime_primitives.h"

#include "net/actors.h"
#include "net/net.h"
#include "vm/builtins_all.h"

namespace eta::tools {

void AddRuntimePrimitives(vm::VM& vm) {
  vm::AddAllPrimitives(vm);
  vm.AddPrimitives(net::NetPrimitives());
  vm.AddPrimitives(net::ActorPrimitives());
}

}  // namespace eta::tools
