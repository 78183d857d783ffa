#include "services/ingest/feed/feed_parser.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <climits>
#include <memory>
#include <mutex>

#include "services/core/text/ascii.h"
#include "services/core/time/datetime.h"
#include "services/ingest/feed/charset.h"
#include "services/ingest/feed/feed_internal.h"
#include "services/ingest/feed/html_entities.h"
#include "services/ingest/feed/html_text.h"
#include "services/ingest/feed/url.h"

namespace newsflow::feed {
namespace {

constexpr size_t kMaxErrors = 8;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
std::string_view AsView(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

void AddError(ParsedFeed* feed, std::string message) {
  feed->bozo = true;
  if (feed->errors.size() < kMaxErrors) feed->errors.push_back(std::move(message));
}

// ---------------------------------------------------------------------------------------------
// Pre-parse repair of the UTF-8 text so that libxml2 sees XML it can read without a DTD:
//  - the DOCTYPE is removed (no internal subset: no entity declarations, so no expansion
//    attacks; no external DTD either), and so are bytes before the first '<' (server warnings
//    printed ahead of the feed) and the XML declaration (the text is UTF-8 by now);
//  - references to HTML entities become numeric references, unknown entity references and bare
//    '&' become "&amp;" (so the text survives literally); a '<' that cannot start markup
//    becomes "&lt;";
//  - characters XML forbids (C0 controls other than tab/LF/CR) are dropped;
//  - tags are balanced the way HTML parsers do it: an end tag closes the elements opened inside
//    the element it names (unclosed <p>/<b> in an unescaped description no longer swallow the
//    next items), stray end tags are dropped, elements still open at the end are closed (a
//    truncated feed keeps its complete entries); attribute values are quoted and de-duplicated.
// Comments, CDATA sections and processing instructions are copied untouched.

struct RepairStats {
  size_t html_entities = 0;
  size_t unknown_entities = 0;
  size_t bare_ampersands = 0;
  size_t control_chars = 0;
  size_t tags_repaired = 0;
  bool doctype_removed = false;
};

bool IsXmlPredefined(std::string_view name) {
  return name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos";
}

void AppendNumericRefs(std::string_view utf8, std::string* out) {
  // Decode the (valid) UTF-8 of a table entry into numeric references.
  for (size_t i = 0; i < utf8.size();) {
    const unsigned char c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if (c < 0xE0) {
      cp = c & 0x1F;
      len = 2;
    } else if (c < 0xF0) {
      cp = c & 0x0F;
      len = 3;
    } else {
      cp = c & 0x07;
      len = 4;
    }
    for (size_t k = 1; k < len && i + k < utf8.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    }
    i += len;
    *out += "&#" + std::to_string(cp) + ";";
  }
}

// Handles the '&' at text[i]; returns the number of input bytes consumed.
size_t RepairReference(std::string_view text, size_t i, std::string* out, RepairStats* stats) {
  size_t j = i + 1;
  if (j < text.size() && text[j] == '#') {
    size_t k = j + 1;
    const bool hex = k < text.size() && (text[k] == 'x' || text[k] == 'X');
    if (hex) ++k;
    const size_t start = k;
    uint64_t value = 0;
    while (k < text.size() && k - start < 8 &&
           (IsNameChar(text[k]) && (hex || (text[k] >= '0' && text[k] <= '9')))) {
      const char c = text::AsciiLower(text[k]);
      const int d = c <= '9' ? c - '0' : (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
      if (d < 0) break;
      value = value * (hex ? 16 : 10) + static_cast<uint64_t>(d);
      ++k;
    }
    if (k > start && k < text.size() && text[k] == ';') {
      const bool legal =
          value == 0x9 || value == 0xA || value == 0xD || (value >= 0x20 && value <= 0xD7FF) ||
          (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF);
      if (legal) {
        out->append(text.substr(i, k + 1 - i));
      } else {
        out->append("&#xFFFD;");
        ++stats->unknown_entities;
      }
      return k + 1 - i;
    }
    ++stats->bare_ampersands;
    out->append("&amp;");
    return 1;
  }
  while (j < text.size() && IsNameChar(text[j]) && j - i <= 40) ++j;
  if (j > i + 1 && j < text.size() && text[j] == ';') {
    const std::string_view name = text.substr(i + 1, j - i - 1);
    if (IsXmlPredefined(name)) {
      out->append(text.substr(i, j + 1 - i));
    } else if (const std::optional<std::string_view> v = LookupHtmlEntity(name)) {
      AppendNumericRefs(*v, out);
      ++stats->html_entities;
    } else {
      out->append("&amp;");
      out->append(text.substr(i + 1, j - i));
      ++stats->unknown_entities;
    }
    return j + 1 - i;
  }
  ++stats->bare_ampersands;
  out->append("&amp;");
  return 1;
}

// Copies text[i..] up to and including `terminator`; returns the new position.
size_t CopyThrough(std::string_view text, size_t i, std::string_view terminator, std::string* out) {
  const size_t end = text.find(terminator, i);
  const size_t stop = end == std::string_view::npos ? text.size() : end + terminator.size();
  out->append(text.substr(i, stop - i));
  return stop;
}

// Position just after a <!DOCTYPE ...> declaration starting at i (internal subset included).
size_t SkipDoctype(std::string_view text, size_t i) {
  size_t k = i + 9;
  char quote = 0;
  int bracket = 0;
  for (; k < text.size(); ++k) {
    const char c = text[k];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      ++bracket;
    } else if (c == ']') {
      --bracket;
    } else if (c == '>' && bracket <= 0) {
      return k + 1;
    }
  }
  return text.size();
}

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Appends an attribute value or a run of text with '&' and '<' repaired.
void AppendRepairedText(std::string_view text, std::string* out, RepairStats* stats) {
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '&') {
      i += RepairReference(text, i, out, stats);
    } else if (c == '<') {
      out->append("&lt;");
      ++i;
    } else if (c == '"') {
      out->append("&quot;");
      ++i;
    } else if (static_cast<unsigned char>(c) < 0x20 && !IsXmlSpace(c)) {
      ++stats->control_chars;
      ++i;
    } else {
      out->push_back(c);
      ++i;
    }
  }
}

class XmlRepairer {
 public:
  XmlRepairer(std::string_view text, RepairStats* stats) : text_(text), stats_(stats) {
    out_.reserve(text.size() + text.size() / 16);
  }

