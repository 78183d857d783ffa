#pragma once

#include "newsflow/v1/raw_article.pb.h"
#include "services/core/runtime/stage.h"

namespace newsflow {

// Decodes a news.raw record. On failure records the dead-letter verdict on `result`
// ("invalid_protobuf" or "missing_article_id") and returns false.
bool ParseRawArticle(const InputRecord& input, v1::RawArticle* article, StageResult* result);

}  // namespace newsflow
