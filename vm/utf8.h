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
