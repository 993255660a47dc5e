// Tests of the VM as a C++ API: independent VMs on threads, calling Eta
// procedures from C++, uncaught errors, stack overflow, out of memory and GC
// stress.
#include "vm/vm.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tools/test_support.h"
#include "vm/test_memory.h"
#include "vm/object.h"
#include "vm/printer.h"

namespace eta::vm {
namespace {

using eta::tools::testing::NewVM;
using eta::tools::testing::OutputCapture;
using eta::tools::testing::RunSource;
using eta::vm::testing::ProcStatusKb;

::testing::AssertionResult Contains(const std::string& text, const std::string& fragment) {
  if (text.find(fragment) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \""
                                       << fragment << "\"";
}

// GlobalValue returns the value of a script's definition (Undefined if none).
Value GlobalValue(VM& vm, const std::string& name) {
  Global* g = vm.FindGlobal("%main", name);
  return g ? g->value : Value::Undefined();
}

// ---- Independent VMs on threads ----

struct ThreadResult {
  absl::Status status;
  int64_t sum = -1;
  int64_t length = -1;
  std::string output;
};

void RunLoopProgram(int64_t n, ThreadResult* out) {
  auto vm = NewVM();
  OutputCapture capture(*vm);
  std::string program =
      "(define (sum-to i acc) (if (= i 0) acc (sum-to (- i 1) (+ acc i))))\n"
      "(define (build k acc) (if (= k 0) acc (build (- k 1) (cons k acc))))\n"
      "(define sum (sum-to " + std::to_string(n) + " 0))\n"
      "(define len (length (build " + std::to_string(n / 10) + " '())))\n"
      "(define strings (map (lambda (i) (number->string i)) (build 1000 '())))\n"
      "(display sum) (newline)\n";
  out->status = RunSource(*vm, program, "thread.eta");
  if (!out->status.ok()) {
    out->output = vm->DescribeUncaught();
    return;
  }
  out->sum = GlobalValue(*vm, "sum").AsFixnum();
  out->length = GlobalValue(*vm, "len").AsFixnum();
  out->output = capture.text();
}

TEST(VMTest, TwoVMsRunOnTwoThreadsAtOnce) {
  // Smaller in the GC-stress build (a collection per allocation).
  const int64_t n = vm::kGcStressBuild ? 20'000 : 2'000'000;
  const int64_t m = n / 2 * 3;
  ThreadResult a, b;
  std::thread ta(RunLoopProgram, n, &a);
  std::thread tb(RunLoopProgram, m, &b);
  ta.join();
  tb.join();
  ASSERT_TRUE(a.status.ok()) << a.status << "\n" << a.output;
  ASSERT_TRUE(b.status.ok()) << b.status << "\n" << b.output;
  EXPECT_EQ(a.sum, n * (n + 1) / 2);
  EXPECT_EQ(b.sum, m * (m + 1) / 2);
  EXPECT_EQ(a.length, n / 10);
  EXPECT_EQ(b.length, m / 10);
  EXPECT_EQ(a.output, std::to_string(n * (n + 1) / 2) + "\n");
  EXPECT_EQ(b.output, std::to_string(m * (m + 1) / 2) + "\n");
}

TEST(VMTest, ManyVMsInOneThreadStayIndependent) {
  auto first = NewVM();
  auto second = NewVM();
  ASSERT_TRUE(RunSource(*first, "(define x 1)").ok());
  ASSERT_TRUE(RunSource(*second, "(define x 2)").ok());
  EXPECT_EQ(GlobalValue(*first, "x").AsFixnum(), 1);
  EXPECT_EQ(GlobalValue(*second, "x").AsFixnum(), 2);
  // Symbols are per VM.
  EXPECT_FALSE(first->Intern("abc").Eq(second->Intern("abc")));
  EXPECT_TRUE(first->Intern("abc").Eq(first->Intern("abc")));
}

// ---- Calling Eta from C++ ----

TEST(VMTest, CallsAClosure) {
  auto vm = NewVM();
  ASSERT_TRUE(RunSource(*vm,
                        "(define (add3 a b c) (+ a b c))\n"
                        "(define (make-counter)\n"
                        "  (let ((n 0)) (lambda () (set! n (+ n 1)) n)))\n"
                        "(define counter (make-counter))\n"
                        "(define (listify . xs) xs)\n")
                  .ok());
  Value add3 = GlobalValue(*vm, "add3");
  ASSERT_TRUE(IsType(add3, ObjectType::kClosure));
  auto sum = vm->Call(add3, {Value::Fixnum(1), Value::Fixnum(2), Value::Fixnum(39)});
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->AsFixnum(), 42);

  // The closure's captured variable persists between calls.
  Rooted counter(vm->heap(), GlobalValue(*vm, "counter"));
  for (int expected = 1; expected <= 3; ++expected) {
    auto n = vm->Call(counter, {});
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(n->AsFixnum(), expected);
  }

  // Rest arguments.
  auto list = vm->Call(GlobalValue(*vm, "listify"), {Value::Fixnum(1), Value::Fixnum(2)});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ValueToString(*list, true), "(1 2)");
}

TEST(VMTest, CallsAPrimitive) {
  auto vm = NewVM();
  Global* cons = vm->FindGlobal("%builtins", "cons");
  ASSERT_NE(cons, nullptr);
  auto pair = vm->Call(cons->value, {Value::Fixnum(1), Value::Nil()});
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(ValueToString(*pair, true), "(1)");
}

// The objects of a frozen base are shared by the VMs made from it: none of
// them may change one (R7RS: constants are immutable), or one actor would
// change what every other sees, from another thread.
TEST(VMTest, ABaseObjectCannotBeChangedFromAVMMadeFromIt) {
  std::shared_ptr<VM> base = NewVM();
  ASSERT_TRUE(RunSource(*base, "(define pair (list 1 2))\n(define text (string #\\a))\n"
                               "(define items (vector 1 2))")
                  .ok());
  base->Freeze();
  VM vm(VMOptions{}, base);
  auto call = [&](const char* builtin, std::vector<Value> args) {
    Global* g = vm.FindGlobal("%builtins", builtin);
    EXPECT_NE(g, nullptr) << builtin;
    return g == nullptr ? absl::StatusOr<Value>(absl::NotFoundError(builtin))
                        : vm.Call(g->value, args);
  };
  Value pair = GlobalValue(*base, "pair");
  EXPECT_FALSE(call("set-car!", {pair, Value::Fixnum(9)}).ok());
  EXPECT_TRUE(Contains(vm.DescribeUncaught(), "set-car!: argument 1 must be a mutable pair"));
  EXPECT_FALSE(call("set-cdr!", {pair, Value::Nil()}).ok());
  EXPECT_FALSE(call("string-set!", {GlobalValue(*base, "text"), Value::Fixnum(0),
                                    Value::Char('b')})
                   .ok());
  EXPECT_TRUE(Contains(vm.DescribeUncaught(), "must be a mutable string"));
  EXPECT_FALSE(call("vector-set!", {GlobalValue(*base, "items"), Value::Fixnum(0),
                                    Value::Fixnum(5)})
                   .ok());
  EXPECT_TRUE(Contains(vm.DescribeUncaught(), "must be a mutable vector"));
  EXPECT_EQ(ValueToString(pair, true), "(1 2)");
  // The VM's own objects change as ever.
  auto own = call("cons", {Value::Fixnum(1), Value::Nil()});
  ASSERT_TRUE(own.ok());
  EXPECT_TRUE(call("set-car!", {*own, Value::Fixnum(7)}).ok());
  EXPECT_EQ(ValueToString(*own, true), "(7)");
}

TEST(VMTest, CallReportsErrorsAsStatus) {
  auto vm = NewVM();
  ASSERT_TRUE(RunSource(*vm, "(define (one x) x)\n(define (fail) (error \"boom\" 7))").ok());
  // Wrong argument count: an arity-error, uncaught.
  auto result = vm->Call(GlobalValue(*vm, "one"), {});
  ASSERT_FALSE(result.ok());
  ASSERT_TRUE(IsType(vm->uncaught_error(), ObjectType::kError));
  EXPECT_TRUE(Contains(ValueToString(vm->uncaught_error(), false), "arity-error"));
  // A raised error.
  result = vm->Call(GlobalValue(*vm, "fail"), {});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(Contains(vm->DescribeUncaught(), "boom"));
  // Not a procedure.
  result = vm->Call(Value::Fixnum(3), {});
  EXPECT_FALSE(result.ok());
  // The VM is still usable.
  result = vm->Call(GlobalValue(*vm, "one"), {Value::Fixnum(5)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->AsFixnum(), 5);
  EXPECT_TRUE(vm->uncaught_error().IsUndefined());
}

// ---- Uncaught errors ----

TEST(VMTest, UncaughtErrorIsDescribed) {
  auto vm = NewVM();
  absl::Status status = RunSource(*vm,
                                  "(define (f x)\n"
                                  "  (car x))\n"
                                  "(f 5)\n",
                                  "uncaught.eta");
  ASSERT_FALSE(status.ok());
  Value error = vm->uncaught_error();
  ASSERT_TRUE(IsType(error, ObjectType::kError));
  EXPECT_EQ(As<Symbol>(As<ErrorObject>(error)->kind)->name, "type-error");
  std::string report = vm->DescribeUncaught();
  EXPECT_TRUE(Contains(report, "type-error"));
  EXPECT_TRUE(Contains(report, "car: argument 1 must be a pair, got 5"));
  EXPECT_TRUE(Contains(report, "at uncaught.eta:2:3"));
  // The trace names both frames, innermost first.
  size_t in_f = report.find("f at uncaught.eta:2:");
  size_t in_body = report.find("uncaught.eta:3:1");
  ASSERT_NE(in_f, std::string::npos) << report;
  ASSERT_NE(in_body, std::string::npos) << report;
  EXPECT_LT(in_f, in_body);
}

TEST(VMTest, UncaughtUserErrorAndRaise) {
  auto vm = NewVM();
  ASSERT_FALSE(RunSource(*vm, "(error \"disk full\" 'sda 3)", "user.eta").ok());
  std::string report = vm->DescribeUncaught();
  EXPECT_TRUE(Contains(report, "user-error"));
  EXPECT_TRUE(Contains(report, "disk full"));
  EXPECT_TRUE(Contains(report, "sda 3"));
  EXPECT_TRUE(Contains(report, "at user.eta:1:1"));

  auto other = NewVM();
  ASSERT_FALSE(RunSource(*other, "(raise 42)", "raise.eta").ok());
  EXPECT_EQ(other->uncaught_error().AsFixnum(), 42);
  EXPECT_TRUE(Contains(other->DescribeUncaught(), "42"));
  EXPECT_TRUE(Contains(other->DescribeUncaught(), "at raise.eta:1:1"));
}

TEST(VMTest, CaughtErrorIsNotUncaught) {
  auto vm = NewVM();
  ASSERT_TRUE(RunSource(*vm, "(define e (catch (car 1)))").ok()) << vm->DescribeUncaught();
  EXPECT_TRUE(IsType(GlobalValue(*vm, "e"), ObjectType::kError));
  EXPECT_TRUE(vm->uncaught_error().IsUndefined());
}

// ---- Limits ----

VMOptions SmallStack() {
  VMOptions options;
  options.max_frames = 1000;
  return options;
}

TEST(VMTest, StackOverflowIsCatchable) {
  auto vm = NewVM(SmallStack());
  absl::Status status = RunSource(*vm,
                                  "(define (runaway n) (+ 1 (runaway n)))\n"
                                  "(define e (catch 'stack-overflow (runaway 0)))\n"
                                  "(define kind (error-object-kind e))\n"
                                  "(define (count n) (if (= n 0) 0 (+ 1 (count (- n 1)))))\n"
                                  "(define deep (count 900))\n");
  ASSERT_TRUE(status.ok()) << status << "\n" << vm->DescribeUncaught();
  EXPECT_TRUE(GlobalValue(*vm, "kind").Eq(vm->Intern("stack-overflow")));
  // After the overflow the limit is back: 900 frames still work.
  EXPECT_EQ(GlobalValue(*vm, "deep").AsFixnum(), 900);
}

TEST(VMTest, StackOverflowUncaughtIsAnError) {
  auto vm = NewVM(SmallStack());
  absl::Status status = RunSource(*vm, "(define (runaway n) (+ 1 (runaway n)))\n(runaway 0)\n");
  ASSERT_FALSE(status.ok());
  std::string report = vm->DescribeUncaught();
  EXPECT_TRUE(Contains(report, "stack-overflow"));
  EXPECT_TRUE(Contains(report, "1000"));
  // A trace of an overflow is bounded, not 1000 lines.
  EXPECT_LT(std::count(report.begin(), report.end(), '\n'), 200);
}

TEST(VMTest, StackOverflowAgainAfterCatching) {
  // The limit is restored after each overflow, so a second runaway is also
  // stopped and caught.
  auto vm = NewVM(SmallStack());
  absl::Status status =
      RunSource(*vm,
                "(define (runaway n) (+ 1 (runaway n)))\n"
                "(define (try) (error-object-kind (catch 'stack-overflow (runaway 0))))\n"
                "(define kinds (list (try) (try) (try)))\n");
  ASSERT_TRUE(status.ok()) << status << "\n" << vm->DescribeUncaught();
  EXPECT_EQ(ValueToString(GlobalValue(*vm, "kinds"), true),
            "(stack-overflow stack-overflow stack-overflow)");
}

// DISABLED: known bug. When live data fills the heap, the handler that
// `catch` runs must itself allocate (the prelude's %catch makes a closure),
// which fails again, so the out-of-memory error escapes every catch. The VM
// needs headroom for the handler, as it has for stack overflow.
TEST(VMTest, OutOfMemoryIsCatchable) {
  VMOptions options;
  // A smaller heap in the GC-stress build (a collection per allocation).
  options.heap.max_bytes = vm::kGcStressBuild ? size_t{2} << 20 : size_t{64} << 20;
  auto vm = NewVM(options);
  absl::Status status =
      RunSource(*vm,
                "(define (grow l) (grow (cons 1 l)))\n"
                "(define e (catch 'out-of-memory (grow '())))\n"
                "(define kind (error-object-kind e))\n"
                "(define after (length (make-list 1000 0)))\n");
  ASSERT_TRUE(status.ok()) << status << "\n" << vm->DescribeUncaught();
  EXPECT_TRUE(GlobalValue(*vm, "kind").Eq(vm->Intern("out-of-memory")));
  EXPECT_EQ(GlobalValue(*vm, "after").AsFixnum(), 1000);
  EXPECT_LE(vm->heap().live_bytes(), options.heap.max_bytes);
}

TEST(VMTest, HugeAllocationRequestIsAnErrorNotACrash) {
  VMOptions options;
  options.heap.max_bytes = size_t{64} << 20;
  auto vm = NewVM(options);
  absl::Status status = RunSource(
      *vm,
      "(define a (catch (make-vector 1000000000000 0)))\n"
      "(define b (catch (make-string 1000000000000 #\\a)))\n"
      "(define c (catch (make-list 1000000000000 0)))\n"
      "(define d (catch (make-bytevector 1000000000000 0)))\n"
      "(define ok (map error-object? (list a b c d)))\n");
  ASSERT_TRUE(status.ok()) << status << "\n" << vm->DescribeUncaught();
  EXPECT_EQ(ValueToString(GlobalValue(*vm, "ok"), true), "(#t #t #t #t)");
}

TEST(VMTest, GcStressRunsPrograms) {
  VMOptions options;
  options.heap.stress = true;
  auto vm = NewVM(options);
  ASSERT_TRUE(vm->heap().stress());
  OutputCapture capture(*vm);
  size_t before = vm->heap().collections();
  absl::Status status = RunSource(
      *vm,
      "(define (make-acc) (let ((total 0)) (lambda (x) (set! total (+ total x)) total)))\n"
      "(define acc (make-acc))\n"
      "(define v (make-vector 3 \"s\"))\n"
      "(vector-set! v 1 (string-append \"a\" \"b\"))\n"
      "(for-each acc '(1 2 3 4))\n"
      "(display (list (acc 0) v (reverse '(1 2 3)) (assq 'b '((a 1) (b 2)))))\n");
  ASSERT_TRUE(status.ok()) << status << "\n" << vm->DescribeUncaught();
  EXPECT_EQ(capture.text(), "(10 #(s ab s) (3 2 1) (b 2))");
  EXPECT_GT(vm->heap().collections(), before + 20);
}

TEST(VMTest, ExitIsRecorded) {
  auto vm = NewVM();
  OutputCapture capture(*vm);
  ASSERT_TRUE(RunSource(*vm, "(display \"a\")\n(exit 3)\n(display \"b\")\n").ok());
  EXPECT_TRUE(vm->exit_requested());
  EXPECT_EQ(vm->exit_status(), 3);
  EXPECT_EQ(capture.text(), "a");
}

TEST(VMTest, MainIsCalledAfterTheBody) {
  auto vm = NewVM();
  OutputCapture capture(*vm);
  ASSERT_TRUE(RunSource(*vm,
                        "(module app (define (main) (display \"main\"))\n"
                        "  (display \"body \"))\n")
                  .ok())
      << vm->DescribeUncaught();
  EXPECT_EQ(capture.text(), "body main");
}

// The standard library's internal primitives check their arguments as every
// primitive does (user code cannot name them, but a mistake in the library
// must not read or write outside an object, nor make a raise never end).
TEST(VMTest, InternalPrimitivesCheckTheirArguments) {
  auto vm = NewVM();
  OutputCapture capture(*vm);
  const std::string program = R"eta(
(define-record-type point (make-point x y) point? (x point-x set-point-x!) (y point-y))
(define p (make-point 1 2))
(define (kind thunk)
  (let ((e (catch (thunk))))
    (if (error-object? e) (error-object-kind e) (list 'returned e))))
(for-each
  (lambda (thunk) (display (kind thunk)) (newline))
  (list (lambda () (%record-ref 1 2 3 4))
        (lambda () (%record-ref p point 50000000 'point-x))
        (lambda () (%record-set! p point 50000000 9 'set-point-x!))
        (lambda () (%record-ref p point -1 'point-x))
        (lambda () (%record-ref p point 1 'point-x))
        (lambda () (%make-record point 1 2 3))
        (lambda () (%make-record-type 'q '(a 1)))
        (lambda () (%set-handlers! 42))
        (lambda () (%set-handlers! (list car 1)))
        (lambda () (%set-winders! '(1 2)))
        (lambda () (car 1))
        (lambda () (point-x p))))
)eta";
  ASSERT_TRUE(RunSource(*vm, program, "internal.eta", /*internal_names=*/true).ok())
      << ValueToString(vm->uncaught_error(), false);
  EXPECT_EQ(capture.text(),
            "type-error\ntype-error\ntype-error\ntype-error\n(returned 2)\narity-error\n"
            "type-error\ntype-error\ntype-error\ntype-error\ntype-error\n(returned 1)\n");
}

// Deep recursion with large frames is a catchable stack-overflow once the
// stack would take more than its share of the heap's limit: the stack's
// bytes count against that limit, not only its frames (issue 23, item 5).
TEST(VMTest, DeepRecursionWithLargeFramesIsAStackOverflowWithinTheHeapLimit) {
  VMOptions options;
  options.heap.max_bytes = size_t{64} << 20;
  auto vm = NewVM(options);
  OutputCapture capture(*vm);
  const std::string program = R"eta(
(define (f n)
  (let ((a1 n) (a2 n) (a3 n) (a4 n) (a5 n) (a6 n) (a7 n) (a8 n) (a9 n) (a10 n)
        (b1 n) (b2 n) (b3 n) (b4 n) (b5 n) (b6 n) (b7 n) (b8 n) (b9 n) (b10 n))
    (if (= n 0) 0
        (+ 1 (f (- n 1)) a1 a2 a3 a4 a5 a6 a7 a8 a9 a10
           b1 b2 b3 b4 b5 b6 b7 b8 b9 b10 (- 0 (* 20 n))))))
(define (kind thunk)
  (let ((e (catch (thunk))))
    (if (error-object? e) (error-object-kind e) e)))
(display (kind (lambda () (f 1000000)))) (newline)
(display (f 1000)) (newline)
(display (kind (lambda () (f 1000000)))) (newline)
)eta";
  size_t before = ProcStatusKb("VmHWM");
  ASSERT_TRUE(RunSource(*vm, program).ok()) << ValueToString(vm->uncaught_error(), false);
  EXPECT_EQ(capture.text(), "stack-overflow\n1000\nstack-overflow\n");
  // A million such frames would take about 400 MB; the stack stops within
  // the 64 MiB limit (and its last doubling held both copies).
  EXPECT_LT(ProcStatusKb("VmHWM") - before, size_t{160} << 10);
}

}  // namespace
}  // namespace eta::vm
