#include "compiler/codegen.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "compiler/continuation_safety.h"
#include "compiler/stack_guard.h"
#include "compiler/status_macros.h"
#include "vm/opcodes.h"

namespace eta::compiler {
namespace {

using vm::kCapturedVar;
using vm::kOpcodeInfo;
using vm::Opcode;

// ConstantPool interns literals into the module's constant table.
class ConstantPool {
 public:
  explicit ConstantPool(eta::module::Module* out) : out_(out) {}

  // Add returns the constant's index. It walks the datum with a stack of
  // its own (quoted data may nest as deep as the reader allows): each
  // pair's or vector's parts are added before it.
  uint32_t Add(const Datum* root) {
    struct Item {
      const Datum* d;
      bool parts_added = false;
      std::vector<const Datum*> spine;  // a pair's cells, car to last
    };
    std::vector<Item> work;
    work.push_back({root});
    std::vector<uint32_t> added;  // the indices of the finished data, in order
    while (!work.empty()) {
      Item& item = work.back();
      const Datum* d = item.d;
      if (d->kind != Datum::Kind::kPair && d->kind != Datum::Kind::kVector) {
        added.push_back(AddAtom(*d));
        work.pop_back();
        continue;
      }
      if (!item.parts_added) {
        // Its parts are added first, in the order they are pushed back.
        item.parts_added = true;
        std::vector<const Datum*> parts;
        if (d->kind == Datum::Kind::kPair) {
          const Datum* p = d;
          for (; p->kind == Datum::Kind::kPair; p = p->cdr.get()) item.spine.push_back(p);
          parts.push_back(p);  // the tail, then each car from the last
          for (size_t i = item.spine.size(); i-- > 0;) parts.push_back(item.spine[i]->car.get());
        } else {
          for (const auto& part : d->items) parts.push_back(part.get());
        }
        for (size_t i = parts.size(); i-- > 0;) work.push_back({parts[i]});
        continue;
      }
      if (d->kind == Datum::Kind::kPair) {
        const size_t n = item.spine.size();
        const size_t first = added.size() - n - 1;
        uint32_t tail = added[first];
        for (size_t k = 1; k <= n; ++k) {
          eta::module::Constant cell;
          cell.mutable_pair()->set_car(added[first + k]);
          cell.mutable_pair()->set_cdr(tail);
          tail = Push(cell);
        }
        added.resize(first);
        added.push_back(tail);
      } else {
        const size_t first = added.size() - d->items.size();
        eta::module::Constant c;
        auto* vector = c.mutable_vector();  // sets the oneof even when empty
        for (size_t i = first; i < added.size(); ++i) vector->add_index(added[i]);
        added.resize(first);
        added.push_back(Push(c));
      }
      work.pop_back();
    }
    return added.back();
  }

  uint32_t AddUnspecified() {
    eta::module::Constant c;
    c.set_unspecified(true);
    return Push(c);
  }

 private:
  uint32_t AddAtom(const Datum& d) {
    eta::module::Constant c;
    switch (d.kind) {
      case Datum::Kind::kNil: c.set_nil(true); break;
      case Datum::Kind::kBool: c.set_boolean(d.boolean); break;
      case Datum::Kind::kInteger: c.set_integer(d.integer); break;
      case Datum::Kind::kReal: c.set_real(d.real); break;
      case Datum::Kind::kChar: c.set_character(d.character); break;
      case Datum::Kind::kString: c.set_string(d.text); break;
      case Datum::Kind::kSymbol: c.set_symbol(d.text); break;
      case Datum::Kind::kBytevector:
        c.set_bytevector(std::string(d.bytes.begin(), d.bytes.end()));
        break;
      default: break;
    }
    // Atoms are shared (strings are mutable, so each literal is its own).
    if (d.kind == Datum::Kind::kString) return Push(c);
    std::string key = c.SerializeAsString();
    auto it = atoms_.find(key);
    if (it != atoms_.end()) return it->second;
    uint32_t index = Push(c);
    atoms_[key] = index;
    return index;
  }

