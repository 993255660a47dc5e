// Tests of the code generator: varied programs compile to modules that the
// VM's verifier accepts and that compute the right values. Links the VM (and
// the embedded prelude) for verification and running, in this test only.
#include "compiler/codegen.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "compiler/compiler.h"
#include "compiler/reader.h"
#include "gtest/gtest.h"
#include "stdlib/embedded.h"
#include "vm/builtins_all.h"
#include "vm/module.pb.h"
#include "vm/opcodes.h"
#include "vm/printer.h"
#include "vm/vm.h"

namespace eta::compiler {
namespace {

// Prelude returns the embedded prelude's compiled modules (parsed once).
const eta::module::ModuleFile& Prelude() {
  static const auto* file = [] {
    auto* parsed = new eta::module::ModuleFile;
    for (const auto& embedded : stdlib::EmbeddedFiles()) {
      if (std::string(embedded.name) == "%prelude") {
        parsed->ParseFromArray(embedded.data, static_cast<int>(embedded.size));
      }
    }
    return parsed;
  }();
  EXPECT_GT(file->modules_size(), 0);
  return *file;
}

// NewVM returns a VM with the primitives and the prelude.
std::unique_ptr<vm::VM> NewVM() {
  auto vm = std::make_unique<vm::VM>(vm::VMOptions{});
  vm::AddAllPrimitives(*vm);
  for (const auto& m : Prelude().modules()) {
    EXPECT_TRUE(vm->LoadModuleMessage(m).ok());
    EXPECT_TRUE(vm->RunModule(m.name(), false).ok()) << vm->DescribeUncaught();
  }
  return vm;
}

// Builtins maps the primitives and the prelude's exports to their modules.
const compiler::BuiltinModules& Builtins() {
  static const auto* map = [] {
    auto* result = new compiler::BuiltinModules;
    vm::VM vm(vm::VMOptions{});
    vm::AddAllPrimitives(vm);
    static const auto* names = new std::vector<std::string>(vm.BuiltinNames());
    for (const std::string& name : *names) (*result)[name] = "%builtins";
    for (const auto& m : Prelude().modules()) {
      for (const std::string& name : m.exports()) (*result)[name] = "%prelude";
    }
    return result;
  }();
  return *map;
}

class NoImports : public ModuleResolver {
 public:
  absl::StatusOr<ModuleInterface> Resolve(const std::string& name,
                                          const SourceLocation& at) override {
    return absl::NotFoundError("no imports here: " + name);
  }
};

absl::StatusOr<eta::module::Module> CompileScript(const std::string& text) {
  auto forms = ReadAll(text, "snippet.eta");
  if (!forms.ok()) return forms.status();
  auto sources = SplitProgram(*forms, "snippet.eta", "%main");
  if (!sources.ok()) return sources.status();
  if (sources->size() != 1) return absl::InvalidArgumentError("one module expected");
  NoImports resolver;
  CompileOptions options;
  options.builtins = &Builtins();
  return CompileModule((*sources)[0], resolver, options);
}

struct Snippet {
  const char* source;  // defines `result`
  const char* result;  // its `write` form
};

const Snippet kSnippets[] = {
    {"(define result (+ 1 (* 2 3)))", "7"},
    {"(define result (if (< 1 2) 'yes 'no))", "yes"},
    {"(define result (let ((a 1) (b 2)) (let ((a b) (b a)) (list a b))))", "(2 1)"},
    {"(define result (let* ((a 1) (b (+ a 1))) (* a b)))", "2"},
    {"(define result (letrec ((ev? (lambda (n) (if (= n 0) #t (od? (- n 1)))))\n"
     "                        (od? (lambda (n) (if (= n 0) #f (ev? (- n 1))))))\n"
     "  (list (ev? 10) (od? 7))))",
     "(#t #t)"},
    {"(define result (let loop ((i 0) (acc 0)) (if (> i 100) acc (loop (+ i 1) (+ acc i)))))",
     "5050"},
    {"(define result (do ((v (make-vector 5)) (i 0 (+ i 1))) ((= i 5) v) (vector-set! v i (* i i))))",
     "#(0 1 4 9 16)"},
    {"(define result (cond ((assv 2 '((1 . a) (2 . b))) => cdr) (else 'none)))", "b"},
    {"(define result (map (lambda (k) (case k ((1 2) 'low) ((3 4) 'mid) (else 'high))) '(1 3 9)))",
     "(low mid high)"},
    {"(define result (list (and 1 2) (and) (and 1 #f 3) (or #f 3) (or) (or #f #f)))",
     "(2 #t #f 3 #f #f)"},
    {"(define result '())\n(when (= 1 1) (set! result (cons 'w result)))\n"
     "(unless (= 1 1) (set! result (cons 'u result)))",
     "(w)"},
    {"(define (make-counter) (let ((n 0)) (lambda () (set! n (+ n 1)) n)))\n"
     "(define c (make-counter))\n(define result (list (c) (c) (c)))",
     "(1 2 3)"},
    {"(define (pair-of-closures) (let ((v 0)) (cons (lambda (x) (set! v x)) (lambda () v))))\n"
     "(define p (pair-of-closures))\n((car p) 42)\n(define result ((cdr p)))",
     "42"},
    {"(define result (let ((x 5) (l '(1 2))) `(a ,x ,@l #(v ,x) (nested ,(+ x 1)))))",
     "(a 5 1 2 #(v 5) (nested 6))"},
    {"(define-record-type point (make-point x y) point? (x point-x) (y point-y set-point-y!))\n"
     "(define p (make-point 3 4))\n(set-point-y! p 5)\n"
     "(define result (list (point? p) (point? 5) (point-x p) (point-y p)))",
     "(#t #f 3 5)"},
    {"(define result (error-object-kind (catch 'type-error (car 5))))", "type-error"},
    {"(define result (catch 'my-kind (raise 'my-kind 42)))", "42"},
    {"(define result (call/cc (lambda (k) (+ 1 (k 42)))))", "42"},
    {"(define trail '())\n(define (note x) (set! trail (cons x trail)))\n"
     "(dynamic-wind (lambda () (note 'in)) (lambda () (note 'body)) (lambda () (note 'out)))\n"
     "(define result (reverse trail))",
     "(in body out)"},
    {"(define (count-down n) (if (= n 0) 'done (count-down (- n 1))))\n"
     "(define result (count-down 1000000))",
     "done"},
    {"(define (depth n) (if (= n 0) 0 (+ 1 (depth (- n 1)))))\n(define result (depth 100000))",
     "100000"},
    {"(define result ((lambda (a . rest) (list a rest)) 1 2 3))", "(1 (2 3))"},
    {"(define result (list (apply + 1 2 '(3 4)) (apply list '())))", "(10 ())"},
    {"(define result (string-append \"a\" (number->string 42) (symbol->string 'b)))", "\"a42b\""},
    {"(define v (vector 1 2 3))\n(vector-set! v 0 (+ (vector-ref v 1) (vector-ref v 2)))\n"
     "(define result v)",
     "#(5 2 3)"},
    {"(define (f) (define a 1) (define (g) (+ a 1)) (g))\n(define result (f))", "2"},
    {"(defun sq (x) (* x x))\n(def result (progn 1 (sq 5)))", "25"},
    {"(assert (= 1 1))\n(define result 'ok)", "ok"},
    {"(define result (call-with-values (lambda () (values 1 2)) +))", "3"},
    {"(define thunks (let loop ((i 0) (fs '()))\n"
     "  (if (= i 3) (reverse fs) (loop (+ i 1) (cons (lambda () i) fs)))))\n"
     "(define result (map (lambda (f) (f)) thunks))",
     "(0 1 2)"},
    {"(define result (list (map + '(1 2) '(10 20)) (sort '(3 1 2) <)))", "((11 22) (1 2 3))"},
    {"(define (f car) (car 1))\n(define result (f (lambda (x) (* x 10))))", "10"},
    {"(define (abs x) 'mine)\n(define result (abs -1))", "mine"},
    {"(define x 1)\n(set! x (+ x 1))\n(define result x)", "2"},
    {"(define result (list #\\a \"s\\n\" 1.5 -7 '#(1 \"x\") #u8(1 2) '(a . b) #t '()))",
     "(#\\a \"s\\n\" 1.5 -7 #(1 \"x\") #u8(1 2) (a . b) #t ())"},
    {"(define result (list 2147483647 -2147483648 2147483648 -2147483649 4611686018427387904))",
     "(2147483647 -2147483648 2147483648 -2147483649 4611686018427387904)"},
    {"(define (len l) (if (null? l) 0 (+ 1 (len (cdr l)))))\n"
     "(define result (list (len '(1 2 3)) (pair? '(1)) (zero? 0) (eq? 'a 'a) (not 1)))",
     "(3 #t #t #t #f)"},
    {"(define (classify n) (cond ((< n 0) 'neg) ((= n 0) 'zero) ((<= n 9) 'digit) ((>= n 100) 'big)"
     " (else 'mid)))\n(define result (map classify '(-5 0 7 50 500)))",
     "(neg zero digit mid big)"},
    {"(define (f x) (let ((y x)) (set! y (+ y 1)) (lambda () (set! y (* y 2)) y)))\n"
     "(define g (f 1))\n(define result (list (g) (g)))",
     "(4 8)"},
    {"(define result (let loop ((i 0) (acc '())) (if (>= i 3) acc\n"
     "  (loop (+ i 1) (cons (let ((k i)) (lambda () k)) acc)))))\n"
     "(set! result (map (lambda (f) (f)) result))",
     "(2 1 0)"},
    {"(define (tak x y z) (if (not (< y x)) z (tak (tak (- x 1) y z) (tak (- y 1) z x)"
     " (tak (- z 1) x y))))\n(define result (tak 12 8 4))",
     "5"},
};

TEST(CodegenTest, SnippetsVerifyAndRun) {
  int index = 0;
  for (const Snippet& snippet : kSnippets) {
    SCOPED_TRACE(testing::Message() << "snippet " << index++ << ":\n" << snippet.source);
    auto m = CompileScript(snippet.source);
    ASSERT_TRUE(m.ok()) << m.status();
    auto vm = NewVM();
    absl::Status loaded = vm->LoadModuleMessage(*m);
    ASSERT_TRUE(loaded.ok()) << loaded;
    absl::Status ran = vm->RunModule("%main", false);
    ASSERT_TRUE(ran.ok()) << ran << "\n" << vm->DescribeUncaught();
    vm::Global* result = vm->FindGlobal("%main", "result");
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(vm::ValueToString(result->value, true), snippet.result);
  }
}

TEST(CodegenTest, ModuleShape) {
  auto m = CompileScript("(define (f x) (+ x 1))\n(define y (f 2))");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->format_version(), vm::kFormatVersion);
  EXPECT_EQ(m->name(), "%main");
  EXPECT_EQ(m->source_file(), "snippet.eta");
  ASSERT_GE(m->functions_size(), 2);
  const auto& body = m->functions(0);
  EXPECT_EQ(body.required(), 0u);
  EXPECT_FALSE(body.rest());
  bool found_f = false;
  for (const auto& f : m->functions()) {
    if (f.name() == "f") {
      found_f = true;
      EXPECT_EQ(f.required(), 1u);
      EXPECT_GE(f.frame_size(), 1u);
    }
  }
  EXPECT_TRUE(found_f);
  // Both definitions are globals of the module itself.
  int own = 0;
  for (const auto& g : m->globals()) {
    if (g.module().empty() && (g.name() == "f" || g.name() == "y")) ++own;
  }
  EXPECT_EQ(own, 2);
}

TEST(CodegenTest, CallsAndGlobalReferencesHaveSourcePositions) {
  // Every instruction that can raise on behalf of user code (a call, a
  // global reference) is covered by a source point with a real line.
  // (Except the procedures define-record-type generates: they carry no
  // positions, and their errors name the procedure instead.)
  for (const Snippet& snippet : kSnippets) {
    if (std::string(snippet.source).find("define-record-type") != std::string::npos) continue;
    auto m = CompileScript(snippet.source);
    ASSERT_TRUE(m.ok()) << m.status();
    for (const auto& f : m->functions()) {
      SCOPED_TRACE(testing::Message() << f.name() << " in " << snippet.source);
      for (const auto& p : f.source_map()) {
        EXPECT_LT(p.pc(), static_cast<uint32_t>(f.code_size()));
      }
      for (int pc = 0; pc < f.code_size();) {
        auto op = static_cast<vm::Opcode>(f.code(pc));
        if (op == vm::Opcode::kCALL || op == vm::Opcode::kTAIL_CALL ||
            op == vm::Opcode::kGLOBAL_REF) {
          int line = -1;
          for (const auto& p : f.source_map()) {
            if (p.pc() <= static_cast<uint32_t>(pc)) line = p.line();
          }
          EXPECT_GE(line, 1) << vm::kOpcodeInfo[f.code(pc)].name << " at " << pc;
        }
        pc += 1 + vm::kOpcodeInfo[f.code(pc)].operands;
      }
    }
  }
}

TEST(CodegenTest, MaxStackIsEnoughAndNotWasteful) {
  // The verifier rejects a max_stack below the real need; the compiler's
  // figure should be at most one slot above it.
  int index = 0;
  for (const Snippet& snippet : kSnippets) {
    SCOPED_TRACE(testing::Message() << "snippet " << index++);
    auto m = CompileScript(snippet.source);
    ASSERT_TRUE(m.ok()) << m.status();
    for (int i = 0; i < m->functions_size(); ++i) {
      uint32_t declared = m->functions(i).max_stack();
      uint32_t needed = declared;
      while (needed > 0) {
        eta::module::Module smaller = *m;
        smaller.mutable_functions(i)->set_max_stack(needed - 1);
        vm::VM vm(vm::VMOptions{});
        vm::AddAllPrimitives(vm);
        for (const auto& p : Prelude().modules()) ASSERT_TRUE(vm.LoadModuleMessage(p).ok());
        if (!vm.LoadModuleMessage(smaller).ok()) break;
        --needed;
      }
      EXPECT_LE(declared, needed + 1)
          << "function " << i << " (" << m->functions(i).name() << ") declares max_stack "
          << declared << " but needs " << needed;
    }
  }
}

}  // namespace
}  // namespace eta::compiler
