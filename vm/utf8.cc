#include "vm/utf8.h"

namespace eta::vm {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
    return;
  }
  char buffer[4];
  out->append(buffer, WriteUtf8(cp, buffer));
}

std::string EncodeUtf8(std::u32string_view chars) {
  std::string out;
  out.reserve(chars.size());
  for (char32_t c : chars) AppendUtf8(static_cast<uint32_t>(c), &out);
  return out;
}

bool DecodeUtf8Char(std::string_view text, size_t pos, uint32_t* cp,
                    size_t* length) {
  if (pos >= text.size()) return false;
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[pos + i]);
  };
  unsigned char lead = byte(0);
  if (lead < 0x80) {
    *cp = lead;
    *length = 1;
    return true;
  }
  size_t count;
  uint32_t value;
  uint32_t minimum;
  if (lead >= 0xc2 && lead <= 0xdf) {
    count = 2;
    value = lead & 0x1f;
    minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    count = 3;
    value = lead & 0x0f;
    minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    count = 4;
    value = lead & 0x07;
    minimum = 0x10000;
  } else {
    return false;  // continuation byte, overlong 2-byte lead, or > U+10FFFF
  }
  if (text.size() - pos < count) return false;
  for (size_t i = 1; i < count; ++i) {
    unsigned char b = byte(i);
    if ((b & 0xc0) != 0x80) return false;
    value = (value << 6) | (b & 0x3f);
  }
  if (value < minimum || !IsScalarValue(value)) return false;
  *cp = value;
  *length = count;
  return true;
}

bool DecodeUtf8(std::string_view text, std::u32string* out) {
  out->clear();
  out->reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t cp;
    size_t length;
    if (!DecodeUtf8Char(text, pos, &cp, &length)) return false;
    out->push_back(static_cast<char32_t>(cp));
    pos += length;
  }
  return true;
}

std::u32string DecodeUtf8Lenient(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t cp;
    size_t length;
    if (DecodeUtf8Char(text, pos, &cp, &length)) {
      out.push_back(static_cast<char32_t>(cp));
      pos += length;
    } else {
      out.push_back(static_cast<char32_t>(kReplacementCharacter));
      ++pos;
    }
  }
  return out;
}

}  // namespace eta::vm
