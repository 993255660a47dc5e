// UTF-8 conversion between the VM's strings (Unicode scalar values) and the
// bytes the outside world uses.
#ifndef ETA_VM_UTF8_H_
#define ETA_VM_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace eta::vm {

// kReplacementCharacter is what lenient decoding substitutes for bad bytes.
inline constexpr uint32_t kReplacementCharacter = 0xfffd;

// IsScalarValue tells whether `cp` is a Unicode scalar value (a code point
// that is not a surrogate).
inline bool IsScalarValue(uint32_t cp) {
  return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

// Utf8Length is the number of bytes of the UTF-8 encoding of `cp`.
inline size_t Utf8Length(uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

// WriteUtf8 writes the UTF-8 encoding of the scalar value `cp` at `out`
// (room for Utf8Length(cp) bytes) and returns the end of what it wrote.
inline char* WriteUtf8(uint32_t cp, char* out) {
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xc0 | (cp >> 6));
    *out++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *out++ = static_cast<char>(0xe0 | (cp >> 12));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *out++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    *out++ = static_cast<char>(0xf0 | (cp >> 18));
    *out++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *out++ = static_cast<char>(0x80 | (cp & 0x3f));
  }
  return out;
}

// AppendUtf8 appends the UTF-8 encoding of the scalar value `cp` to `*out`.
void AppendUtf8(uint32_t cp, std::string* out);

// EncodeUtf8 returns the UTF-8 encoding of `chars`.
std::string EncodeUtf8(std::u32string_view chars);

// DecodeUtf8Char decodes the well-formed sequence at `pos` of `text` into
// `*cp` and its byte count `*length`. Returns false when the bytes there are
// not one well-formed sequence (truncated, overlong, surrogate, above
// U+10FFFF, stray continuation byte) or `pos` is at the end.
bool DecodeUtf8Char(std::string_view text, size_t pos, uint32_t* cp,
                    size_t* length);

// DecodeUtf8 decodes all of `text` into `*out` (replacing its contents);
// returns false if `text` is not well-formed UTF-8.
bool DecodeUtf8(std::string_view text, std::u32string* out);

// DecodeUtf8Lenient decodes `text`, replacing each malformed byte with
// U+FFFD.
std::u32string DecodeUtf8Lenient(std::string_view text);

}  // namespace eta::vm

#endif  // ETA_VM_UTF8_H_
