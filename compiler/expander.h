// Expander: turns the data of one module body into the core AST, expanding
// derived forms and resolving every identifier to a local Var or a global.
#ifndef ETA_COMPILER_EXPANDER_H_
#define ETA_COMPILER_EXPANDER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "compiler/ast.h"
#include "compiler/builtin_modules.h"
#include "compiler/datum.h"
#include "compiler/macro.h"

namespace eta::compiler {

// GlobalKey names a module-level variable: (module, name). An empty module
// means a definition of the module being compiled.
struct GlobalKey {
  std::string module;
  std::string name;
  bool operator==(const GlobalKey& o) const {
    return module == o.module && name == o.name;
  }
  template <typename H>
  friend H AbslHashValue(H h, const GlobalKey& k) {
    return H::combine(std::move(h), k.module, k.name);
  }
};

// ModuleScope is what identifiers at a module's top level can mean.
struct ModuleScope {
  std::string module_name;
  absl::flat_hash_set<std::string> definitions;  // own top-level defines
  // imported: local name -> (exporting module, exported name)
  absl::flat_hash_map<std::string, GlobalKey> imports;
  // builtins: name -> module that provides it
  const BuiltinModules* builtins = nullptr;
  // internal_names: the module may name the internal (%) builtins (the
  // standard library's modules, compiled by etac_bootstrap).
  bool internal_names = false;
  // The global table being built (indices used by the code).
  std::vector<GlobalKey> globals;
  absl::flat_hash_map<GlobalKey, uint32_t> global_index;
  // imported_macros: local name -> macro of another module; the
  // environments they were defined in are kept alive by `foreign`.
  absl::flat_hash_map<std::string, std::shared_ptr<const Macro>> imported_macros;
  std::vector<std::shared_ptr<const ForeignEnvironment>> foreign;

  // GlobalIndex returns the index of `key`, adding it if new.
  uint32_t GlobalIndex(const GlobalKey& key);
};

// IsInternalName: a %-name, which only the standard library may use.
inline bool IsInternalName(const std::string& name) { return !name.empty() && name[0] == '%'; }

// Expander expands one module body.
class Expander {
 public:
  explicit Expander(ModuleScope* scope) : module_(scope) {}

  // ExpandModuleBody builds the module body lambda (function 0) from the
  // body forms; `lambdas` receives every lambda made, body first.
  absl::StatusOr<Lambda*> ExpandModuleBody(const std::vector<DatumPtr>& forms,
                                           const SourceLocation& location);

  // lambdas owns every Lambda made, in creation order.
  std::vector<std::unique_ptr<Lambda>>& lambdas() { return lambdas_; }

  // IsTopLevelMacro says whether macro `name` is defined or imported at the
  // module's top level (after ExpandModuleBody).
  bool IsTopLevelMacro(const std::string& name) const;
  // ExportMacros renders the module's top-level macros, with what their
  // templates' names mean here, for Module.macros; `exported` names the
  // macros importers may use.
  std::string ExportMacros(const std::vector<std::string>& exported);

 private:
  // Scope maps names to the locals of one binding construct.
  struct Scope {
    Scope* parent;
    Lambda* lambda;
    absl::flat_hash_map<std::string, Var*> vars;
    absl::flat_hash_map<std::string, std::shared_ptr<const Macro>> macros;
  };
  // Binding is what an identifier means at one place.
  struct Binding {
    enum class Kind { kLocal, kGlobal, kSpecial, kMacro, kUnbound } kind;
    Var* var = nullptr;
    GlobalKey key;  // kSpecial: key.name is the special form's name
    bool imported = false;
    std::shared_ptr<const Macro> macro = nullptr;
  };
  // Alias is what an identifier renamed by a macro expansion stands for:
  // `original` as seen where `macro` was defined.
  struct Alias {
    std::string original;
    std::shared_ptr<const Macro> macro;
  };

