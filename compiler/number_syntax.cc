#include "compiler/number_syntax.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace eta::compiler {
namespace {

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ToLower(c);
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  return 99;
}

bool IsDecimalDigit(char c) { return c >= '0' && c <= '9'; }

ParsedNumber Exact(int64_t value) { return ParsedNumber{true, value, 0}; }
ParsedNumber Inexact(double value) { return ParsedNumber{false, 0, value}; }

// Parses decimal real syntax that strtod also accepts (already validated).
double DecimalToDouble(std::string_view unsigned_text) {
  double value = 0;
  auto result = std::from_chars(unsigned_text.data(),
                                unsigned_text.data() + unsigned_text.size(),
                                value, std::chars_format::general);
  if (result.ec == std::errc() &&
      result.ptr == unsigned_text.data() + unsigned_text.size()) {
    return value;
  }
  // from_chars leaves `value` alone on overflow and underflow; strtod
  // returns HUGE_VAL or a (sub)normal/zero as IEEE rounding says.
  std::string copy(unsigned_text);
  return std::strtod(copy.c_str(), nullptr);
}

// ParseInteger parses unsigned `digits` in `radix`, negated when `negative`.
std::optional<ParsedNumber> ParseInteger(std::string_view digits, bool negative,
                                         int radix) {
  if (digits.empty()) return std::nullopt;
  uint64_t magnitude = 0;
  bool overflow = false;
  double approximate = 0;
  for (char c : digits) {
    int digit = DigitValue(c);
    if (digit >= radix) return std::nullopt;
    approximate = approximate * radix + digit;
    if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / radix) {
      overflow = true;
    } else {
      magnitude = magnitude * radix + digit;
    }
  }
  const uint64_t limit = negative
                             ? (uint64_t{1} << 63)
                             : uint64_t{std::numeric_limits<int64_t>::max()};
  if (!overflow && magnitude <= limit) {
    int64_t value = negative ? static_cast<int64_t>(0 - magnitude)
                             : static_cast<int64_t>(magnitude);
    return Exact(value);
  }
  // Correctly rounded for decimal; the running approximation otherwise.
  double value = radix == 10 ? DecimalToDouble(digits) : approximate;
  return Inexact(negative ? -value : value);
}

double ToDouble(const ParsedNumber& n) {
  return n.is_exact ? static_cast<double>(n.integer) : n.real;
}

std::optional<ParsedNumber> ParseRational(std::string_view text, size_t slash,
                                          int radix) {
  std::string_view numerator = text.substr(0, slash);
  std::string_view denominator_text = text.substr(slash + 1);
  bool negative = false;
  if (!numerator.empty() && (numerator[0] == '+' || numerator[0] == '-')) {
    negative = numerator[0] == '-';
    numerator.remove_prefix(1);
  }
  auto top = ParseInteger(numerator, negative, radix);
  auto bottom = ParseInteger(denominator_text, false, radix);
  if (!top || !bottom) return std::nullopt;
  if (bottom->is_exact && bottom->integer == 0) return std::nullopt;
  if (top->is_exact && bottom->is_exact &&
      top->integer % bottom->integer == 0) {
    return Exact(top->integer / bottom->integer);
  }
  return Inexact(ToDouble(*top) / ToDouble(*bottom));
}

// ParseDecimal parses [sign] digits [. digits] [e [sign] digits].
std::optional<ParsedNumber> ParseDecimal(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  size_t i = 0;
  size_t mantissa_digits = 0;
  bool has_point = false;
  bool has_exponent = false;
  while (i < text.size() && IsDecimalDigit(text[i])) ++i, ++mantissa_digits;
  if (i < text.size() && text[i] == '.') {
    has_point = true;
    ++i;
    while (i < text.size() && IsDecimalDigit(text[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    has_exponent = true;
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < text.size() && IsDecimalDigit(text[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  if (!has_point && !has_exponent) return ParseInteger(text, negative, 10);
  double value = DecimalToDouble(text);
  return Inexact(negative ? -value : value);
}

std::optional<ParsedNumber> ParseUnprefixed(std::string_view text, int radix) {
  if (text.empty()) return std::nullopt;
  if (EqualsIgnoreCase(text, "+inf.0")) {
    return Inexact(std::numeric_limits<double>::infinity());
  }
  if (EqualsIgnoreCase(text, "-inf.0")) {
    return Inexact(-std::numeric_limits<double>::infinity());
  }
  if (EqualsIgnoreCase(text, "+nan.0") || EqualsIgnoreCase(text, "-nan.0")) {
    return Inexact(std::numeric_limits<double>::quiet_NaN());
  }
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) return ParseRational(text, slash, radix);
  if (radix == 10) return ParseDecimal(text);
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  return ParseInteger(text, negative, radix);
}

}  // namespace

std::string FormatFlonum(double d) {
  if (std::isnan(d)) return "+nan.0";
  if (std::isinf(d)) return d > 0 ? "+inf.0" : "-inf.0";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, d);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::optional<ParsedNumber> ParseNumber(std::string_view text,
                                        int default_radix) {
  int radix = 0;
  char exactness = 0;
  while (text.size() >= 2 && text[0] == '#') {
    char c = ToLower(text[1]);
    if (c == 'x' || c == 'b' || c == 'o' || c == 'd') {
      if (radix != 0) return std::nullopt;
      radix = c == 'x' ? 16 : c == 'b' ? 2 : c == 'o' ? 8 : 10;
    } else if (c == 'e' || c == 'i') {
      if (exactness != 0) return std::nullopt;
      exactness = c;
    } else {
      return std::nullopt;
    }
    text.remove_prefix(2);
  }
  if (radix == 0) radix = default_radix;
  if (radix != 2 && radix != 8 && radix != 10 && radix != 16) {
    return std::nullopt;
  }
  std::optional<ParsedNumber> number = ParseUnprefixed(text, radix);
  if (!number) return std::nullopt;
  if (exactness == 'i' && number->is_exact) {
    return Inexact(static_cast<double>(number->integer));
  }
  if (exactness == 'e' && !number->is_exact) {
    double value = number->real;
    if (!std::isfinite(value)) return std::nullopt;
    // 2^63 is exactly representable; anything below it converts safely.
    if (value == std::trunc(value) && value >= -9223372036854775808.0 &&
        value < 9223372036854775808.0) {
      return Exact(static_cast<int64_t>(value));
    }
  }
  return number;
}

}  // namespace eta::compiler
