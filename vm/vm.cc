#include "vm/vm.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "vm/allocate.h"
#include "vm/opcodes.h"
#include "vm/printer.h"
#include "vm/utf8.h"

namespace eta::vm {
namespace {
// Abseil here has its own string_view type; convert at the boundary.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

VM::VM(VMOptions options) : VM(std::move(options), nullptr) {}

VM::VM(VMOptions options, std::shared_ptr<const VM> base)
    : options_(std::move(options)), heap_(options_.heap), base_(std::move(base)) {
  heap_.SetRootTracer([this](Tracer& tracer) { TraceRoots(tracer); });
  heap_.SetWeakSweeper([this] { symbols_.DropUnmarked(); });
  // A VM made from a base starts small: an actor's grows as it needs.
  stack_.resize(base_ != nullptr ? 64 : 1 << 10);
  frames_.reserve(base_ != nullptr ? 8 : 256);
  frame_limit_ = options_.max_frames;
  output_port_ = Value::FromObject(
      heap_.New<Port>(Port::Direction::kOutput, 1, "stdout"));
  error_port_ = Value::FromObject(
      heap_.New<Port>(Port::Direction::kOutput, 2, "stderr"));
  input_port_ = Value::FromObject(
      heap_.New<Port>(Port::Direction::kInput, 0, "stdin"));
  if (base_ != nullptr) {
    symbols_.set_base(&base_->symbols_);
    builtins_ = base_->builtins_;
    invoke_handler_ = base_->invoke_handler_;
  }
  out_of_memory_ = MakeError("out-of-memory", "out of memory: heap limit reached",
                             Value::Nil());
  if (base_ != nullptr) return;
  auto builtins = std::make_unique<LoadedModule>();
  builtins->name = "%builtins";
  builtins->body_run = true;
  // Room for every builtin of the tools, so registering them never rehashes.
  builtins->globals.reserve(512);
  builtins->exports.reserve(512);
  builtins->export_cells.reserve(512);
  builtins_ = builtins.get();
  modules_by_name_[builtins->name] = builtins.get();
  modules_.push_back(std::move(builtins));
}

VM::~VM() {
  FlushOutput();
  extension_.reset();  // before the heap it may refer to
}

void VM::Freeze() {
  FlushOutput();
  // The VMs made from this one share its modules: every function is linked
  // now, as none may be linked later.
  for (auto& m : modules_) {
    for (uint32_t i = 0; i < m->functions.size(); ++i) m->function(i);
  }
  heap_.Freeze();
}

void VM::ReleaseForExit() {
  FlushOutput();
  extension_.reset();
  heap_.ReleaseResources();
}

void VM::TraceRoots(Tracer& tracer) {
  for (size_t i = 0; i < sp_; ++i) tracer.Mark(stack_[i]);
  for (const Frame& f : frames_) {
    if (f.closure) tracer.MarkObject(f.closure);
  }
  for (const auto& g : globals_) tracer.Mark(g->value);
  for (const auto& module : modules_) {
    for (const Global& g : module->cells) tracer.Mark(g.value);
    for (Value v : module->constants) tracer.Mark(v);
  }
  tracer.Mark(handlers_);
  tracer.Mark(winders_);
  tracer.Mark(pending_raise_);
  tracer.Mark(uncaught_);
  tracer.Mark(result_);
  tracer.Mark(output_port_);
  tracer.Mark(error_port_);
  tracer.Mark(input_port_);
  tracer.Mark(out_of_memory_);
  if (extension_) extension_->Trace(tracer);
  for (Value v : extra_roots_) tracer.Mark(v);
}

void VM::GrowStack(size_t needed) {
  size_t size = stack_.size();
  while (size < needed) size *= 2;
  // Doubling stops at the stack's budget (StackRoomFor refuses calls
  // beyond it).
  size = std::max(needed, std::min(size, StackBudget() / sizeof(Value)));
  stack_.resize(size);
  heap_.set_stack_bytes(size * sizeof(Value));
}

size_t VM::StackBudget() const {
  const size_t limit = heap_.max_bytes();
  const size_t kept = heap_.used_bytes() + limit / 8;  // and an eighth free
  size_t budget = limit > kept ? limit - kept : 0;
  // While a stack-overflow is handled, its handlers may go deeper.
  if (frame_limit_ > options_.max_frames) budget += kStackBytesHeadroom;
  return budget;
}

bool VM::StackRoomFor(size_t needed) const {
  return needed * sizeof(Value) + frames_.size() * sizeof(Frame) <= StackBudget();
}

// ---- Building values ----

Value VM::Cons(Value car, Value cdr) {
  return OrOutOfMemory(NewPair(heap_, car, cdr));
}

Value VM::MakeString(std::u32string chars) {
  return OrOutOfMemory(NewString(heap_, std::move(chars)));
}

bool VM::CheckMutable(std::string_view procedure, int position, std::string_view kind, Value v) {
  if (!v.IsObject() || !v.AsObject()->shared()) return true;
  RaiseTypeError(procedure, position, absl::StrCat("a mutable ", AsAbsl(kind)), v);
  return false;
}

Value VM::MakeStringFromUtf8(std::string_view utf8) {
  std::u32string chars;
  if (std::all_of(utf8.begin(), utf8.end(), [](char c) { return (c & 0x80) == 0; })) {
    chars.assign(utf8.begin(), utf8.end());  // ASCII: one character per byte
  } else if (!DecodeUtf8(utf8, &chars)) {
    return RaiseError("type-error", "invalid UTF-8 in string");
  }
  return MakeString(std::move(chars));
}

Value VM::Intern(std::string_view name) {
  Symbol* s = symbols_.Intern(heap_, name);
  return s ? Value::FromObject(s) : RaiseOutOfMemory();
}

Value VM::MakeVector(std::vector<Value> items) {
  return OrOutOfMemory(NewVector(heap_, std::move(items)));
}

Value VM::MakeBytevector(std::vector<uint8_t> bytes) {
  return OrOutOfMemory(NewBytevector(heap_, std::move(bytes)));
}

Value VM::MakeFlonumOrFixnum(double d) { return Value::Flonum(d); }

Value VM::MakeList(absl::Span<const Value> items) {
  // The items may not be rooted: root them while consing.
  size_t mark = extra_roots_.size();
  extra_roots_.insert(extra_roots_.end(), items.begin(), items.end());
  Rooted list(heap_, Value::Nil());
  for (size_t i = items.size(); i > 0; --i) {
    Value cell = Cons(extra_roots_[mark + i - 1], list);
    if (cell.IsRaise()) {
      extra_roots_.resize(mark);
      return cell;
    }
    list = cell;
  }
  extra_roots_.resize(mark);
  return list;
}

Value VM::MakeError(std::string_view kind, std::string message,
                    Value irritants) {
  Rooted irritants_root(heap_, irritants);
  Rooted kind_symbol(heap_, Intern(kind));
  Rooted message_string(heap_, MakeStringFromUtf8(message));
  if (kind_symbol.get().IsRaise() || message_string.get().IsRaise()) {
    return out_of_memory_;
  }
  ErrorObject* e = heap_.New<ErrorObject>();
  if (!e) return out_of_memory_;
  e->kind = kind_symbol;
  e->message = message_string;
  e->irritants = irritants_root;
  e->payload = Value::Undefined();
  if (!frames_.empty()) {
    e->location = CurrentLocation();
    e->trace = StackTrace();
  }
  return Value::FromObject(e);
}

Value VM::MakeTaggedRaise(Value kind, Value payload) {
  Rooted kind_root(heap_, kind);
  Rooted payload_root(heap_, payload);
  std::string kind_name = IsSymbol(kind) ? As<Symbol>(kind)->name
                                         : ValueToString(kind, false);
  Value error = MakeError(kind_name, "raised", Value::Nil());
  if (IsType(error, ObjectType::kError) && error.bits() != out_of_memory_.bits()) {
    As<ErrorObject>(error)->payload = payload_root;
  }
  return error;
}

// ---- Raising ----

Value VM::Raise(Value object) {
  pending_raise_ = object;
  return Value::RaiseMarker();
}

Value VM::RaiseError(std::string_view kind, std::string message,
                     Value irritants) {
  return Raise(MakeError(kind, std::move(message), irritants));
}

Value VM::RaiseTypeError(std::string_view procedure, int position,
                         std::string_view expected, Value got) {
  return RaiseError("type-error",
                    absl::StrCat(AsAbsl(procedure), ": argument ", position,
                                 " must be ", AsAbsl(expected), ", got ",
                                 ValueToShortString(got, true)));
}

bool VM::OsStringArgument(std::string_view procedure, int position, Value v,
                          std::string* out) {
  if (!IsString(v)) {
    RaiseTypeError(procedure, position, "a string", v);
    return false;
  }
  const std::u32string& chars = As<String>(v)->chars;
  if (chars.find(U'\0') != std::u32string::npos) {
    RaiseTypeError(procedure, position, "a string without NUL characters", v);
    return false;
  }
  *out = EncodeUtf8(chars);
  return true;
}

Value VM::RaiseRangeError(std::string_view procedure, int position,
                          std::string_view detail, Value got) {
  return RaiseError("range-error",
                    absl::StrCat(AsAbsl(procedure), ": argument ", position,
                                 " out of range: ", AsAbsl(detail)));
}

Value VM::RaiseOutOfMemory() {
  heap_.clear_over_limit();
  heap_.GrantHeadroom();
  return Raise(out_of_memory_);
}

Value VM::OutOfMemoryValue() { return RaiseOutOfMemory(); }

Value VM::RaiseArity(Value callee, uint32_t argc) {
  std::string name;
  std::string expected;
  if (IsType(callee, ObjectType::kPrimitive)) {
    Primitive* p = As<Primitive>(callee);
    name = p->name;
    if (p->max_args == p->min_args) {
      expected = absl::StrCat(p->min_args);
    } else if (p->max_args < 0) {
      expected = absl::StrCat("at least ", p->min_args);
    } else {
      expected = absl::StrCat(p->min_args, " to ", p->max_args);
    }
  } else {
    const Function* f = As<Closure>(callee)->function;
    name = std::string(f->name);
    expected = f->rest ? absl::StrCat("at least ", f->required)
                       : absl::StrCat(f->required);
  }
  return RaiseError(
      "arity-error",
      absl::StrCat(name, ": expected ", expected, " argument",
                   expected == "1" ? "" : "s", ", got ", argc));
}

Value VM::UsedBeforeDefinition() {
  return RaiseError("unbound-variable", "variable used before its definition");
}

Value VM::NotABox() {
  return RaiseError("internal-error", "malformed code: box instruction on a non-box");
}

Value VM::UnboundGlobal(Global* global) {
  return RaiseError("unbound-variable",
                    absl::StrCat(global->name, ": unbound variable (used before its "
                                       "definition ran)"));
}

Value VM::StackOverflowValue() {
  frame_limit_ = options_.max_frames + kStackOverflowHeadroom;
  return RaiseError("stack-overflow",
                    absl::StrCat("stack overflow: more than ",
                                 options_.max_frames, " nested calls"));
}

Value VM::StackBytesOverflowValue() {
  // The handlers run above the deepest frame: the same headroom as for too
  // many frames (until the stack is back under the limit).
  frame_limit_ = std::max(frame_limit_, options_.max_frames + kStackOverflowHeadroom);
  return RaiseError("stack-overflow",
                    absl::StrCat("stack overflow: the stack would take more than its ",
                                 StackBudget(), " bytes"));
}

Value VM::PackValues(const Value* values, uint32_t count) {
  std::vector<Value> items(values, values + count);
  MultipleValues* m = heap_.New<MultipleValues>(std::move(items));
  return m ? Value::FromObject(m) : RaiseOutOfMemory();
}

void VM::RecordUncaught(Value raised) {
  uncaught_ = raised;
  if (IsType(raised, ObjectType::kError)) {
    uncaught_location_ = As<ErrorObject>(raised)->location;
    uncaught_trace_ = As<ErrorObject>(raised)->trace;
  } else {
    uncaught_location_ = frames_.empty() ? "" : CurrentLocation();
    uncaught_trace_ = StackTrace();
  }
}

std::string VM::DescribeUncaught() const {
  std::string out;
  if (IsType(uncaught_, ObjectType::kError)) {
    absl::StrAppend(&out, "error: ", ValueToString(uncaught_, false), "\n");
  } else {
    absl::StrAppend(&out, "error: uncaught exception: ",
                    ValueToString(uncaught_, true), "\n");
  }
  if (!uncaught_location_.empty()) {
    absl::StrAppend(&out, "  at ", uncaught_location_, "\n");
  }
  if (!uncaught_trace_.empty()) {
    absl::StrAppend(&out, "stack trace (innermost first):\n");
    for (const std::string& line : uncaught_trace_) {
      absl::StrAppend(&out, "  in ", line, "\n");
    }
  }
  return out;
}

// ---- Locations ----

std::string Function::LocationAt(uint32_t pc) const {
  const SourcePoint* best = nullptr;
  for (const SourcePoint& p : source_map) {
    if (p.pc > pc) break;
    best = &p;
  }
  const std::string& file = module ? module->source_file : std::string();
  if (!best) return file.empty() ? std::string("?") : file;
  return absl::StrCat(file, ":", best->line, ":", best->column);
}

namespace {
uint32_t PcOffset(const Frame& frame) {
  const Function* f = frame.closure->function;
  size_t offset = static_cast<size_t>(frame.pc - f->code.data());
  return offset == 0 ? 0 : static_cast<uint32_t>(offset - 1);
}
}  // namespace

std::string VM::CurrentLocation() const {
  // The innermost frame with source positions (generated code has none).
  for (size_t i = frames_.size(); i > 0; --i) {
    const Frame& f = frames_[i - 1];
    if (!f.closure->function->source_map.empty()) {
      return f.closure->function->LocationAt(PcOffset(f));
    }
  }
  return "";
}

std::string VM::CurrentSourceFile() const {
  for (size_t i = frames_.size(); i > 0; --i) {
    const Function* f = frames_[i - 1].closure->function;
    if (!f->source_map.empty() && f->module != nullptr && !f->module->library) {
      return f->module->source_file;
    }
  }
  return "";
}

std::vector<std::string> VM::StackTrace(size_t max_frames) const {
  std::vector<std::string> lines;
  size_t shown = 0;
  for (size_t i = frames_.size(); i > 0; --i) {
    const Frame& f = frames_[i - 1];
    if (shown == max_frames) {
      lines.push_back(absl::StrCat("... ", i, " more frames"));
      break;
    }
    const Function* fn = f.closure->function;
    // The entry trampoline, the prelude and generated procedures have no
    // positions; the frames of the user's code tell the story.
    if (fn == &trampoline_ || fn->source_map.empty()) continue;
    lines.push_back(absl::StrCat(fn->name, " at ", fn->LocationAt(PcOffset(f))));
    ++shown;
  }
  return lines;
}

// ---- Output ----

void VM::FlushOutput() {
  if (IsPort(output_port_)) As<Port>(output_port_)->Flush();
  if (IsPort(error_port_)) As<Port>(error_port_)->Flush();
}

// ---- Builtins and calls ----

Global* VM::NewGlobal(std::string_view name, LoadedModule* owner) {
  globals_.push_back(std::make_unique<Global>(Global{Value::Undefined(), std::string(name), owner}));
  return globals_.back().get();
}

void VM::AddPrimitives(absl::Span<const PrimitiveSpec> table) {
  if (base_ != nullptr) return;  // the base's are shared, and frozen
  for (const PrimitiveSpec& spec : table) {
    Global* g = NewGlobal(spec.name, builtins_);
    Primitive* p = heap_.New<Primitive>(spec.name, spec.min_args,
                                        spec.max_args, spec.function,
                                        spec.special);
    g->value = Value::FromObject(p);
    builtins_->globals.push_back(g);
    builtins_->exports.push_back(spec.name);
    builtins_->export_cells[spec.name] = g;
  }
}

std::vector<std::string> VM::BuiltinNames() const { return builtins_->exports; }

bool VM::IsModuleLoaded(std::string_view name) const {
  return modules_by_name_.contains(AsAbsl(name)) ||
         (base_ != nullptr && base_->IsModuleLoaded(name));
}

LoadedModule* VM::FindModule(std::string_view name) {
  auto it = modules_by_name_.find(AsAbsl(name));
  if (it != modules_by_name_.end()) return it->second;
  if (base_ == nullptr) return nullptr;
  // The base's modules are shared read-only (nothing links into them).
  auto shared = base_->modules_by_name_.find(AsAbsl(name));
  return shared == base_->modules_by_name_.end() ? nullptr : shared->second;
}

const LoadedModule* VM::FindModuleOfBase(std::string_view name) const {
  auto it = modules_by_name_.find(AsAbsl(name));
  return it == modules_by_name_.end() ? nullptr : it->second;
}

Global* VM::FindGlobal(std::string_view module, std::string_view name) {
  LoadedModule* m = FindModule(module);
  if (!m) return nullptr;
  auto it = m->export_cells.find(AsAbsl(name));
  if (it != m->export_cells.end()) return it->second;
  for (Global* g : m->globals) {
    if (g->owner == m && g->name == name) return g;
  }
  return nullptr;
}

absl::StatusOr<size_t> VM::BeginCall(Value procedure, absl::Span<const Value> args) {
  if (!IsType(procedure, ObjectType::kClosure) && !IsType(procedure, ObjectType::kPrimitive)) {
    return absl::InvalidArgumentError("VM::Call: not a procedure");
  }
  if (sp_ + args.size() + 64 > stack_.size()) GrowStack(sp_ + args.size() + 64);
  // Layout: [entry closure][procedure][args...]; the entry closure runs a
  // two-instruction trampoline (CALL argc; RETURN) so the interpreter can
  // call the procedure with its ordinary protocol.
  size_t slot = sp_;
  stack_[sp_++] = Value::Unspecified();
  stack_[sp_++] = procedure;
  for (Value v : args) stack_[sp_++] = v;
  uncaught_ = Value::Undefined();
  ++run_id_;
  uint32_t argc = static_cast<uint32_t>(args.size());
  trampoline_code_[0] = static_cast<uint32_t>(Opcode::kCALL);
  trampoline_code_[1] = argc;
  trampoline_code_[2] = static_cast<uint32_t>(Opcode::kRETURN);
  trampoline_.code = absl::MakeConstSpan(trampoline_code_);
  trampoline_.module = builtins_;
  trampoline_.name = "<entry>";
  trampoline_.max_stack = argc + 1;
  trampoline_.constants = builtins_->constants.data();
  trampoline_.globals = builtins_->globals.data();
  trampoline_.Finish();
  Closure* entry = heap_.NewClosure(&trampoline_, 0);
  if (!entry) {
    sp_ = slot;
    return absl::ResourceExhaustedError("out of memory");
  }
  stack_[slot] = Value::FromObject(entry);
  frames_.push_back(Frame{entry, trampoline_.code.data(), static_cast<uint32_t>(slot + 1), 0});
  return slot;
}

void VM::EndCall(size_t slot, size_t entry_frames) {
  frames_.resize(entry_frames);
  sp_ = slot;
  frame_limit_ = options_.max_frames;
}

absl::StatusOr<Value> VM::Call(Value procedure, absl::Span<const Value> args) {
  size_t entry_frames = frames_.size();
  ETA_ASSIGN_OR_RETURN(size_t slot, BeginCall(procedure, args));
  // A call from C++ runs to its end: its caller waits for the result.
  bool suspendable = std::exchange(suspendable_, false);
  Value result = Execute(entry_frames);
  suspendable_ = suspendable;
  EndCall(slot, entry_frames);
  if (result.IsRaise()) {
    pending_raise_ = Value::Undefined();
    return absl::AbortedError("uncaught error");
  }
  return result;
}

absl::StatusOr<VM::Outcome> VM::Start(Value procedure, absl::Span<const Value> args) {
  if (started_) return absl::FailedPreconditionError("VM::Start: a run is in progress");
  start_frames_ = frames_.size();
  ETA_ASSIGN_OR_RETURN(start_slot_, BeginCall(procedure, args));
  started_ = true;
  result_ = Value::Undefined();
  suspendable_ = true;
  return FinishSlice(Execute(start_frames_));
}

VM::Outcome VM::Resume() {
  suspendable_ = true;
  return FinishSlice(Execute(start_frames_));
}

VM::Outcome VM::FinishSlice(Value r) {
  suspendable_ = false;
  if (r.IsSuspend()) return Outcome::kSuspended;
  started_ = false;
  EndCall(start_slot_, start_frames_);
  if (r.IsRaise()) {
    pending_raise_ = Value::Undefined();
    return Outcome::kFailed;
  }
  result_ = r;
  return Outcome::kReturned;
}

absl::StatusOr<Value> VM::RunModuleBody(std::string_view name) {
  LoadedModule* m = FindModule(name);
  if (!m || m->functions.empty()) {
    return absl::NotFoundError(absl::StrCat("module ", AsAbsl(name), " is not loaded"));
  }
  m->body_run = true;
  Function* f = m->function(0);
  Closure* body = f != nullptr ? heap_.NewClosure(f, 0) : nullptr;
  if (!body) return absl::ResourceExhaustedError("out of memory");
  return Call(Value::FromObject(body), {});
}

absl::Status VM::RunModule(std::string_view name, bool call_main) {
  LoadedModule* m = FindModule(name);
  if (!m) return absl::NotFoundError(absl::StrCat("module ", AsAbsl(name), " is not loaded"));
  if (m->body_run) return absl::OkStatus();
  m->body_run = true;
  Function* f = m->function(0);
  Closure* body = f != nullptr ? heap_.NewClosure(f, 0) : nullptr;
  if (!body) return absl::ResourceExhaustedError("out of memory");
  ETA_ASSIGN_OR_RETURN(Value ignored, Call(Value::FromObject(body), {}));
  (void)ignored;
  if (exit_requested_) return absl::OkStatus();
  if (name == "%prelude") {
    invoke_handler_ = FindGlobal("%prelude", "%invoke-handler");
  }
  if (call_main && !m->script) {
    Global* main = FindGlobal(name, "main");
    if (main && !main->value.IsUndefined()) {
      ETA_ASSIGN_OR_RETURN(Value result, Call(main->value, {}));
      (void)result;
    }
  }
  return absl::OkStatus();
}

}  // namespace eta::vm
