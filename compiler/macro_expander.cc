// The Expander's side of macros: defining them in scopes, expanding uses
// hygienically, and exporting a module's macros.
//
// Hygiene is by renaming. Each expansion replaces every symbol its template
// introduces with a fresh alias `name\x01N` remembered in `aliases_` with
// the macro. A binding form in the expansion binds the alias, which no user
// identifier can spell; a free alias resolves as its original name where the
// macro was defined (Lookup -> LookupAtDefinition).
#include <utility>

#include "absl/strings/str_cat.h"
#include "compiler/expander.h"
#include "compiler/macro.h"
#include "compiler/status_macros.h"

namespace eta::compiler {
namespace {

constexpr int kMaxMacroDepth = 1000;

// Keywords the expander recognises by spelling inside other forms (cond's
// else, nested quasiquotes, catch's 'kind); a template keeps them as written.
bool IsAuxiliaryKeyword(const std::string& name) {
  return name == "else" || name == "=>" || name == "unquote" || name == "unquote-splicing" ||
         name == "quasiquote" || name == "quote";
}

void CollectSymbols(const DatumPtr& d, std::vector<std::string>* out) {
  if (d->IsSymbol()) {
    out->push_back(d->text);
  } else if (d->IsPair()) {
    CollectSymbols(d->car, out);
    CollectSymbols(d->cdr, out);
  } else if (d->kind == Datum::Kind::kVector) {
    for (const auto& item : d->items) CollectSymbols(item, out);
  }
}

}  // namespace

Expander::Binding Expander::LookupAtDefinition(const std::string& name,
                                               const Macro& macro) {
  if (!macro.foreign) return Lookup(name, static_cast<Scope*>(const_cast<void*>(macro.scope)));
  const ForeignEnvironment& env = *macro.foreign;
  if (std::shared_ptr<const Macro> m = env.Find(name)) {
    return Binding{Binding::Kind::kMacro, nullptr, {}, true, std::move(m)};
  }
  auto b = env.bindings.find(name);
  if (b != env.bindings.end() && b->second.kind != ForeignBinding::Kind::kMacro) {
    if (b->second.kind == ForeignBinding::Kind::kSpecial) {
      return Binding{Binding::Kind::kSpecial, nullptr, GlobalKey{"", b->second.name}};
    }
    return Binding{Binding::Kind::kGlobal, nullptr, GlobalKey{b->second.module, b->second.name},
                   true};
  }
  auto alias = aliases_.find(name);
  if (alias != aliases_.end()) {
    return LookupAtDefinition(alias->second.original, *alias->second.macro);
  }
  return Binding{Binding::Kind::kUnbound, nullptr, {}};
}

absl::StatusOr<DatumPtr> Expander::ExpandMacro(const std::shared_ptr<const Macro>& macro,
                                               const DatumPtr& x) {
  if (macro_depth_ >= kMaxMacroDepth) {
    return SyntaxError(x->location, absl::StrCat(RootName(macro->name),
                                                 ": macro expansion nested too deeply"));
  }
  absl::flat_hash_map<std::string, DatumPtr> renamed;
  Rename rename = [&](const DatumPtr& symbol) -> DatumPtr {
    const std::string& name = symbol->text;
    if (IsAuxiliaryKeyword(name)) return symbol;
    auto it = renamed.find(name);
    if (it != renamed.end()) return it->second;
    std::string alias = absl::StrCat(name, std::string(1, kAliasMark), ++alias_count_);
    aliases_[alias] = Alias{name, macro};
    DatumPtr d = MakeSymbol(alias, x->location);
    renamed[name] = d;
    return d;
  };
  return ExpandMacroUse(*macro, x, rename);
}

absl::Status Expander::DefineSyntax(const DatumPtr& form, Scope* scope) {
  std::vector<DatumPtr> items;
  if (!ListToVector(form, &items) || items.size() != 3 || !items[1]->IsSymbol()) {
    return SyntaxError(form->location,
                       "define-syntax: expected (define-syntax name (syntax-rules ...))");
  }
  ETA_ASSIGN_OR_RETURN(std::shared_ptr<Macro> macro,
                       ParseSyntaxRules(items[1]->text, items[2]));
  macro->scope = scope;
  scope->macros[items[1]->text] = std::move(macro);
  return absl::OkStatus();
}

absl::StatusOr<NodePtr> Expander::ExpandLetSyntax(const DatumPtr& x, bool recursive,
                                                  Scope* scope) {
  const char* keyword = recursive ? "letrec-syntax" : "let-syntax";
  std::vector<DatumPtr> items, bindings;
  if (!ListToVector(x, &items) || items.size() < 3 || !ListToVector(items[1], &bindings)) {
    return SyntaxError(x->location,
                       absl::StrCat(keyword, ": expected (", keyword, " ((name (syntax-rules ...)) ...) body ...)"));
  }
  scopes_.push_back(std::make_unique<Scope>(Scope{scope, scope->lambda, {}}));
  Scope* inner = scopes_.back().get();
  for (const DatumPtr& binding : bindings) {
    std::vector<DatumPtr> parts;
    if (!ListToVector(binding, &parts) || parts.size() != 2 || !parts[0]->IsSymbol()) {
      return SyntaxError(binding->location,
                         absl::StrCat(keyword, ": expected (name (syntax-rules ...))"));
    }
    ETA_ASSIGN_OR_RETURN(std::shared_ptr<Macro> macro,
                         ParseSyntaxRules(parts[0]->text, parts[1]));
    macro->scope = recursive ? inner : scope;
    inner->macros[parts[0]->text] = std::move(macro);
  }
  std::vector<DatumPtr> body(items.begin() + 2, items.end());
  return ExpandBody(body, inner, x->location);
}

bool Expander::IsTopLevelMacro(const std::string& name) const {
  return top_scope_ && (top_scope_->macros.contains(name) ||
                        module_->imported_macros.contains(name));
}

std::string Expander::ExportMacros(const std::vector<std::string>& exported) {
  ForeignEnvironment env;
  env.module = module_->module_name;
  env.exported = exported;
  auto imported_macro = [&](const std::string& name, const Macro& macro) {
    env.bindings[name] = ForeignBinding{ForeignBinding::Kind::kMacro, macro.foreign->module,
                                        macro.name};
  };
  for (const std::string& name : exported) {  // re-exported imports
    auto it = module_->imported_macros.find(name);
    if (!top_scope_->macros.contains(name) && it != module_->imported_macros.end()) {
      imported_macro(name, *it->second);
    }
  }
  for (const auto& [name, macro] : top_scope_->macros) {
    env.macros[name] = macro;
    std::vector<std::string> symbols;
    CollectSymbols(macro->spec, &symbols);
    for (const std::string& symbol : symbols) {
      if (env.bindings.contains(symbol)) continue;
      Binding b = Lookup(symbol, top_scope_);
      if (b.kind == Binding::Kind::kSpecial) {
        env.bindings[symbol] = ForeignBinding{ForeignBinding::Kind::kSpecial, "", b.key.name};
      } else if (b.kind == Binding::Kind::kGlobal) {
        std::string module = b.key.module.empty() ? module_->module_name : b.key.module;
        env.bindings[symbol] = ForeignBinding{ForeignBinding::Kind::kGlobal, module, b.key.name};
      } else if (b.kind == Binding::Kind::kMacro && b.macro->foreign) {
        imported_macro(symbol, *b.macro);
      }
    }
  }
  return SerializeForeignEnvironment(env);
}

}  // namespace eta::compiler
