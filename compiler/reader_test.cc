#include "compiler/reader.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace eta::compiler {
namespace {

// Read reads all of `text` and writes the data back, separated by spaces.
std::string Read(std::string_view text) {
  auto data = ReadAll(text, "t.eta");
  if (!data.ok()) return "ERROR " + std::string(data.status().message());
  std::string out;
  for (const DatumPtr& datum : *data) {
    if (!out.empty()) out += ' ';
    out += WriteDatum(*datum);
  }
  return out;
}

// ReadError returns the error message reading `text` gives.
std::string ReadError(std::string_view text) {
  auto data = ReadAll(text, "t.eta");
  if (data.ok()) return "no error";
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(data.status().message());
}

DatumPtr ReadOne(std::string_view text) {
  auto data = ReadAll(text, "t.eta");
  EXPECT_TRUE(data.ok()) << data.status();
  if (!data.ok() || data->size() != 1) return MakeNil(SourceLocation{});
  return (*data)[0];
}

TEST(ReaderTest, AtomsAndLists) {
  EXPECT_EQ(Read("(define (f x) (+ x 1))"), "(define (f x) (+ x 1))");
  EXPECT_EQ(Read("[let ([x 1]) x]"), "(let ((x 1)) x)");
  EXPECT_EQ(Read("()"), "()");
  EXPECT_EQ(Read("[]"), "()");
  EXPECT_EQ(Read("a b\tc\nd\r\ne\ff"), "a b c d e f");
  EXPECT_EQ(Read(""), "");
  EXPECT_EQ(Read("   \n ; only a comment"), "");
}

TEST(ReaderTest, DottedPairs) {
  EXPECT_EQ(Read("(a . b)"), "(a . b)");
  EXPECT_EQ(Read("(a b . c)"), "(a b . c)");
  EXPECT_EQ(Read("(a . (b c))"), "(a b c)");
  EXPECT_EQ(Read("(a .b)"), "(a .b)");  // .b is a symbol
  EXPECT_EQ(Read("(a . #;x b)"), "(a . b)");
  EXPECT_EQ(Read("(a . b #;c)"), "(a . b)");
}

TEST(ReaderTest, Booleans) {
  EXPECT_EQ(Read("#t #f #true #false"), "#t #f #t #f");
  EXPECT_EQ(ReadError("#tru"), "t.eta:1:1: read-error: invalid # syntax: #tru");
}

TEST(ReaderTest, Numbers) {
  EXPECT_EQ(Read("1 -2 +3 #xff #b101 #o17 #d9 #e1.0 #i2"),
            "1 -2 3 255 5 15 9 1 2.0");
  EXPECT_EQ(Read("1.5 .5 1. 1e10 -2.5e-3"), "1.5 0.5 1.0 1e+10 -0.0025");
  EXPECT_EQ(Read("+inf.0 -inf.0 +nan.0"), "+inf.0 -inf.0 +nan.0");
  EXPECT_EQ(Read("6/3 1/2"), "2 0.5");
  EXPECT_EQ(Read("99999999999999999999"), "1e+20");
  DatumPtr real = ReadOne("3.0");
  EXPECT_EQ(real->kind, Datum::Kind::kReal);
  EXPECT_EQ(ReadOne("3")->kind, Datum::Kind::kInteger);
}

TEST(ReaderTest, Symbols) {
  EXPECT_EQ(Read("send! std.net prices.eur ->x ... + - 1+ a->b <=? λ"),
            "send! std.net prices.eur ->x ... + - 1+ a->b <=? λ");
  EXPECT_EQ(Read("Hello hello"), "Hello hello");
  EXPECT_TRUE(ReadOne("Hello")->IsSymbol("Hello"));
  EXPECT_EQ(Read("|hello world| || |a\\|b| |\\x41;\\n|"),
            "|hello world| || |a\\|b| |A\\n|");
  EXPECT_TRUE(ReadOne("|abc|")->IsSymbol("abc"));
  EXPECT_EQ(Read("inf.0 +inf nan 1/x"), "inf.0 +inf nan 1/x");
  EXPECT_EQ(Read("a#b"), "a#b");
}

TEST(ReaderTest, Characters) {
  EXPECT_EQ(Read("#\\a #\\A #\\( #\\) #\\; #\\\" #\\\\ #\\λ"),
            "#\\a #\\A #\\( #\\) #\\; #\\\" #\\\\ #\\λ");
  EXPECT_EQ(Read("#\\space #\\newline #\\tab #\\return #\\nul #\\null"),
            "#\\space #\\newline #\\tab #\\return #\\nul #\\nul");
  EXPECT_EQ(Read("#\\alarm #\\backspace #\\delete #\\escape #\\linefeed"),
            "#\\alarm #\\backspace #\\delete #\\escape #\\newline");
  EXPECT_EQ(ReadOne("#\\page")->character, 12u);
  EXPECT_EQ(Read("#\\x41 #\\x3bb #\\x #\\x0"), "#\\A #\\λ #\\x #\\nul");
  EXPECT_EQ(Read("#\\x41;b"), "#\\A b");  // the optional ';' is consumed
  EXPECT_EQ(Read("#\\x;b"), "#\\x");      // here ';' starts a comment
  EXPECT_EQ(Read("(#\\a)"), "(#\\a)");
  EXPECT_EQ(Read("#\\ "), "#\\space");
  EXPECT_EQ(Read("#\\(("),
            "ERROR t.eta:1:4: read-error: unclosed list: "
            "input ended before ')'");
}

TEST(ReaderTest, CharacterErrors) {
  EXPECT_EQ(ReadError("#\\foo"),
            "t.eta:1:1: read-error: unknown character name #\\foo");
  EXPECT_EQ(ReadError("  #\\Space"),
            "t.eta:1:3: read-error: unknown character name #\\Space");
  EXPECT_EQ(ReadError("#\\ab"),
            "t.eta:1:1: read-error: unknown character name #\\ab");
  EXPECT_EQ(ReadError("#\\xd800"),
            "t.eta:1:1: read-error: invalid character code #\\xd800");
  EXPECT_EQ(ReadError("#\\x110000"),
            "t.eta:1:1: read-error: invalid character code #\\x110000");
  EXPECT_EQ(ReadError("#\\"), "t.eta:1:1: read-error: input ended after #\\");
}

TEST(ReaderTest, Strings) {
  EXPECT_EQ(ReadOne("\"a\\nb\\tc\\rd\\\\e\\\"f\"")->text, "a\nb\tc\rd\\e\"f");
  EXPECT_EQ(ReadOne("\"\\a\\b\"")->text, "\a\b");
  EXPECT_EQ(ReadOne("\"x\\0y\"")->text, std::string("x\0y", 3));
  EXPECT_EQ(ReadOne("\"\\x41;\\x3bb;\\x42\"")->text, "AλB");
  EXPECT_EQ(ReadOne("\"line1\nline2\"")->text, "line1\nline2");
  EXPECT_EQ(ReadOne("\"ab\\   \n    cd\"")->text, "abcd");
  EXPECT_EQ(ReadOne("\"ab\\\r\n\tcd\"")->text, "abcd");
  EXPECT_EQ(ReadOne("\"ab\\\ncd\"")->text, "abcd");
  EXPECT_EQ(ReadOne("\"λ😀\"")->text, "λ😀");
  EXPECT_EQ(ReadOne(std::string_view("\"a\0b\"", 5))->text,
            std::string("a\0b", 3));
  EXPECT_EQ(ReadOne("\"\"")->text, "");
}

TEST(ReaderTest, StringErrors) {
  EXPECT_EQ(ReadError("(a\n  \"abc"),
            "t.eta:2:3: read-error: unterminated string");
  EXPECT_EQ(ReadError("\"a\\qb\""),
            "t.eta:1:3: read-error: invalid escape \\q in string");
  EXPECT_EQ(ReadError("\"\\x;\""),
            "t.eta:1:2: read-error: invalid \\x escape in string");
  EXPECT_EQ(ReadError("\"\\xd800;\""),
            "t.eta:1:2: read-error: invalid \\x escape in string");
  EXPECT_EQ(ReadError("\"ab\\  x\""),
            "t.eta:1:4: read-error: invalid line continuation in string: "
            "expected a newline after \\");
  EXPECT_EQ(ReadError("\"abc\\"), "t.eta:1:1: read-error: unterminated string");
  EXPECT_EQ(ReadError("|abc"), "t.eta:1:1: read-error: unterminated |symbol|");
  EXPECT_EQ(ReadError("|a\\qb|"),
            "t.eta:1:3: read-error: invalid escape \\q in |symbol|");
}

TEST(ReaderTest, Comments) {
  EXPECT_EQ(Read("a ; comment\nb"), "a b");
  EXPECT_EQ(Read("a #| block |# b"), "a b");
  EXPECT_EQ(Read("a #| outer #| inner |# still |# b"), "a b");
  EXPECT_EQ(Read("a #;b c"), "a c");
  EXPECT_EQ(Read("a #; (b (c)) d"), "a d");
  EXPECT_EQ(Read("#; #; a b c"), "c");
  EXPECT_EQ(Read("(a #;b)"), "(a)");
  EXPECT_EQ(Read("'#;a b"), "(quote b)");
  EXPECT_EQ(Read("#!/usr/bin/env etai\n(a)"), "(a)");
  EXPECT_EQ(Read("a|#"), "ERROR t.eta:1:2: read-error: unterminated |symbol|");
  EXPECT_EQ(ReadError("x\n  #| a #| b |#"),
            "t.eta:2:3: read-error: unterminated block comment");
  EXPECT_EQ(ReadError("a\n#!/bin/sh"),
            "t.eta:2:1: read-error: invalid # syntax: #!/bin/sh");
  EXPECT_EQ(ReadError("#;"),
            "t.eta:1:1: read-error: expected a datum after #; but the input "
            "ended");
  EXPECT_EQ(ReadError("(a #;)"),
            "t.eta:1:6: read-error: expected a datum after #; but found ')'");
}

TEST(ReaderTest, Abbreviations) {
  EXPECT_EQ(Read("'x `(a ,b ,@c)"),
            "(quote x) (quasiquote (a (unquote b) (unquote-splicing c)))");
  EXPECT_EQ(Read("''x"), "(quote (quote x))");
  EXPECT_EQ(Read("'()"), "(quote ())");
  DatumPtr quoted = ReadOne("  'x");
  EXPECT_EQ(quoted->location.ToString(), "t.eta:1:3");
  EXPECT_EQ(quoted->car->location.ToString(), "t.eta:1:3");
  EXPECT_EQ(quoted->cdr->car->location.ToString(), "t.eta:1:4");
  EXPECT_EQ(ReadError("'"),
            "t.eta:1:1: read-error: expected a datum after ' but the input "
            "ended");
  EXPECT_EQ(ReadError("(,@)"),
            "t.eta:1:4: read-error: expected a datum after ,@ but found ')'");
}

TEST(ReaderTest, VectorsAndBytevectors) {
  EXPECT_EQ(Read("#(1 \"a\" (b) #(c))"), "#(1 \"a\" (b) #(c))");
  EXPECT_EQ(Read("#()"), "#()");
  EXPECT_EQ(Read("#u8(0 255 #xff)"), "#u8(0 255 255)");
  EXPECT_EQ(Read("#u8()"), "#u8()");
  EXPECT_EQ(ReadOne("#u8(1 2)")->kind, Datum::Kind::kBytevector);
  EXPECT_EQ(ReadError("#u8(1 256)"),
            "t.eta:1:7: read-error: bytevector element out of range: 256 "
            "(must be 0..255)");
  EXPECT_EQ(ReadError("#u8(-1)"),
            "t.eta:1:5: read-error: bytevector element out of range: -1 "
            "(must be 0..255)");
  EXPECT_EQ(ReadError("#u8(1.0)"),
            "t.eta:1:5: read-error: bytevector element must be an exact "
            "integer in 0..255");
  EXPECT_EQ(ReadError("#u8(a)"),
            "t.eta:1:5: read-error: bytevector element must be an exact "
            "integer in 0..255");
  EXPECT_EQ(ReadError("#(1 . 2)"), "t.eta:1:5: read-error: unexpected '.'");
  EXPECT_EQ(ReadError("#(1]"),
            "t.eta:1:4: read-error: expected ')' to close '#(' but found ']'");
  EXPECT_EQ(ReadError("#u8 (1)"),
            "t.eta:1:1: read-error: invalid # syntax: #u8");
  EXPECT_EQ(ReadError("#(1"),
            "t.eta:1:1: read-error: unclosed vector: input ended before ')'");
  EXPECT_EQ(ReadError("#u8(1"),
            "t.eta:1:1: read-error: unclosed bytevector: input ended before "
            "')'");
}

TEST(ReaderTest, Locations) {
  auto data = ReadAll("(a\n  (b  c))\n  λx \"s\" #\\a", "loc.eta");
  ASSERT_TRUE(data.ok());
  ASSERT_EQ(data->size(), 4u);
  const DatumPtr& list = (*data)[0];
  EXPECT_EQ(list->location.ToString(), "loc.eta:1:1");
  EXPECT_EQ(list->car->location.ToString(), "loc.eta:1:2");
  const DatumPtr& inner = list->cdr->car;
  EXPECT_EQ(inner->location.ToString(), "loc.eta:2:3");
  EXPECT_EQ(inner->cdr->car->location.ToString(), "loc.eta:2:7");
  EXPECT_EQ((*data)[1]->location.ToString(), "loc.eta:3:3");
  EXPECT_EQ((*data)[2]->location.ToString(), "loc.eta:3:6");  // after λx
  EXPECT_EQ((*data)[3]->location.ToString(), "loc.eta:3:10");
  EXPECT_EQ(ReadError("\"λλλ\" )"), "t.eta:1:7: read-error: unexpected ')'");
}

TEST(ReaderTest, ListErrors) {
  EXPECT_EQ(ReadError("a\nb\n  c )"), "t.eta:3:5: read-error: unexpected ')'");
  EXPECT_EQ(ReadError("]"), "t.eta:1:1: read-error: unexpected ']'");
  EXPECT_EQ(ReadError("(a b"),
            "t.eta:1:1: read-error: unclosed list: input ended before ')'");
  EXPECT_EQ(ReadError("(define (f x)\n  [let ((y 1)\n y)"),
            "t.eta:2:3: read-error: unclosed list: input ended before ']'");
  EXPECT_EQ(ReadError("[a b)"),
            "t.eta:1:5: read-error: expected ']' to close '[' but found ')'");
  EXPECT_EQ(ReadError("(a b]"),
            "t.eta:1:5: read-error: expected ')' to close '(' but found ']'");
  EXPECT_EQ(ReadError("."), "t.eta:1:1: read-error: unexpected '.'");
  EXPECT_EQ(ReadError("(a . )"),
            "t.eta:1:6: read-error: bad dotted list: expected a datum after "
            "'.' but found ')'");
  EXPECT_EQ(ReadError("(. a)"),
            "t.eta:1:2: read-error: bad dotted list: no datum before '.'");
  EXPECT_EQ(ReadError("(a . b c)"),
            "t.eta:1:8: read-error: bad dotted list: more than one datum "
            "after '.'");
  EXPECT_EQ(ReadError("(a . . b)"),
            "t.eta:1:6: read-error: bad dotted list: more than one '.'");
  EXPECT_EQ(ReadError("(a ."),
            "t.eta:1:1: read-error: unclosed list: input ended before ')'");
}

TEST(ReaderTest, OtherErrors) {
  EXPECT_EQ(ReadError("#"), "t.eta:1:1: read-error: invalid # syntax");
  EXPECT_EQ(ReadError("# a"),
            "t.eta:1:1: read-error: invalid # syntax: #U+0020");
  EXPECT_EQ(ReadError("#foo"), "t.eta:1:1: read-error: invalid # syntax: #foo");
  EXPECT_EQ(ReadError("#e1/0"),
            "t.eta:1:1: read-error: invalid # syntax: #e1/0");
  EXPECT_EQ(ReadError("a{b"),
            "t.eta:1:2: read-error: unexpected character '{'");
  EXPECT_EQ(ReadError("\\"),
            "t.eta:1:1: read-error: unexpected character '\\'");
  EXPECT_EQ(ReadError(std::string_view("a \0", 3)),
            "t.eta:1:3: read-error: unexpected character U+0000");
  EXPECT_EQ(ReadError("ab \xff"), "t.eta:1:4: read-error: invalid UTF-8");
  EXPECT_EQ(ReadError("\"a\xc0\x80\""), "t.eta:1:3: read-error: invalid UTF-8");
  EXPECT_EQ(ReadError("; \xed\xa0\x80\n"),
            "t.eta:1:3: read-error: invalid UTF-8");
  EXPECT_EQ(ReadError("λ \xf4\x90\x80\x80"),
            "t.eta:1:3: read-error: invalid UTF-8");
}

TEST(ReaderTest, NextAndOffset) {
  Reader reader("  (a b) c ; done\n", "port");
  auto first = reader.Next();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(WriteDatum(***first), "(a b)");
  EXPECT_EQ(reader.Offset(), 7u);
  auto second = reader.Next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ(reader.Offset(), 9u);
  auto end = reader.Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(reader.Offset(), 17u);
  EXPECT_FALSE(reader.Next()->has_value());
}

TEST(ReaderTest, ErrorsAreSticky) {
  Reader reader("a ) b", "s.eta");
  EXPECT_TRUE(reader.Next().ok());
  auto error = reader.Next();
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.status().message(), "s.eta:1:3: read-error: unexpected ')'");
  EXPECT_EQ(reader.Offset(), 1u);
  EXPECT_EQ(reader.Next().status(), error.status());
}

