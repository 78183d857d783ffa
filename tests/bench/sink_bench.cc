// sink's pure logic: the whole stage (parse a TaggedArticle, group it, write enriched JSON, entity
// mentions, the story snapshot and the changelog record) and story grouping alone as the number
// of live stories grows.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>

#include "newsflow/v1/tagged_article.pb.h"
#include "services/sink/sink_stage.h"
#include "services/sink/story_grouper.h"
#include "tests/bench/tagged_corpus.h"

namespace newsflow {
namespace {

constexpr int kVocabulary = 50'000;        // distinct entities in circulation
constexpr int kEntitiesPerArticle = 8;     // summaries per grouping probe (news averages 5-15)
constexpr int kProbes = 20'000;            // articles assigned per grouping measurement
constexpr int64_t kStart = 1737936000000;  // 2025-01-27T00:00:00Z

// Entity ids skewed like news: a few entities (countries, big companies) are everywhere.
std::string EntityId(std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  int rank = static_cast<int>(std::pow(kVocabulary, u(rng))) - 1;
  return "Q-" + std::to_string(rank);
}

// The corpus as the sink receives it (real normalize + tagger output), serialized.
std::vector<std::string> TaggedRecords() {
  std::vector<std::string> records;
  for (const auto& tagged : bench::TaggedCorpus()) records.push_back(tagged.SerializeAsString());
  return records;
}

// Articles per second through the whole stage, grouping state fresh per pass.
void BM_SinkProcess(benchmark::State& state) {
  const auto records = TaggedRecords();
  int64_t bytes = 0, articles = 0, outputs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sink::StoryGrouper grouper{sink::StoryGrouperOptions{}};
    std::string error;
    sink::SinkOptions options;
    options.enriched_format = state.range(0) ? "protobuf" : "json";
    auto stage = sink::SinkStage::Create(options, &grouper, &error);
    state.ResumeTiming();
    for (const auto& record : records) {
      InputRecord input;
      input.value = record;
      input.timestamp_ms = kStart;
      StageResult result;
      stage->Process(input, &result);
      outputs += static_cast<int64_t>(result.records.size());
      benchmark::DoNotOptimize(result);
      bytes += static_cast<int64_t>(record.size());
    }
    articles += static_cast<int64_t>(records.size());
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(articles);
  state.counters["articles/s"] =
      benchmark::Counter(static_cast<double>(articles), benchmark::Counter::kIsRate);
  state.counters["records/article"] =
      static_cast<double>(outputs) / static_cast<double>(std::max<int64_t>(articles, 1));
}
BENCHMARK(BM_SinkProcess)->Arg(0)->Arg(1)->ArgName("protobuf")->Unit(benchmark::kMillisecond);

// One pass of BM_SinkReplay, out of line so that callgrind can count it alone (valgrind
// --tool=callgrind --toggle-collect='*ReplayPass*' build/bin/newsflow-bench-sink
// --benchmark_filter=BM_SinkReplay).
[[gnu::noinline]] void ReplayPass(Stage& stage, const std::vector<std::string>& records,
                                  int64_t* outputs, int64_t* output_bytes) {
  StageResult result;  // reused, as the stage loop does
  for (const auto& record : records) {
    InputRecord input;
    input.value = record;
    input.timestamp_ms = kStart;
    result.Clear();
    stage.Process(input, &result);
    *outputs += static_cast<int64_t>(result.records.size());
    for (const auto& r : result.records) *output_bytes += static_cast<int64_t>(r.value.size());
    benchmark::DoNotOptimize(result);
  }
}

// The corpus as scripts/load.sh feeds the sink: every article again and again under fresh ids,
// each copy flagged by normalize as a near-duplicate of the first one and ingested 10 ms after
// the previous article, with one source. Copies pile up in their stories (up to the member cap),
// which is what the grouping, the story snapshot and its JSON cost under load. The StageResult
// is reused from article to article as the stage loop reuses it. range(0): copies of the corpus
// (80: deeper stories, where a cost growing with the copies a story holds shows).
void BM_SinkReplay(benchmark::State& state) {
  const std::vector<std::string> records = bench::LoadReplayRecords(state.range(0), kStart);
  int64_t articles = 0, outputs = 0, output_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sink::StoryGrouper grouper{sink::StoryGrouperOptions{}};
    std::string error;
    auto stage = sink::SinkStage::Create(sink::SinkOptions{}, &grouper, &error);
    state.ResumeTiming();
    ReplayPass(*stage, records, &outputs, &output_bytes);
    articles += static_cast<int64_t>(records.size());
  }
  state.SetItemsProcessed(articles);
  state.counters["records/article"] =
      static_cast<double>(outputs) / static_cast<double>(std::max<int64_t>(articles, 1));
  state.counters["bytes/article"] =
      static_cast<double>(output_bytes) / static_cast<double>(std::max<int64_t>(articles, 1));
}
BENCHMARK(BM_SinkReplay)->Arg(20)->Arg(80)->ArgName("copies")->Unit(benchmark::kMillisecond);

sink::GroupingInput RandomArticle(std::mt19937& rng, int64_t id, int64_t event_ms) {
  sink::GroupingInput input;
  input.article_id = "a-" + std::to_string(id);
  input.source = "outlet";
  input.headline = "Headline";
  input.event_ms = event_ms;
  input.simhash = rng() * 0x9E3779B97F4A7C15ull;
  for (int e = 0; e < kEntitiesPerArticle; ++e) {
    input.entities.push_back({EntityId(rng), v1::ENTITY_TYPE_ORG, "", 1.0 / (1 + e)});
  }
  std::sort(input.entities.begin(), input.entities.end(),
            [](const auto& a, const auto& b) { return a.entity_id < b.entity_id; });
  input.entities.erase(
      std::unique(input.entities.begin(), input.entities.end(),
                  [](const auto& a, const auto& b) { return a.entity_id == b.entity_id; }),
      input.entities.end());
  input.title_tokens = {"w" + std::to_string(rng() % 5000), "w" + std::to_string(rng() % 5000),
                        "w" + std::to_string(rng() % 5000)};
  std::sort(input.title_tokens.begin(), input.title_tokens.end());
  return input;
}

// One Assign against a grouper already holding `range(0)` live stories (all within the window;
// the cap leaves room for every probe to found a story, so none is evicted while measuring).
// range(1) = 0: random probes, which this draw makes unrelated to every story (they share only
// frequent, hence generic, entities) — the cost of deciding "new story". range(1) = 1: each probe
// is another outlet's version of a random live article (its 5 heaviest entities and its title,
// plus 3 random entities) — the cost of a join.
void BM_GroupingAssign(benchmark::State& state) {
  sink::StoryGrouperOptions options;
  options.max_stories = static_cast<size_t>(state.range(0)) + kProbes;
  // Nor by articles: past max_articles the grouper evicts whole stories, so with the default
  // (100,000) the setup below never reached 100,000 stories and ran until memory gave out.
  options.max_articles = std::numeric_limits<size_t>::max();
  sink::StoryGrouper grouper{options};
  std::mt19937 rng(7);
  int64_t id = 0;
  std::vector<sink::GroupingInput> live;
  // Distinct entity sets so most articles found their own story, as in a busy news day.
  while (grouper.story_count() < static_cast<size_t>(state.range(0))) {
    live.push_back(RandomArticle(rng, id++, kStart));
    grouper.Assign(live.back());
  }
  // Fresh articles only (a repeated one would join its own earlier story), so the iteration
  // count is fixed.
  std::vector<sink::GroupingInput> probes;
  for (int i = 0; i < kProbes; ++i) {
    sink::GroupingInput probe = RandomArticle(rng, id++, kStart);
    if (state.range(1)) {
      const sink::GroupingInput& original = live[rng() % live.size()];
      auto entities = original.entities;
      std::sort(entities.begin(), entities.end(),
                [](const auto& a, const auto& b) { return a.weight > b.weight; });
      entities.resize(std::min<size_t>(entities.size(), 5));
      for (const auto& e : probe.entities) {
        if (entities.size() >= kEntitiesPerArticle) break;
        if (std::none_of(entities.begin(), entities.end(),
                         [&](const auto& x) { return x.entity_id == e.entity_id; })) {
          entities.push_back(e);
        }
      }
      probe.entities = std::move(entities);
      probe.title_tokens = original.title_tokens;
    }
    probes.push_back(std::move(probe));
  }
  size_t next = 0, joined = 0;
  const uint64_t merged_before = grouper.merged();
  for (auto _ : state) {
    auto decision = grouper.Assign(probes[next++ % probes.size()]);
    joined += decision.kind == sink::GroupingDecision::Kind::kJoined;
    benchmark::DoNotOptimize(decision);
  }
  const double iterations = static_cast<double>(std::max<int64_t>(state.iterations(), 1));
  state.counters["live_stories"] = static_cast<double>(grouper.story_count());
  state.counters["joined_share"] = static_cast<double>(joined) / iterations;
  state.counters["merges_per_article"] =
      static_cast<double>(grouper.merged() - merged_before) / iterations;
}
BENCHMARK(BM_GroupingAssign)
    ->ArgsProduct({{1'000, 10'000, 100'000}, {0, 1}})
    ->ArgNames({"stories", "related"})
    ->Iterations(kProbes);

// The glibc heap in use, mallinfo2's count: blocks with their headers and alignment, mmapped
// ones included. The daemons link jemalloc (no per-block header, other size classes) and this
// binary does not: see BM_GroupingMemory.
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// Heap bytes per article of a StoryGrouper holding `range(0)` articles of the load-style replay
// (BM_SinkReplay's input, fed to Assign directly: the corpus again and again under fresh ids, each
// copy a flagged near-duplicate of the first, 10 ms apart), so ~300 stories of hundreds of
// members each, every member featured up to max_members_per_story. The grouper's state only: the
// inputs are made one at a time and freed before the count. Counted by glibc's malloc
// (mallinfo2), which this binary uses; the sink daemon's jemalloc rounds to its size classes
// instead of adding a 16-byte header, so it needs about as much or less. Errors out if the
// allocator is not glibc's (mallinfo2 would then count nothing).
void BM_GroupingMemory(benchmark::State& state) {
  const int64_t articles = state.range(0);
  std::vector<sink::GroupingInput> corpus;
  for (const auto& tagged : bench::TaggedCorpus()) {
    corpus.push_back(sink::GroupingInputFrom(tagged, kStart, sink::StoryGrouperOptions{}));
  }
  {
    const size_t before = HeapInUse();
    auto probe = std::make_unique<char[]>(1 << 20);
    benchmark::DoNotOptimize(probe.get());
    if (HeapInUse() - before < (1 << 20)) {
      state.SkipWithError("mallinfo2 does not see this binary's malloc");
      return;
    }
  }
  // What each article brings, for the breakdown of the bytes (docs/sink.md).
  double entities = 0, tokens = 0, token_bytes = 0, headline_bytes = 0;
  for (const auto& input : corpus) {
    entities += static_cast<double>(input.entities.size());
    tokens += static_cast<double>(input.title_tokens.size());
    for (const auto& token : input.title_tokens) token_bytes += static_cast<double>(token.size());
    headline_bytes += static_cast<double>(input.headline.size());
  }
  const int64_t n_corpus = static_cast<int64_t>(corpus.size());
  double bytes_per_article = 0, stories = 0, members = 0;
  for (auto _ : state) {
    const size_t before = HeapInUse();
    auto grouper = std::make_unique<sink::StoryGrouper>(sink::StoryGrouperOptions{});
    for (int64_t n = 0; n < articles; ++n) {
      const int64_t copy = n / n_corpus, i = n % n_corpus;
      sink::GroupingInput input = corpus[static_cast<size_t>(i)];
      input.article_id = "load-bench-" + std::to_string(n);
      input.source = "load";
      input.near_duplicate_of = copy > 0 ? "load-bench-" + std::to_string(i) : "";
      input.event_ms = kStart + n * 10;
      benchmark::DoNotOptimize(grouper->Assign(input));
    }
    bytes_per_article = static_cast<double>(HeapInUse() - before) /
                        static_cast<double>(std::max<int64_t>(articles, 1));
    stories = static_cast<double>(grouper->story_count());
    members = static_cast<double>(grouper->member_count());
  }
  state.counters["bytes_per_article"] = bytes_per_article;
  state.counters["stories"] = stories;
  state.counters["articles"] = members;
  const double n = static_cast<double>(std::max<int64_t>(n_corpus, 1));
  state.counters["entities/article"] = entities / n;
  state.counters["tokens/article"] = tokens / n;
  state.counters["token_bytes/article"] = token_bytes / n;
  state.counters["headline_bytes/article"] = headline_bytes / n;
}
BENCHMARK(BM_GroupingMemory)
    ->Arg(20'000)
    ->Arg(100'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow
