// Numbers: exact integers (fixnums, promoted to flonums on overflow) and
// flonums.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/number_syntax.h"
#include "vm/builtins.h"
#include "vm/builtins_internal.h"
#include "vm/utf8.h"

namespace eta::vm {
namespace {

constexpr double kTwoTo63 = 9223372036854775808.0;

Value Flo(double d) { return Value::Flonum(d); }
Value Fix(int64_t i) { return Value::Fixnum(i); }

bool IsInteger(Value v) {
  if (v.IsFixnum()) return true;
  if (!v.IsFlonum()) return false;
  double d = v.AsFlonum();
  return std::isfinite(d) && std::trunc(d) == d;
}

// CheckNumbers raises a type-error for the first argument that is not a
// number, from position `first` on.
bool CheckNumbers(VM& vm, const char* name, Arguments args, int first = 1) {
  for (int i = first - 1; i < args.count; ++i) {
    if (!args[i].IsNumber()) {
      vm.RaiseTypeError(name, i + 1, "a number", args[i]);
      return false;
    }
  }
  return true;
}

bool CheckIntegers(VM& vm, const char* name, Arguments args) {
  for (int i = 0; i < args.count; ++i) {
    if (!IsInteger(args[i])) {
      vm.RaiseTypeError(name, i + 1, "an integer", args[i]);
      return false;
    }
  }
  return true;
}

Value Add2(Value a, Value b) {
  if (a.IsFixnum() && b.IsFixnum()) {
    int64_t r;
    if (!__builtin_add_overflow(a.AsFixnum(), b.AsFixnum(), &r)) return Fix(r);
  }
  return Flo(a.AsDouble() + b.AsDouble());
}

Value Sub2(Value a, Value b) {
  if (a.IsFixnum() && b.IsFixnum()) {
    int64_t r;
    if (!__builtin_sub_overflow(a.AsFixnum(), b.AsFixnum(), &r)) return Fix(r);
  }
  return Flo(a.AsDouble() - b.AsDouble());
}

Value Mul2(Value a, Value b) {
  if (a.IsFixnum() && b.IsFixnum()) {
    int64_t r;
    if (!__builtin_mul_overflow(a.AsFixnum(), b.AsFixnum(), &r)) return Fix(r);
  }
  return Flo(a.AsDouble() * b.AsDouble());
}

Value Div2(VM& vm, Value a, Value b) {
  if (a.IsFixnum() && b.IsFixnum()) {
    int64_t x = a.AsFixnum();
    int64_t y = b.AsFixnum();
    if (y == 0) return vm.RaiseError("divide-by-zero", "/: division by zero");
    if (y == -1) return Sub2(Fix(0), a);
    if (x % y == 0) return Fix(x / y);
    return Flo(static_cast<double>(x) / static_cast<double>(y));
  }
  return Flo(a.AsDouble() / b.AsDouble());
}

constexpr int kUnordered = 2;

// CompareIntDouble compares exactly (no rounding of `i` to a double).
int CompareIntDouble(int64_t i, double d) {
  if (std::isnan(d)) return kUnordered;
  if (d >= kTwoTo63) return -1;
  if (d < -kTwoTo63) return 1;
  double t = std::trunc(d);
  int64_t ti = static_cast<int64_t>(t);
  if (i != ti) return i < ti ? -1 : 1;
  double fraction = d - t;
  return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0);
}

// CompareNumbers returns -1, 0 or 1, or kUnordered when a NaN is involved.
int CompareNumbers(Value a, Value b) {
  if (a.IsFixnum() && b.IsFixnum()) {
    int64_t x = a.AsFixnum();
    int64_t y = b.AsFixnum();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.IsFixnum()) return CompareIntDouble(a.AsFixnum(), b.AsFlonum());
  if (b.IsFixnum()) {
    int c = CompareIntDouble(b.AsFixnum(), a.AsFlonum());
    return c == kUnordered ? c : -c;
  }
  double x = a.AsFlonum();
  double y = b.AsFlonum();
  if (std::isnan(x) || std::isnan(y)) return kUnordered;
  return x < y ? -1 : (x > y ? 1 : 0);
}

// ---- Arithmetic ----

Value Plus(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "+", args)) return Value::RaiseMarker();
  Value sum = Fix(0);
  for (int i = 0; i < args.count; ++i) sum = Add2(sum, args[i]);
  return sum;
}

