// Prints the name of every builtin, one per line (to compile the prelude
// and the standard library against).
#include <cstdio>

#include "tools/runtime_primitives.h"
#include "vm/vm.h"

int main() {
  eta::vm::VM vm(eta::vm::VMOptions{});
  eta::tools::AddRuntimePrimitives(vm);
  for (const std::string& name : vm.BuiltinNames()) std::printf("%s\n", name.c_str());
  return 0;
}
