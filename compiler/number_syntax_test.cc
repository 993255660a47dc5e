#include "compiler/number_syntax.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace eta::compiler {
namespace {

void ExpectExact(std::string_view text, int64_t value, int radix = 10) {
  auto number = ParseNumber(text, radix);
  ASSERT_TRUE(number.has_value()) << text;
  EXPECT_TRUE(number->is_exact) << text;
  EXPECT_EQ(number->integer, value) << text;
}

void ExpectReal(std::string_view text, double value, int radix = 10) {
  auto number = ParseNumber(text, radix);
  ASSERT_TRUE(number.has_value()) << text;
  EXPECT_FALSE(number->is_exact) << text;
  if (std::isnan(value)) {
    EXPECT_TRUE(std::isnan(number->real)) << text;
  } else {
    EXPECT_EQ(number->real, value) << text;
  }
}

void ExpectNotNumber(std::string_view text, int radix = 10) {
  EXPECT_FALSE(ParseNumber(text, radix).has_value()) << text;
}

TEST(FormatFlonumTest, AlwaysHasPointOrExponent) {
  EXPECT_EQ(FormatFlonum(3.0), "3.0");
  EXPECT_EQ(FormatFlonum(100.0), "100.0");
  EXPECT_EQ(FormatFlonum(0.0), "0.0");
  EXPECT_EQ(FormatFlonum(-0.0), "-0.0");
  EXPECT_EQ(FormatFlonum(-2.5), "-2.5");
  EXPECT_EQ(FormatFlonum(0.1), "0.1");
  EXPECT_EQ(FormatFlonum(1e21), "1e+21");
  EXPECT_EQ(FormatFlonum(1e-7), "1e-07");
  EXPECT_EQ(FormatFlonum(123.456), "123.456");
}

TEST(FormatFlonumTest, SpecialValues) {
  EXPECT_EQ(FormatFlonum(std::numeric_limits<double>::infinity()), "+inf.0");
  EXPECT_EQ(FormatFlonum(-std::numeric_limits<double>::infinity()), "-inf.0");
  EXPECT_EQ(FormatFlonum(std::numeric_limits<double>::quiet_NaN()), "+nan.0");
}

TEST(FormatFlonumTest, RoundTripsRandomDoubles) {
  std::mt19937_64 random(20240601);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = random();
    double d;
    static_assert(sizeof d == sizeof bits);
    std::memcpy(&d, &bits, sizeof d);
    if (std::isnan(d)) continue;
    std::string text = FormatFlonum(d);
    auto number = ParseNumber(text);
    ASSERT_TRUE(number.has_value()) << text;
    ASSERT_FALSE(number->is_exact) << text;
    ASSERT_EQ(number->real, d) << text;
    ASSERT_EQ(std::signbit(number->real), std::signbit(d)) << text;
  }
}

TEST(ParseNumberTest, DecimalIntegers) {
  ExpectExact("0", 0);
  ExpectExact("42", 42);
  ExpectExact("+42", 42);
  ExpectExact("-42", -42);
  ExpectExact("007", 7);
  ExpectExact("9223372036854775807", std::numeric_limits<int64_t>::max());
  ExpectExact("-9223372036854775808", std::numeric_limits<int64_t>::min());
}

TEST(ParseNumberTest, OverflowBecomesFlonum) {
  ExpectReal("9223372036854775808", 9223372036854775808.0);
  ExpectReal("-9223372036854775809", -9223372036854775809.0);
  ExpectReal("100000000000000000000000", 1e23);
  ExpectReal("#xffffffffffffffffff", 4722366482869645213695.0);
}

