#include "services/core/raw_article_input.h"

namespace newsflow {

bool ParseRawArticle(const InputRecord& input, v1::RawArticle* article, StageResult* result) {
  if (!article->ParseFromArray(input.value.data(), static_cast<int>(input.value.size()))) {
    result->Reject("invalid_protobuf", "value is not a newsflow.v1.RawArticle");
    return false;
  }
  if (article->article_id().empty()) {
    result->Reject("missing_article_id", "RawArticle.article_id is empty");
    return false;
  }
  return true;
}

}  // namespace newsflow
