// Code generator: core AST to the protobuf module's functions.
#ifndef ETA_COMPILER_CODEGEN_H_
#define ETA_COMPILER_CODEGEN_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "compiler/ast.h"
#include "compiler/expander.h"
#include "vm/module.pb.h"

namespace eta::compiler {

// GenerateModule fills `out`'s globals, constants and functions from the
// expanded lambdas (lambdas[0] is the module body).
absl::Status GenerateModule(const ModuleScope& scope,
                            const std::vector<std::unique_ptr<Lambda>>& lambdas,
                            eta::module::Module* out);

}  // namespace eta::compiler

#endif  // ETA_COMPILER_CODEGEN_H_