  uint32_t Push(const eta::module::Constant& c) {
    *out_->add_constants() = c;
    return static_cast<uint32_t>(out_->constants_size() - 1);
  }
  eta::module::Module* out_;
  absl::flat_hash_map<std::string, uint32_t> atoms_;
};

// FunctionEmitter generates one lambda's code.
class FunctionEmitter {
 public:
  FunctionEmitter(Lambda* lambda, ConstantPool* constants,
                  eta::module::Function* out)
      : lambda_(lambda), constants_(constants), out_(out) {}

  absl::Status Run() {
    out_->set_name(lambda_->name);
    out_->set_required(lambda_->required);
    out_->set_rest(lambda_->rest);
    // Box the parameters that closures share and assign.
    for (uint32_t i = 0; i < lambda_->required + (lambda_->rest ? 1 : 0); ++i) {
      if (lambda_->vars[i]->Boxed()) Emit(Opcode::kBOX_LOCAL, {i});
    }
    // The module body's last expression is not a tail call, so that its
    // frame (and position) stays in error traces.
    bool module_body = lambda_->parent == nullptr;
    ETA_RETURN_IF_ERROR(Compile(lambda_->body.get(), !module_body));
    if (module_body) Emit(Opcode::kRETURN);
    out_->set_frame_size(static_cast<uint32_t>(lambda_->vars.size()));
    out_->set_max_stack(static_cast<uint32_t>(max_depth_));
    for (Var* v : lambda_->free) {
      auto* c = out_->add_captures();
      c->set_name(v->name.substr(0, v->name.find('\x01')));  // without hygiene marks
      if (v->owner == lambda_->parent) {
        c->set_from_local(true);
        c->set_index(v->slot);
      } else {
        c->set_from_local(false);
        c->set_index(FreeIndex(lambda_->parent, v));
      }
    }
    return absl::OkStatus();
  }

 private:
  static uint32_t FreeIndex(Lambda* l, Var* v) {
    auto it = std::find(l->free.begin(), l->free.end(), v);
    return static_cast<uint32_t>(it - l->free.begin());
  }

  // NeedsFreshBox: the variable may be captured before its init runs.
  static bool NeedsFreshBox(const Var* v) { return v->checked || v->self_lambda; }

  uint32_t Pc() const { return static_cast<uint32_t>(out_->code_size()); }

  void Emit(Opcode op, std::initializer_list<uint32_t> operands = {}) {
    const auto& info = kOpcodeInfo[static_cast<int>(op)];
    // Peepholes on a POP right after a one-word instruction, unless a jump
    // lands between: UNSPECIFIED then POP does nothing, and VECTOR_SET then
    // POP is VECTOR_SET_POP.
    if (op == Opcode::kPOP && last_op_pc_ + 1 == Pc() && last_label_pc_ + 1 < Pc()) {
      uint32_t last = out_->code(last_op_pc_);
      if (last == static_cast<uint32_t>(Opcode::kUNSPECIFIED)) {
        out_->mutable_code()->RemoveLast();
        depth_ -= 1;
        last_op_pc_ = UINT32_MAX - 1;
        return;
      }
      if (last == static_cast<uint32_t>(Opcode::kVECTOR_SET)) {
        out_->set_code(last_op_pc_, static_cast<uint32_t>(Opcode::kVECTOR_SET_POP));
        depth_ -= 1;
        last_op_pc_ = UINT32_MAX - 1;
        return;
      }
    }
    // ... and VECTOR_SET_VARS (two operand words) then POP is
    // VECTOR_SET_VARS_POP.
    if (op == Opcode::kPOP && last_op_pc_ + 3 == Pc() && last_label_pc_ + 1 < Pc() &&
        out_->code(last_op_pc_) == static_cast<uint32_t>(Opcode::kVECTOR_SET_VARS)) {
      out_->set_code(last_op_pc_, static_cast<uint32_t>(Opcode::kVECTOR_SET_VARS_POP));
      depth_ -= 1;
      last_op_pc_ = UINT32_MAX - 1;
      return;
    }
    last_op_pc_ = Pc();
    out_->add_code(static_cast<uint32_t>(op));
    for (uint32_t a : operands) out_->add_code(a);
    int pops = info.pops < 0 ? static_cast<int>(*operands.begin()) + 1 : info.pops;
    depth_ += info.pushes - pops;
    max_depth_ = std::max(max_depth_, depth_ + pops);
    max_depth_ = std::max(max_depth_, depth_);
  }