Value Times(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "*", args)) return Value::RaiseMarker();
  Value product = Fix(1);
  for (int i = 0; i < args.count; ++i) product = Mul2(product, args[i]);
  return product;
}

Value Minus(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "-", args)) return Value::RaiseMarker();
  if (args.count == 1) return Sub2(Fix(0), args[0]);
  Value result = args[0];
  for (int i = 1; i < args.count; ++i) result = Sub2(result, args[i]);
  return result;
}

Value Divide(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "/", args)) return Value::RaiseMarker();
  if (args.count == 1) return Div2(vm, Fix(1), args[0]);
  Value result = args[0];
  for (int i = 1; i < args.count && !result.IsRaise(); ++i) {
    result = Div2(vm, result, args[i]);
  }
  return result;
}

enum class Comparison { kEqual, kLess, kGreater, kLessEqual, kGreaterEqual };

template <Comparison kOp>
Value Compare(VM& vm, Arguments args) {
  static constexpr const char* kNames[] = {"=", "<", ">", "<=", ">="};
  if (!CheckNumbers(vm, kNames[static_cast<int>(kOp)], args)) {
    return Value::RaiseMarker();
  }
  for (int i = 0; i + 1 < args.count; ++i) {
    int c = CompareNumbers(args[i], args[i + 1]);
    if (c == kUnordered) return Value::False();
    bool ok = false;
    switch (kOp) {
      case Comparison::kEqual: ok = c == 0; break;
      case Comparison::kLess: ok = c < 0; break;
      case Comparison::kGreater: ok = c > 0; break;
      case Comparison::kLessEqual: ok = c <= 0; break;
      case Comparison::kGreaterEqual: ok = c >= 0; break;
    }
    if (!ok) return Value::False();
  }
  return Value::True();
}

// ---- Integer division ----

enum class Rounding { kTruncate, kFloor };

// IntegerDivide computes the quotient and remainder of two integers,
// rounding the quotient as `rounding` says; false after raising.
bool IntegerDivide(VM& vm, const char* name, Arguments args, Rounding rounding,
                   Value* quotient, Value* remainder) {
  if (!CheckIntegers(vm, name, args)) return false;
  Value a = args[0];
  Value b = args[1];
  if (b.AsDouble() == 0) {
    vm.RaiseError("divide-by-zero", absl::StrCat(name, ": division by zero"));
    return false;
  }
  if (a.IsFixnum() && b.IsFixnum()) {
    int64_t x = a.AsFixnum();
    int64_t y = b.AsFixnum();
    if (y == -1) {
      *quotient = Sub2(Fix(0), a);
      *remainder = Fix(0);
      return true;
    }
    int64_t q = x / y;
    int64_t r = x % y;
    if (rounding == Rounding::kFloor && r != 0 && ((r < 0) != (y < 0))) {
      q -= 1;
      r += y;
    }
    *quotient = Fix(q);
    *remainder = Fix(r);
    return true;
  }
  double x = a.AsDouble();
  double y = b.AsDouble();
  double r = std::fmod(x, y);
  if (rounding == Rounding::kFloor && r != 0 && ((r < 0) != (y < 0))) r += y;
  *quotient = Flo(std::round((x - r) / y));
  *remainder = Flo(r);
  return true;
}

template <Rounding kRounding, bool kWantQuotient>
Value DivisionPart(VM& vm, Arguments args, const char* name) {
  Value q, r;
  if (!IntegerDivide(vm, name, args, kRounding, &q, &r)) {
    return Value::RaiseMarker();
  }
  return kWantQuotient ? q : r;
}

