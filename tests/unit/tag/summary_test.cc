#include "services/tag/summary.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace newsflow::tag {
namespace {

Mention Make(EntityType type, uint32_t start, std::string text, std::string id = {},
             std::string canonical = {}) {
  Mention m;
  m.type = type;
  m.start = start;
  m.end = start + static_cast<uint32_t>(text.size());
  m.text = std::move(text);
  m.entity_id = std::move(id);
  m.canonical_name = std::move(canonical);
  return m;
}

TEST(SummaryTest, GroupsByIdAndScores) {
  const std::vector<Mention> body = {
      Make(EntityType::kOrg, 0, "Nvidia", "nvidia", "Nvidia"),
      Make(EntityType::kOrg, 40, "DeepSeek", "deepseek", "DeepSeek"),
      Make(EntityType::kOrg, 60, "NVIDIA", "nvidia", "Nvidia"),
      Make(EntityType::kOrg, 80, "英伟达", "nvidia", "Nvidia"),
      Make(EntityType::kPerson, 90, "Alexandr  Wang"),
      Make(EntityType::kPerson, 95, "alexandr wang"),
  };
  const std::vector<Mention> title = {Make(EntityType::kOrg, 0, "DeepSeek", "deepseek")};
  const auto summary = SummarizeEntities(body, 100, title);
  ASSERT_EQ(summary.size(), 3u);

  EXPECT_EQ(summary[0].entity_id, "nvidia");
  EXPECT_EQ(summary[0].mention_count, 3u);
  EXPECT_EQ(summary[0].first_position, 0u);
  EXPECT_EQ(summary[0].name, "Nvidia");
  EXPECT_FALSE(summary[0].in_title);
  // 0.5 * 1 + 0.3 * 1 + 0 = 0.8
  EXPECT_NEAR(summary[0].salience, 0.8f, 1e-6);

  EXPECT_EQ(summary[1].entity_id, "deepseek");
  EXPECT_TRUE(summary[1].in_title);
  // 0.5 * log(2)/log(4) + 0.3 * 0.6 + 0.2 = 0.25 + 0.18 + 0.2
  EXPECT_NEAR(summary[1].salience, 0.63f, 1e-6);

  EXPECT_EQ(summary[2].entity_id, "person:alexandr wang");
  EXPECT_EQ(summary[2].mention_count, 2u);
  EXPECT_EQ(summary[2].name, "Alexandr  Wang");
}

TEST(SummaryTest, ValueEntitiesUseCanonicalKeys) {
  const std::vector<Mention> body = {
      Make(EntityType::kMoney, 10, "$6 million", "", "USD 6000000"),
      Make(EntityType::kMoney, 50, "600萬美元", "", "USD 6000000"),
      Make(EntityType::kPercent, 70, "17%", "", "17%"),
  };
  const auto summary = SummarizeEntities(body, 100, {});
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[0].entity_id, "money:USD 6000000");
  EXPECT_EQ(summary[0].mention_count, 2u);
  EXPECT_EQ(summary[0].name, "$6 million");
  EXPECT_EQ(summary[1].entity_id, "percent:17%");
}

TEST(SummaryTest, TickerMentionsCountForTheirCompany) {
  // One entity per linked id: the sink files mentions and news.entity-mentions records by id, so
  // two rows with one id would lose one of them. The ticker comes first here; the company's type
  // and name still win.
  const std::vector<Mention> body = {
      Make(EntityType::kTicker, 0, "NASDAQ:NVDA", "nvidia", "NASDAQ:NVDA"),
      Make(EntityType::kOrg, 13, "Nvidia", "nvidia", "Nvidia"),
      Make(EntityType::kTicker, 40, "NVDA", "nvidia", "NASDAQ:NVDA"),
  };
  const auto summary = SummarizeEntities(body, 60, {});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].entity_id, "nvidia");
  EXPECT_EQ(summary[0].type, EntityType::kOrg);
  EXPECT_EQ(summary[0].name, "Nvidia");
  EXPECT_EQ(summary[0].mention_count, 3u);
  EXPECT_EQ(summary[0].first_position, 0u);
}

TEST(SummaryTest, UnlinkedSameTextDifferentTypesStaySeparate) {
  const std::vector<Mention> body = {
      Make(EntityType::kLoc, 0, "Jordan"),
      Make(EntityType::kPerson, 20, "Jordan"),
  };
  const auto summary = SummarizeEntities(body, 40, {});
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_NE(summary[0].entity_id, summary[1].entity_id);
}

TEST(SummaryTest, EmptyInputsAndZeroLength) {
  EXPECT_TRUE(SummarizeEntities({}, 0, {}).empty());
  const auto summary = SummarizeEntities({Make(EntityType::kLoc, 0, "China", "china")}, 0, {});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_GE(summary[0].salience, 0.0f);
  EXPECT_LE(summary[0].salience, 1.0f);
}

TEST(SummaryTest, CustomWeights) {
  SummaryOptions options;
  options.frequency_weight = 0;
  options.position_weight = 0;
  options.title_weight = 1;
  const auto summary = SummarizeEntities({Make(EntityType::kLoc, 5, "China", "china")}, 10,
                                         {Make(EntityType::kLoc, 0, "China", "china")}, options);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_FLOAT_EQ(summary[0].salience, 1.0f);
}

}  // namespace
}  // namespace newsflow::tag
