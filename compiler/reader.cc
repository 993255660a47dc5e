#include "compiler/reader.h"

#include "compiler/status_macros.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compiler/number_syntax.h"

namespace eta::compiler {

bool DecodeUtf8(std::string_view text, size_t pos, uint32_t* code_point,
                size_t* length) {
  if (pos >= text.size()) return false;
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  if (lead < 0x80) {
    *code_point = lead;
    *length = 1;
    return true;
  }
  size_t count;
  uint32_t value;
  uint32_t minimum;
  if ((lead & 0xe0) == 0xc0) {
    count = 2, value = lead & 0x1f, minimum = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    count = 3, value = lead & 0x0f, minimum = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    count = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return false;
  }
  if (text.size() - pos < count) return false;
  for (size_t i = 1; i < count; ++i) {
    unsigned char next = byte(pos + i);
    if ((next & 0xc0) != 0x80) return false;
    value = (value << 6) | (next & 0x3f);
  }
  if (value < minimum || value > 0x10ffff ||
      (value >= 0xd800 && value <= 0xdfff)) {
    return false;
  }
  *code_point = value;
  *length = count;
  return true;
}

void AppendUtf8(uint32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

namespace {

constexpr int32_t kEnd = -1;      // Peek at the end of the text.
constexpr int32_t kInvalid = -2;  // Peek at bytes that are not UTF-8.

// Piece adapts std::string_view for absl::StrCat (this abseil build has its
// own string_view type).
absl::string_view Piece(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

bool IsWhitespace(int32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

bool IsDelimiter(int32_t c) {
  return c == kEnd || IsWhitespace(c) ||
         (c >= 0 && c < 0x80 &&
          std::string_view("()[]\";'`,|").find(static_cast<char>(c)) !=
              std::string_view::npos);
}

// IsConstituent says whether an ASCII character may appear in a symbol or
// number token (non-ASCII characters always may).
bool IsConstituent(int32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') ||
         std::string_view("!$%&*/:<=>?^_~+-.@#").find(static_cast<char>(c)) !=
             std::string_view::npos;
}

int HexValue(int32_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsScalarValue(uint32_t c) {
  return c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff);
}

// Describe names a character for an error message.
std::string Describe(int32_t c) {
  if (c > 0x20 && c < 0x7f) return absl::StrCat("'", std::string(1, c), "'");
  return absl::StrFormat("U+%04X", c);
}

constexpr struct {
  const char* name;
  uint32_t code;
} kCharacterNames[] = {
    {"space", ' '},   {"newline", '\n'}, {"tab", '\t'},      {"return", '\r'},
    {"nul", 0},       {"null", 0},       {"alarm", 7},       {"backspace", 8},
    {"delete", 0x7f}, {"escape", 0x1b},  {"linefeed", '\n'}, {"page", '\f'},
};

}  // namespace

namespace internal {

// ReaderImpl holds the text and the scanning position. Tokens are read by
// a small lexer; Next assembles them into a datum with an explicit stack of
// open frames, so nesting costs no C++ stack.
class ReaderImpl {
 public:
  ReaderImpl(std::string_view text, std::string file_name)
      : text_(text),
        file_(std::make_shared<const std::string>(std::move(file_name))) {}

  absl::StatusOr<std::optional<DatumPtr>> Next() {
    if (!error_.ok()) return error_;
    auto result = ReadDatum();
    if (!result.ok()) {
      error_ = result.status();
    } else {
      offset_ = pos_;
    }
    return result;
  }

  size_t Offset() const { return offset_; }

 private:
  struct Token {
    enum class Kind {
      kEnd,
      kOpen,          // ( [ #( #u8(
      kClose,         // ) ]
      kDot,           // .
      kAbbreviation,  // ' ` , ,@
      kDatumComment,  // #;
      kDatum,         // an atom
    };
    Kind kind = Kind::kEnd;
    SourceLocation location;
    std::string_view spelling;     // the bracket or abbreviation as written
    const char* symbol = nullptr;  // what an abbreviation stands for
    DatumPtr datum;
  };

  // Frame is something open that waits for more data.
  struct Frame {
    enum class Kind { kList, kVector, kBytevector, kAbbreviation, kComment };
    Kind kind;
    SourceLocation location;
    std::string_view spelling;  // "(", "[", "#(", "#u8(", "'", "#;", ...
    const char* symbol = nullptr;
    std::vector<DatumPtr> items;
    std::vector<uint8_t> bytes;
    enum class Dot { kNone, kAwaitingTail, kHaveTail } dot = Dot::kNone;
    DatumPtr tail;
  };

  absl::StatusOr<std::optional<DatumPtr>> ReadDatum();
  absl::StatusOr<std::optional<DatumPtr>> Close(std::vector<Frame>* stack,
                                                const Token& token);
  absl::Status Dot(std::vector<Frame>* stack, const Token& token);
  // Feed gives a completed datum to the open frames; it returns the datum
  // when it completes a top-level datum.
  absl::StatusOr<std::optional<DatumPtr>> Feed(std::vector<Frame>* stack,
                                               DatumPtr datum);
  absl::Status EndInside(const Frame& frame) const;

  absl::StatusOr<Token> NextToken();
  absl::Status SkipAtmosphere();
  absl::Status SkipBlockComment();
  absl::Status SkipLine();
  absl::StatusOr<Token> ReadHashSyntax(const SourceLocation& start);
  absl::StatusOr<Token> ReadAtom(const SourceLocation& start);
  absl::StatusOr<std::string_view> ScanToken();
  absl::StatusOr<DatumPtr> ReadCharacter(const SourceLocation& start);
  absl::StatusOr<std::string> ReadDelimited(const SourceLocation& start,
                                            char quote, const char* what);
  absl::Status ReadEscape(std::string* out, const char* what);

  // Peek returns the code point at the position (or kEnd / kInvalid).
  int32_t Peek() const { return PeekAt(pos_, nullptr); }
  int32_t PeekAt(size_t pos, size_t* length) const {
    if (pos >= text_.size()) return kEnd;
    uint32_t c;
    size_t n;
    if (!DecodeUtf8(text_, pos, &c, &n)) return kInvalid;
    if (length != nullptr) *length = n;
    return static_cast<int32_t>(c);
  }
  bool LookingAt(std::string_view prefix) const {
    return text_.compare(pos_, prefix.size(), prefix) == 0;
  }
  // Advance moves over one well-formed code point.
  void Advance() {
    size_t n = 1;
    int32_t c = PeekAt(pos_, &n);
    if (c == kEnd) return;
    pos_ += n;
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
  }
  SourceLocation Here() const { return SourceLocation{file_, line_, column_}; }
  absl::Status ErrorAt(const SourceLocation& at, std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        *file_, ":", at.line, ":", at.column, ": read-error: ", Piece(what)));
  }
  absl::Status InvalidUtf8() const { return ErrorAt(Here(), "invalid UTF-8"); }

  std::string text_;
  std::shared_ptr<const std::string> file_;
  size_t pos_ = 0;
  int32_t line_ = 1;
  int32_t column_ = 1;
  size_t offset_ = 0;
  absl::Status error_;
};

absl::StatusOr<std::optional<DatumPtr>> ReaderImpl::ReadDatum() {
  std::vector<Frame> stack;
  while (true) {
    ETA_ASSIGN_OR_RETURN(Token token, NextToken());
    switch (token.kind) {
      case Token::Kind::kEnd:
        if (stack.empty()) return std::optional<DatumPtr>();
        return EndInside(stack.back());
      case Token::Kind::kOpen:
      case Token::Kind::kAbbreviation:
      case Token::Kind::kDatumComment: {
        if (stack.size() >= kMaxReaderNesting) {
          return ErrorAt(token.location,
                         absl::StrCat("nesting too deep (more than ",
                                      kMaxReaderNesting, " levels)"));
        }
        Frame frame;
        frame.location = token.location;
        frame.spelling = token.spelling;
        frame.symbol = token.symbol;
        if (token.kind == Token::Kind::kAbbreviation) {
          frame.kind = Frame::Kind::kAbbreviation;
        } else if (token.kind == Token::Kind::kDatumComment) {
          frame.kind = Frame::Kind::kComment;
        } else if (token.spelling == "#(") {
          frame.kind = Frame::Kind::kVector;
        } else if (token.spelling == "#u8(") {
          frame.kind = Frame::Kind::kBytevector;
        } else {
          frame.kind = Frame::Kind::kList;
        }
        stack.push_back(std::move(frame));
        break;
      }
      case Token::Kind::kClose: {
        ETA_ASSIGN_OR_RETURN(auto done, Close(&stack, token));
        if (done.has_value()) return done;
        break;
      }
      case Token::Kind::kDot:
        ETA_RETURN_IF_ERROR(Dot(&stack, token));
        break;
      case Token::Kind::kDatum: {
        ETA_ASSIGN_OR_RETURN(auto done, Feed(&stack, token.datum));
        if (done.has_value()) return done;
        break;
      }
    }
  }
}

absl::Status ReaderImpl::EndInside(const Frame& frame) const {
  switch (frame.kind) {
    case Frame::Kind::kList:
      return ErrorAt(frame.location,
                     absl::StrCat("unclosed list: input ended before '",
                                  frame.spelling == "[" ? "]" : ")", "'"));
    case Frame::Kind::kVector:
      return ErrorAt(frame.location, "unclosed vector: input ended before ')'");
    case Frame::Kind::kBytevector:
      return ErrorAt(frame.location,
                     "unclosed bytevector: input ended before ')'");
    case Frame::Kind::kAbbreviation:
    case Frame::Kind::kComment:
      break;
  }
  return ErrorAt(frame.location,
                 absl::StrCat("expected a datum after ", Piece(frame.spelling),
                              " but the input ended"));
}

absl::StatusOr<std::optional<DatumPtr>> ReaderImpl::Close(
    std::vector<Frame>* stack, const Token& token) {
  if (stack->empty()) {
    return ErrorAt(token.location,
                   absl::StrCat("unexpected '", Piece(token.spelling), "'"));
  }
  Frame& frame = stack->back();
  if (frame.kind == Frame::Kind::kAbbreviation ||
      frame.kind == Frame::Kind::kComment) {
    return ErrorAt(
        token.location,
        absl::StrCat("expected a datum after ", Piece(frame.spelling),
                     " but found '", Piece(token.spelling), "'"));
  }
  std::string_view expected = frame.spelling == "[" ? "]" : ")";
  if (token.spelling != expected) {
    return ErrorAt(token.location,
                   absl::StrCat("expected '", Piece(expected), "' to close '",
                                Piece(frame.spelling), "' but found '",
                                Piece(token.spelling), "'"));
  }
  if (frame.dot == Frame::Dot::kAwaitingTail) {
    return ErrorAt(token.location,
                   absl::StrCat("bad dotted list: expected a datum after '.' "
                                "but found '",
                                Piece(token.spelling), "'"));
  }
  DatumPtr datum;
  if (frame.kind == Frame::Kind::kVector) {
    datum = MakeVector(std::move(frame.items), frame.location);
  } else if (frame.kind == Frame::Kind::kBytevector) {
    datum = MakeBytevector(std::move(frame.bytes), frame.location);
  } else {
    DatumPtr list =
        frame.tail ? std::move(frame.tail) : MakeNil(frame.location);
    // The first pair sits at the bracket; each later pair at its element.
    for (size_t i = frame.items.size(); i-- > 0;) {
      const SourceLocation& at =
          i == 0 ? frame.location : frame.items[i]->location;
      list = MakePair(std::move(frame.items[i]), std::move(list), at);
    }
    datum = std::move(list);
  }
  stack->pop_back();
  return Feed(stack, std::move(datum));
}

absl::Status ReaderImpl::Dot(std::vector<Frame>* stack, const Token& token) {
  if (stack->empty() || stack->back().kind != Frame::Kind::kList) {
    return ErrorAt(token.location, "unexpected '.'");
  }
  Frame& frame = stack->back();
  if (frame.items.empty()) {
    return ErrorAt(token.location, "bad dotted list: no datum before '.'");
  }
  if (frame.dot != Frame::Dot::kNone) {
    return ErrorAt(token.location, "bad dotted list: more than one '.'");
  }
  frame.dot = Frame::Dot::kAwaitingTail;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<DatumPtr>> ReaderImpl::Feed(
    std::vector<Frame>* stack, DatumPtr datum) {
  while (!stack->empty()) {
    Frame& frame = stack->back();
    switch (frame.kind) {
      case Frame::Kind::kAbbreviation: {
        SourceLocation at = frame.location;
        DatumPtr name = MakeSymbol(frame.symbol, at);
        datum = MakePair(std::move(name),
                         MakePair(std::move(datum), MakeNil(at), at), at);
        stack->pop_back();
        continue;  // the quoted form is itself a datum to feed
      }
      case Frame::Kind::kComment:
        stack->pop_back();
        return std::optional<DatumPtr>();
      case Frame::Kind::kList:
        if (frame.dot == Frame::Dot::kAwaitingTail) {
          frame.tail = std::move(datum);
          frame.dot = Frame::Dot::kHaveTail;
        } else if (frame.dot == Frame::Dot::kHaveTail) {
          return ErrorAt(datum->location,
                         "bad dotted list: more than one datum after '.'");
        } else {
          frame.items.push_back(std::move(datum));
        }
        return std::optional<DatumPtr>();
      case Frame::Kind::kVector:
        frame.items.push_back(std::move(datum));
        return std::optional<DatumPtr>();
      case Frame::Kind::kBytevector:
        if (datum->kind != Datum::Kind::kInteger) {
          return ErrorAt(datum->location,
                         "bytevector element must be an exact integer in "
                         "0..255");
        }
        if (datum->integer < 0 || datum->integer > 255) {
          return ErrorAt(datum->location,
                         absl::StrCat("bytevector element out of range: ",
                                      datum->integer, " (must be 0..255)"));
        }
        frame.bytes.push_back(static_cast<uint8_t>(datum->integer));
        return std::optional<DatumPtr>();
    }
  }
  return std::optional<DatumPtr>(std::move(datum));
}

absl::StatusOr<ReaderImpl::Token> ReaderImpl::NextToken() {
  ETA_RETURN_IF_ERROR(SkipAtmosphere());
  Token token;
  token.location = Here();
  int32_t c = Peek();
  switch (c) {
    case kEnd:
      return token;
    case kInvalid:
      return InvalidUtf8();
    case '(':
    case '[':
    case ')':
    case ']':
      token.kind =
          (c == '(' || c == '[') ? Token::Kind::kOpen : Token::Kind::kClose;
      token.spelling = std::string_view(text_).substr(pos_, 1);
      Advance();
      return token;
    case '\'':
    case '`':
    case ',':
      token.kind = Token::Kind::kAbbreviation;
      if (LookingAt(",@")) {
        token.spelling = ",@";
        token.symbol = "unquote-splicing";
        Advance();
      } else {
        token.spelling = c == '\'' ? "'" : c == '`' ? "`" : ",";
        token.symbol = c == '\''  ? "quote"
                       : c == '`' ? "quasiquote"
                                  : "unquote";
      }
      Advance();
      return token;
    case '"': {
      ETA_ASSIGN_OR_RETURN(std::string text,
                              ReadDelimited(token.location, '"', "string"));
      token.kind = Token::Kind::kDatum;
      token.datum = MakeString(std::move(text), token.location);
      return token;
    }
    case '|': {
      ETA_ASSIGN_OR_RETURN(std::string name,
                              ReadDelimited(token.location, '|', "|symbol|"));
      token.kind = Token::Kind::kDatum;
      token.datum = MakeSymbol(std::move(name), token.location);
      return token;
    }
    case '#':
      return ReadHashSyntax(token.location);
    default:
      return ReadAtom(token.location);
  }
}

absl::Status ReaderImpl::SkipAtmosphere() {
  while (true) {
    int32_t c = Peek();
    if (c == kInvalid) return InvalidUtf8();
    if (IsWhitespace(c)) {
      Advance();
    } else if (c == ';') {
      ETA_RETURN_IF_ERROR(SkipLine());
    } else if (LookingAt("#|")) {
      ETA_RETURN_IF_ERROR(SkipBlockComment());
    } else if (pos_ == 0 && LookingAt("#!")) {
      ETA_RETURN_IF_ERROR(SkipLine());  // shebang
    } else {
      return absl::OkStatus();
    }
  }
}

absl::Status ReaderImpl::SkipLine() {
  while (true) {
    int32_t c = Peek();
    if (c == kEnd || c == '\n') return absl::OkStatus();
    if (c == kInvalid) return InvalidUtf8();
    Advance();
  }
}

absl::Status ReaderImpl::SkipBlockComment() {
  SourceLocation start = Here();
  Advance();
  Advance();
  int depth = 1;
  while (depth > 0) {
    int32_t c = Peek();
    if (c == kEnd) return ErrorAt(start, "unterminated block comment");
    if (c == kInvalid) return InvalidUtf8();
    if (LookingAt("|#")) {
      --depth;
      Advance();
    } else if (LookingAt("#|")) {
      ++depth;
      Advance();
    }
    Advance();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string_view> ReaderImpl::ScanToken() {
  size_t start = pos_;
  while (true) {
    int32_t c = Peek();
    if (IsDelimiter(c)) break;
    if (c == kInvalid) return InvalidUtf8();
    if (c < 0x80 && !IsConstituent(c)) {
      return ErrorAt(Here(),
                     absl::StrCat("unexpected character ", Describe(c)));
    }
    Advance();
  }
  return std::string_view(text_).substr(start, pos_ - start);
}

absl::StatusOr<ReaderImpl::Token> ReaderImpl::ReadAtom(
    const SourceLocation& start) {
  ETA_ASSIGN_OR_RETURN(std::string_view text, ScanToken());
  Token token;
  token.location = start;
  if (text == ".") {
    token.kind = Token::Kind::kDot;
    return token;
  }
  token.kind = Token::Kind::kDatum;
  if (std::optional<ParsedNumber> number = ParseNumber(text)) {
    token.datum = number->is_exact ? MakeInteger(number->integer, start)
                                   : MakeReal(number->real, start);
  } else {
    token.datum = MakeSymbol(std::string(text), start);
  }
  return token;
}

absl::StatusOr<ReaderImpl::Token> ReaderImpl::ReadHashSyntax(
    const SourceLocation& start) {
  Token token;
  token.location = start;
  if (LookingAt("#(") || LookingAt("#u8(")) {
    token.kind = Token::Kind::kOpen;
    token.spelling = LookingAt("#(") ? "#(" : "#u8(";
    for (size_t i = 0; i < token.spelling.size(); ++i) Advance();
    return token;
  }
  if (LookingAt("#;")) {
    token.kind = Token::Kind::kDatumComment;
    token.spelling = "#;";
    Advance();
    Advance();
    return token;
  }
  if (LookingAt("#\\")) {
    token.kind = Token::Kind::kDatum;
    ETA_ASSIGN_OR_RETURN(token.datum, ReadCharacter(start));
    return token;
  }
  ETA_ASSIGN_OR_RETURN(std::string_view text, ScanToken());
  token.kind = Token::Kind::kDatum;
  if (text == "#t" || text == "#true") {
    token.datum = MakeBool(true, start);
  } else if (text == "#f" || text == "#false") {
    token.datum = MakeBool(false, start);
  } else if (std::optional<ParsedNumber> number = ParseNumber(text)) {
    token.datum = number->is_exact ? MakeInteger(number->integer, start)
                                   : MakeReal(number->real, start);
  } else if (text == "#") {
    int32_t c = Peek();
    return ErrorAt(
        start, c == kEnd ? std::string("invalid # syntax")
                         : absl::StrCat("invalid # syntax: #", Describe(c)));
  } else {
    return ErrorAt(start, absl::StrCat("invalid # syntax: ", Piece(text)));
  }
  return token;
}

absl::StatusOr<DatumPtr> ReaderImpl::ReadCharacter(
    const SourceLocation& start) {
  Advance();  // '#'
  Advance();  // '\'
  size_t name_start = pos_;
  size_t first_length = 0;
  int32_t first = PeekAt(pos_, &first_length);
  if (first == kEnd) return ErrorAt(start, "input ended after #\\");
  if (first == kInvalid) return InvalidUtf8();
  Advance();
  while (!IsDelimiter(Peek())) {
    if (Peek() == kInvalid) return InvalidUtf8();
    Advance();
  }
  std::string_view name =
      std::string_view(text_).substr(name_start, pos_ - name_start);
  if (name.size() == first_length) {
    return MakeChar(static_cast<uint32_t>(first), start);
  }
  for (const auto& entry : kCharacterNames) {
    if (name == entry.name) return MakeChar(entry.code, start);
  }
  if (name[0] == 'x' && name.size() <= 9) {
    uint32_t value = 0;
    bool hex = true;
    for (char c : name.substr(1)) {
      int digit = HexValue(c);
      if (digit < 0) hex = false;
      value = value * 16 + (digit < 0 ? 0 : digit);
    }
    if (hex) {
      if (!IsScalarValue(value)) {
        return ErrorAt(start,
                       absl::StrCat("invalid character code #\\", Piece(name)));
      }
      if (Peek() == ';') Advance();
      return MakeChar(value, start);
    }
  }
  return ErrorAt(start,
                 absl::StrCat("unknown character name #\\", Piece(name)));
}

absl::StatusOr<std::string> ReaderImpl::ReadDelimited(
    const SourceLocation& start, char quote, const char* what) {
  Advance();  // the opening quote
  std::string out;
  while (true) {
    int32_t c = Peek();
    if (c == kEnd) return ErrorAt(start, absl::StrCat("unterminated ", what));
    if (c == kInvalid) return InvalidUtf8();
    if (c == quote) {
      Advance();
      return out;
    }
    if (c == '\\') {
      ETA_RETURN_IF_ERROR(ReadEscape(&out, what));
      continue;
    }
    size_t length = 1;
    PeekAt(pos_, &length);
    out.append(text_, pos_, length);
    Advance();
  }
}

absl::Status ReaderImpl::ReadEscape(std::string* out, const char* what) {
  SourceLocation at = Here();
  Advance();  // '\'
  int32_t c = Peek();
  if (c == kEnd) return absl::OkStatus();  // the caller reports the end
  if (c == kInvalid) return InvalidUtf8();
  const char* simple = nullptr;
  switch (c) {
    case 'n':
      simple = "\n";
      break;
    case 't':
      simple = "\t";
      break;
    case 'r':
      simple = "\r";
      break;
    case 'a':
      simple = "\a";
      break;
    case 'b':
      simple = "\b";
      break;
    case '\\':
      simple = "\\";
      break;
    case '"':
      simple = "\"";
      break;
    case '|':
      simple = "|";
      break;
    default:
      break;
  }
  if (simple != nullptr) {
    out->append(simple);
    Advance();
    return absl::OkStatus();
  }
  if (c == '0') {
    out->push_back('\0');
    Advance();
    return absl::OkStatus();
  }
  if (c == 'x') {
    Advance();
    uint32_t value = 0;
    int digits = 0;
    while (HexValue(Peek()) >= 0 && digits <= 8) {
      value = value * 16 + HexValue(Peek());
      ++digits;
      Advance();
    }
    if (digits == 0 || digits > 8 || !IsScalarValue(value)) {
      return ErrorAt(at, absl::StrCat("invalid \\x escape in ", what));
    }
    if (Peek() == ';') Advance();
    AppendUtf8(value, out);
    return absl::OkStatus();
  }
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
    // Line continuation: \ <spaces> <newline> <spaces> are all dropped.
    while (Peek() == ' ' || Peek() == '\t') Advance();
    if (LookingAt("\r\n")) Advance();
    if (Peek() != '\n') {
      return ErrorAt(at, absl::StrCat("invalid line continuation in ", what,
                                      ": expected a newline after \\"));
    }
    Advance();
    while (Peek() == ' ' || Peek() == '\t') Advance();
    return absl::OkStatus();
  }
  std::string shown = (c > 0x20 && c != 0x7f) ? std::string() : Describe(c);
  if (shown.empty()) AppendUtf8(static_cast<uint32_t>(c), &shown);
  return ErrorAt(at, absl::StrCat("invalid escape \\", shown, " in ", what));
}

}  // namespace internal

Reader::Reader(std::string_view text, std::string file_name)
    : impl_(
          std::make_unique<internal::ReaderImpl>(text, std::move(file_name))) {}
Reader::~Reader() = default;
Reader::Reader(Reader&& other) noexcept = default;
Reader& Reader::operator=(Reader&& other) noexcept = default;

absl::StatusOr<std::optional<DatumPtr>> Reader::Next() { return impl_->Next(); }

size_t Reader::Offset() const { return impl_->Offset(); }

absl::StatusOr<std::vector<DatumPtr>> ReadAll(std::string_view text,
                                              std::string file_name) {
  Reader reader(text, std::move(file_name));
  std::vector<DatumPtr> data;
  while (true) {
    ETA_ASSIGN_OR_RETURN(std::optional<DatumPtr> datum, reader.Next());
    if (!datum.has_value()) return data;
    data.push_back(std::move(*datum));
  }
}

}  // namespace eta::compiler
