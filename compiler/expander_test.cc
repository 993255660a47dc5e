// Tests of the expander through CompileModule: error kinds and positions
// ("FILE:LINE:COL: KIND: MESSAGE") for malformed special forms, unbound
// identifiers and module errors, and the scope rules that decide them.
#include "compiler/expander.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "compiler/compiler.h"
#include "compiler/reader.h"
#include "gtest/gtest.h"

namespace eta::compiler {
namespace {

// A few builtins, as the tools would map them.
const BuiltinModules& Builtins() {
  static const auto* map = new BuiltinModules{
      {"car", "%builtins"},     {"cdr", "%builtins"},     {"cons", "%builtins"},
      {"+", "%builtins"},       {"-", "%builtins"},       {"=", "%builtins"},
      {"<", "%builtins"},       {"display", "%builtins"}, {"list", "%builtins"},
      {"%catch", "%prelude"},   {"memv", "%builtins"},    {"map", "%prelude"},
      {"%assert-failed", "%prelude"}, {"*", "%builtins"},
      {"%make-record-type", "%builtins"}, {"%make-record", "%builtins"},
      {"%record?", "%builtins"},  {"%record-ref", "%builtins"},
      {"%record-set!", "%builtins"},
  };
  return *map;
}

// Two library modules with overlapping exports, in memory.
class FakeLibraries : public ModuleResolver {
 public:
  absl::StatusOr<ModuleInterface> Resolve(const std::string& name,
                                          const SourceLocation& at) override {
    if (name == "lib.a") return ModuleInterface{"lib.a", {"x", "y", "shared"}};
    if (name == "lib.b") return ModuleInterface{"lib.b", {"x", "z"}};
    if (name == "lib.c") return ModuleInterface{"lib.c", {"shared"}};
    return CompileError(at, "module-error", absl::StrCat("unknown module ", name));
  }
};

// Compile compiles every module of `text` (file "t.eta"); returns "ok" or
// the first error message.
std::string Compile(const std::string& text) {
  auto forms = ReadAll(text, "t.eta");
  if (!forms.ok()) return std::string(forms.status().message());
  auto sources = SplitProgram(*forms, "t.eta", "%main");
  if (!sources.ok()) return std::string(sources.status().message());
  FakeLibraries resolver;
  CompileOptions options;
  options.builtins = &Builtins();
  for (const auto& source : *sources) {
    auto m = CompileModule(source, resolver, options);
    if (!m.ok()) {
      EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
      return std::string(m.status().message());
    }
  }
  return "ok";
}

// ExpectError checks that compiling `text` fails at `position` ("L:C") with
// `kind` and a message containing `fragment`.
void ExpectError(const std::string& text, const std::string& position,
                 const std::string& kind, const std::string& fragment) {
  SCOPED_TRACE(text);
  std::string error = Compile(text);
  std::string prefix = absl::StrCat("t.eta:", position, ": ", kind, ": ");
  EXPECT_EQ(error.substr(0, prefix.size()), prefix) << "error: " << error;
  EXPECT_NE(error.find(fragment), std::string::npos)
      << "error: " << error << "\nmissing: " << fragment;
}

// IsFormatted tells whether `error` reads "t.eta:LINE:COL: KIND: MESSAGE".
bool IsFormatted(const std::string& error) {
  size_t at = 0;
  auto take = [&](auto allowed) {
    size_t start = at;
    while (at < error.size() && allowed(error[at])) ++at;
    return at > start;
  };
  auto literal = [&](const std::string& text) {
    if (error.compare(at, text.size(), text) != 0) return false;
    at += text.size();
    return true;
  };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto kind = [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; };
  return literal("t.eta:") && take(digit) && literal(":") && take(digit) && literal(": ") &&
         take(kind) && literal(": ") && at < error.size();
}

TEST(ExpanderTest, ErrorsFollowTheFormat) {
  EXPECT_FALSE(IsFormatted("ok"));
  EXPECT_FALSE(IsFormatted("t.eta:1: syntax-error: x"));
  for (const char* text : {"(if)", "(lambda)", "(let ((x)) x)", "nope", "(set! car 1)",
                           "(module m (export q))", "(quote)", "(define)"}) {
    std::string error = Compile(text);
    EXPECT_TRUE(IsFormatted(error)) << text << " -> " << error;
  }
}

TEST(ExpanderTest, MalformedSpecialFormsArePlaced) {
  ExpectError("(if)", "1:1", "syntax-error", "if: expected (if test then [else])");
  ExpectError("(display 1)\n  (if 1 2 3 4)", "2:3", "syntax-error", "if:");
  ExpectError("(quote 1 2)", "1:1", "syntax-error", "quote: expected (quote datum)");
  ExpectError("(lambda)", "1:1", "syntax-error", "lambda: expected");
  ExpectError("(lambda (x))", "1:1", "syntax-error", "lambda: expected");
  ExpectError("(let ((x 1)))", "1:1", "syntax-error", "let: expected");
  ExpectError("(lambda (x 5) x)", "1:12", "syntax-error", "a parameter must be a symbol");
  ExpectError("(lambda (a b a) a)", "1:14", "syntax-error", "duplicate parameter a");
  ExpectError("(let ((x)) x)", "1:7", "syntax-error", "let: each binding must be (name value)");
  ExpectError("(let ((x 1) (x 2)) x)", "1:14", "syntax-error", "let: duplicate binding x");
  ExpectError("(let x)", "1:1", "syntax-error", "let: expected");
  ExpectError("(let* (y) y)", "1:8", "syntax-error", "let*: each binding must be (name value)");
  ExpectError("(letrec 5 1)", "1:9", "syntax-error", "letrec: bindings must be a list");
  ExpectError("(cond (else 1) (#t 2))", "1:7", "syntax-error", "cond: else must be the last clause");
  ExpectError("(cond 5)", "1:7", "syntax-error", "cond: each clause must be");
  ExpectError("(case)", "1:1", "syntax-error", "case: expected (case key clause ...)");
  ExpectError("(case 1 (else 2) ((1) 3))", "1:9", "syntax-error", "case: else must be the last");
  ExpectError("(do ((i 0 1 2)) (#t))", "1:6", "syntax-error", "do: each variable must be");
  ExpectError("(when)", "1:1", "syntax-error", "when: expected");
  ExpectError("(set! 5 1)", "1:7", "syntax-error", "set!: expected a variable name");
  ExpectError("(set! x)", "1:1", "syntax-error", "set!: expected (set! name value)");
  ExpectError("(define)", "1:1", "syntax-error", "define: expected");
  ExpectError("(define (f))", "1:1", "syntax-error", "procedure f has an empty body");
  ExpectError("(define 5 1)", "1:9", "syntax-error", "define: expected a name");
  ExpectError("(define x 1 2)", "1:1", "syntax-error", "define: expected one value after x");
  ExpectError("(defun f)", "1:1", "syntax-error", "defun: expected");
  ExpectError("()", "1:1", "syntax-error", "empty application");
  ExpectError("(car . 1)", "1:1", "syntax-error", "a call must be a proper list");
  ExpectError("(catch)", "1:1", "syntax-error", "catch: expected");
  ExpectError("(assert)", "1:1", "syntax-error", "assert: expected (assert expression)");
  ExpectError("(define-record-type)", "1:1", "syntax-error", "define-record-type");
  ExpectError("(display if)", "1:10", "syntax-error", "if: special form used as a variable");
  ExpectError("(unquote x)", "1:1", "syntax-error", "not inside a quasiquote");
}

TEST(ExpanderTest, ErrorsInsideNestedCodeAreAtTheInnerForm) {
  ExpectError("(define (f x)\n"
              "  (let ((y 1))\n"
              "    (lambda (z)\n"
              "      (if z))))\n",
              "4:7", "syntax-error", "if:");
}

TEST(ExpanderTest, UnboundIdentifiersNameTheIdentifierAndModule) {
  ExpectError("(display undefined-thing)", "1:10", "unbound-variable",
              "undefined-thing is not defined (in module %main)");
  ExpectError("(module shop\n  (define (total) (+ 1 price)))", "2:24", "unbound-variable",
              "price is not defined (in module shop)");
  ExpectError("(set! nowhere 1)", "1:7", "unbound-variable", "nowhere is not defined");
  // A definition's own body sees it, and later definitions are visible to
  // earlier procedures; a local never escapes its scope.
  EXPECT_EQ(Compile("(define (f) (g))\n(define (g) 1)"), "ok");
  ExpectError("(define (f) (let ((local 1)) local))\n(display local)", "2:10",
              "unbound-variable", "local is not defined");
}

TEST(ExpanderTest, SetOfAnImportIsAModuleError) {
  ExpectError("(import lib.a)\n(set! x 1)", "2:7", "module-error",
              "cannot assign to x: it is imported from module lib.a (in module %main)");
  ExpectError("(module m (import (rename lib.a (y why)))\n  (set! why 2))", "2:9",
              "module-error", "cannot assign to why");
  // Builtins are imports as well.
  ExpectError("(set! car 1)", "1:7", "module-error", "cannot assign to car");
  // A module's own definition shadows the builtin, and may then be set.
  EXPECT_EQ(Compile("(define (car x) x)\n(set! car 1)"), "ok");
}

TEST(ExpanderTest, ExportOfAnUndefinedNameIsAModuleError) {
  ExpectError("(module m\n  (export f ghost)\n  (define (f) 1))", "2:13", "module-error",
              "export of undefined name ghost (in module m)");
  EXPECT_EQ(Compile("(module m (export f) (define (f) 1))"), "ok");
  // Re-exporting an import or a builtin is allowed.
  EXPECT_EQ(Compile("(module m (import lib.a) (export x car))"), "ok");
}

TEST(ExpanderTest, ConflictingImportsAreAModuleError) {
  ExpectError("(module m (import lib.a)\n  (import lib.b))", "2:11", "module-error",
              "conflicting imports of x from lib.a and lib.b (in module m)");
  // Excluding the clash resolves it; importing one module twice is no clash.
  EXPECT_EQ(Compile("(module m (import lib.a (except lib.b x)))"), "ok");
  EXPECT_EQ(Compile("(module m (import lib.a lib.a))"), "ok");
  EXPECT_EQ(Compile("(module m (import lib.a (prefix lib.b b:)) (define q b:x))"), "ok");
}

TEST(ExpanderTest, ImportSpecErrors) {
  ExpectError("(import (only lib.a nothere))", "1:21", "module-error",
              "only: nothere is not exported");
  ExpectError("(import (except lib.b y))", "1:23", "module-error", "except: y is not exported");
  ExpectError("(import (rename lib.a (q r)))", "1:24", "module-error", "rename: q");
  ExpectError("(import missing.module)", "1:9", "module-error", "unknown module missing.module");
  ExpectError("(import (only lib.a x))\n(display y)", "2:10", "unbound-variable", "y");
  ExpectError("(import (prefix lib.a a:))\n(display x)", "2:10", "unbound-variable", "x");
}

TEST(ExpanderTest, ModulesInOneFile) {
  ExpectError("(module a (define x 1))\n(display 1)", "2:1", "syntax-error",
              "only (module ...) forms");
  ExpectError("(module)", "1:1", "syntax-error", "module: expected");
  // Each module has its own scope.
  ExpectError("(module a (define secret 1))\n(module b (display secret))", "2:20",
              "unbound-variable", "secret is not defined (in module b)");
}

TEST(ExpanderTest, ShadowingFollowsScope) {
  // Locals shadow builtins and special forms.
  EXPECT_EQ(Compile("(define (f car) (car 1))"), "ok");
  EXPECT_EQ(Compile("(define (f if) (if 1))"), "ok");
  EXPECT_EQ(Compile("(let ((list 5)) (+ list 1))"), "ok");
  // A local named like a special form makes it a variable there only.
  ExpectError("(define (f if) if)\n(if)", "2:1", "syntax-error", "if:");
  EXPECT_EQ(Compile("(define (define) 1)"), "ok");
}

TEST(ExpanderTest, ValidProgramsCompile) {
  for (const char* text : {
           "(define (f . args) args)",
           "(define x `(1 ,(+ 1 1) ,@(list 3)))",
           "(let loop ((i 0)) (if (< i 3) (loop (+ i 1))))",
           "(do ((i 0 (+ i 1))) ((= i 3) i) (display i))",
           "(case 2 ((1 2) 'a) (else => (lambda (x) x)))",
           "(cond ((car '(1)) => display) (else 2))",
           "(define-record-type point (make-point x y) point? (x point-x) (y point-y set-y!))",
           "(catch 'type-error (car 1))",
           "(assert (= 1 1))",
           "(defun sq (x) (* x x))",
       }) {
    EXPECT_EQ(Compile(text), "ok") << text;
  }
}

}  // namespace
}  // namespace eta::compiler
