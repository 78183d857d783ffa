#pragma once

// Character-set detection and conversion of feed documents to UTF-8.

#include <string>
#include <string_view>

namespace newsflow::feed {

struct DecodedDocument {
  std::string utf8;      // the document as valid UTF-8, without a byte order mark
  std::string encoding;  // the encoding actually used, lower case ("utf-8", "windows-1252", ...)
  // Set when the declared encoding could not be used (unknown name, bytes invalid in it) or no
  // declaration fitted the bytes, so a fallback decided: the feed is "bozo".
  bool fallback_used = false;
  std::string note;  // why the fallback was needed; empty otherwise
};

// The charset parameter of an HTTP Content-Type value, lower case, or "" when absent.
std::string CharsetFromContentType(std::string_view content_type);

// Decodes a feed document. Candidates in order: byte order mark (UTF-8/16/32), the charset of
// `content_type` (RFC 7303: the HTTP header wins over the XML declaration), the encoding of the
// XML declaration, UTF-8. The first candidate that decodes the bytes without error is used;
// documents labelled ISO-8859-1/US-ASCII/windows-1252 that are valid UTF-8 with multi-byte
// sequences are read as UTF-8 (a common mislabel). When nothing fits, windows-1252 is used, which
// maps every byte (undefined bytes become the C1 control of the same value, as in WHATWG).
// Other encodings are converted by ICU. Never fails.
DecodedDocument DecodeToUtf8(std::string_view bytes, std::string_view content_type);

// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

// Windows-1252 to UTF-8 (total: every byte maps to one code point).
std::string Windows1252ToUtf8(std::string_view bytes);

}  // namespace newsflow::feed
