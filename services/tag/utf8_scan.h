#pragma once

// Small UTF-8 helpers shared by the KB matcher and the rules scanner. They never read outside
// the given string_view and treat every invalid byte as a one-byte code point U+FFFD, so
// scanners stay safe on arbitrary bytes.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace newsflow::tag::utf8 {

inline constexpr char32_t kInvalid = 0xFFFD;

// Decodes the code point starting at byte `pos` (< text.size()); *len receives its byte length.
inline char32_t DecodeAt(std::string_view text, size_t pos, size_t* len) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const unsigned char c = s[pos];
  *len = 1;
  if (c < 0x80) return c;
  size_t need;
  char32_t cp;
  char32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3, cp = c & 0x07, min = 0x10000;
  } else {
    return kInvalid;
  }
  if (pos + need >= n) return kInvalid;  // truncated sequence
  for (size_t i = 1; i <= need; ++i) {
    const unsigned char cc = s[pos + i];
    if ((cc & 0xC0) != 0x80) return kInvalid;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kInvalid;
  *len = need + 1;
  return cp;
}

// Decodes the code point that ends at byte `pos` (> 0); *len receives its byte length.
inline char32_t DecodeBefore(std::string_view text, size_t pos, size_t* len) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t start = pos - 1;
  // Step back over at most three continuation bytes to a plausible lead byte.
  for (int i = 0; i < 3 && start > 0 && (s[start] & 0xC0) == 0x80; ++i) --start;
  size_t l = 0;
  const char32_t cp = DecodeAt(text, start, &l);
  if (start + l == pos) {
    *len = l;
    return cp;
  }
  *len = 1;
  return kInvalid;
}

// Han ideographs, CJK punctuation, kana, Hangul, full-width forms: scripts written without
// spaces, where a word boundary can be anywhere.
inline bool IsCjk(char32_t cp) {
  return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xA960 && cp <= 0xA97F) ||
         (cp >= 0xAC00 && cp <= 0xD7FF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF);
}

inline bool IsAsciiAlnum(char32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

// A letter, digit or combining mark of a script written with spaces between words: such a
// neighbour means a Latin alias is inside a longer word.
inline bool IsSpacedWordChar(char32_t cp) {
  if (cp < 0x80) return IsAsciiAlnum(cp) || cp == '_';
  if (cp == 0xD7 || cp == 0xF7) return false;  // × ÷
  return (cp >= 0xC0 && cp <= 0x24F) ||        // Latin-1 letters, Latin Extended-A/B
         (cp >= 0x300 && cp <= 0x36F) ||       // combining diacritics
         (cp >= 0x370 && cp <= 0x52F) ||       // Greek, Cyrillic
         (cp >= 0x1E00 && cp <= 0x1EFF);       // Latin Extended Additional
}

}  // namespace newsflow::tag::utf8
