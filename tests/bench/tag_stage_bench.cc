// entity-tag's whole stage as the daemon runs it per record: parse the Article, tag it, build the
// TaggedArticle and serialize it, count mentions in the probe. The corpus comes through the real
// normalize stage first (tagged_corpus.h), so the input is what news.normalized carries.
//
// NEWSFLOW_TAG_STAGE_DUMP=FILE also writes one pass's outputs (key, then value, each after its
// length as 8 decimal digits) to FILE before timing: `md5sum FILE` before and after a change to
// the stage shows whether its output bytes changed.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "services/tag/tag_stage.h"
#include "tests/bench/tagged_corpus.h"

namespace newsflow {
namespace {

bool DumpOutputs(const char* path, const std::vector<std::string>& records, TagStage* stage,
                 StageResult* result) {
  std::FILE* out = std::fopen(path, "wb");
  if (out == nullptr) return false;
  auto put = [&](const std::string& bytes) {
    std::fprintf(out, "%08zu", bytes.size());
    std::fwrite(bytes.data(), 1, bytes.size(), out);
  };
  for (const auto& record : records) {
    InputRecord input;
    input.value = record;
    result->Clear();
    stage->Process(input, result);
    for (const OutputRecord& output : result->records) {
      put(output.key);
      put(output.value);
    }
  }
  return std::fclose(out) == 0;
}

void BM_TagStageProcess(benchmark::State& state) {
  std::vector<std::string> records;
  int64_t body_bytes_per_pass = 0;
  for (const auto& tagged : bench::TaggedCorpus()) {
    v1::Article article = tagged.article();
    // Normalize stamps the wall clock; a fixed time keeps the records (and a dump) the same.
    *article.mutable_normalized() = article.published();
    records.push_back(article.SerializeAsString());
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
  // One result for every record, cleared before each, as the stage loop does.
  StageResult result;
  if (const char* dump_path = std::getenv("NEWSFLOW_TAG_STAGE_DUMP")) {
    if (!DumpOutputs(dump_path, records, &stage, &result)) {
      state.SkipWithError("cannot write NEWSFLOW_TAG_STAGE_DUMP");
      return;
    }
  }
  int64_t articles = 0, bytes = 0;
  for (auto _ : state) {
    for (const auto& record : records) {
      InputRecord input;
      input.value = record;
      result.Clear();
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
