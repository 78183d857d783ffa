#include "services/core/html/html_dom.h"

#include <libxml/SAX2.h>
#include <libxml/encoding.h>
#include <libxml/parser.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <string>

namespace newsflow::html::internal {
namespace {

void NoopErrorHandler(void* /*ctx*/, const char* /*msg*/, ...) {}

void InitLibxmlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    // Parse errors are expected on real pages and handled by recovery; never print them.
    xmlSetGenericErrorFunc(nullptr, NoopErrorHandler);
  });
}

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (overlong, surrogate,
// above U+10FFFF or truncated).
size_t ValidSequenceLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if (c1 < lo || c1 > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (!IsContinuation(static_cast<unsigned char>(s[i + k]))) return 0;
  }
  return n;
}

// libxml2 switches the whole rest of a document to Latin-1 at the first invalid UTF-8 byte, so
// invalid bytes are replaced by U+FFFD before parsing. Returns false (and leaves `fixed` alone)
// when the input is already valid, the common case, so no copy is made.
bool RepairUtf8(std::string_view s, std::string* fixed) {
  size_t i = 0;
  while (i < s.size()) {
    // Fast path over ASCII, eight bytes at a time.
    if (i + 8 <= s.size()) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = ValidSequenceLength(s, i);
    if (n == 0) break;
    i += n;
  }
  if (i == s.size()) return false;
  fixed->reserve(s.size() + 16);
  fixed->assign(s.data(), i);
  while (i < s.size()) {
    const size_t n = ValidSequenceLength(s, i);
    if (n == 0) {
      fixed->append("\xEF\xBF\xBD");
      ++i;
      while (i < s.size() && IsContinuation(static_cast<unsigned char>(s[i]))) ++i;
    } else {
      fixed->append(s.data() + i, n);
      i += n;
    }
  }
  return true;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Finds the charset label a browser would take from the first bytes of a page:
// <meta charset=...> or <meta http-equiv content="...; charset=...">. Empty when absent.
std::string SniffCharset(std::string_view html) {
  const std::string_view head = html.substr(0, 4096);
  std::string lower(head.size(), '\0');
  for (size_t i = 0; i < head.size(); ++i) lower[i] = Lower(head[i]);
  size_t pos = 0;
  while ((pos = lower.find("charset", pos)) != std::string::npos) {
    pos += 7;
    size_t i = pos;
    while (i < lower.size() && (lower[i] == ' ' || lower[i] == '\t')) ++i;
    if (i >= lower.size() || lower[i] != '=') continue;
    ++i;
    while (i < lower.size() && (lower[i] == ' ' || lower[i] == '"' || lower[i] == '\'')) ++i;
    size_t end = i;
    while (end < lower.size() &&
           (std::isalnum(static_cast<unsigned char>(lower[end])) || lower[end] == '-' ||
            lower[end] == '_' || lower[end] == ':' || lower[end] == '.')) {
      ++end;
    }
    if (end > i) return lower.substr(i, end - i);
  }
  return {};
}

// A label libxml2 (or iconv behind it) cannot decode would cost the whole page; such pages are
// treated as UTF-8, which most of them are.
bool IsKnownEncoding(const std::string& label) {
  xmlCharEncodingHandler* handler = xmlFindCharEncodingHandler(label.c_str());
  if (handler == nullptr) return false;
  xmlCharEncCloseFunc(handler);
  return true;
}

bool IsUtf8Label(std::string_view label) {
  return label.empty() || label == "utf-8" || label == "utf8" || label == "unicode-1-1-utf-8";
}

bool StartsWithNoCase(std::string_view s, size_t at, std::string_view lower_prefix) {
  if (at + lower_prefix.size() > s.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    if (Lower(s[at + i]) != lower_prefix[i]) return false;
  }
  return true;
}

bool EndsTagName(std::string_view s, size_t at) {
  if (at >= s.size()) return true;
  const char c = s[at];
  return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Half the bytes of a typical news page are <script> and <style> bodies, which the text walks
// drop anyway; handing them to libxml2 costs a character-by-character scan, nodes and copies
// (measured: parsing gets 25-40% faster without them). This pass, memchr-fast, copies the page
// without the bodies of script, style, svg and noscript elements and without comments (JSON-LD
// scripts are kept: the extractor reads them). It follows the HTML rule that such an element
// ends at the first "</name", and handles comments first so a commented-out "<script" does not
// swallow the markup after it.
// Returns false, leaving `out` alone, when there is nothing to strip.
bool StripScriptBodies(std::string_view html, std::string* out) {
  size_t copied = 0;  // html[0, copied) is already in `out`
  size_t pos = 0;
  bool stripped = false;
  while (true) {
    const void* hit = std::memchr(html.data() + pos, '<', html.size() - pos);
    if (hit == nullptr) break;
    pos = static_cast<size_t>(static_cast<const char*>(hit) - html.data());
    if (html.compare(pos, 4, "<!--") == 0) {
      const size_t end = html.find("-->", pos + 4);
      if (end == std::string_view::npos) break;
      // Comments are dropped whole: the walks never read them.
      if (!stripped) out->reserve(html.size() / 2);
      stripped = true;
      out->append(html.data() + copied, pos - copied);
      pos = end + 3;
      copied = pos;
      continue;
    }
    std::string_view name;
    for (const std::string_view candidate : {"script", "style", "svg", "noscript"}) {
      if (StartsWithNoCase(html, pos + 1, candidate) &&
          EndsTagName(html, pos + 1 + candidate.size())) {
        name = candidate;
        break;
      }
    }
    if (name.empty()) {
      ++pos;
      continue;
    }
    const size_t tag_end = html.find('>', pos);
    if (tag_end == std::string_view::npos) break;
    const size_t body = tag_end + 1;
    // Find "</script" (any case) from the body on.
    size_t close = body;
    while (true) {
      close = html.find("</", close);
      if (close == std::string_view::npos || StartsWithNoCase(html, close + 2, name)) break;
      close += 2;
    }
    if (close == std::string_view::npos) break;  // unterminated: let libxml2 see it as it is
    std::string start_tag(html.substr(pos, body - pos));
    for (char& c : start_tag) c = Lower(c);
    const bool keep = name == "script" && start_tag.find("ld+json") != std::string::npos;
    if (!keep && close > body) {
      if (!stripped) out->reserve(html.size() / 2);
      stripped = true;
      out->append(html.data() + copied, body - copied);
      copied = close;
    }
    pos = close + 2;
  }
  if (!stripped) return false;
  out->append(html.data() + copied, html.size() - copied);
  return true;
}

// The attributes some walk reads. Every other attribute (href of links, src/srcset, data-*,
// event handlers...) would cost libxml2 three allocations and copies for nothing: a third of the
// parse on real pages.
bool IsKeptAttribute(const xmlChar* name_bytes, const xmlChar* element) {
  const std::string_view name(reinterpret_cast<const char*>(name_bytes));
  switch (name.size()) {
    case 2:
      return name == "id";
    case 3:
      return name == "rel";
    case 4:
      if (name == "href") {
        // Only <link rel=canonical href> is read.
        return element != nullptr &&
               std::strcmp(reinterpret_cast<const char*>(element), "link") == 0;
      }
      return name == "role" || name == "type" || name == "name" || name == "lang";
    case 5:
      return name == "class" || name == "style";
    case 6:
      return name == "hidden";
    case 7:
      return name == "content" || name == "charset";
    case 8:
      return name == "itemprop" || name == "datetime" || name == "property";
    case 10:
      return name == "http-equiv";
    case 11:
      return name == "aria-hidden";
    default:
      return false;
  }
}

void FilteredStartElement(void* ctx, const xmlChar* name, const xmlChar** atts) {
  if (atts == nullptr) {
    xmlSAX2StartElement(ctx, name, atts);
    return;
  }
  // A subset of the same pointers: libxml2 still owns and frees every string after this call.
  // Elements with more than 31 kept attributes lose the rest (none of the 31 we read repeats).
  const xmlChar* kept[64 + 1];
  size_t n = 0;
  for (size_t i = 0; atts[i] != nullptr && n + 2 < 64; i += 2) {
    if (IsKeptAttribute(atts[i], name)) {
      kept[n++] = atts[i];
      kept[n++] = atts[i + 1];
    }
  }
  kept[n] = nullptr;
  xmlSAX2StartElement(ctx, name, n == 0 ? nullptr : kept);
}

xmlDoc* ReadWithFilteredAttributes(std::string_view html, const char* encoding, int options) {
  xmlParserCtxt* ctxt = htmlNewParserCtxt();
  if (ctxt == nullptr) return nullptr;
  ctxt->sax->startElement = FilteredStartElement;
  // libxml2 takes an int length; pages above 2 GiB are cut (no page of news is that big).
  const int size = static_cast<int>(std::min<size_t>(html.size(), 0x7fffffff));
  xmlDoc* doc = htmlCtxtReadMemory(ctxt, html.data(), size, nullptr, encoding, options);
  htmlFreeParserCtxt(ctxt);
  return doc;
}

}  // namespace

DocPtr ParseHtml(std::string_view html, Charset charset, std::string_view declared_encoding) {
  InitLibxmlOnce();
  std::string encoding = "UTF-8";
  if (charset == Charset::kSniff) {
    if (html.size() >= 3 && html.substr(0, 3) == "\xEF\xBB\xBF") {
      html.remove_prefix(3);
    } else if (html.size() >= 2 &&
               (html.substr(0, 2) == "\xFF\xFE" || html.substr(0, 2) == "\xFE\xFF")) {
      encoding = html[0] == '\xFF' ? "UTF-16LE" : "UTF-16BE";
      html.remove_prefix(2);
    } else {
      std::string label(declared_encoding);
      for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (label.empty() || !IsKnownEncoding(label)) label = SniffCharset(html);
      // WHATWG: the Latin-1 labels mean windows-1252; "ascii" pages are UTF-8 in practice.
      if (label == "iso-8859-1" || label == "latin1" || label == "us-ascii" || label == "ascii") {
        label = label.find("ascii") != std::string::npos ? "utf-8" : "windows-1252";
      }
      if (!IsUtf8Label(label) && IsKnownEncoding(label)) encoding = label;
    }
  }
  std::string repaired;
  if (encoding == "UTF-8" && RepairUtf8(html, &repaired)) html = repaired;
  // Stripping works on the raw bytes of ASCII-compatible encodings only.
  std::string without_scripts;
  if (encoding.rfind("UTF-16", 0) != 0 && StripScriptBodies(html, &without_scripts)) {
    html = without_scripts;
  }
  if (html.empty()) html = " ";  // libxml2 returns no document for empty input
  // HUGE lifts libxml2's nesting cap (256), past which it silently drops the rest of the page;
  // the parser itself is not recursive and our walks are iterative, so depth costs only memory,
  // which the input size bounds.
  constexpr int kOptions = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                           HTML_PARSE_NONET | HTML_PARSE_COMPACT | XML_PARSE_HUGE;
  xmlDoc* doc = ReadWithFilteredAttributes(html, encoding.c_str(), kOptions);
  if (doc == nullptr && encoding != "UTF-8") {
    // Unknown charset label: fall back to UTF-8 rather than losing the page.
    if (RepairUtf8(html, &repaired)) html = repaired;
    doc = ReadWithFilteredAttributes(html, "UTF-8", kOptions);
  }
  return DocPtr(doc);
}

Tag TagOf(const xmlNode* node) {
  // A switch on length, then on a few bytes: this runs for every element of every page, and
  // is several times faster than hashing the name.
  if (node->name == nullptr) return Tag::kOther;
  const char* n = reinterpret_cast<const char*>(node->name);
  const size_t length = std::strlen(n);
  switch (length) {
    case 1:
      switch (n[0]) {
        case 'a':
          return Tag::kA;
        case 'b':
          return Tag::kB;
        case 'i':
          return Tag::kI;
        case 'p':
          return Tag::kP;
        default:
          return Tag::kOther;
      }
    case 2:
      switch (n[0]) {
        case 'b':
          if (std::memcmp(n + 1, "r", 1) == 0) return Tag::kBr;
          return Tag::kOther;
        case 'd':
          if (std::memcmp(n + 1, "l", 1) == 0) return Tag::kDl;
          if (std::memcmp(n + 1, "d", 1) == 0) return Tag::kDd;
          if (std::memcmp(n + 1, "t", 1) == 0) return Tag::kDt;
          return Tag::kOther;
        case 'e':
          if (std::memcmp(n + 1, "m", 1) == 0) return Tag::kEm;
          return Tag::kOther;
        case 'h':
          if (std::memcmp(n + 1, "1", 1) == 0) return Tag::kH1;
          if (std::memcmp(n + 1, "2", 1) == 0) return Tag::kH2;
          if (std::memcmp(n + 1, "3", 1) == 0) return Tag::kH3;
          if (std::memcmp(n + 1, "4", 1) == 0) return Tag::kH4;
          if (std::memcmp(n + 1, "5", 1) == 0) return Tag::kH5;
          if (std::memcmp(n + 1, "6", 1) == 0) return Tag::kH6;
          if (std::memcmp(n + 1, "r", 1) == 0) return Tag::kHr;
          return Tag::kOther;
        case 'l':
          if (std::memcmp(n + 1, "i", 1) == 0) return Tag::kLi;
          return Tag::kOther;
        case 'o':
          if (std::memcmp(n + 1, "l", 1) == 0) return Tag::kOl;
          return Tag::kOther;
        case 't':
          if (std::memcmp(n + 1, "d", 1) == 0) return Tag::kTd;
          if (std::memcmp(n + 1, "h", 1) == 0) return Tag::kTh;
          if (std::memcmp(n + 1, "r", 1) == 0) return Tag::kTr;
          return Tag::kOther;
        case 'u':
          if (std::memcmp(n + 1, "l", 1) == 0) return Tag::kUl;
          return Tag::kOther;
        default:
          return Tag::kOther;
      }
    case 3:
      switch (n[0]) {
        case 'd':
          if (std::memcmp(n + 1, "iv", 2) == 0) return Tag::kDiv;
          return Tag::kOther;
        case 'i':
          if (std::memcmp(n + 1, "mg", 2) == 0) return Tag::kImg;
          return Tag::kOther;
        case 'm':
          if (std::memcmp(n + 1, "ap", 2) == 0) return Tag::kMap;
          return Tag::kOther;
        case 'n':
          if (std::memcmp(n + 1, "av", 2) == 0) return Tag::kNav;
          return Tag::kOther;
        case 'p':
          if (std::memcmp(n + 1, "re", 2) == 0) return Tag::kPre;
          return Tag::kOther;
        case 's':
          if (std::memcmp(n + 1, "vg", 2) == 0) return Tag::kSvg;
          return Tag::kOther;
        default:
          return Tag::kOther;
      }
    case 4:
      switch (n[0]) {
        case 'b':
          if (std::memcmp(n + 1, "ody", 3) == 0) return Tag::kBody;
          return Tag::kOther;
        case 'c':
          if (std::memcmp(n + 1, "ode", 3) == 0) return Tag::kCode;
          return Tag::kOther;
        case 'f':
          if (std::memcmp(n + 1, "orm", 3) == 0) return Tag::kForm;
          if (std::memcmp(n + 1, "ont", 3) == 0) return Tag::kFont;
          return Tag::kOther;
        case 'h':
          if (std::memcmp(n + 1, "ead", 3) == 0) return Tag::kHead;
          if (std::memcmp(n + 1, "tml", 3) == 0) return Tag::kHtml;
          return Tag::kOther;
        case 'l':
          if (std::memcmp(n + 1, "ink", 3) == 0) return Tag::kLink;
          return Tag::kOther;
        case 'm':
          if (std::memcmp(n + 1, "ain", 3) == 0) return Tag::kMain;
          if (std::memcmp(n + 1, "eta", 3) == 0) return Tag::kMeta;
          if (std::memcmp(n + 1, "ath", 3) == 0) return Tag::kMath;
          if (std::memcmp(n + 1, "enu", 3) == 0) return Tag::kMenu;
          return Tag::kOther;
        case 's':
          if (std::memcmp(n + 1, "pan", 3) == 0) return Tag::kSpan;
          return Tag::kOther;
        case 't':
          if (std::memcmp(n + 1, "ime", 3) == 0) return Tag::kTime;
          return Tag::kOther;
        default:
          return Tag::kOther;
      }
    case 5:
      switch (n[0]) {
        case 'a':
          if (std::memcmp(n + 1, "side", 4) == 0) return Tag::kAside;
          if (std::memcmp(n + 1, "udio", 4) == 0) return Tag::kAudio;
          return Tag::kOther;
        case 'e':
          if (std::memcmp(n + 1, "mbed", 4) == 0) return Tag::kEmbed;
          return Tag::kOther;
        case 'i':
          if (std::memcmp(n + 1, "nput", 4) == 0) return Tag::kInput;
          return Tag::kOther;
        case 'l':
          if (std::memcmp(n + 1, "abel", 4) == 0) return Tag::kLabel;
          return Tag::kOther;
        case 's':
          if (std::memcmp(n + 1, "tyle", 4) == 0) return Tag::kStyle;
          return Tag::kOther;
        case 't':
          if (std::memcmp(n + 1, "able", 4) == 0) return Tag::kTable;
          if (std::memcmp(n + 1, "itle", 4) == 0) return Tag::kTitle;
          return Tag::kOther;
        case 'v':
          if (std::memcmp(n + 1, "ideo", 4) == 0) return Tag::kVideo;
          return Tag::kOther;
        default:
          return Tag::kOther;
      }
    case 6:
      switch (n[0]) {
        case 'b':
          if (std::memcmp(n + 1, "utton", 5) == 0) return Tag::kButton;
          return Tag::kOther;
        case 'c':
          if (std::memcmp(n + 1, "enter", 5) == 0) return Tag::kCenter;
          if (std::memcmp(n + 1, "anvas", 5) == 0) return Tag::kCanvas;
          return Tag::kOther;
        case 'd':
          if (std::memcmp(n + 1, "ialog", 5) == 0) return Tag::kDialog;
          return Tag::kOther;
        case 'f':
          if (std::memcmp(n + 1, "igure", 5) == 0) return Tag::kFigure;
          if (std::memcmp(n + 1, "ooter", 5) == 0) return Tag::kFooter;
          return Tag::kOther;
        case 'h':
          if (std::memcmp(n + 1, "eader", 5) == 0) return Tag::kHeader;
          return Tag::kOther;
        case 'i':
          if (std::memcmp(n + 1, "frame", 5) == 0) return Tag::kIframe;
          return Tag::kOther;
        case 'o':
          if (std::memcmp(n + 1, "ption", 5) == 0) return Tag::kOption;
          if (std::memcmp(n + 1, "bject", 5) == 0) return Tag::kObject;
          return Tag::kOther;
        case 's':
          if (std::memcmp(n + 1, "trong", 5) == 0) return Tag::kStrong;
          if (std::memcmp(n + 1, "elect", 5) == 0) return Tag::kSelect;
          if (std::memcmp(n + 1, "cript", 5) == 0) return Tag::kScript;
          if (std::memcmp(n + 1, "ource", 5) == 0) return Tag::kSource;
          return Tag::kOther;
        default:
          return Tag::kOther;
      }
    case 7:
      switch (n[0]) {
        case 'a':
          if (std::memcmp(n + 1, "rticle", 6) == 0) return Tag::kArticle;
          if (std::memcmp(n + 1, "ddress", 6) == 0) return Tag::kAddress;
          return Tag::kOther;
        case 'c':
          if (std::memcmp(n + 1, "aption", 6) == 0) return Tag::kCaption;
          return Tag::kOther;
        case 'd':
          if (std::memcmp(n + 1, "etails", 6) == 0) return Tag::kDetails;
          return Tag::kOther;
        case 'p':
          if (std::memcmp(n + 1, "icture", 6) == 0) return Tag::kPicture;
          return Tag::kOther;
        case 's':
          if (std::memcmp(n + 1, "ection", 6) == 0) return Tag::kSection;
          if (std::memcmp(n + 1, "ummary", 6) == 0) return Tag::kSummary;
          return Tag::kOther;
        default:
          return Tag::kOther;
      }
    case 8:
      switch (n[0]) {
        case 'n':
          if (std::memcmp(n + 1, "oscript", 7) == 0) return Tag::kNoscript;
          return Tag::kOther;
        case 't':
          if (std::memcmp(n + 1, "extarea", 7) == 0) return Tag::kTextarea;
          if (std::memcmp(n + 1, "emplate", 7) == 0) return Tag::kTemplate;
          return Tag::kOther;
        default:
          return Tag::kOther;
      }
    case 10:
      switch (n[0]) {
        case 'b':
          if (std::memcmp(n + 1, "lockquote", 9) == 0) return Tag::kBlockquote;
          return Tag::kOther;
        case 'f':
          if (std::memcmp(n + 1, "igcaption", 9) == 0) return Tag::kFigcaption;
          return Tag::kOther;
        default:
          return Tag::kOther;
      }
    default:
      return Tag::kOther;
  }
}

bool IsInvisible(Tag tag) {
  switch (tag) {
    case Tag::kScript:
    case Tag::kStyle:
    case Tag::kNoscript:
    case Tag::kTemplate:
    case Tag::kSvg:
    case Tag::kMath:
    case Tag::kIframe:
    case Tag::kObject:
    case Tag::kEmbed:
    case Tag::kCanvas:
    case Tag::kVideo:
    case Tag::kAudio:
    case Tag::kPicture:
    case Tag::kSource:
    case Tag::kMap:
    case Tag::kHead:
    case Tag::kTitle:
    case Tag::kSelect:
    case Tag::kTextarea:
    case Tag::kInput:
    case Tag::kButton:
      return true;
    default:
      return false;
  }
}

bool IsBlock(Tag tag) {
  switch (tag) {
    case Tag::kArticle:
    case Tag::kAside:
    case Tag::kBlockquote:
    case Tag::kBody:
    case Tag::kDiv:
    case Tag::kFigcaption:
    case Tag::kFigure:
    case Tag::kFooter:
    case Tag::kForm:
    case Tag::kH1:
    case Tag::kH2:
    case Tag::kH3:
    case Tag::kH4:
    case Tag::kH5:
    case Tag::kH6:
    case Tag::kHeader:
    case Tag::kHr:
    case Tag::kLi:
    case Tag::kMain:
    case Tag::kNav:
    case Tag::kOl:
    case Tag::kP:
    case Tag::kPre:
    case Tag::kSection:
    case Tag::kTable:
    case Tag::kTr:
    case Tag::kUl:
    case Tag::kDl:
    case Tag::kDd:
    case Tag::kDt:
    case Tag::kCenter:
    case Tag::kCaption:
    case Tag::kAddress:
    case Tag::kDetails:
    case Tag::kSummary:
    case Tag::kDialog:
    case Tag::kMenu:
    case Tag::kHtml:
      return true;
    default:
      return false;
  }
}

bool IsHeading(Tag tag) {
  return tag == Tag::kH1 || tag == Tag::kH2 || tag == Tag::kH3 || tag == Tag::kH4 ||
         tag == Tag::kH5 || tag == Tag::kH6;
}

std::string_view Attr(const xmlNode* node, const char* name) {
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    if (a->name == nullptr || std::strcmp(reinterpret_cast<const char*>(a->name), name) != 0) {
      continue;
    }
    // HTML attributes hold a single text child (entities already decoded by the parser).
    const xmlNode* child = a->children;
    if (child != nullptr && child->type == XML_TEXT_NODE && child->content != nullptr &&
        child->next == nullptr) {
      return reinterpret_cast<const char*>(child->content);
    }
    return {};
  }
  return {};
}

void TextSink::Text(std::string_view text, bool preformatted) {
  for (const char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    if (space) {
      if (preformatted && c == '\n') {
        Break();
      } else {
        pending_space_ = true;
      }
      continue;
    }
    if (pending_space_ && !out_->empty() && out_->back() != '\n') out_->push_back(' ');
    pending_space_ = false;
    out_->push_back(c);
  }
}

void TextSink::Break() {
  if (!out_->empty() && out_->back() != '\n') out_->push_back('\n');
  pending_space_ = false;
}

namespace detail {

void Enter(const xmlNode* /*node*/, Tag tag, TextSink* sink, int* pre_depth) {
  if (tag == Tag::kBr || IsBlock(tag)) sink->Break();
  if (tag == Tag::kPre) ++*pre_depth;
  // Table cells and images separate words without breaking the paragraph.
  if (tag == Tag::kTd || tag == Tag::kTh || tag == Tag::kImg) sink->Space();
}

void Leave(Tag tag, TextSink* sink, int* pre_depth) {
  if (IsBlock(tag)) sink->Break();
  if (tag == Tag::kPre && *pre_depth > 0) --*pre_depth;
  if (tag == Tag::kTd || tag == Tag::kTh) sink->Space();
}

}  // namespace detail

void AppendVisibleText(const xmlNode* root, TextSink* sink) {
  AppendText(root, sink, [](const xmlNode*) { return false; });
}

}  // namespace newsflow::html::internal
