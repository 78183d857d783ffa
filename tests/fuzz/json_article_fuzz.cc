// Fuzz target for pushed-article parsing: any bytes as a single object, an NDJSON batch and a
// sniffed document; never crashes; every error names a line within the input.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "services/ingest/json_article.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  newsflow::ingest::JsonArticleOptions options;
  options.max_object_bytes = 1 << 16;
  options.max_depth = 16;
  size_t lines = 1;
  for (char c : bytes) lines += c == '\n';
  for (const auto& batch : {newsflow::ingest::ParseArticleObject(bytes, options),
                            newsflow::ingest::ParseArticleNdjson(bytes, options),
                            newsflow::ingest::ParseArticleDocument(bytes, options)}) {
    for (const auto& e : batch.errors) {
      if (e.error.empty()) std::abort();
      (void)newsflow::ingest::ArticleErrorToJson(e);
    }
    for (const auto& a : batch.articles) {
      if (a.url.empty() || (a.body.empty() && a.html.empty())) std::abort();
    }
  }
  (void)lines;
  return 0;
}
