#include "services/tag/evaluation.h"

#include <gtest/gtest.h>

#include <vector>

namespace newsflow::tag {
namespace {

TEST(SpanEvaluatorTest, ExactAndOverlapHandComputed) {
  // Gold: PERSON [0,10), ORG [20,30), LOC [40,45).
  // Pred: PERSON [0,10) exact; ORG [20,25) overlaps only; LOC [40,45) typed ORG; PERSON [50,55)
  // spurious.
  const std::vector<ScoredSpan> gold = {{"PERSON", 0, 10}, {"ORG", 20, 30}, {"LOC", 40, 45}};
  const std::vector<ScoredSpan> pred = {
      {"PERSON", 0, 10}, {"ORG", 20, 25}, {"ORG", 40, 45}, {"PERSON", 50, 55}};
  SpanEvaluator exact(MatchMode::kExact);
  SpanEvaluator overlap(MatchMode::kOverlap);
  exact.AddDocument(gold, pred);
  overlap.AddDocument(gold, pred);

  const TypeScore e = exact.Overall();
  EXPECT_EQ(e.gold, 3u);
  EXPECT_EQ(e.predicted, 4u);
  EXPECT_EQ(e.correct, 1u);
  EXPECT_DOUBLE_EQ(e.precision(), 0.25);
  EXPECT_DOUBLE_EQ(e.recall(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(e.f1(), 2 * 0.25 * (1.0 / 3) / (0.25 + 1.0 / 3));

  const TypeScore o = overlap.Overall();
  EXPECT_EQ(o.correct, 2u);
  EXPECT_DOUBLE_EQ(o.precision(), 0.5);
  EXPECT_DOUBLE_EQ(o.recall(), 2.0 / 3);

  const std::vector<TypeScore> per_type = exact.PerType();
  ASSERT_EQ(per_type.size(), 3u);
  EXPECT_EQ(per_type[0].type, "LOC");
  EXPECT_EQ(per_type[0].gold, 1u);
  EXPECT_EQ(per_type[0].predicted, 0u);
  EXPECT_DOUBLE_EQ(per_type[0].f1(), 0.0);
  EXPECT_EQ(per_type[1].type, "ORG");
  EXPECT_EQ(per_type[1].predicted, 2u);
  EXPECT_EQ(per_type[1].correct, 0u);
  EXPECT_EQ(per_type[2].type, "PERSON");
  EXPECT_DOUBLE_EQ(per_type[2].precision(), 0.5);
  EXPECT_DOUBLE_EQ(per_type[2].recall(), 1.0);
}

TEST(SpanEvaluatorTest, OverlapMatchesOneToOne) {
  // One long prediction over two gold names counts once.
  const std::vector<ScoredSpan> gold = {{"ORG", 0, 5}, {"ORG", 6, 10}};
  const std::vector<ScoredSpan> pred = {{"ORG", 0, 10}};
  SpanEvaluator overlap(MatchMode::kOverlap);
  overlap.AddDocument(gold, pred);
  EXPECT_EQ(overlap.Overall().correct, 1u);
  EXPECT_DOUBLE_EQ(overlap.Overall().precision(), 1.0);
  EXPECT_DOUBLE_EQ(overlap.Overall().recall(), 0.5);
}

TEST(SpanEvaluatorTest, TypeFilterAndAccumulationOverDocuments) {
  SpanEvaluator exact(MatchMode::kExact, {"PERSON"});
  exact.AddDocument(std::vector<ScoredSpan>{{"PERSON", 0, 3}, {"DATE", 5, 9}},
                    std::vector<ScoredSpan>{{"PERSON", 0, 3}, {"DATE", 5, 9}});
  exact.AddDocument(std::vector<ScoredSpan>{{"PERSON", 0, 3}}, std::vector<ScoredSpan>{});
  const TypeScore all = exact.Overall();
  EXPECT_EQ(all.gold, 2u);
  EXPECT_EQ(all.predicted, 1u);
  EXPECT_EQ(all.correct, 1u);
  ASSERT_EQ(exact.PerType().size(), 1u);
  const std::string table = FormatScoreTable(exact);
  EXPECT_NE(table.find("PERSON"), std::string::npos);
  EXPECT_NE(table.find("overall"), std::string::npos);
  EXPECT_EQ(table.find("DATE"), std::string::npos);
}

TEST(SpanEvaluatorTest, EmptyIsZeroNotNan) {
  SpanEvaluator exact(MatchMode::kExact);
  exact.AddDocument({}, {});
  EXPECT_DOUBLE_EQ(exact.Overall().f1(), 0.0);
  EXPECT_DOUBLE_EQ(exact.Overall().precision(), 0.0);
}

}  // namespace
}  // namespace newsflow::tag
