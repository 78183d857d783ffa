#pragma once

// normalize: RawArticle (news.raw) -> Article (news.normalized). Pure stage logic: bytes in,
// Article or dead-letter verdict out; no Kafka or Prometheus here.
//
// Plain-text articles (files, pushed text): UTF-8 repair, NFC, whitespace hygiene, headline
// detection, syndication boilerplate removal, language per sentence run, canonical URL, exact
// and near-duplicate detection against a shared index (see dedupe_index.h). HTML: full pages
// (doctype/html/body, or fetched article pages) go through main-content extraction; fragments
// (feed items, pushed "html" fields) are converted to paragraphs whole.

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "services/core/runtime/probe.h"
#include "services/core/runtime/stage.h"
#include "services/core/text/boilerplate.h"
#include "services/normalize/dedupe_index.h"

namespace newsflow {

struct NormalizeOptions {
  std::string output_topic = "news.normalized";  // where Articles go
  int64_t max_content_bytes = 4 << 20;           // larger inputs are dead letters
  // User boilerplate rules, name -> regex over a whole paragraph (case-insensitive).
  std::map<std::string, std::string> boilerplate_rules;
  // Compacted changelog of the duplicate index, written in the same transaction as the Article.
  std::string dedupe_topic = "news.normalize.dedupe";
  std::string instance_id;       // stamped into Provenance
  std::string newsflow_version;  // stamped into Provenance
};

// What normalize counts beyond the runtime's metrics.
struct NormalizeProbe {
  LabeledCounterProbe boilerplate_removed;  // paragraphs removed, by rule
  std::atomic<uint64_t> invalid_utf8_sequences{0};
  std::atomic<uint64_t> control_characters_removed{0};
  std::atomic<uint64_t> titles_detected{0};
  std::atomic<uint64_t> extracted_from_html{0};
  std::atomic<uint64_t> exact_duplicates_dropped{0};
  std::atomic<uint64_t> near_duplicates_flagged{0};
  LabeledCounterProbe articles_by_language;  // documents by dominant language
};

class NormalizeStage : public Stage {
 public:
  // Returns nullptr and sets `*error` (naming the rule) when a user rule is invalid.
  // `dedupe` (not owned, may be null: no duplicate detection) must outlive the stage.
  static std::unique_ptr<NormalizeStage> Create(NormalizeOptions options, DedupeIndex* dedupe,
                                                std::string* error);

  std::string_view Name() const override { return "normalize"; }
  void Process(const InputRecord& input, StageResult* result) override;
  std::vector<Component> Components() const override;

  const NormalizeProbe& probe() const { return probe_; }

 private:
  NormalizeStage(NormalizeOptions options, DedupeIndex* dedupe, text::BoilerplateFilter filter);

  NormalizeOptions options_;
  DedupeIndex* dedupe_;
  text::BoilerplateFilter filter_;
  std::vector<Component> components_;  // built once: Process stamps them on every Article
  NormalizeProbe probe_;
};

// Applies one record of the dedupe changelog to `index`. Returns false (and leaves the index
// as it was) when the record is not a valid DedupeEntry.
bool ApplyDedupeRecord(std::string_view key, std::string_view value, DedupeIndex* index);

// True when `paragraph` reads as a headline rather than a lede sentence: short, several words,
// no sentence-final punctuation.
bool LooksLikeHeadline(std::string_view paragraph);

}  // namespace newsflow
