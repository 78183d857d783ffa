#include "services/ingest/json_article.h"

#include <simdjson.h>

#include <cstdio>

#include "services/core/time/datetime.h"

namespace newsflow::ingest {
namespace {

using simdjson::dom::element;

class LineValidator {
 public:
  LineValidator(size_t line, ArticleBatch* out) : line_(line), out_(out) {}

  void Error(std::string_view field, std::string error) {
    out_->errors.push_back(ArticleError{line_, std::string(field), std::move(error)});
    ok_ = false;
  }
  bool ok() const { return ok_; }

  // A string field; absent and null read as "". Sets an error for other types.
  std::optional<std::string> String(element obj, std::string_view field) {
    element v;
    if (obj[field].get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
      Error(field, "must be a string");
      return std::nullopt;
    }
    return std::string(s);
  }

 private:
  size_t line_;
  ArticleBatch* out_;
  bool ok_ = true;
};

bool IsHttpUrl(std::string_view url) {
  auto starts = [&](std::string_view p) {
    if (url.size() < p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      const char c = url[i] >= 'A' && url[i] <= 'Z' ? static_cast<char>(url[i] + 32) : url[i];
      if (c != p[i]) return false;
    }
    return true;
  };
  size_t host = 0;
  if (starts("http://")) host = 7;
  if (starts("https://")) host = 8;
  if (host == 0 || url.size() == host || url[host] == '/') return false;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20) return false;  // spaces, controls
  }
  return true;
}

bool IsLanguageTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  size_t run = 0;
  for (size_t i = 0; i < tag.size(); ++i) {
    const char c = tag[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum) {
      if (++run > 8) return false;
    } else if ((c == '-' || c == '_') && run > 0 && i + 1 < tag.size()) {
      run = 0;
    } else {
      return false;
    }
  }
  const char c0 = tag[0];
  return (c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z');
}

void ReadObject(element obj, size_t line, const JsonArticleOptions& options, ArticleBatch* out) {
  LineValidator v(line, out);
  PushedArticle a;
  a.line = line;

  element id;
  if (obj["id"].get(id) == simdjson::SUCCESS && !id.is_null()) {
    std::string_view s;
    int64_t i;
    uint64_t u;
    if (id.get_string().get(s) == simdjson::SUCCESS) {
      if (s.empty()) {
        v.Error("id", "must not be empty");
      } else {
        a.id = std::string(s);
      }
    } else if (id.get_int64().get(i) == simdjson::SUCCESS) {
      a.id = std::to_string(i);
    } else if (id.get_uint64().get(u) == simdjson::SUCCESS) {
      a.id = std::to_string(u);
    } else {
      v.Error("id", "must be a string or an integer");
    }
  }

  element url_value;
  if (obj["url"].get(url_value) != simdjson::SUCCESS || url_value.is_null()) {
    v.Error("url", "is required");
  } else if (std::optional<std::string> url = v.String(obj, "url")) {
    if (url->size() > options.max_url_bytes) {
      v.Error("url", "longer than " + std::to_string(options.max_url_bytes) + " bytes");
    } else if (!IsHttpUrl(*url)) {
      v.Error("url", "must be an absolute http(s) URL");
    } else {
      a.url = std::move(*url);
    }
  }

  if (std::optional<std::string> title = v.String(obj, "title")) a.title = std::move(*title);
  std::optional<std::string> body = v.String(obj, "body");
  std::optional<std::string> html = v.String(obj, "html");
  const bool has_body = body && !body->empty();
  const bool has_html = html && !html->empty();
  if (!has_body && !has_html && v.ok()) {
    v.Error("body", "one of body (text) or html is required");
  }
  if (body) a.body = std::move(*body);
  if (html) a.html = std::move(*html);
  if (std::optional<std::string> source = v.String(obj, "source")) a.source = std::move(*source);
  if (std::optional<std::string> author = v.String(obj, "author")) a.author = std::move(*author);
  if (std::optional<std::string> guid = v.String(obj, "guid")) a.guid = std::move(*guid);

  if (std::optional<std::string> lang = v.String(obj, "language")) {
    if (IsLanguageTag(*lang)) {
      a.language = std::move(*lang);
    } else {
      v.Error("language", "must be a BCP 47 language tag such as \"en\" or \"zh-Hans\"");
    }
  }

  element published;
  if (obj["published"].get(published) == simdjson::SUCCESS && !published.is_null()) {
    std::string_view s;
    int64_t n;
    if (published.get_string().get(s) == simdjson::SUCCESS) {
      a.published = datetime::ParseDateTime(s);
      if (!a.published) v.Error("published", "is not a recognizable date");
    } else if (published.get_int64().get(n) == simdjson::SUCCESS) {
      // Epoch seconds; values past year 5138 in seconds are taken as milliseconds.
      a.published = n > 100'000'000'000 ? n / 1000 : n;
      if (n < 0) v.Error("published", "must not be negative");
    } else {
      v.Error("published", "must be a date string or epoch seconds");
    }
  }
  // Unknown fields are ignored: senders may add their own metadata (forward compatibility).
  if (v.ok()) out->articles.push_back(std::move(a));
}

