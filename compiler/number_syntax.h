// Number syntax: the text form of Eta's numbers, shared by the reader,
// `write`/`display` and `string->number`/`number->string`.
#ifndef ETA_COMPILER_NUMBER_SYNTAX_H_
#define ETA_COMPILER_NUMBER_SYNTAX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eta::compiler {

// FormatFlonum renders `d` in the shortest form that reads back as the same
// double, always with a `.` or an exponent ("3.0", "0.1", "1e+21",
// "-2.5e-07"); infinities and NaN are "+inf.0", "-inf.0" and "+nan.0".
std::string FormatFlonum(double d);

// ParsedNumber is a number read from text: an exact integer when `is_exact`
// (value in `integer`), otherwise a flonum (value in `real`).
struct ParsedNumber {
  bool is_exact = false;
  int64_t integer = 0;
  double real = 0;
};

// ParseNumber parses `text` as an Eta number, or returns std::nullopt when
// the text is not a number (then the reader treats it as a symbol).
//
// Accepted: optional prefixes #x #b #o #d (radix) and #e #i (exactness), at
// most one of each, in either order, case-insensitive; then a signed integer
// in the radix, a rational n/d, or (radix 10 only) a decimal real such as
// 1.5, .5, 1., 1e10, -2.5e-3; or +inf.0 -inf.0 +nan.0 -nan.0.
//
// Eta has no bignums or rationals yet, so: integers that overflow int64 and
// rationals that do not divide evenly become flonums; #e applied to a real
// with an integral value in int64 range gives an exact integer, otherwise
// (e.g. #e1.5) the flonum is kept; #e on an infinity or NaN, and n/0, are not
// numbers. #i makes the result a flonum. `default_radix` (2, 8, 10 or 16) is
// the radix when there is no radix prefix.
std::optional<ParsedNumber> ParseNumber(std::string_view text,
                                        int default_radix = 10);

}  // namespace eta::compiler

#endif  // ETA_COMPILER_NUMBER_SYNTAX_H_
