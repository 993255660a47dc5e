// Strings: search, split, join, trim and pad (SRFI-13 argument orders).
#include <string>
#include <vector>

#include "vm/builtins_internal.h"
#include "vm/char_properties.h"

namespace eta::vm::internal {
namespace {

bool CheckString(VM& vm, const char* name, Arguments args, int position) {
  if (IsString(args[position - 1])) return true;
  vm.RaiseTypeError(name, position, "a string", args[position - 1]);
  return false;
}

Value IndexOrFalse(size_t index) {
  return index == std::u32string::npos
             ? Value::False()
             : Value::Fixnum(static_cast<int64_t>(index));
}

// Separator reads a char-or-string argument.
bool Separator(VM& vm, const char* name, Arguments args, int position,
               std::u32string* out) {
  Value v = args[position - 1];
  if (v.IsChar()) {
    *out = std::u32string(1, static_cast<char32_t>(v.AsChar()));
    return true;
  }
  if (IsString(v)) {
    *out = StringChars(v);
    return true;
  }
  vm.RaiseTypeError(name, position, "a string or character", v);
  return false;
}

Value NewString(VM& vm, std::u32string chars) {
  size_t size = chars.size();
  Value s = vm.MakeString(std::move(chars));
  if (!s.IsRaise()) ReportLargeObject(vm, size, sizeof(char32_t));
  return s;
}

enum class Side { kLeft, kRight, kBoth };

Value Trim(VM& vm, Arguments args, const char* name, Side side) {
  if (!CheckString(vm, name, args, 1)) return Value::RaiseMarker();
  const std::u32string& chars = StringChars(args[0]);
  size_t start = 0;
  size_t end = chars.size();
  if (side != Side::kRight) {
    while (start < end && IsWhitespace(chars[start])) ++start;
  }
  if (side != Side::kLeft) {
    while (end > start && IsWhitespace(chars[end - 1])) --end;
  }
  return NewString(vm, chars.substr(start, end - start));
}

Value Pad(VM& vm, Arguments args, const char* name, Side side) {
  if (!CheckString(vm, name, args, 1)) return Value::RaiseMarker();
  auto length = CountArgument(vm, name, args, 2);
  if (!length) return Value::RaiseMarker();
  char32_t fill = U' ';
  if (args.count > 2) {
    if (!args[2].IsChar()) {
      return vm.RaiseTypeError(name, 3, "a character", args[2]);
    }
    fill = static_cast<char32_t>(args[2].AsChar());
  }
  if (!CheckAllocation(vm, *length, sizeof(char32_t))) {
    return Value::RaiseMarker();
  }
  const std::u32string& chars = StringChars(args[0]);
  size_t n = *length;
  std::u32string result;
  if (side == Side::kLeft) {
    // Keep the rightmost n characters, padding on the left.
    if (chars.size() >= n) {
      result = chars.substr(chars.size() - n);
    } else {
      result = std::u32string(n - chars.size(), fill) + chars;
    }
  } else {
    // Keep the leftmost n characters, padding on the right.
    if (chars.size() >= n) {
      result = chars.substr(0, n);
    } else {
      result = chars + std::u32string(n - chars.size(), fill);
    }
  }
  return NewString(vm, std::move(result));
}

}  // namespace

// (%string-index-char s c): index of the first `c` in `s`, or #f.
Value StringIndexChar(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-index", args, 1)) return Value::RaiseMarker();
  if (!args[1].IsChar()) {
    return vm.RaiseTypeError("string-index", 2, "a character or procedure",
                             args[1]);
  }
  return IndexOrFalse(
      StringChars(args[0]).find(static_cast<char32_t>(args[1].AsChar())));
}

// (string-search needle haystack [start])
Value StringSearch(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-search", args, 1) ||
      !CheckString(vm, "string-search", args, 2)) {
    return Value::RaiseMarker();
  }
  const std::u32string& haystack = StringChars(args[1]);
  size_t start = 0;
  if (args.count > 2) {
    auto index =
        IndexArgument(vm, "string-search", args, 3, haystack.size(), true);
    if (!index) return Value::RaiseMarker();
    start = *index;
  }
  return IndexOrFalse(haystack.find(StringChars(args[0]), start));
}

