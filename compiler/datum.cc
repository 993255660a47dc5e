#include "compiler/datum.h"

#include <cstdio>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compiler/number_syntax.h"
#include "compiler/reader.h"

namespace eta::compiler {
namespace {

// DatumDeleter frees a datum without recursing once per pair: shared_ptr's
// default deleter would destroy a million-element list (or a deeply nested
// one) with a million nested destructor calls and overflow the stack. The
// outermost deleter on a thread drains a work list of children; deleters it
// triggers only move their children onto that list. The list lives on the
// outermost deleter's stack and is reached through a trivially destructible
// thread_local pointer, so data freed during static destruction still work.
struct DatumDeleter {
  void operator()(Datum* datum) const {
    thread_local std::vector<DatumPtr>* active = nullptr;
    std::vector<DatumPtr> local;
    std::vector<DatumPtr>* pending = active != nullptr ? active : &local;
    if (datum->car) pending->push_back(std::move(datum->car));
    if (datum->cdr) pending->push_back(std::move(datum->cdr));
    for (DatumPtr& item : datum->items) {
      if (item) pending->push_back(std::move(item));
    }
    delete datum;
    if (pending != &local) return;
    active = &local;
    while (!local.empty()) {
      DatumPtr next = std::move(local.back());
      local.pop_back();
      next.reset();
    }
    active = nullptr;
  }
};

std::shared_ptr<Datum> NewDatum(Datum::Kind kind,
                                const SourceLocation& location) {
  std::shared_ptr<Datum> datum(new Datum, DatumDeleter());
  datum->kind = kind;
  datum->location = location;
  return datum;
}

const char* CharacterName(uint32_t c) {
  switch (c) {
    case 0:
      return "nul";
    case 7:
      return "alarm";
    case 8:
      return "backspace";
    case 9:
      return "tab";
    case 10:
      return "newline";
    case 13:
      return "return";
    case 27:
      return "escape";
    case 32:
      return "space";
    case 127:
      return "delete";
    default:
      return nullptr;
  }
}

// IsPrintable says whether a character may be written literally after #\ .
bool IsPrintable(uint32_t c) {
  if (c < 0x20 || c == 0x7f) return false;
  if (c < 0x7f) return true;
  if (c <= 0xa0 || c == 0xad || c == 0x1680 || c == 0x180e) return false;
  if ((c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
      (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfeff) {
    return false;
  }
  if ((c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff9 && c <= 0xfffb)) {
    return false;  // surrogates, private use, interlinear annotations
  }
  if ((c & 0xfffe) == 0xfffe || c > 0x10ffff) return false;  // noncharacters
  return true;
}

bool IsPlainSymbolStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!$%&*/:<=>?^_~").find(c) != std::string_view::npos;
}

bool IsPlainSymbolPart(char c) {
  return IsPlainSymbolStart(c) || (c >= '0' && c <= '9') ||
         std::string_view("+-.@#").find(c) != std::string_view::npos;
}

// NeedsBars says whether `name` must be written as |name| to read back as
// the same symbol. Names made only of ASCII letters, digits and the
// extended characters, starting with a character no number starts with,
// are plain; anything else is checked by reading it.
bool NeedsBars(const std::string& name) {
  if (name.empty()) return true;
  bool plain = IsPlainSymbolStart(name[0]);
  for (size_t i = 1; plain && i < name.size(); ++i) {
    plain = IsPlainSymbolPart(name[i]);
  }
  if (plain) return false;
  Reader reader(name, "");
  auto first = reader.Next();
  if (!first.ok() || !first->has_value()) return true;
  const Datum& datum = ***first;
  if (!datum.IsSymbol() || datum.text != name) return true;
  if (reader.Offset() != name.size()) return true;
  auto second = reader.Next();
  return !second.ok() || second->has_value();
}

// AppendEscaped writes `text` escaped for a "string" or |symbol| whose
// delimiter is `quote`.
void AppendEscaped(std::string_view text, char quote, std::string* out) {
  for (unsigned char c : text) {
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(out, "\\x%x;", c);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

void WriteCharacter(uint32_t c, std::string* out) {
  out->append("#\\");
  if (const char* name = CharacterName(c)) {
    out->append(name);
  } else if (IsPrintable(c)) {
    AppendUtf8(c, out);
  } else {
    absl::StrAppendFormat(out, "x%x", c);
  }
}

// WriteAtom writes every kind of datum except pairs and vectors.
void WriteAtom(const Datum& datum, std::string* out) {
  switch (datum.kind) {
    case Datum::Kind::kNil:
      out->append("()");
      break;
    case Datum::Kind::kBool:
      out->append(datum.boolean ? "#t" : "#f");
      break;
    case Datum::Kind::kInteger:
      absl::StrAppend(out, datum.integer);
      break;
    case Datum::Kind::kReal:
      out->append(FormatFlonum(datum.real));
      break;
    case Datum::Kind::kChar:
      WriteCharacter(datum.character, out);
      break;
    case Datum::Kind::kString:
      out->push_back('"');
      AppendEscaped(datum.text, '"', out);
      out->push_back('"');
      break;
    case Datum::Kind::kSymbol:
      if (NeedsBars(datum.text)) {
        out->push_back('|');
        AppendEscaped(datum.text, '|', out);
        out->push_back('|');
      } else {
        out->append(datum.text);
      }
      break;
    case Datum::Kind::kBytevector: {
      out->append("#u8(");
      for (size_t i = 0; i < datum.bytes.size(); ++i) {
        if (i > 0) out->push_back(' ');
        absl::StrAppend(out, datum.bytes[i]);
      }
      out->push_back(')');
      break;
    }
    case Datum::Kind::kPair:
    case Datum::Kind::kVector:
      break;  // WriteDatum handles these without recursion.
  }
}

}  // namespace

const std::string& SourceLocation::FileName() const {
  static const std::string* const kUnknown = new std::string("<unknown>");
  return file ? *file : *kUnknown;
}

std::string SourceLocation::ToString() const {
  return absl::StrCat(FileName(), ":", line, ":", column);
}

DatumPtr MakeNil(const SourceLocation& location) {
  return NewDatum(Datum::Kind::kNil, location);
}

DatumPtr MakeBool(bool value, const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kBool, location);
  datum->boolean = value;
  return datum;
}

DatumPtr MakeInteger(int64_t value, const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kInteger, location);
  datum->integer = value;
  return datum;
}

DatumPtr MakeReal(double value, const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kReal, location);
  datum->real = value;
  return datum;
}

DatumPtr MakeChar(uint32_t value, const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kChar, location);
  datum->character = value;
  return datum;
}