Value Quotient(VM& vm, Arguments args) {
  return DivisionPart<Rounding::kTruncate, true>(vm, args, "quotient");
}
Value Remainder(VM& vm, Arguments args) {
  return DivisionPart<Rounding::kTruncate, false>(vm, args, "remainder");
}
Value Modulo(VM& vm, Arguments args) {
  return DivisionPart<Rounding::kFloor, false>(vm, args, "modulo");
}
Value TruncateQuotient(VM& vm, Arguments args) {
  return DivisionPart<Rounding::kTruncate, true>(vm, args,
                                                 "truncate-quotient");
}
Value TruncateRemainder(VM& vm, Arguments args) {
  return DivisionPart<Rounding::kTruncate, false>(vm, args,
                                                  "truncate-remainder");
}
Value FloorQuotient(VM& vm, Arguments args) {
  return DivisionPart<Rounding::kFloor, true>(vm, args, "floor-quotient");
}
Value FloorRemainder(VM& vm, Arguments args) {
  return DivisionPart<Rounding::kFloor, false>(vm, args, "floor-remainder");
}

Value MakeTwoValues(VM& vm, Value a, Value b) {
  auto* values = vm.heap().New<MultipleValues>(std::vector<Value>{a, b});
  if (values == nullptr) return vm.RaiseOutOfMemory();
  return Value::FromObject(values);
}

Value FloorSlash(VM& vm, Arguments args) {
  Value q, r;
  if (!IntegerDivide(vm, "floor/", args, Rounding::kFloor, &q, &r)) {
    return Value::RaiseMarker();
  }
  return MakeTwoValues(vm, q, r);
}

Value TruncateSlash(VM& vm, Arguments args) {
  Value q, r;
  if (!IntegerDivide(vm, "truncate/", args, Rounding::kTruncate, &q, &r)) {
    return Value::RaiseMarker();
  }
  return MakeTwoValues(vm, q, r);
}

// ---- Other arithmetic ----

Value Abs(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "abs", args)) return Value::RaiseMarker();
  Value v = args[0];
  if (v.IsFlonum()) return Flo(std::fabs(v.AsFlonum()));
  return v.AsFixnum() < 0 ? Sub2(Fix(0), v) : v;
}

template <bool kMax>
Value MinMax(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, kMax ? "max" : "min", args)) {
    return Value::RaiseMarker();
  }
  Value best = args[0];
  bool inexact = best.IsFlonum();
  bool nan = inexact && std::isnan(best.AsFlonum());
  for (int i = 1; i < args.count; ++i) {
    Value v = args[i];
    inexact = inexact || v.IsFlonum();
    int c = CompareNumbers(v, best);
    if (c == kUnordered) {
      nan = true;
    } else if (kMax ? c > 0 : c < 0) {
      best = v;
    }
  }
  if (nan) return Flo(std::numeric_limits<double>::quiet_NaN());
  return inexact ? Flo(best.AsDouble()) : best;
}

uint64_t Magnitude(int64_t i) {
  return i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
}

