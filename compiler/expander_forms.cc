// The special forms and derived forms of [L3].
#include "absl/strings/str_cat.h"
#include "compiler/expander.h"
#include "compiler/stack_guard.h"
#include "compiler/status_macros.h"
#include "vm/opcodes.h"

namespace eta::compiler {

std::vector<DatumPtr> ItemsFrom(const std::vector<DatumPtr>& items, size_t from) {
  return std::vector<DatumPtr>(items.begin() + std::min(from, items.size()), items.end());
}


namespace {

DatumPtr Sym(const char* name, const SourceLocation& at) { return MakeSymbol(name, at); }

}  // namespace

absl::StatusOr<NodePtr> Expander::ExpandSpecial(const std::string& keyword,
                                                const DatumPtr& x,
                                                const std::vector<DatumPtr>& items,
                                                Scope* scope) {
  const SourceLocation& at = x->location;
  size_t n = items.size();
  if (keyword == "quote") {
    if (n != 2) return SyntaxError(at, "quote: expected (quote datum)");
    return Constant(items[1]);
  }
  if (keyword == "quasiquote") {
    if (n != 2) return SyntaxError(at, "quasiquote: expected (quasiquote template)");
    return ExpandQuasi(items[1], 1, scope);
  }
  if (keyword == "unquote" || keyword == "unquote-splicing") {
    return SyntaxError(at, absl::StrCat(keyword, ": not inside a quasiquote"));
  }
  if (keyword == "if") {
    if (n != 3 && n != 4) return SyntaxError(at, "if: expected (if test then [else])");
    NodePtr node = MakeNode(Node::Kind::kIf, at);
    for (size_t i = 1; i < n; ++i) {
      ETA_ASSIGN_OR_RETURN(NodePtr child, Expand(items[i], scope));
      node->children.push_back(std::move(child));
    }
    if (n == 3) node->children.push_back(Sequence({}, at));
    return node;
  }
  if (keyword == "define" || keyword == "def" || keyword == "defun" ||
      keyword == "define-record-type") {
    return SyntaxError(at, absl::StrCat(keyword,
                                        ": definitions are allowed only at the start "
                                        "of a body or at top level"));
  }
  if (keyword == "set!") return ExpandSet(x, items, scope);
  if (keyword == "lambda") {
    if (n < 3) return SyntaxError(at, "lambda: expected (lambda formals body ...)");
    return ExpandLambda(items[1], ItemsFrom(items, 2), scope, "lambda", at);
  }
  if (keyword == "begin" || keyword == "progn") {
    std::vector<NodePtr> nodes;
    for (size_t i = 1; i < n; ++i) {
      ETA_ASSIGN_OR_RETURN(NodePtr child, Expand(items[i], scope));
      nodes.push_back(std::move(child));
    }
    return Sequence(std::move(nodes), at);
  }
  if (keyword == "let") return ExpandLet(x, items, scope);
  if (keyword == "let*") return ExpandLetStar(x, items, scope);
  if (keyword == "letrec" || keyword == "letrec*") return ExpandLetrec(x, items, scope);
  if (keyword == "cond") return ExpandCond(x, ItemsFrom(items, 1), 0, scope);
  if (keyword == "case") return ExpandCase(x, items, scope);
  if (keyword == "do") return ExpandDo(x, items, scope);
  if (keyword == "and" || keyword == "or") {
    bool is_and = keyword == "and";
    if (n == 1) {
      return Constant(MakeBool(is_and, at));
    }
    ETA_ASSIGN_OR_RETURN(NodePtr last, Expand(items[n - 1], scope));
    for (size_t i = n - 2; i >= 1; --i) {
      ETA_ASSIGN_OR_RETURN(NodePtr test, Expand(items[i], scope));
      NodePtr node = MakeNode(Node::Kind::kIf, items[i]->location);
      if (is_and) {
        node->children.push_back(std::move(test));
        node->children.push_back(std::move(last));
        node->children.push_back(Constant(MakeBool(false, at)));
        last = std::move(node);
      } else {
        Var* temp = scope->lambda->NewVar("or-value");
        NodePtr init = MakeNode(Node::Kind::kLocalInit, items[i]->location);
        init->var = temp;
        init->children.push_back(std::move(test));
        node->children.push_back(LocalRef(temp, scope, at));
        node->children.push_back(LocalRef(temp, scope, at));
        node->children.push_back(std::move(last));
        std::vector<NodePtr> seq;
        seq.push_back(std::move(init));
        seq.push_back(std::move(node));
        last = Sequence(std::move(seq), at);
      }
      if (i == 1) break;
    }
    return last;
  }
  if (keyword == "when" || keyword == "unless") {
    if (n < 3) return SyntaxError(at, absl::StrCat(keyword, ": expected (", keyword, " test body ...)"));
    ETA_ASSIGN_OR_RETURN(NodePtr test, Expand(items[1], scope));
    std::vector<NodePtr> body;
    for (size_t i = 2; i < n; ++i) {
      ETA_ASSIGN_OR_RETURN(NodePtr child, Expand(items[i], scope));
      body.push_back(std::move(child));
    }
    NodePtr node = MakeNode(Node::Kind::kIf, at);
    node->children.push_back(std::move(test));
    if (keyword == "when") {
      node->children.push_back(Sequence(std::move(body), at));
      node->children.push_back(Sequence({}, at));
    } else {
      node->children.push_back(Sequence({}, at));
      node->children.push_back(Sequence(std::move(body), at));
    }
    return node;
  }
  if (keyword == "catch") {
    // (catch 'kind body ...) or (catch body ...)
    DatumPtr kind = MakeBool(false, at);
    size_t first = 1;
    if (n >= 3 && items[1]->IsPair() && items[1]->car->IsSymbol("quote") &&
        items[1]->cdr->IsPair() && items[1]->cdr->car->IsSymbol()) {
      kind = items[1]->cdr->car;
      first = 2;
    }
    if (first >= n) return SyntaxError(at, "catch: expected (catch ['kind] body ...)");
    ETA_ASSIGN_OR_RETURN(NodePtr thunk, ExpandLambda(MakeNil(at), ItemsFrom(items, first),
                                                     scope, "catch", at));
    NodePtr call = MakeNode(Node::Kind::kCall, at);
    call->children.push_back(BuiltinRef("%catch", at));
    call->children.push_back(Constant(kind));
    call->children.push_back(std::move(thunk));
    return call;
  }
  if (keyword == "assert") {
    if (n != 2) return SyntaxError(at, "assert: expected (assert expression)");
    ETA_ASSIGN_OR_RETURN(NodePtr test, Expand(items[1], scope));
    NodePtr fail = MakeNode(Node::Kind::kCall, at);
    fail->children.push_back(BuiltinRef("%assert-failed", at));
    fail->children.push_back(Constant(MakeString(WriteDatum(*items[1]), at)));
    NodePtr node = MakeNode(Node::Kind::kIf, at);
    node->children.push_back(std::move(test));
    node->children.push_back(Sequence({}, at));
    node->children.push_back(std::move(fail));
    return node;
  }
  return ExpandExtra(keyword, x, items, scope);
}

absl::StatusOr<NodePtr> Expander::ExpandSet(const DatumPtr& x,
                                            const std::vector<DatumPtr>& items,
                                            Scope* scope) {
  if (items.size() >= 2 && !items[1]->IsSymbol()) {
    return SyntaxError(items[1]->location, "set!: expected a variable name");
  }
  if (items.size() != 3) {
    return SyntaxError(x->location, "set!: expected (set! name value)");
  }
  const std::string& name = items[1]->text;
  Binding b = Lookup(name, scope);
  ETA_ASSIGN_OR_RETURN(NodePtr value, Expand(items[2], scope));
  switch (b.kind) {
    case Binding::Kind::kLocal: {
      LocalRef(b.var, scope, x->location);  // records the capture
      b.var->assigned = true;
      b.var->set_explicitly = true;
      NodePtr node = MakeNode(Node::Kind::kLocalSet, x->location);
      node->var = b.var;
      node->children.push_back(std::move(value));
      return node;
    }
    case Binding::Kind::kGlobal: {
      if (b.imported) {
        return CompileError(items[1]->location, "module-error",
                            absl::StrCat("cannot assign to ", name,
                                         ": it is imported from module ", b.key.module,
                                         " (in module ", module_->module_name, ")"));
      }
      NodePtr node = MakeNode(Node::Kind::kGlobalSet, x->location);
      node->global = module_->GlobalIndex(b.key);
      node->children.push_back(std::move(value));
      return node;
    }
    case Binding::Kind::kSpecial:
      return SyntaxError(items[1]->location, absl::StrCat("set!: cannot assign to special form ", name));
    case Binding::Kind::kMacro:
      return SyntaxError(items[1]->location, absl::StrCat("set!: cannot assign to macro ", name));
    case Binding::Kind::kUnbound:
      break;
  }
  return CompileError(items[1]->location, "unbound-variable",
                      absl::StrCat(name, " is not defined (in module ",
                                   module_->module_name, ")"));
}

absl::StatusOr<NodePtr> Expander::ExpandLet(const DatumPtr& x,
                                            const std::vector<DatumPtr>& items,
                                            Scope* scope) {
  const SourceLocation& at = x->location;
  bool named = items.size() >= 2 && items[1]->IsSymbol();
  size_t bindings_at = named ? 2 : 1;
  if (items.size() < bindings_at + 2) {
    return SyntaxError(at, named ? "let: expected (let name ((var init) ...) body ...)"
                                 : "let: expected (let ((var init) ...) body ...)");
  }
  std::vector<DatumPtr> bindings;
  if (!ListToVector(items[bindings_at], &bindings)) {
    return SyntaxError(items[bindings_at]->location, "let: bindings must be a list");
  }
  std::vector<DatumPtr> names;
  std::vector<NodePtr> inits;
  for (const DatumPtr& b : bindings) {
    std::vector<DatumPtr> parts;
    if (!ListToVector(b, &parts) || parts.size() != 2 || !parts[0]->IsSymbol()) {
      return SyntaxError(b->location, "let: each binding must be (name value)");
    }
    for (const DatumPtr& seen : names) {
      if (seen->text == parts[0]->text) {
        return SyntaxError(parts[0]->location, absl::StrCat("let: duplicate binding ", seen->text));
      }
    }
    names.push_back(parts[0]);
    ETA_ASSIGN_OR_RETURN(NodePtr init, Expand(parts[1], scope));
    inits.push_back(std::move(init));
  }
  std::vector<DatumPtr> body = ItemsFrom(items, bindings_at + 1);
  if (named) {
    // ((letrec ((name (lambda (var ...) body ...))) name) init ...)
    scopes_.push_back(std::make_unique<Scope>(Scope{scope, scope->lambda, {}}));
    Scope* loop_scope = scopes_.back().get();
    Var* loop = scope->lambda->NewVar(items[1]->text);
    loop->assigned = true;
    loop_scope->vars[items[1]->text] = loop;
    ETA_ASSIGN_OR_RETURN(NodePtr lambda,
                         ExpandLambda(MakeList(names, at), body, loop_scope,
                                      items[1]->text, at));
    loop->self_lambda = lambda->lambda;
    NodePtr init = MakeNode(Node::Kind::kLocalInit, at);
    init->var = loop;
    init->children.push_back(std::move(lambda));
    NodePtr call = MakeNode(Node::Kind::kCall, at);
    call->children.push_back(LocalRef(loop, loop_scope, at));
    for (auto& i : inits) call->children.push_back(std::move(i));
    std::vector<NodePtr> seq;
    seq.push_back(std::move(init));
    seq.push_back(std::move(call));
    return Sequence(std::move(seq), at);
  }
  scopes_.push_back(std::make_unique<Scope>(Scope{scope, scope->lambda, {}}));
  Scope* inner = scopes_.back().get();
  std::vector<NodePtr> seq;
  for (size_t i = 0; i < names.size(); ++i) {
    Var* v = scope->lambda->NewVar(names[i]->text);
    NodePtr init = MakeNode(Node::Kind::kLocalInit, names[i]->location);
    init->var = v;
    if (inits[i]->kind == Node::Kind::kLambda && inits[i]->lambda->name == "lambda") {
      inits[i]->lambda->name = names[i]->text;
    }
    init->children.push_back(std::move(inits[i]));
    seq.push_back(std::move(init));
  }
  // Bind after all inits are expanded (they see the outer scope).
  for (size_t i = 0; i < names.size(); ++i) {
    inner->vars[names[i]->text] = seq[i]->var;
  }
  ETA_ASSIGN_OR_RETURN(NodePtr body_node, ExpandBody(body, inner, at));
  seq.push_back(std::move(body_node));
  return Sequence(std::move(seq), at);
}

absl::StatusOr<NodePtr> Expander::ExpandLetStar(const DatumPtr& x,
                                                const std::vector<DatumPtr>& items,
                                                Scope* scope) {
  const SourceLocation& at = x->location;
  if (items.size() < 3) return SyntaxError(at, "let*: expected (let* ((var init) ...) body ...)");
  std::vector<DatumPtr> bindings;
  if (!ListToVector(items[1], &bindings)) {
    return SyntaxError(items[1]->location, "let*: bindings must be a list");
  }
  Scope* current = scope;
  std::vector<NodePtr> seq;
  for (const DatumPtr& b : bindings) {
    std::vector<DatumPtr> parts;
    if (!ListToVector(b, &parts) || parts.size() != 2 || !parts[0]->IsSymbol()) {
      return SyntaxError(b->location, "let*: each binding must be (name value)");
    }
    ETA_ASSIGN_OR_RETURN(NodePtr init_value, Expand(parts[1], current));
    if (init_value->kind == Node::Kind::kLambda && init_value->lambda->name == "lambda") {
      init_value->lambda->name = parts[0]->text;
    }
    scopes_.push_back(std::make_unique<Scope>(Scope{current, scope->lambda, {}}));
    current = scopes_.back().get();
    Var* v = scope->lambda->NewVar(parts[0]->text);
    current->vars[parts[0]->text] = v;
    NodePtr init = MakeNode(Node::Kind::kLocalInit, parts[0]->location);
    init->var = v;
    init->children.push_back(std::move(init_value));
    seq.push_back(std::move(init));
  }
  scopes_.push_back(std::make_unique<Scope>(Scope{current, scope->lambda, {}}));
  ETA_ASSIGN_OR_RETURN(NodePtr body, ExpandBody(ItemsFrom(items, 2), scopes_.back().get(), at));
  seq.push_back(std::move(body));
  return Sequence(std::move(seq), at);
}

absl::StatusOr<NodePtr> Expander::ExpandLetrec(const DatumPtr& x,
                                               const std::vector<DatumPtr>& items,
                                               Scope* scope) {
  const SourceLocation& at = x->location;
  if (items.size() < 3) return SyntaxError(at, "letrec: expected (letrec ((var init) ...) body ...)");
  std::vector<DatumPtr> bindings;
  if (!ListToVector(items[1], &bindings)) {
    return SyntaxError(items[1]->location, "letrec: bindings must be a list");
  }
  scopes_.push_back(std::make_unique<Scope>(Scope{scope, scope->lambda, {}}));
  Scope* inner = scopes_.back().get();
  std::vector<std::vector<DatumPtr>> parts_list;
  for (const DatumPtr& b : bindings) {
    std::vector<DatumPtr> parts;
    if (!ListToVector(b, &parts) || parts.size() != 2 || !parts[0]->IsSymbol()) {
      return SyntaxError(b->location, "letrec: each binding must be (name value)");
    }
    Var* v = scope->lambda->NewVar(parts[0]->text);
    v->assigned = true;
    v->checked = true;
    inner->vars[parts[0]->text] = v;
    parts_list.push_back(std::move(parts));
  }
  std::vector<NodePtr> seq;
  for (auto& parts : parts_list) {
    Var* v = inner->vars[parts[0]->text];
    ETA_ASSIGN_OR_RETURN(NodePtr value, Expand(parts[1], inner));
    if (value->kind == Node::Kind::kLambda) {
      if (value->lambda->name == "lambda") value->lambda->name = parts[0]->text;
      v->self_lambda = value->lambda;
    }
    NodePtr init = MakeNode(Node::Kind::kLocalInit, parts[0]->location);
    init->var = v;
    init->children.push_back(std::move(value));
    seq.push_back(std::move(init));
  }
  ETA_ASSIGN_OR_RETURN(NodePtr body, ExpandBody(ItemsFrom(items, 2), inner, at));
  seq.push_back(std::move(body));
  return Sequence(std::move(seq), at);
}

absl::StatusOr<NodePtr> Expander::ExpandCond(const DatumPtr& x,
                                             const std::vector<DatumPtr>& clauses,
                                             size_t index, Scope* scope) {
  if (index >= clauses.size()) return Sequence({}, x->location);
  const DatumPtr& clause = clauses[index];
  std::vector<DatumPtr> parts;
  if (!ListToVector(clause, &parts) || parts.empty()) {
    return SyntaxError(clause->location, "cond: each clause must be (test expression ...)");
  }
  const SourceLocation& at = clause->location;
  if (parts[0]->IsSymbol("else") && Lookup("else", scope).kind != Binding::Kind::kLocal) {
    if (index + 1 != clauses.size()) return SyntaxError(at, "cond: else must be the last clause");
    if (parts.size() < 2) return SyntaxError(at, "cond: else clause needs an expression");
    std::vector<NodePtr> body;
    for (size_t i = 1; i < parts.size(); ++i) {
      ETA_ASSIGN_OR_RETURN(NodePtr n, Expand(parts[i], scope));
      body.push_back(std::move(n));
    }
    return Sequence(std::move(body), at);
  }
  ETA_ASSIGN_OR_RETURN(NodePtr test, Expand(parts[0], scope));
  ETA_ASSIGN_OR_RETURN(NodePtr rest, ExpandCond(x, clauses, index + 1, scope));
  bool arrow = parts.size() >= 2 && parts[1]->IsSymbol("=>");
  if (parts.size() == 1 || arrow) {
    if (arrow && parts.size() != 3) return SyntaxError(at, "cond: expected (test => receiver)");
    Var* temp = scope->lambda->NewVar("cond-value");
    NodePtr init = MakeNode(Node::Kind::kLocalInit, at);
    init->var = temp;
    init->children.push_back(std::move(test));
    NodePtr node = MakeNode(Node::Kind::kIf, at);
    node->children.push_back(LocalRef(temp, scope, at));
    if (arrow) {
      ETA_ASSIGN_OR_RETURN(NodePtr receiver, Expand(parts[2], scope));
      NodePtr call = MakeNode(Node::Kind::kCall, at);
      call->children.push_back(std::move(receiver));
      call->children.push_back(LocalRef(temp, scope, at));
      node->children.push_back(std::move(call));
    } else {
      node->children.push_back(LocalRef(temp, scope, at));
    }
    node->children.push_back(std::move(rest));
    std::vector<NodePtr> seq;
    seq.push_back(std::move(init));
    seq.push_back(std::move(node));
    return Sequence(std::move(seq), at);
  }
  std::vector<NodePtr> body;
  for (size_t i = 1; i < parts.size(); ++i) {
    ETA_ASSIGN_OR_RETURN(NodePtr n, Expand(parts[i], scope));
    body.push_back(std::move(n));
  }
  NodePtr node = MakeNode(Node::Kind::kIf, at);
  node->children.push_back(std::move(test));
  node->children.push_back(Sequence(std::move(body), at));
  node->children.push_back(std::move(rest));
  return node;
}

absl::StatusOr<NodePtr> Expander::ExpandCase(const DatumPtr& x,
                                             const std::vector<DatumPtr>& items,
                                             Scope* scope) {
  const SourceLocation& at = x->location;
  if (items.size() < 2) return SyntaxError(at, "case: expected (case key clause ...)");
  ETA_ASSIGN_OR_RETURN(NodePtr key, Expand(items[1], scope));
  Var* temp = scope->lambda->NewVar("case-key");
  NodePtr init = MakeNode(Node::Kind::kLocalInit, at);
  init->var = temp;
  init->children.push_back(std::move(key));
  NodePtr result = Sequence({}, at);
  // Build from the last clause backwards.
  for (size_t i = items.size(); i > 2; --i) {
    const DatumPtr& clause = items[i - 1];
    std::vector<DatumPtr> parts;
    if (!ListToVector(clause, &parts) || parts.size() < 2) {
      return SyntaxError(clause->location, "case: each clause must be ((datum ...) expression ...)");
    }
    bool is_else = parts[0]->IsSymbol("else");
    if (is_else && i != items.size()) {
      return SyntaxError(clause->location, "case: else must be the last clause");
    }
    NodePtr body;
    if (parts[1]->IsSymbol("=>")) {
      if (parts.size() != 3) return SyntaxError(clause->location, "case: expected (... => receiver)");
      ETA_ASSIGN_OR_RETURN(NodePtr receiver, Expand(parts[2], scope));
      body = MakeNode(Node::Kind::kCall, clause->location);
      body->children.push_back(std::move(receiver));
      body->children.push_back(LocalRef(temp, scope, at));
    } else {
      std::vector<NodePtr> nodes;
      for (size_t j = 1; j < parts.size(); ++j) {
        ETA_ASSIGN_OR_RETURN(NodePtr n, Expand(parts[j], scope));
        nodes.push_back(std::move(n));
      }
      body = Sequence(std::move(nodes), clause->location);
    }
    if (is_else) {
      result = std::move(body);
      continue;
    }
    std::vector<DatumPtr> data;
    if (!ListToVector(parts[0], &data)) {
      return SyntaxError(clause->location, "case: clause data must be a list");
    }
    NodePtr test = MakeNode(Node::Kind::kCall, clause->location);
    test->children.push_back(BuiltinRef("memv", clause->location));
    test->children.push_back(LocalRef(temp, scope, at));
    test->children.push_back(Constant(parts[0]));
    NodePtr node = MakeNode(Node::Kind::kIf, clause->location);
    node->children.push_back(std::move(test));
    node->children.push_back(std::move(body));
    node->children.push_back(std::move(result));
    result = std::move(node);
  }
  std::vector<NodePtr> seq;
  seq.push_back(std::move(init));
  seq.push_back(std::move(result));
  return Sequence(std::move(seq), at);
}

absl::StatusOr<NodePtr> Expander::ExpandDo(const DatumPtr& x,
                                           const std::vector<DatumPtr>& items,
                                           Scope* scope) {
  const SourceLocation& at = x->location;
  if (items.size() < 3) return SyntaxError(at, "do: expected (do ((var init step) ...) (test result ...) body ...)");
  std::vector<DatumPtr> specs, exit;
  if (!ListToVector(items[1], &specs)) return SyntaxError(items[1]->location, "do: bad variable list");
  if (!ListToVector(items[2], &exit) || exit.empty()) {
    return SyntaxError(items[2]->location, "do: expected (test result ...)");
  }
  // (let loop ((var init) ...) (if test (begin result ...) (begin body ... (loop step ...))))
  std::vector<DatumPtr> names, inits, steps;
  for (const DatumPtr& spec : specs) {
    std::vector<DatumPtr> parts;
    if (!ListToVector(spec, &parts) || parts.size() < 2 || parts.size() > 3 ||
        !parts[0]->IsSymbol()) {
      return SyntaxError(spec->location, "do: each variable must be (name init [step])");
    }
    names.push_back(parts[0]);
    inits.push_back(parts[1]);
    steps.push_back(parts.size() == 3 ? parts[2] : parts[0]);
  }
  std::vector<NodePtr> init_nodes;
  for (const DatumPtr& init : inits) {
    ETA_ASSIGN_OR_RETURN(NodePtr n, Expand(init, scope));
    init_nodes.push_back(std::move(n));
  }
  auto owned = std::make_unique<Lambda>();
  Lambda* lambda = owned.get();
  lambdas_.push_back(std::move(owned));
  lambda->name = "do-loop";
  lambda->location = at;
  lambda->parent = scope->lambda;
  Var* loop = scope->lambda->NewVar("do-loop");
  loop->assigned = true;
  loop->self_lambda = lambda;
  scopes_.push_back(std::make_unique<Scope>(Scope{scope, lambda, {}}));
  Scope* inner = scopes_.back().get();
  for (const DatumPtr& name : names) {
    if (inner->vars.contains(name->text)) {
      return SyntaxError(name->location, absl::StrCat("do: duplicate variable ", name->text));
    }
    inner->vars[name->text] = lambda->NewVar(name->text);
  }
  lambda->required = static_cast<uint32_t>(names.size());
  ETA_ASSIGN_OR_RETURN(NodePtr test, Expand(exit[0], inner));
  std::vector<NodePtr> results;
  for (size_t i = 1; i < exit.size(); ++i) {
    ETA_ASSIGN_OR_RETURN(NodePtr n, Expand(exit[i], inner));
    results.push_back(std::move(n));
  }
  std::vector<NodePtr> body;
  for (size_t i = 3; i < items.size(); ++i) {
    ETA_ASSIGN_OR_RETURN(NodePtr n, Expand(items[i], inner));
    body.push_back(std::move(n));
  }
  NodePtr again = MakeNode(Node::Kind::kCall, at);
  again->children.push_back(LocalRef(loop, inner, at));
  for (const DatumPtr& step : steps) {
    ETA_ASSIGN_OR_RETURN(NodePtr n, Expand(step, inner));
    again->children.push_back(std::move(n));
  }
  body.push_back(std::move(again));
  NodePtr branch = MakeNode(Node::Kind::kIf, at);
  branch->children.push_back(std::move(test));
  branch->children.push_back(Sequence(std::move(results), at));
  branch->children.push_back(Sequence(std::move(body), at));
  lambda->body = std::move(branch);
  NodePtr lambda_node = MakeNode(Node::Kind::kLambda, at);
  lambda_node->lambda = lambda;
  NodePtr init = MakeNode(Node::Kind::kLocalInit, at);
  init->var = loop;
  init->children.push_back(std::move(lambda_node));
  NodePtr call = MakeNode(Node::Kind::kCall, at);
  call->children.push_back(LocalRef(loop, scope, at));
  for (auto& n : init_nodes) call->children.push_back(std::move(n));
  std::vector<NodePtr> seq;
  seq.push_back(std::move(init));
  seq.push_back(std::move(call));
  return Sequence(std::move(seq), at);
}

namespace {
bool HasUnquote(const DatumPtr& x) {
  std::vector<const Datum*> work{x.get()};
  while (!work.empty()) {
    const Datum* d = work.back();
    work.pop_back();
    if (d->IsSymbol("unquote") || d->IsSymbol("unquote-splicing")) return true;
    if (d->IsPair()) {
      work.push_back(d->car.get());
      work.push_back(d->cdr.get());
    } else if (d->kind == Datum::Kind::kVector) {
      for (const auto& item : d->items) work.push_back(item.get());
    }
  }
  return false;
}

bool IsForm(const DatumPtr& x, const char* head) {
  return x->IsPair() && x->car->IsSymbol(head) && x->cdr->IsPair() && x->cdr->cdr->IsNil();
}
}  // namespace

absl::StatusOr<NodePtr> Expander::ExpandQuasi(const DatumPtr& x, int depth,
                                              Scope* scope) {
  if (StackLow()) return SyntaxError(x->location, kNestingTooDeep);
  const SourceLocation& at = x->location;
  if (!HasUnquote(x)) return Constant(x);
  auto call = [&](const char* name, std::vector<NodePtr> args) {
    NodePtr n = MakeNode(Node::Kind::kCall, at);
    n->children.push_back(BuiltinRef(name, at));
    for (auto& a : args) n->children.push_back(std::move(a));
    return n;
  };
  if (IsForm(x, "unquote")) {
    if (depth == 1) return Expand(x->cdr->car, scope);
    ETA_ASSIGN_OR_RETURN(NodePtr inner, ExpandQuasi(x->cdr->car, depth - 1, scope));
    std::vector<NodePtr> args;
    args.push_back(Constant(Sym("unquote", at)));
    args.push_back(std::move(inner));
    return call("list", std::move(args));
  }
  if (IsForm(x, "quasiquote")) {
    ETA_ASSIGN_OR_RETURN(NodePtr inner, ExpandQuasi(x->cdr->car, depth + 1, scope));
    std::vector<NodePtr> args;
    args.push_back(Constant(Sym("quasiquote", at)));
    args.push_back(std::move(inner));
    return call("list", std::move(args));
  }
  if (x->IsPair()) {
    // (append (list e ...) spliced ... tail), along the spine without
    // recursion: a quasiquoted list may be long.
    std::vector<const DatumPtr*> items;
    const DatumPtr* rest = &x;
    while ((*rest)->IsPair() && !IsForm(*rest, "unquote") && !IsForm(*rest, "quasiquote")) {
      items.push_back(&(*rest)->car);
      rest = &(*rest)->cdr;
    }
    std::vector<NodePtr> parts, run;
    bool spliced = false;  // append copies what it splices but the last
    auto flush = [&] {
      if (!run.empty()) parts.push_back(call("list", std::move(run)));
      run.clear();
    };
    for (const DatumPtr* item : items) {
      if (!IsForm(*item, "unquote-splicing")) {
        ETA_ASSIGN_OR_RETURN(NodePtr element, ExpandQuasi(*item, depth, scope));
        run.push_back(std::move(element));
      } else if (depth == 1) {
        flush();
        ETA_ASSIGN_OR_RETURN(NodePtr list, Expand((*item)->cdr->car, scope));
        parts.push_back(std::move(list));
        spliced = true;
      } else {
        ETA_ASSIGN_OR_RETURN(NodePtr inner, ExpandQuasi((*item)->cdr->car, depth - 1, scope));
        std::vector<NodePtr> args;
        args.push_back(Constant(Sym("unquote-splicing", at)));
        args.push_back(std::move(inner));
        run.push_back(call("list", std::move(args)));
      }
    }
    flush();
    ETA_ASSIGN_OR_RETURN(NodePtr tail, ExpandQuasi(*rest, depth, scope));
    if ((*rest)->IsNil() && !spliced) return std::move(parts[0]);
    parts.push_back(std::move(tail));
    return call("append", std::move(parts));
  }
  if (x->kind == Datum::Kind::kVector) {
    ETA_ASSIGN_OR_RETURN(NodePtr list, ExpandQuasi(MakeList(x->items, at), depth, scope));
    std::vector<NodePtr> args;
    args.push_back(std::move(list));
    return call("list->vector", std::move(args));
  }
  return Constant(x);
}

absl::StatusOr<std::vector<DatumPtr>> Expander::RecordTypeDefinitions(
    const DatumPtr& x, const std::vector<DatumPtr>& items) {
  const SourceLocation& at = x->location;
  if (items.size() < 3 || !items[1]->IsSymbol()) {
    return SyntaxError(at, "define-record-type: expected (define-record-type name "
                           "(constructor field ...) predicate (field accessor [modifier]) ...)");
  }
  DatumPtr type_name = items[1];
  std::vector<DatumPtr> fields;
  std::vector<std::vector<DatumPtr>> specs;
  for (size_t i = 4; i < items.size(); ++i) {
    std::vector<DatumPtr> spec;
    if (items[i]->IsSymbol()) {
      spec.push_back(items[i]);
    } else if (!ListToVector(items[i], &spec) || spec.empty() || spec.size() > 3) {
      return SyntaxError(items[i]->location, "define-record-type: field spec must be (field [accessor [modifier]])");
    }
    for (const auto& s : spec) {
      if (!s->IsSymbol()) return SyntaxError(s->location, "define-record-type: expected a symbol");
    }
    fields.push_back(spec[0]);
    specs.push_back(spec);
  }
  // Generated code carries no line: errors inside it are reported at the
  // caller's call site.
  SourceLocation gen = at;
  gen.line = 0;
  gen.column = 0;
  auto list = [&](std::vector<DatumPtr> v) { return MakeList(v, gen); };
  auto quote = [&](DatumPtr d) { return list({Sym("quote", gen), d}); };
  std::string bare = type_name->text;
  if (bare.size() > 2 && bare.front() == '<' && bare.back() == '>') bare = bare.substr(1, bare.size() - 2);
  std::vector<DatumPtr> out;
  out.push_back(list({Sym("define", gen), type_name,
                      list({MakeInternalSymbol("%make-record-type", gen), quote(MakeSymbol(bare, gen)),
                            quote(MakeList(fields, gen))})}));
  // Constructor.
  if (items.size() > 2 && !(items[2]->kind == Datum::Kind::kBool)) {
    std::vector<DatumPtr> ctor;
    if (items[2]->IsSymbol()) {
      ctor.push_back(items[2]);
      for (const auto& f : fields) ctor.push_back(f);
    } else if (!ListToVector(items[2], &ctor) || ctor.empty() || !ctor[0]->IsSymbol()) {
      return SyntaxError(items[2]->location, "define-record-type: constructor must be (name field ...)");
    }
    std::vector<DatumPtr> args(ctor.begin() + 1, ctor.end());
    std::vector<DatumPtr> make{MakeInternalSymbol("%make-record", gen), type_name};
    for (const auto& f : fields) {
      bool given = false;
      for (const auto& a : args) given |= a->text == f->text;
      make.push_back(given ? f : MakeBool(false, gen));
    }
    for (const auto& a : args) {
      bool known = false;
      for (const auto& f : fields) known |= a->text == f->text;
      if (!known) {
        return SyntaxError(a->location, absl::StrCat("define-record-type: ", a->text, " is not a field"));
      }
    }
    out.push_back(list({Sym("define", gen), list({Sym("lambda", gen), MakeList(args, gen), list(make)})}));
    // Put the name in: (define name (lambda ...))
    out.back() = list({Sym("define", gen), ctor[0],
                       list({Sym("lambda", gen), MakeList(args, gen), list(make)})});
  }
  if (items.size() > 3 && items[3]->IsSymbol()) {
    DatumPtr obj = Sym("obj", gen);
    out.push_back(list({Sym("define", gen), items[3],
                        list({Sym("lambda", gen), list({obj}),
                              list({MakeInternalSymbol("%record?", gen), obj, type_name})})}));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    DatumPtr obj = Sym("obj", gen);
    DatumPtr index = MakeInteger(static_cast<int64_t>(i), gen);
    if (specs[i].size() >= 2) {
      out.push_back(list({Sym("define", gen), specs[i][1],
                          list({Sym("lambda", gen), list({obj}),
                                list({MakeInternalSymbol("%record-ref", gen), obj, type_name, index,
                                      quote(specs[i][1])})})}));
    }
    if (specs[i].size() == 3) {
      DatumPtr value = Sym("value", gen);
      out.push_back(list({Sym("define", gen), specs[i][2],
                          list({Sym("lambda", gen), list({obj, value}),
                                list({MakeInternalSymbol("%record-set!", gen), obj, type_name, index, value,
                                      quote(specs[i][2])})})}));
    }
  }
  return out;
}

}  // namespace eta::compiler