  std::string Run() {
    // Skip anything before the first markup (PHP warnings, stray bytes).
    size_t i = text_.find('<');
    if (i == std::string_view::npos) return "";
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == '<') {
        i = Markup(i);
      } else if (c == '&') {
        i += RepairReference(text_, i, &out_, stats_);
      } else if (static_cast<unsigned char>(c) < 0x20 && !IsXmlSpace(c)) {
        ++stats_->control_chars;
        ++i;
      } else {
        // Plain character data: copy the run up to the next byte that needs a look.
        size_t end = i + 1;
        while (end < text_.size() && text_[end] != '<' && text_[end] != '&' &&
               (static_cast<unsigned char>(text_[end]) >= 0x20 || IsXmlSpace(text_[end]))) {
          ++end;
        }
        out_.append(text_.data() + i, end - i);
        i = end;
      }
    }
    if (!open_.empty()) ++stats_->tags_repaired;
    while (!open_.empty()) {
      out_ += "</" + open_.back() + ">";
      open_.pop_back();
    }
    return std::move(out_);
  }

 private:
  // Handles the markup starting at text_[i] == '<'; returns the position after it.
  size_t Markup(size_t i) {
    if (text_.compare(i, 4, "<!--") == 0) return CopyThrough(text_, i, "-->", &out_);
    if (text_.compare(i, 9, "<![CDATA[") == 0) return CopyThrough(text_, i, "]]>", &out_);
    if (text_.compare(i, 5, "<?xml") == 0 && i + 5 < text_.size() &&
        (IsXmlSpace(text_[i + 5]) || text_[i + 5] == '?')) {
      const size_t end = text_.find("?>", i);
      return end == std::string_view::npos ? text_.size() : end + 2;  // declaration dropped
    }
    if (text_.compare(i, 2, "<?") == 0) return CopyThrough(text_, i, "?>", &out_);
    if (text_.compare(i, 9, "<!DOCTYPE") == 0 || text_.compare(i, 9, "<!doctype") == 0) {
      stats_->doctype_removed = true;
      return SkipDoctype(text_, i);
    }
    if (i + 1 < text_.size() && text_[i + 1] == '/') return EndTag(i);
    if (i + 1 < text_.size() && IsNameStart(text_[i + 1])) return StartTag(i);
    out_.append("&lt;");
    ++stats_->bare_ampersands;
    return i + 1;
  }

  size_t EndTag(size_t i) {
    size_t k = i + 2;
    while (k < text_.size() && !IsXmlSpace(text_[k]) && text_[k] != '>' && text_[k] != '<') ++k;
    const std::string_view name = text_.substr(i + 2, k - i - 2);
    while (k < text_.size() && text_[k] != '>' && text_[k] != '<') ++k;
    const size_t after = k < text_.size() && text_[k] == '>' ? k + 1 : k;
    // Find the innermost open element with this name.
    size_t depth = open_.size();
    while (depth > 0 && !text::EqualsIgnoringAsciiCase(open_[depth - 1], name)) --depth;
    if (depth == 0) {  // stray end tag
      ++stats_->tags_repaired;
      return after;
    }
    if (depth != open_.size() || open_.back() != name) ++stats_->tags_repaired;
    while (open_.size() >= depth) {
      out_ += "</" + open_.back() + ">";
      open_.pop_back();
      if (open_.size() < depth) break;
    }
    return after;
  }

  size_t StartTag(size_t i) {
    size_t k = i + 1;
    while (k < text_.size() && !IsXmlSpace(text_[k]) && text_[k] != '>' && text_[k] != '/' &&
           text_[k] != '<' && text_[k] != '"' && text_[k] != '\'' && text_[k] != '=') {
      ++k;
    }
    std::string name(text_.substr(i + 1, k - i - 1));
    std::string tag = "<" + name;
    std::vector<std::string> seen;
    bool self_closing = false;
    while (k < text_.size()) {
      const char c = text_[k];
      if (IsXmlSpace(c)) {
        ++k;
      } else if (c == '>') {
        ++k;
        break;
      } else if (c == '/' && k + 1 < text_.size() && text_[k + 1] == '>') {
        self_closing = true;
        k += 2;
        break;
      } else if (c == '<') {  // unterminated tag: the next one starts here
        ++stats_->tags_repaired;
        break;
      } else if (!IsNameStart(c)) {
        ++k;  // junk between attributes
        ++stats_->tags_repaired;
      } else {
        k = Attribute(k, &tag, &seen);
      }
    }
    out_ += tag;
    if (self_closing) {
      out_ += "/>";
    } else {
      out_.push_back('>');
      open_.push_back(std::move(name));
    }
    return k;
  }

  size_t Attribute(size_t k, std::string* tag, std::vector<std::string>* seen) {
    const size_t name_start = k;
    while (k < text_.size() && !IsXmlSpace(text_[k]) && text_[k] != '=' && text_[k] != '>' &&
           text_[k] != '/' && text_[k] != '<' && text_[k] != '"' && text_[k] != '\'') {
      ++k;
    }
    const std::string_view attr = text_.substr(name_start, k - name_start);
    size_t j = k;
    while (j < text_.size() && IsXmlSpace(text_[j])) ++j;
    std::string_view value = attr;  // HTML boolean attribute: <input disabled>
    if (j < text_.size() && text_[j] == '=') {
      ++j;
      while (j < text_.size() && IsXmlSpace(text_[j])) ++j;
      if (j < text_.size() && (text_[j] == '"' || text_[j] == '\'')) {
        const char quote = text_[j];
        size_t close = text_.find(quote, j + 1);
        const size_t gt = text_.find('>', j + 1);
        // A missing closing quote: the value ends at the tag's '>'.
        if (close == std::string_view::npos ||
            (gt != std::string_view::npos && text_.find('<', j + 1) < close && gt < close)) {
          close = gt == std::string_view::npos ? text_.size() : gt;
          value = text_.substr(j + 1, close - j - 1);
          k = close;
          ++stats_->tags_repaired;
        } else {
          value = text_.substr(j + 1, close - j - 1);
          k = close + 1;
        }
      } else {
        const size_t vstart = j;
        while (j < text_.size() && !IsXmlSpace(text_[j]) && text_[j] != '>' && text_[j] != '<' &&
               !(text_[j] == '/' && j + 1 < text_.size() && text_[j + 1] == '>')) {
          ++j;
        }
        value = text_.substr(vstart, j - vstart);
        k = j;
        ++stats_->tags_repaired;
      }
    } else {
      ++stats_->tags_repaired;
    }
    for (const std::string& s : *seen) {
      if (s == attr) return k;  // duplicate attribute: the first wins
    }
    seen->emplace_back(attr);
    *tag += " ";
    tag->append(attr);
    *tag += "=\"";
    AppendRepairedText(value, tag, stats_);
    tag->push_back('"');
    return k;
  }

  std::string_view text_;
  RepairStats* stats_;
  std::string out_;
  std::vector<std::string> open_;
};

