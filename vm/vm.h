// VM: one Eta virtual machine: its heap, symbol table, loaded modules,
// globals, stack and dynamic state. Nothing is global: any number of VMs may
// run at once, one per thread.
#ifndef ETA_VM_VM_H_
#define ETA_VM_VM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "compiler/status_macros.h"
#include "vm/continuation.h"
#include "vm/function.h"
#include "vm/heap.h"
#include "vm/object.h"
#include "vm/port.h"
#include "vm/symbol_table.h"
#include "vm/value.h"

namespace eta::module {
class Module;
}  // namespace eta::module

namespace eta::vm {

// PrimitiveSpec is one row of a builtin table: name, argument count range
// (max -1 for any), implementation, and whether the interpreter handles it.
struct PrimitiveSpec {
  const char* name;
  int min_args;
  int max_args;
  PrimitiveFunction function;
  PrimitiveSpecial special = PrimitiveSpecial::kNone;
};

// VMOptions configures a VM.
struct VMOptions {
  HeapOptions heap;
  // Deepest call nesting before a stack-overflow error is raised.
  size_t max_frames = 10'000'000;
  // Arguments after the script, for (command-line-arguments).
  std::vector<std::string> arguments;
  // The script path, first element of (command-line).
  std::string program_name;
};

// ModuleLoader finds, compiles or loads modules on behalf of the VM; the
// tools supply it (the VM never links the compiler).
class ModuleLoader {
 public:
  virtual ~ModuleLoader() = default;
  // Load makes module `name` (imported from a module in file `from_file`)
  // available in `vm`, loading its own imports first.
  virtual absl::Status Load(VM& vm, const std::string& name,
                            const std::string& from_file) = 0;
};

// Evaluator compiles an expression for `eval`; the tools supply it (the VM
// never links the compiler).
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // CompileForEval returns a procedure of no arguments that evaluates
  // `expression` (a datum) at top level, or an error status.
  virtual absl::StatusOr<Value> CompileForEval(VM& vm, Value expression) = 0;
};

// VMExtension is state another layer keeps for one VM (net/: the mailbox
// and the spawned children). The VM traces it as a root and destroys it
// first when the VM ends, while the heap is still whole.
class VMExtension {
 public:
  virtual ~VMExtension() = default;
  // Trace marks the Values the extension holds.
  virtual void Trace(Tracer& tracer) {}
};

// Preemption is told when a VM has used up its reductions where it cannot
// stop (a C++ caller waits for its result, VM::Call): it lets other actors
// run, then the VM goes on.
class Preemption {
 public:
  virtual ~Preemption() = default;
  virtual void Yield(VM& vm) = 0;
};

class VM {
 public:
  explicit VM(VMOptions options);
  // A VM made from `base` (a frozen VM, see Freeze) shares its builtins,
  // modules, globals, symbols and heap objects instead of making its own:
  // making it costs little more than its heap, ports and stack.
  VM(VMOptions options, std::shared_ptr<const VM> base);
  ~VM();
  // Freeze makes this VM a base for others: its heap objects become shared
  // (never collected, Object::shared) and nothing may change it again: it
  // must not run, load modules or add primitives from now on.
  void Freeze();
  // ReleaseForExit readies the process to end without destroying the VM:
  // output is written, the extension ends (its threads and children), and
  // every resource in the heap is released (sockets close, with their
  // handshakes). The VM must not run again.
  void ReleaseForExit();
  VM(const VM&) = delete;
  VM& operator=(const VM&) = delete;

  Heap& heap() { return heap_; }
  // base is the frozen VM this one was made from, or null.
  const VM* base() const { return base_.get(); }
  SymbolTable& symbols() { return symbols_; }
  const VMOptions& options() const { return options_; }
  // SetCommandLine gives (command-line) and (command-line-arguments) their
  // values, for a VM made before its program was known (a spawn server's).
  void SetCommandLine(std::string program_name, std::vector<std::string> arguments) {
    options_.program_name = std::move(program_name);
    options_.arguments = std::move(arguments);
  }

  // ---- Building values (each may collect: root what you still need) ----
  Value Cons(Value car, Value cdr);
  Value MakeString(std::u32string chars);
  Value MakeStringFromUtf8(std::string_view utf8);
  // Intern returns the symbol named `name`.
  Value Intern(std::string_view name);
  Value MakeVector(std::vector<Value> items);
  Value MakeBytevector(std::vector<uint8_t> bytes);
  Value MakeFlonumOrFixnum(double d);
  // MakeList builds a proper list from `items`.
  Value MakeList(absl::Span<const Value> items);
  // MakeError builds an error object with the current location and trace.
  Value MakeError(std::string_view kind, std::string message, Value irritants);

