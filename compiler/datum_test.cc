#include "compiler/datum.h"

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace eta::compiler {
namespace {

SourceLocation Here() {
  return SourceLocation{std::make_shared<const std::string>("d.eta"), 2, 7};
}

DatumPtr Sym(const char* name) { return MakeSymbol(name, Here()); }
DatumPtr Int(int64_t value) { return MakeInteger(value, Here()); }

TEST(SourceLocationTest, ToString) {
  EXPECT_EQ(Here().ToString(), "d.eta:2:7");
  SourceLocation nowhere;
  EXPECT_EQ(nowhere.FileName(), "<unknown>");
  EXPECT_EQ(nowhere.ToString(), "<unknown>:0:0");
}

TEST(DatumTest, ConstructorsSetKindValueAndLocation) {
  EXPECT_EQ(MakeNil(Here())->kind, Datum::Kind::kNil);
  EXPECT_TRUE(MakeBool(true, Here())->boolean);
  EXPECT_EQ(Int(5)->integer, 5);
  EXPECT_EQ(MakeReal(2.5, Here())->real, 2.5);
  EXPECT_EQ(MakeChar(0x3bb, Here())->character, 0x3bbu);
  EXPECT_EQ(MakeString("hi", Here())->text, "hi");
  DatumPtr symbol = Sym("x");
  EXPECT_TRUE(symbol->IsSymbol("x"));
  EXPECT_EQ(symbol->location.ToString(), "d.eta:2:7");
  DatumPtr pair = MakePair(Int(1), Int(2), Here());
  EXPECT_TRUE(pair->IsPair());
  EXPECT_EQ(pair->car->integer, 1);
  EXPECT_EQ(pair->cdr->integer, 2);
  EXPECT_EQ(MakeVector({Int(1)}, Here())->items.size(), 1u);
  EXPECT_EQ(MakeBytevector({1, 2}, Here())->bytes.size(), 2u);
}

TEST(DatumTest, MakeListAndListToVector) {
  DatumPtr list = MakeList({Int(1), Int(2), Int(3)}, Here());
  std::vector<DatumPtr> items;
  ASSERT_TRUE(ListToVector(list, &items));
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2]->integer, 3);
  EXPECT_TRUE(MakeList({}, Here())->IsNil());

  std::vector<DatumPtr> partial;
  EXPECT_FALSE(ListToVector(MakePair(Int(1), Int(2), Here()), &partial));
  EXPECT_EQ(partial.size(), 1u);
  std::vector<DatumPtr> none;
  EXPECT_FALSE(ListToVector(Int(1), &none));
  EXPECT_TRUE(ListToVector(MakeNil(Here()), &none));
}

std::string Write(const DatumPtr& datum) { return WriteDatum(*datum); }

TEST(WriteDatumTest, Atoms) {
  EXPECT_EQ(Write(MakeNil(Here())), "()");
  EXPECT_EQ(Write(MakeBool(true, Here())), "#t");
  EXPECT_EQ(Write(MakeBool(false, Here())), "#f");
  EXPECT_EQ(Write(Int(-42)), "-42");
  EXPECT_EQ(Write(Int(std::numeric_limits<int64_t>::min())),
            "-9223372036854775808");
  EXPECT_EQ(Write(MakeReal(3.0, Here())), "3.0");
  EXPECT_EQ(Write(MakeReal(0.1, Here())), "0.1");
  EXPECT_EQ(Write(MakeReal(-std::numeric_limits<double>::infinity(), Here())),
            "-inf.0");
}

TEST(WriteDatumTest, Characters) {
  auto write_char = [](uint32_t c) { return Write(MakeChar(c, Here())); };
  EXPECT_EQ(write_char('a'), "#\\a");
  EXPECT_EQ(write_char('('), "#\\(");
  EXPECT_EQ(write_char(' '), "#\\space");
  EXPECT_EQ(write_char('\n'), "#\\newline");
  EXPECT_EQ(write_char('\t'), "#\\tab");
  EXPECT_EQ(write_char('\r'), "#\\return");
  EXPECT_EQ(write_char(0), "#\\nul");
  EXPECT_EQ(write_char(7), "#\\alarm");
  EXPECT_EQ(write_char(8), "#\\backspace");
  EXPECT_EQ(write_char(27), "#\\escape");
  EXPECT_EQ(write_char(127), "#\\delete");
  EXPECT_EQ(write_char(1), "#\\x1");
  EXPECT_EQ(write_char(0x3bb), "#\\λ");
  EXPECT_EQ(write_char(0x1f600), "#\\😀");
  EXPECT_EQ(write_char(0xa0), "#\\xa0");
  EXPECT_EQ(write_char(0x200b), "#\\x200b");
}

