#include "services/sink/story_grouper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <utility>

#include "services/core/text/simhash.h"
#include "services/sink/enriched_json.h"
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
  // Amounts and percentages are evidence, but not what a story is about: not top entities.
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

// The article cap bounds memory when stories are few but large: whole stories go, least recently
// joined first, and the story being joined stays.
TEST(StoryGrouperTest, ArticleCountIsCappedByEvictingLeastRecentlyJoinedStories) {
  StoryGrouperOptions options;
  options.max_articles = 5;
  StoryGrouper grouper{options};
  // Three stories of two near-duplicate articles each, an hour apart.
  for (int story = 0; story < 3; ++story) {
    for (int copy = 0; copy < 2; ++copy) {
      const std::string id = "s" + std::to_string(story) + "c" + std::to_string(copy);
      auto tagged = fixtures::MakeTagged(
          id, "outlet" + std::to_string(copy), "Event number " + std::to_string(story), "Body.",
          "2025-01-28T0" + std::to_string(story) + ":00:00Z",
          {{"Q-x" + std::to_string(story), v1::ENTITY_TYPE_ORG, "X", 0.9f, {}},
           {"Q-y" + std::to_string(story), v1::ENTITY_TYPE_ORG, "Y", 0.9f, {}},
           {"Q-z" + std::to_string(story), v1::ENTITY_TYPE_ORG, "Z", 0.9f, {}}});
      grouper.Assign(Input(tagged, options));
    }
  }
  EXPECT_EQ(grouper.story_count(), 2u);
  EXPECT_EQ(grouper.expired(), 1u);
  EXPECT_FALSE(grouper.Snapshot(StoryIdFor("s0c0")));
  ASSERT_TRUE(grouper.Snapshot(StoryIdFor("s2c0")));
  EXPECT_EQ(grouper.Snapshot(StoryIdFor("s2c0"))->article_count, 2u);
  EXPECT_EQ(grouper.Snapshot(StoryIdFor("s1c0"))->article_count, 2u);
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
          fixtures::Highlights(), fixtures::CnbcBilingual()}) {
      ids.push_back(grouper.Assign(Input(tagged)).story_id);
    }
    // Where each article ended up (ids of merged stories resolve to the survivor).
    for (auto& id : ids) id = grouper.Snapshot(id)->story_id;
    ids.push_back(grouper.Assign(Input(fixtures::FollowUpInterview())).story_id);
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

GroupingInput Synthetic(const std::string& id, const std::string& published,
                        const std::vector<std::string>& entities) {
  GroupingInput input;
  input.article_id = id;
  input.source = "source-" + id;
  input.headline = "Headline " + id;
  input.event_ms = Ms(published);
  for (const auto& e : entities) input.entities.push_back({e, v1::ENTITY_TYPE_ORG, e, 0.8});
  return input;
}

// Assigns `inputs` in order; each after the first must join the story the first one got, whose
// id is left in `story_id`. Call inside ASSERT_NO_FATAL_FAILURE.
void AssignToOneStory(StoryGrouper& grouper, const std::vector<GroupingInput>& inputs,
                      std::string* story_id) {
  story_id->clear();
  for (const GroupingInput& input : inputs) {
    const GroupingDecision decision = grouper.Assign(input);
    if (!story_id->empty()) {
      ASSERT_EQ(decision.story_id, *story_id);
    }
    *story_id = decision.story_id;
  }
}

TEST(StoryGrouperTest, AnArticleLinkingTwoStoriesMergesThem) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  auto later = grouper.Assign(
      Synthetic("a", "2025-03-04T10:00:00Z", {"Q-acme", "Q-lena", "Q-rotterdam", "Q-northwind"}));
  auto earlier = grouper.Assign(
      Synthetic("b", "2025-03-04T08:00:00Z", {"Q-singapore", "Q-robots", "Q-pier", "Q-vos"}));
  ASSERT_EQ(earlier.kind, GroupingDecision::Kind::kCreated);
  ASSERT_NE(earlier.story_id, later.story_id);
  // Shares four entities with each.
  auto both = grouper.Assign(Synthetic("c", "2025-03-04T12:00:00Z",
                                       {"Q-acme", "Q-lena", "Q-rotterdam", "Q-northwind",
                                        "Q-singapore", "Q-robots", "Q-pier", "Q-vos"}));
  EXPECT_EQ(both.kind, GroupingDecision::Kind::kJoined);
  // The story with the earlier member keeps its id.
  EXPECT_EQ(both.story_id, earlier.story_id);
  EXPECT_THAT(both.merged_story_ids, ElementsAre(later.story_id));
  ASSERT_EQ(both.moved_members.size(), 1u);
  EXPECT_EQ(both.moved_members[0].article_id, "a");
  // The moved member keeps what a changelog record needs to restore it.
  EXPECT_EQ(both.moved_members[0].entities.size(), 4u);
  EXPECT_EQ(grouper.story_count(), 1u);
  EXPECT_EQ(grouper.merged(), 1u);
  // The absorbed id resolves to the survivor, for the changelog and for a re-processed member.
  EXPECT_EQ(grouper.Snapshot(later.story_id)->story_id, earlier.story_id);
  EXPECT_EQ(grouper.Assign(Synthetic("a", "2025-03-04T10:00:00Z", {"Q-acme"})).story_id,
            earlier.story_id);
  auto story = grouper.Snapshot(earlier.story_id);
  EXPECT_EQ(story->article_count, 3u);
  EXPECT_EQ(story->headline, "Headline b");
  EXPECT_EQ(story->first_seen_ms, Ms("2025-03-04T08:00:00Z"));
  EXPECT_EQ(story->last_seen_ms, Ms("2025-03-04T12:00:00Z"));
  EXPECT_THAT(story->sources, ElementsAre("source-a", "source-b", "source-c"));
  // Entity statistics are the sum of both stories'.
  ASSERT_FALSE(story->top_entities.empty());
  EXPECT_EQ(story->top_entities[0].articles, 2u);
  // A fourth article linking the merged story through the absorbed member joins it.
  auto fourth = grouper.Assign(
      Synthetic("d", "2025-03-04T13:00:00Z", {"Q-acme", "Q-lena", "Q-rotterdam", "Q-northwind"}));
  EXPECT_EQ(fourth.story_id, earlier.story_id);
  EXPECT_TRUE(fourth.merged_story_ids.empty());
}