std::string RepairXml(std::string_view text, RepairStats* stats) {
  return XmlRepairer(text, stats).Run();
}

// ---------------------------------------------------------------------------------------------
// Namespaces and names.

// Short key for the namespaces feeds use; "" is the format's own vocabulary.
std::string NamespaceKey(const xmlNode* node) {
  if (node->ns == nullptr || node->ns->href == nullptr) {
    // Undeclared prefix ("itunes:subtitle" without xmlns:itunes): libxml2 keeps it in the name.
    const std::string_view name = AsView(node->name);
    const size_t colon = name.find(':');
    return colon == std::string_view::npos ? "" : text::ToAsciiLower(name.substr(0, colon));
  }
  std::string uri = text::ToAsciiLower(AsView(node->ns->href));
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  if (uri == "http://purl.org/rss/1.0" || uri == "http://my.netscape.com/rdf/simple/0.9" ||
      uri == "http://backend.userland.com/rss2" || uri == "http://backend.userland.com/rss" ||
      uri == "http://blogs.law.harvard.edu/tech/rss" || uri == "http://purl.org/net/rss1.1#") {
    return "";
  }
  if (uri == "http://www.w3.org/2005/atom" || uri == "http://purl.org/atom/ns#" ||
      uri == "http://purl.org/echo" || uri == "http://example.com/newformat#" ||
      uri == "http://example.com/necho" || uri == "http://purl.org/pie" ||
      uri == "http://example.com/pie") {
    return "atom";
  }
  if (uri == "http://purl.org/dc/elements/1.1" || uri == "http://purl.org/dc/elements/1.0") {
    return "dc";
  }
  if (uri == "http://purl.org/dc/terms") return "dcterms";
  if (uri == "http://purl.org/rss/1.0/modules/content") return "content";
  if (uri == "http://www.itunes.com/dtds/podcast-1.0.dtd" ||
      uri == "http://example.com/dtds/podcast-1.0.dtd") {
    return "itunes";
  }
  if (uri == "http://search.yahoo.com/mrss") return "media";
  if (uri == "http://www.w3.org/1999/xhtml") return "xhtml";
  if (uri == "http://www.w3.org/1999/02/22-rdf-syntax-ns#") return "rdf";
  // Unknown namespace: a default namespace is taken as the format's own, a prefix as itself.
  if (node->ns->prefix == nullptr) return "";
  return text::ToAsciiLower(AsView(node->ns->prefix));
}

std::string LocalName(const xmlNode* node) {
  std::string_view name = AsView(node->name);
  if (node->ns == nullptr) {
    const size_t colon = name.find(':');
    if (colon != std::string_view::npos) name.remove_prefix(colon + 1);
  }
  return text::ToAsciiLower(name);
}

std::string Attr(const xmlNode* node, const char* name) {
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    if (text::ToAsciiLower(AsView(a->name)) == name && a->ns == nullptr) {
      xmlChar* v = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(a));
      std::string s(AsView(v));
      xmlFree(v);
      return s;
    }
  }
  return "";
}

std::string AttrNs(const xmlNode* node, const char* name, const char* ns_uri) {
  xmlChar* v = xmlGetNsProp(node, reinterpret_cast<const xmlChar*>(name),
                            reinterpret_cast<const xmlChar*>(ns_uri));
  std::string s(AsView(v));
  xmlFree(v);
  return s;
}

std::string TextContent(const xmlNode* node) {
  xmlChar* v = xmlNodeGetContent(node);
  std::string s(AsView(v));
  xmlFree(v);
  return s;
}

