#include "vm/printer.h"

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compiler/number_syntax.h"
#include "vm/continuation.h"
#include "vm/function.h"
#include "vm/hash_table.h"
#include "vm/object.h"
#include "vm/port.h"
#include "vm/utf8.h"

namespace eta::vm {
namespace {

constexpr int kMaxDepth = 10000;

const char* CharacterName(uint32_t c) {
  switch (c) {
    case 0: return "nul";
    case 7: return "alarm";
    case 8: return "backspace";
    case 9: return "tab";
    case 10: return "newline";
    case 13: return "return";
    case 27: return "escape";
    case 32: return "space";
    case 127: return "delete";
    default: return nullptr;
  }
}

// IsPrintable says whether a character may be written literally after the
// #\ prefix (the same rule as compiler/datum.cc).
bool IsPrintable(uint32_t c) {
  if (c < 0x20 || c == 0x7f) return false;
  if (c < 0x7f) return true;
  if (c <= 0xa0 || c == 0xad || c == 0x1680 || c == 0x180e) return false;
  if ((c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
      (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfeff) {
    return false;
  }
  if ((c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff9 && c <= 0xfffb)) {
    return false;
  }
  if ((c & 0xfffe) == 0xfffe || c > 0x10ffff) return false;
  return true;
}

bool IsPlainSymbolStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80 ||
         std::string_view("!$%&*/:<=>?^_~").find(c) != std::string_view::npos;
}

bool IsPlainSymbolPart(unsigned char c) {
  return IsPlainSymbolStart(c) || (c >= '0' && c <= '9') ||
         std::string_view("+-.@#").find(c) != std::string_view::npos;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// NeedsBars says whether a symbol named `name` must be written |name| to
// read back as itself: empty names, names with delimiters or whitespace,
// names that read as numbers, and "." are.
bool NeedsBars(std::string_view name) {
  if (name.empty() || name == ".") return true;
  for (size_t i = 1; i < name.size(); ++i) {
    if (!IsPlainSymbolPart(static_cast<unsigned char>(name[i]))) return true;
  }
  unsigned char first = static_cast<unsigned char>(name[0]);
  if (IsPlainSymbolStart(first)) return false;
  if (first != '+' && first != '-' && first != '.') return true;
  // Peculiar identifiers: + - ... ->x +a are symbols; +5 .5 -.5 are not.
  if (name.size() > 1 && IsDigit(name[1])) return true;
  if (name.size() > 2 && name[1] == '.' && IsDigit(name[2])) return true;
  return compiler::ParseNumber(name).has_value();
}

void AppendEscapedChar(uint32_t c, char quote, std::string* out) {
  if (c == static_cast<uint32_t>(quote) || c == '\\') {
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
    AppendUtf8(c, out);
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

void WriteSymbol(std::string_view name, std::string* out) {
  if (!NeedsBars(name)) {
    out->append(name);
    return;
  }
  out->push_back('|');
  std::u32string chars = DecodeUtf8Lenient(name);
  for (char32_t c : chars) AppendEscapedChar(c, '|', out);
  out->push_back('|');
}

// RecordTypeName is a record type's name without surrounding <...>.
std::string RecordTypeName(const RecordType* type) {
  if (!IsSymbol(type->name)) return "record";
  std::string_view name = As<Symbol>(type->name)->name;
  if (name.size() > 2 && name.front() == '<' && name.back() == '>') {
    name = name.substr(1, name.size() - 2);
  }
  return std::string(name);
}

// Printer renders a value with an explicit work list instead of recursion,
// so that no nesting can overflow the C++ stack. Containers being printed are
// kept in `active_`; meeting one again inside itself prints "..." (a cycle).
class Printer {
 public:
  Printer(std::string* out, size_t limit) : out_(out), limit_(limit) {}

  void Run(Value v, bool write) {
    size_t start = out_->size();
    work_.push_back(Work::Print(v, 0, write));
    while (!work_.empty()) {
      if (out_->size() - start > limit_) {
        out_->append("...");
        return;
      }
      Work next = work_.back();
      work_.pop_back();
      switch (next.kind) {
        case Work::kLiteral:
          out_->append(next.literal);
          break;
        case Work::kLeave:
          active_.erase(next.object);
          break;
        case Work::kPrint:
          Print(next.value, next.depth, next.write);
          break;
      }
    }
  }

 private:
  struct Work {
    enum Kind { kPrint, kLiteral, kLeave };
    Kind kind;
    Value value;
    int depth = 0;
    bool write = false;
    const char* literal = nullptr;
    Object* object = nullptr;

    static Work Print(Value v, int depth, bool write) {
      return {kPrint, v, depth, write, nullptr, nullptr};
    }
    static Work Literal(const char* text) {
      return {kLiteral, Value(), 0, false, text, nullptr};
    }
    static Work Leave(Object* o) {
      return {kLeave, Value(), 0, false, nullptr, o};
    }
  };

  void Print(Value v, int depth, bool write) {
    if (depth > kMaxDepth) {
      out_->append("...");
      return;
    }
    switch (v.tag()) {
      case Tag::kUndefined: out_->append("#<undefined>"); return;
      case Tag::kUnspecified: out_->append("#<unspecified>"); return;
      case Tag::kNil: out_->append("()"); return;
      case Tag::kFalse: out_->append("#f"); return;
      case Tag::kTrue: out_->append("#t"); return;
      case Tag::kFixnum: absl::StrAppend(out_, v.AsFixnum()); return;
      case Tag::kFlonum:
        out_->append(compiler::FormatFlonum(v.AsFlonum()));
        return;
      case Tag::kChar:
        if (write) {
          WriteCharacter(v.AsChar(), out_);
        } else {
          AppendUtf8(v.AsChar(), out_);
        }
        return;
      case Tag::kEof: out_->append("#<eof>"); return;
      case Tag::kRaise: out_->append("#<raise>"); return;
      case Tag::kObject: PrintObject(v, depth, write); return;
    }
  }

  // Enter marks a container as being printed and schedules its unmarking;
  // false if it already is (a cycle), after printing "...".
  bool Enter(Object* o) {
    if (!active_.insert(o).second) {
      out_->append("...");
      return false;
    }
    work_.push_back(Work::Leave(o));
    return true;
  }

  // PushItems schedules `items` separated by spaces (pushed in reverse).
  void PushItems(const std::vector<Value>& items, int depth, bool write) {
    size_t count = items.size();
    if (count > limit_) {
      count = limit_;
      work_.push_back(Work::Literal(" ..."));
    }
    for (size_t i = count; i-- > 0;) {
      work_.push_back(Work::Print(items[i], depth + 1, write));
      if (i > 0) work_.push_back(Work::Literal(" "));
    }
  }

  void PrintList(Value v, int depth, bool write) {
    if (!Enter(v.AsObject())) return;
    out_->push_back('(');
    work_.push_back(Work::Literal(")"));
    std::vector<Value> elements;
    Value slow = v;
    while (true) {
      elements.push_back(Car(v));
      v = Cdr(v);
      if (!IsPair(v)) break;
      if (elements.size() % 2 == 0) slow = Cdr(slow);
      // Stop at a cycle in the spine, or past what the limit lets us print.
      if (v.Eq(slow) || elements.size() > limit_) {
        work_.push_back(Work::Literal(" ..."));
        v = Value::Nil();
        break;
      }
    }
    if (!v.IsNil()) {
      work_.push_back(Work::Print(v, depth + 1, write));
      work_.push_back(Work::Literal(" . "));
    }
    PushItems(elements, depth, write);
  }

  void PrintError(ErrorObject* e, int depth, bool write) {
    if (write) {
      out_->append("#<error ");
      work_.push_back(Work::Literal(">"));
    }
    if (IsSymbol(e->kind)) {
      out_->append(As<Symbol>(e->kind)->name);
      out_->append(": ");
    }
    if (!e->payload.IsUndefined()) {
      work_.push_back(Work::Print(e->payload, depth + 1, true));
      return;
    }
    std::vector<Value> irritants;
    Value p = e->irritants;
    for (size_t i = 0; IsPair(p) && i < 10000; ++i, p = Cdr(p)) {
      irritants.push_back(Car(p));
    }
    for (size_t i = irritants.size(); i-- > 0;) {
      work_.push_back(Work::Print(irritants[i], depth + 1, true));
      work_.push_back(Work::Literal(" "));
    }
    if (IsString(e->message)) {
      for (char32_t c : As<String>(e->message)->chars) AppendUtf8(c, out_);
    } else {
      work_.push_back(Work::Print(e->message, depth + 1, false));
    }
  }

  void PrintObject(Value v, int depth, bool write) {
    Object* o = v.AsObject();
    switch (o->type()) {
      case ObjectType::kPair:
        PrintList(v, depth, write);
        return;
      case ObjectType::kString: {
        const std::u32string& chars = static_cast<String*>(o)->chars;
        if (write) {
          WriteStringLiteral(chars, out_);
        } else {
          for (char32_t c : chars) AppendUtf8(c, out_);
        }
        return;
      }
      case ObjectType::kSymbol:
        if (write) {
          WriteSymbol(static_cast<Symbol*>(o)->name, out_);
        } else {
          out_->append(static_cast<Symbol*>(o)->name);
        }
        return;
      case ObjectType::kVector:
        if (!Enter(o)) return;
        out_->append("#(");
        work_.push_back(Work::Literal(")"));
        PushItems(static_cast<Vector*>(o)->items, depth, write);
        return;
      case ObjectType::kBytevector: {
        out_->append("#u8(");
        const auto& bytes = static_cast<Bytevector*>(o)->bytes;
        for (size_t i = 0; i < bytes.size(); ++i) {
          if (i > 0) out_->push_back(' ');
          absl::StrAppend(out_, bytes[i]);
        }
        out_->push_back(')');
        return;
      }
      case ObjectType::kClosure: {
        const Function* f = static_cast<Closure*>(o)->function;
        if (f == nullptr || f->name.empty()) {
          out_->append("#<procedure>");
        } else {
          absl::StrAppend(out_, "#<procedure ", f->name, ">");
        }
        return;
      }
      case ObjectType::kPrimitive:
        absl::StrAppend(out_, "#<procedure ", static_cast<Primitive*>(o)->name,
                        ">");
        return;
      case ObjectType::kContinuation:
        out_->append("#<continuation>");
        return;
      case ObjectType::kBox:
        out_->append("#<box>");
        return;
      case ObjectType::kRecordType:
        absl::StrAppend(out_, "#<record-type ",
                        RecordTypeName(static_cast<RecordType*>(o)), ">");
        return;
      case ObjectType::kRecord: {
        Record* r = static_cast<Record*>(o);
        if (!Enter(o)) return;
        absl::StrAppend(out_, "#<", RecordTypeName(r->type));
        work_.push_back(Work::Literal(">"));
        PushItems(r->fields, depth, write);
        if (!r->fields.empty()) work_.push_back(Work::Literal(" "));
        return;
      }
      case ObjectType::kError:
        if (!Enter(o)) return;
        PrintError(static_cast<ErrorObject*>(o), depth, write);
        return;
      case ObjectType::kValues:
        if (!Enter(o)) return;
        PushItems(static_cast<MultipleValues*>(o)->values, depth, write);
        return;
      case ObjectType::kPort:
        absl::StrAppend(out_, "#<port ", static_cast<Port*>(o)->name, ">");
        return;
      case ObjectType::kHashTable:
        absl::StrAppend(out_, "#<hash-table ",
                        static_cast<HashTable*>(o)->entries.size(), ">");
        return;
      case ObjectType::kPromise:
        out_->append("#<promise>");
        return;
      case ObjectType::kParameter:
        out_->append("#<parameter>");
        return;
      case ObjectType::kForeign:
        out_->append(static_cast<ForeignObject*>(o)->Describe());
        return;
      case ObjectType::kCount:
        break;
    }
    out_->append("#<object>");
  }

  std::string* out_;
  size_t limit_;
  std::vector<Work> work_;
  absl::flat_hash_set<Object*> active_;  // containers being printed
};

}  // namespace

void WriteStringLiteral(std::u32string_view text, std::string* out) {
  out->push_back('"');
  for (char32_t c : text) AppendEscapedChar(c, '"', out);
  out->push_back('"');
}

void PrintValue(Value v, bool write, std::string* out) {
  Printer printer(out, std::numeric_limits<size_t>::max());
  printer.Run(v, write);
}

std::string ValueToString(Value v, bool write) {
  std::string out;
  PrintValue(v, write, &out);
  return out;
}

std::string ValueToShortString(Value v, bool write, size_t limit) {
  std::string out;
  Printer printer(&out, limit);
  printer.Run(v, write);
  return out;
}

}  // namespace eta::vm
