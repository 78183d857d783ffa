// JSON Feed 1.0 / 1.1 (https://www.jsonfeed.org/version/1.1/).

#include <simdjson.h>

#include <string>

#include "services/core/time/datetime.h"
#include "services/ingest/feed/feed_internal.h"
#include "services/ingest/feed/html_text.h"
#include "services/ingest/feed/url.h"

namespace newsflow::feed::internal {
namespace {

std::string GetString(simdjson::dom::element obj, std::string_view key) {
  std::string_view v;
  if (obj[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return "";
}

// JSON Feed ids may be numbers in the wild although the spec says string.
std::string GetId(simdjson::dom::element obj) {
  simdjson::dom::element v;
  if (obj["id"].get(v) != simdjson::SUCCESS) return "";
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  int64_t i;
  if (v.get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
  uint64_t u;
  if (v.get_uint64().get(u) == simdjson::SUCCESS) return std::to_string(u);
  return "";
}

std::vector<Person> GetAuthors(simdjson::dom::element obj) {
  std::vector<Person> people;
  auto add = [&](simdjson::dom::element a) {
    Person p;
    p.name = CollapseWhitespace(GetString(a, "name"));
    p.uri = GetString(a, "url");
    if (!p.name.empty() || !p.uri.empty()) people.push_back(std::move(p));
  };
  simdjson::dom::array arr;
  if (obj["authors"].get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element a : arr) add(a);
  }
  simdjson::dom::element single;
  if (people.empty() && obj["author"].get(single) == simdjson::SUCCESS) add(single);
  return people;
}

template <typename T>
void ApplyAuthors(std::vector<Person> people, T* target) {
  if (people.empty()) return;
  target->author = FormatAuthor(people[0]);
  target->author_name = people[0].name;
  target->author_email = people[0].email;
  target->authors = std::move(people);
}

std::optional<int64_t> GetDate(simdjson::dom::element obj, std::string_view key, ParsedFeed* out) {
  const std::string s = GetString(obj, key);
  if (s.empty()) return std::nullopt;
  std::optional<int64_t> t = datetime::ParseDateTime(s);
  if (!t) out->warnings.push_back("unparseable date in " + std::string(key) + ": " + s);
  return t;
}

}  // namespace

ParsedFeed ParseJsonFeed(std::string_view utf8, const ParseOptions& options) {
  ParsedFeed out;
  out.encoding = "utf-8";
  // The document size is already bounded by ParseOptions::max_document_bytes.
  simdjson::dom::parser parser(utf8.size() + 4096);
  simdjson::padded_string padded(utf8);
  simdjson::dom::element root;
  if (const auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    out.bozo = true;
    out.errors.push_back(std::string("invalid JSON: ") + simdjson::error_message(err));
    return out;
  }
  if (!root.is_object()) {
    out.bozo = true;
    out.errors.push_back("JSON document is not an object");
    return out;
  }
  const std::string version = GetString(root, "version");
  if (version.rfind("https://jsonfeed.org/version/", 0) == 0 ||
      version.rfind("http://jsonfeed.org/version/", 0) == 0) {
    out.format = FeedFormat::kJson;
  } else {
    out.bozo = true;
    out.errors.push_back("not a JSON Feed: missing or unknown \"version\"");
  }
  std::string base = options.document_url;
  if (!options.content_location.empty()) {
    const std::string loc = ResolveUrl(base, options.content_location);
    if (IsSafeBaseUrl(loc)) base = loc;
  }
  out.feed.title = CollapseWhitespace(GetString(root, "title"));
  out.feed.link = ResolveUrl(base, GetString(root, "home_page_url"));
  out.feed.id = GetString(root, "feed_url");
  out.feed.subtitle = CollapseWhitespace(GetString(root, "description"));
  ApplyAuthors(GetAuthors(root), &out.feed);

  simdjson::dom::array items;
  if (root["items"].get_array().get(items) != simdjson::SUCCESS) {
    if (out.format == FeedFormat::kJson) {
      out.bozo = true;
      out.errors.push_back("JSON Feed without an \"items\" array");
    }
    return out;
  }
  for (simdjson::dom::element item : items) {
    if (!item.is_object()) {
      out.warnings.push_back("JSON Feed item is not an object; skipped");
      continue;
    }
    if (out.entries.size() >= options.max_entries) {
      out.warnings.push_back("entry limit reached; later items dropped");
      break;
    }
    FeedEntry e;
    e.id = GetId(item);
    e.link = ResolveUrl(base, GetString(item, "url"));
    if (e.link.empty()) e.link = ResolveUrl(base, GetString(item, "external_url"));
    e.title = CollapseWhitespace(GetString(item, "title"));
    const std::string html = GetString(item, "content_html");
    if (!html.empty()) {
      e.content_html = ResolveHtmlLinks(html, base);
      e.content = HtmlToPlainText(html);
    } else {
      e.content = CollapseWhitespace(GetString(item, "content_text"));
    }
    e.summary = CollapseWhitespace(GetString(item, "summary"));
    e.published = GetDate(item, "date_published", &out);
    e.updated = GetDate(item, "date_modified", &out);
    ApplyAuthors(GetAuthors(item), &e);
    for (std::string* s : {&e.title, &e.summary, &e.content, &e.content_html}) {
      TruncateUtf8(s, options.max_field_bytes);
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace newsflow::feed::internal
