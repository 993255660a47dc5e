// Strings: construction, access, comparison, case and conversion. The
// search, split, join, trim and pad primitives are in
// builtins_string_search.cc.
#include <cstdint>
#include <string>
#include <vector>

#include "vm/builtins.h"
#include "vm/builtins_internal.h"
#include "vm/char_properties.h"
#include "vm/utf8.h"

namespace eta::vm {
namespace {

using internal::StringChars;

bool CheckString(VM& vm, const char* name, Arguments args, int position) {
  if (IsString(args[position - 1])) return true;
  vm.RaiseTypeError(name, position, "a string", args[position - 1]);
  return false;
}

bool CheckChar(VM& vm, const char* name, Arguments args, int position) {
  if (args[position - 1].IsChar()) return true;
  vm.RaiseTypeError(name, position, "a character", args[position - 1]);
  return false;
}

// NewString makes a string, telling the heap about large ones.
Value NewString(VM& vm, std::u32string chars) {
  size_t size = chars.size();
  Value s = vm.MakeString(std::move(chars));
  if (!s.IsRaise()) internal::ReportLargeObject(vm, size, sizeof(char32_t));
  return s;
}

Value StringP(VM& vm, Arguments args) { return Value::Bool(IsString(args[0])); }

Value MakeStringPrimitive(VM& vm, Arguments args) {
  auto count = internal::CountArgument(vm, "make-string", args, 1);
  if (!count) return Value::RaiseMarker();
  uint32_t fill = ' ';
  if (args.count > 1) {
    if (!CheckChar(vm, "make-string", args, 2)) return Value::RaiseMarker();
    fill = args[1].AsChar();
  }
  if (!internal::CheckAllocation(vm, *count, sizeof(char32_t))) {
    return Value::RaiseMarker();
  }
  return NewString(vm, std::u32string(*count, static_cast<char32_t>(fill)));
}

Value StringPrimitive(VM& vm, Arguments args) {
  std::u32string chars;
  for (int i = 0; i < args.count; ++i) {
    if (!CheckChar(vm, "string", args, i + 1)) return Value::RaiseMarker();
    chars.push_back(static_cast<char32_t>(args[i].AsChar()));
  }
  return NewString(vm, std::move(chars));
}

Value StringLength(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-length", args, 1)) return Value::RaiseMarker();
  return Value::Fixnum(static_cast<int64_t>(StringChars(args[0]).size()));
}

Value StringRef(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-ref", args, 1)) return Value::RaiseMarker();
  const std::u32string& chars = StringChars(args[0]);
  auto index =
      internal::IndexArgument(vm, "string-ref", args, 2, chars.size(), false);
  if (!index) return Value::RaiseMarker();
  return Value::Char(chars[*index]);
}

Value StringSet(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-set!", args, 1)) return Value::RaiseMarker();
  if (!vm.CheckMutable("string-set!", 1, "string", args[0])) return Value::RaiseMarker();
  std::u32string& chars = StringChars(args[0]);
  auto index =
      internal::IndexArgument(vm, "string-set!", args, 2, chars.size(), false);
  if (!index) return Value::RaiseMarker();
  if (!CheckChar(vm, "string-set!", args, 3)) return Value::RaiseMarker();
  chars[*index] = static_cast<char32_t>(args[2].AsChar());
  return Value::Unspecified();
}

// Slice returns the characters of string args[0] in the optional range at
// `start_position`, or nullopt after raising.
std::optional<std::u32string> Slice(VM& vm, const char* name, Arguments args,
                                    int start_position) {
  if (!CheckString(vm, name, args, 1)) return std::nullopt;
  const std::u32string& chars = StringChars(args[0]);
  auto range =
      internal::RangeArguments(vm, name, args, start_position, chars.size());
  if (!range) return std::nullopt;
  return chars.substr(range->start, range->end - range->start);
}

Value Substring(VM& vm, Arguments args) {
  auto chars = Slice(vm, "substring", args, 2);
  if (!chars) return Value::RaiseMarker();
  return NewString(vm, std::move(*chars));
}

Value StringCopy(VM& vm, Arguments args) {
  auto chars = Slice(vm, "string-copy", args, 2);
  if (!chars) return Value::RaiseMarker();
  return NewString(vm, std::move(*chars));
}

Value StringAppend(VM& vm, Arguments args) {
  std::u32string chars;
  for (int i = 0; i < args.count; ++i) {
    if (!CheckString(vm, "string-append", args, i + 1)) {
      return Value::RaiseMarker();
    }
    chars += StringChars(args[i]);
  }
  return NewString(vm, std::move(chars));
}

enum class Order { kEqual, kLess, kGreater, kLessEqual, kGreaterEqual };

constexpr const char* kStringNames[] = {"string=?", "string<?", "string>?",
                                        "string<=?", "string>=?"};
constexpr const char* kStringCiNames[] = {
    "string-ci=?", "string-ci<?", "string-ci>?", "string-ci<=?",
    "string-ci>=?"};

std::u32string FoldString(const std::u32string& s) {
  std::u32string folded;
  folded.reserve(s.size());
  for (char32_t c : s) {
    if (c == 0xdf) {  // sharp s folds to "ss"
      folded += U"ss";
    } else {
      folded.push_back(static_cast<char32_t>(FoldCase(c)));
    }
  }
  return folded;
}

template <Order kOrder, bool kFold>
Value StringCompare(VM& vm, Arguments args) {
  const char* name =
      (kFold ? kStringCiNames : kStringNames)[static_cast<int>(kOrder)];
  for (int i = 0; i < args.count; ++i) {
    if (!CheckString(vm, name, args, i + 1)) return Value::RaiseMarker();
  }
  for (int i = 0; i + 1 < args.count; ++i) {
    int c;
    if (kFold) {
      c = FoldString(StringChars(args[i]))
              .compare(FoldString(StringChars(args[i + 1])));
    } else {
      c = StringChars(args[i]).compare(StringChars(args[i + 1]));
    }
    bool ok = false;
    switch (kOrder) {
      case Order::kEqual: ok = c == 0; break;
      case Order::kLess: ok = c < 0; break;
      case Order::kGreater: ok = c > 0; break;
      case Order::kLessEqual: ok = c <= 0; break;
      case Order::kGreaterEqual: ok = c >= 0; break;
    }
    if (!ok) return Value::False();
  }
  return Value::True();
}

Value StringToList(VM& vm, Arguments args) {
  if (!CheckString(vm, "string->list", args, 1)) return Value::RaiseMarker();
  auto range = internal::RangeArguments(vm, "string->list", args, 2,
                                        StringChars(args[0]).size());
  if (!range) return Value::RaiseMarker();
  Rooted list(vm.heap(), Value::Nil());
  for (size_t i = range->end; i-- > range->start;) {
    // Re-read the string each time: it stays alive (it is an argument).
    Value pair =
        vm.Cons(Value::Char(StringChars(args[0])[i]), list);
    if (pair.IsRaise()) return pair;
    list = pair;
  }
  return list;
}

Value ListToString(VM& vm, Arguments args) {
  std::vector<Value> items;
  if (!internal::ListToVector(args[0], &items)) {
    return vm.RaiseTypeError("list->string", 1, "a list of characters",
                             args[0]);
  }
  std::u32string chars;
  chars.reserve(items.size());
  for (Value item : items) {
    if (!item.IsChar()) {
      return vm.RaiseTypeError("list->string", 1, "a list of characters",
                               args[0]);
    }
    chars.push_back(static_cast<char32_t>(item.AsChar()));
  }
  return NewString(vm, std::move(chars));
}

enum class CaseMapping { kUp, kDown, kFold };

template <CaseMapping kMapping>
Value StringCase(VM& vm, Arguments args) {
  static constexpr const char* kNames[] = {"string-upcase", "string-downcase",
                                           "string-foldcase"};
  if (!CheckString(vm, kNames[static_cast<int>(kMapping)], args, 1)) {
    return Value::RaiseMarker();
  }
  const std::u32string& chars = StringChars(args[0]);
  std::u32string result;
  result.reserve(chars.size());
  for (char32_t c : chars) {
    switch (kMapping) {
      case CaseMapping::kUp:
        if (c == 0xdf) {
          result += U"SS";
        } else {
          result.push_back(static_cast<char32_t>(UpCase(c)));
        }
        break;
      case CaseMapping::kDown:
        result.push_back(static_cast<char32_t>(DownCase(c)));
        break;
      case CaseMapping::kFold:
        if (c == 0xdf) {
          result += U"ss";
        } else {
          result.push_back(static_cast<char32_t>(FoldCase(c)));
        }
        break;
    }
  }
  return NewString(vm, std::move(result));
}

Value StringToVector(VM& vm, Arguments args) {
  auto chars = Slice(vm, "string->vector", args, 2);
  if (!chars) return Value::RaiseMarker();
  std::vector<Value> items;
  items.reserve(chars->size());
  for (char32_t c : *chars) items.push_back(Value::Char(c));
  size_t size = items.size();
  Value v = vm.MakeVector(std::move(items));
  if (!v.IsRaise()) internal::ReportLargeObject(vm, size, sizeof(Value));
  return v;
}

Value VectorToString(VM& vm, Arguments args) {
  if (!IsVector(args[0])) {
    return vm.RaiseTypeError("vector->string", 1, "a vector", args[0]);
  }
  const std::vector<Value>& items = As<Vector>(args[0])->items;
  auto range =
      internal::RangeArguments(vm, "vector->string", args, 2, items.size());
  if (!range) return Value::RaiseMarker();
  std::u32string chars;
  for (size_t i = range->start; i < range->end; ++i) {
    if (!items[i].IsChar()) {
      return vm.RaiseTypeError("vector->string", 1, "a vector of characters",
                               args[0]);
    }
    chars.push_back(static_cast<char32_t>(items[i].AsChar()));
  }
  return NewString(vm, std::move(chars));
}

Value StringToUtf8(VM& vm, Arguments args) {
  auto chars = Slice(vm, "string->utf8", args, 2);
  if (!chars) return Value::RaiseMarker();
  std::string bytes = EncodeUtf8(*chars);
  Value b = vm.MakeBytevector(std::vector<uint8_t>(bytes.begin(), bytes.end()));
  if (!b.IsRaise()) internal::ReportLargeObject(vm, bytes.size(), 1);
  return b;
}

Value Utf8ToString(VM& vm, Arguments args) {
  if (!IsBytevector(args[0])) {
    return vm.RaiseTypeError("utf8->string", 1, "a bytevector", args[0]);
  }
  const std::vector<uint8_t>& bytes = As<Bytevector>(args[0])->bytes;
  auto range =
      internal::RangeArguments(vm, "utf8->string", args, 2, bytes.size());
  if (!range) return Value::RaiseMarker();
  std::string_view text(reinterpret_cast<const char*>(bytes.data()) +
                            range->start,
                        range->end - range->start);
  std::u32string chars;
  if (!DecodeUtf8(text, &chars)) {
    return vm.RaiseRangeError("utf8->string", 1, "the bytes are not UTF-8",
                              args[0]);
  }
  return NewString(vm, std::move(chars));
}

Value StringFill(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-fill!", args, 1)) return Value::RaiseMarker();
  if (!vm.CheckMutable("string-fill!", 1, "string", args[0])) return Value::RaiseMarker();
  if (!CheckChar(vm, "string-fill!", args, 2)) return Value::RaiseMarker();
  std::u32string& chars = StringChars(args[0]);
  auto range =
      internal::RangeArguments(vm, "string-fill!", args, 3, chars.size());
  if (!range) return Value::RaiseMarker();
  for (size_t i = range->start; i < range->end; ++i) {
    chars[i] = static_cast<char32_t>(args[1].AsChar());
  }
  return Value::Unspecified();
}

// (string-copy! to at from [start [end]])
Value StringCopyInto(VM& vm, Arguments args) {
  const char* name = "string-copy!";
  if (!CheckString(vm, name, args, 1) || !CheckString(vm, name, args, 3) ||
      !vm.CheckMutable(name, 1, "string", args[0])) {
    return Value::RaiseMarker();
  }
  std::u32string& to = StringChars(args[0]);
  const std::u32string& from = StringChars(args[2]);
  auto at = internal::IndexArgument(vm, name, args, 2, to.size(), true);
  if (!at) return Value::RaiseMarker();
  auto range = internal::RangeArguments(vm, name, args, 4, from.size());
  if (!range) return Value::RaiseMarker();
  size_t count = range->end - range->start;
  if (count > to.size() - *at) {
    return vm.RaiseRangeError(name, 2, "the destination is too short",
                              args[1]);
  }
  std::u32string copy = from.substr(range->start, count);  // may overlap
  to.replace(*at, count, copy);
  return Value::Unspecified();
}

const PrimitiveSpec kStringPrimitives[] = {
    {"string?", 1, 1, StringP},
    {"make-string", 1, 2, MakeStringPrimitive},
    {"string", 0, -1, StringPrimitive},
    {"string-length", 1, 1, StringLength},
    {"string-ref", 2, 2, StringRef},
    {"string-set!", 3, 3, StringSet},
    {"substring", 2, 3, Substring},
    {"string-append", 0, -1, StringAppend},
    {"string-copy", 1, 3, StringCopy},
    {"string=?", 1, -1, StringCompare<Order::kEqual, false>},
    {"string<?", 1, -1, StringCompare<Order::kLess, false>},
    {"string>?", 1, -1, StringCompare<Order::kGreater, false>},
    {"string<=?", 1, -1, StringCompare<Order::kLessEqual, false>},
    {"string>=?", 1, -1, StringCompare<Order::kGreaterEqual, false>},
    {"string-ci=?", 1, -1, StringCompare<Order::kEqual, true>},
    {"string-ci<?", 1, -1, StringCompare<Order::kLess, true>},
    {"string-ci>?", 1, -1, StringCompare<Order::kGreater, true>},
    {"string-ci<=?", 1, -1, StringCompare<Order::kLessEqual, true>},
    {"string-ci>=?", 1, -1, StringCompare<Order::kGreaterEqual, true>},
    {"string->list", 1, 3, StringToList},
    {"list->string", 1, 1, ListToString},
    {"string-upcase", 1, 1, StringCase<CaseMapping::kUp>},
    {"string-downcase", 1, 1, StringCase<CaseMapping::kDown>},
    {"string-foldcase", 1, 1, StringCase<CaseMapping::kFold>},
    {"string->vector", 1, 3, StringToVector},
    {"vector->string", 1, 3, VectorToString},
    {"string->utf8", 1, 3, StringToUtf8},
    {"utf8->string", 1, 3, Utf8ToString},
    {"string-fill!", 2, 4, StringFill},
    {"string-copy!", 3, 5, StringCopyInto},
    {"%string-index-char", 2, 2, internal::StringIndexChar},
    {"string-search", 2, 3, internal::StringSearch},
    {"string-contains", 2, 2, internal::StringContains},
    {"string-prefix?", 2, 2, internal::StringPrefixP},
    {"string-suffix?", 2, 2, internal::StringSuffixP},
    {"string-split", 2, 2, internal::StringSplit},
    {"string-join", 1, 2, internal::StringJoin},
    {"string-trim", 1, 1, internal::StringTrim},
    {"string-trim-both", 1, 1, internal::StringTrimBoth},
    {"string-trim-left", 1, 1, internal::StringTrimLeft},
    {"string-trim-right", 1, 1, internal::StringTrimRight},
    {"string-pad-left", 2, 3, internal::StringPadLeft},
    {"string-pad-right", 2, 3, internal::StringPadRight},
};

}  // namespace

absl::Span<const PrimitiveSpec> StringPrimitives() { return kStringPrimitives; }

}  // namespace eta::vm
