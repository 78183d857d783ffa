#include "services/ingest/feed/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "services/core/text/ascii.h"
#include "services/ingest/feed/html_text.h"

namespace newsflow::feed {
namespace {

constexpr std::array<uint16_t, 32> kCp1252High = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

bool IsSingleByteLatin(std::string_view name) {
  return name == "iso-8859-1" || name == "latin1" || name == "latin-1" || name == "us-ascii" ||
         name == "ascii" || name == "windows-1252" || name == "cp1252" || name == "iso8859-1" ||
         name == "iso_8859-1" || name == "l1" || name == "ansi_x3.4-1968";
}

bool IsUtf8Name(std::string_view name) { return name == "utf-8" || name == "utf8"; }

bool HasMultiByte(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

// The encoding="..." of an XML declaration at the start of `bytes` (ASCII-compatible only).
std::string XmlDeclEncoding(std::string_view bytes) {
  if (bytes.substr(0, 5) != "<?xml") return "";
  const size_t end = bytes.find("?>");
  if (end == std::string_view::npos || end > 512) return "";
  const std::string_view decl = bytes.substr(0, end);
  const size_t pos = decl.find("encoding");
  if (pos == std::string_view::npos) return "";
  size_t i = pos + 8;
  while (i < decl.size() && (decl[i] == ' ' || decl[i] == '=' || decl[i] == '\t')) ++i;
  if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\'')) return "";
  const char q = decl[i];
  const size_t close = decl.find(q, i + 1);
  if (close == std::string_view::npos || close - i > 40) return "";
  return text::ToAsciiLower(decl.substr(i + 1, close - i - 1));
}

struct ConverterDeleter {
  void operator()(UConverter* c) const { ucnv_close(c); }
};

// Converts with ICU; nullopt when the name is unknown or, with `strict`, the bytes are invalid.
std::optional<std::string> IcuToUtf8(std::string_view bytes, const std::string& name, bool strict) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UConverter, ConverterDeleter> conv(ucnv_open(name.c_str(), &status));
  if (U_FAILURE(status) || !conv) return std::nullopt;
  if (strict) {
    ucnv_setToUCallBack(conv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    if (U_FAILURE(status)) return std::nullopt;
  }
  std::vector<UChar> utf16(bytes.size() * 2 + 16);
  const int32_t len16 = ucnv_toUChars(conv.get(), utf16.data(), static_cast<int32_t>(utf16.size()),
                                      bytes.data(), static_cast<int32_t>(bytes.size()), &status);
  if (U_FAILURE(status)) return std::nullopt;
  std::string out;
  out.resize(static_cast<size_t>(len16) * 3 + 4);
  int32_t len8 = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8WithSub(out.data(), static_cast<int32_t>(out.size()), &len8, utf16.data(), len16,
                     0xFFFD, nullptr, &status);
  if (U_FAILURE(status)) return std::nullopt;
  out.resize(static_cast<size_t>(len8));
  return out;
}

std::optional<std::string> TryDecode(std::string_view bytes, const std::string& name) {
  if (IsUtf8Name(name)) {
    if (!IsValidUtf8(bytes)) return std::nullopt;
    return std::string(bytes);
  }
  if (IsSingleByteLatin(name)) return Windows1252ToUtf8(bytes);
  if (bytes.size() > (1u << 30)) return std::nullopt;
  return IcuToUtf8(bytes, name, /*strict=*/true);
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t block;
      std::memcpy(&block, s.data() + i, 8);
      if (block & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string Windows1252ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (char ch : bytes) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else if (c < 0xA0) {
      AppendUtf8(kCp1252High[c - 0x80], &out);
    } else {
      AppendUtf8(c, &out);
    }
  }
  return out;
}

std::string CharsetFromContentType(std::string_view ct) {
  const std::string lower = text::ToAsciiLower(ct);
  const size_t pos = lower.find("charset=");
  if (pos == std::string::npos) return "";
  size_t i = pos + 8;
  while (i < lower.size() && (lower[i] == '"' || lower[i] == '\'' || lower[i] == ' ')) ++i;
  size_t j = i;
  while (j < lower.size() && lower[j] != ';' && lower[j] != '"' && lower[j] != '\'' &&
         lower[j] != ' ') {
    ++j;
  }
  return lower.substr(i, j - i);
}

DecodedDocument DecodeToUtf8(std::string_view bytes, std::string_view content_type) {
  DecodedDocument doc;
  std::vector<std::string> candidates;
  std::string_view body = bytes;
  if (body.substr(0, 3) == "\xEF\xBB\xBF") {
    candidates.push_back("utf-8");
    body.remove_prefix(3);
  } else if (body.substr(0, 4) == std::string_view("\xFF\xFE\x00\x00", 4)) {
    candidates.push_back("utf-32le");
  } else if (body.substr(0, 4) == std::string_view("\x00\x00\xFE\xFF", 4)) {
    candidates.push_back("utf-32be");
  } else if (body.substr(0, 2) == "\xFF\xFE") {
    candidates.push_back("utf-16le");
  } else if (body.substr(0, 2) == "\xFE\xFF") {
    candidates.push_back("utf-16be");
  } else if (body.substr(0, 4) == std::string_view("<\0?\0", 4)) {
    candidates.push_back("utf-16le");
  } else if (body.substr(0, 4) == std::string_view("\0<\0?", 4)) {
    candidates.push_back("utf-16be");
  }
  const std::string http = CharsetFromContentType(content_type);
  if (!http.empty()) candidates.push_back(http);
  const std::string declared = XmlDeclEncoding(body);
  if (!declared.empty()) candidates.push_back(declared);
  candidates.push_back("utf-8");

  for (size_t k = 0; k < candidates.size(); ++k) {
    const std::string& name = candidates[k];
    // Latin-1 labels on valid multi-byte UTF-8 are almost always a mislabel.
    if (IsSingleByteLatin(name) && HasMultiByte(body) && IsValidUtf8(body)) {
      doc.utf8 = std::string(body);
      doc.encoding = "utf-8";
      doc.note = "declared " + name + " but the bytes are UTF-8";
      break;
    }
    if (std::optional<std::string> text = TryDecode(body, name)) {
      doc.utf8 = std::move(*text);
      doc.encoding = name;
      // Any candidate but the first means the label did not fit the bytes.
      if (k > 0) {
        doc.fallback_used = true;
        doc.note = "could not decode as " + candidates[0] + "; used " + name;
      }
      break;
    }
  }
  if (doc.encoding.empty()) {
    doc.utf8 = Windows1252ToUtf8(body);
    doc.encoding = "windows-1252";
    doc.fallback_used = true;
    doc.note = "no declared encoding fits the bytes; read as windows-1252";
  }
  if (doc.utf8.substr(0, 3) == "\xEF\xBB\xBF") doc.utf8.erase(0, 3);
  return doc;
}

}  // namespace newsflow::feed
