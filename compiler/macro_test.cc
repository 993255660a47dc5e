// Tests of syntax-rules: matching and instantiation (macro.h), and macros
// through CompileModule: errors, exports and imports of macros.
#include "compiler/macro.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "compiler/compiler.h"
#include "compiler/reader.h"
#include "gtest/gtest.h"

namespace eta::compiler {
namespace {

DatumPtr Read(const std::string& text) {
  auto forms = ReadAll(text, "t.eta");
  EXPECT_TRUE(forms.ok()) << forms.status();
  return (*forms)[0];
}

// Expand expands `use` with the transformer `spec`, leaving template
// symbols as written; returns the written result or the error message.
std::string Expand(const std::string& spec, const std::string& use) {
  auto macro = ParseSyntaxRules("m", Read(spec));
  if (!macro.ok()) return std::string(macro.status().message());
  auto result = ExpandMacroUse(**macro, Read(use), [](const DatumPtr& s) { return s; });
  if (!result.ok()) return std::string(result.status().message());
  return WriteDatum(**result);
}

TEST(MacroTest, SimplePatterns) {
  EXPECT_EQ(Expand("(syntax-rules () ((_ a b) (b a)))", "(m 1 2)"), "(2 1)");
  EXPECT_EQ(Expand("(syntax-rules () ((_ a . r) (r a)))", "(m 1 2 3)"), "((2 3) 1)");
  EXPECT_EQ(Expand("(syntax-rules () ((_ _ b) b))", "(m 1 2)"), "2");
}

TEST(MacroTest, Ellipses) {
  EXPECT_EQ(Expand("(syntax-rules () ((_ a ...) (f a ... end)))", "(m 1 2 3)"),
            "(f 1 2 3 end)");
  EXPECT_EQ(Expand("(syntax-rules () ((_ a ... b c) (b c a ...)))", "(m 1 2 3 4)"),
            "(3 4 1 2)");
  EXPECT_EQ(Expand("(syntax-rules () ((_ (a b ...) ...) ((b ... a) ...)))",
                   "(m (1 2 3) (4))"),
            "((2 3 1) (4))");
  EXPECT_EQ(Expand("(syntax-rules () ((_ (a ...) ...) (a ... ...)))", "(m (1 2) (3))"),
            "(1 2 3)");
  EXPECT_EQ(Expand("(syntax-rules ::: () ((_ a :::) (a ::: ...)))", "(m 1 2)"),
            "(1 2 ...)");
  EXPECT_EQ(Expand("(syntax-rules () ((_ a) (... (a ...))))", "(m 1)"), "(1 ...)");
}

TEST(MacroTest, VectorsAndLiterals) {
  EXPECT_EQ(Expand("(syntax-rules () ((_ #(a ...)) #(a ... 0)))", "(m #(1 2))"),
            "#(1 2 0)");
  EXPECT_EQ(Expand("(syntax-rules (=>) ((_ a => b) (b a)) ((_ a b c) other))",
                   "(m 1 => f)"),
            "(f 1)");
  EXPECT_EQ(Expand("(syntax-rules (=>) ((_ a => b) (b a)) ((_ a b c) other))",
                   "(m 1 -> f)"),
            "other");
  EXPECT_EQ(Expand("(syntax-rules () ((_ 1 a) a))", "(m 1 x)"), "x");
}

TEST(MacroTest, Errors) {
  EXPECT_EQ(Expand("(syntax-rules () ((_ a) a))", "(m 1 2)"),
            "t.eta:1:1: syntax-error: m: no syntax rule matches (m 1 2)");
  EXPECT_NE(Expand("(syntax-rules (1) ((_ a) a))", "(m 1)").find("literal"),
            std::string::npos);
  EXPECT_NE(Expand("(syntax-rules () (a))", "(m 1)").find("syntax-error"),
            std::string::npos);
  EXPECT_NE(Expand("(syntax-rules () ((_ a ...) a))", "(m 1)").find("ellipsis"),
            std::string::npos);
}

TEST(MacroTest, StripAliases) {
  std::string alias = std::string("x") + kAliasMark + "3";
  DatumPtr d = MakeList({MakeSymbol(alias, {}), MakeSymbol("y", {})}, {});
  EXPECT_EQ(WriteDatum(*StripAliases(d)), "(x y)");
  EXPECT_EQ(RootName(alias), "x");
}

// One library module compiled in memory and offered to importers.
class Library : public ModuleResolver {
 public:
  absl::StatusOr<ModuleInterface> Resolve(const std::string& name,
                                          const SourceLocation& at) override {
    if (name != "lib") return absl::NotFoundError(name);
    return ModuleInterface{"lib", exports, macros};
  }
  std::vector<std::string> exports;
  std::string macros;
};

const BuiltinModules& Builtins() {
  static const auto* map = new BuiltinModules{
      {"+", "%builtins"}, {"list", "%builtins"}, {"display", "%builtins"}};
  return *map;
}

absl::StatusOr<eta::module::Module> CompileText(const std::string& text, Library& lib) {
  auto forms = ReadAll(text, "t.eta");
  if (!forms.ok()) return forms.status();
  auto sources = SplitProgram(*forms, "t.eta", "%main");
  if (!sources.ok()) return sources.status();
  CompileOptions options;
  options.builtins = &Builtins();
  return CompileModule((*sources)[0], lib, options);
}

TEST(MacroModuleTest, ExportedMacroRefersToPrivateDefinition) {
  Library lib;
  auto m = CompileText(
      "(module lib (export m) (define secret 1)"
      " (define-syntax m (syntax-rules () ((_ x) (+ x secret)))))",
      lib);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->exports_size(), 0);
  EXPECT_NE(m->macros().find("define-syntax"), std::string::npos);
  lib.macros = m->macros();
  auto user = CompileText("(import lib) (define secret 5) (display (m 2))", lib);
  ASSERT_TRUE(user.ok()) << user.status();
  bool refers_to_private = false;
  for (const auto& g : user->globals()) {
    refers_to_private |= g.module() == "lib" && g.export_name() == "secret";
  }
  EXPECT_TRUE(refers_to_private);
}

TEST(MacroModuleTest, ImportSpecsRenameMacros) {
  Library lib;
  auto m = CompileText("(module lib (export m) (define-syntax m (syntax-rules () ((_) 1))))",
                       lib);
  ASSERT_TRUE(m.ok()) << m.status();
  lib.macros = m->macros();
  EXPECT_TRUE(CompileText("(import (rename lib (m n))) (display (n))", lib).ok());
  auto hidden = CompileText("(import (except lib m)) (display (m))", lib);
  ASSERT_FALSE(hidden.ok());
  EXPECT_NE(hidden.status().message().find("unbound-variable"), std::string::npos);
}

TEST(MacroModuleTest, DefineSyntaxOutsideBodyIsAnError) {
  Library lib;
  auto m = CompileText("(display (if #t (define-syntax m (syntax-rules ())) 1))", lib);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("syntax-error: define-syntax"), std::string::npos);
}

}  // namespace
}  // namespace eta::compiler