  void Mark(const SourceLocation& at) {
    // Generated procedures (record accessors) have no position of their own.
    if (at.line == 0 || lambda_->location.line == 0) return;
    if (out_->source_map_size() > 0) {
      auto* last = out_->mutable_source_map(out_->source_map_size() - 1);
      if (last->line() == at.line && last->column() == at.column) return;
      if (last->pc() == Pc()) {
        last->set_line(at.line);
        last->set_column(at.column);
        return;
      }
    }
    auto* p = out_->add_source_map();
    p->set_pc(Pc());
    p->set_line(at.line);
    p->set_column(at.column);
  }

  // EmitJump emits a jump with a placeholder offset; returns its position.
  uint32_t EmitJump(Opcode op) {
    Emit(op, {0});
    return Pc() - 1;
  }
  void Patch(uint32_t operand_at) {
    last_label_pc_ = Pc();
    int32_t offset = static_cast<int32_t>(Pc()) - static_cast<int32_t>(operand_at + 1);
    out_->set_code(operand_at, static_cast<uint32_t>(offset));
  }

  void EmitReference(Var* v, const SourceLocation& at) {
    if (v->self_lambda == lambda_ && !v->set_explicitly) {
      Emit(Opcode::kSELF);
      return;
    }
    if (v->owner == lambda_) {
      if (v->Boxed()) {
        Mark(at);
        Emit(Opcode::kLOCAL_BOX_REF, {v->slot});
      } else if (v->checked) {
        Mark(at);
        Emit(Opcode::kLOCAL_REF_CHECKED, {v->slot});
      } else {
        Emit(Opcode::kLOCAL_REF, {v->slot});
      }
      return;
    }
    uint32_t index = FreeIndex(lambda_, v);
    if (v->Boxed()) {
      Mark(at);
      Emit(Opcode::kCAPTURED_BOX_REF, {index});
    } else {
      Emit(Opcode::kCAPTURED_REF, {index});
    }
  }

  absl::Status Compile(Node* n, bool tail) {
    if (StackLow()) return SyntaxError(n->location, kNestingTooDeep);
    switch (n->kind) {
      case Node::Kind::kConstant:
        EmitConstant(n->datum.get());
        break;
      case Node::Kind::kLocalRef:
        EmitReference(n->var, n->location);
        break;
      case Node::Kind::kLocalSet:
      case Node::Kind::kLocalInit: {
        ETA_RETURN_IF_ERROR(Compile(n->children[0].get(), false));
        Var* v = n->var;
        bool init = n->kind == Node::Kind::kLocalInit;
        if (v->owner == lambda_) {
          if (v->Boxed() && init && !NeedsFreshBox(v)) {
            Emit(Opcode::kMAKE_BOX);
            Emit(Opcode::kLOCAL_SET, {v->slot});
          } else if (v->Boxed()) {
            Emit(Opcode::kLOCAL_BOX_SET, {v->slot});
          } else {
            Emit(Opcode::kLOCAL_SET, {v->slot});
          }
        } else {
          Emit(Opcode::kCAPTURED_BOX_SET, {FreeIndex(lambda_, v)});
        }
        Emit(Opcode::kUNSPECIFIED);
        break;
      }
      case Node::Kind::kGlobalRef:
        Mark(n->location);
        Emit(Opcode::kGLOBAL_REF, {n->global});
        break;
      case Node::Kind::kGlobalSet:
      case Node::Kind::kGlobalDefine:
        ETA_RETURN_IF_ERROR(Compile(n->children[0].get(), false));
        Mark(n->location);
        Emit(n->kind == Node::Kind::kGlobalSet ? Opcode::kGLOBAL_SET : Opcode::kGLOBAL_DEFINE,
             {n->global});
        Emit(Opcode::kUNSPECIFIED);
        break;
      case Node::Kind::kIf: {
        // (if (not x) a b) is (if x b a).
        while (n->children[0]->kind == Node::Kind::kPrimitive &&
               n->children[0]->opcode == static_cast<uint32_t>(Opcode::kNOT)) {
          NodePtr inner = std::move(n->children[0]->children[0]);
          n->children[0] = std::move(inner);
          std::swap(n->children[1], n->children[2]);
        }
        uint32_t to_else;
        ETA_ASSIGN_OR_RETURN(to_else, CompileTest(n->children[0].get()));
        int depth = depth_;
        ETA_RETURN_IF_ERROR(Compile(n->children[1].get(), tail));
        uint32_t to_end = EmitJump(Opcode::kJUMP);
        Patch(to_else);
        depth_ = depth;
        ETA_RETURN_IF_ERROR(Compile(n->children[2].get(), tail));
        Patch(to_end);
        break;
      }
      case Node::Kind::kSequence:
        // letrec-style variables get fresh boxes before any init runs, as
        // closures made by the inits may capture them.
        for (auto& child : n->children) {
          if (child->kind == Node::Kind::kLocalInit && child->var->owner == lambda_ &&
              child->var->Boxed() && NeedsFreshBox(child->var)) {
            Emit(Opcode::kFRESH_BOX, {child->var->slot});
          }
        }
        for (size_t i = 0; i < n->children.size(); ++i) {
          bool last = i + 1 == n->children.size();
          ETA_RETURN_IF_ERROR(Compile(n->children[i].get(), tail && last));
          if (!last) Emit(Opcode::kPOP);
        }
        return absl::OkStatus();
      case Node::Kind::kLambda:
        Emit(Opcode::kMAKE_CLOSURE, {n->lambda->function_index});
        break;
      case Node::Kind::kSelf:
        Emit(Opcode::kSELF);
        break;
      case Node::Kind::kCall: {
        uint32_t argc = static_cast<uint32_t>(n->children.size() - 1);
        if (tail && IsSelfReference(n->children[0].get()) && !lambda_->rest &&
            argc == lambda_->required && depth_ == 0) {
          // A self tail call is a loop: assign the parameters and jump back
          // to the start (which re-boxes shared parameters afresh).
          for (size_t i = 1; i < n->children.size(); ++i) {
            ETA_RETURN_IF_ERROR(Compile(n->children[i].get(), false));
          }
          for (uint32_t i = argc; i > 0; --i) Emit(Opcode::kLOCAL_SET, {i - 1});
          int32_t back = -static_cast<int32_t>(Pc() + 2);
          Emit(Opcode::kJUMP, {static_cast<uint32_t>(back)});
          depth_ += 1;  // as if the call had pushed its value
          return absl::OkStatus();
        }
        for (auto& child : n->children) {
          ETA_RETURN_IF_ERROR(Compile(child.get(), false));
        }
        Mark(n->location);
        if (tail) {
          Emit(Opcode::kTAIL_CALL, {argc});
          // A continuable raise in tail position returns here.
          Emit(Opcode::kRETURN);
          depth_ += 1;
          return absl::OkStatus();
        }
        Emit(Opcode::kCALL, {argc});
        return absl::OkStatus();
      }
      case Node::Kind::kPrimitive: {
        auto op = static_cast<Opcode>(n->opcode);
        if (op == Opcode::kADD_IMM && IsPlainLocal(n->children[0].get())) {
          Mark(n->location);
          Emit(Opcode::kLOCAL_ADD_IMM,
               {n->children[0]->var->slot, static_cast<uint32_t>(n->immediate)});
          break;
        }
        uint32_t a, b;
        if (op == Opcode::kVECTOR_SET && PlainVar(n->children[0].get(), &a) &&
            PlainVar(n->children[1].get(), &b) && !n->children[0]->var->set_explicitly &&
            !n->children[1]->var->set_explicitly) {
          // The value is computed before the vector and index are read,
          // which no set! of either could observe.
          ETA_RETURN_IF_ERROR(Compile(n->children[2].get(), false));
          Mark(n->location);
          Emit(Opcode::kVECTOR_SET_VARS, {a, b});
          break;
        }
        static const std::pair<Opcode, Opcode> kOnVars[] = {
            {Opcode::kADD, Opcode::kADD_VARS},
            {Opcode::kSUB, Opcode::kSUB_VARS},
            {Opcode::kVECTOR_REF, Opcode::kVECTOR_REF_VARS},
        };
        if (n->children.size() == 2 && PlainVar(n->children[0].get(), &a) &&
            PlainVar(n->children[1].get(), &b)) {
          auto fused = std::find_if(std::begin(kOnVars), std::end(kOnVars),
                                    [op](const auto& p) { return p.first == op; });
          if (fused != std::end(kOnVars)) {
            Mark(n->location);
            Emit(fused->second, {a, b});
            break;
          }
        }
        for (auto& child : n->children) {
          ETA_RETURN_IF_ERROR(Compile(child.get(), false));
        }
        Mark(n->location);
        if (op == Opcode::kADD_IMM) {
          Emit(op, {static_cast<uint32_t>(n->immediate)});
        } else {
          Emit(op);
        }
        break;
      }
    }
    if (tail) Emit(Opcode::kRETURN), depth_ += 1;
    return absl::OkStatus();
  }

