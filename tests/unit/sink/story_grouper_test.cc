#include "services/sink/story_grouper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tests/unit/sink/sink_fixtures.h"

namespace newsflow::sink {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

GroupingInput Input(const v1::TaggedArticle& tagged, const StoryGrouperOptions& options = {}) {
  return GroupingInputFrom(tagged, /*fallback_event_ms=*/0, options);
}

int64_t Ms(const std::string& rfc3339) {
  google::protobuf::Timestamp t;
  google::protobuf::util::TimeUtil::FromString(rfc3339, &t);
  return google::protobuf::util::TimeUtil::TimestampToMilliseconds(t);
}

TEST(StoryGrouperTest, OutletsReportingTheSameEventShareAStory) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  auto first = grouper.Assign(Input(fixtures::ReadWrite()));
  EXPECT_EQ(first.kind, GroupingDecision::Kind::kCreated);
  EXPECT_EQ(first.story_id, StoryIdFor("article-1"));
  for (const auto& tagged :
       {fixtures::CnbcBilingual(), fixtures::Observer(), fixtures::Highlights()}) {
    auto decision = grouper.Assign(Input(tagged));
    EXPECT_EQ(decision.kind, GroupingDecision::Kind::kJoined) << tagged.article().article_id();
    EXPECT_EQ(decision.story_id, first.story_id) << tagged.article().article_id();
    EXPECT_GE(decision.score, 0.45);
  }
  auto story = grouper.Snapshot(first.story_id);
  ASSERT_TRUE(story);
  EXPECT_EQ(story->article_count, 4u);
  EXPECT_THAT(story->sources, ElementsAre("cnbc", "coincentral", "observer", "readwrite"));
  // The earliest member (the bilingual one, published first) gives the headline.
  EXPECT_EQ(story->members.front().article_id, "article-2");
  EXPECT_EQ(story->headline, fixtures::CnbcBilingual().article().title());
  EXPECT_EQ(story->first_seen_ms, Ms("2025-01-28T02:00:00Z"));
  EXPECT_EQ(story->last_seen_ms, Ms("2025-01-30T12:00:00Z"));
  ASSERT_GE(story->top_entities.size(), 3u);
  EXPECT_EQ(story->top_entities[0].entity_id, "Q-nvidia");
  EXPECT_EQ(story->top_entities[0].articles, 4u);
  // Amounts and percentages are not identities: not grouping entities.
  for (const auto& e : story->top_entities) {
    EXPECT_NE(e.type, v1::ENTITY_TYPE_PERCENT);
    EXPECT_NE(e.type, v1::ENTITY_TYPE_MONEY);
  }
}

TEST(StoryGrouperTest, ChineseOnlyArticleJoinsThroughLinkedEntityIds) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  auto story = grouper.Assign(Input(fixtures::ReadWrite())).story_id;
  // No title token in common: only the linked ids relate it to the English story.
  auto chinese = fixtures::MakeTagged(
      "zh-1", "sina", "輝達稱DeepSeek模型是傑出的人工智慧進展",
      "儘管中國新創DeepSeek的R1模型造成輝達股價下滑17%，輝達稱其為傑出的進展。",
      "2025-01-28T12:00:00Z",
      {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.9f, {"輝達", "輝達"}},
       {"Q-deepseek", v1::ENTITY_TYPE_ORG, "DeepSeek", 0.9f, {"DeepSeek"}},
       {"Q-deepseek-r1", v1::ENTITY_TYPE_PRODUCT, "DeepSeek-R1", 0.5f, {"R1"}},
       {"Q-china", v1::ENTITY_TYPE_LOC, "China", 0.3f, {"中國"}}});
  chinese.mutable_article()->set_language("zh");
  auto input = Input(chinese);
  EXPECT_TRUE(std::none_of(input.title_tokens.begin(), input.title_tokens.end(),
                           [](const auto& t) { return t == "nvidia"; }));
  auto decision = grouper.Assign(input);
  EXPECT_EQ(decision.kind, GroupingDecision::Kind::kJoined);
  EXPECT_EQ(decision.story_id, story);
}

TEST(StoryGrouperTest, UnrelatedArticleFormsItsOwnStory) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  auto nvidia = grouper.Assign(Input(fixtures::ReadWrite())).story_id;
  grouper.Assign(Input(fixtures::CnbcBilingual()));
  auto harbor = grouper.Assign(Input(fixtures::HarborRobotics()));
  EXPECT_EQ(harbor.kind, GroupingDecision::Kind::kCreated);
  EXPECT_NE(harbor.story_id, nvidia);
  EXPECT_EQ(grouper.story_count(), 2u);
}

TEST(StoryGrouperTest, OneSharedEntityIsNotEnough) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  grouper.Assign(Input(fixtures::ReadWrite()));
  // Same company, another event (earnings), same week.
  auto earnings = fixtures::MakeTagged(
      "earnings", "reuters", "Nvidia quarterly revenue beats forecasts on data-center demand",
      "Nvidia reported quarterly revenue above forecasts, driven by data-center sales to "
      "Microsoft and Amazon.",
      "2025-01-29T21:00:00Z",
      {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.95f, {"Nvidia"}},
       {"Q-microsoft", v1::ENTITY_TYPE_ORG, "Microsoft", 0.3f, {"Microsoft"}},
       {"Q-amazon", v1::ENTITY_TYPE_ORG, "Amazon", 0.3f, {"Amazon"}}});
  EXPECT_EQ(grouper.Assign(Input(earnings)).kind, GroupingDecision::Kind::kCreated);
}

TEST(StoryGrouperTest, FollowUpAMonthLaterFormsItsOwnStory) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  std::string story;
  for (const auto& tagged : {fixtures::ReadWrite(), fixtures::CnbcBilingual(), fixtures::Observer(),
                             fixtures::Highlights()}) {
    story = grouper.Assign(Input(tagged)).story_id;
  }
  auto follow_up = grouper.Assign(Input(fixtures::FollowUpInterview()));
  EXPECT_EQ(follow_up.kind, GroupingDecision::Kind::kCreated);
  EXPECT_NE(follow_up.story_id, story);
  // ...and the January story has expired: the watermark moved past it by more than the window.
  EXPECT_FALSE(grouper.Snapshot(story));
  EXPECT_EQ(grouper.expired(), 1u);
  EXPECT_EQ(grouper.story_count(), 1u);
  EXPECT_EQ(grouper.member_count(), 1u);
}

TEST(StoryGrouperTest, WindowBoundsJoiningAndExpiry) {
  StoryGrouperOptions options;
  options.window_ms = 24 * 3600 * 1000;
  StoryGrouper grouper{options};
  auto first = grouper.Assign(Input(fixtures::CnbcBilingual(), options));  // Jan 28 02:00
  // Jan 29 15:30: 37.5 h after the only member, beyond the 24 h window.
  auto late = grouper.Assign(Input(fixtures::Observer(), options));
  EXPECT_EQ(late.kind, GroupingDecision::Kind::kCreated);
  EXPECT_NE(late.story_id, first.story_id);
  EXPECT_EQ(grouper.expired(), 1u);
  EXPECT_FALSE(grouper.Snapshot(first.story_id));
}

TEST(StoryGrouperTest, StoryCountIsCapped) {
  StoryGrouperOptions options;
  options.max_stories = 3;
  StoryGrouper grouper{options};
  for (int i = 0; i < 10; ++i) {
    auto tagged =
        fixtures::MakeTagged("a" + std::to_string(i), "s", "Event number " + std::to_string(i),
                             "Body.", "2025-01-28T0" + std::to_string(i) + ":00:00Z",
                             {{"Q-x" + std::to_string(i), v1::ENTITY_TYPE_ORG, "X", 0.9f, {}},
                              {"Q-y" + std::to_string(i), v1::ENTITY_TYPE_ORG, "Y", 0.9f, {}}});
    grouper.Assign(Input(tagged, options));
  }
  EXPECT_EQ(grouper.story_count(), 3u);
  EXPECT_EQ(grouper.expired(), 7u);
  EXPECT_TRUE(grouper.Snapshot(StoryIdFor("a9")));
  EXPECT_FALSE(grouper.Snapshot(StoryIdFor("a0")));
}

TEST(StoryGrouperTest, ReassigningAMemberKeepsItsStory) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  auto story = grouper.Assign(Input(fixtures::ReadWrite())).story_id;
  grouper.Assign(Input(fixtures::CnbcBilingual()));
  auto again = grouper.Assign(Input(fixtures::CnbcBilingual()));
  EXPECT_EQ(again.kind, GroupingDecision::Kind::kAlreadyMember);
  EXPECT_EQ(again.story_id, story);
  EXPECT_EQ(grouper.Snapshot(story)->article_count, 2u);
}

