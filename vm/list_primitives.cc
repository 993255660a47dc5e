// Prints the name of every primitive, one per line.
#include <cstdio>

#include "vm/builtins_all.h"
#include "vm/vm.h"

int main() {
  eta::vm::VM vm(eta::vm::VMOptions{});
  eta::vm::AddAllPrimitives(vm);
  for (const std::string& name : vm.BuiltinNames()) std::printf("%s\n", name.c_str());
  return 0;
}