TEST(ReaderTest, OwnsItsText) {
  std::string text = "(hello)";
  Reader reader(text, "own");
  text.assign("(xxxxx");
  auto datum = reader.Next();
  ASSERT_TRUE(datum.ok());
  EXPECT_EQ(WriteDatum(***datum), "(hello)");
}

TEST(ReaderTest, RoundTripsWrittenData) {
  const char* programs[] = {
      "(define (f x) (if (< x 2) x (+ (f (- x 1)) (f (- x 2)))))",
      "#(1 2.5 \"three\" #\\4 (5 . 6) #u8(7 8) || |a b| #t #f ())",
      "\"tab\\there\\nnewline \\x1; \\\\ \\\" λ\" #\\x7 #\\delete #\\xa0",
      "(quote |#x| |1.5| |.| |+inf.0| |a;b| |{}| |a\\|b| sym!)",
      "(1e+21 -0.0 0.1 +inf.0 -inf.0 +nan.0 123456789.125 5e-324)",
      "`(a ,b ,@(c d) . e)",
  };
  for (const char* program : programs) {
    std::string once = Read(program);
    ASSERT_EQ(once.find("ERROR"), std::string::npos) << once;
    EXPECT_EQ(Read(once), once) << program;
  }
}

TEST(ReaderTest, LongListDoesNotRecurse) {
  std::string text = "(";
  for (int i = 0; i < 1000000; ++i) text += "1 ";
  text += ")";
  auto data = ReadAll(text, "long.eta");
  ASSERT_TRUE(data.ok());
  std::vector<DatumPtr> items;
  ASSERT_TRUE(ListToVector((*data)[0], &items));
  EXPECT_EQ(items.size(), 1000000u);
}

