#include "tools/program_compiler.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "compiler/expander.h"
#include "compiler/reader.h"
#include "compiler/status_macros.h"
#include "stdlib/embedded.h"
#include "vm/module_files.h"

namespace eta::tools {
namespace {

std::string Directory(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::StatusOr<eta::module::ModuleFile> ParseModuleFile(absl::string_view bytes,
                                                        const std::string& path) {
  eta::module::ModuleFile file;
  // A bad file is reported as our error, not also by protobuf's log on
  // stderr (it logs a string field that is not UTF-8).
  google::protobuf::LogSilencer quiet;
  if (!file.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": invalid compiled module file (corrupt or truncated)"));
  }
  if (file.modules_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": invalid compiled module file (no modules: an empty file or truncated)"));
  }
  return file;
}

compiler::ModuleInterface InterfaceOf(const eta::module::Module& m) {
  compiler::ModuleInterface iface;
  iface.name = m.name();
  iface.exports.assign(m.exports().begin(), m.exports().end());
  iface.macros = m.macros();
  return iface;
}

}  // namespace

std::optional<absl::string_view> EmbeddedModuleBytes(absl::string_view name) {
  // Views of the embedded data: nothing is copied at start-up.
  static const auto* modules = [] {
    auto* map = new absl::flat_hash_map<absl::string_view, absl::string_view>;
    for (const auto& file : stdlib::EmbeddedFiles()) {
      (*map)[file.name] = absl::string_view(reinterpret_cast<const char*>(file.data), file.size);
    }
    return map;
  }();
  auto it = modules->find(name);
  if (it == modules->end()) return std::nullopt;
  return it->second;
}

const compiler::BuiltinModules& BuiltinMap() {
  // Keys are views of the embedded name lists.
  static const auto* map = [] {
    auto* m = new compiler::BuiltinModules;
    m->reserve(512);
    if (auto names = EmbeddedModuleBytes("primitives.txt")) {
      for (absl::string_view name : absl::StrSplit(*names, '\n', absl::SkipEmpty())) {
        (*m)[name] = "%builtins";
      }
    }
    if (auto names = EmbeddedModuleBytes("prelude_exports.txt")) {
      for (absl::string_view name : absl::StrSplit(*names, '\n', absl::SkipEmpty())) {
        (*m)[name] = "%prelude";
      }
    }
    return m;
  }();
  return *map;
}

std::vector<std::string> ModuleSearchPath(const std::vector<std::string>& path_flags) {
  std::vector<std::string> path;
  for (const auto& flag : path_flags) {
    for (absl::string_view dir : absl::StrSplit(flag, ':', absl::SkipEmpty())) {
      path.emplace_back(dir);
    }
  }
  if (const char* env = std::getenv("ETA_MODULE_PATH")) {
    for (absl::string_view dir : absl::StrSplit(env, ':', absl::SkipEmpty())) {
      path.emplace_back(dir);
    }
  }
  return path;
}

ProgramCompiler::ProgramCompiler(std::vector<std::string> search_path, OnModule on_module)
    : search_path_(std::move(search_path)), on_module_(std::move(on_module)) {}