DatumPtr MakeString(std::string utf8, const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kString, location);
  datum->text = std::move(utf8);
  return datum;
}

DatumPtr MakeSymbol(std::string name, const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kSymbol, location);
  datum->text = std::move(name);
  return datum;
}

DatumPtr MakeInternalSymbol(std::string name, const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kSymbol, location);
  datum->text = std::move(name);
  datum->internal = true;
  return datum;
}

DatumPtr MakePair(DatumPtr car, DatumPtr cdr, const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kPair, location);
  datum->car = std::move(car);
  datum->cdr = std::move(cdr);
  return datum;
}

DatumPtr MakeVector(std::vector<DatumPtr> items,
                    const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kVector, location);
  datum->items = std::move(items);
  return datum;
}

DatumPtr MakeBytevector(std::vector<uint8_t> bytes,
                        const SourceLocation& location) {
  auto datum = NewDatum(Datum::Kind::kBytevector, location);
  datum->bytes = std::move(bytes);
  return datum;
}

DatumPtr MakeList(const std::vector<DatumPtr>& items,
                  const SourceLocation& location) {
  DatumPtr list = MakeNil(location);
  for (size_t i = items.size(); i-- > 0;) {
    list = MakePair(items[i], std::move(list), location);
  }
  return list;
}

bool ListToVector(const DatumPtr& list, std::vector<DatumPtr>* out) {
  const Datum* p = list.get();
  while (p != nullptr && p->kind == Datum::Kind::kPair) {
    out->push_back(p->car);
    p = p->cdr.get();
  }
  return p != nullptr && p->kind == Datum::Kind::kNil;
}

std::string WriteDatum(const Datum& datum) {
  // An explicit work list instead of recursion, so that deep nesting cannot
  // overflow the C++ stack. Each entry is a datum to write or a literal.
  struct Work {
    const Datum* datum;
    const char* literal;
  };
  std::string out;
  std::vector<Work> work = {{&datum, nullptr}};
  std::vector<const Datum*> elements;
  while (!work.empty()) {
    Work next = work.back();
    work.pop_back();
    if (next.literal != nullptr) {
      out.append(next.literal);
      continue;
    }
    const Datum* d = next.datum;
    if (d == nullptr) {
      out.append("#<null>");
      continue;
    }
    if (d->kind != Datum::Kind::kPair && d->kind != Datum::Kind::kVector) {
      WriteAtom(*d, &out);
      continue;
    }
    elements.clear();
    work.push_back({nullptr, ")"});
    if (d->kind == Datum::Kind::kVector) {
      out.append("#(");
      for (const DatumPtr& item : d->items) elements.push_back(item.get());
    } else {
      out.push_back('(');
      const Datum* p = d;
      while (p != nullptr && p->kind == Datum::Kind::kPair) {
        elements.push_back(p->car.get());
        p = p->cdr.get();
      }
      if (p != nullptr && p->kind != Datum::Kind::kNil) {
        work.push_back({p, nullptr});
        work.push_back({nullptr, " . "});
      }
    }
    for (size_t i = elements.size(); i-- > 0;) {
      work.push_back({elements[i], nullptr});
      if (i > 0) work.push_back({nullptr, " "});
    }
  }
  return out;
}

}  // namespace eta::compiler
