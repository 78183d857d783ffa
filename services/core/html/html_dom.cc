#include "services/core/html/html_dom.h"

#include <libxml/parser.h>

#include <array>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

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
    // Fast path over ASCII.
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
    while (end < lower.size() && (std::isalnum(static_cast<unsigned char>(lower[end])) ||
                                  lower[end] == '-' || lower[end] == '_' || lower[end] == ':' ||
                                  lower[end] == '.')) {
      ++end;
    }
    if (end > i) return lower.substr(i, end - i);
  }
  return {};
}

bool IsUtf8Label(std::string_view label) {
  return label.empty() || label == "utf-8" || label == "utf8" || label == "unicode-1-1-utf-8";
}

}  // namespace

DocPtr ParseHtml(std::string_view html, Charset charset) {
  InitLibxmlOnce();
  std::string encoding = "UTF-8";
  if (charset == Charset::kSniff) {
    if (html.size() >= 3 && html.substr(0, 3) == "\xEF\xBB\xBF") {
      html.remove_prefix(3);
    } else if (html.size() >= 2 && (html.substr(0, 2) == "\xFF\xFE" || html.substr(0, 2) == "\xFE\xFF")) {
      encoding = html[0] == '\xFF' ? "UTF-16LE" : "UTF-16BE";
      html.remove_prefix(2);
    } else {
      std::string label = SniffCharset(html);
      // WHATWG: the Latin-1 labels mean windows-1252; "ascii" pages are UTF-8 in practice.
      if (label == "iso-8859-1" || label == "latin1" || label == "us-ascii" || label == "ascii") {
        label = label.find("ascii") != std::string::npos ? "utf-8" : "windows-1252";
      }
      if (!IsUtf8Label(label)) encoding = label;
    }
  }
  std::string repaired;
  if (encoding == "UTF-8" && RepairUtf8(html, &repaired)) html = repaired;
  if (html.empty()) html = " ";  // libxml2 returns no document for empty input
  constexpr int kOptions = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                           HTML_PARSE_NONET | HTML_PARSE_COMPACT;
  // libxml2 takes an int length; pages above 2 GiB are cut (no page of news is that big).
  const int size = static_cast<int>(std::min<size_t>(html.size(), 0x7fffffff));
  xmlDoc* doc = htmlReadMemory(html.data(), size, nullptr, encoding.c_str(), kOptions);
  if (doc == nullptr && encoding != "UTF-8") {
    // Unknown charset label: fall back to UTF-8 rather than losing the page.
    if (RepairUtf8(html, &repaired)) html = repaired;
    doc = htmlReadMemory(html.data(), static_cast<int>(std::min<size_t>(html.size(), 0x7fffffff)),
                         nullptr, "UTF-8", kOptions);
  }
  return DocPtr(doc);
}

Tag TagOf(const xmlNode* node) {
  static const auto* const kTags = new std::unordered_map<std::string_view, Tag>{
      {"a", Tag::kA},
      {"article", Tag::kArticle},
      {"aside", Tag::kAside},
      {"blockquote", Tag::kBlockquote},
      {"body", Tag::kBody},
      {"br", Tag::kBr},
      {"button", Tag::kButton},
      {"div", Tag::kDiv},
      {"figcaption", Tag::kFigcaption},
      {"figure", Tag::kFigure},
      {"footer", Tag::kFooter},
      {"form", Tag::kForm},
      {"h1", Tag::kH1},
      {"h2", Tag::kH2},
      {"h3", Tag::kH3},
      {"h4", Tag::kH4},
      {"h5", Tag::kH5},
      {"h6", Tag::kH6},
      {"head", Tag::kHead},
      {"header", Tag::kHeader},
      {"hr", Tag::kHr},
      {"li", Tag::kLi},
      {"main", Tag::kMain},
      {"nav", Tag::kNav},
      {"ol", Tag::kOl},
      {"p", Tag::kP},
      {"pre", Tag::kPre},
      {"section", Tag::kSection},
      {"span", Tag::kSpan},
      {"table", Tag::kTable},
      {"td", Tag::kTd},
      {"th", Tag::kTh},
      {"time", Tag::kTime},
      {"tr", Tag::kTr},
      {"ul", Tag::kUl},
      {"dl", Tag::kDl},
      {"dd", Tag::kDd},
      {"dt", Tag::kDt},
      {"title", Tag::kTitle},
      {"meta", Tag::kMeta},
      {"link", Tag::kLink},
      {"img", Tag::kImg},
      {"code", Tag::kCode},
      {"strong", Tag::kStrong},
      {"em", Tag::kEm},
      {"b", Tag::kB},
      {"i", Tag::kI},
      {"font", Tag::kFont},
      {"center", Tag::kCenter},
      {"caption", Tag::kCaption},
      {"address", Tag::kAddress},
      {"details", Tag::kDetails},
      {"summary", Tag::kSummary},
      {"label", Tag::kLabel},
      {"select", Tag::kSelect},
      {"option", Tag::kOption},
      {"input", Tag::kInput},
      {"textarea", Tag::kTextarea},
      {"html", Tag::kHtml},
      {"script", Tag::kScript},
      {"style", Tag::kStyle},
      {"noscript", Tag::kNoscript},
      {"template", Tag::kTemplate},
      {"svg", Tag::kSvg},
      {"math", Tag::kMath},
      {"iframe", Tag::kIframe},
      {"object", Tag::kObject},
      {"embed", Tag::kEmbed},
      {"canvas", Tag::kCanvas},
      {"video", Tag::kVideo},
      {"audio", Tag::kAudio},
      {"picture", Tag::kPicture},
      {"source", Tag::kSource},
      {"map", Tag::kMap},
      {"dialog", Tag::kDialog},
      {"menu", Tag::kMenu},
  };
  if (node->name == nullptr) return Tag::kOther;
  const auto it = kTags->find(reinterpret_cast<const char*>(node->name));
  return it == kTags->end() ? Tag::kOther : it->second;
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
