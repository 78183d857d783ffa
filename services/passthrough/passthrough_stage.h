#pragma once

// A stage that forwards each RawArticle unchanged. It proves the runtime (exactly-once, dead
// letters, shutdown) against a real broker and is the baseline hop of the load tool.

#include <string>

#include "services/core/runtime/stage.h"

namespace newsflow {

struct PassthroughOptions {
  std::string output_topic = "news.passthrough";  // where valid records go
};

class PassthroughStage : public Stage {
 public:
  explicit PassthroughStage(PassthroughOptions options) : options_(std::move(options)) {}

  std::string_view Name() const override { return "passthrough"; }

  // Forwards records whose value is a RawArticle with an article_id, keyed by that id;
  // anything else is a dead letter ("invalid_protobuf" or "missing_article_id").
  void Process(const InputRecord& input, StageResult* result) override;

  std::vector<Component> Components() const override { return {{"passthrough", "1"}}; }

 private:
  PassthroughOptions options_;
};

}  // namespace newsflow
