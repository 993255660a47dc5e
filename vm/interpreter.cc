// The dispatch loop. It is the one function allowed to be long: every
// instruction's semantics is here, next to the call/return protocol.
//
// Registers: `sp` (next free stack slot), `locals` (local 0 of the running
// frame), `pc`, `closure`, `constants`, `globals`. Before anything that can
// allocate or inspect the stack (primitives, raising), the loop stores `sp`
// into sp_ and the pc into the frame (SYNC). Pointers into the stack are
// re-derived after the stack grows (REBASE).
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "vm/arith.h"
#include "vm/opcodes.h"
#include "vm/printer.h"
#include "vm/vm.h"

namespace eta::vm {

Value VM::Execute(size_t entry_frames) {
  Value* stack = stack_.data();
  Value* sp = stack + sp_;
  Frame* frame = &frames_.back();
  Closure* closure = frame->closure;
  const Function* fn = closure->function;
  Value* locals = stack + frame->base;
  const uint32_t* pc = frame->pc;
  const Value* constants = fn->constants;
  Global* const* globals = fn->globals;
  uint32_t argc = 0;
  bool tail = false;
  bool continuable_raise = false;
  Value raised;

#define SYNC()                          \
  do {                                  \
    sp_ = static_cast<size_t>(sp - stack); \
    frames_.back().pc = pc;             \
  } while (0)
#define LOAD_FRAME()                                   \
  do {                                                 \
    frame = &frames_.back();                           \
    closure = frame->closure;                          \
    fn = closure->function;                            \
    locals = stack + frame->base;                      \
    pc = frame->pc;                                    \
    constants = fn->constants;                         \
    globals = fn->globals;                             \
  } while (0)
// ENTER_FUNCTION starts running closure `target`, whose frame (already on
// frames_) has its `argc` arguments at stack index `base`: the other locals
// start undefined (the collector scans them).
#define ENTER_FUNCTION(target, base)                                       \
  do {                                                                     \
    closure = (target);                                                    \
    fn = closure->function;                                                \
    locals = stack + (base);                                               \
    pc = fn->code.data();                                                  \
    constants = fn->constants;                                             \
    globals = fn->globals;                                                 \
    for (uint32_t i = argc; i < fn->frame_size; ++i) locals[i] = Value::Undefined(); \
    sp = locals + fn->frame_size;                                          \
    if (--reductions_ <= 0) goto do_preempt;                               \
    DISPATCH();                                                            \
  } while (0)
#define RAISE(value_expr)  \
  do {                     \
    SYNC();                \
    raised = (value_expr); \
    goto do_raise;         \
  } while (0)
#define TYPE_ERROR(name, pos, expected, got) \
  RAISE(RaiseTypeError(name, pos, expected, got))

#if defined(__GNUC__)
  static void* const kLabels[] = {
#define ETA_OPCODE_LABEL(name, operands, pops, pushes, meaning) &&op_##name,
      ETA_OPCODES(ETA_OPCODE_LABEL)
#undef ETA_OPCODE_LABEL
  };
#define DISPATCH() goto* kLabels[*pc++]
#define CASE(name) op_##name:
#else
#error "the interpreter needs computed goto (GCC or Clang)"
#endif

  // A slice that stopped in a primitive's wait calls it again.
  if (resume_call_) {
    resume_call_ = false;
    argc = resume_argc_;
    tail = resume_tail_;
    sp = stack + resume_slot_ + argc + 1;
    goto do_call;
  }
  DISPATCH();

  CASE(NOP) { DISPATCH(); }
  CASE(CONST) {
    *sp++ = constants[*pc++];
    DISPATCH();
  }
  CASE(FIXNUM) {
    *sp++ = Value::Fixnum(static_cast<int32_t>(*pc++));
    DISPATCH();
  }
  CASE(NIL) {
    *sp++ = Value::Nil();
    DISPATCH();
  }
  CASE(TRUE) {
    *sp++ = Value::True();
    DISPATCH();
  }
  CASE(FALSE) {
    *sp++ = Value::False();
    DISPATCH();
  }
  CASE(UNSPECIFIED) {
    *sp++ = Value::Unspecified();
    DISPATCH();
  }
  CASE(LOCAL_REF) {
    *sp++ = locals[*pc++];
    DISPATCH();
  }
  CASE(LOCAL_REF_CHECKED) {
    Value v = locals[*pc++];
    if (v.IsUndefined()) {
      RAISE(UsedBeforeDefinition());
    }
    *sp++ = v;
    DISPATCH();
  }
  CASE(LOCAL_SET) {
    locals[*pc++] = *--sp;
    DISPATCH();
  }
  CASE(BOX_LOCAL) {
    uint32_t index = *pc++;
    SYNC();
    Box* box = heap_.New<Box>(locals[index]);
    if (!box) RAISE(OutOfMemoryValue());
    locals[index] = Value::FromObject(box);
    DISPATCH();
  }
  CASE(FRESH_BOX) {
    uint32_t index = *pc++;
    SYNC();
    Box* box = heap_.New<Box>(Value::Undefined());
    if (!box) RAISE(OutOfMemoryValue());
    locals[index] = Value::FromObject(box);
    DISPATCH();
  }
  CASE(MAKE_BOX) {
    SYNC();
    Box* box = heap_.New<Box>(sp[-1]);
    if (!box) RAISE(OutOfMemoryValue());
    sp[-1] = Value::FromObject(box);
    DISPATCH();
  }
  CASE(LOCAL_BOX_REF) {
    Value b = locals[*pc++];
    if (!IsType(b, ObjectType::kBox)) RAISE(NotABox());
    Value v = As<Box>(b)->value;
    if (v.IsUndefined()) RAISE(UsedBeforeDefinition());
    *sp++ = v;
    DISPATCH();
  }
  CASE(LOCAL_BOX_SET) {
    Value b = locals[*pc++];
    if (!IsType(b, ObjectType::kBox)) RAISE(NotABox());
    As<Box>(b)->value = *--sp;
    DISPATCH();
  }
  CASE(CAPTURED_REF) {
    *sp++ = closure->captured()[*pc++];
    DISPATCH();
  }
  CASE(CAPTURED_BOX_REF) {
    Value b = closure->captured()[*pc++];
    if (!IsType(b, ObjectType::kBox)) RAISE(NotABox());
    Value v = As<Box>(b)->value;
    if (v.IsUndefined()) RAISE(UsedBeforeDefinition());
    *sp++ = v;
    DISPATCH();
  }
  CASE(CAPTURED_BOX_SET) {
    Value b = closure->captured()[*pc++];
    if (!IsType(b, ObjectType::kBox)) RAISE(NotABox());
    As<Box>(b)->value = *--sp;
    DISPATCH();
  }
  CASE(GLOBAL_REF) {
    Global* g = globals[*pc++];
    if (g->value.IsUndefined()) RAISE(UnboundGlobal(g));
    *sp++ = g->value;
    DISPATCH();
  }
  CASE(GLOBAL_SET) {
    Global* g = globals[*pc++];
    if (g->value.IsUndefined()) RAISE(UnboundGlobal(g));
    g->value = *--sp;
    DISPATCH();
  }
  CASE(GLOBAL_DEFINE) {
    globals[*pc++]->value = *--sp;
    DISPATCH();
  }
  CASE(POP) {
    --sp;
    DISPATCH();
  }
  CASE(DUP) {
    sp[0] = sp[-1];
    ++sp;
    DISPATCH();
  }
  CASE(JUMP) {
    int32_t offset = static_cast<int32_t>(*pc++);
    pc += offset;
    if (offset < 0 && --reductions_ <= 0) goto do_preempt;  // a loop
    DISPATCH();
  }
  CASE(JUMP_IF_FALSE) {
    int32_t offset = static_cast<int32_t>(*pc++);
    if ((--sp)->IsFalse()) pc += offset;
    DISPATCH();
  }
  CASE(SELF) {
    *sp++ = Value::FromObject(closure);
    DISPATCH();
  }
  CASE(MAKE_CLOSURE) {
    uint32_t index = *pc++;
    SYNC();  // linking makes the function's constants, which may collect
    const Function* target = fn->module->function(index);
    if (!target) RAISE(OutOfMemoryValue());
    Closure* made = heap_.NewClosure(
        target, static_cast<uint32_t>(target->captures.size()));
    if (!made) RAISE(OutOfMemoryValue());
    for (size_t i = 0; i < target->captures.size(); ++i) {
      const Capture& c = target->captures[i];
      made->captured()[i] = c.from_local ? locals[c.index]
                                       : closure->captured()[c.index];
    }
    *sp++ = Value::FromObject(made);
    DISPATCH();
  }

  // ---- Arithmetic and predicates with fixnum fast paths ----
// The fast paths read operands in place: copying whole Values first makes
// the compiler move them through memory.
#define ARITH(NAME, builtin_op, slow_op, symbol)                          \
  CASE(NAME) {                                                            \
    int64_t r;                                                            \
    if (sp[-2].IsFixnum() && sp[-1].IsFixnum() &&                         \
        !builtin_op(sp[-2].AsFixnum(), sp[-1].AsFixnum(), &r)) {          \
      sp[-2] = Value::Fixnum(r);                                          \
      --sp;                                                               \
      DISPATCH();                                                         \
    }                                                                     \
    Value b = sp[-1];                                                     \
    Value a = sp[-2];                                                     \
    Value result;                                                         \
    int bad = ArithmeticSlow(ArithOp::slow_op, a, b, &result);            \
    if (bad) TYPE_ERROR(symbol, bad, "a number", bad == 1 ? a : b);       \
    sp[-2] = result;                                                      \
    --sp;                                                                 \
    DISPATCH();                                                           \
  }
  ARITH(ADD, __builtin_add_overflow, kAdd, "+")
  ARITH(SUB, __builtin_sub_overflow, kSub, "-")
  ARITH(MUL, __builtin_mul_overflow, kMul, "*")
#undef ARITH

  CASE(ADD_IMM) {
    Value a = sp[-1];
    int64_t imm = static_cast<int32_t>(*pc++);
    int64_t r;
    if (a.IsFixnum() && !__builtin_add_overflow(a.AsFixnum(), imm, &r)) {
      sp[-1] = Value::Fixnum(r);
      DISPATCH();
    }
    Value result;
    if (ArithmeticSlow(ArithOp::kAdd, a, Value::Fixnum(imm), &result)) {
      TYPE_ERROR(imm >= 0 ? "+" : "-", 1, "a number", a);
    }
    sp[-1] = result;
    DISPATCH();
  }

#define COMPARE(NAME, op, slow_op, symbol)                                \
  CASE(NAME) {                                                            \
    if (sp[-2].IsFixnum() && sp[-1].IsFixnum()) {                         \
      sp[-2] = Value::Bool(sp[-2].AsFixnum() op sp[-1].AsFixnum());       \
      --sp;                                                               \
      DISPATCH();                                                         \
    }                                                                     \
    Value b = sp[-1];                                                     \
    Value a = sp[-2];                                                     \
    --sp;                                                                 \
    bool result;                                                          \
    int bad = CompareSlow(CompareOp::slow_op, a, b, &result);             \
    if (bad) {                                                            \
      ++sp;                                                               \
      TYPE_ERROR(symbol, bad, "a number", bad == 1 ? a : b);              \
    }                                                                     \
    sp[-1] = Value::Bool(result);                                         \
    DISPATCH();                                                           \
  }
  COMPARE(NUM_EQ, ==, kEq, "=")
  COMPARE(LT, <, kLt, "<")
  COMPARE(LE, <=, kLe, "<=")
  COMPARE(GT, >, kGt, ">")
  COMPARE(GE, >=, kGe, ">=")
#undef COMPARE

  // ---- Fused test-and-branch: the jump is taken when the test fails ----
// COMPARE_VALUES sets `result` to `a op b`, with a fixnum fast path;
// raises for a non-number.
#define COMPARE_VALUES(a, b, op, slow_op, symbol, result)                 \
  if ((a).IsFixnum() && (b).IsFixnum()) {                                 \
    result = (a).AsFixnum() op (b).AsFixnum();                            \
  } else {                                                                \
    Value left = (a);                                                     \
    Value right = (b);                                                    \
    int bad = CompareSlow(CompareOp::slow_op, left, right, &result);      \
    if (bad) TYPE_ERROR(symbol, bad, "a number", bad == 1 ? left : right); \
  }
#define BRANCH_COMPARE(NAME, op, slow_op, symbol)                         \
  CASE(NAME) {                                                            \
    int32_t offset = static_cast<int32_t>(*pc++);                         \
    bool result;                                                          \
    COMPARE_VALUES(sp[-2], sp[-1], op, slow_op, symbol, result);          \
    sp -= 2;                                                              \
    if (!result) pc += offset;                                            \
    DISPATCH();                                                           \
  }
  BRANCH_COMPARE(BRANCH_NUM_EQ, ==, kEq, "=")
  BRANCH_COMPARE(BRANCH_LT, <, kLt, "<")
  BRANCH_COMPARE(BRANCH_LE, <=, kLe, "<=")
  BRANCH_COMPARE(BRANCH_GT, >, kGt, ">")
  BRANCH_COMPARE(BRANCH_GE, >=, kGe, ">=")
#undef BRANCH_COMPARE
#define BRANCH_LOCAL(NAME, op, slow_op, symbol)                           \
  CASE(NAME) {                                                            \
    Value a = locals[pc[0]];                                              \
    int64_t imm = static_cast<int32_t>(pc[1]);                            \
    int32_t offset = static_cast<int32_t>(pc[2]);                         \
    pc += 3;                                                              \
    bool result;                                                          \
    if (a.IsFixnum()) {                                                   \
      result = a.AsFixnum() op imm;                                       \
    } else if (CompareSlow(CompareOp::slow_op, a, Value::Fixnum(imm), &result)) { \
      TYPE_ERROR(symbol, 1, "a number", a);                               \
    }                                                                     \
    if (!result) pc += offset;                                            \
    DISPATCH();                                                           \
  }
  BRANCH_LOCAL(BRANCH_LOCAL_NUM_EQ, ==, kEq, "=")
  BRANCH_LOCAL(BRANCH_LOCAL_LT, <, kLt, "<")
  BRANCH_LOCAL(BRANCH_LOCAL_LE, <=, kLe, "<=")
  BRANCH_LOCAL(BRANCH_LOCAL_GT, >, kGt, ">")
  BRANCH_LOCAL(BRANCH_LOCAL_GE, >=, kGe, ">=")
#undef BRANCH_LOCAL
  CASE(LOCAL_ADD_IMM) {
    Value a = locals[pc[0]];
    int64_t imm = static_cast<int32_t>(pc[1]);
    pc += 2;
    int64_t r;
    if (a.IsFixnum() && !__builtin_add_overflow(a.AsFixnum(), imm, &r)) {
      *sp++ = Value::Fixnum(r);
      DISPATCH();
    }
    Value result;
    if (ArithmeticSlow(ArithOp::kAdd, a, Value::Fixnum(imm), &result)) {
      TYPE_ERROR(imm >= 0 ? "+" : "-", 1, "a number", a);
    }
    *sp++ = result;
    DISPATCH();
  }
  // ---- Instructions whose operands name variables (V[s], see opcodes.h) ----
// VAR reads variable operand `spec`; the choice between the locals and the
// captured values compiles to a conditional move, not a branch.
#define VAR(spec)                                                            \
  (((spec) & kCapturedVar) ? closure->captured() : locals)[(spec) & ~kCapturedVar]
#define BRANCH_VARS(NAME, op, slow_op, symbol)                              \
  CASE(NAME) {                                                              \
    const Value& a = VAR(pc[0]);                                            \
    const Value& b = VAR(pc[1]);                                            \
    int32_t offset = static_cast<int32_t>(pc[2]);                           \
    pc += 3;                                                                \
    bool result;                                                            \
    COMPARE_VALUES(a, b, op, slow_op, symbol, result);                      \
    if (!result) pc += offset;                                              \
    DISPATCH();                                                             \
  }
  BRANCH_VARS(BRANCH_VARS_NUM_EQ, ==, kEq, "=")
  BRANCH_VARS(BRANCH_VARS_LT, <, kLt, "<")
  BRANCH_VARS(BRANCH_VARS_LE, <=, kLe, "<=")
  BRANCH_VARS(BRANCH_VARS_GT, >, kGt, ">")
  BRANCH_VARS(BRANCH_VARS_GE, >=, kGe, ">=")
#undef BRANCH_VARS
#undef COMPARE_VALUES
#define ARITH_VARS(NAME, builtin_op, slow_op, symbol)                       \
  CASE(NAME) {                                                              \
    const Value& a = VAR(pc[0]);                                            \
    const Value& b = VAR(pc[1]);                                            \
    pc += 2;                                                                \
    int64_t r;                                                              \
    if (a.IsFixnum() && b.IsFixnum() &&                                     \
        !builtin_op(a.AsFixnum(), b.AsFixnum(), &r)) {                      \
      *sp++ = Value::Fixnum(r);                                             \
      DISPATCH();                                                           \
    }                                                                       \
    Value result;                                                           \
    int bad = ArithmeticSlow(ArithOp::slow_op, a, b, &result);              \
    if (bad) TYPE_ERROR(symbol, bad, "a number", bad == 1 ? a : b);         \
    *sp++ = result;                                                         \
    DISPATCH();                                                             \
  }
  ARITH_VARS(ADD_VARS, __builtin_add_overflow, kAdd, "+")
  ARITH_VARS(SUB_VARS, __builtin_sub_overflow, kSub, "-")
#undef ARITH_VARS

  CASE(BRANCH_NULL) {
    int32_t offset = static_cast<int32_t>(*pc++);
    if (!(--sp)->IsNil()) pc += offset;
    DISPATCH();
  }
  CASE(BRANCH_PAIR) {
    int32_t offset = static_cast<int32_t>(*pc++);
    if (!IsPair(*--sp)) pc += offset;
    DISPATCH();
  }
  CASE(BRANCH_EQ) {
    int32_t offset = static_cast<int32_t>(*pc++);
    sp -= 2;
    if (!sp[0].Eq(sp[1])) pc += offset;
    DISPATCH();
  }
  CASE(BRANCH_NOT) {
    int32_t offset = static_cast<int32_t>(*pc++);
    if (!(--sp)->IsFalse()) pc += offset;
    DISPATCH();
  }
  CASE(BRANCH_ZERO) {
    Value a = sp[-1];
    int32_t offset = static_cast<int32_t>(*pc++);
    bool zero;
    if (a.IsFixnum()) {
      zero = a.AsFixnum() == 0;
    } else if (a.IsFlonum()) {
      zero = a.AsFlonum() == 0.0;
    } else {
      TYPE_ERROR("zero?", 1, "a number", a);
    }
    --sp;
    if (!zero) pc += offset;
    DISPATCH();
  }
  CASE(ZERO_P) {
    Value a = sp[-1];
    if (a.IsFixnum()) {
      sp[-1] = Value::Bool(a.AsFixnum() == 0);
    } else if (a.IsFlonum()) {
      sp[-1] = Value::Bool(a.AsFlonum() == 0.0);
    } else {
      TYPE_ERROR("zero?", 1, "a number", a);
    }
    DISPATCH();
  }
  CASE(CAR) {
    Value a = sp[-1];
    if (!IsPair(a)) TYPE_ERROR("car", 1, "a pair", a);
    sp[-1] = As<Pair>(a)->car;
    DISPATCH();
  }
  CASE(CDR) {
    Value a = sp[-1];
    if (!IsPair(a)) TYPE_ERROR("cdr", 1, "a pair", a);
    sp[-1] = As<Pair>(a)->cdr;
    DISPATCH();
  }
  CASE(CONS) {
    SYNC();
    Pair* p = heap_.New<Pair>(sp[-2], sp[-1]);
    if (!p) RAISE(OutOfMemoryValue());
    sp[-2] = Value::FromObject(p);
    --sp;
    DISPATCH();
  }
  CASE(NULL_P) {
    sp[-1] = Value::Bool(sp[-1].IsNil());
    DISPATCH();
  }
  CASE(PAIR_P) {
    sp[-1] = Value::Bool(IsPair(sp[-1]));
    DISPATCH();
  }
  CASE(NOT) {
    sp[-1] = Value::Bool(sp[-1].IsFalse());
    DISPATCH();
  }
  CASE(EQ_P) {
    sp[-2] = Value::Bool(sp[-2].Eq(sp[-1]));
    --sp;
    DISPATCH();
  }
  // Vector access: operands are checked in place; CHECK_VECTOR_INDEX
  // raises for a non-vector, a non-integer or an index out of range.
#define CHECK_VECTOR_INDEX(name, vector_slot, index_slot)                      \
  if (!IsVector(vector_slot)) TYPE_ERROR(name, 1, "a vector", vector_slot);    \
  if (!(index_slot).IsFixnum()) {                                              \
    TYPE_ERROR(name, 2, "an exact integer", index_slot);                       \
  }                                                                            \
  if (static_cast<uint64_t>((index_slot).AsFixnum()) >=                        \
      As<Vector>(vector_slot)->items.size()) {                                 \
    Value index = index_slot;                                                  \
    SYNC();                                                                    \
    RAISE(RaiseRangeError(name, 2,                                             \
                          absl::StrCat("index ", index.AsFixnum(), " for length ", \
                                       As<Vector>(vector_slot)->items.size()), \
                          index));                                             \
  }
  CASE(VECTOR_REF) {
    CHECK_VECTOR_INDEX("vector-ref", sp[-2], sp[-1]);
    sp[-2] = As<Vector>(sp[-2])->items[sp[-1].AsFixnum()];
    --sp;
    DISPATCH();
  }
  CASE(VECTOR_SET) {
    CHECK_VECTOR_INDEX("vector-set!", sp[-3], sp[-2]);
    As<Vector>(sp[-3])->items[sp[-2].AsFixnum()] = sp[-1];
    sp[-3] = Value::Unspecified();
    sp -= 2;
    DISPATCH();
  }
  CASE(VECTOR_SET_POP) {
    CHECK_VECTOR_INDEX("vector-set!", sp[-3], sp[-2]);
    As<Vector>(sp[-3])->items[sp[-2].AsFixnum()] = sp[-1];
    sp -= 3;
    DISPATCH();
  }
  CASE(VECTOR_REF_VARS) {
    const Value& vec = VAR(pc[0]);
    const Value& idx = VAR(pc[1]);
    pc += 2;
    CHECK_VECTOR_INDEX("vector-ref", vec, idx);
    *sp++ = As<Vector>(vec)->items[idx.AsFixnum()];
    DISPATCH();
  }
  CASE(VECTOR_SET_VARS) {
    const Value& vec = VAR(pc[0]);
    const Value& idx = VAR(pc[1]);
    pc += 2;
    CHECK_VECTOR_INDEX("vector-set!", vec, idx);
    As<Vector>(vec)->items[idx.AsFixnum()] = sp[-1];
    sp[-1] = Value::Unspecified();
    DISPATCH();
  }
  CASE(VECTOR_SET_VARS_POP) {
    const Value& vec = VAR(pc[0]);
    const Value& idx = VAR(pc[1]);
    pc += 2;
    CHECK_VECTOR_INDEX("vector-set!", vec, idx);
    As<Vector>(vec)->items[idx.AsFixnum()] = *--sp;
    DISPATCH();
  }
#undef VAR
#undef CHECK_VECTOR_INDEX

  // ---- Calls ----
  CASE(CALL) {
    argc = *pc++;
    tail = false;
    // Fast path: a closure with exactly `argc` parameters and no rest list.
    Value* callee_slot = sp - argc - 1;
    if (IsType(*callee_slot, ObjectType::kClosure)) {
      Closure* target = As<Closure>(*callee_slot);
      const Function* target_fn = target->function;
      size_t base = static_cast<size_t>(callee_slot + 1 - stack);
      // (pending_escape_id_ is only set on the special-call path, never here.)
      if (argc == target_fn->fast_argc && frames_.size() < frame_limit_ &&
          base + target_fn->stack_need <= stack_.size()) {
        frames_.back().pc = pc;
        frames_.push_back(Frame{target, target_fn->code.data(),
                                static_cast<uint32_t>(base), 0});
        ENTER_FUNCTION(target, base);
      }
    }
    goto do_call;
  }
  CASE(TAIL_CALL) {
    argc = *pc++;
    tail = true;
    // Fast path: a closure with exactly `argc` parameters replaces this frame.
    Value* callee_slot = sp - argc - 1;
    if (IsType(*callee_slot, ObjectType::kClosure)) {
      Closure* target = As<Closure>(*callee_slot);
      const Function* target_fn = target->function;
      Frame& current = frames_.back();
      size_t base = current.base;
      if (argc == target_fn->fast_argc && base + target_fn->stack_need <= stack_.size()) {
        Value* destination = stack + base - 1;
        for (uint32_t i = 0; i <= argc; ++i) destination[i] = callee_slot[i];
        current.closure = target;
        current.pc = target_fn->code.data();
        ENTER_FUNCTION(target, base);
      }
    }
    goto do_call;
  }
  CASE(RETURN) {
    Value result = *--sp;
    Value* destination = stack + frames_.back().base - 1;
    frames_.pop_back();
    if (frames_.size() <= entry_frames) {
      sp_ = static_cast<size_t>(destination - stack);
      return result;
    }
    *destination = result;
    sp = destination + 1;
    LOAD_FRAME();
    DISPATCH();
  }

do_call: {
  // The callee sits below its `argc` arguments.
  Value* callee_slot = sp - argc - 1;
  Value callee = *callee_slot;
  if (IsType(callee, ObjectType::kClosure)) {
    Closure* target = As<Closure>(callee);
    const Function* target_fn = target->function;
    if (argc != target_fn->required) {
      if (!target_fn->rest || argc < target_fn->required) {
        SYNC();
        RAISE(RaiseArity(callee, argc));
      }
    }
    if (target_fn->rest) {
      // Collect the extra arguments into a list (GC-safe: they stay on the
      // stack until the list is complete).
      SYNC();
      Value rest = Value::Nil();
      Rooted rest_root(heap_, rest);
      for (uint32_t i = argc; i > target_fn->required; --i) {
        Pair* p = heap_.New<Pair>(callee_slot[i], rest_root.get());
        if (!p) RAISE(OutOfMemoryValue());
        rest_root = Value::FromObject(p);
      }
      callee_slot[target_fn->required + 1] = rest_root.get();
      argc = target_fn->required + 1;
      sp = callee_slot + argc + 1;
    }
    uint64_t escape_id = 0;
    if (tail) {
      // Slide the callee and its arguments down over the running frame.
      Value* destination = stack + frames_.back().base - 1;
      std::memmove(destination, callee_slot, (argc + 1) * sizeof(Value));
      callee_slot = destination;
      escape_id = frames_.back().escape_id;
      frames_.pop_back();
    } else {
      frames_.back().pc = pc;
      if (frames_.size() >= frame_limit_) {
        SYNC();
        RAISE(StackOverflowValue());
      }
    }
    if (pending_escape_id_ != 0) {
      escape_id = pending_escape_id_;
      pending_escape_id_ = 0;
    }
    size_t base = static_cast<size_t>(callee_slot + 1 - stack);
    size_t needed = base + target_fn->stack_need;
    if (needed > stack_.size()) {
      // (A tail call replaces its frame: only a deeper stack is refused.)
      if (!tail && !StackRoomFor(needed)) RAISE(StackBytesOverflowValue());
      GrowStack(needed);
      size_t sp_index = static_cast<size_t>(sp - stack);
      stack = stack_.data();
      sp = stack + sp_index;
    }
    frames_.push_back(Frame{target, target_fn->code.data(),
                            static_cast<uint32_t>(base), escape_id});
    ENTER_FUNCTION(target, base);
  }
  if (IsType(callee, ObjectType::kPrimitive)) {
    Primitive* prim = As<Primitive>(callee);
    if (static_cast<int>(argc) < prim->min_args ||
        (prim->max_args >= 0 && static_cast<int>(argc) > prim->max_args)) {
      SYNC();
      RAISE(RaiseArity(callee, argc));
    }
    if (prim->special != PrimitiveSpecial::kNone) goto do_special;
    SYNC();
    Value result = prim->function(*this, Arguments{callee_slot + 1,
                                                   static_cast<int>(argc)});
    if (result.IsRaise()) {
      if (result.IsSuspend()) {
        // It waits: the call stays on the stack, to be made again.
        resume_call_ = true;
        resume_slot_ = static_cast<size_t>(callee_slot - stack);
        resume_argc_ = argc;
        resume_tail_ = tail;
        return result;
      }
      sp = callee_slot;
      sp_ = static_cast<size_t>(sp - stack);
      raised = result;
      goto do_raise;
    }
    if (exit_requested_) {
      sp_ = static_cast<size_t>(callee_slot - stack);
      return Value::Unspecified();
    }
    sp = callee_slot;
    if (tail) {
      Value* destination = stack + frames_.back().base - 1;
      frames_.pop_back();
      if (frames_.size() <= entry_frames) {
        sp_ = static_cast<size_t>(destination - stack);
        return result;
      }
      *destination = result;
      sp = destination + 1;
      LOAD_FRAME();
      DISPATCH();
    }
    *sp++ = result;
    DISPATCH();
  }
  if (IsType(callee, ObjectType::kContinuation)) {
    SYNC();
    Value result = argc == 1 ? callee_slot[1] : PackValues(callee_slot + 1, argc);
    if (result.IsRaise()) RAISE(result);
    Continuation* k = As<Continuation>(callee);
    if (k->run_id != run_id_) {
      RAISE(RaiseError("continuation-error",
                        "continuation invoked outside the run that captured it"));
    }
    if (k->escape_only) {
      if (frames_.size() <= k->frame_index ||
          frames_[k->frame_index].escape_id != k->escape_id) {
        RAISE(RaiseError("continuation-error",
                          "escape continuation invoked after its extent ended"));
      }
      frames_.resize(k->frame_index);
    } else {
      frames_ = k->frames;
      if (stack_.size() < k->stack.size() + 64) GrowStack(k->stack.size() + 64);
      stack = stack_.data();
      std::copy(k->stack.begin(), k->stack.end(), stack);
    }
    handlers_ = k->handlers;
    if (frames_.size() < frame_limit_ - kStackOverflowHeadroom) {
      frame_limit_ = options_.max_frames;
    }
    Value* destination = stack + k->stack_size;
    if (frames_.size() <= entry_frames) {
      sp_ = static_cast<size_t>(destination - stack);
      return result;
    }
    *destination = result;
    sp = destination + 1;
    LOAD_FRAME();
    DISPATCH();
  }
  SYNC();
  RAISE(RaiseError("type-error",
                    absl::StrCat("attempt to call a non-procedure: ",
                                 ValueToShortString(callee, true))));
}

do_special: {
  Value* callee_slot = sp - argc - 1;
  Primitive* prim = As<Primitive>(*callee_slot);
  switch (prim->special) {
    case PrimitiveSpecial::kApply: {
      // (apply f a ... list): spread the list onto the stack.
      SYNC();
      if (!IsProcedure(callee_slot[1])) {
        RAISE(RaiseTypeError("apply", 1, "a procedure", callee_slot[1]));
      }
      Value list = callee_slot[argc];
      size_t count = 0;
      for (Value l = list; IsPair(l); l = Cdr(l)) ++count;
      if (!IsProperList(list)) {
        RAISE(RaiseTypeError("apply", argc, "a proper list", list));
      }
      size_t needed = static_cast<size_t>(callee_slot - stack) + argc + count + 16;
      if (needed > stack_.size()) {
        size_t slot_index = static_cast<size_t>(callee_slot - stack);
        GrowStack(needed);
        stack = stack_.data();
        callee_slot = stack + slot_index;
        locals = stack + frames_.back().base;
      }
      // Shift f and the fixed arguments down one slot, over `apply`.
      for (uint32_t i = 0; i + 1 < argc; ++i) callee_slot[i] = callee_slot[i + 1];
      Value* out = callee_slot + argc - 1;
      for (Value l = list; IsPair(l); l = Cdr(l)) *out++ = Car(l);
      sp = out;
      argc = static_cast<uint32_t>(argc - 2 + count);
      goto do_call;
    }
    case PrimitiveSpecial::kApplyValues: {
      // (%apply-values consumer produced): spread multiple values.
      Value produced = callee_slot[2];
      callee_slot[0] = callee_slot[1];
      if (IsType(produced, ObjectType::kValues)) {
        auto& values = As<MultipleValues>(produced)->values;
        size_t needed = static_cast<size_t>(callee_slot - stack) + values.size() + 16;
        if (needed > stack_.size()) {
          size_t slot_index = static_cast<size_t>(callee_slot - stack);
          SYNC();
          GrowStack(needed);
          stack = stack_.data();
          callee_slot = stack + slot_index;
          locals = stack + frames_.back().base;
        }
        for (size_t i = 0; i < values.size(); ++i) callee_slot[1 + i] = values[i];
        argc = static_cast<uint32_t>(values.size());
      } else {
        callee_slot[1] = produced;
        argc = 1;
      }
      sp = callee_slot + 1 + argc;
      goto do_call;
    }
    case PrimitiveSpecial::kCallCC:
    case PrimitiveSpecial::kCallEC: {
      SYNC();
      Continuation* k = heap_.New<Continuation>();
      if (!k) RAISE(OutOfMemoryValue());
      k->run_id = run_id_;
      k->handlers = handlers_;
      if (tail) {
        k->frame_index = frames_.size() - 1;
        k->stack_size = frames_.back().base - 1;
      } else {
        frames_.back().pc = pc;
        k->frame_index = frames_.size();
        k->stack_size = static_cast<size_t>(callee_slot - stack);
      }
      if (prim->special == PrimitiveSpecial::kCallEC) {
        k->escape_only = true;
        k->escape_id = ++next_escape_id_;
      } else {
        k->frames.assign(frames_.begin(), frames_.begin() + k->frame_index);
        k->stack.assign(stack, stack + k->stack_size);
      }
      callee_slot[0] = callee_slot[1];
      callee_slot[1] = Value::FromObject(k);
      argc = 1;
      // The frame about to be made for f carries the escape id.
      if (k->escape_only && IsType(callee_slot[0], ObjectType::kClosure)) {
        pending_escape_id_ = k->escape_id;
      }
      goto do_call;
    }
    case PrimitiveSpecial::kRaise:
    case PrimitiveSpecial::kRaiseContinuable: {
      SYNC();
      Value object = callee_slot[1];
      if (argc == 2) {
        object = MakeTaggedRaise(callee_slot[1], callee_slot[2]);
        if (object.IsRaise()) RAISE(object);
      }
      sp = callee_slot;
      sp_ = static_cast<size_t>(sp - stack);
      raised = object;
      continuable_raise = prim->special == PrimitiveSpecial::kRaiseContinuable;
      goto do_raise;
    }
    case PrimitiveSpecial::kEval: {
      // Compile in C++, then call the compiled body like any procedure.
      SYNC();
      if (!evaluator_) RAISE(RaiseError("eval-error", "eval: no compiler in this VM"));
      absl::StatusOr<Value> body = evaluator_->CompileForEval(*this, callee_slot[1]);
      if (!body.ok()) {
        RAISE(RaiseError("syntax-error",
                         absl::StrCat("eval: ", std::string(body.status().message()))));
      }
      callee_slot[0] = *body;
      argc = 0;
      sp = callee_slot + 1;
      goto do_call;
    }
    case PrimitiveSpecial::kNone:
      break;
  }
  RAISE(RaiseError("internal-error", "unknown special primitive"));
}

do_preempt: {
  // The slice's reductions are used up: stop here (Start), or let others
  // run and go on.
  SYNC();
  reductions_ = kReductionBudget;
  if (suspendable_) return Value::SuspendMarker();
  if (preemption_ != nullptr) preemption_->Yield(*this);
  DISPATCH();
}

do_raise: {
  // `raised` is the object; sp_ and the frame's pc are synchronised.
  sp = stack + sp_;
  pending_escape_id_ = 0;
  if (raised.IsRaise()) raised = pending_raise_;
  bool continuable = continuable_raise;
  continuable_raise = false;
  pending_raise_ = Value::Undefined();
  if (exit_requested_) return Value::Unspecified();
  if (handlers_.IsNil() || invoke_handler_ == nullptr ||
      invoke_handler_->value.IsUndefined()) {
    RecordUncaught(raised);
    frames_.resize(entry_frames);
    return Value::RaiseMarker();
  }
  // Call (%invoke-handler obj continuable) where the raise happened.
  if (static_cast<size_t>(sp - stack) + 8 > stack_.size()) {
    size_t sp_index = static_cast<size_t>(sp - stack);
    GrowStack(sp_index + 64);
    stack = stack_.data();
    sp = stack + sp_index;
  }
  locals = stack + frames_.back().base;
  sp[0] = invoke_handler_->value;
  sp[1] = raised;
  sp[2] = Value::Bool(continuable);
  sp += 3;
  argc = 2;
  tail = false;
  goto do_call;
}

#undef SYNC
#undef ENTER_FUNCTION
#undef LOAD_FRAME
#undef RAISE
#undef TYPE_ERROR
#undef DISPATCH
#undef CASE
}

}  // namespace eta::vm
