#include "wire/wire.h"

#include <cmath>
#include <cstring>
#include <cstdint>
#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "vm/allocate.h"
#include "vm/equal.h"
#include "vm/object.h"
#include "vm/printer.h"
#include "vm/test_memory.h"
#include "wire/test_heap.h"

namespace eta::wire {
namespace {

using vm::Value;
using vm::testing::ProcStatusKb;

class WireTest : public ::testing::Test {
 protected:
  Value Int(int64_t i) { return Value::Fixnum(i); }
  Value Str(std::u32string s) { return t_.Keep(vm::NewString(t_.heap, std::move(s))); }
  Value Sym(std::string_view name) {
    return Value::FromObject(t_.symbols.Intern(t_.heap, name));
  }
  Value Cons(Value a, Value d) { return t_.Keep(vm::NewPair(t_.heap, a, d)); }
  Value List(std::vector<Value> items) {
    Value list = Value::Nil();
    for (size_t i = items.size(); i-- > 0;) list = Cons(items[i], list);
    return list;
  }
  Value Vec(std::vector<Value> items) {
    return t_.Keep(vm::NewVector(t_.heap, std::move(items)));
  }
  Value Bytes(std::vector<uint8_t> bytes) {
    return t_.Keep(vm::NewBytevector(t_.heap, std::move(bytes)));
  }
  Value Promise() { return t_.Keep(Value::FromObject(t_.heap.New<vm::Promise>(false, Value::Nil()))); }

  std::string Encoded(Value v, Form form = Form::kBinary) {
    EncodeOptions options;
    options.form = form;
    absl::StatusOr<std::string> bytes = EncodeToString(v, options);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return bytes.ok() ? *bytes : std::string();
  }

  absl::StatusOr<Value> DecodeBytes(std::string_view bytes) {
    absl::StatusOr<Value> v = Decode(bytes, t_.heap, t_.symbols);
    if (v.ok()) t_.Keep(*v);
    return v;
  }

  // RoundTrip encodes `v` in `form` and checks it decodes to an equal value.
  void ExpectRoundTrip(Value v, Form form) {
    std::string bytes = Encoded(v, form);
    absl::StatusOr<Value> back = DecodeBytes(bytes);
    ASSERT_TRUE(back.ok()) << back.status() << " for " << vm::ValueToShortString(v, true);
    EXPECT_TRUE(vm::Equal(v, *back))
        << vm::ValueToShortString(v, true) << " came back as "
        << vm::ValueToShortString(*back, true);
  }

  void ExpectBothRoundTrip(Value v) {
    ExpectRoundTrip(v, Form::kBinary);
    ExpectRoundTrip(v, Form::kText);
  }

  // DecodeError decodes `bytes` and returns the error message ("" if ok).
  std::string DecodeError(std::string_view bytes) {
    absl::StatusOr<Value> v = DecodeBytes(bytes);
    return v.ok() ? std::string() : std::string(v.status().message());
  }

  std::string EncodeError(Value v, Form form = Form::kBinary) {
    EncodeOptions options;
    options.form = form;
    std::string out = "keep";
    absl::Status status = Encode(v, &out, options);
    if (status.ok()) return "";
    EXPECT_EQ(out, "keep");  // nothing written on error
    return std::string(status.message());
  }