bool HasElementChildren(const xmlNode* node) {
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Context: bases, serialization of inline markup.

class Walker {
 public:
  explicit Walker(std::string document_base) : document_base_(std::move(document_base)) {}

  // The base URL in effect at `node`: xml:base attributes resolved from the root down.
  std::string BaseOf(const xmlNode* node) const {
    std::vector<std::string> chain;
    for (const xmlNode* n = node; n != nullptr && n->type == XML_ELEMENT_NODE; n = n->parent) {
      std::string b = AttrNs(n, "base", "http://www.w3.org/XML/1998/namespace");
      if (!b.empty()) chain.push_back(std::move(b));
    }
    std::string base = document_base_;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) base = ResolveUrl(base, *it);
    return base;
  }

  // Serializes the children of `node` as HTML markup, resolving URL attributes.
  std::string InnerMarkup(const xmlNode* node) const {
    std::string out;
    for (const xmlNode* c = node->children; c != nullptr; c = c->next) Serialize(c, &out, 0);
    return out;
  }

  // A value whose type is unknown (RSS): markup when it has child elements or looks like HTML.
  struct Value {
    std::string text;  // plain
    std::string html;  // empty when plain
  };
  Value SniffedValue(const xmlNode* node) const {
    if (HasElementChildren(node)) return FromHtml(InnerMarkup(node), node, /*resolve=*/false);
    const std::string raw = TextContent(node);
    if (LooksLikeHtml(raw)) return FromHtml(raw, node, /*resolve=*/true);
    return Value{CollapseWhitespace(raw), ""};
  }

  // An Atom text construct (title, subtitle, summary, content; 0.3 and 1.0 rules).
  Value AtomValue(const xmlNode* node) const {
    const std::string type = text::ToAsciiLower(Attr(node, "type"));
    const std::string mode = text::ToAsciiLower(Attr(node, "mode"));
    const bool xhtml = type == "xhtml" || type == "application/xhtml+xml";
    const bool html = type == "html" || type == "text/html";
    const bool text = type.empty() || type == "text" || type == "text/plain";
    const bool xmlish =
        !xhtml && (type.size() > 4 && (type.ends_with("+xml") || type.ends_with("/xml")));
    const bool base64 = mode == "base64" || (!xhtml && !html && !text && !xmlish &&
                                             type.find("text/") != 0 && !type.empty());
    if (base64) {
      const std::string decoded = Base64Decode(TextContent(node));
      if (html || LooksLikeHtml(decoded)) return FromHtml(decoded, node, true);
      return Value{CollapseWhitespace(decoded), ""};
    }
    if (xhtml || xmlish || HasElementChildren(node)) {
      if (!HasElementChildren(node)) {
        const std::string raw = TextContent(node);
        if (html || mode == "escaped" || LooksLikeHtml(raw)) return FromHtml(raw, node, true);
        return Value{CollapseWhitespace(raw), ""};
      }
      const xmlNode* only = nullptr;
      int elements = 0;
      for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
          ++elements;
          only = c;
        }
      }
      // Atom 1.0 xhtml content is wrapped in one xhtml:div that is not part of the value.
      if (type == "xhtml" && elements == 1 && LocalName(only) == "div") {
        return FromHtml(InnerMarkup(only), node, false);
      }
      return FromHtml(InnerMarkup(node), node, false);
    }
    const std::string raw = TextContent(node);
    if (html || mode == "escaped") {
      // 0.3 "escaped" with a text type still carries markup-escaped text.
      if (html || LooksLikeHtml(raw)) return FromHtml(raw, node, true);
    }
    return Value{CollapseWhitespace(raw), ""};
  }

  std::string ResolvedLink(const xmlNode* node, std::string_view ref) const {
    return ResolveUrl(BaseOf(node), ref);
  }

 private:
  Value FromHtml(std::string html, const xmlNode* node, bool resolve) const {
    if (resolve) html = ResolveHtmlLinks(html, BaseOf(node));
    Value v;
    v.text = HtmlToPlainText(html);
    v.html = std::move(html);
    return v;
  }

  static std::string Base64Decode(std::string_view in) {
    auto val = [](char c) -> int {
      if (c >= 'A' && c <= 'Z') return c - 'A';
      if (c >= 'a' && c <= 'z') return c - 'a' + 26;
      if (c >= '0' && c <= '9') return c - '0' + 52;
      if (c == '+' || c == '-') return 62;
      if (c == '/' || c == '_') return 63;
      return -1;
    };
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
      const int v = val(c);
      if (v < 0) continue;  // whitespace, padding
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<char>((acc >> bits) & 0xFF));
      }
    }
    if (!IsValidUtf8(out)) out = Windows1252ToUtf8(out);
    return out;
  }

  static void Escape(std::string_view s, bool attribute, std::string* out) {
    for (char c : s) {
      switch (c) {
        case '&':
          *out += "&amp;";
          break;
        case '<':
          *out += "&lt;";
          break;
        case '>':
          *out += "&gt;";
          break;
        case '"':
          if (attribute) {
            *out += "&quot;";
          } else {
            out->push_back(c);
          }
          break;
        default:
          out->push_back(c);
      }
    }
  }

  void Serialize(const xmlNode* node, std::string* out, int depth) const {
    if (depth > 200) return;
    switch (node->type) {
      case XML_TEXT_NODE:
      case XML_CDATA_SECTION_NODE:
        Escape(AsView(node->content), false, out);
        return;
      case XML_ELEMENT_NODE:
        break;
      default:
        return;
    }
    std::string name(AsView(node->name));
    if (node->ns == nullptr) {
      const size_t colon = name.find(':');
      if (colon != std::string::npos) name.erase(0, colon + 1);
    }
    *out += "<" + name;
    const std::string lname = text::ToAsciiLower(name);
    // Foreign vocabularies keep their namespace so the markup stays meaningful.
    if (node->ns != nullptr && node->ns->href != nullptr &&
        (node->parent == nullptr || node->parent->ns == nullptr ||
         node->parent->ns->href == nullptr ||
         !xmlStrEqual(node->parent->ns->href, node->ns->href))) {
      const std::string_view href = AsView(node->ns->href);
      if (href != "http://www.w3.org/1999/xhtml" && NamespaceKey(node) != "atom") {
        *out += " xmlns=\"";
        Escape(href, true, out);
        out->push_back('"');
      }
    }
    for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
      const std::string aname(AsView(a->name));
      std::string value = TextContent(reinterpret_cast<const xmlNode*>(a));
      const std::string laname = text::ToAsciiLower(aname);
      if (a->ns != nullptr && AsView(a->ns->href) == "http://www.w3.org/XML/1998/namespace") {
        continue;  // xml:base / xml:lang are consumed here
      }
      if (laname == "href" || laname == "src" || laname == "cite" || laname == "longdesc" ||
          laname == "poster" || laname == "action") {
        value = ResolveUrl(BaseOf(node), value);
      }
      *out += " ";
      if (a->ns != nullptr && a->ns->prefix != nullptr) {
        out->append(AsView(a->ns->prefix));
        out->push_back(':');
      }
      *out += aname + "=\"";
      Escape(value, true, out);
      out->push_back('"');
    }
    static constexpr std::string_view kVoid[] = {"br",     "img",  "hr",    "input", "meta",
                                                 "link",   "area", "base",  "col",   "embed",
                                                 "source", "wbr",  "param", "track"};
    bool is_void = false;
    for (std::string_view v : kVoid) is_void = is_void || v == lname;
    if (is_void && node->children == nullptr) {
      *out += " />";
      return;
    }
    out->push_back('>');
    for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
      Serialize(c, out, depth + 1);
    }
    *out += "</" + name + ">";
  }

  std::string document_base_;
};

