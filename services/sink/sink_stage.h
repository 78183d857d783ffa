#pragma once

// sink: TaggedArticle (news.tagged) -> the consumer-facing topics, in one transaction per batch:
//   news.enriched         one record per article, key article id, JSON (or protobuf)
//   news.entity-mentions  one record per (entity, article), key entity id, JSON
//   news.stories          compacted, key story id, JSON snapshot of the article's story
//   stories changelog     compacted, key article id, StoryMembership (see story_grouper.h)
// Pure stage logic: bytes in, records or a dead-letter verdict out; no Kafka or Prometheus here.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/core/runtime/probe.h"
#include "services/core/runtime/stage.h"
#include "services/sink/stores/store.h"
#include "services/sink/story_grouper.h"

namespace newsflow::sink {

struct SinkOptions {
  std::string enriched_topic = "news.enriched";                // one record per article
  std::string entity_mentions_topic = "news.entity-mentions";  // one per (entity, article)
  std::string stories_topic = "news.stories";                  // compacted story snapshots
  std::string enriched_format = "json";                        // "json" or "protobuf"
  // Compacted changelog of story memberships, written in the same transaction as the outputs.
  std::string stories_changelog_topic = "news.sink.stories-state";
  std::string instance_id;       // stamped into Provenance (protobuf format)
  std::string newsflow_version;  // stamped into Provenance (protobuf format)
};

// What sink counts beyond the runtime's metrics.
struct SinkProbe {
  LabeledCounterProbe records_by_output;  // "enriched", "entity_mentions", "stories"
  std::atomic<uint64_t> articles{0};
  std::atomic<uint64_t> stories_created{0};
  std::atomic<uint64_t> stories_joined{0};
  // Articles seen again (re-processed after an aborted transaction or a rebalance).
  std::atomic<uint64_t> articles_regrouped{0};
  // Seconds from the article's ingestion (RawArticle.fetched_at, carried as Article.ingested) to
  // the sink processing it: the pipeline's end-to-end latency. Articles without it are not counted.
  HistogramProbe end_to_end_latency{
      {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}};
};

class SinkStage : public Stage {
 public:
  // Returns nullptr and sets `*error` (naming the key) on an invalid option. `grouper` (not
  // owned; null: no story grouping, no news.stories records) must outlive the stage.
  static std::unique_ptr<SinkStage> Create(SinkOptions options, StoryGrouper* grouper,
                                           std::string* error);

  std::string_view Name() const override { return "sink"; }
  void Process(const InputRecord& input, StageResult* result) override;
  std::vector<Component> Components() const override;
  // Commits every store's batch, in order; the first failure names the store.
  std::optional<std::string> PrepareCommit() override;
  void Aborted() override;

  // Stores (not owned; must outlive the stage) that receive every published article; none by
  // default. Call before the first Process.
  void set_stores(std::vector<ArticleStore*> stores) { stores_ = std::move(stores); }

  const SinkProbe& probe() const { return probe_; }

 private:
  SinkStage(SinkOptions options, StoryGrouper* grouper);

  SinkOptions options_;
  StoryGrouper* grouper_;
  std::vector<ArticleStore*> stores_;
  SinkProbe probe_;
  // The first block of each Process call's protobuf arena, reused from call to call.
  static constexpr size_t kArenaBlockBytes = 256 * 1024;
  std::unique_ptr<char[]> arena_block_;
  // The changelog record being written, kept from call to call (see ToMembership).
  v1::StoryMembership membership_;
};

}  // namespace newsflow::sink