  TestHeap t_;
};

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size() + 1;) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

// ---- Golden bytes: the published layout of each tag ----

TEST_F(WireTest, GoldenBytesForEachTag) {
  struct Case {
    Value value;
    const char* hex;
  };
  std::vector<Case> cases = {
      {Value::Nil(), "ea 00"},
      {Value::True(), "ea 01"},
      {Value::False(), "ea 0c"},
      {Int(1), "ea 02 01 00 00 00 00 00 00 00"},
      {Int(-2), "ea 02 fe ff ff ff ff ff ff ff"},
      {Int(INT64_MAX), "ea 02 ff ff ff ff ff ff ff 7f"},
      {Value::Flonum(1.5), "ea 03 00 00 00 00 00 00 f8 3f"},
      {Value::Flonum(-0.0), "ea 03 00 00 00 00 00 00 00 80"},
      {Value::Char('A'), "ea 04 41 00 00 00"},
      {Value::Char(0x3bb), "ea 04 bb 03 00 00"},
      {Value::Char(0x10ffff), "ea 04 ff ff 10 00"},
      {Str(U"h\u00e9"), "ea 05 03 00 00 00 68 c3 a9"},
      {Str(U""), "ea 05 00 00 00 00"},
      {Sym("abc"), "ea 06 03 00 00 00 61 62 63"},
      {Cons(Int(1), Int(2)),
       "ea 08 02 01 00 00 00 00 00 00 00 02 02 00 00 00 00 00 00 00"},
      {List({Int(1)}), "ea 08 02 01 00 00 00 00 00 00 00 00"},
      {List({Value::True(), Value::False()}), "ea 08 01 08 0c 00"},
      {Vec({Int(1), Value::True()}),
       "ea 09 02 00 00 00 02 01 00 00 00 00 00 00 00 01"},
      {Vec({}), "ea 09 00 00 00 00"},
      {Bytes({1, 2, 255}), "ea 0d 03 00 00 00 01 02 ff"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(vm::ValueToString(c.value, true));
    std::string bytes = Encoded(c.value);
    EXPECT_EQ(Hex(bytes), c.hex);
    absl::StatusOr<Value> back = DecodeBytes(Unhex(c.hex));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(vm::Equal(*back, c.value));
  }
}

TEST_F(WireTest, SymbolsAreInterned) {
  absl::StatusOr<Value> v = DecodeBytes(Encoded(Sym("shared")));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->Eq(Sym("shared")));
}

// ---- Round trips of every type, both forms ----

TEST_F(WireTest, AtomsRoundTripInBothForms) {
  std::vector<Value> values = {
      Value::Nil(), Value::True(), Value::False(), Int(0), Int(-1),
      Int(INT64_MAX), Int(INT64_MIN), Int(1234567890123),
      Value::Flonum(0.1), Value::Flonum(-0.0), Value::Flonum(0.0),
      Value::Flonum(1e300), Value::Flonum(5e-324), Value::Flonum(-2.5e-308),
      Value::Flonum(1.0 / 3), Value::Flonum(123456789.0),
      Value::Flonum(std::numeric_limits<double>::infinity()),
      Value::Flonum(-std::numeric_limits<double>::infinity()),
      Value::Char(0), Value::Char(' '), Value::Char('\n'), Value::Char(0x7f),
      Value::Char(0xa0), Value::Char(0xd7ff), Value::Char(0xe000),
      Value::Char(0xfeff), Value::Char(0x1f600), Value::Char(0x10ffff),
      Value::Char('('), Value::Char('#'), Value::Char('\\'),
  };
  for (Value v : values) ExpectBothRoundTrip(v);
}

TEST_F(WireTest, NanRoundTripsAsNan) {
  for (Form form : {Form::kBinary, Form::kText}) {
    absl::StatusOr<Value> v = DecodeBytes(
        Encoded(Value::Flonum(std::numeric_limits<double>::quiet_NaN()), form));
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE(v->IsFlonum());
    EXPECT_TRUE(std::isnan(v->AsFlonum()));
  }
}

TEST_F(WireTest, StringsRoundTripWhateverTheirContent) {
  std::vector<std::u32string> strings = {
      U"", U"plain", U"with \"quotes\" and \\backslash\\",
      std::u32string(U"nul\0inside", 10), U"tab\tnewline\nreturn\r",
      U"\x01\x02\x1f\x7f", U"\u00e9\u4e2d\U0001F600", U"\ufeff\u200b",
      U"#|not a comment|#", U";semi", U"\U0010FFFF",
  };
  std::u32string all;
  for (char32_t c = 0; c < 0x800; ++c) all += c;
  strings.push_back(all);
  for (const auto& s : strings) ExpectBothRoundTrip(Str(s));
}

TEST_F(WireTest, SymbolsRoundTripIncludingOnesNeedingBars) {
  std::vector<std::string> names = {
      "a", "hello-world", "", "hello world", "|", "a|b", "1", "+1", "-",
      "...", "1.5", "#foo", "a(b", "a)b", "'q", "\"s\"", ";c", "\\",
      "\xce\xbb", "\xea\x80\x80",  // U+A000: starts with the marker byte
      "UPPER", "tab\there", "nl\nhere", ".", "+inf.0", "-nan.0", "#t",
  };
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    ExpectBothRoundTrip(Sym(name));
  }
}

TEST_F(WireTest, TextOfMarkerSymbolIsStillText) {
  std::string text = Encoded(Sym("\xea\x80\x80"), Form::kText);
  ASSERT_FALSE(text.empty());
  EXPECT_NE(static_cast<uint8_t>(text[0]), kBinaryMarker);
}

TEST_F(WireTest, ContainersRoundTrip) {
  ExpectBothRoundTrip(List({Int(1), Str(U"two"), Sym("three")}));
  ExpectBothRoundTrip(Cons(Int(1), Cons(Int(2), Int(3))));
  ExpectBothRoundTrip(Cons(Value::Nil(), Value::Nil()));
  ExpectBothRoundTrip(Vec({}));
  ExpectBothRoundTrip(Vec({Vec({Vec({})}), List({}), Bytes({})}));
  ExpectBothRoundTrip(Bytes({0, 1, 127, 128, 255}));
  ExpectBothRoundTrip(List({Sym("quote"), Sym("x")}));
  ExpectBothRoundTrip(Cons(Int(1), Vec({Int(2)})));
  // Shared (acyclic) structure is fine; it arrives as copies.
  Value shared = List({Int(1), Int(2)});
  ExpectBothRoundTrip(List({shared, shared, Vec({shared})}));
}

// RandomValue builds a random nested value of serializable kinds.
class RandomValues {
 public:
  RandomValues(TestHeap& t, uint32_t seed) : t_(t), rng_(seed) {}

  Value Make(int depth) {
    int kind = Pick(depth > 0 ? 12 : 9);
    switch (kind) {
      case 0: return Value::Nil();
      case 1: return Value::Bool(Pick(2));
      case 2: {
        int64_t magnitude = static_cast<int64_t>(rng_() >> Pick(64));
        return Value::Fixnum(Pick(2) ? magnitude : -magnitude);
      }
      case 3: {
        uint64_t bits = (uint64_t{rng_()} << 32) | rng_();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (std::isnan(d)) d = 0.25;
        return Value::Flonum(Pick(2) ? d : static_cast<double>(Pick(1000)) / 8);
      }
      case 4: return Value::Char(Char());
      case 5: {
        std::u32string s;
        for (int n = Pick(12); n > 0; --n) s += Char();
        return t_.Keep(vm::NewString(t_.heap, s));
      }
      case 6: {
        static const char* kNames[] = {"a", "b", "hello", "", "with space",
                                       "|x|", "42", "\xce\xbb", "x.y"};
        return Value::FromObject(t_.symbols.Intern(t_.heap, kNames[Pick(9)]));
      }
      case 7: {
        std::vector<uint8_t> bytes(Pick(10));
        for (auto& b : bytes) b = static_cast<uint8_t>(rng_());
        return t_.Keep(vm::NewBytevector(t_.heap, bytes));
      }
      case 8: return Value::Fixnum(Pick(100));
      case 9:
      case 10: {
        Value tail = Pick(4) == 0 ? Make(depth - 1) : Value::Nil();
        for (int n = Pick(6); n > 0; --n) {
          tail = t_.Keep(vm::NewPair(t_.heap, Make(depth - 1), tail));
        }
        return tail;
      }
      default: {
        std::vector<Value> items;
        for (int n = Pick(6); n > 0; --n) items.push_back(Make(depth - 1));
        return t_.Keep(vm::NewVector(t_.heap, items));
      }
    }
  }

 private:
  uint32_t Pick(uint32_t n) { return rng_() % n; }
  uint32_t Char() {
    switch (Pick(4)) {
      case 0: return 0x20 + Pick(0x5f);
      case 1: return Pick(0x20);
      case 2: return 0x80 + Pick(0xd7ff - 0x80);
      default: {
        uint32_t c = 0xe000 + Pick(0x110000 - 0xe000);
        return c;
      }
    }
  }

  TestHeap& t_;
  std::mt19937 rng_;
};

TEST_F(WireTest, RandomNestedValuesRoundTrip) {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE(seed);
    RandomValues random(t_, seed);
    Value v = random.Make(5);
    ExpectBothRoundTrip(v);
    // Re-encoding the decoded value gives the same bytes.
    std::string bytes = Encoded(v);
    absl::StatusOr<Value> back = DecodeBytes(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(Encoded(*back), bytes);
  }
}

TEST_F(WireTest, TenMillionElementListRoundTrips) {
  if (t_.heap.stress()) GTEST_SKIP() << "a collection per allocation is too slow here";
  Value list = t_.Keep(Value::Nil());
  constexpr int64_t kCount = 10'000'000;
  for (int64_t i = kCount; i > 0; --i) {
    list = vm::NewPair(t_.heap, Value::Fixnum(i), list);
    t_.roots.back() = list;
  }
  EncodeOptions encode;
  encode.max_bytes = size_t{1} << 30;
  absl::StatusOr<std::string> bytes = EncodeToString(list, encode);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(bytes->size(), 1 + kCount * 10 + 1);
  t_.roots.clear();
  DecodeOptions decode;
  decode.max_bytes = size_t{1} << 30;
  absl::StatusOr<Value> back = Decode(*bytes, t_.heap, t_.symbols, decode);
  ASSERT_TRUE(back.ok()) << back.status();
  int64_t expected = 1;
  Value p = *back;
  for (; vm::IsPair(p); p = vm::Cdr(p), ++expected) {
    ASSERT_EQ(vm::Car(p).AsFixnum(), expected);
  }
  EXPECT_TRUE(p.IsNil());
  EXPECT_EQ(expected, kCount + 1);
}

TEST_F(WireTest, LongVectorAndLongTextListRoundTrip) {
  std::vector<Value> items;
  for (int i = 0; i < 1'000'000; ++i) items.push_back(Value::Flonum(i * 0.5));
  ExpectRoundTrip(Vec(items), Form::kBinary);
  Value list = Value::Nil();
  const int length = t_.heap.stress() ? 2'000 : 200'000;  // a collection per allocation
  for (int i = 0; i < length; ++i) list = Cons(Int(i), list);
  ExpectBothRoundTrip(list);
}

// Nested builds `depth` levels of single-element lists (or vectors).
Value Nested(TestHeap& t, uint32_t depth, bool vectors) {
  Value v = Value::Fixnum(7);
  for (uint32_t i = 0; i < depth; ++i) {
    v = t.Keep(vectors ? vm::NewVector(t.heap, {v})
                       : vm::NewPair(t.heap, v, Value::Nil()));
  }
  return v;
}

TEST_F(WireTest, NestingUpToTheLimitRoundTrips) {
  ExpectBothRoundTrip(Nested(t_, kMaxDepth, false));
  ExpectBothRoundTrip(Nested(t_, kMaxDepth, true));
}