// The stage writes news.stories from a view of the grouper's state; the stores get the owning
// snapshot. Both must give the same JSON: a story with more members than the feature cap, members
// with equal event times (ordered by id), repeated sources, and more than ten top entities of
// equal and different weights (the top ten of the full order, ties by id).
TEST(StoryGrouperTest, SnapshotViewWritesTheSameStoryJson) {
  StoryGrouperOptions options;
  options.max_members_per_story = 4;
  StoryGrouper grouper{options};
  std::vector<std::string> entities;
  for (int i = 0; i < 14; ++i) entities.push_back("Q-" + std::to_string(100 - i));
  std::vector<GroupingInput> inputs;
  for (int i = 0; i < 6; ++i) {
    GroupingInput input = Synthetic("m" + std::to_string(5 - i), "2025-03-04T10:00:00Z", entities);
    if (i % 2) input.source = "source-shared";
    // Different weights for some entities, so weight and then id order the top ten.
    for (size_t k = 0; k < input.entities.size(); k += 3) input.entities[k].weight = 0.5;
    inputs.push_back(std::move(input));
  }
  std::string story_id;
  ASSERT_NO_FATAL_FAILURE(AssignToOneStory(grouper, inputs, &story_id));
  const std::optional<StorySnapshot> snapshot = grouper.Snapshot(story_id);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->article_count, 6u);
  EXPECT_EQ(snapshot->members.size(), 4u);
  ASSERT_EQ(snapshot->top_entities.size(), 10u);
  EXPECT_EQ(snapshot->top_entities[0].entity_id, "Q-87");   // 0.8, smallest id
  EXPECT_EQ(snapshot->top_entities[9].entity_id, "Q-100");  // the first of weight 0.5
  std::string owned;
  WriteStoryJson(*snapshot, &owned);
  std::string viewed = "a recycled buffer's previous contents";
  EXPECT_TRUE(grouper.VisitSnapshot(
      story_id, [&](const StorySnapshotView& view) { WriteStoryJson(view, &viewed); }));
  EXPECT_EQ(viewed, owned);
  EXPECT_FALSE(grouper.VisitSnapshot("st-unknown", [](const StorySnapshotView&) { FAIL(); }));
}

// A snapshot lists the latest members by event time (not the latest to join): here the members
// join in an order unrelated to their event times, and two share the boundary's event time, so
// the id decides which of them is listed.
TEST(StoryGrouperTest, SnapshotListsTheLatestMembersByEventTime) {
  StoryGrouperOptions options;
  options.max_listed_members = 3;
  StoryGrouper grouper{options};
  const std::vector<std::string> entities = {"Q-acme", "Q-lena", "Q-rotterdam", "Q-northwind"};
  const std::vector<std::pair<std::string, std::string>> members = {
      {"e", "2025-03-04T11:00:00Z"}, {"a", "2025-03-04T15:00:00Z"}, {"c", "2025-03-04T10:00:00Z"},
      {"d", "2025-03-04T14:00:00Z"}, {"b", "2025-03-04T14:00:00Z"}, {"f", "2025-03-04T12:00:00Z"}};
  std::vector<GroupingInput> inputs;
  for (const auto& [id, time] : members) inputs.push_back(Synthetic(id, time, entities));
  std::string story_id;
  ASSERT_NO_FATAL_FAILURE(AssignToOneStory(grouper, inputs, &story_id));
  const std::optional<StorySnapshot> snapshot = grouper.Snapshot(story_id);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->article_count, 6u);
  ASSERT_EQ(snapshot->members.size(), 3u);
  // 14:00 "b", 14:00 "d", 15:00 "a": "f" (12:00) is the latest left out.
  EXPECT_EQ(snapshot->members[0].article_id, "b");
  EXPECT_EQ(snapshot->members[1].article_id, "d");
  EXPECT_EQ(snapshot->members[2].article_id, "a");
  StoryGrouperOptions all = options;
  all.max_listed_members = 0;
  StoryGrouper unlimited{all};
  for (const GroupingInput& input : inputs) unlimited.Assign(input);
  const std::optional<StorySnapshot> every = unlimited.Snapshot(story_id);
  ASSERT_TRUE(every);
  EXPECT_EQ(every->members.size(), 6u);
  EXPECT_EQ(every->members.front().article_id, "c");
  // first_seen and the headline still describe the whole story, not the listed members.
  EXPECT_EQ(snapshot->first_seen_ms, every->members.front().event_ms);
  EXPECT_LT(snapshot->first_seen_ms, snapshot->members.front().event_ms);
  EXPECT_EQ(snapshot->headline, every->headline);
}

