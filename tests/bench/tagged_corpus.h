#pragma once

// The benchmark corpus as the sink receives it: each article of bench::Corpus() run through the
// real normalize stage and the real entity tagger (the repository's knowledge base and model), so
// sink benchmarks see real entity counts, mentions, language segments and per-language texts.

#include <cstdint>
#include <string>
#include <vector>

#include "newsflow/v1/tagged_article.pb.h"

namespace newsflow::bench {

// Built once per process (a few seconds: the tagger runs over the whole corpus). Articles the
// normalize stage drops (exact duplicates) or dead-letters are left out. The knowledge base is
// $NEWSFLOW_KB_DIR or the repository's config/kb, the model the repository's
// config/ner/model.bin. Published times are one minute apart from 2025-01-27T00:00:00Z.
const std::vector<v1::TaggedArticle>& TaggedCorpus();

// Serialized TaggedArticles as scripts/load.sh feeds the sink: TaggedCorpus() `copies` times
// under fresh ids ("load-bench-N"), each later copy flagged by normalize as a near-duplicate of
// the first one, one source, ingested 10 ms apart from `start_ms`.
std::vector<std::string> LoadReplayRecords(int64_t copies, int64_t start_ms);

}  // namespace newsflow::bench