  // ---- Raising errors from primitives: each returns Value::RaiseMarker() ----
  // Raise raises `object` (any value).
  Value Raise(Value object);
  // RaiseError raises an error object of `kind` with `message` and irritants.
  Value RaiseError(std::string_view kind, std::string message,
                   Value irritants = Value::Nil());
  // RaiseTypeError: "PROC: argument N must be EXPECTED, got VALUE".
  Value RaiseTypeError(std::string_view procedure, int position,
                       std::string_view expected, Value got);
  // RaiseRangeError: "PROC: argument N out of range: DETAIL".
  Value RaiseRangeError(std::string_view procedure, int position,
                        std::string_view detail, Value got);
  Value RaiseOutOfMemory();
  // CheckMutable raises a type-error ("PROC: argument N must be a mutable
  // KIND, got VALUE") and returns false when argument `position` is an
  // object of the frozen base: constants every VM of the process shares
  // (R7RS: literal constants are immutable).
  bool CheckMutable(std::string_view procedure, int position, std::string_view kind, Value v);
  // OsStringArgument reads argument `position` (`v`), a string the
  // operating system or a peer reads as a C string (a path, URL, name): as
  // UTF-8 in `out`, or false after raising a type-error when it is not a
  // string or holds a NUL character, which would cut it short or, in a
  // NUL-separated request, smuggle in more arguments.
  bool OsStringArgument(std::string_view procedure, int position, Value v, std::string* out);
  // OrOutOfMemory passes `v` on, raising out-of-memory if it is the raise
  // marker of a failed allocation (see allocate.h).
  Value OrOutOfMemory(Value v) { return v.IsRaise() ? RaiseOutOfMemory() : v; }

  // ---- Ports ----
  Value current_output_port() const { return output_port_; }
  Value current_error_port() const { return error_port_; }
  Value current_input_port() const { return input_port_; }
  void set_current_output_port(Value port) { output_port_ = port; }
  // FlushOutput flushes the standard output and error ports.
  void FlushOutput();

  // ---- Modules and globals ----
  // AddPrimitives registers a builtin table in the builtin module.
  void AddPrimitives(absl::Span<const PrimitiveSpec> table);
  // LoadModule verifies and links a compiled module (its imports must be
  // loaded already) without running its body.
  absl::Status LoadModule(const std::string& serialized_module);
  // LoadModuleMessage verifies and links an already parsed module. With a
  // `shared_namespace`, the module's own definitions live in that namespace
  // (a module of that name, made on first use) instead of the module: the
  // REPL compiles each input as a module sharing one namespace.
  // `verify` may be kAlreadyVerified only for a message verified before:
  // by some VM (spawn-thread loads its parent's modules so), or by the
  // tests of the binary it is embedded in (the prelude, tools/runtime.cc).
  enum class Verify { kVerify, kAlreadyVerified };
  absl::Status LoadModuleMessage(const eta::module::Module& message,
                                 std::string_view shared_namespace = {},
                                 Verify verify = Verify::kVerify);
  // This one keeps `message` itself rather than a copy (spawn-thread loads
  // the parent's modules so).
  absl::Status LoadModuleMessage(std::shared_ptr<const eta::module::Module> message,
                                 Verify verify);
  // LoadModuleCode loads a module that another VM of the process loaded
  // (verified there), sharing its functions' code: spawn-thread loads its
  // parent's modules so.
  absl::Status LoadModuleCode(std::shared_ptr<const ModuleCode> code);
  // RunModuleBody runs a loaded module's body and returns its value (the
  // REPL's result); an uncaught error is reported as by Call.
  absl::StatusOr<Value> RunModuleBody(std::string_view name);
  // IsModuleLoaded tells whether a module of that name is linked.
  bool IsModuleLoaded(std::string_view name) const;
  // RunModule runs the body of a loaded module (once), then its `main` if
  // `call_main` and the module is not a script's. An uncaught error leaves the error in uncaught_error().
  absl::Status RunModule(std::string_view name, bool call_main);
  // FindModule returns a loaded module, or nullptr.
  LoadedModule* FindModule(std::string_view name);
  // modules lists the loaded modules in load order (imports first).
  const std::vector<std::unique_ptr<LoadedModule>>& modules() const { return modules_; }
  // FindGlobal returns the cell of a module's definition, or nullptr.
  Global* FindGlobal(std::string_view module, std::string_view name);
  // BuiltinNames lists every name of the builtin module.
  std::vector<std::string> BuiltinNames() const;
  void set_module_loader(ModuleLoader* loader) { loader_ = loader; }
  void set_evaluator(Evaluator* evaluator) { evaluator_ = evaluator; }
  ModuleLoader* module_loader() { return loader_; }