// ---------------------------------------------------------------------------------------------
// Field collection with precedence: a lower rank wins, equal ranks keep the first value.

struct Slot {
  int rank = INT_MAX;
  std::string text;
  std::string html;
  bool Offer(int r, std::string t, std::string h = {}) {
    if (r >= rank) return false;
    rank = r;
    text = std::move(t);
    html = std::move(h);
    return true;
  }
  bool empty() const { return rank == INT_MAX; }
};

struct Record {
  Slot title, link, id, subtitle, summary, content, author, updated, published;
  Person author_person;
  std::vector<Person> authors;
  bool summary_from_description = false;
};

void SetAuthorFromString(int rank, const std::string& raw, Record* r) {
  const std::string text = CollapseWhitespace(raw);
  if (text.empty()) return;
  if (r->author.Offer(rank, text)) {
    r->author_person = internal::ParseAuthorString(text);
    r->author.text = internal::FormatAuthor(r->author_person);
    r->authors.push_back(r->author_person);
  }
}

Person AtomPerson(const xmlNode* node) {
  Person p;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    const std::string n = LocalName(c);
    if (n == "name") p.name = CollapseWhitespace(TextContent(c));
    if (n == "email") p.email = CollapseWhitespace(TextContent(c));
    if (n == "uri" || n == "url") p.uri = CollapseWhitespace(TextContent(c));
  }
  if (p.name.empty() && p.email.empty() && !HasElementChildren(node)) {
    p = internal::ParseAuthorString(CollapseWhitespace(TextContent(node)));
  }
  return p;
}

bool IsAlternateLink(const xmlNode* node) {
  const std::string rel = text::ToAsciiLower(Attr(node, "rel"));
  return rel.empty() || rel == "alternate";
}

