#include "compiler/expander.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "compiler/stack_guard.h"
#include "compiler/status_macros.h"
#include "vm/opcodes.h"

namespace eta::compiler {

using vm::Opcode;

absl::Status CompileError(const SourceLocation& at, const std::string& kind,
                          const std::string& message) {
  return absl::InvalidArgumentError(
      absl::StrCat(at.ToString(), ": ", kind, ": ", message));
}

absl::Status SyntaxError(const SourceLocation& at, const std::string& message) {
  return CompileError(at, "syntax-error", message);
}

uint32_t ModuleScope::GlobalIndex(const GlobalKey& key) {
  auto it = global_index.find(key);
  if (it != global_index.end()) return it->second;
  uint32_t index = static_cast<uint32_t>(globals.size());
  globals.push_back(key);
  global_index[key] = index;
  return index;
}



namespace {

const absl::flat_hash_set<std::string>& SpecialForms() {
  static const auto* forms = new absl::flat_hash_set<std::string>{
      "quote", "quasiquote", "if", "define", "set!", "lambda", "begin",
      "let", "let*", "letrec", "letrec*", "cond", "case", "and", "or",
      "when", "unless", "do", "define-record-type", "catch", "assert",
      "defun", "def", "progn", "unquote", "unquote-splicing",
      // expander_extra.cc
      "guard", "parameterize", "delay", "delay-force", "make-promise-lazy",
      "receive", "let-values", "let*-values", "define-values", "case-lambda",
      // macro_expander.cc
      "define-syntax", "let-syntax", "letrec-syntax", "syntax-rules"};
  return *forms;
}

struct InlineOp {
  Opcode opcode;
  int arity;
};

const absl::flat_hash_map<std::string, InlineOp>& InlineOps() {
  static const auto* ops = new absl::flat_hash_map<std::string, InlineOp>{
      {"car", {Opcode::kCAR, 1}},        {"cdr", {Opcode::kCDR, 1}},
      {"cons", {Opcode::kCONS, 2}},      {"null?", {Opcode::kNULL_P, 1}},
      {"pair?", {Opcode::kPAIR_P, 1}},   {"eq?", {Opcode::kEQ_P, 2}},
      {"not", {Opcode::kNOT, 1}},        {"zero?", {Opcode::kZERO_P, 1}},
      {"=", {Opcode::kNUM_EQ, 2}},       {"<", {Opcode::kLT, 2}},
      {"<=", {Opcode::kLE, 2}},          {">", {Opcode::kGT, 2}},
      {">=", {Opcode::kGE, 2}},          {"vector-ref", {Opcode::kVECTOR_REF, 2}},
      {"vector-set!", {Opcode::kVECTOR_SET, 3}},
  };
  return *ops;
}

}  // namespace

// ---- Helpers ----

NodePtr Expander::MakeNode(Node::Kind kind, const SourceLocation& at) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->location = at;
  return n;
}

NodePtr Expander::Constant(DatumPtr datum) {
  NodePtr n = MakeNode(Node::Kind::kConstant, datum->location);
  n->datum = aliases_.empty() ? std::move(datum) : StripAliases(datum);
  return n;
}

NodePtr Expander::Sequence(std::vector<NodePtr> nodes, const SourceLocation& at) {
  if (nodes.empty()) {
    NodePtr n = MakeNode(Node::Kind::kConstant, at);
    n->datum = nullptr;  // unspecified
    return n;
  }
  if (nodes.size() == 1) return std::move(nodes[0]);
  NodePtr n = MakeNode(Node::Kind::kSequence, at);
  n->children = std::move(nodes);
  return n;
}

NodePtr Expander::BuiltinRef(const std::string& name, const SourceLocation& at) {
  std::string module = "%builtins";
  if (module_->builtins) {
    auto it = module_->builtins->find(name);
    if (it != module_->builtins->end()) module = std::string(it->second);
  }
  NodePtr n = MakeNode(Node::Kind::kGlobalRef, at);
  n->global = module_->GlobalIndex(GlobalKey{module, name});
  return n;
}

NodePtr Expander::LocalRef(Var* var, Scope* scope, const SourceLocation& at) {
  Lambda* current = scope->lambda;
  if (var->owner != current) {
    var->captured = true;
    for (Lambda* l = current; l && l != var->owner; l = l->parent) {
      bool present = false;
      for (Var* f : l->free) present |= f == var;
      if (!present) l->free.push_back(var);
    }
  }
  NodePtr n = MakeNode(Node::Kind::kLocalRef, at);
  n->var = var;
  return n;
}