TEST_F(WireTest, NestingBeyondTheLimitIsAnError) {
  for (bool vectors : {false, true}) {
    Value v = Nested(t_, kMaxDepth + 1, vectors);
    EXPECT_NE(EncodeError(v).find("nesting deeper than 10000"), std::string::npos);
    EXPECT_NE(EncodeError(v, Form::kText).find("nesting deeper than 10000"),
              std::string::npos);
  }
  // Hand-made bytes: 20000 nested pairs.
  std::string bytes(1, static_cast<char>(kBinaryMarker));
  for (int i = 0; i < 20000; ++i) bytes += '\x08';
  bytes += '\x00';
  for (int i = 0; i < 20000; ++i) bytes += '\x00';
  std::string error = DecodeError(bytes);
  EXPECT_NE(error.find("nesting deeper than 10000"), std::string::npos) << error;
  EXPECT_NE(error.find("at byte 10002"), std::string::npos) << error;
  std::string text(20000, '(');
  error = DecodeError(text + std::string(20000, ')'));
  EXPECT_NE(error.find("too deep"), std::string::npos) << error;
  // Deep vectors in binary.
  std::string vectors(1, static_cast<char>(kBinaryMarker));
  for (int i = 0; i < 20000; ++i) vectors += std::string("\x09\x01\x00\x00\x00", 5);
  vectors += '\x00';
  EXPECT_NE(DecodeError(vectors).find("nesting deeper"), std::string::npos);
}

// ---- Decoding errors ----

TEST_F(WireTest, EveryTruncationIsAClearError) {
  Value v = List({Int(1), Str(U"h\u00e9llo"), Sym("sym"), Vec({Value::Flonum(2.5),
                 Value::Char(0x3bb)}), Bytes({1, 2, 3}), Cons(Value::True(), Value::False())});
  std::string bytes = Encoded(v);
  for (size_t n = 1; n < bytes.size(); ++n) {
    std::string error = DecodeError(bytes.substr(0, n));
    EXPECT_NE(error.find("malformed message at byte"), std::string::npos)
        << n << ": " << error;
  }
  std::string text = Encoded(v, Form::kText);
  for (size_t n = 1; n < text.size(); ++n) {
    absl::StatusOr<Value> r = DecodeBytes(text.substr(0, n));
    // A prefix may happen to be a complete datum ("(1" is not, "1" is).
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("malformed text message"),
                std::string::npos);
    }
  }
}

TEST_F(WireTest, PreciseDecodingErrors) {
  struct Case {
    std::string hex;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"ea", "at byte 1: truncated: a value was expected"},
      {"ea 07", "at byte 1: unknown tag 7"},
      {"ea 08 02 01 00 00 00 00 00 00 00 ff", "at byte 11: unknown tag 255"},
      {"ea 02 01 00", "at byte 1: truncated integer"},
      {"ea 03 01", "at byte 1: truncated flonum"},
      {"ea 04 00 d8 00 00", "character U+D800 is not a Unicode scalar value"},
      {"ea 04 00 00 11 00", "character U+110000 is not a Unicode scalar value"},
      {"ea 05 05 00 00 00 61", "string length 5 runs past the end (1 bytes left)"},
      {"ea 05 01 00", "truncated string length"},
      {"ea 06 ff ff ff ff 61", "symbol length 4294967295 runs past the end"},
      {"ea 0d 02 00 00 00 01", "bytevector length 2 runs past the end"},
      {"ea 09 ff ff ff 7f 00", "vector of 2147483647 elements runs past the end"},
      {"ea 05 02 00 00 00 c0 80", "at byte 1: invalid UTF-8 in string"},
      {"ea 05 03 00 00 00 ed a0 80", "invalid UTF-8 in string"},
      {"ea 06 01 00 00 00 ff", "invalid UTF-8 in symbol"},
      {"ea 00 00", "at byte 2: 1 bytes after the end of the value"},
  };
  for (const Case& c : cases) {
    std::string error = DecodeError(Unhex(c.hex));
    EXPECT_NE(error.find(c.expected), std::string::npos)
        << c.hex << " gave: " << error;
  }
  EXPECT_EQ(DecodeError(""), "malformed message: empty");
}

