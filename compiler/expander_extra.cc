// The forms of [L3] built on the core ones and on prelude procedures:
// guard, parameterize, promises, multiple-value binding and case-lambda.
#include "absl/strings/str_cat.h"
#include "compiler/expander.h"
#include "compiler/status_macros.h"

namespace eta::compiler {
absl::StatusOr<NodePtr> Expander::ExpandExtra(const std::string& keyword,
                                              const DatumPtr& x,
                                              const std::vector<DatumPtr>& items,
                                              Scope* scope) {
  const SourceLocation& at = x->location;
  size_t n = items.size();
  auto call = [&](const char* builtin, std::vector<NodePtr> args) {
    NodePtr node = MakeNode(Node::Kind::kCall, at);
    node->children.push_back(BuiltinRef(builtin, at));
    for (auto& a : args) node->children.push_back(std::move(a));
    return node;
  };
  auto thunk = [&](const std::vector<DatumPtr>& body,
                   const char* name) -> absl::StatusOr<NodePtr> {
    return ExpandLambda(MakeNil(at), body, scope, name, at);
  };

  if (keyword == "guard") {
    // (guard (var clause ...) body ...) =>
    // (%guard (lambda () body ...)
    //         (lambda (var reraise) (cond clause ... (else (reraise)))))
    std::vector<DatumPtr> spec;
    if (n < 3 || !ListToVector(items[1], &spec) || spec.empty() || !spec[0]->IsSymbol()) {
      return SyntaxError(at, "guard: expected (guard (var clause ...) body ...)");
    }
    ETA_ASSIGN_OR_RETURN(NodePtr body, thunk(ItemsFrom(items, 2), "guard"));
    DatumPtr reraise = MakeSymbol("%guard-reraise", at);
    std::vector<DatumPtr> clauses = ItemsFrom(spec, 1);
    bool has_else = !clauses.empty() && clauses.back()->IsPair() &&
                    clauses.back()->car->IsSymbol("else");
    if (!has_else) {
      clauses.push_back(MakeList({MakeSymbol("else", at), MakeList({reraise}, at)}, at));
    }
    std::vector<DatumPtr> cond{MakeSymbol("cond", at)};
    cond.insert(cond.end(), clauses.begin(), clauses.end());
    ETA_ASSIGN_OR_RETURN(NodePtr handler,
                         ExpandLambda(MakeList({spec[0], reraise}, at),
                                      {MakeList(cond, at)}, scope, "guard-handler", at));
    std::vector<NodePtr> args;
    args.push_back(std::move(body));
    args.push_back(std::move(handler));
    return call("%guard", std::move(args));
  }

  if (keyword == "parameterize") {
    // (%parameterize (list p ...) (list v ...) (lambda () body ...))
    std::vector<DatumPtr> bindings;
    if (n < 3 || !ListToVector(items[1], &bindings)) {
      return SyntaxError(at, "parameterize: expected (parameterize ((param value) ...) body ...)");
    }
    std::vector<NodePtr> params, values;
    for (const DatumPtr& b : bindings) {
      std::vector<DatumPtr> parts;
      if (!ListToVector(b, &parts) || parts.size() != 2) {
        return SyntaxError(b->location, "parameterize: each binding must be (param value)");
      }
      ETA_ASSIGN_OR_RETURN(NodePtr p, Expand(parts[0], scope));
      ETA_ASSIGN_OR_RETURN(NodePtr v, Expand(parts[1], scope));
      params.push_back(std::move(p));
      values.push_back(std::move(v));
    }
    ETA_ASSIGN_OR_RETURN(NodePtr body, thunk(ItemsFrom(items, 2), "parameterize"));
    std::vector<NodePtr> args;
    args.push_back(call("list", std::move(params)));
    args.push_back(call("list", std::move(values)));
    args.push_back(std::move(body));
    return call("%parameterize", std::move(args));
  }

  if (keyword == "delay" || keyword == "delay-force" || keyword == "make-promise-lazy") {
    if (n != 2) return SyntaxError(at, absl::StrCat(keyword, ": expected (", keyword, " expression)"));
    std::vector<NodePtr> args;
    if (keyword == "delay") {
      // (delay e) is (delay-force (make-promise e)), as in R7RS.
      ETA_ASSIGN_OR_RETURN(NodePtr inner, thunk({items[1]}, "delay"));
      args.push_back(std::move(inner));
      return call("%delay", std::move(args));
    }
    ETA_ASSIGN_OR_RETURN(NodePtr inner, thunk({items[1]}, "delay-force"));
    args.push_back(std::move(inner));
    return call("%delay-force", std::move(args));
  }

  if (keyword == "receive") {
    // (receive formals expr body ...) => (%apply-values (lambda formals body ...) expr)
    if (n < 4) return SyntaxError(at, "receive: expected (receive formals expression body ...)");
    ETA_ASSIGN_OR_RETURN(NodePtr consumer,
                         ExpandLambda(items[1], ItemsFrom(items, 3), scope, "receive", at));
    ETA_ASSIGN_OR_RETURN(NodePtr producer, Expand(items[2], scope));
    std::vector<NodePtr> args;
    args.push_back(std::move(consumer));
    args.push_back(std::move(producer));
    return call("%apply-values", std::move(args));
  }

  if (keyword == "let-values" || keyword == "let*-values") {
    // Nested receives; the last one holds the body.
    std::vector<DatumPtr> bindings;
    if (n < 3 || !ListToVector(items[1], &bindings)) {
      return SyntaxError(at, absl::StrCat(keyword, ": expected (", keyword,
                                          " ((formals expression) ...) body ...)"));
    }
    DatumPtr body = MakeList(ItemsFrom(items, 2), at);
    DatumPtr form = MakePair(MakeSymbol("let", at), MakePair(MakeNil(at), body, at), at);
    bool sequential = keyword == "let*-values";
    std::vector<DatumPtr> temps;  // let-values: every producer runs outside
    for (size_t i = bindings.size(); i > 0; --i) {
      std::vector<DatumPtr> parts;
      if (!ListToVector(bindings[i - 1], &parts) || parts.size() != 2) {
        return SyntaxError(bindings[i - 1]->location,
                           absl::StrCat(keyword, ": each binding must be (formals expression)"));
      }
      DatumPtr producer = parts[1];
      if (!sequential) {
        DatumPtr temp = MakeSymbol(absl::StrCat("%let-values-", i), at);
        temps.push_back(MakeList(
            {temp, MakeList({MakeSymbol("call-with-values", at),
                             MakeList({MakeSymbol("lambda", at), MakeNil(at), parts[1]}, at),
                             MakeSymbol("list", at)},
                            at)},
            at));
        producer = MakeList({MakeSymbol("apply", at), MakeSymbol("values", at), temp}, at);
      }
      form = MakeList({MakeSymbol("receive", at), parts[0], producer, form}, at);
    }
    if (!sequential) {
      form = MakeList({MakeSymbol("let", at), MakeList(temps, at), form}, at);
    }
    return Expand(form, scope);
  }

  if (keyword == "define-values") {
    return SyntaxError(at, "define-values: allowed only at the start of a body or at top level");
  }

  if (keyword == "case-lambda") {
    // (%case-lambda '((required . rest?) ...) (list (lambda formals body ...) ...))
    std::vector<DatumPtr> arities;
    std::vector<NodePtr> procedures;
    for (size_t i = 1; i < n; ++i) {
      std::vector<DatumPtr> clause;
      if (!ListToVector(items[i], &clause) || clause.size() < 2) {
        return SyntaxError(items[i]->location, "case-lambda: each clause must be (formals body ...)");
      }
      ETA_ASSIGN_OR_RETURN(NodePtr lambda,
                           ExpandLambda(clause[0], ItemsFrom(clause, 1), scope, "case-lambda",
                                        items[i]->location));
      arities.push_back(MakePair(MakeInteger(lambda->lambda->required, at),
                                 MakeBool(lambda->lambda->rest, at), at));
      procedures.push_back(std::move(lambda));
    }
    std::vector<NodePtr> args;
    args.push_back(Constant(MakeList(arities, at)));
    args.push_back(call("list", std::move(procedures)));
    return call("%case-lambda", std::move(args));
  }

  return SyntaxError(at, absl::StrCat(keyword, ": unsupported form"));
}

}  // namespace eta::compiler
