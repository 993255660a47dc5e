// The loader: verifies a compiled module message and converts it once into
// the VM's own form (LoadedModule), linking its globals to their cells.
#include <algorithm>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "vm/module.pb.h"
#include "vm/opcodes.h"
#include "vm/utf8.h"
#include "vm/vm.h"

namespace eta::vm {
namespace {

constexpr uint32_t kMaxFrameSize = 1 << 20;
constexpr uint32_t kMaxStack = 1 << 20;

absl::Status Invalid(const std::string& module, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid compiled module '", module, "': ", what));
}

bool IsOpcode(uint32_t word) { return word < static_cast<uint32_t>(kOpcodeCount); }

// VerifyCode checks one function's code: opcodes, operand ranges, jump
// targets on instruction boundaries, and a consistent operand stack depth
// that never goes below zero nor above max_stack, on every path.
absl::Status VerifyCode(const eta::module::Module& m, int index) {
  const auto& f = m.functions(index);
  const std::string where = absl::StrCat("function ", index, " (", f.name(), ")");
  const auto& code = f.code();
  const uint32_t size = static_cast<uint32_t>(code.size());
  if (size == 0) return Invalid(m.name(), where + ": empty code");
  if (f.frame_size() > kMaxFrameSize || f.max_stack() > kMaxStack) {
    return Invalid(m.name(), where + ": frame too large");
  }
  if (f.frame_size() < f.required() + (f.rest() ? 1 : 0)) {
    return Invalid(m.name(), where + ": frame smaller than its parameters");
  }
  // Mark instruction starts.
  std::vector<int32_t> depth(size, -1);
  std::vector<bool> starts(size, false);
  for (uint32_t pc = 0; pc < size;) {
    if (!IsOpcode(code[pc])) {
      return Invalid(m.name(), absl::StrCat(where, ": unknown opcode ", code[pc],
                                            " at ", pc));
    }
    starts[pc] = true;
    pc += 1 + kOpcodeInfo[code[pc]].operands;
    if (pc > size) {
      return Invalid(m.name(), where + ": truncated instruction at end of code");
    }
  }
  std::vector<uint32_t> work{0};
  depth[0] = 0;
  while (!work.empty()) {
    uint32_t pc = work.back();
    work.pop_back();
    uint32_t word = code[pc];
    const OpcodeInfo& info = kOpcodeInfo[word];
    auto op = static_cast<Opcode>(word);
    uint32_t a = info.operands > 0 ? code[pc + 1] : 0;
    int32_t d = depth[pc];
    int pops = info.pops < 0 ? static_cast<int>(a) + 1 : info.pops;
    if (info.pops < 0 && a > kMaxStack) {
      return Invalid(m.name(), absl::StrCat(where, ": bad argument count at ", pc));
    }
    if (d < pops) {
      return Invalid(m.name(), absl::StrCat(where, ": stack underflow at ", pc));
    }
    int32_t after = d - pops + info.pushes;
    if (after > static_cast<int32_t>(f.max_stack())) {
      return Invalid(m.name(), absl::StrCat(where, ": stack deeper than max_stack at ", pc));
    }
    for (int i = 0; i < VarOperandCount(op); ++i) {
      uint32_t spec = code[pc + 1 + i];
      uint32_t index = spec & ~kCapturedVar;
      uint32_t limit = (spec & kCapturedVar) ? static_cast<uint32_t>(f.captures_size())
                                             : f.frame_size();
      if (index >= limit) {
        return Invalid(m.name(), absl::StrCat(where, ": variable operand out of range at ", pc));
      }
    }
    switch (op) {
      case Opcode::kCONST:
        if (a >= static_cast<uint32_t>(m.constants_size())) {
          return Invalid(m.name(), absl::StrCat(where, ": constant index out of range at ", pc));
        }
        break;
      case Opcode::kBRANCH_LOCAL_NUM_EQ:
      case Opcode::kBRANCH_LOCAL_LT:
      case Opcode::kBRANCH_LOCAL_LE:
      case Opcode::kBRANCH_LOCAL_GT:
      case Opcode::kBRANCH_LOCAL_GE:
      case Opcode::kLOCAL_ADD_IMM:
      case Opcode::kFRESH_BOX:
      case Opcode::kLOCAL_REF:
      case Opcode::kLOCAL_REF_CHECKED:
      case Opcode::kLOCAL_SET:
      case Opcode::kBOX_LOCAL:
      case Opcode::kLOCAL_BOX_REF:
      case Opcode::kLOCAL_BOX_SET:
        if (a >= f.frame_size()) {
          return Invalid(m.name(), absl::StrCat(where, ": local index out of range at ", pc));
        }
        break;
      case Opcode::kCAPTURED_REF:
      case Opcode::kCAPTURED_BOX_REF:
      case Opcode::kCAPTURED_BOX_SET:
        if (a >= static_cast<uint32_t>(f.captures_size())) {
          return Invalid(m.name(), absl::StrCat(where, ": captured index out of range at ", pc));
        }
        break;
      case Opcode::kGLOBAL_REF:
      case Opcode::kGLOBAL_SET:
      case Opcode::kGLOBAL_DEFINE:
        if (a >= static_cast<uint32_t>(m.globals_size())) {
          return Invalid(m.name(), absl::StrCat(where, ": global index out of range at ", pc));
        }
        if (op != Opcode::kGLOBAL_REF && !m.globals(a).module().empty()) {
          return Invalid(m.name(), absl::StrCat(where, ": assignment to imported global ",
                                                m.globals(a).name(), " at ", pc));
        }
        break;
      case Opcode::kMAKE_CLOSURE: {
        if (a == 0 || a >= static_cast<uint32_t>(m.functions_size())) {
          return Invalid(m.name(), absl::StrCat(where, ": function index out of range at ", pc));
        }
        for (const auto& c : m.functions(a).captures()) {
          uint32_t limit = c.from_local() ? f.frame_size()
                                          : static_cast<uint32_t>(f.captures_size());
          if (c.index() >= limit) {
            return Invalid(m.name(), absl::StrCat(where, ": closure capture out of range at ", pc));
          }
        }
        break;
      }
      default:
        break;
    }
    uint32_t next = pc + 1 + info.operands;
    auto flow = [&](uint32_t target) -> absl::Status {
      if (target >= size || !starts[target]) {
        return Invalid(m.name(), absl::StrCat(where, ": jump target out of code at ", pc));
      }
      if (depth[target] == -1) {
        depth[target] = after;
        work.push_back(target);
      } else if (depth[target] != after) {
        return Invalid(m.name(), absl::StrCat(where, ": inconsistent stack depth at ", target));
      }
      return absl::OkStatus();
    };
    if (op == Opcode::kRETURN) continue;
    bool local_branch = (op >= Opcode::kBRANCH_LOCAL_NUM_EQ && op <= Opcode::kBRANCH_LOCAL_GE) ||
                        (op >= Opcode::kBRANCH_VARS_NUM_EQ && op <= Opcode::kBRANCH_VARS_GE);
    if (op == Opcode::kJUMP || op == Opcode::kJUMP_IF_FALSE || local_branch ||
        (op >= Opcode::kBRANCH_NUM_EQ && op <= Opcode::kBRANCH_NOT)) {
      // The offset is the last operand.
      uint32_t offset_word = code[pc + info.operands];
      int64_t target = static_cast<int64_t>(next) + static_cast<int32_t>(offset_word);
      if (target < 0 || target >= size) {
        return Invalid(m.name(), absl::StrCat(where, ": jump target out of code at ", pc));
      }
      ETA_RETURN_IF_ERROR(flow(static_cast<uint32_t>(target)));
      if (op == Opcode::kJUMP) continue;
    }
    if (next >= size) {
      return Invalid(m.name(), absl::StrCat(where, ": code falls off its end"));
    }
    ETA_RETURN_IF_ERROR(flow(next));
  }
  return absl::OkStatus();
}

absl::Status VerifyConstants(const eta::module::Module& m) {
  for (int i = 0; i < m.constants_size(); ++i) {
    const auto& c = m.constants(i);
    auto earlier = [&](uint32_t index) { return index < static_cast<uint32_t>(i); };
    switch (c.value_case()) {
      case eta::module::Constant::kPair:
        if (!earlier(c.pair().car()) || !earlier(c.pair().cdr())) {
          return Invalid(m.name(), absl::StrCat("constant ", i, " refers forward"));
        }
        break;
      case eta::module::Constant::kVector:
        for (uint32_t index : c.vector().index()) {
          if (!earlier(index)) {
            return Invalid(m.name(), absl::StrCat("constant ", i, " refers forward"));
          }
        }
        break;
      case eta::module::Constant::kCharacter:
        if (c.character() > 0x10FFFF ||
            (c.character() >= 0xD800 && c.character() <= 0xDFFF)) {
          return Invalid(m.name(), absl::StrCat("constant ", i, " is not a character"));
        }
        break;
      case eta::module::Constant::kString: {
        std::u32string ignored;
        if (!DecodeUtf8(c.string(), &ignored)) {
          return Invalid(m.name(), absl::StrCat("constant ", i, " is not valid UTF-8"));
        }
        break;
      }
      case eta::module::Constant::kSymbol: {
        std::u32string ignored;
        if (!DecodeUtf8(c.symbol(), &ignored)) {
          return Invalid(m.name(), absl::StrCat("constant ", i, " is not valid UTF-8"));
        }
        break;
      }
      case eta::module::Constant::VALUE_NOT_SET:
        return Invalid(m.name(), absl::StrCat("constant ", i, " is empty"));
      default:
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status VM::LoadModule(const std::string& serialized_module) {
  eta::module::Module message;
  google::protobuf::LogSilencer quiet;  // the error below says it all
  if (!message.ParseFromString(serialized_module)) {
    return absl::InvalidArgumentError(
        "invalid compiled module: the bytes are not a module message "
        "(corrupt or truncated file)");
  }
  return LoadModuleMessage(message);
}

absl::Status VM::LoadModuleMessage(const eta::module::Module& m,
                                   std::string_view shared_namespace, Verify verify) {
  return LoadModuleMessage(m, shared_namespace, verify, nullptr, nullptr);
}

absl::Status VM::LoadModuleMessage(std::shared_ptr<const eta::module::Module> m,
                                   Verify verify) {
  const eta::module::Module& message = *m;
  return LoadModuleMessage(message, {}, verify, std::move(m), nullptr);
}

absl::Status VM::LoadModuleCode(std::shared_ptr<const ModuleCode> code) {
  if (code == nullptr || code->message == nullptr) {
    return absl::InvalidArgumentError("LoadModuleCode: no module");
  }
  std::shared_ptr<const eta::module::Module> message = code->message;
  return LoadModuleMessage(*message, {}, Verify::kAlreadyVerified, message, std::move(code));
}

absl::Status VM::LoadModuleMessage(const eta::module::Module& m,
                                   std::string_view shared_namespace, Verify verify,
                                   std::shared_ptr<const eta::module::Module> keep,
                                   std::shared_ptr<const ModuleCode> code) {
  if (m.format_version() != kFormatVersion) {
    return Invalid(m.name(), absl::StrCat("format version ", m.format_version(),
                                          ", this VM reads version ",
                                          kFormatVersion));
  }
  if (m.name().empty()) return Invalid(m.name(), "module has no name");
  if (IsModuleLoaded(m.name())) {
    return absl::AlreadyExistsError(absl::StrCat("module ", m.name(), " is already loaded"));
  }
  if (m.functions_size() == 0) return Invalid(m.name(), "module has no body");
  const auto& body = m.functions(0);
  if (body.required() != 0 || body.rest() || body.captures_size() != 0) {
    return Invalid(m.name(), "module body must take no arguments");
  }
  for (const std::string& import : m.imports()) {
    if (!IsModuleLoaded(import)) {
      return absl::FailedPreconditionError(
          absl::StrCat("module ", m.name(), " imports ", import,
                       ", which is not loaded"));
    }
  }
  if (verify == Verify::kVerify) {
    ETA_RETURN_IF_ERROR(VerifyConstants(m));
    for (int i = 0; i < m.functions_size(); ++i) {
      ETA_RETURN_IF_ERROR(VerifyCode(m, i));
    }
  }
  // Resolve globals before creating anything, so a failure leaves no trace.
  // The cells of the base's modules are the same in every VM made from it:
  // a module loaded before by such a VM (`code`) has them found already.
  const bool same_base = code != nullptr && base_ != nullptr && code->base == base_.get();
  std::vector<Global*> imported(m.globals_size(), nullptr);
  std::string_view last_module;  // imports come grouped by module
  LoadedModule* last_from = nullptr;
  for (int i = 0; i < m.globals_size(); ++i) {
    const auto& g = m.globals(i);
    if (g.name().empty()) return Invalid(m.name(), "global with no name");
    if (g.module().empty()) continue;
    if (same_base && code->base_cells[i] != nullptr) {
      imported[i] = code->base_cells[i];
      continue;
    }
    const std::string& export_name = g.export_name().empty() ? g.name() : g.export_name();
    if (last_from == nullptr || g.module() != last_module) {
      last_module = g.module();
      last_from = FindModule(g.module());
    }
    LoadedModule* from = last_from;
    if (!from) {
      return absl::FailedPreconditionError(
          absl::StrCat("module ", m.name(), " refers to module ", g.module(),
                       ", which is not loaded"));
    }
    auto it = from->export_cells.find(export_name);
    if (it == from->export_cells.end()) {
      // A macro imported from `from` may read its private top-level
      // definitions (references only: the verifier refuses assignments).
      Global* own = nullptr;
      for (Global* cell : from->globals) {
        if (cell->owner == from && cell->name == export_name) own = cell;
      }
      if (own) {
        imported[i] = own;
        continue;
      }
      return absl::NotFoundError(absl::StrCat("module ", g.module(),
                                              " does not export ", export_name,
                                              " (imported by ", m.name(), ")"));
    }
    imported[i] = it->second;
  }

  LoadedModule* definitions = nullptr;
  if (!shared_namespace.empty()) {
    definitions = FindModule(shared_namespace);
    if (!definitions) {
      auto space = std::make_unique<LoadedModule>();
      space->name = std::string(shared_namespace);
      space->body_run = true;
      definitions = space.get();
      modules_by_name_[space->name] = definitions;
      modules_.push_back(std::move(space));
    }
  }
  auto owned = std::make_unique<LoadedModule>();
  LoadedModule* module = owned.get();
  module->vm = this;
  module->name = m.name();
  module->source_file = m.source_file();
  module->library = m.library();
  module->script = m.script();
  modules_by_name_[module->name] = module;
  if (code == nullptr) {
    auto made = std::make_shared<ModuleCode>();
    if (shared_namespace.empty() && m.name() != "%prelude") {
      made->message = keep != nullptr ? std::move(keep)
                                      : std::make_shared<const eta::module::Module>(m);
    }
    if (base_ != nullptr) {
      made->base = base_.get();
      made->base_cells.assign(m.globals_size(), nullptr);
      for (int i = 0; i < m.globals_size(); ++i) {
        Global* cell = imported[i];
        if (cell != nullptr && cell->owner != nullptr &&
            base_->FindModuleOfBase(cell->owner->name) == cell->owner) {
          made->base_cells[i] = cell;
        }
      }
    }
    // Each export's cell is the last global of that name (a map, not a
    // scan per export: the prelude exports ~80 names and has ~200 globals).
    if (!m.exports().empty()) {
      absl::flat_hash_map<std::string_view, int> global_by_name;
      global_by_name.reserve(m.globals_size());
      for (int i = 0; i < m.globals_size(); ++i) global_by_name[m.globals(i).name()] = i;
      for (const std::string& name : m.exports()) {
        auto found = global_by_name.find(name);
        made->export_globals.push_back(found != global_by_name.end() ? found->second : -1);
      }
    }
    made->functions.reserve(m.functions_size());
    for (const auto& f : m.functions()) {
      FunctionCode& fc = made->functions.emplace_back();
      fc.name = f.name().empty() ? "lambda" : f.name();
      fc.required = f.required();
      fc.rest = f.rest();
      fc.frame_size = f.frame_size();
      fc.max_stack = f.max_stack();
      fc.code.assign(f.code().begin(), f.code().end());
      fc.captures.reserve(f.captures_size());
      for (const auto& c : f.captures()) {
        fc.captures.push_back({c.from_local(), c.index(), c.name()});
      }
      fc.source_map.reserve(f.source_map_size());
      for (const auto& p : f.source_map()) {
        fc.source_map.push_back({p.pc(), p.line(), p.column()});
      }
      std::sort(fc.source_map.begin(), fc.source_map.end(),
                [](const SourcePoint& a, const SourcePoint& b) { return a.pc < b.pc; });
      for (size_t pc = 0; pc < fc.code.size(); pc += 1 + kOpcodeInfo[fc.code[pc]].operands) {
        // (The verifier checks the operands of reachable code only.)
        if (fc.code[pc] == static_cast<uint32_t>(Opcode::kCONST) &&
            fc.code[pc + 1] < static_cast<uint32_t>(m.constants_size())) {
          fc.constants.push_back(fc.code[pc + 1]);
        }
      }
      std::sort(fc.constants.begin(), fc.constants.end());
      fc.constants.erase(std::unique(fc.constants.begin(), fc.constants.end()),
                         fc.constants.end());
    }
    code = std::move(made);
  }
  module->code = code;
  modules_.push_back(std::move(owned));

  // The module's own cells: its globals that are not imports (nor in a
  // shared namespace), and the exports its code never refers to.
  size_t own = 0;
  if (definitions == nullptr) {
    for (int i = 0; i < m.globals_size(); ++i) own += imported[i] == nullptr ? 1 : 0;
  }
  for (int global : code->export_globals) own += global < 0 ? 1 : 0;
  module->cells.reserve(own);
  auto own_cell = [module](const std::string& name) {
    return &module->cells.emplace_back(Global{Value::Undefined(), name, module});
  };
  module->globals.reserve(m.globals_size());
  for (int i = 0; i < m.globals_size(); ++i) {
    if (imported[i]) {
      module->globals.push_back(imported[i]);
    } else if (definitions) {
      const std::string& name = m.globals(i).name();
      auto found = definitions->export_cells.find(name);
      Global* cell;
      if (found != definitions->export_cells.end()) {
        cell = found->second;
      } else {
        cell = NewGlobal(name, definitions);
        definitions->export_cells[name] = cell;
        definitions->globals.push_back(cell);
      }
      module->globals.push_back(cell);
    } else {
      module->globals.push_back(own_cell(m.globals(i).name()));
    }
  }
  module->export_cells.reserve(m.exports_size());
  for (int e = 0; e < m.exports_size(); ++e) {
    const std::string& name = m.exports(e);
    int global = code->export_globals[e];
    // Exported but never referred to by the code: the cell is made here.
    module->export_cells[name] = global >= 0 ? module->globals[global] : own_cell(name);
  }
  // Constants: made as the functions that push them are linked, when the
  // message is kept (a thread actor runs few of its modules' functions);
  // all now otherwise. The vector is a GC root as it fills.
  module->constants.assign(m.constants_size(), Value::Undefined());
  if (code->message == nullptr) {
    std::vector<uint32_t> all(m.constants_size());
    for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
    if (!MakeConstants(m, *module, all)) {
      if (heap_.over_limit()) {
        return absl::ResourceExhaustedError(
            absl::StrCat("out of memory loading module ", m.name()));
      }
      return Invalid(m.name(), "a string constant is not valid UTF-8");
    }
  }
  // Each function is linked when first used (LoadedModule::function): a
  // thread VM uses few of its modules' functions.
  module->functions.resize(m.functions_size());
  return absl::OkStatus();
}

bool VM::MakeConstants(const eta::module::Module& m, LoadedModule& module,
                       absl::Span<const uint32_t> wanted) {
  std::vector<Value>& made = module.constants;
  // Constants refer to earlier ones only: each is made after its parts
  // (an explicit stack, as a quoted list is a chain as long as the list).
  std::vector<uint32_t> work;
  for (uint32_t want : wanted) {
    work.push_back(want);
    while (!work.empty()) {
      uint32_t i = work.back();
      if (!made[i].IsUndefined()) {
        work.pop_back();
        continue;
      }
      const eta::module::Constant& c = m.constants(i);
      const size_t depth = work.size();
      auto need = [&](uint32_t part) {
        if (made[part].IsUndefined()) work.push_back(part);
      };
      if (c.value_case() == eta::module::Constant::kPair) {
        need(c.pair().car());
        need(c.pair().cdr());
      } else if (c.value_case() == eta::module::Constant::kVector) {
        for (uint32_t part : c.vector().index()) need(part);
      }
      if (work.size() != depth) continue;
      work.pop_back();
      Value v;
      switch (c.value_case()) {
        case eta::module::Constant::kNil: v = Value::Nil(); break;
        case eta::module::Constant::kBoolean: v = Value::Bool(c.boolean()); break;
        case eta::module::Constant::kInteger: v = Value::Fixnum(c.integer()); break;
        case eta::module::Constant::kReal: v = Value::Flonum(c.real()); break;
        case eta::module::Constant::kCharacter: v = Value::Char(c.character()); break;
        case eta::module::Constant::kString: v = MakeStringFromUtf8(c.string()); break;
        case eta::module::Constant::kSymbol: v = Intern(c.symbol()); break;
        case eta::module::Constant::kPair:
          v = Cons(made[c.pair().car()], made[c.pair().cdr()]);
          break;
        case eta::module::Constant::kVector: {
          std::vector<Value> items;
          items.reserve(c.vector().index_size());
          for (uint32_t part : c.vector().index()) items.push_back(made[part]);
          v = MakeVector(std::move(items));
          break;
        }
        case eta::module::Constant::kBytevector:
          v = MakeBytevector(std::vector<uint8_t>(c.bytevector().begin(), c.bytevector().end()));
          break;
        default:
          v = Value::Unspecified();
          break;
      }
      if (v.IsRaise()) {
        pending_raise_ = Value::Undefined();
        return false;
      }
      made[i] = v;
    }
  }
  return true;
}

Function* LoadedModule::LinkFunction(uint32_t index) {
  const FunctionCode& fc = code->functions[index];
  if (code->message != nullptr && !fc.constants.empty() &&
      !vm->MakeConstants(*code->message, *this, fc.constants)) {
    return nullptr;
  }
  auto fn = std::make_unique<Function>();
  fn->name = fc.name;
  fn->index = index;
  fn->required = fc.required;
  fn->rest = fc.rest;
  fn->frame_size = fc.frame_size;
  fn->max_stack = fc.max_stack;
  fn->code = fc.code;
  fn->captures = fc.captures;
  fn->source_map = fc.source_map;
  fn->module = this;
  fn->constants = constants.data();
  fn->globals = globals.data();
  fn->Finish();
  functions[index] = std::move(fn);
  return functions[index].get();
}

}  // namespace eta::vm