Expander::Binding Expander::Lookup(const std::string& name, Scope* scope, bool internal) {
  for (Scope* s = scope; s; s = s->parent) {
    auto it = s->vars.find(name);
    if (it != s->vars.end()) return Binding{Binding::Kind::kLocal, it->second, {}};
    auto macro = s->macros.find(name);
    if (macro != s->macros.end()) {
      return Binding{Binding::Kind::kMacro, nullptr, {}, false, macro->second};
    }
  }
  if (module_->definitions.contains(name)) {
    return Binding{Binding::Kind::kGlobal, nullptr, GlobalKey{"", name}};
  }
  // An identifier a macro introduced means what it meant at the macro.
  auto alias = aliases_.find(name);
  if (alias != aliases_.end()) {
    return LookupAtDefinition(alias->second.original, *alias->second.macro);
  }
  auto imported_macro = module_->imported_macros.find(name);
  if (imported_macro != module_->imported_macros.end()) {
    return Binding{Binding::Kind::kMacro, nullptr, {}, true, imported_macro->second};
  }
  auto imported = module_->imports.find(name);
  if (imported != module_->imports.end()) {
    return Binding{Binding::Kind::kGlobal, nullptr, imported->second, true};
  }
  if (SpecialForms().contains(name)) {
    return Binding{Binding::Kind::kSpecial, nullptr, GlobalKey{"", name}};
  }
  if (module_->builtins && (internal || module_->internal_names || !IsInternalName(name))) {
    auto it = module_->builtins->find(name);
    if (it != module_->builtins->end()) {
      return Binding{Binding::Kind::kGlobal, nullptr, GlobalKey{std::string(it->second), name}, true};
    }
  }
  return Binding{Binding::Kind::kUnbound, nullptr, {}};
}

bool Expander::IsKeyword(const DatumPtr& x, const char* keyword, Scope* scope) {
  if (!x->IsSymbol()) return false;
  const size_t length = std::char_traits<char>::length(keyword);
  bool spelled = x->text == keyword ||
                 (x->text.size() > length && x->text.compare(0, length, keyword) == 0 &&
                  x->text[length] == kAliasMark);  // renamed by a macro
  if (!spelled) return false;
  Binding b = Lookup(x->text, scope);
  return b.kind == Binding::Kind::kSpecial && b.key.name == keyword;
}

// ---- Entry ----

absl::StatusOr<Lambda*> Expander::ExpandModuleBody(
    const std::vector<DatumPtr>& forms, const SourceLocation& location) {
  auto body = std::make_unique<Lambda>();
  Lambda* lambda = body.get();
  lambda->name = absl::StrCat("<module ", module_->module_name, ">");
  lambda->location = location;
  lambdas_.push_back(std::move(body));
  scopes_.push_back(std::make_unique<Scope>(Scope{nullptr, lambda, {}}));
  Scope* scope = scopes_.back().get();
  top_scope_ = scope;
  std::vector<DatumPtr> flat;
  ETA_RETURN_IF_ERROR(FlattenBody(forms, scope, &flat));
  // Every top-level definition is visible in the whole module.
  for (const DatumPtr& form : flat) {
    std::string name;
    DatumPtr name_datum, value, formals;
    bool is_lambda = false;
    std::vector<DatumPtr> body_forms;
    ETA_ASSIGN_OR_RETURN(bool is_definition,
                         ParseDefinition(form, scope, &name, &name_datum, &value,
                                         &is_lambda, &formals, &body_forms));
    if (is_definition) module_->definitions.insert(name);
  }
  std::vector<NodePtr> nodes;
  for (const DatumPtr& form : flat) {
    std::string name;
    DatumPtr name_datum, value, formals;
    bool is_lambda = false;
    std::vector<DatumPtr> body_forms;
    ETA_ASSIGN_OR_RETURN(bool is_definition,
                         ParseDefinition(form, scope, &name, &name_datum, &value,
                                         &is_lambda, &formals, &body_forms));
    if (!is_definition) {
      ETA_ASSIGN_OR_RETURN(NodePtr node, Expand(form, scope));
      nodes.push_back(std::move(node));
      continue;
    }
    NodePtr init;
    if (is_lambda) {
      ETA_ASSIGN_OR_RETURN(init, ExpandLambda(formals, body_forms, scope, name,
                                              form->location));
    } else if (value) {
      ETA_ASSIGN_OR_RETURN(init, Expand(value, scope));
      if (init->kind == Node::Kind::kLambda && init->lambda->name == "lambda") {
        init->lambda->name = name;
      }
    } else {
      init = Sequence({}, form->location);
    }
    NodePtr define = MakeNode(Node::Kind::kGlobalDefine, form->location);
    define->global = module_->GlobalIndex(GlobalKey{"", name});
    define->children.push_back(std::move(init));
    nodes.push_back(std::move(define));
  }
  lambda->body = Sequence(std::move(nodes), location);
  // Procedures a macro defined keep the names written in its template.
  for (auto& l : lambdas_) l->name = RootName(l->name);
  return lambda;
}

