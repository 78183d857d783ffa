#include "services/passthrough/passthrough_stage.h"

#include "newsflow/v1/raw_article.pb.h"

namespace newsflow {

void PassthroughStage::Process(const InputRecord& input, StageResult* result) {
  v1::RawArticle article;
  if (!article.ParseFromArray(input.value.data(), static_cast<int>(input.value.size()))) {
    result->Reject("invalid_protobuf", "value is not a newsflow.v1.RawArticle");
    return;
  }
  if (article.article_id().empty()) {
    result->Reject("missing_article_id", "RawArticle.article_id is empty");
    return;
  }
  result->Emit(options_.output_topic, article.article_id(), std::string(input.value));
}

}  // namespace newsflow
