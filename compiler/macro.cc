#include "compiler/macro.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "compiler/expander.h"
#include "compiler/reader.h"
#include "compiler/stack_guard.h"
#include "compiler/status_macros.h"

namespace eta::compiler {
namespace {

// Match is what a pattern variable matched: one datum, or (under an
// ellipsis) a sequence of matches.
struct Match {
  DatumPtr datum;
  std::vector<Match> items;
  bool sequence = false;
};
using Bindings = absl::flat_hash_map<std::string, Match>;
// MatchView is what each pattern variable stands for at one point of a
// template (inside ellipses: one element of its sequence).
using MatchView = absl::flat_hash_map<std::string, const Match*>;

// Spread splits a list into its elements and its final cdr.
void Spread(DatumPtr list, std::vector<DatumPtr>* items, DatumPtr* tail) {
  while (list->IsPair()) {
    items->push_back(list->car);
    list = list->cdr;
  }
  *tail = list;
}

bool SameAtom(const Datum& a, const Datum& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Datum::Kind::kNil: return true;
    case Datum::Kind::kBool: return a.boolean == b.boolean;
    case Datum::Kind::kInteger: return a.integer == b.integer;
    case Datum::Kind::kReal: return a.real == b.real;
    case Datum::Kind::kChar: return a.character == b.character;
    case Datum::Kind::kString: return a.text == b.text;
    default: return false;
  }
}

// Symbols lists the symbols of `d` in written order (without recursion:
// patterns and templates may be long or deep).
std::vector<DatumPtr> Symbols(const DatumPtr& d) {
  std::vector<DatumPtr> found;
  std::vector<const DatumPtr*> work{&d};
  while (!work.empty()) {
    const DatumPtr& x = *work.back();
    work.pop_back();
    if (x->IsSymbol()) {
      found.push_back(x);
    } else if (x->IsPair()) {
      work.push_back(&x->cdr);
      work.push_back(&x->car);
    } else if (x->kind == Datum::Kind::kVector) {
      for (size_t i = x->items.size(); i-- > 0;) work.push_back(&x->items[i]);
    }
  }
  return found;
}

class Matcher {
 public:
  explicit Matcher(const Macro& macro) : macro_(macro) {}

  bool IsEllipsis(const DatumPtr& d) const {
    return d->IsSymbol() && RootName(d->text) == macro_.ellipsis;
  }
  bool IsLiteral(const DatumPtr& d) const {
    for (const auto& l : macro_.literals) {
      if (l == d->text) return true;
    }
    return false;
  }

  // Match matches `input` against `pattern`, adding to `out`. A pattern
  // nested too deep for the stack does not match, and too_deep says so.
  bool MatchDatum(const DatumPtr& pattern, const DatumPtr& input, Bindings* out) const {
    if (StackLow()) {
      too_deep_ = true;
      return false;
    }
    if (pattern->IsSymbol()) {
      if (IsLiteral(pattern)) {
        return input->IsSymbol() && RootName(input->text) == RootName(pattern->text);
      }
      if (RootName(pattern->text) == "_") return true;
      (*out)[pattern->text] = Match{input, {}, false};
      return true;
    }
    if (pattern->IsPair() || pattern->IsNil()) {
      if (!input->IsPair() && !input->IsNil()) return false;
      std::vector<DatumPtr> p, in;
      DatumPtr p_tail, in_tail;
      Spread(pattern, &p, &p_tail);
      Spread(input, &in, &in_tail);
      return MatchSequence(p, p_tail, in, in_tail, out);
    }
    if (pattern->kind == Datum::Kind::kVector) {
      if (input->kind != Datum::Kind::kVector) return false;
      DatumPtr nil = MakeNil(pattern->location);
      return MatchSequence(pattern->items, nil, input->items, nil, out);
    }
    return SameAtom(*pattern, *input);
  }

