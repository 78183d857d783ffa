// Fuzz target for services/core/html: both entry points must accept any bytes without crashing,
// leaking or tripping a sanitizer, and must always return valid UTF-8 paragraphs.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/html/article_extractor.h"
#include "services/core/html/html_text.h"

namespace {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

void CheckParagraphs(const std::vector<std::string>& paragraphs) {
  for (const std::string& p : paragraphs) {
    if (p.empty() || !IsValidUtf8(p) || p.find('\n') != std::string::npos) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckParagraphs(newsflow::html::HtmlToParagraphs(input));
  newsflow::html::HtmlTextOptions text_options;
  text_options.keep_captions = false;
  text_options.keep_page_furniture = false;
  CheckParagraphs(newsflow::html::HtmlToParagraphs(input, text_options));
  const newsflow::html::ExtractedArticle article = newsflow::html::ExtractArticle(input);
  CheckParagraphs(article.paragraphs);
  return 0;
}
