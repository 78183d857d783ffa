#pragma once

// The whole entity tagger: knowledge base (Hyperscan aliases), rules (money, percent, date,
// ticker), the statistical model (averaged perceptron) for names the knowledge base does not
// know, the merge policy (merge.h) and the per-article entity summary (summary.h).
//
// Pure logic: no Kafka, no Prometheus. Thread-safety: ReloadKnowledgeBase may run on any thread
// while Tag runs; Tag itself is for one thread at a time (the model's tagger keeps scratch
// buffers so the hot path does not allocate per token). Use one EntityTagger per thread or guard
// it.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/tag/kb_matcher.h"
#include "services/tag/mention.h"
#include "services/tag/ner/sequence_model.h"
#include "services/tag/summary.h"

namespace newsflow::tag {

struct EntityTaggerOptions {
  std::string kb_dir = "config/kb";                 // *.yaml knowledge base
  std::string model_path = "config/ner/model.bin";  // empty: no statistical model
  float model_confidence = 0.7f;                    // confidence stamped on model mentions
  KbMatcherOptions matcher;
  RuleOptions rules;
  SummaryOptions summary;
};

struct TagResult {
  std::vector<Mention> mentions;        // merged, sorted by position, code-point offsets set
  std::vector<EntitySummary> entities;  // by salience
};

class EntityTagger {
 public:
  // Loads the knowledge base and the model. Returns nullptr with `*error` naming the file (and
  // line/key for knowledge-base errors) on failure.
  static std::unique_ptr<EntityTagger> Create(EntityTaggerOptions options, std::string* error);

  // Tags `body` (the normalized article body; offsets index it) and `title` (only for salience).
  TagResult Tag(std::string_view body, std::string_view title);

  // Re-reads the knowledge base directory; on error keeps the current one and returns the errors.
  std::optional<std::string> ReloadKnowledgeBase();

  // Versions for provenance: the KB's entity and alias counts, the model file's size and types.
  std::string kb_version() const;
  std::string model_version() const { return model_version_; }

 private:
  EntityTagger(EntityTaggerOptions options) : options_(std::move(options)) {}
  void TagText(std::string_view text, std::vector<Mention>* out);

  EntityTaggerOptions options_;
  KbHandle kb_;
  std::unique_ptr<ner::SequenceModel> model_;
  std::unique_ptr<ner::Tagger> model_tagger_;
  std::vector<std::optional<EntityType>> model_types_;  // model type index -> EntityType
  std::string model_version_ = "none";
  std::vector<ner::EntitySpan> spans_;  // scratch
};

}  // namespace newsflow::tag
