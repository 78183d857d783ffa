#pragma once

// The common path of every ingest source: RawArticles in, published once. Skips ids already
// published (the seen set) or in flight, writes each article with its seen-marker in one
// transaction, and marks ids seen once the broker has them.

#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "newsflow/v1/raw_article.pb.h"
#include "services/core/runtime/probe.h"
#include "services/ingest/publisher.h"
#include "services/ingest/seen_set.h"

namespace newsflow::ingest {

struct IngesterOptions {
  std::string raw_topic = "news.raw";
  std::string seen_topic = "news.ingest.seen";  // compacted: article id -> source name
  std::string instance_id;                      // stamped into Provenance
  std::string newsflow_version;                 // stamped into Provenance
};

struct IngestProbe {
  LabeledCounterProbe articles_published;  // by source kind
  LabeledCounterProbe articles_duplicate;  // by source kind
};

// Thread-safe. `publisher` and `seen` are not owned and must outlive the Ingester.
class Ingester {
 public:
  Ingester(IngesterOptions options, Publisher* publisher, SeenSet* seen)
      : options_(std::move(options)), publisher_(publisher), seen_(seen) {}

  struct Submission {
    std::vector<std::string> published_ids;     // queued for publication
    std::vector<std::string> duplicate_ids;     // already published or in flight: skipped
    std::optional<Publisher::Refusal> refused;  // nothing queued
    std::future<PublishResult> done;            // valid when something was queued
    std::vector<std::string> kinds;             // source kind of each published id
  };

  // Queues the articles not published yet. Each must carry article_id.
  Submission Submit(std::vector<v1::RawArticle> articles);

  // Waits for `submission` and, on success, marks its ids seen. Returns the publish result
  // (ok when nothing needed publishing).
  PublishResult Complete(Submission& submission);

  // Submit + Complete.
  PublishResult Publish(std::vector<v1::RawArticle> articles, Submission* submission = nullptr);

  // Whether `id` was published (or is being published) already.
  bool AlreadyPublished(const std::string& id);

  const IngestProbe& probe() const { return probe_; }

 private:
  IngesterOptions options_;
  Publisher* publisher_;
  SeenSet* seen_;
  std::mutex mu_;
  std::set<std::string> in_flight_;
  IngestProbe probe_;
};

// The label for a source kind in metrics: "feed", "push", "file", "page".
std::string SourceKindName(v1::RawArticle::SourceKind kind);

}  // namespace newsflow::ingest
