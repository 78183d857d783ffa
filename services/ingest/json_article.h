#pragma once

// Articles pushed to the ingest endpoint (or dropped as .json / .jsonl files): one JSON object,
// an NDJSON batch (one object per line), or a JSON array of objects. Each object is validated
// field by field; a bad line is reported with its 1-based line number and does not reject the
// other lines of the batch.
//
// Pure logic: simdjson and the standard library only, no exceptions on the data path,
// thread-safe (no shared state).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::ingest {

// One accepted article. Text is UTF-8 as sent (validated, not normalized).
struct PushedArticle {
  std::optional<std::string> id;  // sender's id; a JSON number is kept as its decimal text
  std::string url;                // absolute http(s) URL
  std::string title;
  std::string body;                     // plain text; empty when the sender gave only html
  std::string html;                     // raw HTML; empty when the sender gave only body
  std::string source;                   // publisher / site name; may be empty
  std::optional<int64_t> published;     // seconds since the epoch, UTC
  std::string author;                   // may be empty
  std::optional<std::string> language;  // BCP 47 tag as sent ("en", "zh-Hans")
  std::optional<std::string> guid;
  size_t line = 1;  // 1-based line (NDJSON) or 1-based array position; 1 for a single object
};

// A validation error: {"line":3,"field":"url","error":"must be a string"}. `field` is empty when
// the error concerns the whole line (not JSON, not an object, too large).
struct ArticleError {
  size_t line = 0;
  std::string field;
  std::string error;
};

struct ArticleBatch {
  std::vector<PushedArticle> articles;
  std::vector<ArticleError> errors;  // in line order; an article with errors is not in `articles`
};

struct JsonArticleOptions {
  // A single object (one NDJSON line, one array element's whole document) longer than this is
  // rejected. Default 4 MiB.
  size_t max_object_bytes = 4u << 20;
  // Whole batches longer than this are rejected outright (one error, line 0). Default 64 MiB.
  size_t max_batch_bytes = 64u << 20;
  // JSON nesting deeper than this is rejected (guards the parser's stack). Default 32.
  size_t max_depth = 32;
  // Objects beyond this count in one batch are rejected; one error (field "") reports the first
  // line that was cut. Default 10,000.
  size_t max_articles = 10000;
  // Longest accepted url. Default 2048.
  size_t max_url_bytes = 2048;
};

// Parses exactly one JSON object (the body of a single-article push).
ArticleBatch ParseArticleObject(std::string_view json, const JsonArticleOptions& options = {});

// Parses an NDJSON batch: one object per line; blank lines are skipped (but counted).
ArticleBatch ParseArticleNdjson(std::string_view ndjson, const JsonArticleOptions& options = {});

// Parses a document whose shape is sniffed: a JSON array of objects, a single object, or NDJSON
// (several lines each starting with '{'). For .json / .jsonl files.
ArticleBatch ParseArticleDocument(std::string_view bytes, const JsonArticleOptions& options = {});

// {"line":3,"field":"url","error":"must be a string"}
std::string ArticleErrorToJson(const ArticleError& error);

}  // namespace newsflow::ingest
