// newsflow-feed: parses feed documents and prints each as one JSON object per line — the generic
// model the ingest daemon sees, for debugging a publisher's feed.
//
//   newsflow-feed [--url U] [--content-type T] [--content-location L] FILE...
//
// Dates are ISO-8601 UTC, text fields plain text. Exit status 1 if a file cannot be read.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "services/core/time/datetime.h"
#include "services/ingest/feed/feed_parser.h"

namespace {

using newsflow::feed::FeedEntry;
using newsflow::feed::FeedMetadata;
using newsflow::feed::ParsedFeed;

void Quote(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void Field(std::string_view key, std::string_view value, std::string* out) {
  if (out->back() != '{') out->push_back(',');
  Quote(key, out);
  out->push_back(':');
  Quote(value, out);
}

void DateField(std::string_view key, const std::optional<int64_t>& t, std::string* out) {
  if (out->back() != '{') out->push_back(',');
  Quote(key, out);
  out->push_back(':');
  if (t) {
    Quote(newsflow::datetime::FormatIso8601Utc(*t), out);
  } else {
    *out += "null";
  }
}

std::string ToJson(const std::string& file, const ParsedFeed& f) {
  std::string out = "{";
  Field("file", file, &out);
  Field("format", newsflow::feed::FeedFormatName(f.format), &out);
  Field("encoding", f.encoding, &out);
  out += ",\"bozo\":";
  out += f.bozo ? "true" : "false";
  out += ",\"feed\":{";
  const FeedMetadata& m = f.feed;
  Field("title", m.title, &out);
  Field("link", m.link, &out);
  Field("id", m.id, &out);
  Field("subtitle", m.subtitle, &out);
  Field("author", m.author, &out);
  Field("author_name", m.author_name, &out);
  Field("author_email", m.author_email, &out);
  DateField("updated", m.updated, &out);
  DateField("published", m.published, &out);
  out += "},\"entries\":[";
  for (size_t i = 0; i < f.entries.size(); ++i) {
    const FeedEntry& e = f.entries[i];
    if (i > 0) out.push_back(',');
    out.push_back('{');
    Field("title", e.title, &out);
    Field("link", e.link, &out);
    Field("id", e.id, &out);
    Field("summary", e.summary, &out);
    Field("content", e.content, &out);
    Field("author", e.author, &out);
    Field("author_name", e.author_name, &out);
    Field("author_email", e.author_email, &out);
    DateField("updated", e.updated, &out);
    DateField("published", e.published, &out);
    out.push_back('}');
  }
  out += "],\"errors\":[";
  for (size_t i = 0; i < f.errors.size(); ++i) {
    if (i > 0) out.push_back(',');
    Quote(f.errors[i], &out);
  }
  out += "]}";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  newsflow::feed::ParseOptions options;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--url" && i + 1 < argc) {
      options.document_url = argv[++i];
    } else if (arg == "--content-type" && i + 1 < argc) {
      options.content_type = argv[++i];
    } else if (arg == "--content-location" && i + 1 < argc) {
      options.content_location = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::cout << "usage: newsflow-feed [--url U] [--content-type T] [--content-location L] "
                   "FILE...\n";
      return 0;
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << "usage: newsflow-feed [--url U] [--content-type T] FILE...\n";
    return 2;
  }
  int status = 0;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "newsflow-feed: cannot read " << path << "\n";
      status = 1;
      continue;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    std::cout << ToJson(path, newsflow::feed::ParseFeed(buf.str(), options)) << "\n";
  }
  return status;
}
