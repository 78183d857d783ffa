#include "services/core/html/article_extractor.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "services/core/html/html_dom.h"
#include "services/core/html/html_text.h"
#include "services/core/text/hygiene.h"

namespace newsflow::html {
namespace {

using internal::Attr;
using internal::Tag;
using internal::TagOf;

// ---------------------------------------------------------------------------------------------
// Class/id name heuristics.

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Lower-cased "class id" of an element, words separated by single spaces (separators '-', '_'
// and camelCase humps also split words, so "shareBar" and "share-bar" both hold "share").
struct Names {
  std::string joined;                   // lower-cased class + ' ' + id, as written
  std::vector<std::string_view> words;  // points into `joined_words`
  std::string joined_words;
};

void SplitWords(std::string_view raw, std::string* out) {
  char prev = ' ';
  for (const char c0 : raw) {
    const bool upper = c0 >= 'A' && c0 <= 'Z';
    const char c = Lower(c0);
    if (!IsAlnum(c)) {
      if (!out->empty() && out->back() != ' ') out->push_back(' ');
    } else {
      if (upper && prev >= 'a' && prev <= 'z' && !out->empty() && out->back() != ' ') {
        out->push_back(' ');
      }
      out->push_back(c);
    }
    prev = c0;
  }
  if (!out->empty() && out->back() != ' ') out->push_back(' ');
}

bool HasWord(std::string_view words, std::string_view word) {
  // `words` is " w1 w2 ... " style: leading space added by the caller.
  size_t pos = 0;
  while ((pos = words.find(word, pos)) != std::string_view::npos) {
    const bool start_ok = pos == 0 || words[pos - 1] == ' ';
    const bool end_ok = pos + word.size() == words.size() || words[pos + word.size()] == ' ';
    if (start_ok && end_ok) return true;
    ++pos;
  }
  return false;
}

bool HasAny(std::string_view text, std::initializer_list<std::string_view> needles) {
  for (const std::string_view n : needles) {
    if (text.find(n) != std::string_view::npos) return true;
  }
  return false;
}

bool HasAnyWord(std::string_view words, std::initializer_list<std::string_view> needles) {
  for (const std::string_view n : needles) {
    if (HasWord(words, n)) return true;
  }
  return false;
}

enum class NameClass : uint8_t { kNeutral, kFurniture, kNegative, kPositive };

// Classifies an element by its class and id. kFurniture: a block that is page furniture whatever
// it contains (share bars, comments, related links, newsletters, cookie banners, ads);
// kNegative: probably not content (weighs against it in scoring); kPositive: probably content.
// `words_buffer` and `flat_buffer` are scratch space reused across calls to spare allocations.
NameClass ClassifyNames(std::string_view cls, std::string_view id, int* weight,
                        std::string* words_buffer, std::string* flat_buffer) {
  *weight = 0;
  if (cls.empty() && id.empty()) return NameClass::kNeutral;
  std::string& words = *words_buffer;
  words.assign(1, ' ');
  SplitWords(cls, &words);
  SplitWords(id, &words);
  // Substring checks run on the concatenated words so "sharebar", "share-tools" and
  // "socialShare" all match.
  std::string& flat = *flat_buffer;
  flat.clear();
  for (const char c : words) {
    if (c != ' ') flat.push_back(c);
  }
  // Names that only ever mean "the article text" beat any furniture word next to them
  // ("entry-content entry-content-read-more").
  if (HasAny(flat, {"articlebody", "entrycontent", "postcontent", "storybody", "articlecontent",
                    "postbody", "articletext", "storycontent", "storytext", "entrybody", "bodytext",
                    "textbody", "contentbody", "postentry", "contentarticle"}) &&
      !HasAny(flat, {"comment", "related", "sidebar"})) {
    *weight = 25;
    return NameClass::kPositive;
  }
  // Embedded posts (tweets, Instagram) quoted by the article are part of its text.
  if (HasAny(flat, {"embed", "tweet"}) && !HasAny(flat, {"comment", "related", "sidebar"})) {
    return NameClass::kNeutral;
  }
  const bool positive = HasAny(flat, {"article", "content", "entry", "story", "post", "body",
                                      "text", "main", "blog", "hentry"}) &&
                        !HasAny(flat, {"related", "recommend", "comment", "sidebar", "teaser",
                                       "promo", "footer", "card", "more"});
  const bool furniture =
      HasAny(flat, {"comment",   "share",        "social",      "related",    "newsletter",
                    "subscri",   "cookie",       "consent",     "gdpr",       "breadcrumb",
                    "outbrain",  "taboola",      "recommend",   "sidebar",    "advert",
                    "sponsor",   "promo",        "popup",       "modal",      "banner",
                    "disqus",    "signup",       "byline",      "caption",    "credit",
                    "skiplink",  "readmore",     "mostpopular", "mostread",   "trending",
                    "taglist",   "toolbar",      "widget",      "pagination", "masthead",
                    "footnote",  "dateline",     "timestamp",   "authorbio",  "authorinfo",
                    "slideshow", "slider",       "carousel",    "gallery",    "visuallyhidden",
                    "sronly",    "screenreader", "offscreen"}) ||
      HasAnyWord(words,
                 {"ad",       "ads",   "adv",  "nav",   "navbar", "menu",   "footer", "header",
                  "hidden",   "hide",  "meta", "print", "tools",  "author", "date",   "topics",
                  "keywords", "aside", "rail", "dfp",   "jump",   "pager",  "tags"});
  const bool negative = HasAny(
      flat, {"foot",  "header",    "media", "contact", "hidden", "scroll",   "shopping",   "tool",
             "combx", "community", "extra", "remark",  "rss",    "shoutbox", "skyscraper", "nav",
             "menu",  "teaser",    "card",  "list",    "more",   "aux"});
  if (positive) *weight += 25;
  if (furniture || negative) *weight -= 25;
  if (furniture && !positive) return NameClass::kFurniture;
  if (furniture && positive) return NameClass::kNegative;
  if (negative && !positive) return NameClass::kNegative;
  if (positive) return NameClass::kPositive;
  return NameClass::kNeutral;
}

bool IsHiddenByAttributes(const xmlNode* node) {
  if (xmlHasProp(node, reinterpret_cast<const xmlChar*>("hidden")) != nullptr) return true;
  if (Attr(node, "aria-hidden") == "true") return true;
  const std::string_view style = Attr(node, "style");
  if (!style.empty()) {
    std::string s;
    for (const char c : style) {
      if (c != ' ') s.push_back(Lower(c));
    }
    if (s.find("display:none") != std::string::npos ||
        s.find("visibility:hidden") != std::string::npos) {
      return true;
    }
  }
  const std::string_view role = Attr(node, "role");
  if (role == "navigation" || role == "banner" || role == "contentinfo" ||
      role == "complementary" || role == "dialog" || role == "alertdialog" || role == "search" ||
      role == "menu" || role == "menubar" || role == "toolbar") {
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Per-element bookkeeping, in document (pre-)order: a parent always precedes its children.

struct Element {
  const xmlNode* node = nullptr;
  int32_t parent = -1;
  int32_t block = -1;  // nearest ancestor-or-self that starts a paragraph
  Tag tag = Tag::kOther;
  NameClass name_class = NameClass::kNeutral;
  bool hard_junk = false;  // invisible or furniture by tag/role/attribute (inherited)
  bool soft_junk = false;  // furniture by its own name or a header/footer-like tag
  bool removed = false;    // final decision, inherited
  bool in_link = false;
  bool in_article = false;  // has an <article> ancestor
  int8_t weight = 0;        // class/id weight, readability-style
  uint32_t raw_chars = 0;   // prose chars (in p/pre/blockquote, not links), soft junk included
  uint32_t chars = 0;       // visible chars of non-removed text in the subtree
  uint32_t link_chars = 0;
  uint32_t commas = 0;
  uint32_t own_chars = 0;  // chars whose nearest paragraph block is this element
  uint32_t own_link_chars = 0;
  uint32_t own_commas = 0;
  double score = 0;
  bool initialized = false;
  bool on_top_path = false;  // the top candidate or an ancestor of it: exempt from cleaning
};

struct TextRef {
  int32_t parent;
  uint32_t chars;
  uint32_t commas;
};

struct Counts {
  uint32_t chars = 0;
  uint32_t commas = 0;
};

Counts CountText(const xmlChar* s) {
  Counts c;
  for (const unsigned char* p = s; *p != 0; ++p) {
    const unsigned char b = *p;
    if ((b & 0xC0) == 0x80) continue;
    if (b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f') continue;
    ++c.chars;
    if (b == ',') {
      ++c.commas;
    } else if (b == 0xEF && p[1] == 0xBC && p[2] == 0x8C) {  // U+FF0C FULLWIDTH COMMA
      ++c.commas;
    } else if (b == 0xE3 && p[1] == 0x80 && p[2] == 0x81) {  // U+3001 IDEOGRAPHIC COMMA
      ++c.commas;
    } else if (b == 0xD8 && p[1] == 0x8C) {  // U+060C ARABIC COMMA
      ++c.commas;
    }
  }
  return c;
}

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n\f");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n\f");
  return s.substr(b, e - b + 1);
}

std::string CleanOneLine(std::string_view s) {
  std::vector<std::string> lines = text::CleanParagraphs(s, nullptr);
  std::string out;
  for (const std::string& l : lines) {
    if (!out.empty()) out.push_back(' ');
    out += l;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Metadata.

struct Meta {
  std::string og_title, twitter_title, title_tag;
  std::string meta_author, article_author, parsely_author, dc_creator;
  std::string published_meta, published_other, time_datetime;
  std::string canonical, og_url;
  std::string html_lang, og_locale;
  std::string site_name;
  std::string og_description, description;
  // JSON-LD
  std::string ld_headline, ld_author, ld_published, ld_body, ld_description, ld_publisher, ld_url;
};

// Text children of an element the visible-text walk skips (<title>, <script>).
std::string RawText(const xmlNode* node) {
  std::string out;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->content != nullptr) out += reinterpret_cast<const char*>(c->content);
  }
  return out;
}

void SetIfEmpty(std::string* field, std::string_view value) {
  value = Trim(value);
  if (field->empty() && !value.empty()) *field = CleanOneLine(value);
}

bool LooksLikeUrl(std::string_view s) {
  return s.substr(0, 7) == "http://" || s.substr(0, 8) == "https://" || s.substr(0, 1) == "/";
}

void ReadMetaTag(const xmlNode* node, Meta* meta) {
  std::string_view key = Attr(node, "property");
  if (key.empty()) key = Attr(node, "name");
  if (key.empty()) key = Attr(node, "itemprop");
  const std::string_view content = Attr(node, "content");
  if (key.empty() || content.empty()) return;
  std::string k(key);
  for (char& c : k) c = Lower(c);
  if (k == "og:title") {
    SetIfEmpty(&meta->og_title, content);
  } else if (k == "twitter:title") {
    SetIfEmpty(&meta->twitter_title, content);
  } else if (k == "author") {
    if (!LooksLikeUrl(content)) SetIfEmpty(&meta->meta_author, content);
  } else if (k == "article:author") {
    if (!LooksLikeUrl(content)) SetIfEmpty(&meta->article_author, content);
  } else if (k == "parsely-author" || k == "sailthru.author") {
    SetIfEmpty(&meta->parsely_author, content);
  } else if (k == "dc.creator" || k == "dcterms.creator" || k == "byl") {
    SetIfEmpty(&meta->dc_creator, content);
  } else if (k == "article:published_time" || k == "datepublished" ||
             k == "og:article:published_time") {
    SetIfEmpty(&meta->published_meta, content);
  } else if (k == "pubdate" || k == "publishdate" || k == "publish-date" || k == "date" ||
             k == "dc.date" || k == "dc.date.issued" || k == "dcterms.created" ||
             k == "parsely-pub-date" || k == "sailthru.date" || k == "article.published" ||
             k == "publication_date" || k == "original-publish-date") {
    SetIfEmpty(&meta->published_other, content);
  } else if (k == "og:url") {
    SetIfEmpty(&meta->og_url, content);
  } else if (k == "og:locale") {
    SetIfEmpty(&meta->og_locale, content);
  } else if (k == "og:site_name") {
    SetIfEmpty(&meta->site_name, content);
  } else if (k == "og:description") {
    SetIfEmpty(&meta->og_description, content);
  } else if (k == "description" || k == "twitter:description") {
    SetIfEmpty(&meta->description, content);
  }
}

bool IsArticleType(simdjson::dom::element type) {
  auto is_article = [](std::string_view t) {
    return t.find("Article") != std::string_view::npos || t == "BlogPosting" || t == "Report" ||
           t == "LiveBlogPosting" || t == "SocialMediaPosting";
  };
  std::string_view s;
  if (type.get(s) == simdjson::SUCCESS) return is_article(s);
  simdjson::dom::array arr;
  if (type.get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : arr) {
      if (e.get(s) == simdjson::SUCCESS && is_article(s)) return true;
    }
  }
  return false;
}

std::string JsonName(simdjson::dom::element e) {
  std::string_view s;
  if (e.get(s) == simdjson::SUCCESS) return LooksLikeUrl(s) ? std::string() : std::string(s);
  simdjson::dom::object obj;
  if (e.get(obj) == simdjson::SUCCESS) {
    if (obj["name"].get(s) == simdjson::SUCCESS) return std::string(s);
    return {};
  }
  simdjson::dom::array arr;
  if (e.get(arr) == simdjson::SUCCESS) {
    std::string out;
    for (simdjson::dom::element item : arr) {
      std::string name = JsonName(item);
      if (name.empty()) continue;
      if (!out.empty()) out += ", ";
      out += name;
    }
    return out;
  }
  return {};
}

void VisitJsonLd(simdjson::dom::element e, int depth, Meta* meta) {
  if (depth > 6) return;
  simdjson::dom::array arr;
  if (e.get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : arr) VisitJsonLd(item, depth + 1, meta);
    return;
  }
  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) return;
  simdjson::dom::element graph;
  if (obj["@graph"].get(graph) == simdjson::SUCCESS) VisitJsonLd(graph, depth + 1, meta);
  simdjson::dom::element type;
  if (obj["@type"].get(type) != simdjson::SUCCESS || !IsArticleType(type)) {
    // Some pages nest the article under mainEntity.
    simdjson::dom::element main_entity;
    if (obj["mainEntity"].get(main_entity) == simdjson::SUCCESS) {
      VisitJsonLd(main_entity, depth + 1, meta);
    }
    return;
  }
  std::string_view s;
  if (obj["headline"].get(s) == simdjson::SUCCESS) SetIfEmpty(&meta->ld_headline, s);
  if (obj["datePublished"].get(s) == simdjson::SUCCESS) SetIfEmpty(&meta->ld_published, s);
  if (obj["description"].get(s) == simdjson::SUCCESS) SetIfEmpty(&meta->ld_description, s);
  if (obj["articleBody"].get(s) == simdjson::SUCCESS && meta->ld_body.size() < s.size()) {
    meta->ld_body = std::string(s);
  }
  if (obj["url"].get(s) == simdjson::SUCCESS) SetIfEmpty(&meta->ld_url, s);
  simdjson::dom::element author;
  if (obj["author"].get(author) == simdjson::SUCCESS)
    SetIfEmpty(&meta->ld_author, JsonName(author));
  simdjson::dom::element publisher;
  if (obj["publisher"].get(publisher) == simdjson::SUCCESS) {
    SetIfEmpty(&meta->ld_publisher, JsonName(publisher));
  }
}

void ReadJsonLd(const xmlNode* script, simdjson::dom::parser* parser, Meta* meta) {
  const std::string json = RawText(script);
  const std::string_view trimmed = Trim(json);
  if (trimmed.empty()) return;
  simdjson::padded_string padded(trimmed);
  simdjson::dom::element root;
  if (parser->parse(padded).get(root) != simdjson::SUCCESS) return;
  VisitJsonLd(root, 0, meta);
}

// Short lines that label page furniture rather than say anything ("Advertisement", "Share this").
bool IsFurnitureLabel(const std::string& paragraph) {
  if (paragraph.size() > 40) return false;
  std::string lower;
  for (const char c : paragraph) {
    if (c == '.' || c == ':' || c == '!') continue;
    lower.push_back(Lower(c));
  }
  // clang-format off
  static constexpr std::string_view kLabels[] = {
      "advertisement", "advert", "ad", "ads", "sponsored", "sponsored links", "sponsored content",
      "story continues below advertisement", "article continues below advertisement",
      "continue reading below", "continue reading", "comments", "comment", "tags", "share",
      "share this", "share this article", "share this story", "related", "related articles",
      "related stories", "read more", "more", "print", "email", "tweet", "facebook", "twitter",
      "close", "skip advertisement", "you may also like", "recommended", "more on this",
      "we recommend", "most popular", "most read", "trending", "loading", "highlights",
      "key points", "listen", "watch", "video", "photos", "gallery", "view comments", "subscribe",
      "learn more", "text size", "breaking news", "sign up", "log in", "menu",
  };
  // clang-format on
  for (const std::string_view label : kLabels) {
    if (lower == label) return true;
  }
  return false;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// Calls to action and credits that articles end with, and datelines they start with, are inside
// the content container on many sites but are not the article. Only the edges are trimmed, so a
// sentence in the middle that happens to mention a newsletter stays.
void TrimEdgeBoilerplate(std::vector<std::string>* paragraphs) {
  auto is_tail = [](const std::string& p) {
    if (p.size() > 400) return false;
    const std::string l = LowerAscii(p);
    // clang-format off
    return HasAny(l, {
        "follow us", "follow him", "follow her", "follow them", "on twitter", "on facebook",
        "on instagram", "newsletter", "sign up", "subscribe", "all rights reserved", "copyright ©",
        "share it with", "share this", "contributed to this report", "contributed reporting",
        "join our", "let us know", "click here", "download the", "get the app",
        "this story has been shared", "read more:", "more from", "what you think", "reporting by",
        "editing by", "write to ", "full coverage", "if you enjoyed", "great stories",
        "more stories",
    });
    // clang-format on
  };
  auto is_head = [](const std::string& p) {
    if (p.size() > 120) return false;
    const std::string l = LowerAscii(p);
    return l.rfind("posted:", 0) == 0 || l.rfind("updated:", 0) == 0 ||
           l.rfind("published:", 0) == 0 || l.rfind("last updated", 0) == 0 ||
           l.rfind("by ", 0) == 0;
  };
  size_t tail = 0;
  while (tail < 4 && tail < paragraphs->size() &&
         is_tail((*paragraphs)[paragraphs->size() - 1 - tail])) {
    ++tail;
  }
  // A short title line right above a trimmed call to action introduces it ("Something to
  // Consider", "More Great Stories").
  while (tail > 0 && tail < paragraphs->size()) {
    const std::string& p = (*paragraphs)[paragraphs->size() - 1 - tail];
    const char last = p.empty() ? '.' : p.back();
    if (p.size() >= 50 || last == '.' || last == '!' || last == '?' || last == '"') break;
    ++tail;
  }
  paragraphs->resize(paragraphs->size() - tail);
  // Press releases end with an "About <company>" section: boilerplate repeated on every release.
  for (size_t i = paragraphs->size() / 2; i < paragraphs->size(); ++i) {
    const std::string& p = (*paragraphs)[i];
    if (i > 0 && p.size() < 60 && p.rfind("About ", 0) == 0) {
      paragraphs->resize(i);
      break;
    }
  }
  size_t head = 0;
  while (head < 3 && head < paragraphs->size() && is_head((*paragraphs)[head])) ++head;
  paragraphs->erase(paragraphs->begin(), paragraphs->begin() + static_cast<std::ptrdiff_t>(head));
}

// Splits on ASCII non-alphanumerics (and spaces); good enough to compare two renderings of the
// same text, whatever the script.
template <typename Fn>
void ForEachWord(std::string_view text, Fn&& fn) {
  size_t start = std::string_view::npos;
  for (size_t i = 0; i <= text.size(); ++i) {
    const bool word_byte =
        i < text.size() && (static_cast<unsigned char>(text[i]) >= 0x80 || IsAlnum(Lower(text[i])));
    if (word_byte && start == std::string_view::npos) start = i;
    if (!word_byte && start != std::string_view::npos) {
      fn(text.substr(start, i - start));
      start = std::string_view::npos;
    }
  }
}

// Share of the distinct words of `reference` that occur in `paragraphs`.
double WordCoverage(std::string_view reference, const std::vector<std::string>& paragraphs) {
  std::unordered_set<std::string_view> have;
  for (const std::string& p : paragraphs) {
    ForEachWord(p, [&have](std::string_view w) { have.insert(w); });
  }
  std::unordered_set<std::string_view> wanted;
  ForEachWord(reference, [&wanted](std::string_view w) { wanted.insert(w); });
  if (wanted.empty()) return 1.0;
  size_t found = 0;
  for (const std::string_view w : wanted) found += have.count(w);
  return static_cast<double>(found) / wanted.size();
}

// ---------------------------------------------------------------------------------------------
// The extractor proper.

class Extractor {
 public:
  Extractor(const xmlNode* root, const ArticleExtractorOptions& options)
      : root_(root), options_(options) {}
  ~Extractor() {
    // The tree outlives nothing of ours, but leave no dangling back-pointers in it.
    for (const Element& e : elements_) const_cast<xmlNode*>(e.node)->_private = nullptr;
  }

  void Run(ExtractedArticle* out);

 private:
  void Collect();
  void DecideRemoval();
  void CountVisible();
  void Score();
  int32_t PickTop();
  bool SkipInOutput(const Element& e) const;
  void Render(const std::vector<int32_t>& roots, std::vector<std::string>* paragraphs) const;
  double FinalScore(int32_t i) const;
  double LinkDensity(int32_t i) const {
    const Element& e = elements_[i];
    return e.chars == 0 ? 0.0 : static_cast<double>(e.link_chars) / e.chars;
  }
  int32_t IndexOf(const xmlNode* node) const {
    return static_cast<int32_t>(reinterpret_cast<intptr_t>(node->_private)) - 1;
  }

  const xmlNode* root_;
  const ArticleExtractorOptions& options_;
  std::vector<Element> elements_;
  std::vector<TextRef> texts_;
  Meta meta_;
  simdjson::dom::parser json_parser_;
  int32_t body_ = -1;
  std::string words_buffer_, flat_buffer_;
  // Pages repeat the same class names on many elements: classify each distinct pair once.
  std::unordered_map<std::string, std::pair<NameClass, int>> name_cache_;
  std::string name_key_;

  NameClass CachedClassify(const xmlNode* node, int* weight) {
    const std::string_view cls = Attr(node, "class");
    const std::string_view id = Attr(node, "id");
    if (cls.empty() && id.empty()) {
      *weight = 0;
      return NameClass::kNeutral;
    }
    name_key_.assign(cls);
    name_key_.push_back('\0');
    name_key_.append(id);
    const auto it = name_cache_.find(name_key_);
    if (it != name_cache_.end()) {
      *weight = it->second.second;
      return it->second.first;
    }
    const NameClass result = ClassifyNames(cls, id, weight, &words_buffer_, &flat_buffer_);
    name_cache_.emplace(name_key_, std::make_pair(result, *weight));
    return result;
  }
};

// Inline formatting elements are never furniture on their own; skipping their class names saves
// most of the name matching on a page.
bool HasMeaningfulNames(Tag tag) {
  switch (tag) {
    case Tag::kA:
    case Tag::kB:
    case Tag::kI:
    case Tag::kStrong:
    case Tag::kEm:
    case Tag::kImg:
    case Tag::kBr:
    case Tag::kFont:
    case Tag::kCode:
    case Tag::kTime:
    case Tag::kMeta:
    case Tag::kLink:
      return false;
    default:
      return true;
  }
}

void Extractor::Collect() {
  elements_.reserve(4096);
  texts_.reserve(4096);
  const xmlNode* node = root_;
  int32_t parent = -1;
  while (node != nullptr) {
    bool descend = false;
    if (node->type == XML_ELEMENT_NODE) {
      const Tag tag = TagOf(node);
      const int32_t index = static_cast<int32_t>(elements_.size());
      elements_.emplace_back();
      Element& e = elements_.back();
      e.node = node;
      e.parent = parent;
      e.tag = tag;
      const_cast<xmlNode*>(node)->_private =
          reinterpret_cast<void*>(static_cast<intptr_t>(index) + 1);
      const Element* p = parent >= 0 ? &elements_[parent] : nullptr;
      e.in_link = tag == Tag::kA || (p != nullptr && p->in_link);
      e.in_article = p != nullptr && (p->in_article || p->tag == Tag::kArticle);
      const bool starts_block = internal::IsBlock(tag) || tag == Tag::kTd || tag == Tag::kTh;
      e.block = starts_block || p == nullptr ? index : p->block;
      switch (tag) {
        case Tag::kMeta:
          ReadMetaTag(node, &meta_);
          break;
        case Tag::kLink: {
          std::string rel(Attr(node, "rel"));
          for (char& c : rel) c = Lower(c);
          if (rel == "canonical") SetIfEmpty(&meta_.canonical, Attr(node, "href"));
          break;
        }
        case Tag::kTitle:
          if (meta_.title_tag.empty()) meta_.title_tag = RawText(node);
          break;
        case Tag::kScript: {
          std::string_view type = Attr(node, "type");
          if (type.find("ld+json") != std::string_view::npos)
            ReadJsonLd(node, &json_parser_, &meta_);
          break;
        }
        case Tag::kHtml:
          SetIfEmpty(&meta_.html_lang, Attr(node, "lang"));
          break;
        case Tag::kBody:
          if (body_ < 0) body_ = index;
          break;
        case Tag::kTime:
          if (meta_.time_datetime.empty()) SetIfEmpty(&meta_.time_datetime, Attr(node, "datetime"));
          break;
        default:
          break;
      }
      if (node->properties != nullptr) {
        const std::string_view itemprop = Attr(node, "itemprop");
        if (itemprop == "datePublished") {
          std::string_view v = Attr(node, "datetime");
          if (v.empty()) v = Attr(node, "content");
          SetIfEmpty(&meta_.published_meta, v);
        }
      }
      bool hard = (p != nullptr && p->hard_junk) || internal::IsInvisible(tag);
      if (!hard) {
        switch (tag) {
          case Tag::kNav:
          case Tag::kAside:
          case Tag::kDialog:
          case Tag::kMenu:
          case Tag::kLabel:
            hard = true;
            break;
          case Tag::kFooter:
          case Tag::kHeader:
          case Tag::kForm:
            e.soft_junk = true;
            break;
          case Tag::kFigure:
          case Tag::kFigcaption:
            if (!options_.keep_captions) hard = tag == Tag::kFigcaption;
            break;
          default:
            break;
        }
        if (node->properties != nullptr) {
          // Soft: pages hide their whole body until a script runs, or mark it aria-hidden while
          // a dialog is open; the safeguard keeps such a wrapper.
          if (IsHiddenByAttributes(node)) e.soft_junk = true;
          int weight = 0;
          if (HasMeaningfulNames(tag)) e.name_class = CachedClassify(node, &weight);
          e.weight = static_cast<int8_t>(weight);
          if (e.name_class == NameClass::kFurniture && tag != Tag::kBody && tag != Tag::kHtml) {
            e.soft_junk = true;
          }
        }
      }
      e.hard_junk = hard;
      if (node->children != nullptr && (!internal::IsInvisible(tag) || tag == Tag::kHead)) {
        parent = index;
        node = node->children;
        descend = true;
      }
    } else if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) &&
               parent >= 0 && node->content != nullptr) {
      const Counts c = CountText(node->content);
      if (c.chars > 0) texts_.push_back({parent, c.chars, c.commas});
    }
    if (descend) continue;
    while (node != root_ && node->next == nullptr) {
      node = node->parent;
      if (node == nullptr) return;
      if (node->type == XML_ELEMENT_NODE && parent >= 0) parent = elements_[parent].parent;
    }
    if (node == root_) return;
    node = node->next;
  }
}

