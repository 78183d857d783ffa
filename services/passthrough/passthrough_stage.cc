#include "services/passthrough/passthrough_stage.h"

#include "services/core/raw_article_input.h"

namespace newsflow {

void PassthroughStage::Process(const InputRecord& input, StageResult* result) {
  v1::RawArticle article;
  if (!ParseRawArticle(input, &article, result)) return;
  result->Emit(options_.output_topic, article.article_id(), std::string(input.value));
}

}  // namespace newsflow
