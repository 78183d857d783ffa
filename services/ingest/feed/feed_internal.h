#pragma once

// Pieces shared by the XML and JSON halves of the feed parser; not part of the public API.

#include <string>
#include <string_view>

#include "services/ingest/feed/feed_parser.h"

namespace newsflow::feed::internal {

// Splits an RSS-style author string ("me@example.com (Name)", "Name <me@example.com>", "Name")
// into name and email.
Person ParseAuthorString(std::string_view text);

// "Name (email)", "Name" or "email".
std::string FormatAuthor(const Person& person);

// Cuts `s` to at most `max_bytes` without splitting a UTF-8 sequence.
void TruncateUtf8(std::string* s, size_t max_bytes);

// JSON Feed 1.x; `utf8` is the whole document.
ParsedFeed ParseJsonFeed(std::string_view utf8, const ParseOptions& options);

}  // namespace newsflow::feed::internal