void Extractor::DecideRemoval() {
  for (const TextRef& t : texts_) {
    const Element& e = elements_[t.parent];
    // Only paragraph text counts: what a wrapper must hold to be spared is prose, not links.
    if (!e.hard_junk && !e.in_link &&
        (elements_[e.block].tag == Tag::kP || elements_[e.block].tag == Tag::kPre ||
         elements_[e.block].tag == Tag::kBlockquote)) {
      elements_[t.parent].raw_chars += t.chars;
    }
  }
  for (size_t i = elements_.size(); i-- > 1;) {
    const Element& e = elements_[i];
    if (e.parent >= 0 && !e.hard_junk) elements_[e.parent].raw_chars += e.raw_chars;
  }
  const uint32_t total = body_ >= 0 ? elements_[body_].raw_chars : elements_[0].raw_chars;
  for (Element& e : elements_) {
    const bool parent_removed = e.parent >= 0 && elements_[e.parent].removed;
    // A furniture-named block holding most of the page's text is a wrapper with an unlucky
    // name ("has-sidebar", "page-with-comments"), not furniture.
    const bool soft = e.soft_junk && (total == 0 || e.raw_chars < 0.4 * total);
    e.removed = parent_removed || e.hard_junk || soft;
  }
}

void Extractor::CountVisible() {
  for (const TextRef& t : texts_) {
    Element& e = elements_[t.parent];
    if (e.removed) continue;
    e.chars += t.chars;
    e.commas += t.commas;
    if (e.in_link) e.link_chars += t.chars;
    Element& b = elements_[e.block];
    b.own_chars += t.chars;
    b.own_commas += t.commas;
    if (e.in_link) b.own_link_chars += t.chars;
  }
  for (size_t i = elements_.size(); i-- > 1;) {
    const Element& e = elements_[i];
    if (e.parent < 0 || e.removed) continue;
    Element& p = elements_[e.parent];
    p.chars += e.chars;
    p.link_chars += e.link_chars;
    p.commas += e.commas;
  }
}

