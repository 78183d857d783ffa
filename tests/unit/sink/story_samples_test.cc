// Acceptance: the five reference articles (../shared/samples, no publication dates) through the
// offline path (normalize, entity-tag, story grouping, as newsflow-process runs them): articles
// 1, 2, 3 and 5 form one story and article 4 (a follow-up interview) another, in every arrival
// order. Skipped when the samples are not there (a fresh clone has no ../shared).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "newsflow/v1/raw_article.pb.h"
#include "services/normalize/normalize_stage.h"
#include "services/sink/story_grouper.h"
#include "services/tag/entity_tagger.h"
#include "services/tag/tag_stage.h"

namespace newsflow::sink {
namespace {

std::filesystem::path SamplesDir() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("NEWSFLOW_SAMPLES_DIR")) candidates.emplace_back(env);
  candidates.emplace_back(std::string(NEWSFLOW_SOURCE_DIR) + "/../shared/samples");
  candidates.emplace_back("/work/shared/samples");
  for (const auto& dir : candidates) {
    if (std::filesystem::exists(dir / "article-1.txt")) return dir;
  }
  return {};
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The samples as the sink sees them, tagged once (tagging does not depend on order).
std::vector<GroupingInput> TaggedSamples(const std::filesystem::path& dir) {
  tag::EntityTaggerOptions tagger_options;
  tagger_options.kb_dir = std::string(NEWSFLOW_SOURCE_DIR) + "/config/kb";
  tagger_options.model_path = std::string(NEWSFLOW_SOURCE_DIR) + "/config/ner/model.bin";
  std::string error;
  auto tagger = tag::EntityTagger::Create(tagger_options, &error);
  EXPECT_TRUE(tagger) << error;
  DedupeIndex dedupe{DedupeOptions{}};
  auto normalize = NormalizeStage::Create(NormalizeOptions{}, &dedupe, &error);
  EXPECT_TRUE(normalize) << error;
  std::vector<GroupingInput> inputs;
  if (!tagger || !normalize) return inputs;
  for (int n = 1; n <= 5; ++n) {
    const std::string id = "article-" + std::to_string(n) + ".txt";
    v1::RawArticle raw;
    raw.set_article_id(id);
    raw.set_source_name(id);
    raw.set_content(ReadFile(dir / id));
    raw.set_content_type("text/plain");
    const std::string bytes = raw.SerializeAsString();
    InputRecord record;
    record.value = bytes;
    record.timestamp_ms = n;  // no publication dates: all five within a few milliseconds
    StageResult result;
    normalize->Process(record, &result);
    EXPECT_FALSE(result.dead_letter) << id;
    EXPECT_FALSE(result.records.empty()) << id;  // the article, then its dedupe entry
    if (result.dead_letter || result.records.empty()) continue;
    v1::TaggedArticle tagged;
    tagged.mutable_article()->ParseFromString(result.records[0].value);
    FillTaggedArticle(tagger->Tag(tagged.article().body(), tagged.article().title()), &tagged);
    inputs.push_back(GroupingInputFrom(tagged, record.timestamp_ms, StoryGrouperOptions{}));
  }
  return inputs;
}

TEST(StorySamplesTest, ArticlesOneTwoThreeAndFiveFormOneStoryFourItsOwn) {
  const auto dir = SamplesDir();
  if (dir.empty()) {
    GTEST_SKIP() << "reference samples not found (NEWSFLOW_SAMPLES_DIR, ../shared/samples, "
                    "/work/shared/samples): nothing to check";
  }
  const auto inputs = TaggedSamples(dir);
  ASSERT_EQ(inputs.size(), 5u);
  std::vector<size_t> order = {0, 1, 2, 3, 4};
  int permutations = 0;
  do {
    StoryGrouper grouper{StoryGrouperOptions{}};
    std::map<std::string, std::string> story_of;  // article id -> story id it was given
    for (size_t i : order) story_of[inputs[i].article_id] = grouper.Assign(inputs[i]).story_id;
    // Stories merged since resolve to the survivor.
    for (auto& [article, story] : story_of) story = grouper.Snapshot(story)->story_id;
    const std::string& main = story_of.at("article-1.txt");
    SCOPED_TRACE("permutation " + std::to_string(permutations));
    EXPECT_EQ(story_of.at("article-2.txt"), main);
    EXPECT_EQ(story_of.at("article-3.txt"), main);
    EXPECT_EQ(story_of.at("article-5.txt"), main);
    EXPECT_NE(story_of.at("article-4.txt"), main);
    EXPECT_EQ(grouper.Snapshot(main)->article_count, 4u);
    EXPECT_EQ(grouper.story_count(), 2u);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()) && !HasFailure());
  EXPECT_EQ(permutations, 120);
}

}  // namespace
}  // namespace newsflow::sink
