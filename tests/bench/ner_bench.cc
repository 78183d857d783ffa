// Throughput of the statistical NER over Wikinews bodies (Google Benchmark; link with
// benchmark_main). Reads NEWSFLOW_CORPUS (default ../shared/corpus/wikinews.jsonl) and
// NEWSFLOW_NER_MODEL (default config/ner/model.bin); skips when either is missing.
//
//   g++ -std=c++20 -O2 -DNDEBUG -I. tests/bench/ner_bench.cc services/tag/ner/{tokenizer,features,
//       sequence_model,word_cache,common_words}.cc -licuuc -lsimdjson -lbenchmark
//       -lbenchmark_main -lpthread
//   (or `cmake --build build --target newsflow-bench-ner`: build/bin/newsflow-bench-ner)
//   NEWSFLOW_CORPUS=/work/shared/corpus/wikinews.jsonl ./a.out

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "services/tag/ner/sequence_model.h"
#include "services/tag/ner/tokenizer.h"

namespace newsflow::tag::ner {
namespace {

const char* EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

const std::vector<std::string>& Bodies() {
  static const std::vector<std::string> bodies = [] {
    std::vector<std::string> out;
    simdjson::padded_string json;
    if (simdjson::padded_string::load(EnvOr("NEWSFLOW_CORPUS", "../shared/corpus/wikinews.jsonl"))
            .get(json) != simdjson::SUCCESS) {
      return out;
    }
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document_stream docs;
    if (parser.iterate_many(json).get(docs) != simdjson::SUCCESS) return out;
    for (auto doc : docs) {
      std::string_view body;
      if (doc["body"].get_string().get(body) == simdjson::SUCCESS) out.emplace_back(body);
    }
    return out;
  }();
  return bodies;
}

const SequenceModel* Model() {
  static const std::unique_ptr<SequenceModel> model = [] {
    std::string error;
    return SequenceModel::LoadFile(EnvOr("NEWSFLOW_NER_MODEL", "config/ner/model.bin"), &error);
  }();
  return model.get();
}

size_t TotalBytes(const std::vector<std::string>& bodies) {
  size_t n = 0;
  for (const std::string& b : bodies) n += b.size();
  return n;
}

void BM_Tokenize(benchmark::State& state) {
  const auto& bodies = Bodies();
  if (bodies.empty()) {
    state.SkipWithError("corpus not found (set NEWSFLOW_CORPUS)");
    return;
  }
  std::vector<Token> tokens;
  for (auto _ : state) {
    for (const std::string& b : bodies) {
      Tokenize(b, &tokens);
      benchmark::DoNotOptimize(tokens.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(bodies)));
}
BENCHMARK(BM_Tokenize)->Unit(benchmark::kMillisecond);

void BM_TokenizeAndTag(benchmark::State& state) {
  const auto& bodies = Bodies();
  if (bodies.empty() || Model() == nullptr) {
    state.SkipWithError("corpus or model not found (set NEWSFLOW_CORPUS, NEWSFLOW_NER_MODEL)");
    return;
  }
  Tagger tagger(Model());
  std::vector<EntitySpan> spans;
  size_t entities = 0;
  for (auto _ : state) {
    for (const std::string& b : bodies) {
      tagger.TagText(b, &spans);
      entities += spans.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(bodies)));
  state.counters["entities_per_doc"] = benchmark::Counter(
      static_cast<double>(entities) / static_cast<double>(state.iterations() * bodies.size()));
  // Over all passes: the first one fills the cache, later ones show the steady state.
  const WordCache& cache = tagger.word_cache();
  state.counters["word_cache_hit_rate"] =
      benchmark::Counter(static_cast<double>(cache.hits()) /
                         static_cast<double>(std::max<uint64_t>(cache.hits() + cache.misses(), 1)));
}
BENCHMARK(BM_TokenizeAndTag)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow::tag::ner