int InitialScore(Tag tag) {
  switch (tag) {
    case Tag::kDiv:
    case Tag::kArticle:
    case Tag::kMain:
    case Tag::kSection:
      return 5;
    case Tag::kPre:
    case Tag::kTd:
    case Tag::kBlockquote:
      return 3;
    case Tag::kAddress:
    case Tag::kOl:
    case Tag::kUl:
    case Tag::kDl:
    case Tag::kDd:
    case Tag::kDt:
    case Tag::kLi:
    case Tag::kForm:
      return -3;
    case Tag::kH1:
    case Tag::kH2:
    case Tag::kH3:
    case Tag::kH4:
    case Tag::kH5:
    case Tag::kH6:
    case Tag::kTh:
      return -5;
    default:
      return 0;
  }
}

void Extractor::Score() {
  const size_t min_chars = options_.min_scored_paragraph_chars;
  for (size_t i = 0; i < elements_.size(); ++i) {
    const Element& unit = elements_[i];
    if (unit.removed || unit.own_chars < min_chars || internal::IsHeading(unit.tag)) continue;
    const double link_density = static_cast<double>(unit.own_link_chars) / unit.own_chars;
    if (link_density > 0.5) continue;
    const double contribution =
        (1.0 + unit.own_commas + std::min(unit.own_chars / 100.0, 3.0)) * (1.0 - link_density);
    int32_t a = unit.parent;
    for (int level = 0; level < 5 && a >= 0; ++level, a = elements_[a].parent) {
      Element& anc = elements_[a];
      if (!anc.initialized) {
        anc.initialized = true;
        anc.score = InitialScore(anc.tag) + anc.weight;
      }
      const double divider = level == 0 ? 1.0 : level == 1 ? 2.0 : level * 3.0;
      anc.score += contribution / divider;
    }
  }
}

