// normalize's pure logic, per core: plain-text articles through the whole stage (decode, hygiene,
// boilerplate, language, fingerprints, duplicate index, protobuf out) and its parts alone.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <memory>

#include "newsflow/v1/raw_article.pb.h"
#include "services/core/text/boilerplate.h"
#include "services/core/text/hygiene.h"
#include "services/core/text/language.h"
#include "services/core/text/simhash.h"
#include "services/normalize/normalize_stage.h"
#include "tests/bench/bench_corpus.h"

namespace newsflow {
namespace {

std::vector<std::string> RawRecords(bool with_ids) {
  std::vector<std::string> records;
  int i = 0;
  for (const auto& article : bench::Corpus()) {
    v1::RawArticle raw;
    raw.set_article_id(with_ids ? "id-" + std::to_string(i++) : "id");
    raw.set_content(article.title + "\n" + article.body);
    raw.set_content_type("text/plain; charset=utf-8");
    records.push_back(raw.SerializeAsString());
  }
  return records;
}

int64_t TotalBytes(const std::vector<std::string>& records) {
  int64_t total = 0;
  for (const auto& r : records) total += static_cast<int64_t>(r.size());
  return total;
}

// Every article is new to the index each time (fresh index per pass), as in steady state.
void BM_NormalizePlainText(benchmark::State& state) {
  auto records = RawRecords(true);
  std::string error;
  int64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    DedupeIndex index{DedupeOptions{}};
    auto stage = NormalizeStage::Create(NormalizeOptions{}, &index, &error);
    state.ResumeTiming();
    for (const auto& record : records) {
      InputRecord input;
      input.value = record;
      StageResult result;
      stage->Process(input, &result);
      benchmark::DoNotOptimize(result);
    }
    bytes += TotalBytes(records);
  }
  state.SetBytesProcessed(bytes);
  state.counters["articles"] = static_cast<double>(records.size());
}
BENCHMARK(BM_NormalizePlainText)->Unit(benchmark::kMillisecond);

void BM_CleanParagraphs(benchmark::State& state) {
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const auto& article : bench::Corpus()) {
      auto paragraphs = text::CleanParagraphs(article.body, nullptr);
      benchmark::DoNotOptimize(paragraphs);
      bytes += static_cast<int64_t>(article.body.size());
    }
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_CleanParagraphs)->Unit(benchmark::kMillisecond);

// The boilerplate rules over each article's paragraphs (hygiene done beforehand, untimed).
void BM_Boilerplate(benchmark::State& state) {
  std::vector<std::vector<std::string>> articles;
  int64_t article_bytes = 0;
  for (const auto& article : bench::Corpus()) {
    articles.push_back(text::CleanParagraphs(article.body, nullptr));
    article_bytes += static_cast<int64_t>(article.body.size());
  }
  std::string error;
  auto filter = text::BoilerplateFilter::Create({}, &error);
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const auto& paragraphs : articles) {
      auto result = filter->Apply(paragraphs);
      benchmark::DoNotOptimize(result);
    }
    bytes += article_bytes;
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_Boilerplate)->Unit(benchmark::kMillisecond);

void BM_DetectLanguages(benchmark::State& state) {
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const auto& article : bench::Corpus()) {
      auto result = text::DetectLanguages(article.body);
      benchmark::DoNotOptimize(result);
      bytes += static_cast<int64_t>(article.body.size());
    }
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_DetectLanguages)->Unit(benchmark::kMillisecond);

void BM_SimHash(benchmark::State& state) {
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const auto& article : bench::Corpus()) {
      benchmark::DoNotOptimize(text::SimHash(article.body));
      bytes += static_cast<int64_t>(article.body.size());
    }
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_SimHash)->Unit(benchmark::kMillisecond);

// Lookups against an index already holding `range(0)` entries.
void BM_DedupeLookup(benchmark::State& state) {
  DedupeIndex index{DedupeOptions{}};
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int64_t i = 0; i < state.range(0); ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    index.Insert({"id", x, x * 31, 0, ""});
  }
  for (auto _ : state) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    benchmark::DoNotOptimize(index.Find(x, x * 31, "probe"));
  }
}
BENCHMARK(BM_DedupeLookup)->Arg(10'000)->Arg(100'000)->Arg(1'000'000);

// Heap bytes per entry of an index holding `range(0)` entries, as the allocator counts them
// (glibc's mallinfo2, heap and mmapped blocks: block headers and container slack included, pages
// never touched too). Ids look like ingest's
// ("u-" and 16 hex digits); one entry in ten names the article it re-syndicates.
void BM_DedupeMemory(benchmark::State& state) {
  const int64_t entries = state.range(0);
  double bytes_per_entry = 0;
  for (auto _ : state) {
    const struct mallinfo2 start = mallinfo2();
    const size_t before = start.uordblks + start.hblkhd;
    auto index = std::make_unique<DedupeIndex>(DedupeOptions{});
    uint64_t x = 0x9E3779B97F4A7C15ull;
    char id[24], first[24];
    for (int64_t i = 0; i < entries; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::snprintf(id, sizeof(id), "u-%016llx", static_cast<unsigned long long>(x));
      std::snprintf(first, sizeof(first), "u-%016llx", static_cast<unsigned long long>(x >> 3));
      index->Insert({id, x, x * 31, i, i % 10 == 0 ? first : ""});
    }
    const struct mallinfo2 end = mallinfo2();
    const size_t after = end.uordblks + end.hblkhd;
    bytes_per_entry = static_cast<double>(after - before) / static_cast<double>(entries);
    benchmark::DoNotOptimize(index->size());
  }
  state.counters["bytes_per_entry"] = bytes_per_entry;
}
BENCHMARK(BM_DedupeMemory)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow
