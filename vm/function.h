// The VM's own compact form of a compiled module, built by the loader from
// the protobuf message after verification.
#ifndef ETA_VM_FUNCTION_H_
#define ETA_VM_FUNCTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "vm/value.h"

namespace eta::module {
class Module;  // vm/module.proto
}  // namespace eta::module

namespace eta::vm {

struct LoadedModule;
class VM;

// Global is one module-level variable cell. Imports share the exporter's cell.
// Its name is a string, not a symbol: a VM loading a module makes a cell per
// global, and interning every name would cost more than the cell.
struct Global {
  Value value = Value::Undefined();
  std::string name;
  LoadedModule* owner = nullptr;
};

// Capture says where MAKE_CLOSURE finds one captured value: a local of the
// enclosing frame, or one of the enclosing closure's captured values.
struct Capture {
  bool from_local;
  uint32_t index;
  std::string name;  // the variable's name ("" if unknown)
};

// SourcePoint maps the instruction at `pc` (and those after it, up to the
// next point) to a line and column.
struct SourcePoint {
  uint32_t pc;
  int32_t line;
  int32_t column;
};

// FunctionCode is what a compiled procedure holds that never changes once
// loaded: every VM that loads the same module message shares it
// (ModuleCode), so a new actor does not copy its modules' code.
struct FunctionCode {
  std::string name;
  uint32_t required = 0;
  bool rest = false;
  uint32_t frame_size = 0;
  uint32_t max_stack = 0;
  std::vector<uint32_t> code;
  std::vector<Capture> captures;
  std::vector<SourcePoint> source_map;  // sorted by pc
  std::vector<uint32_t> constants;      // the constants its code pushes
};

// ModuleCode is a loaded module message with its functions' code, built
// once after verification and shared read-only by the VMs that load it.
struct ModuleCode {
  std::shared_ptr<const eta::module::Module> message;
  std::vector<FunctionCode> functions;
  // Each export's global (by index): the last of that name, or -1 when the
  // code never refers to it.
  std::vector<int> export_globals;
  // The global cells the module imports from the frozen base VM `base`
  // (builtins, prelude), by global index (null for the others): they are
  // the same in every VM made from that base.
  const VM* base = nullptr;
  std::vector<Global*> base_cells;
};

// Function is one verified compiled procedure of one VM: its code (shared,
// see FunctionCode) linked to the VM's constants and global cells.
struct Function {
  absl::string_view name;  // FunctionCode::name
  uint32_t index = 0;       // in its module
  uint32_t required = 0;    // fixed parameters
  bool rest = false;        // takes a rest list
  uint32_t frame_size = 0;  // parameters + locals
  uint32_t max_stack = 0;   // operand stack depth
  absl::Span<const uint32_t> code;
  absl::Span<const Capture> captures;
  absl::Span<const SourcePoint> source_map;
  LoadedModule* module = nullptr;
  // The module's constants and globals, cached for the interpreter.
  const Value* constants = nullptr;
  Global* const* globals = nullptr;
  // Derived by Finish() for the interpreter's call fast path: the argument
  // count it accepts (none when there is a rest list) and the stack slots a
  // frame needs.
  uint32_t fast_argc = UINT32_MAX;
  uint32_t stack_need = 0;

  void Finish() {
    fast_argc = rest ? UINT32_MAX : required;
    stack_need = frame_size + max_stack + 8;
  }

  // LocationAt renders "file:line:col" for the instruction at `pc`.
  std::string LocationAt(uint32_t pc) const;
};

// LoadedModule is a linked module: constants, global cells and functions.
// Function 0 is the module body.
struct LoadedModule {
  std::string name;
  std::string source_file;
  bool library = false;  // one of the standard library's modules
  bool script = false;   // a script's implicit module: main is not called
  std::vector<Value> constants;       // Undefined until made
  std::vector<Global*> globals;       // indexed by the code's global operands
  // Its own cells (imports are the exporters'), made at load: reserved
  // once, so they never move.
  std::vector<Global> cells;
  // The builtins' names in the order they were added (%builtins only: a
  // loaded module's imports and exports are in code->message).
  std::vector<std::string> exports;
  absl::flat_hash_map<std::string, Global*> export_cells;  // name -> cell
  // Its functions by index, each linked when first used (function(i));
  // `code` has them all.
  std::vector<std::unique_ptr<Function>> functions;
  // Linking makes the constants the function pushes (when the module's
  // message is kept, each constant is made when a function first needs
  // it): null when the heap is full.
  Function* function(uint32_t index) {
    Function* f = functions[index].get();
    return f != nullptr ? f : LinkFunction(index);
  }
  Function* LinkFunction(uint32_t index);  // vm/loader.cc
  VM* vm = nullptr;  // the VM it is loaded in
  bool body_run = false;
  // Its functions' code and the module as loaded, kept so that
  // spawn-thread can load it in another VM (shared with it: neither changes
  // once loaded). The message is null for %builtins, %prelude and the
  // shared namespaces of the REPL and eval.
  std::shared_ptr<const ModuleCode> code;
};

}  // namespace eta::vm

#endif  // ETA_VM_FUNCTION_H_