  absl::StatusOr<NodePtr> Expand(const DatumPtr& x, Scope* scope);
  absl::StatusOr<NodePtr> ExpandBody(const std::vector<DatumPtr>& forms,
                                     Scope* scope, const SourceLocation& at);
  absl::StatusOr<NodePtr> ExpandLambda(const DatumPtr& formals,
                                       const std::vector<DatumPtr>& body,
                                       Scope* scope, const std::string& name,
                                       const SourceLocation& at);
  absl::StatusOr<NodePtr> ExpandReference(const DatumPtr& symbol, Scope* scope);
  absl::StatusOr<NodePtr> ExpandSpecial(const std::string& keyword,
                                        const DatumPtr& x,
                                        const std::vector<DatumPtr>& items,
                                        Scope* scope);
  // ExpandExtra expands the forms of expander_extra.cc.
  absl::StatusOr<NodePtr> ExpandExtra(const std::string& keyword,
                                      const DatumPtr& x,
                                      const std::vector<DatumPtr>& items,
                                      Scope* scope);
  absl::StatusOr<NodePtr> ExpandCall(const DatumPtr& x,
                                     const std::vector<DatumPtr>& items,
                                     Scope* scope);
  absl::StatusOr<NodePtr> ExpandLet(const DatumPtr& x,
                                    const std::vector<DatumPtr>& items,
                                    Scope* scope);
  absl::StatusOr<NodePtr> ExpandLetStar(const DatumPtr& x,
                                        const std::vector<DatumPtr>& items,
                                        Scope* scope);
  absl::StatusOr<NodePtr> ExpandLetrec(const DatumPtr& x,
                                       const std::vector<DatumPtr>& items,
                                       Scope* scope);
  absl::StatusOr<NodePtr> ExpandCond(const DatumPtr& x,
                                     const std::vector<DatumPtr>& clauses,
                                     size_t index, Scope* scope);
  absl::StatusOr<NodePtr> ExpandCase(const DatumPtr& x,
                                     const std::vector<DatumPtr>& items,
                                     Scope* scope);
  absl::StatusOr<NodePtr> ExpandDo(const DatumPtr& x,
                                   const std::vector<DatumPtr>& items,
                                   Scope* scope);
  absl::StatusOr<NodePtr> ExpandQuasi(const DatumPtr& x, int depth,
                                      Scope* scope);
  absl::StatusOr<NodePtr> ExpandSet(const DatumPtr& x,
                                    const std::vector<DatumPtr>& items,
                                    Scope* scope);
  absl::StatusOr<std::vector<DatumPtr>> RecordTypeDefinitions(
      const DatumPtr& x, const std::vector<DatumPtr>& items);

  // Lookup says what an identifier means here.
  // Lookup resolves `name`; an internal (%) builtin only for a module with
  // internal_names or a symbol the expander made (`internal`).
  Binding Lookup(const std::string& name, Scope* scope, bool internal = false);
  // LookupAtDefinition says what `name` means where `macro` was defined.
  Binding LookupAtDefinition(const std::string& name, const Macro& macro);

  // Macros (macro_expander.cc).
  // ExpandMacro expands one use of `macro`, renaming what the template
  // introduces.
  absl::StatusOr<DatumPtr> ExpandMacro(const std::shared_ptr<const Macro>& macro,
                                       const DatumPtr& x);
  // DefineSyntax handles (define-syntax name (syntax-rules ...)) in a body.
  absl::Status DefineSyntax(const DatumPtr& form, Scope* scope);
  // ExpandLetSyntax handles let-syntax and letrec-syntax.
  absl::StatusOr<NodePtr> ExpandLetSyntax(const DatumPtr& x, bool recursive,
                                          Scope* scope);
  bool IsKeyword(const DatumPtr& x, const char* keyword, Scope* scope);
  // BuiltinRef references a builtin by name regardless of user shadowing.
  NodePtr BuiltinRef(const std::string& name, const SourceLocation& at);
  NodePtr Constant(DatumPtr datum);
  NodePtr LocalRef(Var* var, Scope* scope, const SourceLocation& at);
  NodePtr MakeNode(Node::Kind kind, const SourceLocation& at);
  NodePtr Sequence(std::vector<NodePtr> nodes, const SourceLocation& at);
  // Definition recognises (define ...), (def ...), (defun ...): returns the
  // defined name and the value expression's form.
  absl::StatusOr<bool> ParseDefinition(const DatumPtr& form, Scope* scope,
                                       std::string* name, DatumPtr* name_datum,
                                       DatumPtr* value, bool* is_lambda,
                                       DatumPtr* formals,
                                       std::vector<DatumPtr>* body);
  // FlattenBody splices (begin ...) and define-record-type into `out`.
  absl::Status FlattenBody(const std::vector<DatumPtr>& forms, Scope* scope,
                           std::vector<DatumPtr>* out);

  ModuleScope* module_;
  int define_values_count_ = 0;
  std::vector<std::unique_ptr<Lambda>> lambdas_;
  std::vector<std::unique_ptr<Scope>> scopes_;
  Scope* top_scope_ = nullptr;
  absl::flat_hash_map<std::string, Alias> aliases_;
  int alias_count_ = 0;
  int macro_depth_ = 0;  // nested expansions, to stop runaway recursion
};

// ItemsFrom returns items[from..] (empty when `from` is past the end).
std::vector<DatumPtr> ItemsFrom(const std::vector<DatumPtr>& items, size_t from);

// SyntaxError builds the Status of a syntax error at `at`.
absl::Status SyntaxError(const SourceLocation& at, const std::string& message);
// CompileError builds the Status "FILE:LINE:COL: KIND: MESSAGE".
absl::Status CompileError(const SourceLocation& at, const std::string& kind,
                          const std::string& message);

}  // namespace eta::compiler

#endif  // ETA_COMPILER_EXPANDER_H_
