// The instruction set, defined once. Every other view of it (the enum, the
// names, operand counts, the verifier's stack accounting, the disassembler
// and the compiler's emitter) is derived from ETA_OPCODES.
//
// Code is a sequence of 32-bit words: an opcode word followed by its operand
// words. The machine is a stack machine: each frame has `frame_size` local
// slots (parameters first) followed by an operand stack. Notation below:
// push(x)/pop() act on the operand stack, L[i] is local i, C[i] is the
// closure's captured value i, G[g] is the global cell g, K[k] constant k.
// V[s] is a variable operand: C[s & ~kCapturedVar] when s has the
// kCapturedVar bit, otherwise L[s].
#ifndef ETA_VM_OPCODES_H_
#define ETA_VM_OPCODES_H_

#include <cstdint>

namespace eta::vm {

// X(NAME, operands, pops, pushes, meaning). `pops` of -1 means "operand 0
// plus one" (a call pops the callee and its arguments).
#define ETA_OPCODES(X)                                                        \
  X(NOP, 0, 0, 0, "no operation")                                             \
  X(CONST, 1, 0, 1, "push(K[a])")                                             \
  X(FIXNUM, 1, 0, 1, "push(integer a as int32)")                              \
  X(NIL, 0, 0, 1, "push('())")                                                \
  X(TRUE, 0, 0, 1, "push(#t)")                                                \
  X(FALSE, 0, 0, 1, "push(#f)")                                               \
  X(UNSPECIFIED, 0, 0, 1, "push(unspecified)")                                \
  X(LOCAL_REF, 1, 0, 1, "push(L[a])")                                         \
  X(LOCAL_SET, 1, 1, 0, "L[a] = pop()")                                       \
  X(BOX_LOCAL, 1, 0, 0, "L[a] = box(L[a])")                                   \
  X(LOCAL_BOX_REF, 1, 0, 1, "push(unbox(L[a])); error if undefined")          \
  X(LOCAL_BOX_SET, 1, 1, 0, "unbox(L[a]) = pop()")                            \
  X(CAPTURED_REF, 1, 0, 1, "push(C[a])")                                      \
  X(CAPTURED_BOX_REF, 1, 0, 1, "push(unbox(C[a])); error if undefined")       \
  X(CAPTURED_BOX_SET, 1, 1, 0, "unbox(C[a]) = pop()")                         \
  X(GLOBAL_REF, 1, 0, 1, "push(G[a]); error if undefined")                    \
  X(GLOBAL_SET, 1, 1, 0, "G[a] = pop(); error if undefined")                  \
  X(GLOBAL_DEFINE, 1, 1, 0, "G[a] = pop()")                                   \
  X(POP, 0, 1, 0, "pop()")                                                    \
  X(JUMP, 1, 0, 0, "pc += a as int32 (from the next instruction)")            \
  X(JUMP_IF_FALSE, 1, 1, 0, "if pop() is #f: pc += a as int32")               \
  X(MAKE_CLOSURE, 1, 0, 1, "push(closure of function a with its captures)")   \
  X(CALL, 1, -1, 1, "call callee below a arguments; push its result")         \
  X(TAIL_CALL, 1, -1, 1, "replace this frame by the call (proper tail call)") \
  X(RETURN, 0, 1, 0, "return pop() to the caller")                            \
  X(ADD, 0, 2, 1, "b = pop(); a = pop(); push(a + b)")                        \
  X(SUB, 0, 2, 1, "b = pop(); a = pop(); push(a - b)")                        \
  X(MUL, 0, 2, 1, "b = pop(); a = pop(); push(a * b)")                        \
  X(NUM_EQ, 0, 2, 1, "b = pop(); a = pop(); push(a = b)")                     \
  X(LT, 0, 2, 1, "b = pop(); a = pop(); push(a < b)")                         \
  X(LE, 0, 2, 1, "b = pop(); a = pop(); push(a <= b)")                        \
  X(GT, 0, 2, 1, "b = pop(); a = pop(); push(a > b)")                         \
  X(GE, 0, 2, 1, "b = pop(); a = pop(); push(a >= b)")                        \
  X(CAR, 0, 1, 1, "push(car(pop()))")                                         \
  X(CDR, 0, 1, 1, "push(cdr(pop()))")                                         \
  X(CONS, 0, 2, 1, "d = pop(); a = pop(); push(cons(a, d))")                  \
  X(NULL_P, 0, 1, 1, "push(null?(pop()))")                                    \
  X(PAIR_P, 0, 1, 1, "push(pair?(pop()))")                                    \
  X(EQ_P, 0, 2, 1, "b = pop(); a = pop(); push(eq?(a, b))")                   \
  X(NOT, 0, 1, 1, "push(not(pop()))")                                         \
  X(ADD_IMM, 1, 1, 1, "push(pop() + a as int32)")                             \
  X(LOCAL_REF_CHECKED, 1, 0, 1, "push(L[a]); error if undefined")             \
  X(VECTOR_REF, 0, 2, 1, "i = pop(); v = pop(); push(v[i])")                  \
  X(VECTOR_SET, 0, 3, 1, "x = pop(); i = pop(); v = pop(); v[i] = x; push(unspecified)") \
  X(ZERO_P, 0, 1, 1, "push(zero?(pop()))")                                    \
  X(SELF, 0, 0, 1, "push(the running closure)")                               \
  X(MAKE_BOX, 0, 1, 1, "push(box(pop()))")                                    \
  X(DUP, 0, 1, 2, "x = pop(); push(x); push(x)")                              \
  X(FRESH_BOX, 1, 0, 0, "L[a] = box(undefined) (letrec variables)")          \
  X(BRANCH_NUM_EQ, 1, 2, 0, "y = pop(); x = pop(); unless x = y: pc += a")   \
  X(BRANCH_LT, 1, 2, 0, "y = pop(); x = pop(); unless x < y: pc += a")       \
  X(BRANCH_LE, 1, 2, 0, "y = pop(); x = pop(); unless x <= y: pc += a")      \
  X(BRANCH_GT, 1, 2, 0, "y = pop(); x = pop(); unless x > y: pc += a")       \
  X(BRANCH_GE, 1, 2, 0, "y = pop(); x = pop(); unless x >= y: pc += a")      \
  X(BRANCH_NULL, 1, 1, 0, "unless null?(pop()): pc += a")                    \
  X(BRANCH_PAIR, 1, 1, 0, "unless pair?(pop()): pc += a")                    \
  X(BRANCH_EQ, 1, 2, 0, "y = pop(); x = pop(); unless eq?(x, y): pc += a")   \
  X(BRANCH_ZERO, 1, 1, 0, "unless zero?(pop()): pc += a")                    \
  X(BRANCH_NOT, 1, 1, 0, "if pop() is true (not #f): pc += a")              \
  X(BRANCH_LOCAL_NUM_EQ, 3, 0, 0, "unless L[a] = b as int32: pc += c")       \
  X(BRANCH_LOCAL_LT, 3, 0, 0, "unless L[a] < b as int32: pc += c")           \
  X(BRANCH_LOCAL_LE, 3, 0, 0, "unless L[a] <= b as int32: pc += c")          \
  X(BRANCH_LOCAL_GT, 3, 0, 0, "unless L[a] > b as int32: pc += c")           \
  X(BRANCH_LOCAL_GE, 3, 0, 0, "unless L[a] >= b as int32: pc += c")          \
  X(LOCAL_ADD_IMM, 2, 0, 1, "push(L[a] + b as int32)")                     \
  X(VECTOR_SET_POP, 0, 3, 0, "x = pop(); i = pop(); v = pop(); v[i] = x")  \
  X(BRANCH_VARS_NUM_EQ, 3, 0, 0, "unless V[a] = V[b]: pc += c")              \
  X(BRANCH_VARS_LT, 3, 0, 0, "unless V[a] < V[b]: pc += c")                  \
  X(BRANCH_VARS_LE, 3, 0, 0, "unless V[a] <= V[b]: pc += c")                 \
  X(BRANCH_VARS_GT, 3, 0, 0, "unless V[a] > V[b]: pc += c")                  \
  X(BRANCH_VARS_GE, 3, 0, 0, "unless V[a] >= V[b]: pc += c")                 \
  X(ADD_VARS, 2, 0, 1, "push(V[a] + V[b])")                                  \
  X(SUB_VARS, 2, 0, 1, "push(V[a] - V[b])")                                  \
  X(VECTOR_REF_VARS, 2, 0, 1, "push(V[a][V[b]])")                          \
  X(VECTOR_SET_VARS, 2, 1, 1, "x = pop(); V[a][V[b]] = x; push(unspecified)") \
  X(VECTOR_SET_VARS_POP, 2, 1, 0, "x = pop(); V[a][V[b]] = x")

// Opcode enumerates the instructions.
enum class Opcode : uint8_t {
#define ETA_OPCODE_ENUM(name, operands, pops, pushes, meaning) k##name,
  ETA_OPCODES(ETA_OPCODE_ENUM)
#undef ETA_OPCODE_ENUM
};

// OpcodeInfo describes one instruction (one row of the table).
struct OpcodeInfo {
  const char* name;
  int operands;
  int pops;    // -1: operand 0 + 1
  int pushes;
  const char* meaning;
};

// kOpcodeCount is the number of instructions.
inline constexpr int kOpcodeCount = 0
#define ETA_OPCODE_COUNT(name, operands, pops, pushes, meaning) +1
    ETA_OPCODES(ETA_OPCODE_COUNT)
#undef ETA_OPCODE_COUNT
    ;

// kOpcodeInfo is indexed by opcode number.
inline constexpr OpcodeInfo kOpcodeInfo[] = {
#define ETA_OPCODE_INFO(name, operands, pops, pushes, meaning) \
  {#name, operands, pops, pushes, meaning},
    ETA_OPCODES(ETA_OPCODE_INFO)
#undef ETA_OPCODE_INFO
};

// kCapturedVar marks a variable operand (V[s] above) that names a captured
// value rather than a local.
inline constexpr uint32_t kCapturedVar = 0x80000000u;

// VarOperandCount is how many leading operands of `op` are variable
// operands (V[s]).
constexpr int VarOperandCount(Opcode op) {
  switch (op) {
    case Opcode::kBRANCH_VARS_NUM_EQ:
    case Opcode::kBRANCH_VARS_LT:
    case Opcode::kBRANCH_VARS_LE:
    case Opcode::kBRANCH_VARS_GT:
    case Opcode::kBRANCH_VARS_GE:
    case Opcode::kADD_VARS:
    case Opcode::kSUB_VARS:
    case Opcode::kVECTOR_REF_VARS:
    case Opcode::kVECTOR_SET_VARS:
    case Opcode::kVECTOR_SET_VARS_POP:
      return 2;
    default:
      return 0;
  }
}

// kFormatVersion is the compiled-module format this VM reads.
inline constexpr uint32_t kFormatVersion = 1;

}  // namespace eta::vm

#endif  // ETA_VM_OPCODES_H_