  bool MatchSequence(const std::vector<DatumPtr>& p, const DatumPtr& p_tail,
                     const std::vector<DatumPtr>& in, const DatumPtr& in_tail,
                     Bindings* out) const {
    size_t ellipsis = p.size();
    for (size_t i = 0; i < p.size(); ++i) {
      if (IsEllipsis(p[i]) && i > 0) {
        ellipsis = i;
        break;
      }
    }
    size_t before = ellipsis < p.size() ? ellipsis - 1 : p.size();
    size_t after = ellipsis < p.size() ? p.size() - ellipsis - 1 : 0;
    if (in.size() < before + after) return false;
    if (ellipsis == p.size() && p_tail->IsNil() && in.size() != before) return false;
    for (size_t i = 0; i < before; ++i) {
      if (!MatchDatum(p[i], in[i], out)) return false;
    }
    size_t rest_start = before;
    if (ellipsis < p.size()) {
      size_t count = in.size() - before - after;
      const DatumPtr& sub = p[ellipsis - 1];
      std::vector<Bindings> each(count);
      for (size_t k = 0; k < count; ++k) {
        if (!MatchDatum(sub, in[before + k], &each[k])) return false;
      }
      std::vector<std::string> vars;
      PatternVariables(sub, &vars);
      for (const auto& v : vars) {
        Match m;
        m.sequence = true;
        for (auto& b : each) m.items.push_back(std::move(b[v]));
        (*out)[v] = std::move(m);
      }
      for (size_t i = 0; i < after; ++i) {
        if (!MatchDatum(p[ellipsis + 1 + i], in[before + count + i], out)) return false;
      }
      rest_start = in.size();
    }
    // The remaining input (an improper tail) matches the pattern's tail.
    DatumPtr rest = in_tail;
    for (size_t i = in.size(); i > rest_start; --i) {
      rest = MakePair(in[i - 1], rest, in[i - 1]->location);
    }
    if (p_tail->IsNil()) return rest->IsNil();
    return MatchDatum(p_tail, rest, out);
  }

  void PatternVariables(const DatumPtr& pattern, std::vector<std::string>* out) const {
    for (const DatumPtr& d : Symbols(pattern)) {
      if (!IsLiteral(d) && !IsEllipsis(d) && RootName(d->text) != "_") out->push_back(d->text);
    }
  }

  bool too_deep() const { return too_deep_; }

 private:
  const Macro& macro_;
  mutable bool too_deep_ = false;
};

class Instantiator {
 public:
  Instantiator(const Macro& macro, const Rename& rename, const SourceLocation& at)
      : matcher_(macro), rename_(rename), at_(at) {}

  absl::StatusOr<DatumPtr> Instantiate(const DatumPtr& t, const MatchView& b, bool escaped) {
    if (StackLow()) return SyntaxError(t->location, kNestingTooDeep);
    if (t->IsSymbol()) {
      auto it = b.find(t->text);
      if (it != b.end()) {
        if (it->second->sequence) {
          return SyntaxError(at_, absl::StrCat(RootName(t->text),
                                               ": pattern variable used without an ellipsis"));
        }
        return it->second->datum;
      }
      return rename_(t);
    }
    if (t->IsPair()) {
      // (... template): the ellipsis stands for itself inside.
      if (!escaped && matcher_.IsEllipsis(t->car) && t->cdr->IsPair() && t->cdr->cdr->IsNil()) {
        return Instantiate(t->cdr->car, b, true);
      }
      std::vector<DatumPtr> items, out;
      DatumPtr tail;
      Spread(t, &items, &tail);
      for (size_t i = 0; i < items.size(); ++i) {
        int depth = 0;
        while (!escaped && i + 1 + depth < items.size() && matcher_.IsEllipsis(items[i + 1 + depth])) {
          ++depth;
        }
        ETA_RETURN_IF_ERROR(Repeat(items[i], b, depth, escaped, &out));
        i += depth;
      }
      DatumPtr result;
      if (tail->IsNil()) {
        result = MakeNil(at_);
      } else {
        ETA_ASSIGN_OR_RETURN(result, Instantiate(tail, b, escaped));
      }
      for (size_t i = out.size(); i > 0; --i) result = MakePair(out[i - 1], result, at_);
      return result;
    }
    if (t->kind == Datum::Kind::kVector) {
      std::vector<DatumPtr> out;
      for (size_t i = 0; i < t->items.size(); ++i) {
        int depth = 0;
        while (!escaped && i + 1 + depth < t->items.size() &&
               matcher_.IsEllipsis(t->items[i + 1 + depth])) {
          ++depth;
        }
        ETA_RETURN_IF_ERROR(Repeat(t->items[i], b, depth, escaped, &out));
        i += depth;
      }
      return MakeVector(std::move(out), at_);
    }
    return t;
  }

