#pragma once
// ASCII-only case folding for identifiers, URL parts and names compared in the ASCII range. Unlike
// std::tolower it does not depend on the C locale, and bytes >= 0x80 (UTF-8) compare as they are.

#include <string_view>

namespace newsflow::text {

constexpr char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

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