TEST(ParseNumberTest, RadixPrefixes) {
  ExpectExact("#xff", 255);
  ExpectExact("#XFF", 255);
  ExpectExact("#x-1A", -26);
  ExpectExact("#b1010", 10);
  ExpectExact("#o777", 511);
  ExpectExact("#d99", 99);
  ExpectExact("#x1e2", 0x1e2);  // e is a digit in radix 16
  ExpectNotNumber("#b102");
  ExpectNotNumber("#o8");
  ExpectNotNumber("#x");
  ExpectNotNumber("#xg");
  ExpectNotNumber("#x1.5");
  ExpectNotNumber("#x#x1");
  ExpectNotNumber("#z1");
  ExpectNotNumber("#");
}

TEST(ParseNumberTest, ExactnessPrefixes) {
  ExpectExact("#e1.0", 1);
  ExpectExact("#e1e3", 1000);
  ExpectExact("#e-2.0", -2);
  ExpectReal("#e1.5", 1.5);  // no rationals yet: documented
  ExpectReal("#i5", 5.0);
  ExpectReal("#i-5", -5.0);
  ExpectExact("#x#e10", 16);
  ExpectExact("#e#x10", 16);
  ExpectReal("#i#x10", 16.0);
  ExpectReal("#x#i10", 16.0);
  ExpectNotNumber("#e#i1");
  ExpectNotNumber("#e#e1");
  ExpectNotNumber("#e+inf.0");
  ExpectNotNumber("#e+nan.0");
  ExpectReal("#i+inf.0", std::numeric_limits<double>::infinity());
}

TEST(ParseNumberTest, Reals) {
  ExpectReal("1.5", 1.5);
  ExpectReal(".5", 0.5);
  ExpectReal("-.5", -0.5);
  ExpectReal("+.5", 0.5);
  ExpectReal("1.", 1.0);
  ExpectReal("1e10", 1e10);
  ExpectReal("1E10", 1e10);
  ExpectReal("-2.5e-3", -2.5e-3);
  ExpectReal("2.5e+3", 2500.0);
  ExpectReal("1e400", std::numeric_limits<double>::infinity());
  ExpectReal("-1e400", -std::numeric_limits<double>::infinity());
  ExpectReal("1e-400", 0.0);
  ExpectReal("#d1.5", 1.5);
  ExpectReal("0.1", 0.1);
}

TEST(ParseNumberTest, Specials) {
  const double inf = std::numeric_limits<double>::infinity();
  ExpectReal("+inf.0", inf);
  ExpectReal("-inf.0", -inf);
  ExpectReal("+INF.0", inf);
  ExpectReal("+nan.0", std::nan(""));
  ExpectReal("-nan.0", std::nan(""));
  ExpectNotNumber("inf.0");
  ExpectNotNumber("+inf");
  ExpectNotNumber("nan.0");
}

TEST(ParseNumberTest, Rationals) {
  ExpectExact("6/2", 3);
  ExpectExact("-6/3", -2);
  ExpectExact("0/5", 0);
  ExpectReal("1/2", 0.5);
  ExpectReal("-7/2", -3.5);
  ExpectReal("#i6/2", 3.0);
  ExpectExact("#xa/2", 5);
  ExpectNotNumber("1/0");
  ExpectNotNumber("1/");
  ExpectNotNumber("/2");
  ExpectNotNumber("1/-2");
  ExpectNotNumber("1/2/3");
  ExpectNotNumber("1.5/2");
}

TEST(ParseNumberTest, NotNumbers) {
  for (const char* text :
       {"",   "+",    "-",   ".",    "...",   "1+",    "abc", "+a",
        "1e", "1e+",  "e10", "1..2", "1.2.3", "--1",   "+-1", "1 2",
        "1x", "0x10", ".e1", "-.",   "+.e2",  "1_000", "١"}) {
    ExpectNotNumber(text);
  }
}

TEST(ParseNumberTest, DefaultRadix) {
  ExpectExact("ff", 255, 16);
  ExpectExact("101", 5, 2);
  ExpectExact("#d10", 10, 16);
  ExpectReal("#d1.5", 1.5, 16);
  ExpectNotNumber("1.5", 16);
  ExpectNotNumber("12", 2);
  ExpectNotNumber("1", 7);
}

}  // namespace
}  // namespace eta::compiler