  // ---- Calling ----
  // Call applies `procedure` to `args` from C++ (not from a primitive) and
  // runs until it returns. On an uncaught raise it returns an error status
  // and uncaught_error() holds the raised value.
  absl::StatusOr<Value> Call(Value procedure, absl::Span<const Value> args);
  // ---- Running in slices (net/'s scheduler) ----
  // A VM started with Start runs until its procedure returns, or stops
  // between two instructions: when a primitive waits (it returns
  // SuspendMarker, allowed while CanSuspend) or when it has used up
  // kReductionBudget reductions (calls and backward jumps, as Erlang counts
  // them). Resume goes on from there; a primitive that waited is called
  // again with the same arguments. Only Start's own run can stop: a Call
  // from C++ inside it runs to its end (its waits block, its preemptions
  // call the Preemption).
  static constexpr int32_t kReductionBudget = 4000;
  enum class Outcome { kReturned, kSuspended, kFailed };
  // kFailed: an uncaught raise (uncaught_error()); an error status only
  // when the call could not start (not a procedure, out of memory).
  absl::StatusOr<Outcome> Start(Value procedure, absl::Span<const Value> args);
  Outcome Resume();
  // result is the value of a Start that returned (kReturned).
  Value result() const { return result_; }
  bool CanSuspend() const { return suspendable_; }
  void set_preemption(Preemption* p) { preemption_ = p; }
  // The reductions left in the current slice.
  int32_t reductions() const { return reductions_; }

  // uncaught_error is the value of the last uncaught raise, or Undefined.
  Value uncaught_error() const { return uncaught_; }
  // DescribeUncaught renders the uncaught error report (kind, message,
  // location, stack trace) as printed to stderr.
  std::string DescribeUncaught() const;
  // exit_requested is set by (exit); exit_status says with which status.
  bool exit_requested() const { return exit_requested_; }
  int exit_status() const { return exit_status_; }
  void RequestExit(int status) {
    exit_requested_ = true;
    exit_status_ = status;
  }

  // ---- Dynamic state used by the prelude ----
  Value handlers() const { return handlers_; }
  void set_handlers(Value v) { handlers_ = v; }
  Value winders() const { return winders_; }
  void set_winders(Value v) { winders_ = v; }
  // NextGensym returns a fresh counter value for gensym.
  uint64_t NextGensym() { return ++gensym_counter_; }

  // CurrentSourceFile is the source file of the innermost Eta frame with
  // source positions outside the standard library, or "".
  std::string CurrentSourceFile() const;
  // The extension slot (see VMExtension).
  VMExtension* extension() { return extension_.get(); }
  void set_extension(std::unique_ptr<VMExtension> e) { extension_ = std::move(e); }

  // CurrentLocation is "file:line:col" of the innermost Eta frame's pc.
  std::string CurrentLocation() const;
  // StackTrace lists frames innermost first as "name at file:line:col".
  std::vector<std::string> StackTrace(size_t max_frames = 64) const;

 private:
  // FindModuleOfBase finds a module of this (frozen) VM's own, by name.
  const LoadedModule* FindModuleOfBase(std::string_view name) const;
  // What the public loaders share: `keep`, when not null, is `m` itself,
  // kept; `code`, when not null, is `m`'s code as another VM loaded it.
  absl::Status LoadModuleMessage(const eta::module::Module& m, std::string_view shared_namespace,
                                 Verify verify, std::shared_ptr<const eta::module::Module> keep,
                                 std::shared_ptr<const ModuleCode> code);
  // MakeConstants makes the constants `wanted` of `module` (loaded from
  // `m`) not made yet, with the earlier ones they are made of; false when
  // the heap is full (or, for a message never verified, a string is not
  // UTF-8).
  friend struct LoadedModule;  // links its functions with MakeConstants
  bool MakeConstants(const eta::module::Module& m, LoadedModule& module,
                     absl::Span<const uint32_t> wanted);
  static constexpr size_t kStackOverflowHeadroom = 10000;
  // What the stack may take past the limit once a stack-overflow is raised,
  // for its handlers.
  static constexpr size_t kStackBytesHeadroom = size_t{16} << 20;

