// The interactive read-eval-print loop of `etai` (run with no file).
#ifndef ETA_TOOLS_REPL_H_
#define ETA_TOOLS_REPL_H_

#include <string>
#include <vector>

#include "vm/vm.h"

namespace eta::tools {

// RunRepl reads expressions from standard input until end of input or
// (exit), evaluates each in one persistent namespace, and prints results in
// `write` form. Errors are reported and the loop goes on. Uses line editing
// and history when standard input is a terminal. Returns the exit status.
int RunRepl(vm::VM& vm, const std::vector<std::string>& search_path);

}  // namespace eta::tools

#endif  // ETA_TOOLS_REPL_H_
