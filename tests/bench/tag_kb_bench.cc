// Throughput of the model-free entity tagger: KB alias matching, rules, and both plus merge,
// over the bodies of a JSON-lines news corpus (env NEWSFLOW_CORPUS, one {"body": "..."} object per
// line; the benchmarks skip when it is absent). Also builds a synthetic 100,000-alias knowledge
// base and reports its build time, compiled size and the process RSS it adds.
//
// Built as build/bin/newsflow-bench-tag-kb; run from the repository root:
//   NEWSFLOW_CORPUS=../shared/corpus/wikinews.jsonl NEWSFLOW_KB_DIR=config/kb
//     build/bin/newsflow-bench-tag-kb

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "services/core/text/hygiene.h"
#include "services/tag/kb_matcher.h"
#include "services/tag/knowledge_base.h"
#include "services/tag/merge.h"
#include "services/tag/rules.h"

namespace newsflow::tag {
namespace {

// The decoded value of the JSON string field `"body"` of one line, or empty.
std::string BodyOf(const std::string& line) {
  const size_t key = line.find("\"body\"");
  if (key == std::string::npos) return {};
  size_t i = line.find('"', line.find(':', key + 6) + 1);
  if (i == std::string::npos) return {};
  std::string out;
  for (++i; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] != '\\' || i + 1 >= line.size()) {
      out.push_back(line[i]);
      continue;
    }
    const char e = line[++i];
    switch (e) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'b':
      case 'f':
        out.push_back(' ');
        break;
      case 'u': {
        if (i + 4 >= line.size()) return out;
        char32_t cp = static_cast<char32_t>(std::stoul(line.substr(i + 1, 4), nullptr, 16));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < line.size() && line[i + 1] == '\\' &&
            line[i + 2] == 'u') {
          const auto lo = static_cast<char32_t>(std::stoul(line.substr(i + 3, 4), nullptr, 16));
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
        text::AppendUtf8(static_cast<uint32_t>(cp), &out);
        break;
      }
      default:
        out.push_back(e);
    }
  }
  return out;
}

const std::vector<std::string>& Corpus() {
  static const auto* bodies = [] {
    auto* out = new std::vector<std::string>();
    const char* path = std::getenv("NEWSFLOW_CORPUS");
    if (path == nullptr) return out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      std::string body = BodyOf(line);
      if (!body.empty()) out->push_back(std::move(body));
    }
    return out;
  }();
  return *bodies;
}

size_t CorpusBytes() {
  size_t n = 0;
  for (const std::string& b : Corpus()) n += b.size();
  return n;
}

struct Tagger {
  std::shared_ptr<const KnowledgeBase> kb;
  std::unique_ptr<KbMatcher> matcher;
  std::unique_ptr<RuleTagger> rules;
};

const Tagger& ShippedTagger() {
  static const auto* tagger = [] {
    auto* t = new Tagger();
    const char* dir = std::getenv("NEWSFLOW_KB_DIR");
    KbLoadResult r = KnowledgeBase::LoadDirectory(dir != nullptr ? dir : "config/kb");
    if (!r.errors.empty()) return t;
    t->kb = r.kb;
    t->matcher = KbMatcher::Build(t->kb, {}, nullptr);
    t->rules = std::make_unique<RuleTagger>(RuleOptions{}, t->kb);
    return t;
  }();
  return *tagger;
}

bool Ready(benchmark::State& state, bool need_kb) {
  if (Corpus().empty()) {
    state.SkipWithError("NEWSFLOW_CORPUS not set or empty");
    return false;
  }
  if (need_kb && ShippedTagger().matcher == nullptr) {
    state.SkipWithError("knowledge base failed to load (set NEWSFLOW_KB_DIR)");
    return false;
  }
  return true;
}

void BM_KbMatcher(benchmark::State& state) {
  if (!Ready(state, true)) return;
  const Tagger& t = ShippedTagger();
  std::vector<Mention> out;
  size_t mentions = 0;
  for (auto _ : state) {
    for (const std::string& body : Corpus()) {
      out.clear();
      t.matcher->Find(body, &out);
      mentions += out.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * CorpusBytes()));
  state.counters["mentions_per_MB"] =
      static_cast<double>(mentions) / state.iterations() / (CorpusBytes() / 1e6);
}
BENCHMARK(BM_KbMatcher)->Unit(benchmark::kMillisecond);

void BM_Rules(benchmark::State& state) {
  if (!Ready(state, true)) return;
  const Tagger& t = ShippedTagger();
  std::vector<Mention> out;
  size_t mentions = 0;
  for (auto _ : state) {
    for (const std::string& body : Corpus()) {
      out.clear();
      t.rules->Find(body, &out);
      mentions += out.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * CorpusBytes()));
  state.counters["mentions_per_MB"] =
      static_cast<double>(mentions) / state.iterations() / (CorpusBytes() / 1e6);
}
BENCHMARK(BM_Rules)->Unit(benchmark::kMillisecond);

// What the daemon does per article without a model: KB + rules + merge.
void BM_KbRulesMerge(benchmark::State& state) {
  if (!Ready(state, true)) return;
  const Tagger& t = ShippedTagger();
  for (auto _ : state) {
    for (const std::string& body : Corpus()) {
      std::vector<Mention> kb, rules;
      t.matcher->Find(body, &kb);
      t.rules->Find(body, &rules);
      benchmark::DoNotOptimize(MergeMentions(std::move(kb), std::move(rules), {}));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * CorpusBytes()));
}
BENCHMARK(BM_KbRulesMerge)->Unit(benchmark::kMillisecond);

// ---- synthetic 100k-alias knowledge base ----------------------------------------------------

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

// Pronounceable made-up names ("Kavelor Trensi"), 20% of them with a Chinese alias.
std::vector<Entity> SyntheticEntities(size_t aliases) {
  static const char* kSyllables[] = {"ka",  "ve",  "lor", "tren", "si",  "mo", "dar", "qui",
                                     "ne",  "pha", "zul", "bri",  "ton", "ge", "vis", "ra",
                                     "lem", "cor", "hal", "dun",  "fe",  "ix", "sta", "wen"};
  std::mt19937 rng(42);
  auto word = [&](int syllables) {
    std::string w;
    for (int i = 0; i < syllables; ++i) w += kSyllables[rng() % std::size(kSyllables)];
    w[0] = static_cast<char>(w[0] - 'a' + 'A');
    return w;
  };
  std::vector<Entity> out;
  size_t count = 0;
  for (size_t e = 0; count < aliases; ++e) {
    Entity entity;
    entity.id = "syn" + std::to_string(e);
    entity.type = static_cast<EntityType>(rng() % 4);
    entity.name = word(2 + rng() % 2) + " " + word(2 + rng() % 2);
    entity.aliases.push_back({entity.name, false});
    entity.aliases.push_back({word(3) + " " + word(2) + " Group", false});
    count += 2;
    if (rng() % 5 == 0 && count < aliases) {
      std::string zh;
      for (int i = 0; i < 3; ++i)
        text::AppendUtf8(static_cast<uint32_t>(0x4E00 + rng() % 0x5000), &zh);
      entity.aliases.push_back({zh, false});
      ++count;
    }
    out.push_back(std::move(entity));
  }
  return out;
}

// state.range(0) == 1: the shipped KB plus 100k synthetic aliases, so news text still has
// realistic hits; 0: synthetic aliases only (raw scan speed, almost no hits).
void BM_Synthetic100kAliases(benchmark::State& state) {
  if (!Ready(state, state.range(0) == 1)) return;
  std::vector<Entity> entities;
  if (state.range(0) == 1) entities = ShippedTagger().kb->entities();
  malloc_trim(0);  // so freed start-up memory does not show up as a negative difference
  const long rss_before = RssKb();
  const auto t0 = std::chrono::steady_clock::now();
  for (Entity& e : SyntheticEntities(100000)) entities.push_back(std::move(e));
  KbLoadResult r = KnowledgeBase::FromEntities(std::move(entities));
  if (!r.errors.empty()) {
    state.SkipWithError(r.errors[0].ToString().c_str());
    return;
  }
  std::string error;
  std::unique_ptr<KbMatcher> matcher = KbMatcher::Build(r.kb, {}, &error);
  if (matcher == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const double build_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long rss_peak = RssKb();  // includes freed compile-time memory malloc still holds
  malloc_trim(0);
  const long rss_after = RssKb();
  std::vector<Mention> out;
  size_t mentions = 0;
  for (auto _ : state) {
    for (const std::string& body : Corpus()) {
      out.clear();
      matcher->Find(body, &out);
      mentions += out.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * CorpusBytes()));
  state.counters["mentions_per_MB"] =
      static_cast<double>(mentions) / state.iterations() / (CorpusBytes() / 1e6);
  state.counters["aliases"] = static_cast<double>(r.kb->alias_count());
  state.counters["patterns"] = static_cast<double>(matcher->pattern_count());
  state.counters["build_s"] = build_s;
  state.counters["hs_db_MB"] = matcher->database_bytes() / 1e6;
  state.counters["rss_added_MB"] = (rss_after - rss_before) / 1024.0;
  state.counters["rss_added_peak_MB"] = (rss_peak - rss_before) / 1024.0;
  state.counters["rss_total_MB"] = rss_after / 1024.0;
}
// Run each variant in a fresh process (--benchmark_filter) for meaningful RSS numbers.
BENCHMARK(BM_Synthetic100kAliases)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(20);

}  // namespace
}  // namespace newsflow::tag