uint64_t Gcd(uint64_t a, uint64_t b) {
  while (b != 0) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

Value FromMagnitude(uint64_t m, bool inexact) {
  if (inexact || m > static_cast<uint64_t>(INT64_MAX)) {
    return Flo(static_cast<double>(m));
  }
  return Fix(static_cast<int64_t>(m));
}

double DoubleGcd(double a, double b) {
  a = std::fabs(a);
  b = std::fabs(b);
  while (b != 0) {
    double t = std::fmod(a, b);
    a = b;
    b = t;
  }
  return a;
}

bool AnyInexact(Arguments args) {
  for (int i = 0; i < args.count; ++i) {
    if (args[i].IsFlonum()) return true;
  }
  return false;
}

Value GcdPrimitive(VM& vm, Arguments args) {
  if (!CheckIntegers(vm, "gcd", args)) return Value::RaiseMarker();
  if (AnyInexact(args)) {
    double result = 0;
    for (int i = 0; i < args.count; ++i) {
      result = DoubleGcd(result, args[i].AsDouble());
    }
    return Flo(result);
  }
  uint64_t result = 0;
  for (int i = 0; i < args.count; ++i) {
    result = Gcd(result, Magnitude(args[i].AsFixnum()));
  }
  return FromMagnitude(result, false);
}

Value LcmPrimitive(VM& vm, Arguments args) {
  if (!CheckIntegers(vm, "lcm", args)) return Value::RaiseMarker();
  bool inexact = AnyInexact(args);
  uint64_t exact = 1;
  double approximate = 1;  // used once the exact result overflows
  bool overflow = false;
  for (int i = 0; i < args.count; ++i) {
    double d = std::fabs(args[i].AsDouble());
    if (d == 0) return inexact ? Flo(0) : Fix(0);
    if (!overflow && d < kTwoTo63) {
      uint64_t m = args[i].IsFixnum() ? Magnitude(args[i].AsFixnum())
                                      : static_cast<uint64_t>(d);
      uint64_t g = Gcd(exact, m);
      uint64_t next;
      if (!__builtin_mul_overflow(exact / g, m, &next)) {
        exact = next;
        continue;
      }
    }
    if (!overflow) approximate = static_cast<double>(exact);
    overflow = true;
    approximate = approximate / DoubleGcd(approximate, d) * d;
  }
  if (overflow) return Flo(approximate);
  return FromMagnitude(exact, inexact);
}

double RoundHalfEven(double x) {
  double r = std::round(x);
  if (std::fabs(x - std::trunc(x)) == 0.5) r = 2.0 * std::round(x / 2.0);
  return r;
}

template <double (*kRound)(double)>
Value RoundingPrimitive(VM& vm, Arguments args, const char* name) {
  if (!CheckNumbers(vm, name, args)) return Value::RaiseMarker();
  if (args[0].IsFixnum()) return args[0];
  return Flo(kRound(args[0].AsFlonum()));
}

double Floor(double x) { return std::floor(x); }
double Ceiling(double x) { return std::ceil(x); }
double Truncate(double x) { return std::trunc(x); }

Value FloorPrimitive(VM& vm, Arguments args) {
  return RoundingPrimitive<Floor>(vm, args, "floor");
}
Value CeilingPrimitive(VM& vm, Arguments args) {
  return RoundingPrimitive<Ceiling>(vm, args, "ceiling");
}
Value RoundPrimitive(VM& vm, Arguments args) {
  return RoundingPrimitive<RoundHalfEven>(vm, args, "round");
}
Value TruncatePrimitive(VM& vm, Arguments args) {
  return RoundingPrimitive<Truncate>(vm, args, "truncate");
}

// ---- Exactness ----

Value ToExact(VM& vm, Arguments args, const char* name) {
  if (!CheckNumbers(vm, name, args)) return Value::RaiseMarker();
  Value v = args[0];
  if (v.IsFixnum()) return v;
  double d = v.AsFlonum();
  if (std::trunc(d) != d || d < -kTwoTo63 || d >= kTwoTo63) {
    return vm.RaiseRangeError(
        name, 1,
        absl::StrCat("no exact representation for ",
                     compiler::FormatFlonum(d)),
        v);
  }
  return Fix(static_cast<int64_t>(d));
}

Value Exact(VM& vm, Arguments args) { return ToExact(vm, args, "exact"); }
Value InexactToExact(VM& vm, Arguments args) {
  return ToExact(vm, args, "inexact->exact");
}

Value ToInexact(VM& vm, Arguments args, const char* name) {
  if (!CheckNumbers(vm, name, args)) return Value::RaiseMarker();
  return Flo(args[0].AsDouble());
}

Value Inexact(VM& vm, Arguments args) {
  return ToInexact(vm, args, "inexact");
}
Value ExactToInexact(VM& vm, Arguments args) {
  return ToInexact(vm, args, "exact->inexact");
}

// ---- Predicates ----

Value NumberP(VM& vm, Arguments args) {
  return Value::Bool(args[0].IsNumber());
}

Value IntegerP(VM& vm, Arguments args) {
  return Value::Bool(IsInteger(args[0]));
}

Value RationalP(VM& vm, Arguments args) {
  Value v = args[0];
  return Value::Bool(v.IsFixnum() ||
                     (v.IsFlonum() && std::isfinite(v.AsFlonum())));
}

Value ExactIntegerP(VM& vm, Arguments args) {
  return Value::Bool(args[0].IsFixnum());
}

Value ExactP(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "exact?", args)) return Value::RaiseMarker();
  return Value::Bool(args[0].IsFixnum());
}

Value InexactP(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "inexact?", args)) return Value::RaiseMarker();
  return Value::Bool(args[0].IsFlonum());
}

