// Tests of the loader and verifier: every malformed module is rejected with
// a clear error (never a crash), and random or truncated bytes and random
// code mutations never crash the VM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "compiler/compiler.h"
#include "compiler/expander.h"
#include "compiler/reader.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "vm/builtins_all.h"
#include "vm/module.pb.h"
#include "vm/opcodes.h"
#include "vm/vm.h"

namespace eta::vm {
namespace {

using eta::module::Module;

// Contains checks that `text` contains `fragment`, showing both if not.
::testing::AssertionResult Contains(const std::string& text, const std::string& fragment) {
  if (text.find(fragment) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \""
                                       << fragment << "\"";
}

uint32_t Op(Opcode op) { return static_cast<uint32_t>(op); }

// NewVM returns a VM with every primitive registered (no prelude).
std::unique_ptr<VM> NewVM() {
  VMOptions options;
  options.heap.max_bytes = size_t{256} << 20;
  auto vm = std::make_unique<VM>(options);
  AddAllPrimitives(*vm);
  return vm;
}

// MinimalModule is a valid module whose body returns unspecified.
Module MinimalModule(const std::string& name = "m") {
  Module m;
  m.set_format_version(kFormatVersion);
  m.set_name(name);
  m.set_source_file("m.eta");
  auto* body = m.add_functions();
  body->set_name("body");
  body->set_max_stack(1);
  body->add_code(Op(Opcode::kUNSPECIFIED));
  body->add_code(Op(Opcode::kRETURN));
  return m;
}

void SetCode(Module& m, int function, std::vector<uint32_t> code,
             uint32_t max_stack = 4, uint32_t frame_size = 0) {
  auto* f = m.mutable_functions(function);
  f->clear_code();
  for (uint32_t word : code) f->add_code(word);
  f->set_max_stack(max_stack);
  f->set_frame_size(frame_size);
}

// ExpectRejected loads `m` in a fresh VM and expects an error whose message
// contains `fragment`, leaving no module behind.
void ExpectRejected(const Module& m, const std::string& fragment) {
  auto vm = NewVM();
  absl::Status status = vm->LoadModuleMessage(m);
  ASSERT_FALSE(status.ok()) << "accepted a module that should fail with: " << fragment;
  EXPECT_TRUE(Contains(std::string(status.message()), fragment));
  EXPECT_FALSE(vm->IsModuleLoaded(m.name())) << status;
}

// The builtin map a compiler needs: every primitive of a VM.
const compiler::BuiltinModules& PrimitiveMap() {
  static const auto* map = [] {
    auto* result = new compiler::BuiltinModules;
    auto vm = NewVM();
    static const auto* names = new std::vector<std::string>(vm->BuiltinNames());
    for (const std::string& name : *names) (*result)[name] = "%builtins";
    return result;
  }();
  return *map;
}

class NoImports : public compiler::ModuleResolver {
 public:
  absl::StatusOr<compiler::ModuleInterface> Resolve(
      const std::string& name, const compiler::SourceLocation& at) override {
    return absl::NotFoundError("no imports in this test: " + name);
  }
};

// Compile compiles a script that uses only primitives.
Module Compile(const std::string& text, const std::string& name = "%main") {
  auto forms = compiler::ReadAll(text, "test.eta");
  EXPECT_TRUE(forms.ok()) << forms.status();
  if (!forms.ok()) return Module();
  auto sources = compiler::SplitProgram(*forms, "test.eta", name);
  EXPECT_TRUE(sources.ok()) << sources.status();
  if (!sources.ok() || sources->size() != 1) return Module();
  NoImports resolver;
  compiler::CompileOptions options;
  options.builtins = &PrimitiveMap();
  auto m = compiler::CompileModule((*sources)[0], resolver, options);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : Module();
}

// A program using closures, boxes, loops, constants of every kind, vectors
// and strings, but no output: mutated versions of it are run.
constexpr char kSampleProgram[] = R"eta(
(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
(define (build i acc) (if (< i 50) (build (+ i 1) (cons i acc)) acc))
(define counter 0)
(define (bump!) (set! counter (+ counter 1)) counter)
(define (make-adder k) (lambda (x) (+ x k)))
(define (make-cell v) (lambda (new) (let ((old v)) (set! v new) old)))
(define v (make-vector 10 0))
(vector-set! v 3 (fact 10))
(define items (build 0 '()))
(define r ((make-adder 5) (car items)))
(define c (make-cell 1))
(c 2)
(define q '(1 (2 . 3) #(4 5) "six" #\7 8.5 sym #u8(1 2) #t ()))
(define s (string-append "ab" (symbol->string 'cd)))
(letrec ((even? (lambda (n) (if (zero? n) #t (odd? (- n 1)))))
         (odd? (lambda (n) (if (zero? n) #f (even? (- n 1))))))
  (even? 10))
(define (sum-list l) (if (null? l) 0 (+ (car l) (sum-list (cdr l)))))
(define total (sum-list items))
(bump!)
(bump!)
)eta";

// ---- Module-level checks ----

TEST(LoaderTest, MinimalModuleLoadsAndRuns) {
  auto vm = NewVM();
  ASSERT_TRUE(vm->LoadModuleMessage(MinimalModule()).ok());
  EXPECT_TRUE(vm->IsModuleLoaded("m"));
  EXPECT_TRUE(vm->RunModule("m", false).ok());
}

TEST(LoaderTest, CompiledSampleLoadsAndRuns) {
  auto vm = NewVM();
  Module m = Compile(kSampleProgram);
  ASSERT_TRUE(vm->LoadModuleMessage(m).ok());
  ASSERT_TRUE(vm->RunModule("%main", false).ok()) << vm->DescribeUncaught();
  Global* total = vm->FindGlobal("%main", "total");
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->value.AsFixnum(), 49 * 50 / 2);
  Global* counter = vm->FindGlobal("%main", "counter");
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(counter->value.AsFixnum(), 2);
}

TEST(LoaderTest, RejectsWrongFormatVersion) {
  Module m = MinimalModule();
  m.set_format_version(kFormatVersion + 1);
  ExpectRejected(m, "format version");
  m.set_format_version(0);
  ExpectRejected(m, "format version");
}

TEST(LoaderTest, RejectsEmptyName) {
  Module m = MinimalModule();
  m.set_name("");
  ExpectRejected(m, "no name");
}

TEST(LoaderTest, RejectsModuleWithoutFunctions) {
  Module m = MinimalModule();
  m.clear_functions();
  ExpectRejected(m, "no body");
}

TEST(LoaderTest, RejectsBodyWithArguments) {
  Module m = MinimalModule();
  m.mutable_functions(0)->set_required(1);
  m.mutable_functions(0)->set_frame_size(1);
  ExpectRejected(m, "no arguments");
  m = MinimalModule();
  m.mutable_functions(0)->set_rest(true);
  m.mutable_functions(0)->set_frame_size(1);
  ExpectRejected(m, "no arguments");
}

TEST(LoaderTest, RejectsEmptyCode) {
  Module m = MinimalModule();
  SetCode(m, 0, {});
  ExpectRejected(m, "empty code");
}

TEST(LoaderTest, RejectsFrameSmallerThanParameters) {
  Module m = MinimalModule();
  auto* f = m.add_functions();
  f->set_required(2);
  f->set_frame_size(1);
  f->set_max_stack(1);
  f->add_code(Op(Opcode::kUNSPECIFIED));
  f->add_code(Op(Opcode::kRETURN));
  ExpectRejected(m, "frame smaller than its parameters");
}

TEST(LoaderTest, RejectsHugeFrame) {
  Module m = MinimalModule();
  m.mutable_functions(0)->set_frame_size(0xFFFFFFFFu);
  ExpectRejected(m, "frame too large");
  m = MinimalModule();
  m.mutable_functions(0)->set_max_stack(0xFFFFFFFFu);
  ExpectRejected(m, "frame too large");
}

// ---- Instruction checks ----

TEST(LoaderTest, RejectsUnknownOpcode) {
  Module m = MinimalModule();
  SetCode(m, 0, {static_cast<uint32_t>(kOpcodeCount), Op(Opcode::kUNSPECIFIED),
                 Op(Opcode::kRETURN)});
  ExpectRejected(m, "unknown opcode");
  SetCode(m, 0, {0xFFFFFFFFu, Op(Opcode::kRETURN)});
  ExpectRejected(m, "unknown opcode");
}

TEST(LoaderTest, RejectsTruncatedInstruction) {
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kUNSPECIFIED), Op(Opcode::kRETURN), Op(Opcode::kFIXNUM)});
  ExpectRejected(m, "truncated instruction");
}

TEST(LoaderTest, RejectsLocalIndexOutOfRange) {
  for (Opcode op : {Opcode::kLOCAL_REF, Opcode::kLOCAL_REF_CHECKED, Opcode::kLOCAL_BOX_REF}) {
    Module m = MinimalModule();
    SetCode(m, 0, {Op(op), 2, Op(Opcode::kRETURN)}, 4, 2);
    ExpectRejected(m, "local index out of range");
  }
  for (Opcode op : {Opcode::kLOCAL_SET, Opcode::kLOCAL_BOX_SET}) {
    Module m = MinimalModule();
    SetCode(m, 0, {Op(Opcode::kNIL), Op(op), 1, Op(Opcode::kUNSPECIFIED),
                   Op(Opcode::kRETURN)}, 4, 1);
    ExpectRejected(m, "local index out of range");
  }
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kBOX_LOCAL), 0, Op(Opcode::kUNSPECIFIED), Op(Opcode::kRETURN)});
  ExpectRejected(m, "local index out of range");
}

TEST(LoaderTest, RejectsFreshBoxOutOfRange) {
  // FRESH_BOX writes local a: an index past the frame must be rejected
  // (otherwise the interpreter writes past the frame, or past the stack).
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kFRESH_BOX), 100000, Op(Opcode::kUNSPECIFIED),
                 Op(Opcode::kRETURN)}, 4, 1);
  ExpectRejected(m, "local index out of range");
}

TEST(LoaderTest, RejectsConstantIndexOutOfRange) {
  Module m = MinimalModule();
  m.add_constants()->set_integer(1);
  SetCode(m, 0, {Op(Opcode::kCONST), 1, Op(Opcode::kRETURN)});
  ExpectRejected(m, "constant index out of range");
  SetCode(m, 0, {Op(Opcode::kCONST), 0, Op(Opcode::kRETURN)});
  auto vm = NewVM();
  EXPECT_TRUE(vm->LoadModuleMessage(m).ok());
}

TEST(LoaderTest, RejectsVariableOperandOutOfRange) {
  // Each variable operand of ADD_VARS is checked: a local past the frame,
  // or a captured value past the function's captures (main has none).
  for (uint32_t bad : {2u, kCapturedVar | 0u}) {
    for (int position = 0; position < 2; ++position) {
      Module m = MinimalModule();
      uint32_t a = position == 0 ? bad : 1;
      uint32_t b = position == 1 ? bad : 0;
      SetCode(m, 0, {Op(Opcode::kADD_VARS), a, b, Op(Opcode::kRETURN)}, 4, 2);
      ExpectRejected(m, "variable operand out of range");
    }
  }
  // The branch form checks its operands and its jump target.
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kBRANCH_VARS_LT), 0, 1, 9, Op(Opcode::kUNSPECIFIED),
                 Op(Opcode::kRETURN)}, 4, 2);
  ExpectRejected(m, "jump target out of code");
  SetCode(m, 0, {Op(Opcode::kBRANCH_VARS_LT), 0, 1, 0, Op(Opcode::kUNSPECIFIED),
                 Op(Opcode::kRETURN)}, 4, 2);
  auto vm = NewVM();
  EXPECT_TRUE(vm->LoadModuleMessage(m).ok());
}

TEST(LoaderTest, RejectsGlobalIndexOutOfRange) {
  for (Opcode op : {Opcode::kGLOBAL_REF}) {
    Module m = MinimalModule();
    SetCode(m, 0, {Op(op), 0, Op(Opcode::kRETURN)});
    ExpectRejected(m, "global index out of range");
  }
  for (Opcode op : {Opcode::kGLOBAL_SET, Opcode::kGLOBAL_DEFINE}) {
    Module m = MinimalModule();
    m.add_globals()->set_name("x");
    SetCode(m, 0, {Op(Opcode::kNIL), Op(op), 1, Op(Opcode::kUNSPECIFIED),
                   Op(Opcode::kRETURN)});
    ExpectRejected(m, "global index out of range");
  }
}

TEST(LoaderTest, RejectsFunctionIndexOutOfRange) {
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kMAKE_CLOSURE), 1, Op(Opcode::kRETURN)});
  ExpectRejected(m, "function index out of range");
  // Function 0 is the module body: it cannot be made into a closure.
  SetCode(m, 0, {Op(Opcode::kMAKE_CLOSURE), 0, Op(Opcode::kRETURN)});
  ExpectRejected(m, "function index out of range");
}