std::string DescribeJsonError(simdjson::error_code err, const JsonArticleOptions& options) {
  switch (err) {
    case simdjson::DEPTH_ERROR:
      return "nesting deeper than " + std::to_string(options.max_depth) + " levels";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::CAPACITY:
      return "object too large";
    default:
      return std::string("invalid JSON: ") + simdjson::error_message(err);
  }
}

// Parses one JSON value (one line, one document) and validates it.
void ParseOne(simdjson::dom::parser& parser, std::string_view text, size_t line,
              const JsonArticleOptions& options, ArticleBatch* out) {
  if (text.size() > options.max_object_bytes) {
    out->errors.push_back(ArticleError{
        line, "", "object longer than " + std::to_string(options.max_object_bytes) + " bytes"});
    return;
  }
  element root;
  if (const auto err = parser.parse(text.data(), text.size()).get(root); err != simdjson::SUCCESS) {
    out->errors.push_back(ArticleError{line, "", DescribeJsonError(err, options)});
    return;
  }
  if (!root.is_object()) {
    out->errors.push_back(ArticleError{line, "", "must be a JSON object"});
    return;
  }
  ReadObject(root, line, options, out);
}

simdjson::dom::parser MakeParser(const JsonArticleOptions& options) {
  simdjson::dom::parser parser(options.max_object_bytes + 64);
  // On failure the first parse allocates again (and reports MEMALLOC as a line error).
  [[maybe_unused]] const simdjson::error_code err = parser.allocate(4096, options.max_depth);
  return parser;
}

bool BatchTooLarge(std::string_view bytes, const JsonArticleOptions& options, ArticleBatch* out) {
  if (bytes.size() <= options.max_batch_bytes) return false;
  out->errors.push_back(ArticleError{
      0, "", "batch longer than " + std::to_string(options.max_batch_bytes) + " bytes"});
  return true;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

ArticleBatch ParseArticleObject(std::string_view json, const JsonArticleOptions& options) {
  ArticleBatch out;
  if (BatchTooLarge(json, options, &out)) return out;
  simdjson::dom::parser parser = MakeParser(options);
  ParseOne(parser, json, 1, options, &out);
  return out;
}

ArticleBatch ParseArticleNdjson(std::string_view ndjson, const JsonArticleOptions& options) {
  ArticleBatch out;
  if (BatchTooLarge(ndjson, options, &out)) return out;
  simdjson::dom::parser parser = MakeParser(options);
  size_t line = 0;
  size_t objects = 0;
  size_t start = 0;
  while (start < ndjson.size()) {
    size_t end = ndjson.find('\n', start);
    if (end == std::string_view::npos) end = ndjson.size();
    ++line;
    const std::string_view text = TrimSpace(ndjson.substr(start, end - start));
    start = end + 1;
    if (text.empty()) continue;
    if (++objects > options.max_articles) {
      out.errors.push_back(ArticleError{line, "",
                                        "batch holds more than " +
                                            std::to_string(options.max_articles) +
                                            " articles; this line and the rest were not read"});
      break;
    }
    ParseOne(parser, text, line, options, &out);
  }
  return out;
}

ArticleBatch ParseArticleDocument(std::string_view bytes, const JsonArticleOptions& options) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  const std::string_view trimmed = TrimSpace(bytes);
  if (!trimmed.empty() && trimmed.front() == '[') {
    ArticleBatch out;
    if (BatchTooLarge(bytes, options, &out)) return out;
    simdjson::dom::parser parser(bytes.size() + 64);
    [[maybe_unused]] const simdjson::error_code alloc = parser.allocate(4096, options.max_depth);
    simdjson::dom::array arr;
    if (const auto err = parser.parse(trimmed.data(), trimmed.size()).get(arr);
        err != simdjson::SUCCESS) {
      out.errors.push_back(ArticleError{1, "", DescribeJsonError(err, options)});
      return out;
    }
    size_t index = 0;
    for (element e : arr) {
      ++index;
      if (index > options.max_articles) {
        out.errors.push_back(ArticleError{index, "",
                                          "array holds more than " +
                                              std::to_string(options.max_articles) +
                                              " articles; the rest were not read"});
        break;
      }
      if (!e.is_object()) {
        out.errors.push_back(ArticleError{index, "", "must be a JSON object"});
        continue;
      }
      ReadObject(e, index, options, &out);
    }
    return out;
  }
  // One object, possibly pretty-printed over many lines, or NDJSON.
  ArticleBatch single = ParseArticleObject(trimmed, options);
  if (single.errors.empty() || trimmed.find('\n') == std::string_view::npos) return single;
  if (!single.errors.empty() && !single.errors[0].field.empty()) return single;
  return ParseArticleNdjson(bytes, options);
}

std::string ArticleErrorToJson(const ArticleError& e) {
  std::string out = "{\"line\":" + std::to_string(e.line) + ",\"field\":\"";
  auto append_escaped = [&out](std::string_view s) {
    for (char c : s) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out.push_back(c);
      }
    }
  };
  append_escaped(e.field);
  out += "\",\"error\":\"";
  append_escaped(e.error);
  out += "\"}";
  return out;
}

}  // namespace newsflow::ingest
