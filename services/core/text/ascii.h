#pragma once
// ASCII-only case folding for identifiers, URL parts, markup names and words compared in the
// ASCII range. Unlike std::tolower it does not depend on the C locale, and bytes >= 0x80 (UTF-8)
// stay as they are.

#include <string>
#include <string_view>

namespace newsflow::text {

constexpr bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }

constexpr char AsciiLower(char c) { return IsAsciiUpper(c) ? static_cast<char>(c + 32) : c; }

// `s` with its ASCII capitals lowered.
inline std::string ToAsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

constexpr bool HasAsciiUpper(std::string_view s) {
  for (char c : s) {
    if (IsAsciiUpper(c)) return true;
  }
  return false;
}

// True when `a` and `b` have the same bytes up to the case of ASCII letters.
constexpr bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// True when `text` begins with `prefix` up to the case of ASCII letters.
constexpr bool StartsWithIgnoringAsciiCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         EqualsIgnoringAsciiCase(text.substr(0, prefix.size()), prefix);
}

}  // namespace newsflow::text
