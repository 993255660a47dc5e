#include "vm/builtins_all.h"

#include "vm/builtins.h"

namespace eta::vm {

void AddAllPrimitives(VM& vm) {
  vm.AddPrimitives(ControlPrimitives());
  vm.AddPrimitives(NumberPrimitives());
  vm.AddPrimitives(ListPrimitives());
  vm.AddPrimitives(CharPrimitives());
  vm.AddPrimitives(StringPrimitives());
  vm.AddPrimitives(VectorPrimitives());
  vm.AddPrimitives(IoPrimitives());
  vm.AddPrimitives(SystemPrimitives());
  vm.AddPrimitives(HashPrimitives());
  vm.AddPrimitives(ReadPrimitives());
}

}  // namespace eta::vm
