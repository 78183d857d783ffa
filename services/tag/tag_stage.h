#pragma once

// entity-tag: Article (news.normalized) -> TaggedArticle (news.tagged). Pure stage logic: bytes
// in, TaggedArticle or dead-letter verdict out; no Kafka or Prometheus here.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/tagged_article.pb.h"
#include "services/core/runtime/probe.h"
#include "services/core/runtime/stage.h"
#include "services/tag/entity_tagger.h"

namespace newsflow {

struct TagStageOptions {
  std::string output_topic = "news.tagged";
  int64_t max_body_bytes = 4 << 20;  // larger bodies are dead letters
  std::string instance_id;
  std::string newsflow_version;
};

struct TagProbe {
  LabeledCounterProbe mentions;            // by entity type
  LabeledCounterProbe mentions_by_source;  // kb, rule, model
  std::atomic<uint64_t> articles_without_entities{0};
};

// Converts the tagger's result into the TaggedArticle's repeated fields.
void FillTaggedArticle(const tag::TagResult& result, v1::TaggedArticle* tagged);

// The wire form of `tagged` with `article_bytes` (a serialized Article) as its article: the
// stage does not change the article, so its bytes are carried as they came instead of being
// serialized again (with protobuf's UTF-8 check of the whole body). `tagged.article` must be
// unset. Protobuf reads fields in any order, so the result parses as one TaggedArticle.
std::string SerializeTaggedArticle(std::string_view article_bytes, const v1::TaggedArticle& tagged);
// The same into `*out` (replacing its contents, keeping its capacity).
void SerializeTaggedArticle(std::string_view article_bytes, const v1::TaggedArticle& tagged,
                            std::string* out);

class TagStage : public Stage {
 public:
  // `tagger` is owned.
  TagStage(TagStageOptions options, std::unique_ptr<tag::EntityTagger> tagger);

  std::string_view Name() const override { return "entity-tag"; }
  void Process(const InputRecord& input, StageResult* result) override;
  std::vector<Component> Components() const override;
  std::optional<std::string> Reload() override { return tagger_->ReloadKnowledgeBase(); }

  const TagProbe& probe() const { return probe_; }

 private:
  void CountMentions(const std::vector<tag::Mention>& mentions);

  TagStageOptions options_;
  std::unique_ptr<tag::EntityTagger> tagger_;
  TagProbe probe_;
};

}  // namespace newsflow