TEST(ReaderTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '(');
  deep += std::string(100000, ')');
  EXPECT_EQ(ReadError(deep),
            "t.eta:1:10001: read-error: nesting too deep (more than 10000 "
            "levels)");
  EXPECT_EQ(ReadError(std::string(100000, '\'') + "x"),
            "t.eta:1:10001: read-error: nesting too deep (more than 10000 "
            "levels)");
  std::string ok(kMaxReaderNesting, '[');
  ok += std::string(kMaxReaderNesting, ']');
  auto data = ReadAll(ok, "ok.eta");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(WriteDatum(*(*data)[0]).size(), ok.size());
}

TEST(ReaderTest, LongLineAndManyLines) {
  std::string text(100000, 'a');
  text += "\n";
  for (int i = 0; i < 100000; ++i) text += "b\n";
  text += ")";
  EXPECT_EQ(ReadError(text), "t.eta:100002:1: read-error: unexpected ')'");
}

// Robustness: random bytes and random mutations of valid programs must give
// data or an error (never a crash, hang or sanitizer report).
TEST(ReaderTest, RandomBytesNeverCrash) {
  std::mt19937 random(20240601);
  const std::string alphabet = "()[]#\\|\"';`,@.x8u;e 0123456789+-\n\tλabc";
  int errors = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    size_t length = random() % 40;
    bool from_alphabet = i % 2 == 0;
    for (size_t j = 0; j < length; ++j) {
      text += from_alphabet ? alphabet[random() % alphabet.size()]
                            : static_cast<char>(random() % 256);
    }
    auto data = ReadAll(text, "r.eta");
    if (!data.ok()) {
      ++errors;
      EXPECT_EQ(data.status().message().substr(0, 6), "r.eta:");
      continue;
    }
    for (const DatumPtr& datum : *data) {
      std::string written = WriteDatum(*datum);
      auto again = ReadAll(written, "w.eta");
      ASSERT_TRUE(again.ok()) << written << " from " << text;
      ASSERT_EQ(again->size(), 1u) << written;
      EXPECT_EQ(WriteDatum(*(*again)[0]), written);
    }
  }
  EXPECT_GT(errors, 0);
}