  // CompileTest compiles an if's test and the jump to its else branch,
  // fusing a primitive test with the branch; returns the jump's operand.
  absl::StatusOr<uint32_t> CompileTest(Node* test) {
    static const std::pair<Opcode, Opcode> kFused[] = {
        {Opcode::kNUM_EQ, Opcode::kBRANCH_NUM_EQ}, {Opcode::kLT, Opcode::kBRANCH_LT},
        {Opcode::kLE, Opcode::kBRANCH_LE},         {Opcode::kGT, Opcode::kBRANCH_GT},
        {Opcode::kGE, Opcode::kBRANCH_GE},         {Opcode::kNULL_P, Opcode::kBRANCH_NULL},
        {Opcode::kPAIR_P, Opcode::kBRANCH_PAIR},   {Opcode::kEQ_P, Opcode::kBRANCH_EQ},
        {Opcode::kZERO_P, Opcode::kBRANCH_ZERO},   {Opcode::kNOT, Opcode::kBRANCH_NOT},
    };
    static const std::pair<Opcode, Opcode> kLocalFused[] = {
        {Opcode::kNUM_EQ, Opcode::kBRANCH_LOCAL_NUM_EQ}, {Opcode::kLT, Opcode::kBRANCH_LOCAL_LT},
        {Opcode::kLE, Opcode::kBRANCH_LOCAL_LE},         {Opcode::kGT, Opcode::kBRANCH_LOCAL_GT},
        {Opcode::kGE, Opcode::kBRANCH_LOCAL_GE},
    };
    static const std::pair<Opcode, Opcode> kVarsFused[] = {
        {Opcode::kNUM_EQ, Opcode::kBRANCH_VARS_NUM_EQ}, {Opcode::kLT, Opcode::kBRANCH_VARS_LT},
        {Opcode::kLE, Opcode::kBRANCH_VARS_LE},         {Opcode::kGT, Opcode::kBRANCH_VARS_GT},
        {Opcode::kGE, Opcode::kBRANCH_VARS_GE},
    };
    if (test->kind == Node::Kind::kPrimitive && test->children.size() == 2) {
      // (< local 10): compare a plain local with a small integer in one step.
      const Node* left = test->children[0].get();
      const Node* right = test->children[1].get();
      int32_t imm;
      uint32_t a, b;
      if (PlainVar(left, &a) && PlainVar(right, &b)) {
        // (< i n) over two plain variables: compare in place.
        for (const auto& [plain, fused] : kVarsFused) {
          if (test->opcode != static_cast<uint32_t>(plain)) continue;
          Mark(test->location);
          Emit(fused, {a, b, 0});
          return Pc() - 1;
        }
      }
      if (IsPlainLocal(left) && SmallInteger(right, &imm)) {
        for (const auto& [plain, fused] : kLocalFused) {
          if (test->opcode != static_cast<uint32_t>(plain)) continue;
          Mark(test->location);
          Emit(fused, {left->var->slot, static_cast<uint32_t>(imm), 0});
          return Pc() - 1;
        }
      }
    }
    if (test->kind == Node::Kind::kPrimitive) {
      for (const auto& [plain, fused] : kFused) {
        if (test->opcode != static_cast<uint32_t>(plain)) continue;
        for (auto& child : test->children) {
          ETA_RETURN_IF_ERROR(Compile(child.get(), false));
        }
        Mark(test->location);
        return EmitJump(fused);
      }
    }
    ETA_RETURN_IF_ERROR(Compile(test, false));
    return EmitJump(Opcode::kJUMP_IF_FALSE);
  }

