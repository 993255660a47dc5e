// ProgramEvaluator: the compiler behind `eval` in etai.
#ifndef ETA_TOOLS_EVALUATOR_H_
#define ETA_TOOLS_EVALUATOR_H_

#include <string>

#include "tools/program_compiler.h"
#include "vm/vm.h"

namespace eta::tools {

// ProgramEvaluator compiles each eval'd expression as a module of its own
// whose definitions live in one shared namespace (so later evals see
// earlier definitions), with the builtins in scope.
class ProgramEvaluator : public vm::Evaluator {
 public:
  explicit ProgramEvaluator(std::string shared_namespace)
      : namespace_(std::move(shared_namespace)) {}

  absl::StatusOr<vm::Value> CompileForEval(vm::VM& vm, vm::Value expression) override;

 private:
  std::string namespace_;
  std::vector<std::string> defined_;
  int count_ = 0;
};

}  // namespace eta::tools

#endif  // ETA_TOOLS_EVALUATOR_H_