absl::Status Expander::FlattenBody(const std::vector<DatumPtr>& forms,
                                   Scope* scope, std::vector<DatumPtr>* out) {
  for (const DatumPtr& form : forms) {
    if (form->IsPair() && form->car->IsSymbol()) {
      Binding head = Lookup(form->car->text, scope);
      if (head.kind == Binding::Kind::kMacro) {
        ETA_ASSIGN_OR_RETURN(DatumPtr expanded, ExpandMacro(head.macro, form));
        ++macro_depth_;
        absl::Status status = FlattenBody({expanded}, scope, out);
        --macro_depth_;
        ETA_RETURN_IF_ERROR(status);
        continue;
      }
      if (head.kind == Binding::Kind::kSpecial && head.key.name == "define-syntax") {
        ETA_RETURN_IF_ERROR(DefineSyntax(form, scope));
        continue;
      }
    }
    if (form->IsPair() && (IsKeyword(form->car, "begin", scope) ||
                           IsKeyword(form->car, "progn", scope))) {
      std::vector<DatumPtr> inner;
      if (!ListToVector(form->cdr, &inner)) {
        return SyntaxError(form->location, "begin: malformed form");
      }
      ETA_RETURN_IF_ERROR(FlattenBody(inner, scope, out));
    } else if (form->IsPair() && IsKeyword(form->car, "define-values", scope)) {
      // (define-values formals expr): define each name, then assign them all
      // from the values of expr.
      std::vector<DatumPtr> items;
      if (!ListToVector(form, &items) || items.size() != 3) {
        return SyntaxError(form->location, "define-values: expected (define-values formals expression)");
      }
      const SourceLocation& at = form->location;
      std::vector<DatumPtr> names, temps, sets;
      DatumPtr f = items[1];
      DatumPtr temp_formals = MakeNil(at);
      std::vector<DatumPtr> fixed;
      DatumPtr rest_temp;
      while (f->IsPair()) {
        if (!f->car->IsSymbol()) return SyntaxError(f->car->location, "define-values: expected names");
        names.push_back(f->car);
        fixed.push_back(MakeSymbol(absl::StrCat("%value-", names.size()), at));
        f = f->cdr;
      }
      if (f->IsSymbol()) {
        names.push_back(f);
        rest_temp = MakeSymbol("%value-rest", at);
      } else if (!f->IsNil()) {
        return SyntaxError(f->location, "define-values: expected names");
      }
      temp_formals = rest_temp ? rest_temp : MakeNil(at);
      for (size_t i = fixed.size(); i > 0; --i) temp_formals = MakePair(fixed[i - 1], temp_formals, at);
      std::vector<DatumPtr> body;
      for (size_t i = 0; i < names.size(); ++i) {
        DatumPtr value = i < fixed.size() ? fixed[i] : rest_temp;
        body.push_back(MakeList({MakeSymbol("set!", at), names[i], value}, at));
      }
      body.push_back(MakeBool(false, at));
      for (const DatumPtr& name : names) {
        out->push_back(MakeList({MakeSymbol("define", at), name}, at));
      }
      DatumPtr consumer = MakePair(MakeSymbol("lambda", at),
                                   MakePair(temp_formals, MakeList(body, at), at), at);
      out->push_back(MakeList({MakeSymbol("define", at),
                               MakeSymbol(absl::StrCat("%define-values-", ++define_values_count_), at),
                               MakeList({MakeInternalSymbol("%apply-values", at), consumer, items[2]}, at)},
                              at));
    } else if (form->IsPair() && IsKeyword(form->car, "define-record-type", scope)) {
      std::vector<DatumPtr> items;
      if (!ListToVector(form, &items)) {
        return SyntaxError(form->location, "define-record-type: malformed form");
      }
      ETA_ASSIGN_OR_RETURN(std::vector<DatumPtr> defines,
                           RecordTypeDefinitions(form, items));
      for (auto& d : defines) out->push_back(std::move(d));
    } else {
      out->push_back(form);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Expander::ParseDefinition(
    const DatumPtr& form, Scope* scope, std::string* name, DatumPtr* name_datum,
    DatumPtr* value, bool* is_lambda, DatumPtr* formals,
    std::vector<DatumPtr>* body) {
  if (!form->IsPair() || !form->car->IsSymbol()) return false;
  Binding head_binding = Lookup(form->car->text, scope);
  if (head_binding.kind != Binding::Kind::kSpecial) return false;
  const std::string head = head_binding.key.name;
  bool is_define = head == "define" || head == "def";
  bool is_defun = head == "defun";
  if (!is_define && !is_defun) return false;
  std::vector<DatumPtr> items;
  if (!ListToVector(form, &items)) {
    return SyntaxError(form->location, absl::StrCat(head, ": malformed definition"));
  }
  *is_lambda = false;
  *value = nullptr;
  if (is_defun) {
    if (items.size() < 4 || !items[1]->IsSymbol()) {
      return SyntaxError(form->location,
                         "defun: expected (defun name (formals ...) body ...)");
    }
    *name = items[1]->text;
    *name_datum = items[1];
    *is_lambda = true;
    *formals = items[2];
    body->assign(items.begin() + 3, items.end());
    return true;
  }
  if (items.size() < 2) {
    return SyntaxError(form->location,
                       absl::StrCat(head, ": expected (", head, " name value) or (",
                                    head, " (name formals ...) body ...)"));
  }
  if (items[1]->IsSymbol()) {
    if (items.size() > 3) {
      return SyntaxError(form->location,
                         absl::StrCat(head, ": expected one value after ", items[1]->text));
    }
    *name = items[1]->text;
    *name_datum = items[1];
    if (items.size() == 3) *value = items[2];
    return true;
  }
  if (items[1]->IsPair() && items[1]->car->IsSymbol()) {
    if (items.size() < 3) {
      return SyntaxError(form->location,
                         absl::StrCat(head, ": procedure ", items[1]->car->text,
                                      " has an empty body"));
    }
    *name = items[1]->car->text;
    *name_datum = items[1]->car;
    *is_lambda = true;
    *formals = items[1]->cdr;
    body->assign(items.begin() + 2, items.end());
    return true;
  }
  return SyntaxError(items[1]->location,
                     absl::StrCat(head, ": expected a name or (name formals ...)"));
}

// ---- Expressions ----

absl::StatusOr<NodePtr> Expander::Expand(const DatumPtr& x, Scope* scope) {
  if (StackLow()) return SyntaxError(x->location, kNestingTooDeep);
  switch (x->kind) {
    case Datum::Kind::kSymbol:
      return ExpandReference(x, scope);
    case Datum::Kind::kPair:
      break;
    case Datum::Kind::kNil:
      return SyntaxError(x->location, "empty application: () must be quoted as '()");
    default:
      return Constant(x);
  }
  Binding head{Binding::Kind::kUnbound};
  if (x->car->IsSymbol()) {
    head = Lookup(x->car->text, scope, x->car->internal);
    if (head.kind == Binding::Kind::kMacro) {
      ETA_ASSIGN_OR_RETURN(DatumPtr expanded, ExpandMacro(head.macro, x));
      ++macro_depth_;
      absl::StatusOr<NodePtr> node = Expand(expanded, scope);
      --macro_depth_;
      return node;
    }
  }
  std::vector<DatumPtr> items;
  if (!ListToVector(x, &items)) {
    return SyntaxError(x->location, "a call must be a proper list");
  }
  if (x->car->IsSymbol() && head.kind == Binding::Kind::kSpecial) {
    const std::string& keyword = head.key.name;
    if (keyword == "let-syntax" || keyword == "letrec-syntax") {
      return ExpandLetSyntax(x, keyword == "letrec-syntax", scope);
    }
    if (keyword == "define-syntax" || keyword == "syntax-rules") {
      return SyntaxError(x->location, absl::StrCat(keyword, keyword == "define-syntax"
                                                                ? ": allowed only in a body or at top level"
                                                                : ": allowed only in define-syntax"));
    }
    return ExpandSpecial(keyword, x, items, scope);
  }
  return ExpandCall(x, items, scope);
}

absl::StatusOr<NodePtr> Expander::ExpandReference(const DatumPtr& symbol,
                                                  Scope* scope) {
  Binding b = Lookup(symbol->text, scope, symbol->internal);
  switch (b.kind) {
    case Binding::Kind::kLocal:
      return LocalRef(b.var, scope, symbol->location);
    case Binding::Kind::kGlobal: {
      NodePtr n = MakeNode(Node::Kind::kGlobalRef, symbol->location);
      n->global = module_->GlobalIndex(b.key);
      if (b.key.module.empty() || b.imported) {
        // Imported names keep their local spelling for error messages.
      }
      return n;
    }
    case Binding::Kind::kSpecial:
      return SyntaxError(symbol->location,
                         absl::StrCat(RootName(symbol->text), ": special form used as a variable"));
    case Binding::Kind::kMacro:
      return SyntaxError(symbol->location,
                         absl::StrCat(RootName(symbol->text), ": macro used as a variable"));
    case Binding::Kind::kUnbound:
      break;
  }
  if (IsInternalName(symbol->text) && module_->builtins &&
      module_->builtins->contains(symbol->text)) {
    return CompileError(symbol->location, "unbound-variable",
                        absl::StrCat(symbol->text, " is internal to the standard library "
                                     "(not defined in module ", module_->module_name, ")"));
  }
  return CompileError(symbol->location, "unbound-variable",
                      absl::StrCat(RootName(symbol->text), " is not defined (in module ",
                                   module_->module_name, ")"));
}

absl::StatusOr<NodePtr> Expander::ExpandCall(const DatumPtr& x,
                                             const std::vector<DatumPtr>& items,
                                             Scope* scope) {
  // Inline the common builtins when the name really means the builtin.
  if (x->car->IsSymbol()) {
    std::string name = x->car->text;
    Binding b = Lookup(name, scope, x->car->internal);
    if (b.kind == Binding::Kind::kGlobal && b.imported) name = b.key.name;
    bool builtin = b.kind == Binding::Kind::kGlobal && b.imported &&
                   module_->builtins && module_->builtins->contains(name) &&
                   b.key.module == module_->builtins->at(name);
    size_t argc = items.size() - 1;
    if (builtin) {
      auto op = InlineOps().find(name);
      bool arith = name == "+" || name == "*" || name == "-";
      if ((op != InlineOps().end() && op->second.arity == static_cast<int>(argc)) ||
          (arith && argc >= 2)) {
        NodePtr n = MakeNode(Node::Kind::kPrimitive, x->location);
        for (size_t i = 1; i < items.size(); ++i) {
          ETA_ASSIGN_OR_RETURN(NodePtr arg, Expand(items[i], scope));
          n->children.push_back(std::move(arg));
        }
        if (!arith) {
          n->opcode = static_cast<uint32_t>(op->second.opcode);
          return n;
        }
        Opcode opcode = name == "+" ? Opcode::kADD : name == "-" ? Opcode::kSUB : Opcode::kMUL;
        // Fold left: (+ a b c) is (+ (+ a b) c).
        NodePtr acc = std::move(n->children[0]);
        for (size_t i = 1; i < n->children.size(); ++i) {
          NodePtr step = MakeNode(Node::Kind::kPrimitive, x->location);
          NodePtr& arg = n->children[i];
          if (opcode != Opcode::kMUL && arg->kind == Node::Kind::kConstant && arg->datum &&
              arg->datum->kind == Datum::Kind::kInteger && arg->datum->integer > -1000000 &&
              arg->datum->integer < 1000000) {
            step->opcode = static_cast<uint32_t>(Opcode::kADD_IMM);
            step->immediate = static_cast<int32_t>(
                opcode == Opcode::kADD ? arg->datum->integer : -arg->datum->integer);
            step->children.push_back(std::move(acc));
          } else {
            step->opcode = static_cast<uint32_t>(opcode);
            step->children.push_back(std::move(acc));
            step->children.push_back(std::move(arg));
          }
          acc = std::move(step);
        }
        return acc;
      }
    }
  }
  NodePtr n = MakeNode(Node::Kind::kCall, x->location);
  for (const DatumPtr& item : items) {
    ETA_ASSIGN_OR_RETURN(NodePtr child, Expand(item, scope));
    n->children.push_back(std::move(child));
  }
  return n;
}

absl::StatusOr<NodePtr> Expander::ExpandLambda(const DatumPtr& formals,
                                               const std::vector<DatumPtr>& body,
                                               Scope* scope,
                                               const std::string& name,
                                               const SourceLocation& at) {
  auto owned = std::make_unique<Lambda>();
  Lambda* lambda = owned.get();
  lambdas_.push_back(std::move(owned));
  lambda->name = name;
  lambda->location = at;
  lambda->parent = scope->lambda;
  scopes_.push_back(std::make_unique<Scope>(Scope{scope, lambda, {}}));
  Scope* inner = scopes_.back().get();
  DatumPtr f = formals;
  auto add = [&](const DatumPtr& symbol) -> absl::Status {
    if (!symbol->IsSymbol()) {
      return SyntaxError(symbol->location, absl::StrCat(name, ": a parameter must be a symbol, got ",
                                                        WriteDatum(*symbol)));
    }
    if (inner->vars.contains(symbol->text)) {
      return SyntaxError(symbol->location,
                         absl::StrCat(name, ": duplicate parameter ", symbol->text));
    }
    inner->vars[symbol->text] = lambda->NewVar(symbol->text);
    return absl::OkStatus();
  };
  while (f->IsPair()) {
    ETA_RETURN_IF_ERROR(add(f->car));
    ++lambda->required;
    f = f->cdr;
  }
  if (!f->IsNil()) {
    ETA_RETURN_IF_ERROR(add(f));
    lambda->rest = true;
  }
  if (body.empty()) {
    return SyntaxError(at, absl::StrCat(name, ": empty body"));
  }
  ETA_ASSIGN_OR_RETURN(lambda->body, ExpandBody(body, inner, at));
  NodePtr n = MakeNode(Node::Kind::kLambda, at);
  n->lambda = lambda;
  return n;
}

absl::StatusOr<NodePtr> Expander::ExpandBody(const std::vector<DatumPtr>& forms,
                                             Scope* scope,
                                             const SourceLocation& at) {
  std::vector<DatumPtr> flat;
  ETA_RETURN_IF_ERROR(FlattenBody(forms, scope, &flat));
  struct Definition {
    Var* var = nullptr;
    DatumPtr value, formals;
    bool is_lambda = false;
    std::vector<DatumPtr> body;
    std::string name;
  };
  std::vector<Definition> definitions(flat.size());
  // Every definition of the body is visible in the whole body (letrec*).
  for (size_t i = 0; i < flat.size(); ++i) {
    Definition& d = definitions[i];
    DatumPtr name_datum;
    ETA_ASSIGN_OR_RETURN(bool is_definition,
                         ParseDefinition(flat[i], scope, &d.name, &name_datum,
                                         &d.value, &d.is_lambda, &d.formals, &d.body));
    if (!is_definition) continue;
    d.var = scope->lambda->NewVar(d.name);
    d.var->assigned = true;
    d.var->checked = true;
    scope->vars[d.name] = d.var;
  }
  std::vector<NodePtr> nodes;
  for (size_t i = 0; i < flat.size(); ++i) {
    Definition& d = definitions[i];
    if (!d.var) {
      ETA_ASSIGN_OR_RETURN(NodePtr node, Expand(flat[i], scope));
      nodes.push_back(std::move(node));
      continue;
    }
    NodePtr init;
    if (d.is_lambda) {
      ETA_ASSIGN_OR_RETURN(init, ExpandLambda(d.formals, d.body, scope, d.name,
                                              flat[i]->location));
    } else if (d.value) {
      ETA_ASSIGN_OR_RETURN(init, Expand(d.value, scope));
      if (init->kind == Node::Kind::kLambda && init->lambda->name == "lambda") {
        init->lambda->name = d.name;
      }
    } else {
      init = Sequence({}, flat[i]->location);
    }
    if (init->kind == Node::Kind::kLambda) d.var->self_lambda = init->lambda;
    NodePtr set = MakeNode(Node::Kind::kLocalInit, flat[i]->location);
    set->var = d.var;
    set->children.push_back(std::move(init));
    nodes.push_back(std::move(set));
  }
  if (!nodes.empty() && nodes.back()->kind == Node::Kind::kLocalInit) {
    nodes.push_back(Sequence({}, at));
  }
  return Sequence(std::move(nodes), at);
}

}  // namespace eta::compiler
