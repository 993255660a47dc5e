// Characters: Unicode scalar values.
#include <cstdint>

#include "absl/strings/str_format.h"
#include "vm/builtins.h"
#include "vm/char_properties.h"
#include "vm/utf8.h"

namespace eta::vm {
namespace {

bool CheckChars(VM& vm, const char* name, Arguments args) {
  for (int i = 0; i < args.count; ++i) {
    if (!args[i].IsChar()) {
      vm.RaiseTypeError(name, i + 1, "a character", args[i]);
      return false;
    }
  }
  return true;
}

Value CharP(VM& vm, Arguments args) { return Value::Bool(args[0].IsChar()); }

Value CharToInteger(VM& vm, Arguments args) {
  if (!CheckChars(vm, "char->integer", args)) return Value::RaiseMarker();
  return Value::Fixnum(args[0].AsChar());
}

Value IntegerToChar(VM& vm, Arguments args) {
  Value v = args[0];
  if (!v.IsFixnum()) {
    return vm.RaiseTypeError("integer->char", 1, "an exact integer", v);
  }
  int64_t i = v.AsFixnum();
  if (i < 0 || i > 0x10ffff || !IsScalarValue(static_cast<uint32_t>(i))) {
    return vm.RaiseRangeError(
        "integer->char", 1,
        absl::StrFormat("%d is not a Unicode scalar value", i), v);
  }
  return Value::Char(static_cast<uint32_t>(i));
}

enum class Order { kEqual, kLess, kGreater, kLessEqual, kGreaterEqual };

constexpr const char* kCharNames[] = {"char=?", "char<?", "char>?", "char<=?",
                                      "char>=?"};
constexpr const char* kCharCiNames[] = {"char-ci=?", "char-ci<?", "char-ci>?",
                                        "char-ci<=?", "char-ci>=?"};

bool InOrder(Order order, uint32_t a, uint32_t b) {
  switch (order) {
    case Order::kEqual: return a == b;
    case Order::kLess: return a < b;
    case Order::kGreater: return a > b;
    case Order::kLessEqual: return a <= b;
    case Order::kGreaterEqual: return a >= b;
  }
  return false;
}

template <Order kOrder, bool kFold>
Value CharCompare(VM& vm, Arguments args) {
  const char* name = (kFold ? kCharCiNames : kCharNames)[static_cast<int>(kOrder)];
  if (!CheckChars(vm, name, args)) return Value::RaiseMarker();
  for (int i = 0; i + 1 < args.count; ++i) {
    uint32_t a = args[i].AsChar();
    uint32_t b = args[i + 1].AsChar();
    if (kFold) {
      a = FoldCase(a);
      b = FoldCase(b);
    }
    if (!InOrder(kOrder, a, b)) return Value::False();
  }
  return Value::True();
}

template <bool (*kTest)(uint32_t)>
Value CharPredicate(VM& vm, Arguments args, const char* name) {
  if (!CheckChars(vm, name, args)) return Value::RaiseMarker();
  return Value::Bool(kTest(args[0].AsChar()));
}

bool IsNumeric(uint32_t c) { return DigitValue(c) >= 0; }

Value AlphabeticP(VM& vm, Arguments args) {
  return CharPredicate<IsAlphabetic>(vm, args, "char-alphabetic?");
}
Value NumericP(VM& vm, Arguments args) {
  return CharPredicate<IsNumeric>(vm, args, "char-numeric?");
}
Value WhitespaceP(VM& vm, Arguments args) {
  return CharPredicate<IsWhitespace>(vm, args, "char-whitespace?");
}
Value UpperCaseP(VM& vm, Arguments args) {
  return CharPredicate<IsUpperCase>(vm, args, "char-upper-case?");
}
Value LowerCaseP(VM& vm, Arguments args) {
  return CharPredicate<IsLowerCase>(vm, args, "char-lower-case?");
}

template <uint32_t (*kMap)(uint32_t)>
Value CharMap(VM& vm, Arguments args, const char* name) {
  if (!CheckChars(vm, name, args)) return Value::RaiseMarker();
  return Value::Char(kMap(args[0].AsChar()));
}

Value CharUpcase(VM& vm, Arguments args) {
  return CharMap<UpCase>(vm, args, "char-upcase");
}
Value CharDowncase(VM& vm, Arguments args) {
  return CharMap<DownCase>(vm, args, "char-downcase");
}
Value CharFoldcase(VM& vm, Arguments args) {
  return CharMap<FoldCase>(vm, args, "char-foldcase");
}

Value DigitValuePrimitive(VM& vm, Arguments args) {
  if (!CheckChars(vm, "digit-value", args)) return Value::RaiseMarker();
  int digit = DigitValue(args[0].AsChar());
  return digit < 0 ? Value::False() : Value::Fixnum(digit);
}

const PrimitiveSpec kCharPrimitives[] = {
    {"char?", 1, 1, CharP},
    {"char->integer", 1, 1, CharToInteger},
    {"integer->char", 1, 1, IntegerToChar},
    {"char=?", 1, -1, CharCompare<Order::kEqual, false>},
    {"char<?", 1, -1, CharCompare<Order::kLess, false>},
    {"char>?", 1, -1, CharCompare<Order::kGreater, false>},
    {"char<=?", 1, -1, CharCompare<Order::kLessEqual, false>},
    {"char>=?", 1, -1, CharCompare<Order::kGreaterEqual, false>},
    {"char-ci=?", 1, -1, CharCompare<Order::kEqual, true>},
    {"char-ci<?", 1, -1, CharCompare<Order::kLess, true>},
    {"char-ci>?", 1, -1, CharCompare<Order::kGreater, true>},
    {"char-ci<=?", 1, -1, CharCompare<Order::kLessEqual, true>},
    {"char-ci>=?", 1, -1, CharCompare<Order::kGreaterEqual, true>},
    {"char-alphabetic?", 1, 1, AlphabeticP},
    {"char-numeric?", 1, 1, NumericP},
    {"char-whitespace?", 1, 1, WhitespaceP},
    {"char-upper-case?", 1, 1, UpperCaseP},
    {"char-lower-case?", 1, 1, LowerCaseP},
    {"char-upcase", 1, 1, CharUpcase},
    {"char-downcase", 1, 1, CharDowncase},
    {"char-foldcase", 1, 1, CharFoldcase},
    {"digit-value", 1, 1, DigitValuePrimitive},
};

}  // namespace

absl::Span<const PrimitiveSpec> CharPrimitives() { return kCharPrimitives; }

}  // namespace eta::vm