TEST(LoaderTest, RejectsCaptureIndexOutOfRange) {
  // CAPTURED_REF past the function's captures.
  Module m = MinimalModule();
  auto* f = m.add_functions();
  f->set_max_stack(1);
  f->add_code(Op(Opcode::kCAPTURED_REF));
  f->add_code(0);
  f->add_code(Op(Opcode::kRETURN));
  ExpectRejected(m, "captured index out of range");
  // A closure capturing a local its maker does not have.
  m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kMAKE_CLOSURE), 1, Op(Opcode::kRETURN)}, 1, 1);
  f = m.add_functions();
  f->set_max_stack(1);
  auto* capture = f->add_captures();
  capture->set_from_local(true);
  capture->set_index(1);
  f->add_code(Op(Opcode::kCAPTURED_REF));
  f->add_code(0);
  f->add_code(Op(Opcode::kRETURN));
  ExpectRejected(m, "closure capture out of range");
  // ... or a captured value its maker does not have.
  capture->set_from_local(false);
  capture->set_index(0);
  ExpectRejected(m, "closure capture out of range");
}

TEST(LoaderTest, RejectsJumpOutsideCode) {
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kJUMP), 10, Op(Opcode::kUNSPECIFIED), Op(Opcode::kRETURN)});
  ExpectRejected(m, "jump target out of code");
  SetCode(m, 0, {Op(Opcode::kJUMP), static_cast<uint32_t>(-5), Op(Opcode::kUNSPECIFIED),
                 Op(Opcode::kRETURN)});
  ExpectRejected(m, "jump target out of code");
  SetCode(m, 0, {Op(Opcode::kTRUE), Op(Opcode::kJUMP_IF_FALSE), 0x7FFFFFFFu,
                 Op(Opcode::kUNSPECIFIED), Op(Opcode::kRETURN)});
  ExpectRejected(m, "jump target out of code");
  SetCode(m, 0, {Op(Opcode::kTRUE), Op(Opcode::kJUMP_IF_FALSE), 0x80000000u,
                 Op(Opcode::kUNSPECIFIED), Op(Opcode::kRETURN)});
  ExpectRejected(m, "jump target out of code");
}

