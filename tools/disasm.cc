#include "tools/disasm.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "vm/opcodes.h"

namespace eta::tools {
namespace {

std::string DescribeConstant(const eta::module::Module& m, uint32_t index) {
  if (index >= static_cast<uint32_t>(m.constants_size())) return "?";
  const auto& c = m.constants(index);
  switch (c.value_case()) {
    case eta::module::Constant::kInteger: return absl::StrCat(c.integer());
    case eta::module::Constant::kReal: return absl::StrCat(c.real());
    case eta::module::Constant::kString: return absl::StrCat("\"", c.string(), "\"");
    case eta::module::Constant::kSymbol: return absl::StrCat("'", c.symbol());
    case eta::module::Constant::kPair: return "(list)";
    case eta::module::Constant::kVector: return "#(vector)";
    default: return "";
  }
}

}  // namespace

std::string Disassemble(const eta::module::Module& m) {
  std::string out = absl::StrCat("module ", m.name(), " (", m.source_file(), ")\n");
  for (int f = 0; f < m.functions_size(); ++f) {
    const auto& fn = m.functions(f);
    absl::StrAppend(&out, "\nfunction ", f, " ", fn.name(), ": ", fn.required(),
                    fn.rest() ? "+rest" : "", " args, frame ", fn.frame_size(),
                    ", stack ", fn.max_stack(), "\n");
    int point = 0;
    int line = -1;
    for (int pc = 0; pc < fn.code_size();) {
      while (point < fn.source_map_size() &&
             fn.source_map(point).pc() <= static_cast<uint32_t>(pc)) {
        line = fn.source_map(point).line();
        ++point;
      }
      uint32_t word = fn.code(pc);
      if (word >= static_cast<uint32_t>(vm::kOpcodeCount)) {
        absl::StrAppend(&out, absl::StrFormat("  %5d  <bad opcode %u>\n", pc, word));
        break;
      }
      const auto& info = vm::kOpcodeInfo[word];
      std::string operands;
      int vars = vm::VarOperandCount(static_cast<vm::Opcode>(word));
      for (int i = 0; i < info.operands && pc + 1 + i < fn.code_size(); ++i) {
        uint32_t a = fn.code(pc + 1 + i);
        if (i < vars) {  // a variable operand: local L<n> or captured C<n>
          absl::StrAppend(&operands, (a & vm::kCapturedVar) ? " C" : " L", a & ~vm::kCapturedVar);
        } else {
          absl::StrAppend(&operands, " ", static_cast<int32_t>(a));
        }
      }
      std::string note;
      if (word == static_cast<uint32_t>(vm::Opcode::kCONST) && pc + 1 < fn.code_size()) {
        note = DescribeConstant(m, fn.code(pc + 1));
      } else if ((word == static_cast<uint32_t>(vm::Opcode::kGLOBAL_REF) ||
                  word == static_cast<uint32_t>(vm::Opcode::kGLOBAL_SET) ||
                  word == static_cast<uint32_t>(vm::Opcode::kGLOBAL_DEFINE)) &&
                 pc + 1 < fn.code_size() &&
                 fn.code(pc + 1) < static_cast<uint32_t>(m.globals_size())) {
        note = m.globals(fn.code(pc + 1)).name();
      }
      absl::StrAppend(&out, absl::StrFormat("  %5d  line %-4d %-18s%-10s %s\n", pc, line,
                                            info.name, operands, note));
      pc += 1 + info.operands;
    }
  }
  return out;
}

}  // namespace eta::tools
