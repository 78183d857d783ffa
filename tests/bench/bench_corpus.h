#pragma once

// The benchmark corpus: article bodies from a JSONL file (`body` and `title` fields), by default
// ../shared/corpus/wikinews.jsonl next to the repository, or $NEWSFLOW_CORPUS. Falls back to the
// repository's fixture articles so a benchmark always has input.

#include <string>
#include <vector>

namespace newsflow::bench {

struct CorpusArticle {
  std::string title;
  std::string body;
};

// Loaded once per process; never empty. `source` (may be null) receives the path used.
const std::vector<CorpusArticle>& Corpus(std::string* source = nullptr);

}  // namespace newsflow::bench
