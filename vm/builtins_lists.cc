// Pairs, lists, symbols, booleans and equality.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "vm/builtins.h"
#include "vm/builtins_internal.h"
#include "vm/equal.h"
#include "vm/utf8.h"

namespace eta::vm {
namespace {

using internal::ListToVector;
using internal::MakeListFrom;
using internal::ProperListLength;

Value NotPair(VM& vm, const char* name, int position, Value got) {
  return vm.RaiseTypeError(name, position, "a pair", got);
}

// ---- Pairs ----

Value ConsPrimitive(VM& vm, Arguments args) {
  return vm.Cons(args[0], args[1]);
}

Value CarPrimitive(VM& vm, Arguments args) {
  if (!IsPair(args[0])) return NotPair(vm, "car", 1, args[0]);
  return Car(args[0]);
}

Value CdrPrimitive(VM& vm, Arguments args) {
  if (!IsPair(args[0])) return NotPair(vm, "cdr", 1, args[0]);
  return Cdr(args[0]);
}

Value SetCar(VM& vm, Arguments args) {
  if (!IsPair(args[0])) return NotPair(vm, "set-car!", 1, args[0]);
  if (!vm.CheckMutable("set-car!", 1, "pair", args[0])) return Value::RaiseMarker();
  As<Pair>(args[0])->car = args[1];
  return Value::Unspecified();
}

Value SetCdr(VM& vm, Arguments args) {
  if (!IsPair(args[0])) return NotPair(vm, "set-cdr!", 1, args[0]);
  if (!vm.CheckMutable("set-cdr!", 1, "pair", args[0])) return Value::RaiseMarker();
  As<Pair>(args[0])->cdr = args[1];
  return Value::Unspecified();
}

// Cxr describes one composite accessor: its name, the path read right to
// left ('a' for car, 'd' for cdr) and what its argument must be.
struct Cxr {
  const char* name;
  const char* path;
  const char* expected;
};

constexpr Cxr kCxrs[] = {
    {"caar", "aa", "a pair whose car is a pair"},
    {"cadr", "ad", "a list of at least 2 elements"},
    {"cdar", "da", "a pair whose car is a pair"},
    {"cddr", "dd", "a list of at least 2 elements"},
    {"caddr", "add", "a list of at least 3 elements"},
    {"cdddr", "ddd", "a list of at least 3 elements"},
    {"cadddr", "addd", "a list of at least 4 elements"},
};

template <int kIndex>
Value CxrPrimitive(VM& vm, Arguments args) {
  const Cxr& cxr = kCxrs[kIndex];
  std::string_view path = cxr.path;
  Value v = args[0];
  for (size_t i = path.size(); i-- > 0;) {
    if (!IsPair(v)) {
      return vm.RaiseTypeError(cxr.name, 1, cxr.expected, args[0]);
    }
    v = path[i] == 'a' ? Car(v) : Cdr(v);
  }
  return v;
}

Value PairP(VM& vm, Arguments args) { return Value::Bool(IsPair(args[0])); }
Value NullP(VM& vm, Arguments args) { return Value::Bool(args[0].IsNil()); }

Value ListP(VM& vm, Arguments args) {
  return Value::Bool(ProperListLength(args[0]) >= 0);
}

// ---- Lists ----

Value ListPrimitive(VM& vm, Arguments args) {
  return MakeListFrom(vm, args.values, args.count);
}

Value MakeListPrimitive(VM& vm, Arguments args) {
  auto count = internal::CountArgument(vm, "make-list", args, 1);
  if (!count) return Value::RaiseMarker();
  if (!internal::CheckAllocation(vm, *count, sizeof(Pair))) {
    return Value::RaiseMarker();
  }
  Value fill = args.count > 1 ? args[1] : Value::Unspecified();
  Rooted list(vm.heap(), Value::Nil());
  for (size_t i = 0; i < *count; ++i) {
    Value pair = vm.Cons(fill, list);
    if (pair.IsRaise()) return pair;
    list = pair;
  }
  return list;
}

Value Length(VM& vm, Arguments args) {
  int64_t length = ProperListLength(args[0]);
  if (length < 0) {
    return vm.RaiseTypeError("length", 1, "a proper list", args[0]);
  }
  return Value::Fixnum(length);
}

Value Append(VM& vm, Arguments args) {
  if (args.count == 0) return Value::Nil();
  std::vector<Value> items;
  for (int i = 0; i + 1 < args.count; ++i) {
    if (!ListToVector(args[i], &items)) {
      return vm.RaiseTypeError("append", i + 1, "a proper list", args[i]);
    }
  }
  return MakeListFrom(vm, items.data(), items.size(), args[args.count - 1]);
}

Value Reverse(VM& vm, Arguments args) {
  if (ProperListLength(args[0]) < 0) {
    return vm.RaiseTypeError("reverse", 1, "a proper list", args[0]);
  }
  Rooted result(vm.heap(), Value::Nil());
  for (Value p = args[0]; IsPair(p); p = Cdr(p)) {
    Value pair = vm.Cons(Car(p), result);
    if (pair.IsRaise()) return pair;
    result = pair;
  }
  return result;
}

// NthTail follows `k` cdrs of args[0]; raises a range-error for `name` if the
// list is too short.
Value NthTail(VM& vm, const char* name, Arguments args, bool need_pair) {
  auto k = internal::CountArgument(vm, name, args, 2);
  if (!k) return Value::RaiseMarker();
  if (!IsPair(args[0]) && !args[0].IsNil()) {
    return vm.RaiseTypeError(name, 1, "a list", args[0]);
  }
  auto past_end = [&] {
    return vm.RaiseRangeError(
        name, 2, absl::StrCat("index ", *k, " is past the end of the list"),
        args[1]);
  };
  Value v = args[0];
  for (size_t i = 0; i < *k; ++i) {
    if (!IsPair(v)) return past_end();
    v = Cdr(v);
  }
  if (need_pair && !IsPair(v)) return past_end();
  return v;
}

Value ListTail(VM& vm, Arguments args) {
  return NthTail(vm, "list-tail", args, false);
}

Value ListRef(VM& vm, Arguments args) {
  Value tail = NthTail(vm, "list-ref", args, true);
  return tail.IsRaise() ? tail : Car(tail);
}

Value ListCopy(VM& vm, Arguments args) {
  std::vector<Value> items;
  Value p = args[0];
  Value slow = p;
  while (IsPair(p)) {
    items.push_back(Car(p));
    p = Cdr(p);
    if (items.size() % 2 == 0) slow = Cdr(slow);
    if (p.Eq(slow) && IsPair(p)) {
      return vm.RaiseTypeError("list-copy", 1, "a list", args[0]);
    }
  }
  return MakeListFrom(vm, items.data(), items.size(), p);
}

Value LastPair(VM& vm, Arguments args) {
  if (!IsPair(args[0])) return NotPair(vm, "last-pair", 1, args[0]);
  Value p = args[0];
  Value slow = p;
  size_t steps = 0;
  while (IsPair(Cdr(p))) {
    p = Cdr(p);
    if (++steps % 2 == 0) slow = Cdr(slow);
    if (p.Eq(slow)) {
      return vm.RaiseTypeError("last-pair", 1, "a non-cyclic list", args[0]);
    }
  }
  return p;
}

// Member searches `list` for `x` using `same`; raises for improper lists.
template <bool (*kSame)(Value, Value)>
Value MemberWith(VM& vm, const char* name, Arguments args) {
  Value x = args[0];
  Value p = args[1];
  Value slow = p;
  size_t steps = 0;
  while (IsPair(p)) {
    if (kSame(x, Car(p))) return p;
    p = Cdr(p);
    if (++steps % 2 == 0) slow = Cdr(slow);
    if (p.Eq(slow) && IsPair(p)) break;
  }
  if (!p.IsNil()) {
    return vm.RaiseTypeError(name, 2, "a proper list", args[1]);
  }
  return Value::False();
}

template <bool (*kSame)(Value, Value)>
Value AssocWith(VM& vm, const char* name, Arguments args) {
  Value x = args[0];
  Value p = args[1];
  Value slow = p;
  size_t steps = 0;
  while (IsPair(p)) {
    Value entry = Car(p);
    if (!IsPair(entry)) {
      return vm.RaiseTypeError(name, 2, "an association list", args[1]);
    }
    if (kSame(x, Car(entry))) return entry;
    p = Cdr(p);
    if (++steps % 2 == 0) slow = Cdr(slow);
    if (p.Eq(slow) && IsPair(p)) break;
  }
  if (!p.IsNil()) {
    return vm.RaiseTypeError(name, 2, "a proper list", args[1]);
  }
  return Value::False();
}

bool Same(Value a, Value b) { return a.Eq(b); }

Value Memq(VM& vm, Arguments args) {
  return MemberWith<Same>(vm, "memq", args);
}
Value Memv(VM& vm, Arguments args) {
  return MemberWith<Eqv>(vm, "memv", args);
}
Value MemberEqual(VM& vm, Arguments args) {
  return MemberWith<Equal>(vm, "member", args);
}
Value Assq(VM& vm, Arguments args) {
  return AssocWith<Same>(vm, "assq", args);
}
Value Assv(VM& vm, Arguments args) {
  return AssocWith<Eqv>(vm, "assv", args);
}
Value AssocEqual(VM& vm, Arguments args) {
  return AssocWith<Equal>(vm, "assoc", args);
}

Value Iota(VM& vm, Arguments args) {
  auto count = internal::CountArgument(vm, "iota", args, 1);
  if (!count) return Value::RaiseMarker();
  Value start = args.count > 1 ? args[1] : Value::Fixnum(0);
  Value step = args.count > 2 ? args[2] : Value::Fixnum(1);
  if (!start.IsNumber()) {
    return vm.RaiseTypeError("iota", 2, "a number", start);
  }
  if (!step.IsNumber()) return vm.RaiseTypeError("iota", 3, "a number", step);
  if (!internal::CheckAllocation(vm, *count, sizeof(Pair))) {
    return Value::RaiseMarker();
  }
  bool exact = start.IsFixnum() && step.IsFixnum();
  Rooted list(vm.heap(), Value::Nil());
  for (size_t i = *count; i-- > 0;) {
    Value element;
    int64_t offset, value;
    if (exact &&
        !__builtin_mul_overflow(static_cast<int64_t>(i), step.AsFixnum(),
                                &offset) &&
        !__builtin_add_overflow(start.AsFixnum(), offset, &value)) {
      element = Value::Fixnum(value);
    } else {
      element = Value::Flonum(start.AsDouble() +
                              static_cast<double>(i) * step.AsDouble());
    }
    Value pair = vm.Cons(element, list);
    if (pair.IsRaise()) return pair;
    list = pair;
  }
  return list;
}

// ---- Booleans and equality ----

Value Not(VM& vm, Arguments args) { return Value::Bool(args[0].IsFalse()); }
Value BooleanP(VM& vm, Arguments args) {
  return Value::Bool(args[0].IsBool());
}

Value BooleanEqual(VM& vm, Arguments args) {
  for (int i = 0; i < args.count; ++i) {
    if (!args[i].IsBool()) {
      return vm.RaiseTypeError("boolean=?", i + 1, "a boolean", args[i]);
    }
  }
  for (int i = 1; i < args.count; ++i) {
    if (!args[i].Eq(args[0])) return Value::False();
  }
  return Value::True();
}

Value EqP(VM& vm, Arguments args) { return Value::Bool(args[0].Eq(args[1])); }
Value EqvP(VM& vm, Arguments args) {
  return Value::Bool(Eqv(args[0], args[1]));
}
Value EqualP(VM& vm, Arguments args) {
  return Value::Bool(Equal(args[0], args[1]));
}

// ---- Symbols ----

Value SymbolP(VM& vm, Arguments args) {
  return Value::Bool(IsSymbol(args[0]));
}

Value SymbolToString(VM& vm, Arguments args) {
  if (!IsSymbol(args[0])) {
    return vm.RaiseTypeError("symbol->string", 1, "a symbol", args[0]);
  }
  return vm.MakeStringFromUtf8(As<Symbol>(args[0])->name);
}

Value StringToSymbol(VM& vm, Arguments args) {
  if (!IsString(args[0])) {
    return vm.RaiseTypeError("string->symbol", 1, "a string", args[0]);
  }
  return vm.Intern(EncodeUtf8(internal::StringChars(args[0])));
}

Value SymbolEqual(VM& vm, Arguments args) {
  for (int i = 0; i < args.count; ++i) {
    if (!IsSymbol(args[i])) {
      return vm.RaiseTypeError("symbol=?", i + 1, "a symbol", args[i]);
    }
  }
  for (int i = 1; i < args.count; ++i) {
    if (!args[i].Eq(args[0])) return Value::False();
  }
  return Value::True();
}

Value Gensym(VM& vm, Arguments args) {
  std::string prefix = "g";
  if (args.count > 0) {
    if (IsString(args[0])) {
      prefix = EncodeUtf8(internal::StringChars(args[0]));
    } else if (IsSymbol(args[0])) {
      prefix = As<Symbol>(args[0])->name;
    } else {
      return vm.RaiseTypeError("gensym", 1, "a string or symbol", args[0]);
    }
  }
  return vm.Intern(absl::StrCat(prefix, vm.NextGensym()));
}

// (%type-error who position expected got) raises like a builtin's own
// argument check; for procedures written in Eta.
Value TypeErrorPrimitive(VM& vm, Arguments args) {
  std::string who;
  if (IsSymbol(args[0])) {
    who = As<Symbol>(args[0])->name;
  } else if (IsString(args[0])) {
    who = EncodeUtf8(internal::StringChars(args[0]));
  } else {
    return vm.RaiseTypeError("%type-error", 1, "a symbol or string", args[0]);
  }
  if (!args[1].IsFixnum()) {
    return vm.RaiseTypeError("%type-error", 2, "an exact integer", args[1]);
  }
  if (!IsString(args[2])) {
    return vm.RaiseTypeError("%type-error", 3, "a string", args[2]);
  }
  return vm.RaiseTypeError(who, static_cast<int>(args[1].AsFixnum()),
                           EncodeUtf8(internal::StringChars(args[2])),
                           args[3]);
}

const PrimitiveSpec kListPrimitives[] = {
    {"cons", 2, 2, ConsPrimitive},
    {"car", 1, 1, CarPrimitive},
    {"cdr", 1, 1, CdrPrimitive},
    {"set-car!", 2, 2, SetCar},
    {"set-cdr!", 2, 2, SetCdr},
    {"caar", 1, 1, CxrPrimitive<0>},
    {"cadr", 1, 1, CxrPrimitive<1>},
    {"cdar", 1, 1, CxrPrimitive<2>},
    {"cddr", 1, 1, CxrPrimitive<3>},
    {"caddr", 1, 1, CxrPrimitive<4>},
    {"cdddr", 1, 1, CxrPrimitive<5>},
    {"cadddr", 1, 1, CxrPrimitive<6>},
    {"pair?", 1, 1, PairP},
    {"null?", 1, 1, NullP},
    {"list?", 1, 1, ListP},
    {"list", 0, -1, ListPrimitive},
    {"make-list", 1, 2, MakeListPrimitive},
    {"length", 1, 1, Length},
    {"append", 0, -1, Append},
    {"reverse", 1, 1, Reverse},
    {"list-tail", 2, 2, ListTail},
    {"list-ref", 2, 2, ListRef},
    {"list-copy", 1, 1, ListCopy},
    {"last-pair", 1, 1, LastPair},
    {"memq", 2, 2, Memq},
    {"memv", 2, 2, Memv},
    {"%member-equal", 2, 2, MemberEqual},
    {"assq", 2, 2, Assq},
    {"assv", 2, 2, Assv},
    {"%assoc-equal", 2, 2, AssocEqual},
    {"iota", 1, 3, Iota},
    {"not", 1, 1, Not},
    {"boolean?", 1, 1, BooleanP},
    {"boolean=?", 2, -1, BooleanEqual},
    {"eq?", 2, 2, EqP},
    {"eqv?", 2, 2, EqvP},
    {"equal?", 2, 2, EqualP},
    {"symbol?", 1, 1, SymbolP},
    {"symbol->string", 1, 1, SymbolToString},
    {"string->symbol", 1, 1, StringToSymbol},
    {"symbol=?", 1, -1, SymbolEqual},
    {"gensym", 0, 1, Gensym},
    {"%type-error", 4, 4, TypeErrorPrimitive},
};

}  // namespace

absl::Span<const PrimitiveSpec> ListPrimitives() { return kListPrimitives; }

}  // namespace eta::vm