absl::Status ProgramCompiler::Deliver(const eta::module::Module& module) {
  known_[module.name()] = InterfaceOf(module);
  if (on_module_) return on_module_(module);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<eta::module::Module>> ProgramCompiler::CompileFile(
    const std::string& path) {
  ETA_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  files_.push_back(path);
  directories_.push_back(Directory(path));
  absl::StatusOr<std::vector<eta::module::Module>> result;
  if (path.size() > 5 && path.substr(path.size() - 5) == ".etac") {
    auto file = ParseModuleFile(bytes, path);
    if (!file.ok()) {
      directories_.pop_back();
      return file.status();
    }
    std::vector<eta::module::Module> modules;
    for (const auto& m : file->modules()) {
      for (const auto& import : m.imports()) {
        if (known_.contains(import)) continue;
        bool in_file = false;
        for (const auto& other : file->modules()) in_file |= other.name() == import;
        if (in_file) continue;
        auto iface = Resolve(import, compiler::SourceLocation{});
        if (!iface.ok()) {
          directories_.pop_back();
          return iface.status();
        }
      }
      absl::Status delivered = Deliver(m);
      if (!delivered.ok()) {
        directories_.pop_back();
        return delivered;
      }
      modules.push_back(m);
    }
    result = std::move(modules);
  } else {
    result = CompileText(bytes, path, "%main");
  }
  directories_.pop_back();
  return result;
}

absl::StatusOr<std::vector<eta::module::Module>> ProgramCompiler::CompileText(
    const std::string& text, const std::string& path, const std::string& script_name) {
  ETA_ASSIGN_OR_RETURN(std::vector<compiler::DatumPtr> forms, compiler::ReadAll(text, path));
  ETA_ASSIGN_OR_RETURN(std::vector<compiler::ModuleSource> sources,
                       compiler::SplitProgram(forms, path, script_name));
  compiler::CompileOptions options;
  options.builtins = &BuiltinMap();
  std::vector<eta::module::Module> modules;
  for (const auto& source : sources) {
    ETA_ASSIGN_OR_RETURN(eta::module::Module m,
                         compiler::CompileModule(source, *this, options));
    ETA_RETURN_IF_ERROR(Deliver(m));
    modules.push_back(std::move(m));
  }
  return modules;
}

absl::StatusOr<compiler::ModuleInterface> ProgramCompiler::Resolve(
    const std::string& name, const compiler::SourceLocation& at) {
  auto known = known_.find(name);
  if (known != known_.end()) return known->second;
  for (size_t i = 0; i < loading_.size(); ++i) {
    if (loading_[i] == name) {
      std::vector<std::string> cycle(loading_.begin() + i, loading_.end());
      cycle.push_back(name);
      return compiler::CompileError(at, "module-error",
                                    absl::StrCat("import cycle: ", absl::StrJoin(cycle, " -> ")));
    }
  }
  std::string relative = absl::StrReplaceAll(name, {{".", "/"}});
  std::vector<std::string> dirs;
  if (!directories_.empty()) dirs.push_back(directories_.back());
  dirs.insert(dirs.end(), search_path_.begin(), search_path_.end());
  std::string found;
  for (const auto& dir : dirs) {
    found = vm::ChooseModuleFile(absl::StrCat(dir, "/", relative, ".eta"));
    if (!found.empty()) break;
  }
  loading_.push_back(name);
  absl::StatusOr<std::vector<eta::module::Module>> modules;
  if (!found.empty()) {
    if (found.size() > 5 && found.substr(found.size() - 5) == ".etac") {
      modules = CompileFile(found);
    } else {
      auto text = ReadFile(found);
      if (!text.ok()) {
        loading_.pop_back();
        return text.status();
      }
      files_.push_back(found);
      directories_.push_back(Directory(found));
      modules = CompileText(*text, found, name);
      directories_.pop_back();
    }
  } else if (auto bytes = EmbeddedModuleBytes(name)) {
    auto file = ParseModuleFile(*bytes, name);
    if (file.ok()) {
      std::vector<eta::module::Module> list;
      for (const auto& m : file->modules()) {
        absl::Status s = Deliver(m);
        if (!s.ok()) {
          loading_.pop_back();
          return s;
        }
        list.push_back(m);
      }
      modules = std::move(list);
    } else {
      modules = file.status();
    }
  } else {
    loading_.pop_back();
    return compiler::CompileError(
        at, "module-error",
        absl::StrCat("unknown module ", name, ": no ", relative, ".eta found (searched ",
                     absl::StrJoin(dirs, ", "), " and the standard library)"));
  }
  loading_.pop_back();
  if (!modules.ok()) return modules.status();
  auto it = known_.find(name);
  if (it == known_.end()) {
    return compiler::CompileError(at, "module-error",
                                  absl::StrCat(found, " does not define module ", name));
  }
  return it->second;
}

}  // namespace eta::tools