// FlonumPredicate applies `test` to a flonum; fixnums give `fixnum_result`.
template <bool (*kTest)(double), bool kFixnumResult>
Value FlonumPredicate(VM& vm, Arguments args, const char* name) {
  if (!CheckNumbers(vm, name, args)) return Value::RaiseMarker();
  if (args[0].IsFixnum()) return Value::Bool(kFixnumResult);
  return Value::Bool(kTest(args[0].AsFlonum()));
}

bool IsNan(double d) { return std::isnan(d); }
bool IsInfinite(double d) { return std::isinf(d); }
bool IsFinite(double d) { return std::isfinite(d); }

Value NanP(VM& vm, Arguments args) {
  return FlonumPredicate<IsNan, false>(vm, args, "nan?");
}
Value InfiniteP(VM& vm, Arguments args) {
  return FlonumPredicate<IsInfinite, false>(vm, args, "infinite?");
}
Value FiniteP(VM& vm, Arguments args) {
  return FlonumPredicate<IsFinite, true>(vm, args, "finite?");
}

template <int kSign>
Value SignPredicate(VM& vm, Arguments args, const char* name) {
  if (!CheckNumbers(vm, name, args)) return Value::RaiseMarker();
  double d = args[0].AsDouble();
  if (kSign == 0) return Value::Bool(d == 0);
  return Value::Bool(kSign > 0 ? d > 0 : d < 0);
}

Value ZeroP(VM& vm, Arguments args) {
  return SignPredicate<0>(vm, args, "zero?");
}
Value PositiveP(VM& vm, Arguments args) {
  return SignPredicate<1>(vm, args, "positive?");
}
Value NegativeP(VM& vm, Arguments args) {
  return SignPredicate<-1>(vm, args, "negative?");
}

template <bool kOdd>
Value ParityPredicate(VM& vm, Arguments args) {
  if (!CheckIntegers(vm, kOdd ? "odd?" : "even?", args)) {
    return Value::RaiseMarker();
  }
  bool odd = args[0].IsFixnum() ? (args[0].AsFixnum() & 1) != 0
                                : std::fmod(args[0].AsFlonum(), 2.0) != 0;
  return Value::Bool(odd == kOdd);
}

// ---- Powers, roots, transcendental functions ----

Value Square(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "square", args)) return Value::RaiseMarker();
  return Mul2(args[0], args[0]);
}

// ExactRoot returns floor(sqrt(n)) for n >= 0.
int64_t ExactRoot(int64_t n) {
  auto root = static_cast<int64_t>(std::sqrt(static_cast<double>(n)));
  while (root > 0 && (root > INT64_MAX / root || root * root > n)) --root;
  while ((root + 1) <= INT64_MAX / (root + 1) && (root + 1) * (root + 1) <= n) {
    ++root;
  }
  return root;
}

Value Sqrt(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "sqrt", args)) return Value::RaiseMarker();
  Value v = args[0];
  if (v.IsFixnum() && v.AsFixnum() >= 0) {
    int64_t root = ExactRoot(v.AsFixnum());
    if (root * root == v.AsFixnum()) return Fix(root);
  }
  return Flo(std::sqrt(v.AsDouble()));
}

Value ExactIntegerSqrt(VM& vm, Arguments args) {
  Value v = args[0];
  if (!v.IsFixnum() || v.AsFixnum() < 0) {
    return vm.RaiseTypeError("exact-integer-sqrt", 1,
                             "a non-negative exact integer", v);
  }
  int64_t root = ExactRoot(v.AsFixnum());
  return MakeTwoValues(vm, Fix(root), Fix(v.AsFixnum() - root * root));
}

Value Expt(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "expt", args)) return Value::RaiseMarker();
  Value base = args[0];
  Value exponent = args[1];
  if (base.IsFixnum() && exponent.IsFixnum()) {
    int64_t e = exponent.AsFixnum();
    if (e < 0 && base.AsFixnum() == 0) {
      return vm.RaiseError("divide-by-zero", "expt: division by zero");
    }
    if (e >= 0) {
      int64_t result = 1;
      int64_t b = base.AsFixnum();
      bool overflow = false;
      while (e > 0 && !overflow) {
        if (e & 1) overflow = __builtin_mul_overflow(result, b, &result);
        e >>= 1;
        if (e > 0 && !overflow) overflow = __builtin_mul_overflow(b, b, &b);
      }
      if (!overflow) return Fix(result);
    }
  }
  return Flo(std::pow(base.AsDouble(), exponent.AsDouble()));
}