TEST(LoaderTest, RejectsJumpIntoTheMiddleOfAnInstruction) {
  Module m = MinimalModule();
  // 0: JUMP +1 -> 3, which is FIXNUM's operand.
  SetCode(m, 0, {Op(Opcode::kJUMP), 1, Op(Opcode::kFIXNUM), Op(Opcode::kRETURN),
                 Op(Opcode::kRETURN)});
  ExpectRejected(m, "jump target out of code");
}

TEST(LoaderTest, RejectsStackUnderflow) {
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kRETURN)});
  ExpectRejected(m, "stack underflow");
  SetCode(m, 0, {Op(Opcode::kNIL), Op(Opcode::kADD), Op(Opcode::kRETURN)});
  ExpectRejected(m, "stack underflow");
  // CALL 2 needs the callee and two arguments.
  SetCode(m, 0, {Op(Opcode::kNIL), Op(Opcode::kNIL), Op(Opcode::kCALL), 2,
                 Op(Opcode::kRETURN)});
  ExpectRejected(m, "stack underflow");
  SetCode(m, 0, {Op(Opcode::kPOP), Op(Opcode::kUNSPECIFIED), Op(Opcode::kRETURN)});
  ExpectRejected(m, "stack underflow");
}

TEST(LoaderTest, RejectsAbsurdArgumentCount) {
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kNIL), Op(Opcode::kCALL), 0xFFFFFFFFu, Op(Opcode::kRETURN)});
  ExpectRejected(m, "argument count");
}