  // IsSelfReference: a reference to the running closure itself.
  bool IsSelfReference(const Node* n) const {
    return n->kind == Node::Kind::kLocalRef && n->var->self_lambda == lambda_ &&
           !n->var->set_explicitly;
  }

  // IsPlainLocal: a local of this frame read without box or check.
  bool IsPlainLocal(const Node* n) const {
    return n->kind == Node::Kind::kLocalRef && n->var->owner == lambda_ &&
           !n->var->Boxed() && !n->var->checked &&
           !(n->var->self_lambda == lambda_ && !n->var->set_explicitly);
  }

  // PlainVar: a reference EmitReference compiles to LOCAL_REF or
  // CAPTURED_REF; sets *spec to its variable operand (see opcodes.h).
  bool PlainVar(const Node* n, uint32_t* spec) const {
    if (IsPlainLocal(n)) {
      *spec = n->var->slot;
      return true;
    }
    if (n->kind != Node::Kind::kLocalRef || n->var->owner == lambda_ || n->var->Boxed() ||
        (n->var->self_lambda == lambda_ && !n->var->set_explicitly)) {
      return false;
    }
    *spec = FreeIndex(lambda_, n->var) | kCapturedVar;
    return true;
  }

  static bool SmallInteger(const Node* n, int32_t* value) {
    if (n->kind != Node::Kind::kConstant || !n->datum ||
        n->datum->kind != Datum::Kind::kInteger || n->datum->integer < INT32_MIN ||
        n->datum->integer > INT32_MAX) {
      return false;
    }
    *value = static_cast<int32_t>(n->datum->integer);
    return true;
  }

  void EmitConstant(const Datum* d) {
    if (!d) {
      Emit(Opcode::kUNSPECIFIED);
      return;
    }
    switch (d->kind) {
      case Datum::Kind::kNil: Emit(Opcode::kNIL); return;
      case Datum::Kind::kBool: Emit(d->boolean ? Opcode::kTRUE : Opcode::kFALSE); return;
      case Datum::Kind::kInteger:
        if (d->integer >= INT32_MIN && d->integer <= INT32_MAX) {
          Emit(Opcode::kFIXNUM, {static_cast<uint32_t>(static_cast<int32_t>(d->integer))});
          return;
        }
        break;
      default:
        break;
    }
    Emit(Opcode::kCONST, {constants_->Add(d)});
  }

  Lambda* lambda_;
  ConstantPool* constants_;
  eta::module::Function* out_;
  int depth_ = 0;
  int max_depth_ = 0;
  uint32_t last_op_pc_ = UINT32_MAX - 1;  // start of the last instruction
  int64_t last_label_pc_ = -1;            // last position a jump lands on
};

}  // namespace

absl::Status GenerateModule(const ModuleScope& scope,
                            const std::vector<std::unique_ptr<Lambda>>& lambdas,
                            eta::module::Module* out) {
  for (const GlobalKey& key : scope.globals) {
    auto* g = out->add_globals();
    g->set_name(key.name);
    g->set_module(key.module);
    g->set_export_name(key.name);
  }
  for (size_t i = 0; i < lambdas.size(); ++i) {
    lambdas[i]->function_index = static_cast<uint32_t>(i);
  }
  MarkCaptureFrames(lambdas);
  ConstantPool constants(out);
  for (const auto& lambda : lambdas) {
    auto* fn = out->add_functions();
    FunctionEmitter emitter(lambda.get(), &constants, fn);
    ETA_RETURN_IF_ERROR(emitter.Run());
  }
  return absl::OkStatus();
}

}  // namespace eta::compiler