template <double (*kFunction)(double)>
Value UnaryMath(VM& vm, Arguments args, const char* name) {
  if (!CheckNumbers(vm, name, args)) return Value::RaiseMarker();
  return Flo(kFunction(args[0].AsDouble()));
}

double Exp(double x) { return std::exp(x); }
double Sin(double x) { return std::sin(x); }
double Cos(double x) { return std::cos(x); }
double Tan(double x) { return std::tan(x); }
double Asin(double x) { return std::asin(x); }
double Acos(double x) { return std::acos(x); }

Value ExpPrimitive(VM& vm, Arguments args) {
  return UnaryMath<Exp>(vm, args, "exp");
}
Value SinPrimitive(VM& vm, Arguments args) {
  return UnaryMath<Sin>(vm, args, "sin");
}
Value CosPrimitive(VM& vm, Arguments args) {
  return UnaryMath<Cos>(vm, args, "cos");
}
Value TanPrimitive(VM& vm, Arguments args) {
  return UnaryMath<Tan>(vm, args, "tan");
}
Value AsinPrimitive(VM& vm, Arguments args) {
  return UnaryMath<Asin>(vm, args, "asin");
}
Value AcosPrimitive(VM& vm, Arguments args) {
  return UnaryMath<Acos>(vm, args, "acos");
}

Value LogPrimitive(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "log", args)) return Value::RaiseMarker();
  double x = std::log(args[0].AsDouble());
  if (args.count == 1) return Flo(x);
  return Flo(x / std::log(args[1].AsDouble()));
}

Value AtanPrimitive(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "atan", args)) return Value::RaiseMarker();
  if (args.count == 1) return Flo(std::atan(args[0].AsDouble()));
  return Flo(std::atan2(args[0].AsDouble(), args[1].AsDouble()));
}

// ---- Conversion to and from text ----

std::optional<int> RadixArgument(VM& vm, const char* name, Arguments args,
                                 int position) {
  if (args.count < position) return 10;
  Value v = args[position - 1];
  if (!v.IsFixnum()) {
    vm.RaiseTypeError(name, position, "an exact integer", v);
    return std::nullopt;
  }
  int64_t radix = v.AsFixnum();
  if (radix != 2 && radix != 8 && radix != 10 && radix != 16) {
    vm.RaiseRangeError(name, position,
                       absl::StrCat("radix ", radix, " is not 2, 8, 10 or 16"),
                       v);
    return std::nullopt;
  }
  return static_cast<int>(radix);
}

