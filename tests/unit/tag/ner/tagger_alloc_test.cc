// The tagger's hot path does not allocate once warmed up: tagging documents again (with buffers
// grown and the word cache filled) must not call operator new at all, whatever the number of
// tokens. Its own executable because it replaces the global operator new to count calls.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "services/tag/ner/annotated_corpus.h"
#include "services/tag/ner/sequence_model.h"
#include "services/tag/ner/tokenizer.h"
#include "services/tag/ner/trainer.h"
#include "tests/unit/tag/ner/tiny_model.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace newsflow::tag::ner {
namespace {

std::unique_ptr<SequenceModel> TrainTiny() {
  TrainerOptions options;
  options.num_buckets = 1u << 12;
  const std::vector<TinyExample> examples = {
      {"Alice Walker visited Paris on Monday.", {{"PERSON", 0, 12}, {"LOC", 21, 26}}},
      {"Acme Corp hired Marek Nowak in Lagos.",
       {{"ORG", 0, 9}, {"PERSON", 16, 27}, {"LOC", 31, 36}}},
  };
  return TrainTinyModel(examples, options, /*epochs=*/3);
}

std::string LongDocument(int sentences) {
  std::string text;
  const char* names[] = {"Alice Walker", "Marek Nowak", "Acme Corp", "Sunita Rao"};
  const char* places[] = {"Paris", "Lagos", "Lima", "Zürich", "北京"};
  for (int i = 0; i < sentences; ++i) {
    text += names[i % 4];
    text += " met University of Southern Indiana officials (USI) in ";
    text += places[i % 5];
    text += " on Monday, " + std::to_string(i) + " March. Walker said so.\n";
  }
  return text;
}

TEST(TaggerAllocationTest, TaggingAgainDoesNotAllocate) {
  const auto model = TrainTiny();
  Tagger tagger(model.get());
  std::vector<EntitySpan> spans;
  const std::vector<std::string> documents = {LongDocument(200), LongDocument(3), "Paris.",
                                              LongDocument(50)};
  for (const std::string& d : documents) tagger.TagText(d, &spans);  // warm-up
  const uint64_t before = g_allocations.load();
  size_t entities = 0;
  for (int round = 0; round < 3; ++round) {
    for (const std::string& d : documents) {
      tagger.TagText(d, &spans);
      entities += spans.size();
    }
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_GT(entities, 0u);
}

}  // namespace
}  // namespace newsflow::tag::ner
