// Fuzz target for the feed parser: any bytes, with and without a document URL and an HTTP
// charset, must parse without crashing, hanging or leaking, and yield valid UTF-8 text.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "services/ingest/feed/charset.h"
#include "services/ingest/feed/feed_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  newsflow::feed::ParseOptions options;
  // The first byte picks the transport context so both paths get exercised.
  if (size > 0 && (data[0] & 1)) options.document_url = "http://fuzz.example/dir/feed.xml";
  if (size > 0 && (data[0] & 2)) options.content_type = "text/xml; charset=windows-1252";
  if (size > 0 && (data[0] & 4)) options.content_location = "/other/";
  options.max_document_bytes = 1 << 20;
  const newsflow::feed::ParsedFeed feed = newsflow::feed::ParseFeed(bytes, options);
  auto check = [](const std::string& s) {
    if (!newsflow::feed::IsValidUtf8(s)) std::abort();
  };
  check(feed.feed.title);
  check(feed.feed.subtitle);
  for (const auto& e : feed.entries) {
    check(e.title);
    check(e.summary);
    check(e.content);
    check(e.link);
  }
  return 0;
}
