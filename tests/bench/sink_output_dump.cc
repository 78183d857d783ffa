// newsflow-sink-output-dump: every record the sink stage makes of the load-style replay of the
// corpus (see BM_SinkReplay in sink_bench.cc), framed on stdout: topic, key, headers, value.
// Its md5sum before and after a change of sink or the runtime's StageResult proves the change
// kept every output byte:
//
//   NEWSFLOW_CORPUS=../shared/corpus/wikinews.jsonl build/bin/newsflow-sink-output-dump 20 | md5sum
//
// The argument is how many copies of the corpus are replayed (default 20).
// NEWSFLOW_MAX_LISTED=N sets StoryGrouperOptions::max_listed_members (0 lists every member, the
// output before that cap existed: md5 7c3fe701… for 20 copies).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "newsflow/v1/tagged_article.pb.h"
#include "services/sink/sink_stage.h"
#include "services/sink/story_grouper.h"
#include "tests/bench/tagged_corpus.h"

namespace newsflow {
namespace {

constexpr int64_t kStart = 1737936000000;  // 2025-01-27T00:00:00Z

void Write(std::string_view bytes) { std::fwrite(bytes.data(), 1, bytes.size(), stdout); }

// The enriched record's "processed" time is the wall clock: masked so two runs compare.
std::string MaskProcessed(std::string value) {
  constexpr std::string_view kKey = "\"processed\":\"";
  const size_t start = value.find(kKey);
  if (start == std::string::npos) return value;
  const size_t from = start + kKey.size();
  const size_t end = value.find('"', from);
  if (end != std::string::npos) value.replace(from, end - from, "-");
  return value;
}

void WriteField(std::string_view bytes) {
  Write(std::to_string(bytes.size()));
  Write(":");
  Write(bytes);
  Write("\n");
}

int Main(int argc, char** argv) {
  const int64_t copies = argc > 1 ? std::atoll(argv[1]) : 20;
  const std::vector<std::string> records = bench::LoadReplayRecords(copies, kStart);
  sink::StoryGrouperOptions grouping;
  if (const char* listed = std::getenv("NEWSFLOW_MAX_LISTED")) {
    grouping.max_listed_members = static_cast<size_t>(std::atoll(listed));
  }
  sink::StoryGrouper grouper{grouping};
  std::string error;
  auto stage = sink::SinkStage::Create(sink::SinkOptions{}, &grouper, &error);
  if (!stage) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  StageResult result;  // reused, as the stage loop does
  for (size_t n = 0; n < records.size(); ++n) {
    InputRecord input;
    input.value = records[n];
    input.timestamp_ms = kStart;
    result.Clear();
    stage->Process(input, &result);
    Write("== " + std::to_string(n) + "\n");
    if (result.dead_letter) {
      WriteField(result.dead_letter->reason);
      WriteField(result.dead_letter->detail);
    }
    for (const auto& record : result.records) {
      WriteField(record.topic);
      WriteField(record.key);
      for (const auto& [name, header_value] : record.headers) {
        WriteField(name);
        WriteField(header_value);
      }
      WriteField(MaskProcessed(record.value));
    }
  }
  return 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
