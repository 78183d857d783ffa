#include "services/tag/merge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "services/tag/kb_matcher.h"
#include "services/tag/rules.h"

namespace newsflow::tag {
namespace {

Mention Make(MentionSource source, EntityType type, uint32_t start, uint32_t end,
             std::string id = {}) {
  Mention m;
  m.source = source;
  m.type = type;
  m.byte_start = start;
  m.byte_end = end;
  m.start = start;
  m.end = end;
  m.entity_id = std::move(id);
  m.text = "x";
  return m;
}

constexpr auto kKb = MentionSource::kKnowledgeBase;
constexpr auto kRule = MentionSource::kRule;
constexpr auto kModel = MentionSource::kModel;

std::string Describe(const std::vector<Mention>& mentions) {
  std::string out;
  for (const Mention& m : mentions) {
    out += std::string(MentionSourceName(m.source)) + ":" + std::string(EntityTypeName(m.type)) +
           "[" + std::to_string(m.byte_start) + "," + std::to_string(m.byte_end) + ") ";
  }
  return out;
}

TEST(MergeTest, RulesWinForStructuredTypes) {
  // "US$1.2bn": KB "US" [0,2) inside rule MONEY [0,8).
  const auto merged = MergeMentions({Make(kKb, EntityType::kLoc, 0, 2, "united_states")},
                                    {Make(kRule, EntityType::kMoney, 0, 8)}, {});
  EXPECT_EQ(Describe(merged), "rule:money[0,8) ");
  // A rule DATE beats a longer, overlapping model span.
  const auto merged2 = MergeMentions({}, {Make(kRule, EntityType::kDate, 10, 20)},
                                     {Make(kModel, EntityType::kMisc, 5, 30)});
  EXPECT_EQ(Describe(merged2), "rule:date[10,20) ");
}

TEST(MergeTest, KbSupersetKeepsItsYear) {
  // "Windows 2000": KB product [0,12), rule DATE "2000" [8,12).
  const auto merged = MergeMentions({Make(kKb, EntityType::kProduct, 0, 12, "windows")},
                                    {Make(kRule, EntityType::kDate, 8, 12)}, {});
  EXPECT_EQ(Describe(merged), "kb:product[0,12) ");
}

TEST(MergeTest, KbBeatsModelOnSameOrSmallerModelSpan) {
  EXPECT_EQ(Describe(MergeMentions({Make(kKb, EntityType::kOrg, 0, 6, "nvidia")}, {},
                                   {Make(kModel, EntityType::kOrg, 0, 6)})),
            "kb:org[0,6) ");
  EXPECT_EQ(Describe(MergeMentions({Make(kKb, EntityType::kOrg, 0, 8, "scale_ai")}, {},
                                   {Make(kModel, EntityType::kPerson, 0, 5)})),
            "kb:org[0,8) ");
}

TEST(MergeTest, LongerModelSpanBeatsContainedKbSpan) {
  EXPECT_EQ(Describe(MergeMentions({Make(kKb, EntityType::kOrg, 4, 10)}, {},
                                   {Make(kModel, EntityType::kOrg, 0, 20)})),
            "model:org[0,20) ");
}

TEST(MergeTest, OverlapsAreFoundAcrossWordsOfTheCoverageBits) {
  // A winner spanning bytes 60..200 covers parts of four 64-bit words of the coverage bitset.
  const auto merged = MergeMentions(
      {Make(kKb, EntityType::kOrg, 60, 200, "long")}, {},
      {Make(kModel, EntityType::kPerson, 130, 140), Make(kModel, EntityType::kPerson, 199, 201),
       Make(kModel, EntityType::kPerson, 20, 61), Make(kModel, EntityType::kPerson, 200, 264),
       Make(kModel, EntityType::kPerson, 0, 20)});
  EXPECT_EQ(Describe(merged), "model:person[0,20) kb:org[60,200) model:person[200,264) ");
}

TEST(MergeTest, NonOverlappingMentionsAllSurviveSorted) {
  const auto merged = MergeMentions({Make(kKb, EntityType::kOrg, 20, 26)},
                                    {Make(kRule, EntityType::kPercent, 0, 3)},
                                    {Make(kModel, EntityType::kPerson, 10, 15)});
  EXPECT_EQ(Describe(merged), "rule:percent[0,3) model:person[10,15) kb:org[20,26) ");
}

TEST(MergeTest, TiesBreakBySourceThenStart) {
  // Same length, partial overlap: KB [0,5) vs model [3,8): KB has priority.
  EXPECT_EQ(Describe(MergeMentions({Make(kKb, EntityType::kOrg, 3, 8)}, {},
                                   {Make(kModel, EntityType::kOrg, 0, 5)})),
            "kb:org[3,8) ");
  // Same source and length: the earlier start wins.
  EXPECT_EQ(
      Describe(MergeMentions(
          {}, {}, {Make(kModel, EntityType::kOrg, 3, 8), Make(kModel, EntityType::kOrg, 0, 5)})),
      "model:org[0,5) ");
}

TEST(MergeTest, DropsEmptySpans) {
  EXPECT_TRUE(
      MergeMentions({Make(kKb, EntityType::kOrg, 5, 5)}, {}, {Make(kModel, EntityType::kOrg, 6, 2)})
          .empty());
}

// Disjoint inputs take a linear path (no sorting); these pin that it agrees with the policy.
TEST(MergeTest, DisjointListsInterleaveInTextOrder) {
  const auto merged =
      MergeMentions({Make(kKb, EntityType::kOrg, 0, 4), Make(kKb, EntityType::kLoc, 20, 26)},
                    {Make(kRule, EntityType::kDate, 5, 9), Make(kRule, EntityType::kMoney, 30, 35)},
                    {Make(kModel, EntityType::kPerson, 10, 15)});
  EXPECT_EQ(Describe(merged),
            "kb:org[0,4) rule:date[5,9) model:person[10,15) kb:loc[20,26) rule:money[30,35) ");
}

TEST(MergeTest, DisjointButUnsortedListIsSorted) {
  const auto merged = MergeMentions(
      {Make(kKb, EntityType::kLoc, 20, 26), Make(kKb, EntityType::kOrg, 0, 4)}, {}, {});
  EXPECT_EQ(Describe(merged), "kb:org[0,4) kb:loc[20,26) ");
}

TEST(MergeTest, SingleListComesBackWhole) {
  const auto merged = MergeMentions(
      {}, {Make(kRule, EntityType::kPercent, 0, 3), Make(kRule, EntityType::kDate, 3, 8)}, {});
  EXPECT_EQ(Describe(merged), "rule:percent[0,3) rule:date[3,8) ");
}

TEST(MergeTest, EmptySpanAmongDisjointMentionsIsDropped) {
  const auto merged =
      MergeMentions({Make(kKb, EntityType::kOrg, 0, 4)}, {Make(kRule, EntityType::kDate, 6, 6)},
                    {Make(kModel, EntityType::kPerson, 10, 15)});
  EXPECT_EQ(Describe(merged), "kb:org[0,4) model:person[10,15) ");
}

TEST(MergeTest, ResultDoesNotDependOnInputOrder) {
  std::vector<Mention> model;
  for (uint32_t i = 0; i < 40; ++i) {
    model.push_back(Make(kModel, static_cast<EntityType>(i % 4), i * 3, i * 3 + 2 + i % 5));
  }
  std::vector<Mention> kb = {Make(kKb, EntityType::kOrg, 7, 15),
                             Make(kKb, EntityType::kLoc, 50, 52)};
  std::vector<Mention> rules = {Make(kRule, EntityType::kMoney, 30, 41)};
  const std::string expected = Describe(MergeMentions(kb, rules, model));
  std::mt19937 rng(7);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(model.begin(), model.end(), rng);
    EXPECT_EQ(Describe(MergeMentions(kb, rules, model)), expected);
  }
  // And the result never overlaps.
  const auto merged = MergeMentions(kb, rules, model);
  for (size_t i = 1; i < merged.size(); ++i) {
    EXPECT_LE(merged[i - 1].byte_end, merged[i].byte_start);
  }
}

}  // namespace
}  // namespace newsflow::tag