TEST(LoaderTest, RejectsInconsistentStackDepthAtJoin) {
  Module m = MinimalModule();
  // 0 TRUE; 1 JUMP_IF_FALSE +2 (-> 5, depth 0); 3 FIXNUM 1 (depth 1);
  // 5 FIXNUM 2: reached with depth 0 and with depth 1.
  SetCode(m, 0, {Op(Opcode::kTRUE), Op(Opcode::kJUMP_IF_FALSE), 2, Op(Opcode::kFIXNUM), 1,
                 Op(Opcode::kFIXNUM), 2, Op(Opcode::kRETURN)});
  ExpectRejected(m, "inconsistent stack depth");
}

TEST(LoaderTest, RejectsMaxStackExceeded) {
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kNIL), Op(Opcode::kNIL), Op(Opcode::kCONS), Op(Opcode::kRETURN)},
          /*max_stack=*/1);
  ExpectRejected(m, "max_stack");
  SetCode(m, 0, {Op(Opcode::kNIL), Op(Opcode::kNIL), Op(Opcode::kCONS), Op(Opcode::kRETURN)},
          /*max_stack=*/2);
  auto vm = NewVM();
  EXPECT_TRUE(vm->LoadModuleMessage(m).ok());
}

TEST(LoaderTest, RejectsCodeFallingOffItsEnd) {
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kNIL)});
  ExpectRejected(m, "falls off its end");
  SetCode(m, 0, {Op(Opcode::kNIL), Op(Opcode::kPOP)});
  ExpectRejected(m, "falls off its end");
  // A conditional jump's fall-through path must stay in the code too.
  SetCode(m, 0, {Op(Opcode::kTRUE), Op(Opcode::kJUMP_IF_FALSE), static_cast<uint32_t>(-3)});
  ExpectRejected(m, "falls off its end");
}

TEST(LoaderTest, UnreachableCodeIsNotCheckedForDepth) {
  // Dead code after a RETURN may be anything well-formed.
  Module m = MinimalModule();
  SetCode(m, 0, {Op(Opcode::kUNSPECIFIED), Op(Opcode::kRETURN), Op(Opcode::kPOP)});
  auto vm = NewVM();
  EXPECT_TRUE(vm->LoadModuleMessage(m).ok());
}

// ---- Constants ----

TEST(LoaderTest, RejectsForwardConstantReferences) {
  Module m = MinimalModule();
  auto* pair = m.add_constants()->mutable_pair();
  pair->set_car(0);  // itself
  pair->set_cdr(0);
  ExpectRejected(m, "refers forward");
  m = MinimalModule();
  m.add_constants()->set_integer(1);
  pair = m.add_constants()->mutable_pair();
  pair->set_car(0);
  pair->set_cdr(2);
  ExpectRejected(m, "refers forward");
  m = MinimalModule();
  m.add_constants()->set_integer(1);
  auto* vector = m.add_constants()->mutable_vector();
  vector->add_index(0);
  vector->add_index(5);
  ExpectRejected(m, "refers forward");
}

TEST(LoaderTest, RejectsInvalidCharacterConstants) {
  for (uint32_t code : {0xD800u, 0xDFFFu, 0x110000u, 0xFFFFFFFFu}) {
    Module m = MinimalModule();
    m.add_constants()->set_character(code);
    ExpectRejected(m, "not a character");
  }
  Module m = MinimalModule();
  m.add_constants()->set_character(0x10FFFF);
  auto vm = NewVM();
  EXPECT_TRUE(vm->LoadModuleMessage(m).ok());
}

TEST(LoaderTest, RejectsEmptyConstant) {
  Module m = MinimalModule();
  m.add_constants();
  ExpectRejected(m, "is empty");
}

TEST(LoaderTest, RejectsInvalidUtf8StringConstant) {
  // (Parsing a .etac already rejects such strings: proto3 checks UTF-8.)
  Module m = MinimalModule();
  m.add_constants()->set_string(std::string("a\xff", 2));
  auto vm = NewVM();
  absl::Status status = vm->LoadModuleMessage(m);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(std::string(status.message()), "UTF-8"));
}

TEST(LoaderTest, LoadsEveryKindOfConstant) {
  Module m = MinimalModule();
  m.add_constants()->set_nil(true);                     // 0
  m.add_constants()->set_boolean(true);                 // 1
  m.add_constants()->set_integer(-(int64_t{1} << 62));  // 2
  m.add_constants()->set_real(2.5);                     // 3
  m.add_constants()->set_character(0x3BB);              // 4
  m.add_constants()->set_string("h\xc3\xa9");           // 5
  m.add_constants()->set_symbol("sym");                 // 6
  auto* pair = m.add_constants()->mutable_pair();       // 7: (sym . ())
  pair->set_car(6);
  pair->set_cdr(0);
  auto* vector = m.add_constants()->mutable_vector();   // 8: #(1 7)
  vector->add_index(2);
  vector->add_index(7);
  m.add_constants()->set_bytevector(std::string("\x01\x02", 2));  // 9
  m.add_constants()->set_unspecified(true);             // 10
  SetCode(m, 0, {Op(Opcode::kCONST), 8, Op(Opcode::kRETURN)});
  // Function 1 pushes the others (never called: linked below).
  auto* others = m.add_functions();
  others->set_name("others");
  for (uint32_t k : {1, 3, 4, 5, 9, 10}) {
    others->add_code(Op(Opcode::kCONST));
    others->add_code(k);
    others->add_code(Op(Opcode::kPOP));
  }
  others->add_code(Op(Opcode::kUNSPECIFIED));
  others->add_code(Op(Opcode::kRETURN));
  others->set_max_stack(1);
  auto vm = NewVM();
  ASSERT_TRUE(vm->LoadModuleMessage(m).ok());
  LoadedModule* loaded = vm->FindModule("m");
  ASSERT_NE(loaded, nullptr);
  ASSERT_EQ(loaded->constants.size(), 11u);
  // Each constant is made when a function that pushes it is linked, with
  // the constants it is made of.
  for (Value v : loaded->constants) EXPECT_TRUE(v.IsUndefined());
  ASSERT_NE(loaded->function(0), nullptr);
  for (int k : {0, 2, 6, 7, 8}) EXPECT_FALSE(loaded->constants[k].IsUndefined()) << k;
  for (int k : {1, 3, 4, 5, 9, 10}) EXPECT_TRUE(loaded->constants[k].IsUndefined()) << k;
  ASSERT_NE(loaded->function(1), nullptr);
  for (Value v : loaded->constants) EXPECT_FALSE(v.IsUndefined());
  EXPECT_TRUE(loaded->constants[1].IsTrue());
  EXPECT_EQ(loaded->constants[3].AsFlonum(), 2.5);
  EXPECT_TRUE(IsString(loaded->constants[5]));
  EXPECT_TRUE(IsType(loaded->constants[9], ObjectType::kBytevector));
  EXPECT_EQ(loaded->constants[2].AsFixnum(), -(int64_t{1} << 62));
  EXPECT_EQ(loaded->constants[4].AsChar(), 0x3BBu);
  ASSERT_TRUE(IsPair(loaded->constants[7]));
  EXPECT_TRUE(Car(loaded->constants[7]).Eq(loaded->constants[6]));
  EXPECT_TRUE(loaded->constants[6].Eq(vm->Intern("sym")));
  ASSERT_TRUE(IsVector(loaded->constants[8]));
  EXPECT_EQ(As<Vector>(loaded->constants[8])->items.size(), 2u);
  EXPECT_TRUE(vm->RunModule("m", false).ok());
}

TEST(LoaderTest, AConstantWithoutRoomIsAnOutOfMemoryErrorWhenItsFunctionIsLinked) {
  Module m = MinimalModule();
  m.add_constants()->set_string(std::string(size_t{1} << 20, 'x'));  // 4 MiB made
  SetCode(m, 0, {Op(Opcode::kMAKE_CLOSURE), 1, Op(Opcode::kRETURN)});
  auto* f = m.add_functions();
  f->set_name("big");
  f->set_max_stack(1);
  f->add_code(Op(Opcode::kCONST));
  f->add_code(0);
  f->add_code(Op(Opcode::kRETURN));
  VMOptions options;
  options.heap.max_bytes = size_t{1} << 20;
  VM vm(options);
  AddAllPrimitives(vm);
  ASSERT_TRUE(vm.LoadModuleMessage(m).ok());  // made when first needed
  EXPECT_FALSE(vm.RunModule("m", false).ok());
  EXPECT_TRUE(Contains(vm.DescribeUncaught(), "out of memory")) << vm.DescribeUncaught();
}

// ---- Linking ----

TEST(LoaderTest, RejectsImportOfUnloadedModule) {
  Module m = MinimalModule();
  m.add_imports("not.loaded");
  auto vm = NewVM();
  absl::Status status = vm->LoadModuleMessage(m);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(std::string(status.message()), "not.loaded"));
  EXPECT_TRUE(Contains(std::string(status.message()), "not loaded"));
  EXPECT_FALSE(vm->IsModuleLoaded("m"));
}