TEST(StoryGrouperTest, NearDuplicatesJoinWithoutEntities) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  auto story = grouper.Assign(Input(fixtures::ReadWrite())).story_id;
  // Flagged by normalize; no tags at all.
  auto flagged =
      fixtures::MakeTagged("copy-1", "aggregator", "", "Copy.", "2025-01-28T10:00:00Z", {});
  flagged.mutable_article()->set_near_duplicate_of("article-1");
  EXPECT_EQ(grouper.Assign(Input(flagged)).story_id, story);
  // SimHash within 6 bits of a member's, with one shared entity.
  auto similar = fixtures::MakeTagged("copy-2", "aggregator", "", "Copy.", "2025-01-28T11:00:00Z",
                                      {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.9f, {}}},
                                      fixtures::ReadWrite().article().simhash() ^ 0b10101);
  auto decision = grouper.Assign(Input(similar));
  EXPECT_EQ(decision.story_id, story);
  EXPECT_EQ(decision.score, 1.0);
}

TEST(StoryGrouperTest, SameInputSameStoriesWhateverTheInstance) {
  auto run = [] {
    StoryGrouper grouper{StoryGrouperOptions{}};
    std::vector<std::string> ids;
    for (const auto& tagged :
         {fixtures::Observer(), fixtures::HarborRobotics(), fixtures::ReadWrite(),
          fixtures::Highlights(), fixtures::CnbcBilingual(), fixtures::FollowUpInterview()}) {
      ids.push_back(grouper.Assign(Input(tagged)).story_id);
    }
    return ids;
  };
  auto ids = run();
  EXPECT_EQ(ids, run());
  // Founded by the first article of the event that arrived, whatever its publication time.
  EXPECT_EQ(ids[0], StoryIdFor("article-3"));
  EXPECT_EQ(ids[2], ids[0]);
  EXPECT_EQ(ids[3], ids[0]);
  EXPECT_EQ(ids[4], ids[0]);
  EXPECT_NE(ids[1], ids[0]);
  EXPECT_NE(ids[5], ids[0]);
}

TEST(StoryGrouperTest, RestoredFromChangelogInAnyOrderDecidesTheSame) {
  StoryGrouper original{StoryGrouperOptions{}};
  std::vector<std::pair<std::string, std::string>> changelog;  // key, value
  for (const auto& tagged : {fixtures::ReadWrite(), fixtures::CnbcBilingual(),
                             fixtures::HarborRobotics(), fixtures::Observer()}) {
    auto input = Input(tagged);
    auto decision = original.Assign(input);
    changelog.emplace_back(input.article_id,
                           ToMembership(decision.story_id, input).SerializeAsString());
  }
  // Partitions interleave arbitrarily on restore; a tombstone and garbage are skipped.
  std::mt19937 rng(7);
  std::shuffle(changelog.begin(), changelog.end(), rng);
  changelog.insert(changelog.begin() + 1, {"gone", ""});
  changelog.emplace_back("junk", "\x08\x96\x01 not a membership");

  StoryGrouper restored{StoryGrouperOptions{}};
  int applied = 0;
  for (const auto& [key, value] : changelog)
    applied += ApplyMembershipRecord(key, value, &restored);
  EXPECT_EQ(applied, 4);
  EXPECT_EQ(restored.story_count(), 2u);
  EXPECT_EQ(restored.member_count(), 4u);

  auto nvidia = StoryIdFor("article-1");
  auto before = original.Snapshot(nvidia);
  auto after = restored.Snapshot(nvidia);
  ASSERT_TRUE(before && after);
  EXPECT_EQ(after->headline, before->headline);
  EXPECT_EQ(after->first_seen_ms, before->first_seen_ms);
  EXPECT_EQ(after->sources, before->sources);
  ASSERT_EQ(after->top_entities.size(), before->top_entities.size());
  for (size_t i = 0; i < after->top_entities.size(); ++i) {
    EXPECT_EQ(after->top_entities[i].entity_id, before->top_entities[i].entity_id);
  }

  // The next article gets the same story from the restored state as from the original.
  auto next = Input(fixtures::Highlights());
  EXPECT_EQ(restored.Assign(next).story_id, original.Assign(next).story_id);
  EXPECT_EQ(restored.Assign(next).story_id, nvidia);
  // Re-applying a known membership changes nothing.
  ApplyMembershipRecord(changelog[0].first, changelog[0].second, &restored);
  EXPECT_EQ(restored.member_count(), 5u);
  EXPECT_EQ(restored.conflicts(), 0u);
}

TEST(StoryGrouperTest, DisagreeingMembershipIsCountedAndIgnored) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  auto input = Input(fixtures::ReadWrite());
  auto story = grouper.Assign(input).story_id;
  grouper.Apply("st-other", input);
  EXPECT_EQ(grouper.conflicts(), 1u);
  EXPECT_EQ(grouper.Assign(input).story_id, story);
}