  void TraceRoots(Tracer& tracer);
  // Execute runs the frames above `entry_frames` (interpreter.cc). It
  // returns SuspendMarker when the run stopped early (Start).
  Value Execute(size_t entry_frames);
  // BeginCall lays out a call of `procedure` (as Call and Start do) and
  // returns the stack slot it starts at; EndCall clears it after the run.
  absl::StatusOr<size_t> BeginCall(Value procedure, absl::Span<const Value> args);
  void EndCall(size_t slot, size_t entry_frames);
  // FinishSlice ends a Start or Resume slice that Execute left with `r`.
  Outcome FinishSlice(Value r);
  Global* NewGlobal(std::string_view name, LoadedModule* owner);
  void GrowStack(size_t needed);
  // StackRoomFor tells whether the stack may hold `needed` slots: its bytes
  // (values and frames) stay within StackBudget.
  bool StackRoomFor(size_t needed) const;
  // StackBudget is what the stack may take: the heap's limit less what the
  // heap holds and an eighth of the limit, kept for the error and its
  // handlers.
  size_t StackBudget() const;
  // The following raise (set pending_raise_) and return the raise marker.
  Value RaiseArity(Value callee, uint32_t argc);
  Value UsedBeforeDefinition();
  Value NotABox();
  Value UnboundGlobal(Global* global);
  Value OutOfMemoryValue();
  Value StackOverflowValue();
  Value StackBytesOverflowValue();
  // PackValues makes a multiple-values object of `count` values.
  Value PackValues(const Value* values, uint32_t count);
  // MakeTaggedRaise builds the object of (raise 'kind payload).
  Value MakeTaggedRaise(Value kind, Value payload);
  void RecordUncaught(Value raised);

  VMOptions options_;
  Heap heap_;
  SymbolTable symbols_;
  // Cells of no loaded module's own (LoadedModule::cells): the builtins'
  // and those the REPL and eval define in a shared namespace.
  std::vector<std::unique_ptr<Global>> globals_;
  std::vector<std::unique_ptr<LoadedModule>> modules_;
  absl::flat_hash_map<std::string, LoadedModule*> modules_by_name_;
  LoadedModule* builtins_ = nullptr;
  ModuleLoader* loader_ = nullptr;
  Evaluator* evaluator_ = nullptr;

  // Interpreter state.
  std::vector<Value> stack_;
  size_t sp_ = 0;  // stack_[0, sp_) is live
  std::vector<Frame> frames_;
  uint64_t next_escape_id_ = 0;
  uint64_t pending_escape_id_ = 0;
  size_t frame_limit_ = 0;
  Global* invoke_handler_ = nullptr;  // the prelude's %invoke-handler
  Value out_of_memory_ = Value::Undefined();
  std::string uncaught_location_;
  std::vector<std::string> uncaught_trace_;
  uint64_t run_id_ = 0;
  Value handlers_ = Value::Nil();
  Value winders_ = Value::Nil();
  Value pending_raise_ = Value::Undefined();
  bool pending_continuable_ = false;
  Value uncaught_ = Value::Undefined();
  Value output_port_, error_port_, input_port_;
  bool exit_requested_ = false;
  int exit_status_ = 0;
  uint64_t gensym_counter_ = 0;
  std::vector<Value> extra_roots_;
  Function trampoline_;  // entry code used by Call
  uint32_t trampoline_code_[3] = {};
  // Slices: a Start's slot and frames, while it runs or is suspended; a
  // primitive call to make again on Resume (the callee's stack slot, its
  // argument count, whether it was a tail call).
  bool suspendable_ = false;
  bool started_ = false;
  size_t start_slot_ = 0;
  size_t start_frames_ = 0;
  bool resume_call_ = false;
  size_t resume_slot_ = 0;
  uint32_t resume_argc_ = 0;
  bool resume_tail_ = false;
  int32_t reductions_ = kReductionBudget;
  Preemption* preemption_ = nullptr;
  Value result_ = Value::Undefined();
  std::unique_ptr<VMExtension> extension_;
  std::shared_ptr<const VM> base_;  // shared, read-only (see Freeze)
};

}  // namespace eta::vm

#endif  // ETA_VM_VM_H_