// Reads one child element of a feed/channel or entry/item into `r`.
void ReadChild(const xmlNode* c, bool is_entry, bool atom_doc, const Walker& w, Record* r) {
  const std::string ns = NamespaceKey(c);
  const std::string name = LocalName(c);
  // In Atom documents the Atom namespace is the document's own vocabulary.
  const bool core = ns.empty() || (atom_doc && ns == "atom");
  const bool atom = ns == "atom" || (atom_doc && ns.empty());

  if (atom && (name == "title" || name == "subtitle" || name == "tagline" || name == "summary" ||
               name == "content" || name == "info")) {
    Walker::Value v = w.AtomValue(c);
    if (name == "title") r->title.Offer(0, std::move(v.text), std::move(v.html));
    if (name == "subtitle" || name == "tagline") {
      r->subtitle.Offer(0, std::move(v.text), std::move(v.html));
    }
    if (name == "summary") r->summary.Offer(0, std::move(v.text), std::move(v.html));
    if (name == "content") r->content.Offer(0, std::move(v.text), std::move(v.html));
    return;
  }
  if (atom && name == "link") {
    std::string href = Attr(c, "href");
    // Some Atom 0.3 producers put the URL in the element's text.
    if (href.empty() && atom_doc) href = CollapseWhitespace(TextContent(c));
    if (!href.empty() && IsAlternateLink(c)) {
      r->link.Offer(atom_doc ? 0 : 1, w.ResolvedLink(c, href));
    }
    return;
  }
  if (atom && name == "id" && atom_doc) {
    std::string id = CollapseWhitespace(TextContent(c));
    if (id.find('/') != std::string::npos) id = w.ResolvedLink(c, id);
    r->id.Offer(0, std::move(id));
    return;
  }
  if (atom && (name == "author") && atom_doc) {
    Person p = AtomPerson(c);
    if (p.name.empty() && p.email.empty()) return;
    r->authors.push_back(p);
    if (r->author.Offer(0, internal::FormatAuthor(p))) r->author_person = p;
    return;
  }
  if (atom && (name == "updated" || name == "modified")) {
    r->updated.Offer(0, TextContent(c));
    return;
  }
  if (atom && (name == "published" || name == "issued")) {
    r->published.Offer(0, TextContent(c));
    return;
  }
  if (atom && name == "created") {
    r->published.Offer(1, TextContent(c));
    return;
  }
  if (atom_doc && core) return;  // other Atom elements carry nothing we map

  if (core && name == "title") {
    r->title.Offer(0, w.SniffedValue(c).text);
  } else if (ns == "dc" && name == "title") {
    r->title.Offer(1, w.SniffedValue(c).text);
  } else if (ns == "media" && name == "title" && is_entry) {
    r->title.Offer(2, w.SniffedValue(c).text);
  } else if (core && name == "link") {
    const std::string href = CollapseWhitespace(TextContent(c));
    if (!href.empty()) r->link.Offer(0, w.ResolvedLink(c, href));
  } else if (core && (name == "description" || name == "summary" || name == "abstract")) {
    Walker::Value v = w.SniffedValue(c);
    if (!is_entry) {
      r->subtitle.Offer(0, std::move(v.text), std::move(v.html));
    } else if (r->summary.rank > 0) {
      r->summary.Offer(0, std::move(v.text), std::move(v.html));
    } else {
      // feedparser's rule: the second of description/summary becomes the content.
      r->content.Offer(3, std::move(v.text), std::move(v.html));
    }
  } else if (ns == "dc" && name == "description") {
    Walker::Value v = w.SniffedValue(c);
    (is_entry ? r->summary : r->subtitle).Offer(1, std::move(v.text), std::move(v.html));
  } else if (ns == "itunes" && name == "subtitle") {
    Walker::Value v = w.SniffedValue(c);
    (is_entry ? r->summary : r->subtitle).Offer(3, std::move(v.text), std::move(v.html));
  } else if (ns == "itunes" && name == "summary") {
    Walker::Value v = w.SniffedValue(c);
    (is_entry ? r->summary : r->subtitle).Offer(2, std::move(v.text), std::move(v.html));
  } else if (core && name == "tagline") {
    r->subtitle.Offer(1, w.SniffedValue(c).text);
  } else if (ns == "content" && name == "encoded") {
    Walker::Value v = w.SniffedValue(c);
    r->content.Offer(0, std::move(v.text), std::move(v.html));
  } else if (ns == "xhtml" && name == "body") {
    Walker::Value v = w.AtomValue(c);
    r->content.Offer(1, std::move(v.text), w.InnerMarkup(c));
  } else if (core && name == "fullitem") {
    Walker::Value v = w.SniffedValue(c);
    r->content.Offer(2, std::move(v.text), std::move(v.html));
  } else if (core && name == "guid") {
    const std::string guid = CollapseWhitespace(TextContent(c));
    r->id.Offer(0, guid);
    const std::string permalink = text::ToAsciiLower(Attr(c, "ispermalink"));
    if (permalink != "false" && guid.find("://") != std::string::npos) {
      r->link.Offer(5, w.ResolvedLink(c, guid));
    }
  } else if (core && (name == "author" || name == "managingeditor")) {
    SetAuthorFromString(0, TextContent(c), r);
  } else if (ns == "dc" && (name == "creator" || name == "author")) {
    SetAuthorFromString(1, TextContent(c), r);
  } else if (ns == "itunes" && name == "author") {
    SetAuthorFromString(2, TextContent(c), r);
  } else if (core && name == "pubdate") {
    r->published.Offer(0, TextContent(c));
  } else if (core && name == "lastbuilddate") {
    r->updated.Offer(1, TextContent(c));
  } else if ((ns == "dc" && name == "date") || (ns == "dcterms" && name == "modified")) {
    r->updated.Offer(0, TextContent(c));
  } else if (ns == "dcterms" && (name == "issued" || name == "created")) {
    r->published.Offer(1, TextContent(c));
  } else if (ns == "atom" && name == "updated") {
    r->updated.Offer(2, TextContent(c));
  } else if (ns == "atom" && name == "published") {
    r->published.Offer(2, TextContent(c));
  }
}

std::optional<int64_t> ReadDate(const Slot& s, ParsedFeed* out) {
  if (s.empty()) return std::nullopt;
  const std::optional<int64_t> t = datetime::ParseDateTime(s.text);
  if (!t && out->warnings.size() < kMaxErrors) {
    out->warnings.push_back("unparseable date: " + CollapseWhitespace(s.text).substr(0, 80));
  }
  return t;
}

template <typename T>
void FillCommon(Record& r, const ParseOptions& options, ParsedFeed* out, T* t) {
  t->title = std::move(r.title.text);
  t->link = std::move(r.link.text);
  t->id = std::move(r.id.text);
  t->author = std::move(r.author.text);
  t->author_name = r.author_person.name;
  t->author_email = r.author_person.email;
  t->authors = std::move(r.authors);
  t->updated = ReadDate(r.updated, out);
  t->published = ReadDate(r.published, out);
  for (std::string* s : {&t->title, &t->link, &t->id, &t->author}) {
    internal::TruncateUtf8(s, options.max_field_bytes);
  }
}

