#pragma once

// Feed parsing: RSS 0.9x / 1.0 (RDF) / 2.0, Atom 0.3 / 1.0, CDF and JSON Feed 1.x documents as
// served on the web (wrong encodings, HTML entities, broken XML) into one generic model.
//
// Pure logic: depends on libxml2 (never with DTD loading, entity substitution or network
// access), ICU (charset conversion) and simdjson. No exceptions on the data path: a bad document
// is a value with `bozo` set and errors listed. Thread-safe: ParseFeed may be called from any
// number of threads at once.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::feed {

enum class FeedFormat { kUnknown, kRss20, kRss10, kRss09x, kAtom10, kAtom03, kJson };

// "rss20", "rss10", "rss09x", "atom10", "atom03", "json", "unknown".
std::string_view FeedFormatName(FeedFormat format);

struct Person {
  std::string name;
  std::string email;
  std::string uri;
};

// Fields shared by a feed and its entries. Text fields are plain UTF-8 text (HTML reduced to text,
// entities decoded, whitespace collapsed, lines joined by '\n'); links are absolute when a base
// was known. Dates are seconds since the epoch, UTC.
struct FeedMetadata {
  std::string title;
  std::string link;
  std::string id;
  std::string subtitle;
  // "Name (email)" when both are known, else whichever is; as feeds print it when unparseable.
  std::string author;
  std::string author_name;
  std::string author_email;
  std::vector<Person> authors;  // every author element, in document order
  std::optional<int64_t> updated;
  std::optional<int64_t> published;
};

struct FeedEntry {
  std::string title;
  std::string link;
  std::string id;
  std::string summary;
  std::string content;
  std::string author;
  std::string author_name;
  std::string author_email;
  std::vector<Person> authors;
  std::optional<int64_t> updated;
  std::optional<int64_t> published;
  // The markup of summary/content when the feed carried HTML (escaped, CDATA or inline XHTML),
  // with relative links resolved; empty when the value was plain text.
  std::string summary_html;
  std::string content_html;
};

struct ParsedFeed {
  FeedFormat format = FeedFormat::kUnknown;
  FeedMetadata feed;
  std::vector<FeedEntry> entries;
  std::string encoding;  // the character set the document was read in ("utf-8", ...)
  // Set when the document was not a well-formed feed in a correct encoding (feedparser's "bozo"):
  // XML errors recovered from, encoding fallback, truncation, undefined entities.
  bool bozo = false;
  std::vector<std::string> errors;    // why the document is bozo, first ones only
  std::vector<std::string> warnings;  // oddities that did not affect the result
};

struct ParseOptions {
  // The URL the document was fetched from: base for relative links. Default: none.
  std::string document_url;
  // HTTP Content-Location header, when served; replaces document_url as base if it resolves to an
  // http(s) URL. Default: none.
  std::string content_location;
  // HTTP Content-Type header value; its charset parameter overrides the XML declaration.
  // Default: none.
  std::string content_type;
  // Longer documents are cut to this many bytes and parsed in recovery mode (bozo). Bounds memory:
  // a parse uses a small multiple of min(size, max_document_bytes). Default 32 MiB.
  size_t max_document_bytes = 32u << 20;
  // Entries beyond this count are dropped (with a warning). Default 10,000.
  size_t max_entries = 10000;
  // Each text field is cut to this many bytes (at a UTF-8 boundary). Default 1 MiB.
  size_t max_field_bytes = 1u << 20;
};

// Parses one feed document. Never fails: unreadable input gives format kUnknown, no entries, bozo
// set and an error. `bytes` need not be valid in any encoding.
ParsedFeed ParseFeed(std::string_view bytes, const ParseOptions& options = {});

}  // namespace newsflow::feed
