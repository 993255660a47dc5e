#include "vm/char_properties.h"

namespace eta::vm {
namespace {

// Latin Extended-A (U+0100..U+017F) pairs case letters as (upper, lower)
// at (even, odd) code points, except in U+0139..U+0148 and U+0179..U+017E
// where the upper letter is at the odd code point. U+0138, U+0149 and
// U+017F have no pair.
bool InLatinExtendedA(uint32_t c) { return c >= 0x100 && c <= 0x17f; }

bool LatinExtendedAUpperIsOdd(uint32_t c) {
  return (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e);
}

bool LatinExtendedAHasPair(uint32_t c) {
  return c != 0x138 && c != 0x149 && c != 0x17f && c != 0x178;
}

bool LatinExtendedAIsUpper(uint32_t c) {
  if (c == 0x178) return true;
  if (!LatinExtendedAHasPair(c)) return false;
  return LatinExtendedAUpperIsOdd(c) ? (c & 1) == 1 : (c & 1) == 0;
}

bool IsGreekUpper(uint32_t c) {
  return c == 0x386 || (c >= 0x388 && c <= 0x38a) || c == 0x38c ||
         c == 0x38e || c == 0x38f || (c >= 0x391 && c <= 0x3ab && c != 0x3a2);
}

bool IsGreekLower(uint32_t c) {
  return c == 0x390 || (c >= 0x3ac && c <= 0x3ce);
}

bool InRange(uint32_t c, uint32_t low, uint32_t high) {
  return c >= low && c <= high;
}

// Start code points of decimal digit runs 0-9 in scripts other than ASCII.
constexpr uint32_t kDigitZeros[] = {
    0x660,  0x6f0,  0x7c0,  0x966,  0x9e6,  0xa66,  0xae6,  0xb66,
    0xbe6,  0xc66,  0xce6,  0xd66,  0xde6,  0xe50,  0xed0,  0xf20,
    0x1040, 0x1090, 0x17e0, 0x1810, 0xff10,
};

}  // namespace

bool IsUpperCase(uint32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  if (c < 0x100) return c >= 0xc0 && c <= 0xde && c != 0xd7;
  if (InLatinExtendedA(c)) return LatinExtendedAIsUpper(c);
  if (InRange(c, 0x370, 0x3ff)) return IsGreekUpper(c);
  if (InRange(c, 0x400, 0x42f)) return true;
  if (InRange(c, 0x460, 0x481) || InRange(c, 0x48a, 0x4bf) ||
      InRange(c, 0x4d0, 0x52f)) {
    return (c & 1) == 0;
  }
  if (InRange(c, 0xff21, 0xff3a)) return true;  // fullwidth A-Z
  return false;
}

bool IsLowerCase(uint32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z';
  if (c < 0x100) {
    return c == 0xaa || c == 0xb5 || c == 0xba || (c >= 0xdf && c != 0xf7);
  }
  if (InLatinExtendedA(c)) {
    return c == 0x138 || c == 0x149 || c == 0x17f ||
           (c != 0x178 && !LatinExtendedAIsUpper(c));
  }
  if (InRange(c, 0x370, 0x3ff)) return IsGreekLower(c);
  if (InRange(c, 0x430, 0x45f)) return true;
  if (InRange(c, 0x460, 0x481) || InRange(c, 0x48a, 0x4bf) ||
      InRange(c, 0x4d0, 0x52f)) {
    return (c & 1) == 1;
  }
  if (InRange(c, 0xff41, 0xff5a)) return true;  // fullwidth a-z
  return false;
}

bool IsAlphabetic(uint32_t c) {
  if (c < 0x80) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }
  if (IsUpperCase(c) || IsLowerCase(c)) return true;
  return InRange(c, 0x180, 0x24f) ||   // Latin Extended-B
         InRange(c, 0x250, 0x2af) ||   // IPA
         InRange(c, 0x3d0, 0x3ff) ||   // Greek symbols and Coptic letters
         InRange(c, 0x400, 0x481) || InRange(c, 0x48a, 0x52f) ||  // Cyrillic
         InRange(c, 0x531, 0x556) || InRange(c, 0x561, 0x587) ||  // Armenian
         InRange(c, 0x5d0, 0x5ea) ||   // Hebrew
         InRange(c, 0x620, 0x64a) ||   // Arabic
         InRange(c, 0x904, 0x939) ||   // Devanagari
         InRange(c, 0xe01, 0xe30) ||   // Thai
         InRange(c, 0x10a0, 0x10ff) ||  // Georgian
         InRange(c, 0x1100, 0x11ff) ||  // Hangul Jamo
         InRange(c, 0x1e00, 0x1fff) ||  // Latin Extended Additional, Greek
         InRange(c, 0x3041, 0x3096) ||  // Hiragana
         InRange(c, 0x30a1, 0x30fa) ||  // Katakana
         InRange(c, 0x3400, 0x4dbf) ||  // CJK Extension A
         InRange(c, 0x4e00, 0x9fff) ||  // CJK Unified Ideographs
         InRange(c, 0xac00, 0xd7a3) ||  // Hangul syllables
         InRange(c, 0xf900, 0xfaff) ||  // CJK compatibility
         InRange(c, 0x20000, 0x2fa1f);  // CJK Extensions B-F
}

