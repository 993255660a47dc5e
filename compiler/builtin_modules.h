// BuiltinModules: which module provides each builtin name.
#ifndef ETA_COMPILER_BUILTIN_MODULES_H_
#define ETA_COMPILER_BUILTIN_MODULES_H_

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace eta::compiler {

// BuiltinModules maps each builtin name to the module that provides it. Keys
// and values are views of strings that outlive every compilation using it.
using BuiltinModules = absl::flat_hash_map<absl::string_view, absl::string_view>;

}  // namespace eta::compiler

#endif  // ETA_COMPILER_BUILTIN_MODULES_H_
