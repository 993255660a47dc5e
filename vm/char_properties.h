// Character properties and case mappings, independent of the C locale.
// Exact for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic; other
// scripts are covered by coarse letter and digit ranges.
#ifndef ETA_VM_CHAR_PROPERTIES_H_
#define ETA_VM_CHAR_PROPERTIES_H_

#include <cstdint>

namespace eta::vm {

// IsUpperCase tells whether `c` is an uppercase letter.
bool IsUpperCase(uint32_t c);
// IsLowerCase tells whether `c` is a lowercase letter.
bool IsLowerCase(uint32_t c);
// IsAlphabetic tells whether `c` is a letter.
bool IsAlphabetic(uint32_t c);
// IsWhitespace tells whether `c` has the Unicode White_Space property.
bool IsWhitespace(uint32_t c);
// DigitValue returns the value 0-9 of a decimal digit (any script's), or -1.
int DigitValue(uint32_t c);
// UpCase, DownCase and FoldCase map one character (simple case mappings);
// characters without a mapping map to themselves.
uint32_t UpCase(uint32_t c);
uint32_t DownCase(uint32_t c);
uint32_t FoldCase(uint32_t c);

}  // namespace eta::vm

#endif  // ETA_VM_CHAR_PROPERTIES_H_
