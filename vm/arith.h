// Generic arithmetic on Eta numbers (fixnums and flonums), shared by the
// interpreter's fast paths and the numeric builtins.
#ifndef ETA_VM_ARITH_H_
#define ETA_VM_ARITH_H_

#include <cstdint>

#include "vm/value.h"

namespace eta::vm {

enum class ArithOp { kAdd, kSub, kMul };
enum class CompareOp { kEq, kLt, kLe, kGt, kGe };

// ArithmeticSlow computes `a op b` for any two numbers; fixnum overflow
// promotes to a flonum. Returns 0, or the 1-based position of a non-number.
inline int ArithmeticSlow(ArithOp op, Value a, Value b, Value* result) {
  if (!a.IsNumber()) return 1;
  if (!b.IsNumber()) return 2;
  if (a.IsFixnum() && b.IsFixnum()) {
    int64_t x = a.AsFixnum(), y = b.AsFixnum(), r;
    bool overflow = false;
    switch (op) {
      case ArithOp::kAdd: overflow = __builtin_add_overflow(x, y, &r); break;
      case ArithOp::kSub: overflow = __builtin_sub_overflow(x, y, &r); break;
      case ArithOp::kMul: overflow = __builtin_mul_overflow(x, y, &r); break;
    }
    if (!overflow) {
      *result = Value::Fixnum(r);
      return 0;
    }
  }
  double x = a.AsDouble(), y = b.AsDouble();
  switch (op) {
    case ArithOp::kAdd: *result = Value::Flonum(x + y); break;
    case ArithOp::kSub: *result = Value::Flonum(x - y); break;
    case ArithOp::kMul: *result = Value::Flonum(x * y); break;
  }
  return 0;
}

// CompareSlow compares two numbers exactly (a fixnum and a flonum compare by
// value, not by rounding the fixnum). Returns 0 or the bad position.
inline int CompareSlow(CompareOp op, Value a, Value b, bool* result) {
  if (!a.IsNumber()) return 1;
  if (!b.IsNumber()) return 2;
  int order;  // -1, 0, 1; 2 means unordered (NaN)
  if (a.IsFixnum() && b.IsFixnum()) {
    order = a.AsFixnum() < b.AsFixnum() ? -1 : a.AsFixnum() > b.AsFixnum();
  } else {
    double x = a.AsDouble(), y = b.AsDouble();
    if (x != x || y != y) {
      order = 2;
    } else if (x < y) {
      order = -1;
    } else if (x > y) {
      order = 1;
    } else if (a.IsFixnum() != b.IsFixnum()) {
      // Equal as doubles: decide exactly using the integer side.
      int64_t i = a.IsFixnum() ? a.AsFixnum() : b.AsFixnum();
      double d = a.IsFixnum() ? y : x;
      int sign;
      if (d >= 9223372036854775808.0) {
        sign = -1;
      } else if (d < -9223372036854775808.0) {
        sign = 1;
      } else {
        int64_t di = static_cast<int64_t>(d);
        sign = i < di ? -1 : i > di;
      }
      order = a.IsFixnum() ? sign : -sign;
    } else {
      order = 0;
    }
  }
  switch (op) {
    case CompareOp::kEq: *result = order == 0; break;
    case CompareOp::kLt: *result = order == -1; break;
    case CompareOp::kLe: *result = order == -1 || order == 0; break;
    case CompareOp::kGt: *result = order == 1; break;
    case CompareOp::kGe: *result = order == 1 || order == 0; break;
  }
  return 0;
}

}  // namespace eta::vm

#endif  // ETA_VM_ARITH_H_
