// The sink's optional stores: what a pass of corpus articles costs through the stage with no
// store, with the NDJSON store (one write + fdatasync per batch) and with the PostgreSQL store
// (one SQL transaction per batch). PostgreSQL needs $NEWSFLOW_BENCH_PG_CONNINFO, e.g. from
// `scripts/local-postgres.sh start --dir /tmp/pgb` (note: that server runs with fsync=off).
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "newsflow/v1/tagged_article.pb.h"
#include "services/sink/sink_stage.h"
#include "services/sink/stores/ndjson_store.h"
#include "services/sink/stores/postgres_store.h"
#include "tests/bench/tagged_corpus.h"

namespace newsflow {
namespace {

constexpr int64_t kStart = 1737936000000;  // 2025-01-27T00:00:00Z

// range(0): 0 no store, 1 NDJSON, 2 PostgreSQL; range(1): articles per batch (commit).
void BM_SinkWithStore(benchmark::State& state) {
  auto articles = bench::TaggedCorpus();
  const int kind = static_cast<int>(state.range(0));
  const auto batch = static_cast<size_t>(state.range(1));
  sink::StoreProbe probe;
  std::unique_ptr<sink::ArticleStore> store;
  const std::string dir = std::filesystem::temp_directory_path() /
                          ("newsflow-bench-ndjson-" + std::to_string(getpid()));
  std::string error;
  if (kind == 1) {
    sink::NdjsonStoreOptions options;
    options.dir = dir;
    store = sink::NdjsonStore::Open(options, &probe, &error);
  } else if (kind == 2) {
    const char* conninfo = getenv("NEWSFLOW_BENCH_PG_CONNINFO");
    if (conninfo == nullptr) {
      state.SkipWithError("set NEWSFLOW_BENCH_PG_CONNINFO to measure the PostgreSQL store");
      return;
    }
    sink::PostgresStoreOptions options;
    options.conninfo = conninfo;
    store = sink::PostgresStore::Open(options, &probe, &error);
  }
  if (kind != 0 && !store) {
    state.SkipWithError(error.c_str());
    return;
  }
  auto stage = sink::SinkStage::Create(sink::SinkOptions{}, nullptr, &error);
  if (store) stage->set_stores({store.get()});
  int64_t pass = 0, processed = 0, bytes = 0;
  std::vector<std::string> records(articles.size());
  for (auto _ : state) {
    state.PauseTiming();
    // New ids every pass: the stores must write, not skip.
    for (size_t i = 0; i < articles.size(); ++i) {
      articles[i].mutable_article()->set_article_id(
          "p" + std::to_string(pass) + "-" + std::to_string(i) + "-" + std::to_string(getpid()));
      records[i] = articles[i].SerializeAsString();
    }
    ++pass;
    state.ResumeTiming();
    for (size_t i = 0; i < records.size(); ++i) {
      InputRecord input;
      input.value = records[i];
      input.timestamp_ms = kStart;
      StageResult result;
      stage->Process(input, &result);
      benchmark::DoNotOptimize(result);
      bytes += static_cast<int64_t>(records[i].size());
      if ((i + 1) % batch == 0 || i + 1 == records.size()) {
        if (auto failed = stage->PrepareCommit()) {
          state.SkipWithError(failed->c_str());
          return;
        }
      }
    }
    processed += static_cast<int64_t>(records.size());
  }
  state.SetBytesProcessed(bytes);
  state.counters["articles/s"] =
      benchmark::Counter(static_cast<double>(processed), benchmark::Counter::kIsRate);
  stage.reset();
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SinkWithStore)
    ->ArgNames({"store", "batch"})
    ->Args({0, 100})
    ->Args({1, 10})
    ->Args({1, 100})
    ->Args({1, 500})
    ->Args({2, 10})
    ->Args({2, 100})
    ->Args({2, 500})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace newsflow