 private:
  absl::Status Repeat(const DatumPtr& t, const MatchView& b, int depth, bool escaped,
                      std::vector<DatumPtr>* out) {
    if (depth == 0) {
      ETA_ASSIGN_OR_RETURN(DatumPtr d, Instantiate(t, b, escaped));
      out->push_back(std::move(d));
      return absl::OkStatus();
    }
    std::vector<std::string> names;
    TemplateSymbols(t, &names);
    std::vector<std::string> iterated;
    size_t length = 0;
    for (const auto& n : names) {
      auto it = b.find(n);
      if (it == b.end() || !it->second->sequence) continue;
      bool seen = false;
      for (const auto& i : iterated) seen |= i == n;
      if (seen) continue;
      if (!iterated.empty() && it->second->items.size() != length) {
        return SyntaxError(at_, absl::StrCat("pattern variables under one ellipsis matched ",
                                             "different numbers of forms"));
      }
      length = it->second->items.size();
      iterated.push_back(n);
    }
    if (iterated.empty()) {
      return SyntaxError(at_, "no pattern variable with an ellipsis in a template before ...");
    }
    for (size_t k = 0; k < length; ++k) {
      MatchView inner = b;
      for (const auto& n : iterated) inner[n] = &b.at(n)->items[k];
      ETA_RETURN_IF_ERROR(Repeat(t, inner, depth - 1, escaped, out));
    }
    return absl::OkStatus();
  }

  static void TemplateSymbols(const DatumPtr& t, std::vector<std::string>* out) {
    for (const DatumPtr& d : Symbols(t)) out->push_back(d->text);
  }

  Matcher matcher_;
  const Rename& rename_;
  SourceLocation at_;
};

}  // namespace

std::string RootName(const std::string& name) {
  size_t mark = name.find(kAliasMark);
  return mark == std::string::npos ? name : name.substr(0, mark);
}

DatumPtr StripAliases(const DatumPtr& datum) {
  if (!datum) return datum;
  switch (datum->kind) {
    case Datum::Kind::kSymbol:
      if (datum->text.find(kAliasMark) == std::string::npos) return datum;
      return MakeSymbol(RootName(datum->text), datum->location);
    case Datum::Kind::kPair: {
      // Along the spine without recursion (a quoted list may be long);
      // each element recurses, as deep as the reader lets data nest.
      std::vector<const Datum*> spine;
      const Datum* p = datum.get();
      for (; p->IsPair(); p = p->cdr.get()) spine.push_back(p);
      DatumPtr tail = StripAliases(spine.back()->cdr);
      for (size_t i = spine.size(); i-- > 0;) {
        const Datum* cell = spine[i];
        DatumPtr car = StripAliases(cell->car);
        if (car == cell->car && tail == cell->cdr) {
          // Unchanged so far: the original cell serves (rebuilt only above
          // a change).
          tail = i == 0 ? datum : spine[i - 1]->cdr;
        } else {
          tail = MakePair(car, tail, cell->location);
        }
      }
      return tail;
    }
    case Datum::Kind::kVector: {
      std::vector<DatumPtr> items;
      bool changed = false;
      for (const auto& item : datum->items) {
        items.push_back(StripAliases(item));
        changed |= items.back() != item;
      }
      return changed ? MakeVector(std::move(items), datum->location) : datum;
    }
    default:
      return datum;
  }
}

absl::StatusOr<std::shared_ptr<Macro>> ParseSyntaxRules(const std::string& name,
                                                        const DatumPtr& spec) {
  const std::string shown = RootName(name);
  std::vector<DatumPtr> items;
  if (!spec->IsPair() || !spec->car->IsSymbol() || RootName(spec->car->text) != "syntax-rules" ||
      !ListToVector(spec, &items) || items.size() < 2) {
    return SyntaxError(spec->location,
                       absl::StrCat(shown, ": expected (syntax-rules (literal ...) (pattern template) ...)"));
  }
  auto macro = std::make_shared<Macro>();
  macro->name = name;
  macro->spec = spec;
  size_t next = 1;
  if (items[1]->IsSymbol()) {  // R7RS custom ellipsis
    macro->ellipsis = RootName(items[1]->text);
    next = 2;
  }
  std::vector<DatumPtr> literals;
  if (next >= items.size() || !ListToVector(items[next], &literals)) {
    return SyntaxError(spec->location, absl::StrCat(shown, ": syntax-rules: expected a list of literals"));
  }
  for (const auto& l : literals) {
    if (!l->IsSymbol()) {
      return SyntaxError(l->location, absl::StrCat(shown, ": syntax-rules: a literal must be a symbol"));
    }
    macro->literals.push_back(l->text);
  }
  for (size_t i = next + 1; i < items.size(); ++i) {
    std::vector<DatumPtr> rule;
    if (!ListToVector(items[i], &rule) || rule.size() != 2 || !rule[0]->IsPair()) {
      return SyntaxError(items[i]->location,
                         absl::StrCat(shown, ": syntax-rules: expected a rule ((_ pattern ...) template)"));
    }
    macro->rules.push_back(MacroRule{rule[0], rule[1]});
  }
  return macro;
}

