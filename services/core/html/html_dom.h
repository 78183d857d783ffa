#pragma once

// Internal building blocks shared by html_text and article_extractor: parsing with libxml2's
// HTML parser, element classification and a non-recursive text serializer. Not a public API;
// only files under services/core/html/ should include it.
//
// Everything here is stateless or owns its state per call: safe to use from many threads at once
// (libxml2 is initialised once, thread-safely, by ParseHtml).

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace newsflow::html::internal {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

// How the parser should decode the input bytes.
enum class Charset {
  kUtf8,   // the caller promises UTF-8 (strings from JSON feeds); invalid bytes become U+FFFD
  kSniff,  // a web page: BOM, then <meta charset>/http-equiv in the first 4 KiB, else UTF-8
};

// Parses `html` leniently (recovering from any error, no network access). Returns null only when
// libxml2 could not build a document at all (empty input, out of memory). The tree's text is
// UTF-8 with entities decoded.
// `declared_encoding` (the charset of an HTTP Content-Type) overrides <meta charset> when libxml2
// knows it, as in browsers.
DocPtr ParseHtml(std::string_view html, Charset charset, std::string_view declared_encoding = {});

// Element kinds the text walkers care about. Everything else is kOther (an inline element).
enum class Tag : uint8_t {
  kOther,
  kA,
  kArticle,
  kAside,
  kBlockquote,
  kBody,
  kBr,
  kButton,
  kDiv,
  kFigcaption,
  kFigure,
  kFooter,
  kForm,
  kH1,
  kH2,
  kH3,
  kH4,
  kH5,
  kH6,
  kHead,
  kHeader,
  kHr,
  kLi,
  kMain,
  kNav,
  kOl,
  kP,
  kPre,
  kSection,
  kSpan,
  kTable,
  kTd,
  kTh,
  kTime,
  kTr,
  kUl,
  kDl,
  kDd,
  kDt,
  kTitle,
  kMeta,
  kLink,
  kImg,
  kCode,
  kStrong,
  kEm,
  kB,
  kI,
  kFont,
  kCenter,
  kCaption,
  kAddress,
  kDetails,
  kSummary,
  kLabel,
  kSelect,
  kOption,
  kInput,
  kTextarea,
  kHtml,
  // Never rendered as text: script-like containers and embedded objects.
  kScript,
  kStyle,
  kNoscript,
  kTemplate,
  kSvg,
  kMath,
  kIframe,
  kObject,
  kEmbed,
  kCanvas,
  kVideo,
  kAudio,
  kPicture,
  kSource,
  kMap,
  kDialog,
  kMenu,
};

Tag TagOf(const xmlNode* node);

// True for elements whose content is never visible text (script, style, noscript, template, svg,
// math, iframe, object, embed, canvas, video, audio, picture, head, select, textarea...).
bool IsInvisible(Tag tag);

// True for elements that start and end a paragraph (p, div, li, h1-h6, blockquote, pre, tr, ...).
bool IsBlock(Tag tag);

bool IsHeading(Tag tag);

// Attribute value or empty; the view points into the document and lives as long as it.
std::string_view Attr(const xmlNode* node, const char* name);

// Builds text with '\n' at paragraph boundaries and single spaces for inline whitespace runs;
// CleanParagraphs then splits the lines and normalizes what remains.
class TextSink {
 public:
  explicit TextSink(std::string* out) : out_(out) {}
  void Text(std::string_view text, bool preformatted);
  void Break();
  void Space() { pending_space_ = true; }

 private:
  std::string* out_;
  bool pending_space_ = false;
};

// Appends the visible text under `root` (root included) to `sink`, skipping invisible elements
// and every element for which skip(node) is true. Iterative: any depth is fine.
template <typename Skip>
void AppendText(const xmlNode* root, TextSink* sink, Skip&& skip);

// Convenience: AppendText with no extra skipping.
void AppendVisibleText(const xmlNode* root, TextSink* sink);

// ---- implementation of the template ----

namespace detail {
void Enter(const xmlNode* node, Tag tag, TextSink* sink, int* pre_depth);
void Leave(Tag tag, TextSink* sink, int* pre_depth);
}  // namespace detail

template <typename Skip>
void AppendText(const xmlNode* root, TextSink* sink, Skip&& skip) {
  int pre_depth = 0;
  const xmlNode* node = root;
  while (node != nullptr) {
    bool descended = false;
    if (node->type == XML_ELEMENT_NODE) {
      const Tag tag = TagOf(node);
      if (!IsInvisible(tag) && !skip(node)) {
        detail::Enter(node, tag, sink, &pre_depth);
        if (node->children != nullptr) {
          node = node->children;
          descended = true;
        } else {
          detail::Leave(tag, sink, &pre_depth);
        }
      }
    } else if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      if (node->content != nullptr) {
        sink->Text(reinterpret_cast<const char*>(node->content), pre_depth > 0);
      }
    }
    if (descended) continue;
    // Climb until a next sibling exists, closing the elements we leave.
    while (node != root && node->next == nullptr) {
      node = node->parent;
      if (node == nullptr) return;
      detail::Leave(TagOf(node), sink, &pre_depth);
    }
    if (node == root) return;
    node = node->next;
  }
}

}  // namespace newsflow::html::internal