TEST(LoaderTest, RejectsGlobalFromUnloadedModule) {
  Module m = MinimalModule();
  auto* g = m.add_globals();
  g->set_name("x");
  g->set_module("elsewhere");
  auto vm = NewVM();
  absl::Status status = vm->LoadModuleMessage(m);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(std::string(status.message()), "elsewhere"));
  EXPECT_FALSE(vm->IsModuleLoaded("m"));
}

TEST(LoaderTest, RejectsGlobalTheModuleDoesNotExport) {
  auto vm = NewVM();
  Module lib = MinimalModule("lib");
  lib.add_exports("visible");
  lib.add_globals()->set_name("visible");
  lib.add_globals()->set_name("hidden");
  ASSERT_TRUE(vm->LoadModuleMessage(lib).ok());

  // A name the module neither exports nor defines is refused. (A private
  // definition may be referenced: macros exported by `lib` refer to them.)
  Module m = MinimalModule("user");
  m.add_imports("lib");
  auto* g = m.add_globals();
  g->set_name("absent");
  g->set_module("lib");
  absl::Status status = vm->LoadModuleMessage(m);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(std::string(status.message()), "does not export absent"));
  EXPECT_FALSE(vm->IsModuleLoaded("user"));

  Module private_reference = MinimalModule("user4");
  private_reference.add_imports("lib");
  g = private_reference.add_globals();
  g->set_name("hidden");
  g->set_module("lib");
  EXPECT_TRUE(vm->LoadModuleMessage(private_reference).ok());

  // A builtin that does not exist, likewise.
  Module b = MinimalModule("user2");
  g = b.add_globals();
  g->set_name("no-such-builtin");
  g->set_module("%builtins");
  status = vm->LoadModuleMessage(b);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(std::string(status.message()), "does not export no-such-builtin"));

  // The exported one links, through a rename too.
  Module ok = MinimalModule("user3");
  ok.add_imports("lib");
  g = ok.add_globals();
  g->set_name("local-name");
  g->set_module("lib");
  g->set_export_name("visible");
  EXPECT_TRUE(vm->LoadModuleMessage(ok).ok());
  EXPECT_EQ(vm->FindModule("user3")->globals[0], vm->FindGlobal("lib", "visible"));
}

TEST(LoaderTest, RejectsGlobalWithoutName) {
  Module m = MinimalModule();
  m.add_globals();
  ExpectRejected(m, "global with no name");
}

TEST(LoaderTest, RejectsDuplicateModule) {
  auto vm = NewVM();
  ASSERT_TRUE(vm->LoadModuleMessage(MinimalModule()).ok());
  absl::Status status = vm->LoadModuleMessage(MinimalModule());
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(std::string(status.message()), "already loaded"));
  // The builtin module's name is taken as well.
  status = vm->LoadModuleMessage(MinimalModule("%builtins"));
  EXPECT_FALSE(status.ok());
}

TEST(LoaderTest, FailedLoadLeavesNoTrace) {
  // After a rejected module, a correct module of the same name loads.
  auto vm = NewVM();
  Module bad = MinimalModule();
  SetCode(bad, 0, {Op(Opcode::kRETURN)});
  EXPECT_FALSE(vm->LoadModuleMessage(bad).ok());
  EXPECT_TRUE(vm->LoadModuleMessage(MinimalModule()).ok());
}

// DISABLED: known bug. The loader registers the module before it builds the
// constants, so a string constant that is not UTF-8 (possible only through
// LoadModuleMessage) leaves a half-loaded module behind. Enable once the
// verifier checks string constants before anything is created.
TEST(LoaderTest, FailedConstantLeavesNoTrace) {
  auto vm = NewVM();
  Module bad = MinimalModule();
  bad.add_constants()->set_string(std::string("\xc3", 1));
  EXPECT_FALSE(vm->LoadModuleMessage(bad).ok());
  EXPECT_FALSE(vm->IsModuleLoaded("m"));
  EXPECT_TRUE(vm->LoadModuleMessage(MinimalModule()).ok());
}

// ---- Bytes that are not a module ----

TEST(LoaderTest, RandomBytesNeverCrash) {
  google::protobuf::LogSilencer quiet;  // invalid UTF-8 warnings
  std::mt19937 random(12345);
  auto vm = NewVM();
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(random() % 300, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    absl::Status status = vm->LoadModule(bytes);
    // Almost surely rejected; if the bytes happen to form a valid module it
    // must at least have a name and a body.
    if (status.ok()) {
      SUCCEED();
    } else {
      EXPECT_FALSE(status.message().empty());
    }
  }
}