TEST_F(WireTest, TextErrorsNameThePosition) {
  EXPECT_NE(DecodeError("(1 2").find("malformed text message: message:1:"),
            std::string::npos) << DecodeError("(1 2");
  EXPECT_NE(DecodeError("1 2").find("more than one datum"), std::string::npos);
  EXPECT_NE(DecodeError("   ").find("no datum"), std::string::npos);
  EXPECT_NE(DecodeError("\"\xff\"").find("malformed text message"), std::string::npos);
  EXPECT_NE(DecodeError("#<procedure>").find("malformed text message"),
            std::string::npos);
  // Surrounding whitespace and comments are fine.
  absl::StatusOr<Value> v = DecodeBytes("  (a . b) ; trailing comment\n");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(vm::Equal(*v, Cons(Sym("a"), Sym("b"))));
}

TEST_F(WireTest, MessagesOverTheSizeLimitAreRefused) {
  DecodeOptions options;
  options.max_bytes = 16;
  std::string bytes = Encoded(Str(U"a string longer than sixteen bytes"));
  absl::StatusOr<Value> v = Decode(bytes, t_.heap, t_.symbols, options);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(v.status().message().find("exceeds the limit of 16 bytes"),
            std::string::npos);

  EncodeOptions encode;
  encode.max_bytes = 16;
  std::string out;
  absl::Status status = Encode(Str(U"a string longer than sixteen bytes"), &out, encode);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_TRUE(out.empty());
  encode.form = Form::kText;
  EXPECT_EQ(Encode(Str(U"a string longer than sixteen bytes"), &out, encode).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(WireTest, DecodingIntoAFullHeapIsOutOfMemory) {
  Value list = Value::Nil();
  // Enough to overflow 64 KiB (fewer in the GC-stress build).
  const int length = t_.heap.stress() ? 5'000 : 100'000;
  for (int i = 0; i < length; ++i) list = Cons(Int(i), list);
  std::string bytes = Encoded(list);
  TestHeap small(false, 64 * 1024);
  absl::StatusOr<Value> v = Decode(bytes, small.heap, small.symbols);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(WireTest, DecodingSurvivesCollectionAtEveryAllocation) {
  TestHeap stressed(/*stress=*/true);
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    RandomValues random(t_, seed);
    Value v = random.Make(4);
    for (Form form : {Form::kBinary, Form::kText}) {
      std::string bytes = Encoded(v, form);
      absl::StatusOr<Value> back = Decode(bytes, stressed.heap, stressed.symbols);
      ASSERT_TRUE(back.ok()) << back.status();
      stressed.Keep(*back);
      stressed.heap.Collect();
      // Symbols of two heaps are never eq: compare the encodings.
      EXPECT_EQ(Encoded(*back), Encoded(v)) << seed;
      stressed.roots.clear();
    }
  }
}

// ---- Encoding errors ----

// Symbols a peer sends are collected once nothing holds them, name and
// all: fresh ones in every message do not grow the receiver without bound
// (issue 23, item 4). 40 messages of 20,000 fresh symbols each would keep
// about 100 MB; the table ends as it began.
TEST_F(WireTest, FreshSymbolsFromAPeerAreCollected) {
  TestHeap receiver;
  const size_t symbols_before = receiver.symbols.size();
  [[maybe_unused]] const size_t rss_before = ProcStatusKb("VmRSS");
  for (int round = 0; round < 40; ++round) {
    std::string text = "(";
    for (int i = 0; i < 20000; ++i) absl::StrAppend(&text, " a-fresh-symbol-", round, "-", i);
    text += ")";
    absl::StatusOr<Value> message = Decode(text, receiver.heap, receiver.symbols);
    ASSERT_TRUE(message.ok()) << message.status();
    receiver.heap.Collect();  // the message was dropped
  }
  EXPECT_EQ(receiver.symbols.size(), symbols_before);
  EXPECT_LT(receiver.heap.live_bytes(), size_t{1} << 20);
#if !defined(__SANITIZE_ADDRESS__)  // (whose quarantine keeps freed memory)
  const size_t rss_after = ProcStatusKb("VmRSS");
  EXPECT_LT(rss_after > rss_before ? rss_after - rss_before : 0, size_t{40} << 10);
#endif
  // A symbol still held survives, and is the one interned again.
  Value kept = receiver.Keep(Value::FromObject(receiver.symbols.Intern(receiver.heap, "kept")));
  receiver.heap.Collect();
  EXPECT_TRUE(Value::FromObject(receiver.symbols.Intern(receiver.heap, "kept")).Eq(kept));
}

// A deep path keeps its first and last steps: the message stays short
// (issue 23, item 10).
TEST_F(WireTest, ADeepPathIsCutShort) {
  Value v = Promise();
  for (int i = 0; i < 20000; ++i) v = List({v});
  v = Vec({Int(0), Int(1), Int(2), v});
  EXPECT_EQ(EncodeError(v), "nesting deeper than 10000 levels at car of car of car of car of "
                            "... (9995 more) of car of element 3 of vector");
  Value shallow = Promise();
  for (int i = 0; i < 5000; ++i) shallow = List({shallow});
  EXPECT_EQ(EncodeError(List({Int(1), shallow})),
            "non-serializable value (promise) at car of car of car of car of "
            "... (4995 more) of car of element 1");
}

TEST_F(WireTest, NonSerializableValuesNameTheirPath) {
  Value promise = Promise();
  Value in_vector = Vec({Int(0), Int(1), Int(2), Cons(promise, Int(1))});
  std::string error = EncodeError(in_vector);
  EXPECT_EQ(error, "non-serializable value (promise) at car of element 3 of vector");
  EXPECT_EQ(EncodeError(in_vector, Form::kText), error);

  Value in_list = List({Int(0), Int(1), Int(2), List({promise})});
  EXPECT_EQ(EncodeError(in_list),
            "non-serializable value (promise) at car of element 3");
  EXPECT_EQ(EncodeError(promise), "non-serializable value (promise)");
  EXPECT_EQ(EncodeError(List({Int(1), promise})),
            "non-serializable value (promise) at element 1");
  EXPECT_EQ(EncodeError(Cons(Int(1), promise)),
            "non-serializable value (promise) at cdr");
  EXPECT_EQ(EncodeError(Cons(Int(1), Cons(Int(2), promise))),
            "non-serializable value (promise) at tail after element 1");
  EXPECT_EQ(EncodeError(Value::Unspecified()),
            "non-serializable value (unspecified value)");
  Value box = t_.Keep(Value::FromObject(t_.heap.New<vm::Box>(Int(1))));
  EXPECT_NE(EncodeError(Vec({box})).find("element 0 of vector"), std::string::npos);
  EXPECT_TRUE(CheckSerializable(in_vector).message() == error);
  EXPECT_TRUE(CheckSerializable(List({Int(1)})).ok());
}

TEST_F(WireTest, CyclicStructureIsAnError) {
  // A circular list.
  Value a = List({Int(1), Int(2), Int(3)});
  vm::As<vm::Pair>(vm::Cdr(vm::Cdr(a)))->cdr = a;
  std::string error = EncodeError(a);
  EXPECT_EQ(error, "cyclic structure at tail after element 2");
  EXPECT_EQ(EncodeError(a, Form::kText), error);
  // A pair that is its own car.
  Value b = List({Int(1)});
  vm::As<vm::Pair>(b)->car = b;
  EXPECT_EQ(EncodeError(b), "cyclic structure at car");
  // A vector that contains itself, deeper down.
  Value c = Vec({Int(0), Value::Nil()});
  vm::As<vm::Vector>(c)->items[1] = List({Int(5), c});
  EXPECT_EQ(EncodeError(c), "cyclic structure at element 1 of element 1 of vector");
  // Sharing without a cycle is not an error.
  Value shared = List({Int(1)});
  EXPECT_EQ(EncodeError(Vec({shared, shared, List({shared, shared})})), "");
}

}  // namespace
}  // namespace eta::wire
