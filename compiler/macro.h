// Macros: `syntax-rules` transformers. This file parses a transformer,
// matches a use against its rules and instantiates the chosen template. It
// knows nothing of scopes: the Expander supplies the renaming that makes the
// expansion hygienic (see Expander::ExpandMacro).
#ifndef ETA_COMPILER_MACRO_H_
#define ETA_COMPILER_MACRO_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "compiler/datum.h"

namespace eta::compiler {

// kAliasMark separates a renamed identifier's original name from the number
// that makes it fresh: `temp\x01` `7`. The reader never produces it.
inline constexpr char kAliasMark = '\x01';

// RootName returns the name an identifier was written as, before any
// renaming by macro expansions.
std::string RootName(const std::string& name);

// StripAliases returns `datum` with every renamed symbol replaced by its
// root name (quoted data never show renaming); `datum` itself when none is.
DatumPtr StripAliases(const DatumPtr& datum);

// MacroRule is one (pattern template) clause.
struct MacroRule {
  DatumPtr pattern;
  DatumPtr templ;
};

struct ForeignEnvironment;

// Macro is a syntax-rules transformer with the environment it was defined
// in: an Expander scope (`scope`, opaque here) of the module being compiled,
// or, for an imported macro, the defining module's top level (`foreign`).
struct Macro {
  std::string name;
  std::string ellipsis = "...";
  std::vector<std::string> literals;
  std::vector<MacroRule> rules;
  DatumPtr spec;  // the (syntax-rules ...) form as written
  const void* scope = nullptr;
  const ForeignEnvironment* foreign = nullptr;
};

// ForeignBinding is what a name means at another module's top level.
struct ForeignBinding {
  enum class Kind { kGlobal, kSpecial, kMacro } kind = Kind::kGlobal;
  std::string module;  // kGlobal, kMacro: the module defining the name
  std::string name;    // the name there, or the special form
};

// ForeignEnvironment is the top level of a compiled module, as far as its
// macros need it: the meaning of every name their templates use, and all
// its top-level macros (exported or not).
struct ForeignEnvironment {
  std::string module;
  absl::flat_hash_map<std::string, ForeignBinding> bindings;
  absl::flat_hash_map<std::string, std::shared_ptr<const Macro>> macros;
  std::vector<std::string> exported;  // names of exported macros
  // linked: the kMacro bindings (macros the module imported), filled in by
  // the importer from the defining modules' environments.
  absl::flat_hash_map<std::string, std::shared_ptr<const Macro>> linked;

  // Find returns the macro `name` means at this top level, or null.
  std::shared_ptr<const Macro> Find(const std::string& name) const;
};

// ParseSyntaxRules checks and parses `spec`, a (syntax-rules ...) form, as
// the transformer of macro `name`.
absl::StatusOr<std::shared_ptr<Macro>> ParseSyntaxRules(const std::string& name,
                                                        const DatumPtr& spec);

// Rename gives the datum a template symbol becomes in one expansion.
using Rename = std::function<DatumPtr(const DatumPtr& symbol)>;

// ExpandMacroUse matches `form` (the whole use) against the rules of `macro`
// and instantiates the first matching template; template symbols that are
// not pattern variables go through `rename`. A use that matches no rule is
// a syntax error at the use naming the macro.
absl::StatusOr<DatumPtr> ExpandMacroUse(const Macro& macro, const DatumPtr& form,
                                        const Rename& rename);

// SerializeForeignEnvironment renders `env` as text (Module.macros) and
// ParseForeignEnvironment reads it back.
std::string SerializeForeignEnvironment(const ForeignEnvironment& env);
absl::StatusOr<std::shared_ptr<ForeignEnvironment>> ParseForeignEnvironment(
    const std::string& module, const std::string& text);

}  // namespace eta::compiler

#endif  // ETA_COMPILER_MACRO_H_
