#include "compiler/compiler.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/codegen.h"
#include "compiler/expander.h"
#include "compiler/status_macros.h"
#include "vm/opcodes.h"

namespace eta::compiler {
namespace {

bool IsClause(const DatumPtr& form, const char* head) {
  return form->IsPair() && form->car->IsSymbol(head);
}

absl::Status AddClause(const DatumPtr& clause, ModuleSource* out) {
  std::vector<DatumPtr> items;
  if (!ListToVector(clause, &items)) {
    return SyntaxError(clause->location, "module clause must be a proper list");
  }
  if (IsClause(clause, "import")) {
    out->import_specs.insert(out->import_specs.end(), items.begin() + 1, items.end());
  } else if (IsClause(clause, "export")) {
    for (size_t i = 1; i < items.size(); ++i) {
      if (!items[i]->IsSymbol()) {
        return SyntaxError(items[i]->location, "export: expected names");
      }
      out->exports.push_back(items[i]);
    }
  } else if (IsClause(clause, "begin")) {
    out->body.insert(out->body.end(), items.begin() + 1, items.end());
  } else {
    out->body.push_back(clause);
  }
  return absl::OkStatus();
}

// ImportEntry is one name an import spec brings in: local name ->
// (module, exported name), a variable or (`macro`) a macro.
struct ImportEntry {
  std::string first;
  GlobalKey second;
  bool macro = false;
};
using ImportSet = std::vector<ImportEntry>;
// The macro environments of the imported modules, by module name.
using MacroTables = absl::flat_hash_map<std::string, std::shared_ptr<const ForeignEnvironment>>;

// LoadMacroTable parses the macros of module `iface` into `macros`, with
// the macros they use from other modules (resolved through `resolver`).
absl::Status LoadMacroTable(const ModuleInterface& iface, ModuleResolver& resolver,
                            const SourceLocation& at, MacroTables* macros) {
  if (macros->contains(iface.name)) return absl::OkStatus();
  auto parsed = ParseForeignEnvironment(iface.name, iface.macros);
  if (!parsed.ok()) {
    return CompileError(at, "module-error", std::string(parsed.status().message()));
  }
  std::shared_ptr<ForeignEnvironment> env = *std::move(parsed);
  for (const auto& [name, binding] : env->bindings) {
    if (binding.kind != ForeignBinding::Kind::kMacro) continue;
    ETA_ASSIGN_OR_RETURN(ModuleInterface from, resolver.Resolve(binding.module, at));
    ETA_RETURN_IF_ERROR(LoadMacroTable(from, resolver, at, macros));
    std::shared_ptr<const Macro> macro = macros->at(from.name)->Find(binding.name);
    if (!macro) {
      return CompileError(at, "module-error",
                          absl::StrCat("module ", binding.module, " has no macro ",
                                       binding.name, " (used by module ", iface.name, ")"));
    }
    env->linked[name] = std::move(macro);
  }
  (*macros)[iface.name] = std::move(env);
  return absl::OkStatus();
}

absl::StatusOr<ImportSet> ResolveSpec(const DatumPtr& spec, ModuleResolver& resolver,
                                      const std::string& importer, MacroTables* macros) {
  if (spec->IsSymbol()) {
    ETA_ASSIGN_OR_RETURN(ModuleInterface iface, resolver.Resolve(spec->text, spec->location));
    ImportSet set;
    for (const std::string& name : iface.exports) {
      set.push_back({name, GlobalKey{iface.name, name}});
    }
    if (!iface.macros.empty()) {
      ETA_RETURN_IF_ERROR(LoadMacroTable(iface, resolver, spec->location, macros));
      for (const std::string& name : macros->at(iface.name)->exported) {
        set.push_back({name, GlobalKey{iface.name, name}, true});
      }
    }
    return set;
  }
  std::vector<DatumPtr> items;
  if (!spec->IsPair() || !ListToVector(spec, &items) || items.size() < 2 ||
      !items[0]->IsSymbol()) {
    return CompileError(spec->location, "module-error",
                        absl::StrCat("bad import spec ", WriteDatum(*spec)));
  }
  const std::string& kind = items[0]->text;
  if (kind != "only" && kind != "except" && kind != "rename" && kind != "prefix") {
    // A list like (a b c) names module a.b.c in R7RS style.
    std::vector<std::string> parts;
    for (const auto& item : items) {
      if (!item->IsSymbol() && item->kind != Datum::Kind::kInteger) {
        return CompileError(spec->location, "module-error",
                            absl::StrCat("bad import spec ", WriteDatum(*spec)));
      }
      parts.push_back(item->IsSymbol() ? item->text : absl::StrCat(item->integer));
    }
    return ResolveSpec(MakeSymbol(absl::StrJoin(parts, "."), spec->location), resolver,
                       importer, macros);
  }
  ETA_ASSIGN_OR_RETURN(ImportSet inner, ResolveSpec(items[1], resolver, importer, macros));
  auto find = [&](const std::string& name) {
    for (size_t i = 0; i < inner.size(); ++i) {
      if (inner[i].first == name) return static_cast<int>(i);
    }
    return -1;
  };
  auto missing = [&](const DatumPtr& id) {
    return CompileError(id->location, "module-error",
                        absl::StrCat(kind, ": ", id->text,
                                     " is not exported by the imported module (in module ",
                                     importer, ")"));
  };
  ImportSet out;
  if (kind == "only") {
    for (size_t i = 2; i < items.size(); ++i) {
      if (!items[i]->IsSymbol()) return SyntaxError(items[i]->location, "only: expected names");
      int at = find(items[i]->text);
      if (at < 0) return missing(items[i]);
      out.push_back(inner[at]);
    }
  } else if (kind == "except") {
    absl::flat_hash_set<std::string> drop;
    for (size_t i = 2; i < items.size(); ++i) {
      if (!items[i]->IsSymbol()) return SyntaxError(items[i]->location, "except: expected names");
      if (find(items[i]->text) < 0) return missing(items[i]);
      drop.insert(items[i]->text);
    }
    for (auto& entry : inner) {
      if (!drop.contains(entry.first)) out.push_back(entry);
    }
  } else if (kind == "rename") {
    out = inner;
    for (size_t i = 2; i < items.size(); ++i) {
      std::vector<DatumPtr> pair;
      if (!ListToVector(items[i], &pair) || pair.size() != 2 || !pair[0]->IsSymbol() ||
          !pair[1]->IsSymbol()) {
        return SyntaxError(items[i]->location, "rename: expected (old new)");
      }
      int at = find(pair[0]->text);
      if (at < 0) return missing(pair[0]);
      out[at].first = pair[1]->text;
    }
  } else {  // prefix
    if (items.size() != 3 || !items[2]->IsSymbol()) {
      return SyntaxError(spec->location, "prefix: expected (prefix spec prefix)");
    }
    for (auto& entry : inner) {
      out.push_back({items[2]->text + entry.first, entry.second, entry.macro});
    }
  }
  return out;
}

// ModuleNameOfSpec finds the module a spec imports.
absl::StatusOr<std::string> ModuleNameOfSpec(const DatumPtr& spec) {
  if (spec->IsSymbol()) return spec->text;
  std::vector<DatumPtr> items;
  if (!spec->IsPair() || !ListToVector(spec, &items) || items.empty()) {
    return CompileError(spec->location, "module-error",
                        absl::StrCat("bad import spec ", WriteDatum(*spec)));
  }
  if (items[0]->IsSymbol() &&
      (items[0]->text == "only" || items[0]->text == "except" ||
       items[0]->text == "rename" || items[0]->text == "prefix") &&
      items.size() >= 2) {
    return ModuleNameOfSpec(items[1]);
  }
  std::vector<std::string> parts;
  for (const auto& item : items) {
    if (!item->IsSymbol()) {
      return CompileError(spec->location, "module-error",
                          absl::StrCat("bad import spec ", WriteDatum(*spec)));
    }
    parts.push_back(item->text);
  }
  return absl::StrJoin(parts, ".");
}

}  // namespace

absl::StatusOr<std::vector<ModuleSource>> SplitProgram(
    const std::vector<DatumPtr>& forms, const std::string& file,
    const std::string& script_name) {
  std::vector<ModuleSource> modules;
  bool has_modules = false;
  for (const DatumPtr& form : forms) has_modules |= IsClause(form, "module");
  if (!has_modules) {
    ModuleSource script;
    script.name = script_name;
    script.file = file;
    script.script = true;
    if (!forms.empty()) script.location = forms[0]->location;
    script.location.line = script.location.line ? script.location.line : 1;
    for (const DatumPtr& form : forms) {
      if (IsClause(form, "import")) {
        ETA_RETURN_IF_ERROR(AddClause(form, &script));
      } else {
        script.body.push_back(form);
      }
    }
    modules.push_back(std::move(script));
    return modules;
  }
  for (const DatumPtr& form : forms) {
    if (!IsClause(form, "module")) {
      return SyntaxError(form->location,
                         "a file with modules may hold only (module ...) forms");
    }
    std::vector<DatumPtr> items;
    if (!ListToVector(form, &items) || items.size() < 2 || !items[1]->IsSymbol()) {
      return SyntaxError(form->location, "module: expected (module name clause ...)");
    }
    ModuleSource m;
    m.name = items[1]->text;
    m.file = file;
    m.location = form->location;
    for (size_t i = 2; i < items.size(); ++i) {
      ETA_RETURN_IF_ERROR(AddClause(items[i], &m));
    }
    modules.push_back(std::move(m));
  }
  return modules;
}

absl::StatusOr<std::vector<std::string>> ImportedModules(const ModuleSource& source) {
  std::vector<std::string> names;
  for (const DatumPtr& spec : source.import_specs) {
    ETA_ASSIGN_OR_RETURN(std::string name, ModuleNameOfSpec(spec));
    bool seen = false;
    for (const auto& n : names) seen |= n == name;
    if (!seen) names.push_back(name);
  }
  return names;
}

absl::StatusOr<eta::module::Module> CompileModule(const ModuleSource& source,
                                                  ModuleResolver& resolver,
                                                  const CompileOptions& options) {
  ModuleScope scope;
  scope.module_name = source.name;
  scope.builtins = options.builtins;
  scope.internal_names = options.internal_names;
  if (options.predefined) {
    scope.definitions.insert(options.predefined->begin(), options.predefined->end());
  }
  MacroTables macros;
  for (const DatumPtr& spec : source.import_specs) {
    ETA_ASSIGN_OR_RETURN(ImportSet set, ResolveSpec(spec, resolver, source.name, &macros));
    for (auto& [local, key, is_macro] : set) {
      if (is_macro) {
        std::shared_ptr<const ForeignEnvironment> env = macros.at(key.module);
        auto& slot = scope.imported_macros[local];
        std::shared_ptr<const Macro> macro = env->Find(key.name);
        if (!macro) continue;
        if (slot && slot != macro) {
          return CompileError(spec->location, "module-error",
                              absl::StrCat("conflicting imports of macro ", local,
                                           " (in module ", source.name, ")"));
        }
        slot = macro;
        continue;
      }
      auto it = scope.imports.find(local);
      if (it != scope.imports.end() && !(it->second == key)) {
        return CompileError(spec->location, "module-error",
                            absl::StrCat("conflicting imports of ", local, " from ",
                                         it->second.module, " and ", key.module,
                                         " (in module ", source.name, ")"));
      }
      scope.imports[local] = key;
    }
  }
  Expander expander(&scope);
  ETA_ASSIGN_OR_RETURN(Lambda * body, expander.ExpandModuleBody(source.body, source.location));
  (void)body;
  eta::module::Module out;
  out.set_format_version(vm::kFormatVersion);
  out.set_name(source.name);
  out.set_source_file(source.file);
  out.set_script(source.script);
  ETA_ASSIGN_OR_RETURN(std::vector<std::string> imports, ImportedModules(source));
  for (const auto& name : imports) out.add_imports(name);
  // Exports: own definitions, imports, or builtins (re-exported).
  std::vector<std::string> exports;
  if (options.export_all) {
    for (const auto& key : std::vector<GlobalKey>(scope.globals)) {
      if (key.module.empty()) exports.push_back(key.name);
    }
    for (const auto& name : scope.definitions) {
      bool seen = false;
      for (const auto& e : exports) seen |= e == name;
      if (!seen) exports.push_back(name);
    }
  }
  std::vector<std::string> exported_macros;
  for (const DatumPtr& name : source.exports) {
    const std::string& n = name->text;
    if (expander.IsTopLevelMacro(n)) {
      exported_macros.push_back(n);
      continue;
    }
    if (scope.definitions.contains(n)) {
      scope.GlobalIndex(GlobalKey{"", n});
    } else if (scope.imports.contains(n)) {
      GlobalKey key = scope.imports[n];
      uint32_t index = scope.GlobalIndex(key);
      (void)index;
    } else if (options.builtins && options.builtins->contains(n) &&
               (options.internal_names || !IsInternalName(n))) {
      scope.GlobalIndex(GlobalKey{std::string(options.builtins->at(n)), n});
    } else {
      return CompileError(name->location, "module-error",
                          absl::StrCat("export of undefined name ", n, " (in module ",
                                       source.name, ")"));
    }
    exports.push_back(n);
  }
  for (const auto& e : exports) out.add_exports(e);
  if (!exported_macros.empty()) out.set_macros(expander.ExportMacros(exported_macros));
  for (const auto& [name, env] : macros) scope.foreign.push_back(env);
  ETA_RETURN_IF_ERROR(GenerateModule(scope, expander.lambdas(), &out));
  // An imported binding is named by its local name in the global table.
  for (int i = 0; i < out.globals_size(); ++i) {
    auto* g = out.mutable_globals(i);
    if (g->module().empty()) continue;
    for (const auto& [local, key] : scope.imports) {
      if (key.module == g->module() && key.name == g->export_name()) {
        g->set_name(local);
        break;
      }
    }
  }
  return out;
}

}  // namespace eta::compiler