FeedEntry MakeEntry(const xmlNode* item, bool atom_doc, const Walker& w,
                    const ParseOptions& options, ParsedFeed* out) {
  Record r;
  // RSS 1.0 items and CDF items carry their URL in attributes.
  const std::string about = AttrNs(item, "about", "http://www.w3.org/1999/02/22-rdf-syntax-ns#");
  if (!about.empty()) r.id.Offer(1, w.ResolvedLink(item, about));
  const std::string href = Attr(item, "href");
  if (!href.empty() && !atom_doc) r.link.Offer(1, w.ResolvedLink(item, href));
  const std::string lastmod = Attr(item, "lastmod");
  if (!lastmod.empty()) r.updated.Offer(3, lastmod);
  for (const xmlNode* c = item->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) ReadChild(c, /*is_entry=*/true, atom_doc, w, &r);
  }
  // Atom entries with content but no summary: the content doubles as summary (as feedparser
  // does), so consumers reading "summary" always get the text.
  if (atom_doc && r.summary.empty() && !r.content.empty()) r.summary = r.content;
  FeedEntry e;
  e.summary = std::move(r.summary.text);
  e.summary_html = std::move(r.summary.html);
  e.content = std::move(r.content.text);
  e.content_html = std::move(r.content.html);
  for (std::string* s : {&e.summary, &e.summary_html, &e.content, &e.content_html}) {
    internal::TruncateUtf8(s, options.max_field_bytes);
  }
  FillCommon(r, options, out, &e);
  return e;
}

void ReadFeedElement(const xmlNode* channel, bool atom_doc, const Walker& w, Record* r) {
  const std::string href = Attr(channel, "href");
  if (!href.empty() && !atom_doc) r->link.Offer(1, w.ResolvedLink(channel, href));
  const std::string lastmod = Attr(channel, "lastmod");
  if (!lastmod.empty()) r->updated.Offer(3, lastmod);
  for (const xmlNode* c = channel->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) ReadChild(c, /*is_entry=*/false, atom_doc, w, r);
  }
}

FeedFormat DetectFormat(const xmlNode* root, bool* atom_doc) {
  const std::string name = LocalName(root);
  *atom_doc = false;
  if (name == "rss") {
    const std::string version = Attr(root, "version");
    if (version.rfind("2", 0) == 0) return FeedFormat::kRss20;
    if (version.rfind("0.9", 0) == 0) return FeedFormat::kRss09x;
    return FeedFormat::kUnknown;
  }
  if (name == "rdf") {
    for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE || c->ns == nullptr) continue;
      std::string uri = text::ToAsciiLower(AsView(c->ns->href));
      if (uri == "http://purl.org/rss/1.0/") return FeedFormat::kRss10;
      if (uri == "http://my.netscape.com/rdf/simple/0.9/") return FeedFormat::kRss09x;
    }
    return FeedFormat::kUnknown;
  }
  if (name == "feed") {
    *atom_doc = true;
    if (root->ns != nullptr) {
      const std::string uri = text::ToAsciiLower(AsView(root->ns->href));
      if (uri == "http://www.w3.org/2005/atom") return FeedFormat::kAtom10;
      if (NamespaceKey(root) == "atom") return FeedFormat::kAtom03;
    }
    if (Attr(root, "version") == "0.3") return FeedFormat::kAtom03;
    return FeedFormat::kUnknown;
  }
  return FeedFormat::kUnknown;
}

struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtDeleter {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

void SilenceLibxml(void*, const char*, ...) {}

void InitLibxmlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetGenericErrorFunc(nullptr, SilenceLibxml);
  });
}

ParsedFeed ParseXmlFeed(std::string_view bytes, const ParseOptions& options,
                        std::string document_base) {
  ParsedFeed out;
  DecodedDocument decoded = DecodeToUtf8(bytes, options.content_type);
  out.encoding = decoded.encoding;
  if (decoded.fallback_used) AddError(&out, "encoding: " + decoded.note);
  if (!decoded.fallback_used && !decoded.note.empty()) out.warnings.push_back(decoded.note);

  RepairStats stats;
  const std::string xml = RepairXml(decoded.utf8, &stats);
  decoded.utf8.clear();
  decoded.utf8.shrink_to_fit();
  if (stats.unknown_entities > 0 || stats.bare_ampersands > 0) {
    AddError(&out, "undefined entity references or bare '&' or '<' escaped (" +
                       std::to_string(stats.unknown_entities + stats.bare_ampersands) + ")");
  }
  if (stats.html_entities > 0) {
    AddError(&out, "HTML entities undefined in XML (" + std::to_string(stats.html_entities) +
                       ") read as their characters");
  }
  if (stats.control_chars > 0) AddError(&out, "control characters removed");
  if (stats.tags_repaired > 0) {
    AddError(&out,
             "unbalanced or malformed tags repaired (" + std::to_string(stats.tags_repaired) + ")");
  }
  if (stats.doctype_removed) out.warnings.push_back("DOCTYPE ignored (no DTD processing)");

  InitLibxmlOnce();
  std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(xmlNewParserCtxt());
  if (!ctxt) {
    AddError(&out, "out of memory creating the XML parser");
    return out;
  }
  // Never XML_PARSE_NOENT / DTDLOAD / DTDVALID / HUGE: no entity substitution, no DTD, no
  // network, libxml2's default size and depth limits stay on.
  const int flags = XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                    XML_PARSE_NOCDATA | XML_PARSE_NOXINCNODE;
  std::unique_ptr<xmlDoc, DocDeleter> doc(xmlCtxtReadMemory(
      ctxt.get(), xml.data(), static_cast<int>(xml.size()), nullptr, "UTF-8", flags));
  if (!ctxt->wellFormed) {
    const xmlError* err = xmlCtxtGetLastError(ctxt.get());
    std::string msg = "XML not well-formed";
    if (err != nullptr && err->message != nullptr) {
      msg += " (line " + std::to_string(err->line) + "): " + CollapseWhitespace(err->message);
    }
    AddError(&out, std::move(msg));
  }
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr) {
    AddError(&out, "no document element");
    return out;
  }
  bool atom_doc = false;
  out.format = DetectFormat(root, &atom_doc);
  Walker walker(std::move(document_base));

  // Where the feed-level fields and the entries live.
  const xmlNode* channel = root;
  std::vector<const xmlNode*> items;
  const std::string root_name = LocalName(root);
  if (root_name == "rss" || root_name == "rdf") {
    for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE && LocalName(c) == "channel") {
        channel = c;
        break;
      }
    }
  }
  const char* item_name = atom_doc ? "entry" : "item";
  auto collect = [&](const xmlNode* parent) {
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE && LocalName(c) == item_name) items.push_back(c);
    }
  };
  collect(root);
  if (channel != root) collect(channel);

  Record feed_record;
  ReadFeedElement(channel, atom_doc, walker, &feed_record);
  FillCommon(feed_record, options, &out, &out.feed);
  out.feed.subtitle = std::move(feed_record.subtitle.text);
  internal::TruncateUtf8(&out.feed.subtitle, options.max_field_bytes);

  for (const xmlNode* item : items) {
    if (out.entries.size() >= options.max_entries) {
      out.warnings.push_back("entry limit reached; later entries dropped");
      break;
    }
    out.entries.push_back(MakeEntry(item, atom_doc, walker, options, &out));
  }
  if (out.format == FeedFormat::kUnknown && root_name != "rss" && root_name != "channel" &&
      root_name != "feed" && root_name != "rdf") {
    AddError(&out, "document element <" + std::string(AsView(root->name)) + "> is not a feed");
  }
  return out;
}

}  // namespace