double Extractor::FinalScore(int32_t i) const {
  return elements_[i].score * (1.0 - LinkDensity(i));
}

bool IsAncestor(const std::vector<Element>& elements, int32_t ancestor, int32_t node) {
  for (int32_t a = elements[node].parent; a >= 0; a = elements[a].parent) {
    if (a == ancestor) return true;
  }
  return false;
}

int32_t Extractor::PickTop() {
  std::vector<std::pair<double, int32_t>> candidates;
  for (size_t i = 0; i < elements_.size(); ++i) {
    if (elements_[i].initialized && !elements_[i].removed) {
      candidates.emplace_back(FinalScore(static_cast<int32_t>(i)), static_cast<int32_t>(i));
    }
  }
  const int32_t fallback = body_ >= 0 ? body_ : 0;
  if (candidates.empty()) return fallback;
  const size_t keep = std::min<size_t>(candidates.size(), 5);
  std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  int32_t top = candidates[0].second;
  const double top_score = candidates[0].first;
  // Content split over sibling containers: promote the ancestor holding three of the best ones.
  std::vector<int32_t> alternatives;
  for (size_t k = 1; k < keep; ++k) {
    if (candidates[k].first >= 0.75 * top_score) alternatives.push_back(candidates[k].second);
  }
  if (alternatives.size() >= 3) {
    for (int32_t a = elements_[top].parent; a >= 0 && a != fallback; a = elements_[a].parent) {
      int contained = 0;
      for (const int32_t alt : alternatives) contained += IsAncestor(elements_, a, alt) ? 1 : 0;
      if (contained >= 3) {
        top = a;
        break;
      }
    }
  }
  // A score rising on the way up means more content lives beside the candidate.
  double last = FinalScore(top);
  for (int32_t a = elements_[top].parent; a >= 0 && a != fallback; a = elements_[a].parent) {
    if (!elements_[a].initialized) continue;
    const double s = FinalScore(a);
    if (s < last / 3) break;
    if (s > last) {
      top = a;
      break;
    }
    last = s;
  }
  // A container of several full <article>s is a list of posts; the page is about the first.
  bool inside_article = false;
  for (int32_t a = top; a >= 0; a = elements_[a].parent) {
    inside_article = inside_article || elements_[a].tag == Tag::kArticle;
  }
  if (!inside_article) {
    int32_t first = -1;
    int articles = 0;
    for (size_t i = static_cast<size_t>(top) + 1; i < elements_.size(); ++i) {
      const Element& e = elements_[i];
      if (e.tag != Tag::kArticle || e.removed || e.chars < 500) continue;
      if (!IsAncestor(elements_, top, static_cast<int32_t>(i))) break;  // left top's subtree
      if (first >= 0 && IsAncestor(elements_, first, static_cast<int32_t>(i))) continue;
      if (first < 0) first = static_cast<int32_t>(i);
      ++articles;
    }
    if (articles >= 2) top = first;
  }
  for (int32_t a = top; a >= 0; a = elements_[a].parent) {
    elements_[a].on_top_path = true;
  }
  // An only child says nothing its parent would not.
  while (top != fallback) {
    const int32_t p = elements_[top].parent;
    if (p < 0 || p == fallback || elements_[p].chars != elements_[top].chars) break;
    top = p;
  }
  return top;
}

