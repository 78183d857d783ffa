#pragma once

// Polls configured feeds on their intervals and publishes new items through the Ingester.
// Conditional GET (ETag / Last-Modified), exponential backoff with jitter on errors, Retry-After
// on 429/503, optional fetch of the linked page when an item carries only a summary.

#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "services/ingest/feed/feed_parser.h"
#include "services/ingest/fetcher.h"
#include "services/ingest/ingester.h"

namespace newsflow::ingest {

struct FeedConfig {
  std::string name;  // source name of its articles; metric label
  std::string url;
  int64_t interval_seconds = 300;
  bool fetch_pages = false;  // fetch the linked page for items with only a summary
};

struct FeedPollerOptions {
  std::vector<FeedConfig> feeds;
  FetchOptions fetch;
  int64_t max_backoff_seconds = 3600;  // longest wait after repeated errors
};

// Per-feed numbers for metrics. Read under the poller's lock through Stats().
struct FeedStats {
  std::map<std::string, uint64_t> fetches;  // by result: "200", "304", "429", "timeout", ...
  uint64_t items_new = 0;
  uint64_t items_duplicate = 0;
  uint64_t parse_errors = 0;
  int64_t last_success_seconds = 0;  // unix time of the last 200/304
};

// The RawArticles of a parsed feed: stable ids from the canonical link, else feed + guid, else
// content; content is the item's HTML (content, else summary) or text.
// `summary_only` (may be null) receives, per article, whether its content is only the summary.
std::vector<v1::RawArticle> ArticlesFromFeed(const feed::ParsedFeed& parsed,
                                             const FeedConfig& config,
                                             std::vector<bool>* summary_only = nullptr);

// Not thread-safe except Stats(): driven by one thread (the daemon's loop).
class FeedPoller {
 public:
  FeedPoller(FeedPollerOptions options, Ingester* ingester);

  // Polls every feed whose time has come. Returns after those fetches and publications.
  void PollDue(int64_t now_seconds);

  std::map<std::string, FeedStats> Stats() const;

 private:
  struct State {
    FeedConfig config;
    int64_t next_due = 0;
    int consecutive_errors = 0;
    std::string etag, last_modified;
  };
  void Poll(State& state, int64_t now);
  int64_t Backoff(const State& state, int64_t retry_after);

  FeedPollerOptions options_;
  Ingester* ingester_;
  std::vector<State> states_;
  std::mt19937_64 random_{std::random_device{}()};
  mutable std::mutex mu_;
  std::map<std::string, FeedStats> stats_;
};

}  // namespace newsflow::ingest