TEST(StoryGrouperTest, FlaggedNearDuplicateStillMergesAnotherStoryItLinks) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  const std::vector<std::string> robots = {"Q-singapore", "Q-robots", "Q-pier", "Q-vos"};
  const std::vector<std::string> acme = {"Q-acme", "Q-lena", "Q-rotterdam", "Q-northwind"};
  auto original = grouper.Assign(Synthetic("a", "2025-03-04T10:00:00Z", {}));
  // A member of the original's story sharing entities with the copy below, which needs no pair
  // test with it: the copy's flag links that story already.
  GroupingInput sibling = Synthetic("a2", "2025-03-04T10:30:00Z", acme);
  sibling.near_duplicate_of = "a";
  ASSERT_EQ(grouper.Assign(sibling).story_id, original.story_id);
  auto other = grouper.Assign(Synthetic("b", "2025-03-04T08:00:00Z", robots));
  ASSERT_NE(other.story_id, original.story_id);
  // Flagged as a copy of "a", and sharing four entities with "b": it links both stories.
  std::vector<std::string> both = robots;
  both.insert(both.end(), acme.begin(), acme.end());
  GroupingInput copy = Synthetic("c", "2025-03-04T12:00:00Z", both);
  copy.near_duplicate_of = "a";
  auto decision = grouper.Assign(copy);
  EXPECT_EQ(decision.kind, GroupingDecision::Kind::kJoined);
  EXPECT_EQ(decision.story_id, other.story_id);  // the earlier member's story survives
  EXPECT_THAT(decision.merged_story_ids, ElementsAre(original.story_id));
  EXPECT_EQ(grouper.story_count(), 1u);
  EXPECT_EQ(grouper.Snapshot(other.story_id)->article_count, 4u);
}

// The reference story's four outlets, the follow-up interview moved into the same days (so only
// the evidence separates it, as in ../shared/samples, which carry no dates) and an unrelated
// article, in every one of the 720 arrival orders; and the changelog the sink would write
// restores the same grouping.
TEST(StoryGrouperTest, EveryArrivalOrderGivesTheSameStories) {
  auto follow_up = fixtures::FollowUpInterview();
  google::protobuf::util::TimeUtil::FromString("2025-01-29T08:00:00Z",
                                               follow_up.mutable_article()->mutable_published());
  const std::vector<GroupingInput> articles = {Input(fixtures::ReadWrite()),
                                               Input(fixtures::CnbcBilingual()),
                                               Input(fixtures::Observer()),
                                               Input(fixtures::Highlights()),
                                               Input(follow_up),
                                               Input(fixtures::HarborRobotics())};
  std::vector<size_t> order = {0, 1, 2, 3, 4, 5};
  int permutations = 0;
  do {
    StoryGrouper grouper{StoryGrouperOptions{}};
    std::map<std::string, std::string> changelog;  // compacted: last record per article
    for (size_t i : order) {
      auto decision = grouper.Assign(articles[i]);
      changelog[articles[i].article_id] = decision.story_id;
      for (const auto& moved : decision.moved_members) {
        changelog[moved.article_id] = decision.story_id;
      }
    }
    auto story_of = [&](const StoryGrouper& g, size_t i) {
      auto story = g.Snapshot(changelog.at(articles[i].article_id));
      return story ? story->story_id : std::string("none");
    };
    ASSERT_EQ(grouper.story_count(), 3u) << "permutation " << permutations;
    const std::string main = story_of(grouper, 0);
    for (size_t i : {1, 2, 3})
      ASSERT_EQ(story_of(grouper, i), main) << "permutation " << permutations;
    ASSERT_EQ(grouper.Snapshot(main)->article_count, 4u);
    ASSERT_NE(story_of(grouper, 4), main);
    ASSERT_NE(story_of(grouper, 5), main);
    ASSERT_NE(story_of(grouper, 4), story_of(grouper, 5));
    // Every compacted record names the story its article is in now.
    for (size_t i = 0; i < articles.size(); ++i) {
      ASSERT_EQ(grouper.Snapshot(changelog.at(articles[i].article_id))->story_id,
                changelog.at(articles[i].article_id));
    }

    // Restore from the compacted changelog, records in reverse order.
    StoryGrouper restored{StoryGrouperOptions{}};
    for (auto it = changelog.rbegin(); it != changelog.rend(); ++it) {
      const auto& input = *std::find_if(articles.begin(), articles.end(),
                                        [&](const auto& a) { return a.article_id == it->first; });
      ASSERT_TRUE(ApplyMembershipRecord(
          it->first, ToMembership(it->second, input).SerializeAsString(), &restored));
    }
    ASSERT_EQ(restored.story_count(), 3u);
    ASSERT_EQ(restored.Snapshot(main)->article_count, 4u);
    ASSERT_EQ(restored.conflicts(), 0u);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 720);
}

