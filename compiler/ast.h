// The core AST: what the expander produces and the code generator consumes.
// Variables are resolved: a local is a Var owned by one Lambda, a global is an
// index into the module's global table.
#ifndef ETA_COMPILER_AST_H_
#define ETA_COMPILER_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/datum.h"

namespace eta::compiler {

struct Lambda;

// Var is one local variable. `assigned` variables captured by a closure live
// in a box so that every closure shares them, and so do set! variables of a
// frame a continuation may capture (continuation_safety.h), so that every
// copy of the frame shares them.
struct Var {
  std::string name;
  Lambda* owner = nullptr;
  uint32_t slot = 0;       // local slot in the owner's frame
  bool assigned = false;   // set! (or letrec-style initialisation)
  bool captured = false;   // referenced from a nested lambda
  bool checked = false;    // may be read before initialisation (letrec)
  bool set_explicitly = false;  // the target of a set!
  // self_lambda is the lambda this variable is bound to by a letrec-style
  // definition; inside it a reference is the running closure itself.
  Lambda* self_lambda = nullptr;
  bool Boxed() const;
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

// Node is one core expression.
struct Node {
  enum class Kind {
    kConstant,   // datum
    kLocalRef,   // var
    kLocalSet,   // var, children[0]
    kLocalInit,  // var, children[0]: first initialisation (letrec, define)
    kGlobalRef,  // global
    kGlobalSet,  // global, children[0]
    kGlobalDefine,  // global, children[0]
    kIf,         // children[0..2]
    kSequence,   // children (non-empty)
    kLambda,     // lambda
    kCall,       // children[0] operator, rest operands
    kPrimitive,  // opcode, children operands (inlined builtin)
    kSelf,       // the running closure
  };
  Kind kind;
  SourceLocation location;
  DatumPtr datum;
  Var* var = nullptr;
  uint32_t global = 0;
  Lambda* lambda = nullptr;
  uint32_t opcode = 0;
  int32_t immediate = 0;  // for ADD_IMM
  std::vector<NodePtr> children;
};

// Lambda is one procedure being compiled.
struct Lambda {
  std::string name;
  SourceLocation location;
  Lambda* parent = nullptr;
  std::vector<std::unique_ptr<Var>> vars;  // parameters first
  uint32_t required = 0;
  bool rest = false;
  std::vector<Var*> free;  // captured from enclosing lambdas, in order
  NodePtr body;
  uint32_t function_index = 0;
  // may_capture_continuation: this lambda's own code makes a non-tail call
  // (set by MarkCaptureFrames).
  bool may_capture_continuation = false;

  // NewVar adds a local to this lambda's frame.
  Var* NewVar(const std::string& var_name) {
    auto v = std::make_unique<Var>();
    v->name = var_name;
    v->owner = this;
    v->slot = static_cast<uint32_t>(vars.size());
    vars.push_back(std::move(v));
    return vars.back().get();
  }
};

inline bool Var::Boxed() const {
  return (assigned && captured) || (set_explicitly && owner->may_capture_continuation);
}

}  // namespace eta::compiler

#endif  // ETA_COMPILER_AST_H_
