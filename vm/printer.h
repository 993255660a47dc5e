// Printer: the text form of values for display and write (R7RS).
#ifndef ETA_VM_PRINTER_H_
#define ETA_VM_PRINTER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "vm/value.h"

namespace eta::vm {

// PrintValue appends the text of `v` to `*out`: `write` form (strings and
// characters quoted and escaped as the reader reads them, symbols in |...|
// when needed) when `write`, else `display` form. Never recurses along list
// spines; nesting deeper than 10000 prints "...", and a cyclic structure
// prints "..." where it would repeat itself, so printing always terminates.
void PrintValue(Value v, bool write, std::string* out);

// ValueToString returns what PrintValue would append.
std::string ValueToString(Value v, bool write);

// ValueToShortString is ValueToString, but stops with "..." once about
// `limit` bytes are printed (for error messages about huge values).
std::string ValueToShortString(Value v, bool write, size_t limit = 200);

// WriteStringLiteral appends the characters `text` as a string literal
// "..." with the reader's escapes.
void WriteStringLiteral(std::u32string_view text, std::string* out);

}  // namespace eta::vm

#endif  // ETA_VM_PRINTER_H_