// Merging fixes the grouping, but records published before a merge keep the absorbed id: the
// outlets of one event should link directly, so every article gets the final id at once. The
// three outlets the sink integration test feeds (in whatever order its partitions deliver them).
TEST(StoryGrouperTest, OutletsOfOneEventGetOneIdInEveryOrder) {
  const std::vector<GroupingInput> articles = {
      Input(fixtures::ReadWrite()), Input(fixtures::CnbcBilingual()), Input(fixtures::Observer())};
  std::vector<size_t> order = {0, 1, 2};
  do {
    StoryGrouper grouper{StoryGrouperOptions{}};
    std::set<std::string> ids;
    for (size_t i : order) ids.insert(grouper.Assign(articles[i]).story_id);
    EXPECT_EQ(ids.size(), 1u) << order[0] << order[1] << order[2];
    EXPECT_EQ(grouper.merged(), 0u);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(StoryGrouperTest, EntitiesInManyStoriesAreNotEvidence) {
  StoryGrouperOptions options;
  options.rare_entity_stories = 2;
  auto article = [](const std::string& id, const std::vector<std::string>& entities) {
    GroupingInput input;
    input.article_id = id;
    input.event_ms = Ms("2025-01-28T10:00:00Z");
    for (const auto& e : entities) input.entities.push_back({e, v1::ENTITY_TYPE_ORG, e, 0.8});
    return input;
  };
  const auto first = article("p", {"Q-us", "Q-ai", "Q-acme"});
  const auto second = article("q", {"Q-us", "Q-ai", "Q-acme"});
  {
    // Alone, three shared entities covering both articles link them.
    StoryGrouper grouper{options};
    grouper.Assign(first);
    EXPECT_EQ(grouper.Assign(second).kind, GroupingDecision::Kind::kJoined);
  }
  // Once "US" and "AI" are in a dozen stories they are generic: only Acme is left as evidence,
  // fewer than min_shared_entities.
  StoryGrouper grouper{options};
  for (int i = 0; i < 12; ++i) {
    auto filler = article("f" + std::to_string(i),
                          {"Q-us", "Q-ai", "Q-x" + std::to_string(i), "Q-y" + std::to_string(i)});
    ASSERT_EQ(grouper.Assign(filler).kind, GroupingDecision::Kind::kCreated) << i;
  }
  grouper.Assign(first);
  EXPECT_EQ(grouper.Assign(second).kind, GroupingDecision::Kind::kCreated);
}

TEST(StoryGrouperTest, SharingOnlyTheTopicIsNotTheSameEvent) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  // Same days (no window to help): the interview shares Nvidia, DeepSeek and R1 with the story,
  // but its own people and outlet (Jensen Huang, Business Insider) are not there.
  auto follow_up = fixtures::FollowUpInterview();
  google::protobuf::util::TimeUtil::FromString("2025-01-29T08:00:00Z",
                                               follow_up.mutable_article()->mutable_published());
  auto story = grouper.Assign(Input(fixtures::CnbcBilingual())).story_id;
  grouper.Assign(Input(fixtures::ReadWrite()));
  auto decision = grouper.Assign(Input(follow_up));
  EXPECT_EQ(decision.kind, GroupingDecision::Kind::kCreated);
  EXPECT_NE(decision.story_id, story);
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

TEST(StoryGrouperTest, DisagreeingMembershipMergesUnderTheRecordsStory) {
  StoryGrouper grouper{StoryGrouperOptions{}};
  auto input = Input(fixtures::ReadWrite());
  auto story = grouper.Assign(input).story_id;
  grouper.Assign(Input(fixtures::CnbcBilingual()));
  // Another instance says article-1 is in "st-other": both facts hold, so the stories are one,
  // under the writer's id.
  grouper.Apply("st-other", input);
  EXPECT_EQ(grouper.conflicts(), 1u);
  EXPECT_EQ(grouper.story_count(), 1u);
  EXPECT_EQ(grouper.Assign(input).story_id, "st-other");
  EXPECT_EQ(grouper.Snapshot(story)->story_id, "st-other");
  EXPECT_EQ(grouper.Snapshot("st-other")->article_count, 2u);
  // Applying it again changes nothing.
  grouper.Apply("st-other", input);
  grouper.Apply(story, input);  // the old id resolves to the survivor
  EXPECT_EQ(grouper.conflicts(), 1u);
}

TEST(StoryGrouperTest, SimHashDistanceIsTheHammingDistance) {
  // The popcnt fast path against the plain version (and the bit count itself).
  std::vector<std::pair<uint64_t, uint64_t>> pairs = {
      {0, 0}, {0, ~uint64_t{0}}, {~uint64_t{0}, ~uint64_t{0}}, {1, 0}, {uint64_t{1} << 63, 0}};
  std::mt19937_64 rng(11);
  for (int i = 0; i < 10000; ++i) pairs.emplace_back(rng(), rng());
  for (const auto& [a, b] : pairs) {
    int bits = 0;
    for (uint64_t x = a ^ b; x != 0; x &= x - 1) ++bits;
    EXPECT_EQ(SimHashDistance(a, b), bits) << a << " " << b;
    EXPECT_EQ(SimHashDistance(a, b), text::HammingDistance(a, b)) << a << " " << b;
  }
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
  // Amounts weigh half; dates are left out.
  auto with_amount = Input(fixtures::ReadWrite());
  auto percent = std::find_if(with_amount.entities.begin(), with_amount.entities.end(),
                              [](const auto& e) { return e.entity_id == "percent:17%"; });
  ASSERT_NE(percent, with_amount.entities.end());
  EXPECT_NEAR(percent->weight, 0.05, 1e-6);
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

// GroupingInputFrom's entities as first computed (a std::map by id, the heaviest summary of an id
// replacing a lighter one, then the whole list sorted and cut): the reference for the faster one.
std::vector<GroupingEntity> GroupingEntitiesReference(const v1::TaggedArticle& tagged,
                                                      const StoryGrouperOptions& options) {
  std::map<std::string, GroupingEntity> by_id;
  for (const auto& summary : tagged.entities()) {
    if (summary.entity_id().empty() || summary.type() == v1::ENTITY_TYPE_DATE) continue;
    double weight = summary.salience() > 0 ? std::min(1.0, static_cast<double>(summary.salience()))
                                           : std::min(0.8, 0.2 + 0.1 * summary.mention_count());
    if (summary.type() == v1::ENTITY_TYPE_LOC) weight *= options.location_weight;
    if (summary.type() == v1::ENTITY_TYPE_MONEY || summary.type() == v1::ENTITY_TYPE_PERCENT) {
      weight *= options.amount_weight;
    }
    if (!(weight > 0)) continue;
    auto [it, added] = by_id.try_emplace(summary.entity_id());
    if (added || weight > it->second.weight) {
      it->second = {summary.entity_id(), summary.type(), summary.name(), weight};
    }
  }
  std::vector<GroupingEntity> entities;
  for (auto& [id, entity] : by_id) entities.push_back(std::move(entity));
  std::sort(entities.begin(), entities.end(), [](const auto& a, const auto& b) {
    return a.weight != b.weight ? a.weight > b.weight : a.entity_id < b.entity_id;
  });
  if (entities.size() > options.max_entities_per_article) {
    entities.resize(options.max_entities_per_article);
  }
  return entities;
}

// Repeated ids with different weights and names, every type, salience or mention counts only,
// zero weights, and more entities than the per-article cap.
TEST(StoryGrouperTest, GroupingEntitiesAgreeWithTheReference) {
  std::mt19937 rng(3);
  const std::vector<v1::EntityType> types = {v1::ENTITY_TYPE_PERSON, v1::ENTITY_TYPE_ORG,
                                             v1::ENTITY_TYPE_LOC,    v1::ENTITY_TYPE_MONEY,
                                             v1::ENTITY_TYPE_DATE,   v1::ENTITY_TYPE_PERCENT};
  for (int round = 0; round < 2000; ++round) {
    StoryGrouperOptions options;
    options.max_entities_per_article = rng() % 4 == 0 ? rng() % 5 : 16;
    v1::TaggedArticle tagged;
    const int summaries = static_cast<int>(rng() % 30);
    for (int i = 0; i < summaries; ++i) {
      auto* e = tagged.add_entities();
      e->set_entity_id(rng() % 10 == 0 ? "" : "Q-" + std::to_string(rng() % 20));
      e->set_type(types[rng() % types.size()]);
      e->set_name("name " + std::to_string(i));
      e->set_salience(rng() % 3 == 0 ? 0.0f : static_cast<float>(rng() % 9) / 4);
      e->set_mention_count(rng() % 4);
    }
    const std::vector<GroupingEntity> expected = GroupingEntitiesReference(tagged, options);
    const GroupingInput input = GroupingInputFrom(tagged, 0, options);
    ASSERT_EQ(input.entities.size(), expected.size()) << round;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(input.entities[i].entity_id, expected[i].entity_id) << round << " " << i;
      EXPECT_EQ(input.entities[i].type, expected[i].type) << round << " " << i;
      EXPECT_EQ(input.entities[i].name, expected[i].name) << round << " " << i;
      EXPECT_EQ(input.entities[i].weight, expected[i].weight) << round << " " << i;
    }
  }
}

// The stage keeps one changelog record and refills it: a record that held a bigger membership
// (more entities and title tokens, a near-duplicate's fields) serializes as a fresh one.
TEST(StoryGrouperTest, RefilledMembershipSerializesAsAFreshOne) {
  const std::vector<GroupingInput> inputs = {
      Input(fixtures::CnbcBilingual()), Input(fixtures::ReadWrite()),
      Synthetic("b", "2025-03-04T08:00:00Z", {"Q-singapore"}), GroupingInput{},
      Input(fixtures::Observer())};
  v1::StoryMembership reused;
  for (const GroupingInput& input : inputs) {
    ToMembership("st-1", input, &reused);
    EXPECT_EQ(reused.SerializeAsString(), ToMembership("st-1", input).SerializeAsString())
        << input.article_id;
  }
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

// An article of `entities` (ORG, weight 1, heaviest first as given) with one shared title.
GroupingInput OrgArticle(const std::string& id, int64_t event_ms,
                         const std::vector<std::string>& entities) {
  GroupingInput input;
  input.article_id = id;
  input.source = "wire";
  input.headline = "Alpha beta";
  input.event_ms = event_ms;
  for (const auto& e : entities) input.entities.push_back({e, v1::ENTITY_TYPE_ORG, e, 1.0});
  input.title_tokens = {"alpha", "beta"};
  return input;
}

// Story S: m0 {P, Q, V} founds it, m1..m5 {P, Q} join it.
std::string BuildStoryOfCopies(StoryGrouper& grouper) {
  std::string story = grouper.Assign(OrgArticle("m0", 1000, {"P", "Q", "V"})).story_id;
  for (int i = 1; i <= 5; ++i) {
    auto decision = grouper.Assign(OrgArticle("m" + std::to_string(i), 1000 + i, {"P", "Q"}));
    EXPECT_EQ(decision.kind, GroupingDecision::Kind::kJoined);
    EXPECT_EQ(decision.story_id, story);
  }
  return story;
}

TEST(StoryGrouperTest, ScoresAllMembersOfAStoryWithoutACap) {
  StoryGrouperOptions options;
  options.max_scored_members_per_story = 0;
  StoryGrouper grouper{options};
  const std::string story = BuildStoryOfCopies(grouper);
  // Only the founding member shares two entities with it.
  auto decision = grouper.Assign(OrgArticle("probe", 2000, {"P", "V"}));
  EXPECT_EQ(decision.kind, GroupingDecision::Kind::kJoined);
  EXPECT_EQ(decision.story_id, story);
}

TEST(StoryGrouperTest, ScoresTheLatestMembersOfAStoryUpToTheCap) {
  StoryGrouperOptions options;
  options.max_scored_members_per_story = 2;
  StoryGrouper grouper{options};
  const std::string story = BuildStoryOfCopies(grouper);
  // m5 and m4 are scored (one shared entity each: no link); m0, the only good match, is not.
  auto unmatched = grouper.Assign(OrgArticle("probe", 2000, {"P", "V"}));
  EXPECT_EQ(unmatched.kind, GroupingDecision::Kind::kCreated);
  // The latest members are the ones scored: an article like them joins.
  EXPECT_EQ(grouper.Assign(OrgArticle("m6", 1006, {"P", "Q", "R", "T"})).story_id, story);
  auto matched = grouper.Assign(OrgArticle("probe-2", 2001, {"P", "R", "T"}));
  EXPECT_EQ(matched.kind, GroupingDecision::Kind::kJoined);
  EXPECT_EQ(matched.story_id, story);
}

// A member made a candidate by one entity adds the article's later entities too, when the walk
// of their postings stops at the cap before reaching it (m0's posting of P is the story's
// oldest).
TEST(StoryGrouperTest, ACandidateAddsEntitiesWhosePostingsThePerStoryCapCutsOff) {
  StoryGrouperOptions options;
  options.max_scored_members_per_story = 2;
  StoryGrouper grouper{options};
  const std::string story = BuildStoryOfCopies(grouper);
  // V proposes m0, then P proposes m5 and fills the cap: m0 still shares P.
  auto decision = grouper.Assign(OrgArticle("probe", 2000, {"V", "P"}));
  EXPECT_EQ(decision.kind, GroupingDecision::Kind::kJoined);
  EXPECT_EQ(decision.story_id, story);
}

// A merged story's postings stay newest first: with one member scored per story, the newest
// member of either part mentioning the entity is the one.
TEST(StoryGrouperTest, MergedStoriesScoreTheirLatestMembersFirst) {
  StoryGrouperOptions options;
  options.max_scored_members_per_story = 1;
  StoryGrouper grouper{options};
  const std::string first = grouper.Assign(OrgArticle("w1", 1000, {"E", "W", "X", "Y"})).story_id;
  const std::string second = grouper.Assign(OrgArticle("l1", 1001, {"L", "M"})).story_id;
  // One shared entity (E) with w1 is not enough: l2 joins l1.
  EXPECT_EQ(grouper.Assign(OrgArticle("l2", 1002, {"E", "L", "M", "N"})).story_id, second);
  // b links w1 (W, X, Y) and l2 (L, M, N): the two stories merge into the first.
  auto bridge = grouper.Assign(OrgArticle("b", 1003, {"W", "X", "Y", "L", "M", "N"}));
  EXPECT_EQ(bridge.story_id, first);
  EXPECT_THAT(bridge.merged_story_ids, ElementsAre(second));
  // E proposes l2, the newest member mentioning it (w1 is older): it shares E, L and M.
  auto decision = grouper.Assign(OrgArticle("probe", 2000, {"E", "L", "M"}));
  EXPECT_EQ(decision.kind, GroupingDecision::Kind::kJoined);
  EXPECT_EQ(decision.story_id, first);
}

// Another story's expiry does not change which members of a story are scored: still its latest
// indexed ones. (Until the postings were kept per story, removing x's posting moved the
// story's latest member a3 to the front of E's postings, where the walk from the back reached
// it last: a2 and a1 were scored instead, and the probe founded a story of its own.)
TEST(StoryGrouperTest, ScoresTheLatestMembersAfterAnotherStoryExpires) {
  StoryGrouperOptions options;
  options.window_ms = 1000;
  options.max_scored_members_per_story = 2;
  StoryGrouper grouper{options};
  auto article = [](const std::string& id, int64_t event_ms,
                    const std::vector<std::string>& entities, uint64_t simhash,
                    const std::string& near_duplicate_of) {
    GroupingInput input = OrgArticle(id, event_ms, entities);
    input.simhash = simhash;
    input.near_duplicate_of = near_duplicate_of;
    return input;
  };
  // SimHashes 32 bits apart, except the probe's and a3's.
  const std::string x =
      grouper.Assign(article("x", 0, {"E", "X"}, 0xFFFF000000000000ULL, "")).story_id;
  const std::string story =
      grouper.Assign(article("a1", 500, {"E", "A1"}, 0x00000000FFFF0000ULL, "")).story_id;
  EXPECT_NE(story, x);
  EXPECT_EQ(grouper.Assign(article("a2", 501, {"E", "A2"}, 0x000000000000FFFFULL, "a1")).story_id,
            story);
  EXPECT_EQ(grouper.Assign(article("a3", 502, {"E", "A3"}, 0x0000FFFF00000000ULL, "a2")).story_id,
            story);
  // At 1001 x's story expires; a3 and a2 are scored, and a3 is the probe's near-duplicate.
  auto decision = grouper.Assign(article("probe", 1001, {"E", "P"}, 0x0000FFFF00000000ULL, ""));
  EXPECT_FALSE(grouper.Snapshot(x));
  EXPECT_EQ(grouper.expired(), 1u);
  EXPECT_EQ(decision.kind, GroupingDecision::Kind::kJoined);
  EXPECT_EQ(decision.story_id, story);
  EXPECT_EQ(decision.score, 1.0);
}

// A featured member keeps its entities as references to the entity index (the id once per
// entity, each (type, name) once per id): an entity goes from the index with the last live story
// whose featured member mentions it, whichever way that story goes.
TEST(StoryGrouperTest, EntitiesGoWithTheLastStoryMentioningThem) {
  StoryGrouperOptions options;
  options.window_ms = 1000;
  StoryGrouper grouper{options};
  grouper.Assign(OrgArticle("a", 0, {"A", "SHARED", "A2"}));
  grouper.Assign(OrgArticle("b", 600, {"B", "SHARED", "B2"}));
  ASSERT_EQ(grouper.story_count(), 2u);
  EXPECT_EQ(grouper.entity_count(), 5u);
  EXPECT_EQ(grouper.entity_name_count(), 5u);
  // At 1001 a's story expires: A and A2 go, SHARED stays for b.
  grouper.Assign(OrgArticle("c", 1001, {"C", "D"}));
  EXPECT_EQ(grouper.story_count(), 2u);
  EXPECT_EQ(grouper.entity_count(), 5u);  // B, SHARED, B2, C, D
  EXPECT_EQ(grouper.entity_name_count(), 5u);
  // Evicted by the story cap instead: the same.
  options.max_stories = 1;
  StoryGrouper capped{options};
  capped.Assign(OrgArticle("a", 0, {"A", "SHARED"}));
  capped.Assign(OrgArticle("b", 1, {"B", "SHARED"}));
  EXPECT_EQ(capped.entity_count(), 2u);
  EXPECT_EQ(capped.entity_name_count(), 2u);
  // Everything expires.
  grouper.Assign(OrgArticle("late", 100'000, {}));
  EXPECT_EQ(grouper.entity_count(), 0u);
  EXPECT_EQ(grouper.entity_name_count(), 0u);
}

GroupingInput Named(const std::string& id, int64_t event_ms,
                    const std::vector<std::pair<std::string, std::string>>& entities,
                    int type = v1::ENTITY_TYPE_ORG) {
  GroupingInput input;
  input.article_id = id;
  input.source = "wire";
  input.headline = "Headline " + id;
  input.event_ms = event_ms;
  for (const auto& [entity_id, name] : entities)
    input.entities.push_back({entity_id, type, name, 0.8});
  input.title_tokens = {"headline", id};
  std::sort(input.title_tokens.begin(), input.title_tokens.end());
  return input;
}

// A tagger may name one id differently from article to article: each member keeps its own
// (type, name) for the changelog, the story's top entity is named by the member that brought the
// entity, and a name no live member uses any more frees its slot for the next.
TEST(StoryGrouperTest, MembersKeepTheirOwnNameOfAnEntity) {
  StoryGrouperOptions options;
  options.window_ms = 1000;
  StoryGrouper grouper{options};
  // A long-lived story names E "Acme".
  const std::string keeper =
      grouper.Assign(Named("k", 0, {{"E", "Acme"}, {"K1", "k1"}, {"K2", "k2"}})).story_id;
  // Two stories name it otherwise, then b links them: a moves, with its own names and tokens.
  const std::string first =
      grouper
          .Assign(Named("a", 100, {{"E", "ACME Corp"}, {"F", "f"}, {"G", "g"}, {"H", "h"}},
                        v1::ENTITY_TYPE_PERSON))
          .story_id;
  const std::string second =
      grouper.Assign(Named("b0", 50, {{"E", "Acme Inc"}, {"L", "l"}, {"M", "m"}, {"N", "n"}}))
          .story_id;
  ASSERT_EQ(grouper.story_count(), 3u);
  EXPECT_EQ(grouper.entity_name_count(), 3u + 2 + 3 + 3);  // E thrice, K1 K2, F G H, L M N
  auto bridge = grouper.Assign(
      Named("b", 200, {{"F", "f"}, {"G", "g"}, {"H", "h"}, {"L", "l"}, {"M", "m"}, {"N", "n"}}));
  ASSERT_EQ(bridge.story_id, second);  // its member b0 is the earliest
  ASSERT_EQ(bridge.moved_members.size(), 1u);
  const GroupingInput& moved = bridge.moved_members[0];
  EXPECT_EQ(moved.article_id, "a");
  ASSERT_EQ(moved.entities.size(), 4u);
  EXPECT_EQ(moved.entities[0].entity_id, "E");
  EXPECT_EQ(moved.entities[0].name, "ACME Corp");
  EXPECT_EQ(moved.entities[0].type, v1::ENTITY_TYPE_PERSON);
  EXPECT_EQ(moved.entities[0].weight, 0.8);
  EXPECT_EQ(moved.entities[3].entity_id, "H");
  EXPECT_THAT(moved.title_tokens, ElementsAre("a", "headline"));
  // The merged story's E is b0's (the winner's statistics keep their name).
  auto story = grouper.Snapshot(second);
  ASSERT_TRUE(story);
  bool found = false;
  for (const auto& e : story->top_entities) {
    if (e.entity_id != "E") continue;
    found = true;
    EXPECT_EQ(e.name, "Acme Inc");
    EXPECT_EQ(e.type, v1::ENTITY_TYPE_ORG);
    EXPECT_EQ(e.articles, 2u);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(grouper.Snapshot(keeper)->top_entities.size(), 3u);
  // Names come and go with other stories while the keeper keeps E alive: the slots are reused, so
  // what is kept stays bounded by the most names live at once (four for E: when x0 came, the
  // merged story and its two names of E had not expired yet).
  for (int i = 0; i < 50; ++i) {
    const std::string keep_alive = "k" + std::to_string(i);
    grouper.Apply(keeper, Named(keep_alive, 1000 * (i + 1), {{"E", "Acme"}}));
    grouper.Assign(Named("x" + std::to_string(i), 1000 * (i + 1) + 1,
                         {{"E", "name " + std::to_string(i)}, {"X" + std::to_string(i), "x"}}));
  }
  EXPECT_EQ(grouper.story_count(), 3u);   // the keeper, and the last two x stories
  EXPECT_EQ(grouper.entity_count(), 5u);  // E, the keeper's K1 and K2, X48, X49
  EXPECT_EQ(grouper.entity_name_count(), 4u + 4);
}

}  // namespace
}  // namespace newsflow::sink
