// Disassemble renders a compiled module's functions as readable bytecode
// with source lines (etai --disasm, etac --disasm).
#ifndef ETA_TOOLS_DISASM_H_
#define ETA_TOOLS_DISASM_H_

#include <string>

#include "vm/module.pb.h"

namespace eta::tools {

// Disassemble returns the listing of every function of `module`.
std::string Disassemble(const eta::module::Module& module);

}  // namespace eta::tools

#endif  // ETA_TOOLS_DISASM_H_