TEST(WriteDatumTest, Strings) {
  auto write_string = [](const std::string& s) {
    return Write(MakeString(s, Here()));
  };
  EXPECT_EQ(write_string("hi"), "\"hi\"");
  EXPECT_EQ(write_string(""), "\"\"");
  EXPECT_EQ(write_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(write_string("l1\nl2\tx\ry"), "\"l1\\nl2\\tx\\ry\"");
  EXPECT_EQ(write_string(std::string("a\0b\x1f\x7f", 5)),
            "\"a\\x0;b\\x1f;\\x7f;\"");
  EXPECT_EQ(write_string("λx"), "\"λx\"");
}

TEST(WriteDatumTest, Symbols) {
  auto write_symbol = [](const std::string& s) {
    return Write(MakeSymbol(s, Here()));
  };
  EXPECT_EQ(write_symbol("abc"), "abc");
  EXPECT_EQ(write_symbol("Hello"), "Hello");
  EXPECT_EQ(write_symbol("send!"), "send!");
  EXPECT_EQ(write_symbol("std.net"), "std.net");
  EXPECT_EQ(write_symbol("->x"), "->x");
  EXPECT_EQ(write_symbol("..."), "...");
  EXPECT_EQ(write_symbol("+"), "+");
  EXPECT_EQ(write_symbol("-"), "-");
  EXPECT_EQ(write_symbol("1+"), "1+");
  EXPECT_EQ(write_symbol("a#b"), "a#b");
  EXPECT_EQ(write_symbol("λ"), "λ");
  EXPECT_EQ(write_symbol(""), "||");
  EXPECT_EQ(write_symbol("a b"), "|a b|");
  EXPECT_EQ(write_symbol("a(b"), "|a(b|");
  EXPECT_EQ(write_symbol("a;b"), "|a;b|");
  EXPECT_EQ(write_symbol("a'b"), "|a'b|");
  EXPECT_EQ(write_symbol("a|b"), "|a\\|b|");
  EXPECT_EQ(write_symbol("a\\b"), "|a\\\\b|");
  EXPECT_EQ(write_symbol("#foo"), "|#foo|");
  EXPECT_EQ(write_symbol("."), "|.|");
  EXPECT_EQ(write_symbol("1"), "|1|");
  EXPECT_EQ(write_symbol("-5"), "|-5|");
  EXPECT_EQ(write_symbol("1.5"), "|1.5|");
  EXPECT_EQ(write_symbol("+inf.0"), "|+inf.0|");
  EXPECT_EQ(write_symbol("a\nb"), "|a\\nb|");
  EXPECT_EQ(write_symbol("{x}"), "|{x}|");
}

TEST(WriteDatumTest, Compounds) {
  EXPECT_EQ(
      Write(MakeList({Int(1), Sym("a"), MakeString("s", Here())}, Here())),
      "(1 a \"s\")");
  EXPECT_EQ(Write(MakePair(Int(1), Int(2), Here())), "(1 . 2)");
  EXPECT_EQ(Write(MakePair(Int(1), MakePair(Int(2), Int(3), Here()), Here())),
            "(1 2 . 3)");
  EXPECT_EQ(Write(MakeList({Sym("quote"), Sym("x")}, Here())), "(quote x)");
  EXPECT_EQ(Write(MakeVector({Int(1), MakeList({Int(2)}, Here())}, Here())),
            "#(1 (2))");
  EXPECT_EQ(Write(MakeVector({}, Here())), "#()");
  EXPECT_EQ(Write(MakeBytevector({0, 255}, Here())), "#u8(0 255)");
  EXPECT_EQ(Write(MakeBytevector({}, Here())), "#u8()");
  EXPECT_EQ(Write(MakeList({MakeNil(Here()), MakeVector({}, Here())}, Here())),
            "(() #())");
}

TEST(DatumTest, DeepAndLongStructuresAreWrittenAndFreedWithoutRecursion) {
  DatumPtr nested = MakeNil(Here());
  for (int i = 0; i < 1000000; ++i) {
    nested = MakePair(nested, MakeNil(Here()), Here());
  }
  std::string text = WriteDatum(*nested);
  EXPECT_EQ(text.size(), 2000002u);
  nested.reset();

  std::vector<DatumPtr> items(1000000, Int(7));
  DatumPtr list = MakeList(items, Here());
  items.clear();
  EXPECT_EQ(WriteDatum(*list).size(), 2000001u);
  list.reset();

  DatumPtr vectors = MakeNil(Here());
  for (int i = 0; i < 1000000; ++i) vectors = MakeVector({vectors}, Here());
  vectors.reset();
}

}  // namespace
}  // namespace eta::compiler
