#pragma once

// The optional stores of the sink (rolling NDJSON files, PostgreSQL): where enriched articles go
// besides Kafka. The sink stage hands each published article to its stores while it processes a
// batch and asks them to make the batch durable right before the runtime commits the Kafka
// transaction (Stage::PrepareCommit), or to forget it when the transaction is abandoned
// (Stage::Aborted). A store that committed a batch may see it again (the Kafka commit failed
// after it), so committing must be idempotent per article id.
//
// This header is pure (no I/O); the stores themselves live next to it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/v1/tagged_article.pb.h"
#include "services/core/runtime/probe.h"
#include "services/sink/enriched_json.h"
#include "services/sink/story_grouper.h"

namespace newsflow::sink {

// One published article, as the sink made it. Pointers and views are valid only during
// ArticleStore::Add; a store copies what it keeps.
struct StoredArticle {
  const v1::TaggedArticle* tagged = nullptr;          // never null
  const std::vector<EntityView>* entities = nullptr;  // never null; EntitiesOf(*tagged)
  std::string_view story_id;                          // empty when story grouping is off
  const StorySnapshot* story = nullptr;               // the story after this article; may be null
  std::string_view enriched_json;                     // the news.enriched JSON document
  int64_t processed_ms = 0;                           // when the sink processed it (Unix ms)
};

// Counters of all stores, labelled by store name ("ndjson", "postgres").
struct StoreProbe {
  LabeledCounterProbe records_written;     // articles made durable (not counting skipped ones)
  LabeledCounterProbe duplicates_skipped;  // articles already in the store, not written again
  LabeledCounterProbe commit_failures;     // failed fsyncs / SQL transactions (batch retried)
};

class ArticleStore {
 public:
  virtual ~ArticleStore() = default;

  // Stable short name, used as the metric label and in errors.
  virtual std::string_view Name() const = 0;

  // Adds one article to the open batch. Buffers only; must not fail or throw.
  virtual void Add(const StoredArticle& article) = 0;

  // Makes the open batch durable and starts a new one. On error the batch stays pending and the
  // caller is expected to Discard() it (the Kafka transaction aborts and is re-processed).
  virtual std::optional<std::string> Commit() = 0;

  // Forgets the open batch.
  virtual void Discard() = 0;
};

}  // namespace newsflow::sink