std::string FormatInteger(int64_t i, int radix) {
  if (radix == 10) return absl::StrCat(i);
  uint64_t m = Magnitude(i);
  std::string digits;
  do {
    digits.push_back("0123456789abcdef"[m % radix]);
    m /= radix;
  } while (m != 0);
  if (i < 0) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

Value NumberToString(VM& vm, Arguments args) {
  if (!CheckNumbers(vm, "number->string", args)) return Value::RaiseMarker();
  std::optional<int> radix = RadixArgument(vm, "number->string", args, 2);
  if (!radix) return Value::RaiseMarker();
  Value v = args[0];
  if (v.IsFixnum()) {
    return vm.MakeStringFromUtf8(FormatInteger(v.AsFixnum(), *radix));
  }
  if (*radix != 10) {
    return vm.RaiseRangeError("number->string", 2,
                              "an inexact number needs radix 10", args[1]);
  }
  return vm.MakeStringFromUtf8(compiler::FormatFlonum(v.AsFlonum()));
}

Value StringToNumber(VM& vm, Arguments args) {
  if (!IsString(args[0])) {
    return vm.RaiseTypeError("string->number", 1, "a string", args[0]);
  }
  std::optional<int> radix = RadixArgument(vm, "string->number", args, 2);
  if (!radix) return Value::RaiseMarker();
  std::optional<compiler::ParsedNumber> number =
      compiler::ParseNumber(EncodeUtf8(internal::StringChars(args[0])), *radix);
  if (!number) return Value::False();
  return number->is_exact ? Fix(number->integer) : Flo(number->real);
}

Value Values(VM& vm, Arguments args) {
  if (args.count == 1) return args[0];
  auto* values = vm.heap().New<MultipleValues>(
      std::vector<Value>(args.values, args.values + args.count));
  if (values == nullptr) return vm.RaiseOutOfMemory();
  return Value::FromObject(values);
}

const PrimitiveSpec kNumberPrimitives[] = {
    {"+", 0, -1, Plus},
    {"-", 1, -1, Minus},
    {"*", 0, -1, Times},
    {"/", 1, -1, Divide},
    {"=", 1, -1, Compare<Comparison::kEqual>},
    {"<", 1, -1, Compare<Comparison::kLess>},
    {">", 1, -1, Compare<Comparison::kGreater>},
    {"<=", 1, -1, Compare<Comparison::kLessEqual>},
    {">=", 1, -1, Compare<Comparison::kGreaterEqual>},
    {"quotient", 2, 2, Quotient},
    {"remainder", 2, 2, Remainder},
    {"modulo", 2, 2, Modulo},
    {"truncate-quotient", 2, 2, TruncateQuotient},
    {"truncate-remainder", 2, 2, TruncateRemainder},
    {"floor-quotient", 2, 2, FloorQuotient},
    {"floor-remainder", 2, 2, FloorRemainder},
    {"floor/", 2, 2, FloorSlash},
    {"truncate/", 2, 2, TruncateSlash},
    {"abs", 1, 1, Abs},
    {"min", 1, -1, MinMax<false>},
    {"max", 1, -1, MinMax<true>},
    {"gcd", 0, -1, GcdPrimitive},
    {"lcm", 0, -1, LcmPrimitive},
    {"floor", 1, 1, FloorPrimitive},
    {"ceiling", 1, 1, CeilingPrimitive},
    {"round", 1, 1, RoundPrimitive},
    {"truncate", 1, 1, TruncatePrimitive},
    {"exact", 1, 1, Exact},
    {"inexact", 1, 1, Inexact},
    {"inexact->exact", 1, 1, InexactToExact},
    {"exact->inexact", 1, 1, ExactToInexact},
    {"number?", 1, 1, NumberP},
    {"complex?", 1, 1, NumberP},
    {"real?", 1, 1, NumberP},
    {"rational?", 1, 1, RationalP},
    {"integer?", 1, 1, IntegerP},
    {"exact-integer?", 1, 1, ExactIntegerP},
    {"exact?", 1, 1, ExactP},
    {"inexact?", 1, 1, InexactP},
    {"nan?", 1, 1, NanP},
    {"infinite?", 1, 1, InfiniteP},
    {"finite?", 1, 1, FiniteP},
    {"zero?", 1, 1, ZeroP},
    {"positive?", 1, 1, PositiveP},
    {"negative?", 1, 1, NegativeP},
    {"odd?", 1, 1, ParityPredicate<true>},
    {"even?", 1, 1, ParityPredicate<false>},
    {"square", 1, 1, Square},
    {"sqrt", 1, 1, Sqrt},
    {"exact-integer-sqrt", 1, 1, ExactIntegerSqrt},
    {"expt", 2, 2, Expt},
    {"exp", 1, 1, ExpPrimitive},
    {"log", 1, 2, LogPrimitive},
    {"sin", 1, 1, SinPrimitive},
    {"cos", 1, 1, CosPrimitive},
    {"tan", 1, 1, TanPrimitive},
    {"asin", 1, 1, AsinPrimitive},
    {"acos", 1, 1, AcosPrimitive},
    {"atan", 1, 2, AtanPrimitive},
    {"number->string", 1, 2, NumberToString},
    {"string->number", 1, 2, StringToNumber},
    {"values", 0, -1, Values},
};

}  // namespace

absl::Span<const PrimitiveSpec> NumberPrimitives() {
  return kNumberPrimitives;
}

}  // namespace eta::vm
