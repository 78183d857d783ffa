// What sink publishes when an article merges two stories: the survivor's snapshot, a
// "merged_into" record for the absorbed id on news.stories, and the moved members' changelog
// records under the survivor, from which a restored grouper rebuilds the merged story.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "newsflow/v1/story_membership.pb.h"
#include "services/sink/sink_stage.h"
#include "services/sink/story_grouper.h"
#include "tests/unit/sink/json_schema_check.h"
#include "tests/unit/sink/sink_fixtures.h"

namespace newsflow::sink {
namespace {

using ::testing::HasSubstr;

v1::TaggedArticle Article(const std::string& id, const std::string& published,
                          const std::vector<std::string>& entities) {
  std::vector<fixtures::EntitySpec> specs;
  for (const auto& e : entities) specs.push_back({e, v1::ENTITY_TYPE_ORG, e, 0.8f, {}});
  return fixtures::MakeTagged(id, "source-" + id, "", "Body of " + id + ".", published, specs);
}

TEST(StoryMergeRecordsTest, MergePublishesTheAbsorbedIdAndRewritesMovedMembers) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  std::string error;
  auto stage = SinkStage::Create(SinkOptions{}, &grouper, &error);
  ASSERT_TRUE(stage) << error;
  std::vector<OutputRecord> changelog;
  auto process = [&](const v1::TaggedArticle& tagged) {
    const std::string bytes = tagged.SerializeAsString();
    InputRecord input;
    input.value = bytes;
    StageResult result;
    stage->Process(input, &result);
    EXPECT_FALSE(result.dead_letter);
    for (const auto& r : result.records) {
      if (r.topic == "news.sink.stories-state") changelog.push_back(r);
    }
    return result;
  };
  process(Article("a", "2025-03-04T10:00:00Z", {"Q-1", "Q-2", "Q-3", "Q-4"}));
  process(Article("b", "2025-03-04T08:00:00Z", {"Q-5", "Q-6", "Q-7", "Q-8"}));
  const std::string absorbed = StoryIdFor("a"), survivor = StoryIdFor("b");
  auto result = process(Article("c", "2025-03-04T12:00:00Z",
                                {"Q-1", "Q-2", "Q-3", "Q-4", "Q-5", "Q-6", "Q-7", "Q-8"}));

  std::map<std::string, std::string> stories;      // key -> value on news.stories
  std::map<std::string, std::string> memberships;  // article id -> story id, this input only
  for (const auto& r : result.records) {
    if (r.topic == "news.stories") stories[r.key] = r.value;
    if (r.topic == "news.sink.stories-state") {
      v1::StoryMembership m;
      ASSERT_TRUE(m.ParseFromString(r.value));
      EXPECT_EQ(m.article_id(), r.key);
      memberships[r.key] = m.story_id();
    }
  }
  ASSERT_EQ(stories.size(), 2u);
  EXPECT_THAT(stories[survivor], HasSubstr("\"article_count\":3"));
  EXPECT_EQ(stories[absorbed], "{\"schema_version\":1,\"story_id\":\"" + absorbed +
                                   "\",\"merged_into\":\"" + survivor + "\"}");
  // What a consumer of news.stories reads validates against the documented schemas.
  for (const auto& [schema, id] : {std::pair{"story.schema.json", survivor},
                                   std::pair{"story-merged.schema.json", absorbed}}) {
    EXPECT_EQ(testing::ValidateJson(
                  testing::ReadRepositoryFile(std::string("docs/schema/") + schema), stories[id]),
              std::vector<std::string>{})
        << stories[id];
  }
  EXPECT_EQ(memberships, (std::map<std::string, std::string>{{"a", survivor}, {"c", survivor}}));
  EXPECT_EQ(stage->probe().records_by_output.Read().at("stories"), 4u);  // 3 snapshots, 1 merge

  // Restore from the changelog compacted (last record per article), in any order.
  std::map<std::string, std::string> compacted;
  for (const auto& r : changelog) compacted[r.key] = r.value;
  StoryGrouper restored{StoryGrouperOptions{}};
  for (auto it = compacted.rbegin(); it != compacted.rend(); ++it) {
    ASSERT_TRUE(ApplyMembershipRecord(it->first, it->second, &restored));
  }
  EXPECT_EQ(restored.story_count(), 1u);
  ASSERT_TRUE(restored.Snapshot(survivor));
  EXPECT_EQ(restored.Snapshot(survivor)->article_count, 3u);
  // ...and from the whole log before compaction (each article's records in order): the stale
  // record of "a" under the absorbed id merges into the survivor when its rewrite arrives.
  StoryGrouper replayed{StoryGrouperOptions{}};
  for (const auto& r : changelog) ASSERT_TRUE(ApplyMembershipRecord(r.key, r.value, &replayed));
  EXPECT_EQ(replayed.story_count(), 1u);
  EXPECT_EQ(replayed.Snapshot(absorbed)->story_id, survivor);
  EXPECT_EQ(replayed.Snapshot(survivor)->article_count, 3u);
}

}  // namespace
}  // namespace newsflow::sink