TEST(ReaderTest, MutatedProgramsNeverCrash) {
  const std::string program =
      "#!/usr/bin/env etai\n"
      "(define (loop n acc) ; sum\n"
      "  #| block #| nested |# |#\n"
      "  (if (= n 0) acc [loop (- n 1) (+ acc n)]))\n"
      "(display \"tab\\t\\x3bb; \\\n    more\") #;(skipped) '(a . b)\n"
      "`(,x ,@y) #(1 2.5 #\\x41 #\\space) #u8(0 255) |odd sym| -inf.0 #e1.0\n";
  ASSERT_EQ(Read(program).find("ERROR"), std::string::npos) << Read(program);
  std::mt19937 random(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text = program;
    int edits = 1 + random() % 4;
    for (int e = 0; e < edits; ++e) {
      size_t at = random() % (text.size() + 1);
      switch (random() % 3) {
        case 0:
          if (at < text.size()) text.erase(at, 1 + random() % 3);
          break;
        case 1:
          text.insert(at, 1, static_cast<char>(random() % 256));
          break;
        default:
          if (at < text.size()) text[at] = "()[]\"|#;'\\ "[random() % 11];
      }
    }
    auto data = ReadAll(text, "m.eta");
    if (data.ok()) {
      for (const DatumPtr& datum : *data) {
        std::string written = WriteDatum(*datum);
        auto again = ReadAll(written, "w.eta");
        ASSERT_TRUE(again.ok()) << written;
        EXPECT_EQ(WriteDatum(*(*again)[0]), written);
      }
    }
  }
}

}  // namespace
}  // namespace eta::compiler