// (string-contains s1 s2): index of s2 in s1.
Value StringContains(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-contains", args, 1) ||
      !CheckString(vm, "string-contains", args, 2)) {
    return Value::RaiseMarker();
  }
  return IndexOrFalse(StringChars(args[0]).find(StringChars(args[1])));
}

// (string-prefix? prefix s)
Value StringPrefixP(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-prefix?", args, 1) ||
      !CheckString(vm, "string-prefix?", args, 2)) {
    return Value::RaiseMarker();
  }
  return Value::Bool(StringChars(args[1]).starts_with(StringChars(args[0])));
}

// (string-suffix? suffix s)
Value StringSuffixP(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-suffix?", args, 1) ||
      !CheckString(vm, "string-suffix?", args, 2)) {
    return Value::RaiseMarker();
  }
  return Value::Bool(StringChars(args[1]).ends_with(StringChars(args[0])));
}

// (string-split s sep): the pieces between occurrences of sep, including
// empty ones: "a,,b" split on "," is ("a" "" "b").
Value StringSplit(VM& vm, Arguments args) {
  if (!CheckString(vm, "string-split", args, 1)) return Value::RaiseMarker();
  std::u32string separator;
  if (!Separator(vm, "string-split", args, 2, &separator)) {
    return Value::RaiseMarker();
  }
  if (separator.empty()) {
    return vm.RaiseRangeError("string-split", 2, "empty separator", args[1]);
  }
  // The argument stays alive and unchanged while the pieces are allocated.
  const std::u32string& text = StringChars(args[0]);
  std::vector<std::pair<size_t, size_t>> pieces;
  size_t start = 0;
  while (true) {
    size_t found = text.find(separator, start);
    if (found == std::u32string::npos) {
      pieces.push_back({start, text.size()});
      break;
    }
    pieces.push_back({start, found});
    start = found + separator.size();
  }
  Rooted list(vm.heap(), Value::Nil());
  Rooted piece(vm.heap(), Value::Nil());
  for (size_t i = pieces.size(); i-- > 0;) {
    piece = NewString(
        vm, text.substr(pieces[i].first, pieces[i].second - pieces[i].first));
    if (piece.get().IsRaise()) return piece;
    Value pair = vm.Cons(piece, list);
    if (pair.IsRaise()) return pair;
    list = pair;
  }
  return list;
}

// (string-join list [sep]), sep a string or character, default " ".
Value StringJoin(VM& vm, Arguments args) {
  std::vector<Value> items;
  if (!ListToVector(args[0], &items)) {
    return vm.RaiseTypeError("string-join", 1, "a list of strings", args[0]);
  }
  std::u32string separator = U" ";
  if (args.count > 1 &&
      !Separator(vm, "string-join", args, 2, &separator)) {
    return Value::RaiseMarker();
  }
  std::u32string result;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!IsString(items[i])) {
      return vm.RaiseTypeError("string-join", 1, "a list of strings", args[0]);
    }
    if (i > 0) result += separator;
    result += StringChars(items[i]);
  }
  return NewString(vm, std::move(result));
}

Value StringTrim(VM& vm, Arguments args) {
  return Trim(vm, args, "string-trim", Side::kLeft);
}
Value StringTrimBoth(VM& vm, Arguments args) {
  return Trim(vm, args, "string-trim-both", Side::kBoth);
}
Value StringTrimLeft(VM& vm, Arguments args) {
  return Trim(vm, args, "string-trim-left", Side::kLeft);
}
Value StringTrimRight(VM& vm, Arguments args) {
  return Trim(vm, args, "string-trim-right", Side::kRight);
}
Value StringPadLeft(VM& vm, Arguments args) {
  return Pad(vm, args, "string-pad-left", Side::kLeft);
}
Value StringPadRight(VM& vm, Arguments args) {
  return Pad(vm, args, "string-pad-right", Side::kRight);
}

}  // namespace eta::vm::internal
