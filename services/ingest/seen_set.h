#pragma once

// The article ids ingest has published: what makes a feed item, a file or a retried push be
// published once, also across restarts. A cache of the compacted topic news.ingest.seen, which
// ingest writes in the same transaction as each article and reads in full at start. Bounded:
// ids expire after the retention window and the set never exceeds max_entries.

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace newsflow::ingest {

struct SeenSetOptions {
  int64_t retention_ms = int64_t{30} * 24 * 3600 * 1000;  // forget ids older than this
  size_t max_entries = 5'000'000;                         // oldest go first beyond this
};

// Thread-safe.
class SeenSet {
 public:
  explicit SeenSet(SeenSetOptions options) : options_(options) {}

  bool Contains(std::string_view id) const;
  // Records `id` as published at `time_ms`; returns false when it was already there.
  bool Add(std::string_view id, int64_t time_ms);
  size_t size() const;

 private:
  const SeenSetOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> ids_;
  std::deque<std::pair<int64_t, std::string>> order_;
  int64_t newest_ms_ = 0;
};

// A stable article id: from the canonical URL when there is one, else from source + guid, else
// from the content. Prefixes tell them apart: "u-", "g-", "c-" then 16 hex digits.
std::string StableArticleId(std::string_view canonical_url, std::string_view source,
                            std::string_view guid, std::string_view content);

}  // namespace newsflow::ingest