bool Extractor::SkipInOutput(const Element& e) const {
  if (e.removed) return true;
  if (e.tag == Tag::kH1) return true;
  // An <article> inside an article is, per HTML, a comment or a related post.
  if (e.tag == Tag::kArticle && e.in_article) return true;
  // A paragraph that is all link is a teaser for another page ("READ MORE: ...").
  if ((e.tag == Tag::kP || e.tag == Tag::kLi || internal::IsHeading(e.tag)) && e.chars > 0 &&
      e.link_chars >= 0.8 * e.chars) {
    return true;
  }
  if (internal::IsHeading(e.tag)) return !options_.keep_headings || e.weight < 0;
  switch (e.tag) {
    case Tag::kDiv:
    case Tag::kSection:
    case Tag::kUl:
    case Tag::kOl:
    case Tag::kTable:
    case Tag::kDl:
    case Tag::kCenter:
    case Tag::kFigure:
    case Tag::kHeader:
    case Tag::kFooter: {
      if (e.weight < 0) return true;
      if (e.commas >= 10) return false;
      const double link_density = e.chars == 0 ? 0.0 : static_cast<double>(e.link_chars) / e.chars;
      if (e.weight < 25 && link_density > 0.33) return true;
      if (e.weight >= 25 && link_density > 0.5) return true;
      return false;
    }
    default:
      return false;
  }
}