TEST(LoaderTest, GarbageIsRejectedWithAClearMessage) {
  auto vm = NewVM();
  absl::Status status = vm->LoadModule("\xff\xff\xff\xff not a module");
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(std::string(status.message()), "invalid compiled module"));
  status = vm->LoadModule("");
  ASSERT_FALSE(status.ok());  // empty bytes: a module with no version
}

TEST(LoaderTest, EveryTruncationOfAValidModuleIsHandled) {
  google::protobuf::LogSilencer quiet;
  Module sample = Compile(kSampleProgram);
  ASSERT_TRUE(sample.script());
  std::string bytes;
  ASSERT_TRUE(sample.SerializeToString(&bytes));
  ASSERT_GT(bytes.size(), 100u);
  {
    auto vm = NewVM();
    ASSERT_TRUE(vm->LoadModule(bytes).ok());
  }
  // The script flag is the last field written: cut off whole, what is left
  // is a complete module (the same one as a (module ...) form).
  sample.clear_script();
  size_t without_flag = sample.ByteSizeLong();
  ASSERT_LT(without_flag, bytes.size());
  for (size_t length = 0; length < bytes.size(); ++length) {
    auto vm = NewVM();
    absl::Status status = vm->LoadModule(bytes.substr(0, length));
    if (status.ok()) {
      EXPECT_EQ(length, without_flag);
      // Whatever loaded is still runnable (or fails cleanly).
      (void)vm->RunModule("%main", false);
    }
  }
}

// ---- Mutated code ----

// RunsCleanlyInChild runs the loaded module `name` of `vm` in a forked
// child with a time limit; false if the child crashed. A child that loops
// forever (valid code can) is killed and counts as clean.
bool RunsCleanlyInChild(VM& vm, const std::string& name, std::string* detail,
                        int* endless) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    *detail = "fork failed";
    return false;
  }
  if (pid == 0) {
    (void)vm.RunModule(name, false);
    (void)vm.DescribeUncaught();
    _exit(0);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ++*endless;
      return true;  // an endless loop, not a crash
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  *detail = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                : "exit status " + std::to_string(WEXITSTATUS(status));
  return false;
}

TEST(LoaderTest, RandomCodeMutationsAreRejectedOrRunSafely) {
  const Module original = Compile(kSampleProgram);
  ASSERT_GT(original.functions_size(), 3);
  std::mt19937 random(20240601);
  int accepted = 0, rejected = 0, endless = 0;
  for (int i = 0; i < 2000; ++i) {
    Module m = original;
    int mutations = 1 + static_cast<int>(random() % 3);
    std::string description;
    for (int k = 0; k < mutations; ++k) {
      int fi = static_cast<int>(random() % m.functions_size());
      auto* f = m.mutable_functions(fi);
      if (f->code_size() == 0) continue;
      int at = static_cast<int>(random() % f->code_size());
      uint32_t old_word = f->code(at);
      uint32_t word;
      switch (random() % 4) {
        case 0: word = random() % (kOpcodeCount + 4); break;     // another opcode
        case 1: word = old_word ^ (1u << (random() % 32)); break;  // a bit flip
        case 2: word = old_word + static_cast<uint32_t>(random() % 7) - 3; break;
        default: word = static_cast<uint32_t>(random()); break;
      }
      f->set_code(at, word);
      description += "function " + std::to_string(fi) + " word " + std::to_string(at) +
                     ": " + std::to_string(old_word) + " -> " + std::to_string(word) + "; ";
    }
    auto vm = NewVM();
    absl::Status status = vm->LoadModuleMessage(m);
    if (!status.ok()) {
      ++rejected;
      EXPECT_FALSE(status.message().empty());
      continue;
    }
    ++accepted;
    std::string detail;
    EXPECT_TRUE(RunsCleanlyInChild(*vm, "%main", &detail, &endless))
        << "mutation " << i << " (" << description << ") crashed: " << detail;
    if (HasFailure()) break;
  }
  EXPECT_EQ(accepted + rejected, 2000);
  // Both outcomes occur: the mutations exercise the verifier and the VM.
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
  std::printf("mutations: %d accepted (%d looped until killed), %d rejected\n",
              accepted, endless, rejected);
}

}  // namespace
}  // namespace eta::vm