namespace newsflow::tag {
namespace {

// KB + rules + merge on one sentence, as the daemon runs them when no model is loaded.
TEST(MergeEndToEndTest, KbAndRulesWithoutModel) {
  KbLoadResult r = KnowledgeBase::LoadSources({KbSource{"t.yaml", R"(entities:
  - {id: nvidia, type: org, name: Nvidia, tickers: [NASDAQ:NVDA]}
  - {id: nasdaq, type: org, name: Nasdaq}
  - {id: united_states, type: loc, name: United States, aka: [US]}
  - {id: windows_2000, type: product, name: Windows 2000}
)"}});
  ASSERT_TRUE(r.errors.empty());
  auto matcher = KbMatcher::Build(r.kb, {}, nullptr);
  ASSERT_NE(matcher, nullptr);
  RuleTagger rules({}, r.kb);
  const std::string text =
      "Nvidia (NASDAQ:NVDA) raised US$1.2bn in the US on Monday, still on Windows 2000.";
  std::vector<Mention> kb, rule;
  matcher->Find(text, &kb);
  rules.Find(text, &rule);
  std::vector<std::string> got;
  for (const Mention& m : MergeMentions(kb, rule, {})) {
    got.push_back(std::string(EntityTypeName(m.type)) + ":" + m.text);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"org:Nvidia", "ticker:NASDAQ:NVDA", "money:US$1.2bn",
                                           "loc:US", "date:Monday", "product:Windows 2000"}));
}

}  // namespace
}  // namespace newsflow::tag