bool IsWhitespace(uint32_t c) {
  return c == ' ' || (c >= 0x9 && c <= 0xd) || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || InRange(c, 0x2000, 0x200a) || c == 0x2028 ||
         c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

int DigitValue(uint32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c < 0x660) return -1;
  for (uint32_t zero : kDigitZeros) {
    if (c >= zero && c <= zero + 9) return static_cast<int>(c - zero);
  }
  return -1;
}

uint32_t UpCase(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c < 0x100) {
    if (c == 0xb5) return 0x39c;
    if (c == 0xff) return 0x178;
    if (c >= 0xe0 && c <= 0xfe && c != 0xf7) return c - 32;
    return c;
  }
  if (InLatinExtendedA(c)) {
    if (c == 0x17f) return 'S';
    if (c == 0x131) return 'I';
    if (!LatinExtendedAHasPair(c) || LatinExtendedAIsUpper(c)) return c;
    return c - 1;  // the upper letter precedes its lower pair
  }
  if (InRange(c, 0x370, 0x3ff)) {
    if (c == 0x3c2) return 0x3a3;
    if (InRange(c, 0x3b1, 0x3cb)) return c - 32;
    if (c == 0x3ac) return 0x386;
    if (InRange(c, 0x3ad, 0x3af)) return c - 37;
    if (c == 0x3cc) return 0x38c;
    if (c == 0x3cd || c == 0x3ce) return c - 63;
    return c;
  }
  if (InRange(c, 0x430, 0x44f)) return c - 32;
  if (InRange(c, 0x450, 0x45f)) return c - 80;
  if (InRange(c, 0x460, 0x481) || InRange(c, 0x48a, 0x4bf) ||
      InRange(c, 0x4d0, 0x52f)) {
    return (c & 1) ? c - 1 : c;
  }
  if (InRange(c, 0xff41, 0xff5a)) return c - 32;
  return c;
}

uint32_t DownCase(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c < 0x100) {
    return (c >= 0xc0 && c <= 0xde && c != 0xd7) ? c + 32 : c;
  }
  if (InLatinExtendedA(c)) {
    if (c == 0x178) return 0xff;
    if (c == 0x130) return 'i';
    if (!LatinExtendedAIsUpper(c)) return c;
    return c + 1;
  }
  if (InRange(c, 0x370, 0x3ff)) {
    if (InRange(c, 0x391, 0x3ab) && c != 0x3a2) return c + 32;
    if (c == 0x386) return 0x3ac;
    if (InRange(c, 0x388, 0x38a)) return c + 37;
    if (c == 0x38c) return 0x3cc;
    if (c == 0x38e || c == 0x38f) return c + 63;
    return c;
  }
  if (InRange(c, 0x410, 0x42f)) return c + 32;
  if (InRange(c, 0x400, 0x40f)) return c + 80;
  if (InRange(c, 0x460, 0x481) || InRange(c, 0x48a, 0x4bf) ||
      InRange(c, 0x4d0, 0x52f)) {
    return (c & 1) ? c : c + 1;
  }
  if (InRange(c, 0xff21, 0xff3a)) return c + 32;
  return c;
}

uint32_t FoldCase(uint32_t c) {
  if (c == 0xb5) return 0x3bc;
  if (c == 0x17f) return 's';
  if (c == 0x3c2) return 0x3c3;
  return DownCase(c);
}

}  // namespace eta::vm