absl::StatusOr<DatumPtr> ExpandMacroUse(const Macro& macro, const DatumPtr& form,
                                        const Rename& rename) {
  Matcher matcher(macro);
  for (const MacroRule& rule : macro.rules) {
    Bindings bindings;
    // The keyword position is ignored.
    if (!form->IsPair() || !matcher.MatchDatum(rule.pattern->cdr, form->cdr, &bindings)) {
      if (matcher.too_deep()) return SyntaxError(form->location, kNestingTooDeep);
      continue;
    }
    Instantiator instantiator(macro, rename, form->location);
    MatchView view;
    for (const auto& [name, match] : bindings) view[name] = &match;
    return instantiator.Instantiate(rule.templ, view, false);
  }
  return SyntaxError(form->location, absl::StrCat(RootName(macro.name), ": no syntax rule matches ",
                                                  WriteDatum(*StripAliases(form))));
}

std::shared_ptr<const Macro> ForeignEnvironment::Find(const std::string& name) const {
  auto own = macros.find(name);
  if (own != macros.end()) return own->second;
  auto imported = linked.find(name);
  if (imported != linked.end()) return imported->second;
  return nullptr;
}

std::string SerializeForeignEnvironment(const ForeignEnvironment& env) {
  std::string out;
  for (const auto& [name, macro] : env.macros) {
    absl::StrAppend(&out, "(define-syntax ", WriteDatum(*MakeSymbol(name, {})), " ",
                    WriteDatum(*macro->spec), ")\n");
  }
  for (const auto& name : env.exported) {
    absl::StrAppend(&out, "(export ", WriteDatum(*MakeSymbol(name, {})), ")\n");
  }
  for (const auto& [name, b] : env.bindings) {
    if (b.kind == ForeignBinding::Kind::kSpecial) {
      absl::StrAppend(&out, "(special ", WriteDatum(*MakeSymbol(name, {})), " ",
                      WriteDatum(*MakeSymbol(b.name, {})), ")\n");
    } else {
      absl::StrAppend(&out, b.kind == ForeignBinding::Kind::kMacro ? "(macro " : "(global ", WriteDatum(*MakeSymbol(name, {})), " ",
                      WriteDatum(*MakeString(b.module, {})), " ",
                      WriteDatum(*MakeString(b.name, {})), ")\n");
    }
  }
  return out;
}

absl::StatusOr<std::shared_ptr<ForeignEnvironment>> ParseForeignEnvironment(
    const std::string& module, const std::string& text) {
  auto env = std::make_shared<ForeignEnvironment>();
  env->module = module;
  ETA_ASSIGN_OR_RETURN(std::vector<DatumPtr> forms,
                       ReadAll(text, absl::StrCat("<macros of ", module, ">")));
  for (const DatumPtr& form : forms) {
    std::vector<DatumPtr> items;
    if (!ListToVector(form, &items) || items.size() < 2 || !items[0]->IsSymbol() ||
        !items[1]->IsSymbol()) {
      return absl::InvalidArgumentError(absl::StrCat("bad macro table of module ", module));
    }
    const std::string& head = items[0]->text;
    const std::string& name = items[1]->text;
    if (head == "define-syntax" && items.size() == 3) {
      ETA_ASSIGN_OR_RETURN(std::shared_ptr<Macro> macro, ParseSyntaxRules(name, items[2]));
      macro->foreign = env.get();
      env->macros[name] = std::move(macro);
    } else if (head == "export") {
      env->exported.push_back(name);
    } else if (head == "special" && items.size() == 3) {
      env->bindings[name] = ForeignBinding{ForeignBinding::Kind::kSpecial, "", items[2]->text};
    } else if ((head == "global" || head == "macro") && items.size() == 4) {
      env->bindings[name] = ForeignBinding{
          head == "macro" ? ForeignBinding::Kind::kMacro : ForeignBinding::Kind::kGlobal,
          items[2]->text, items[3]->text};
    } else {
      return absl::InvalidArgumentError(absl::StrCat("bad macro table of module ", module));
    }
  }
  return env;
}

}  // namespace eta::compiler