void Extractor::Render(const std::vector<int32_t>& roots,
                       std::vector<std::string>* paragraphs) const {
  std::string text;
  internal::TextSink sink(&text);
  for (const int32_t r : roots) {
    // The chosen roots were judged as a whole; only their descendants are cleaned.
    internal::AppendText(elements_[r].node, &sink, [this, r](const xmlNode* node) {
      const int32_t i = IndexOf(node);
      if (i < 0) return false;
      return (i == r || elements_[i].on_top_path) ? elements_[i].removed
                                                  : SkipInOutput(elements_[i]);
    });
    sink.Break();
  }
  *paragraphs = text::CleanParagraphs(text, nullptr);
  std::erase_if(*paragraphs, IsFurnitureLabel);
  TrimEdgeBoilerplate(paragraphs);
}

void Extractor::Run(ExtractedArticle* out) {
  Collect();
  if (!elements_.empty()) {
    DecideRemoval();
    CountVisible();
    Score();
    const int32_t top = PickTop();
    std::vector<int32_t> roots;
    const int32_t parent = elements_[top].parent;
    const int32_t fallback = body_ >= 0 ? body_ : 0;
    if (parent < 0 || top == fallback) {
      roots.push_back(top);
    } else {
      const double top_score = FinalScore(top);
      const double threshold = std::max(10.0, top_score * 0.2);
      const std::string_view top_class = Attr(elements_[top].node, "class");
      for (const xmlNode* s = elements_[parent].node->children; s != nullptr; s = s->next) {
        if (s->type != XML_ELEMENT_NODE) continue;
        const int32_t i = IndexOf(s);
        if (i < 0) continue;
        const Element& e = elements_[i];
        if (i == top) {
          roots.push_back(i);
          continue;
        }
        if (e.removed || e.chars == 0) continue;
        double bonus = 0;
        if (!top_class.empty() && Attr(s, "class") == top_class) bonus = top_score * 0.2;
        if (e.initialized && FinalScore(i) + bonus >= threshold) {
          roots.push_back(i);
        } else if (e.tag == Tag::kP ||
                   ((e.tag == Tag::kDiv || e.tag == Tag::kSection) && e.weight >= 0 &&
                    e.own_chars + 10 >= e.chars && e.chars > 80)) {
          // Paragraphs, and divs that are a single paragraph (a lead, a summary).
          const double ld = LinkDensity(i);
          if (e.chars > 80 && ld < 0.25) {
            roots.push_back(i);
          } else if (e.chars > 0 && e.chars <= 80 && ld == 0 && e.commas + 1 > 0) {
            // Short link-free paragraphs next to the content are usually part of it.
            roots.push_back(i);
          }
        }
      }
    }
    Render(roots, &out->paragraphs);
  }
  // Metadata, first source that has it wins.
  const Meta& m = meta_;
  auto first = [](std::initializer_list<const std::string*> fields) {
    for (const std::string* f : fields) {
      if (!f->empty()) return *f;
    }
    return std::string();
  };
  out->title = first({&m.og_title, &m.ld_headline, &m.twitter_title, &m.title_tag});
  if (out->title.empty()) {
    // Last resort: the first visible <h1>.
    for (const Element& e : elements_) {
      if (e.tag != Tag::kH1 || e.removed || e.chars == 0) continue;
      std::string raw;
      internal::TextSink sink(&raw);
      internal::AppendVisibleText(e.node, &sink);
      out->title = CleanOneLine(raw);
      break;
    }
  }
  out->author =
      first({&m.ld_author, &m.meta_author, &m.parsely_author, &m.dc_creator, &m.article_author});
  out->published =
      first({&m.ld_published, &m.published_meta, &m.published_other, &m.time_datetime});
  out->canonical_url = first({&m.canonical, &m.og_url, &m.ld_url});
  out->language = first({&m.html_lang, &m.og_locale});
  out->site_name = first({&m.site_name, &m.ld_publisher});
  out->description = first({&m.og_description, &m.description, &m.ld_description});

  if (options_.use_json_ld_body && m.ld_body.size() >= 200) {
    if (WordCoverage(m.ld_body, out->paragraphs) < 0.5) {
      out->paragraphs = m.ld_body.find('<') != std::string::npos
                            ? HtmlToParagraphs(m.ld_body)
                            : text::CleanParagraphs(m.ld_body, nullptr);
    }
  }
}

}  // namespace

ExtractedArticle ExtractArticle(std::string_view html, const ArticleExtractorOptions& options) {
  ExtractedArticle article;
  internal::DocPtr doc =
      internal::ParseHtml(html, internal::Charset::kSniff, options.declared_encoding);
  if (doc == nullptr) return article;
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return article;
  Extractor extractor(root, options);
  extractor.Run(&article);
  return article;
}

}  // namespace newsflow::html
