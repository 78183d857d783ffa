#include "services/core/html/html_text.h"

#include "services/core/html/html_dom.h"
#include "services/core/text/hygiene.h"

namespace newsflow::html {

std::vector<std::string> HtmlToParagraphs(std::string_view html, const HtmlTextOptions& options) {
  if (html.find_first_not_of(" \t\r\n\f") == std::string_view::npos) return {};
  // A fragment has no <meta charset>; sniffing only matters for whole pages, which say so.
  const bool looks_like_page = html.substr(0, 1024).find("<meta") != std::string_view::npos ||
                               html.substr(0, 1024).find("<META") != std::string_view::npos;
  internal::DocPtr doc = internal::ParseHtml(
      html, looks_like_page ? internal::Charset::kSniff : internal::Charset::kUtf8);
  if (doc == nullptr) return {};
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return {};
  std::string text;
  text.reserve(html.size() / 2);
  internal::TextSink sink(&text);
  internal::AppendText(root, &sink, [&options](const xmlNode* node) {
    const internal::Tag tag = internal::TagOf(node);
    if (!options.keep_captions && tag == internal::Tag::kFigcaption) return true;
    if (!options.keep_page_furniture &&
        (tag == internal::Tag::kNav || tag == internal::Tag::kAside ||
         tag == internal::Tag::kHeader || tag == internal::Tag::kFooter)) {
      return true;
    }
    return false;
  });
  return text::CleanParagraphs(text, nullptr);
}

}  // namespace newsflow::html
