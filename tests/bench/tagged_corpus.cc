#include "tests/bench/tagged_corpus.h"

#include <cstdlib>
#include <iostream>
#include <string>

#include "newsflow/v1/raw_article.pb.h"
#include "services/normalize/dedupe_index.h"
#include "services/normalize/normalize_stage.h"
#include "services/tag/entity_tagger.h"
#include "services/tag/tag_stage.h"
#include "tests/bench/bench_corpus.h"

namespace newsflow::bench {
namespace {

constexpr int64_t kStartSeconds = 1737936000;  // 2025-01-27T00:00:00Z

std::vector<v1::TaggedArticle> Build() {
  tag::EntityTaggerOptions tagger_options;
  const char* kb_dir = std::getenv("NEWSFLOW_KB_DIR");
  tagger_options.kb_dir = kb_dir ? kb_dir : NEWSFLOW_SOURCE_DIR "/config/kb";
  tagger_options.model_path = NEWSFLOW_SOURCE_DIR "/config/ner/model.bin";
  std::string error;
  auto tagger = tag::EntityTagger::Create(tagger_options, &error);
  DedupeIndex dedupe{DedupeOptions{}};
  auto normalize = NormalizeStage::Create(NormalizeOptions{}, &dedupe, &error);
  if (!tagger || !normalize) {
    std::cerr << "tagged corpus: " << error << "\n";
    std::abort();
  }
  std::vector<v1::TaggedArticle> out;
  int64_t i = 0;
  for (const auto& article : Corpus()) {
    v1::RawArticle raw;
    raw.set_article_id("bench-" + std::to_string(i));
    raw.set_source_name("outlet-" + std::to_string(i % 50));
    raw.set_url("https://example.com/news/" + std::to_string(i));
    raw.set_title(article.title);
    raw.set_content(article.body);
    raw.set_content_type("text/plain");
    raw.mutable_published()->set_seconds(kStartSeconds + i * 60);
    const std::string bytes = raw.SerializeAsString();
    InputRecord record;
    record.value = bytes;
    record.timestamp_ms = (kStartSeconds + i * 60) * 1000;
    ++i;
    StageResult result;
    normalize->Process(record, &result);
    if (result.dead_letter || result.records.empty()) continue;
    v1::TaggedArticle tagged;
    if (!tagged.mutable_article()->ParseFromString(result.records[0].value)) continue;
    tag::TagResult tags = tagger->Tag(tagged.article().body(), tagged.article().title());
    FillTaggedArticle(tags, &tagged);
    out.push_back(std::move(tagged));
  }
  return out;
}

}  // namespace

const std::vector<v1::TaggedArticle>& TaggedCorpus() {
  static const std::vector<v1::TaggedArticle> corpus = Build();
  return corpus;
}

std::vector<std::string> LoadReplayRecords(int64_t copies, int64_t start_ms) {
  const auto& corpus = TaggedCorpus();
  std::vector<std::string> records;
  for (int64_t copy = 0; copy < copies; ++copy) {
    for (size_t i = 0; i < corpus.size(); ++i) {
      v1::TaggedArticle tagged = corpus[i];
      const int64_t n = copy * static_cast<int64_t>(corpus.size()) + static_cast<int64_t>(i);
      v1::Article& article = *tagged.mutable_article();
      article.set_article_id("load-bench-" + std::to_string(n));
      article.set_source_name("load");
      if (copy > 0) article.set_near_duplicate_of("load-bench-" + std::to_string(i));
      article.clear_published();
      const int64_t ingested_ms = start_ms + n * 10;
      article.mutable_ingested()->set_seconds(ingested_ms / 1000);
      article.mutable_ingested()->set_nanos(static_cast<int32_t>(ingested_ms % 1000) * 1000000);
      *article.mutable_normalized() = article.ingested();  // fixed: the corpus has the build time
      records.push_back(tagged.SerializeAsString());
    }
  }
  return records;
}

}  // namespace newsflow::bench