namespace internal {

Person ParseAuthorString(std::string_view text) {
  Person p;
  // The e-mail address: the first token with an '@' and a dot after it.
  const size_t at = text.find('@');
  if (at != std::string_view::npos) {
    auto is_email_char = [](char c) {
      return IsNameChar(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
    };
    size_t b = at;
    while (b > 0 && is_email_char(text[b - 1])) --b;
    size_t e = at + 1;
    while (e < text.size() && is_email_char(text[e])) ++e;
    while (e > at + 1 && text[e - 1] == '.') --e;
    if (b < at && e > at + 1 && text.substr(at, e - at).find('.') != std::string_view::npos) {
      p.email = std::string(text.substr(b, e - b));
      std::string rest = std::string(text.substr(0, b)) + std::string(text.substr(e));
      // Drop the wrapping around the address: "mailto:", "()", "<>".
      for (const std::string_view junk : {"mailto:", "()", "<>", "( )", "< >"}) {
        for (size_t k; (k = rest.find(junk)) != std::string::npos;) rest.erase(k, junk.size());
      }
      std::string cleaned;
      for (char c : rest) {
        if (c != '(' && c != ')' && c != '<' && c != '>') cleaned.push_back(c);
      }
      p.name = CollapseWhitespace(cleaned);
      return p;
    }
  }
  p.name = CollapseWhitespace(text);
  return p;
}

std::string FormatAuthor(const Person& person) {
  if (!person.name.empty() && !person.email.empty()) {
    return person.name + " (" + person.email + ")";
  }
  return person.name.empty() ? person.email : person.name;
}

void TruncateUtf8(std::string* s, size_t max_bytes) {
  if (s->size() <= max_bytes) return;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) --cut;
  s->resize(cut);
}

}  // namespace internal

std::string_view FeedFormatName(FeedFormat format) {
  switch (format) {
    case FeedFormat::kRss20:
      return "rss20";
    case FeedFormat::kRss10:
      return "rss10";
    case FeedFormat::kRss09x:
      return "rss09x";
    case FeedFormat::kAtom10:
      return "atom10";
    case FeedFormat::kAtom03:
      return "atom03";
    case FeedFormat::kJson:
      return "json";
    case FeedFormat::kUnknown:
      break;
  }
  return "unknown";
}

ParsedFeed ParseFeed(std::string_view bytes, const ParseOptions& options) {
  bool truncated = false;
  if (bytes.size() > options.max_document_bytes) {
    bytes = bytes.substr(0, options.max_document_bytes);
    truncated = true;
  }
  std::string base = options.document_url;
  if (!options.content_location.empty()) {
    const std::string loc = ResolveUrl(base, options.content_location);
    if (IsSafeBaseUrl(loc)) base = loc;
  }
  // JSON Feed: the first significant byte is '{' (after an optional UTF-8 BOM).
  size_t i = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (i < bytes.size() &&
         (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r')) {
    ++i;
  }
  ParsedFeed result;
  if (i < bytes.size() && bytes[i] == '{') {
    ParseOptions json_options = options;
    json_options.document_url = base;
    json_options.content_location.clear();
    const std::string_view body = bytes.substr(i);
    if (IsValidUtf8(body)) {
      result = internal::ParseJsonFeed(body, json_options);
    } else {
      result = internal::ParseJsonFeed(Windows1252ToUtf8(body), json_options);
      AddError(&result, "encoding: JSON Feed is not UTF-8; read as windows-1252");
    }
  } else if (i == bytes.size()) {
    AddError(&result, "empty document");
  } else {
    result = ParseXmlFeed(bytes, options, std::move(base));
  }
  if (truncated) {
    AddError(&result, "document longer than " + std::to_string(options.max_document_bytes) +
                          " bytes; parsed the beginning only");
  }
  return result;
}

}  // namespace newsflow::feed
