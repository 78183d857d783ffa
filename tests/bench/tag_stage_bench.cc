// entity-tag's whole stage as the daemon runs it per record: parse the Article, tag it, build the
// TaggedArticle and serialize it, count mentions in the probe. The corpus comes through the real
// normalize stage first (tagged_corpus.h), so the input is what news.normalized carries.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "services/tag/tag_stage.h"
#include "tests/bench/tagged_corpus.h"

namespace newsflow {
namespace {

void BM_TagStageProcess(benchmark::State& state) {
  std::vector<std::string> records;
  int64_t body_bytes_per_pass = 0;
  for (const auto& tagged : bench::TaggedCorpus()) {
    records.push_back(tagged.article().SerializeAsString());
    body_bytes_per_pass += static_cast<int64_t>(tagged.article().body().size());
  }
  tag::EntityTaggerOptions options;
  options.kb_dir = NEWSFLOW_SOURCE_DIR "/config/kb";
  options.model_path = NEWSFLOW_SOURCE_DIR "/config/ner/model.bin";
  std::string error;
  auto tagger = tag::EntityTagger::Create(options, &error);
  if (!tagger) {
    state.SkipWithError(error.c_str());
    return;
  }
  TagStage stage(TagStageOptions{}, std::move(tagger));
  int64_t articles = 0, bytes = 0;
  for (auto _ : state) {
    for (const auto& record : records) {
      InputRecord input;
      input.value = record;
      StageResult result;
      stage.Process(input, &result);
      benchmark::DoNotOptimize(result);
    }
    articles += static_cast<int64_t>(records.size());
    bytes += body_bytes_per_pass;
  }
  state.SetBytesProcessed(bytes);  // article bodies
  state.counters["articles/s"] =
      benchmark::Counter(static_cast<double>(articles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TagStageProcess)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow
