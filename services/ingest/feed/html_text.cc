#include "services/ingest/feed/html_text.h"

#include <array>

#include "services/core/text/ascii.h"
#include "services/ingest/feed/html_entities.h"

namespace newsflow::feed {
namespace {

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }

// windows-1252 code points for bytes 0x80..0x9F (0 where the code page leaves a hole).
constexpr std::array<uint16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Parses a character reference starting at text[i] == '&'. On success appends its value and
// returns the length consumed; returns 0 when this is not a reference.
size_t DecodeOne(std::string_view text, size_t i, std::string* out) {
  size_t j = i + 1;
  if (j < text.size() && text[j] == '#') {
    ++j;
    const bool hex = j < text.size() && (text[j] == 'x' || text[j] == 'X');
    if (hex) ++j;
    const size_t start = j;
    uint32_t value = 0;
    bool overflow = false;
    while (j < text.size()) {
      const char c = text[j];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (hex && text::AsciiLower(c) >= 'a' && text::AsciiLower(c) <= 'f') {
        digit = text::AsciiLower(c) - 'a' + 10;
      } else {
        break;
      }
      value = value * (hex ? 16 : 10) + static_cast<uint32_t>(digit);
      if (value > 0x10FFFF) overflow = true, value = 0x110000;
      ++j;
    }
    if (j == start) return 0;
    if (j < text.size() && text[j] == ';') ++j;  // browsers accept a missing ';' here
    if (overflow || value == 0) {
      value = 0xFFFD;
    } else if (value >= 0x80 && value <= 0x9F && kCp1252High[value - 0x80] != 0) {
      value = kCp1252High[value - 0x80];
    }
    AppendUtf8(value, out);
    return j - i;
  }
  const size_t start = j;
  while (j < text.size() && IsAlnum(text[j]) && j - start < 40) ++j;
  if (j == start || j >= text.size() || text[j] != ';') return 0;
  const std::optional<std::string_view> value = LookupHtmlEntity(text.substr(start, j - start));
  if (!value) return 0;
  out->append(*value);
  return j + 1 - i;
}

bool IsBlockElement(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {
      "address", "article",    "aside",   "blockquote", "br",     "dd",   "div", "dl",
      "dt",      "figcaption", "figure",  "footer",     "h1",     "h2",   "h3",  "h4",
      "h5",      "h6",         "header",  "hr",         "li",     "main", "nav", "ol",
      "p",       "pre",        "section", "table",      "tbody",  "td",   "th",  "thead",
      "tr",      "ul",         "title",   "tfoot",      "caption"};
  for (std::string_view b : kBlocks) {
    if (b == name) return true;
  }
  return false;
}

// Position of the '>' closing a tag whose name starts at `i`, skipping quoted attribute values;
// npos when the tag is unterminated.
size_t FindTagEnd(std::string_view html, size_t i) {
  char quote = 0;
  for (; i < html.size(); ++i) {
    const char c = html[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if ((c == '"' || c == '\'') && i > 0 && (html[i - 1] == '=' || html[i - 1] == ' ')) {
      quote = c;
    } else if (c == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

// Accumulates text with whitespace collapsing and line structure.
class TextSink {
 public:
  void Text(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      // C1 controls in text are windows-1252 punctuation that went through a latin-1 decoder.
      if (c == '\xC2' && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
          static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
        const uint16_t mapped = kCp1252High[static_cast<unsigned char>(s[i + 1]) - 0x80];
        if (mapped != 0) {
          if (pending_space_) line_.push_back(' ');
          pending_space_ = false;
          AppendUtf8(mapped, &line_);
          ++i;
          continue;
        }
      }
      if (IsAsciiSpace(c)) {
        pending_space_ = !line_.empty();
        continue;
      }
      // Copy the run up to the next space or possible C1 lead byte in one append.
      size_t end = i + 1;
      while (end < s.size() && !IsAsciiSpace(s[end]) && s[end] != '\xC2') ++end;
      if (pending_space_) line_.push_back(' ');
      pending_space_ = false;
      line_.append(s.data() + i, end - i);
      i = end - 1;
    }
  }
  void Break() {
    pending_space_ = false;
    if (line_.empty()) return;
    if (!out_.empty()) out_.push_back('\n');
    out_ += line_;
    line_.clear();
  }
  std::string Finish() {
    Break();
    return std::move(out_);
  }

 private:
  std::string out_;
  std::string line_;
  bool pending_space_ = false;
};

}  // namespace

std::string DecodeHtmlEntities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '&') {
      const size_t n = DecodeOne(text, i, &out);
      if (n > 0) {
        i += n;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

std::string HtmlToPlainText(std::string_view html) {
  TextSink sink;
  std::string decoded;
  size_t i = 0;
  size_t text_start = 0;
  auto flush_text = [&](size_t end) {
    if (end > text_start) {
      decoded.clear();
      const std::string_view chunk = html.substr(text_start, end - text_start);
      if (chunk.find('&') == std::string_view::npos) {
        sink.Text(chunk);
        return;
      }
      for (size_t k = 0; k < chunk.size();) {
        if (chunk[k] == '&') {
          const size_t n = DecodeOne(chunk, k, &decoded);
          if (n > 0) {
            k += n;
            continue;
          }
        }
        decoded.push_back(chunk[k++]);
      }
      sink.Text(decoded);
    }
  };
  while (i < html.size()) {
    if (html[i] != '<') {
      ++i;
      continue;
    }
    const size_t lt = i;
    if (html.compare(i, 4, "<!--") == 0) {
      flush_text(lt);
      const size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      text_start = i;
      continue;
    }
    if (html.compare(i, 9, "<![CDATA[") == 0) {
      // Double-wrapped CDATA (escaped once too often by the publisher): its content is text.
      flush_text(lt);
      const size_t end = html.find("]]>", i + 9);
      const size_t stop = end == std::string_view::npos ? html.size() : end;
      sink.Text(html.substr(i + 9, stop - i - 9));
      i = end == std::string_view::npos ? html.size() : end + 3;
      text_start = i;
      continue;
    }
    const char next = i + 1 < html.size() ? html[i + 1] : '\0';
    const bool closing = next == '/';
    const size_t name_start = i + (closing ? 2 : 1);
    // "<!DOCTYPE", "<![CDATA[" and "<?xml" are markup; "<!'" and the like stay text.
    const bool declaration = !closing && next == '!' && i + 2 < html.size() &&
                             (IsAlpha(html[i + 2]) || html[i + 2] == '[');
    if (!(name_start < html.size() &&
          (IsAlpha(html[name_start]) || declaration || (!closing && next == '?')))) {
      ++i;  // a literal '<'
      continue;
    }
    size_t gt = FindTagEnd(html, name_start);
    if (gt == std::string_view::npos) gt = html.find('>', name_start);  // unbalanced quote
    if (gt == std::string_view::npos) break;  // no tag can end any more: the rest is text
    flush_text(lt);
    std::string name;
    for (size_t k = name_start; k < gt && IsAlnum(html[k]) && name.size() < 16; ++k) {
      name.push_back(text::AsciiLower(html[k]));
    }
    i = gt + 1;
    if (!closing && (name == "script" || name == "style")) {
      // Skip to the matching end tag; its contents are never text.
      const std::string end_tag = "</" + name;
      size_t k = i;
      size_t found = std::string_view::npos;
      while (k < html.size()) {
        const size_t p = html.find("</", k);
        if (p == std::string_view::npos) break;
        bool match = true;
        for (size_t m = 0; m < name.size(); ++m) {
          if (p + 2 + m >= html.size() || text::AsciiLower(html[p + 2 + m]) != name[m]) {
            match = false;
            break;
          }
        }
        if (match) {
          found = p;
          break;
        }
        k = p + 2;
      }
      if (found == std::string_view::npos) {
        i = html.size();
      } else {
        const size_t close = html.find('>', found);
        i = close == std::string_view::npos ? html.size() : close + 1;
      }
    } else if (IsBlockElement(name)) {
      sink.Break();
    }
    text_start = i;
  }
  flush_text(html.size());
  return sink.Finish();
}

std::string CollapseWhitespace(std::string_view text) {
  TextSink sink;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      sink.Text(text.substr(start, i - start));
      sink.Break();
      start = i + 1;
    }
  }
  return sink.Finish();
}

bool LooksLikeHtml(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '<') {
      const char c = text[i + 1];
      if (IsAlpha(c) || c == '!' || (c == '/' && i + 2 < text.size() && IsAlpha(text[i + 2]))) {
        return true;
      }
    } else if (text[i] == '&') {
      std::string sink;
      if (DecodeOne(text, i, &sink) > 0) return true;
    }
  }
  return false;
}

}  // namespace newsflow::feed
