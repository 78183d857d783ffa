#pragma once

// normalize: RawArticle (news.raw) -> Article (news.normalized). Pure stage logic: bytes in,
// Article or dead-letter verdict out; no Kafka or Prometheus here.
//
// This first slice handles plain-text articles (files, pushed text): UTF-8 repair, NFC,
// whitespace hygiene, headline detection and syndication boilerplate removal. HTML extraction,
// language identification, canonical URLs and duplicate detection are not built yet; HTML input
// is dead-lettered with reason "html_not_supported" so it can be replayed once they land.

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "services/core/runtime/probe.h"
#include "services/core/runtime/stage.h"
#include "services/core/text/boilerplate.h"

namespace newsflow {

struct NormalizeOptions {
  std::string output_topic = "news.normalized";  // where Articles go
  int64_t max_content_bytes = 4 << 20;           // larger inputs are dead letters
  // User boilerplate rules, name -> regex over a whole paragraph (case-insensitive).
  std::map<std::string, std::string> boilerplate_rules;
  std::string instance_id;        // stamped into Provenance
  std::string newsflow_version;   // stamped into Provenance
};

// What normalize counts beyond the runtime's metrics.
struct NormalizeProbe {
  LabeledCounterProbe boilerplate_removed;  // paragraphs removed, by rule
  std::atomic<uint64_t> invalid_utf8_sequences{0};
  std::atomic<uint64_t> control_characters_removed{0};
  std::atomic<uint64_t> titles_detected{0};
};

class NormalizeStage : public Stage {
 public:
  // Returns nullptr and sets `*error` (naming the rule) when a user rule is invalid.
  static std::unique_ptr<NormalizeStage> Create(NormalizeOptions options, std::string* error);

  std::string_view Name() const override { return "normalize"; }
  void Process(const InputRecord& input, StageResult* result) override;
  std::vector<Component> Components() const override;

  const NormalizeProbe& probe() const { return probe_; }

 private:
  NormalizeStage(NormalizeOptions options, text::BoilerplateFilter filter);

  NormalizeOptions options_;
  text::BoilerplateFilter filter_;
  NormalizeProbe probe_;
};

// True when `paragraph` reads as a headline rather than a lede sentence: short, several words,
// no sentence-final punctuation.
bool LooksLikeHeadline(std::string_view paragraph);

}  // namespace newsflow