TEST(StoryGrouperTest, GroupingInputWeighsEntities) {
  auto input = Input(fixtures::CnbcBilingual());
  EXPECT_EQ(input.event_ms, Ms("2025-01-28T02:00:00Z"));
  ASSERT_FALSE(input.entities.empty());
  EXPECT_EQ(input.entities[0].entity_id, "Q-nvidia");
  for (const auto& e : input.entities) {
    if (e.entity_id == "Q-china") {
      EXPECT_NEAR(e.weight, 0.15, 1e-6);  // places weigh half
    }
  }
  // Without a published time: ingested, else the record timestamp.
  auto tagged = fixtures::ReadWrite();
  tagged.mutable_article()->clear_published();
  EXPECT_EQ(GroupingInputFrom(tagged, 1234, {}).event_ms, 1234);
  tagged.mutable_article()->mutable_ingested()->set_seconds(100);
  EXPECT_EQ(GroupingInputFrom(tagged, 1234, {}).event_ms, 100000);
  // No title: the start of the body is the headline.
  EXPECT_THAT(Input(fixtures::Highlights()).headline,
              ::testing::StartsWith("Nvidia (NASDAQ:NVDA)"));
}

TEST(TitleTokensTest, WordsAndHanBigrams) {
  EXPECT_THAT(TitleTokens("Nvidia praises DeepSeek’s R1 model — “an excellent” AI advancement"),
              ElementsAre("advancement", "ai", "deepseek", "excellent", "model", "nvidia",
                          "praises", "r1"));
  EXPECT_THAT(TitleTokens("輝達稱讚"), UnorderedElementsAre("輝達", "達稱", "稱讚"));
  EXPECT_THAT(TitleTokens("中 AI"), UnorderedElementsAre("中", "ai"));
  EXPECT_THAT(TitleTokens("Café Zürich"), ElementsAre("café", "zürich"));
  EXPECT_TRUE(TitleTokens("").empty());
}

TEST(StoryIdTest, StableAndDistinct) {
  EXPECT_EQ(StoryIdFor("article-1"), StoryIdFor("article-1"));
  EXPECT_NE(StoryIdFor("article-1"), StoryIdFor("article-2"));
  EXPECT_EQ(StoryIdFor("x").size(), 19u);
  EXPECT_EQ(StoryIdFor("x").rfind("st-", 0), 0u);
}

}  // namespace
}  // namespace newsflow::sink

namespace newsflow::sink {
namespace {

TEST(StoryGrouperTest, CommonEntitiesScoreButDoNotProposeCandidates) {
  StoryGrouperOptions options;
  options.common_entity_stories = 1;  // an entity in 2+ stories is "common"
  StoryGrouper grouper{options};
  auto nvidia = grouper.Assign(Input(fixtures::ReadWrite(), options)).story_id;
  auto harbor = grouper.Assign(Input(fixtures::HarborRobotics(), options)).story_id;
  // A third story mentioning Nvidia and DeepSeek makes both common.
  auto other = fixtures::MakeTagged("other", "s", "Unrelated", "Body.", "2025-01-28T12:00:00Z",
                                    {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.9f, {}},
                                     {"Q-deepseek", v1::ENTITY_TYPE_ORG, "DeepSeek", 0.1f, {}},
                                     {"Q-x", v1::ENTITY_TYPE_ORG, "X", 0.9f, {}},
                                     {"Q-y", v1::ENTITY_TYPE_ORG, "Y", 0.9f, {}}});
  EXPECT_EQ(grouper.Assign(Input(other, options)).kind, GroupingDecision::Kind::kCreated);
  // The bilingual article is still proposed the Nvidia story by the rarer R1 and CNBC, and
  // Nvidia and DeepSeek count in its score.
  auto decision = grouper.Assign(Input(fixtures::CnbcBilingual(), options));
  EXPECT_EQ(decision.story_id, nvidia);
  EXPECT_GE(decision.score, 0.45);
  // An article whose entities are all common founds its own story.
  auto vague =
      fixtures::MakeTagged("vague", "s", "Nvidia and DeepSeek", "Body.", "2025-01-28T13:00:00Z",
                           {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.9f, {}},
                            {"Q-deepseek", v1::ENTITY_TYPE_ORG, "DeepSeek", 0.9f, {}}});
  EXPECT_EQ(grouper.Assign(Input(vague, options)).kind, GroupingDecision::Kind::kCreated);
  EXPECT_NE(harbor, nvidia);
}

}  // namespace
}  // namespace newsflow::sink
