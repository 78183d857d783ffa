#include "services/core/html/shingle_score.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace newsflow::html {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

TEST(WordTokensTest, UnicodeWordRunsCaseKept) {
  EXPECT_THAT(WordTokens("Hello, World! it's 3.5 snake_case"),
              ElementsAre("Hello", "World", "it", "s", "3", "5", "snake_case"));
  EXPECT_THAT(WordTokens("Привет мир — 中文，好"), ElementsAre("Привет", "мир", "中文", "好"));
  // Python's \w does not match combining marks: they split tokens, as in the benchmark.
  EXPECT_THAT(WordTokens("e\xCC\x81t\xC3\xA9"), ElementsAre("e", "té"));
  EXPECT_THAT(WordTokens(" ,.; "), ElementsAre());
}

TEST(MatchShinglesTest, IdenticalTextsAreAllTruePositives) {
  const ShingleMatch m = MatchShingles("a b c d e", "a b c d e");
  EXPECT_DOUBLE_EQ(m.tp, 1.0);
  EXPECT_DOUBLE_EQ(m.fp, 0.0);
  EXPECT_DOUBLE_EQ(m.fn, 0.0);
  EXPECT_DOUBLE_EQ(PagePrecision(m), 1.0);
  EXPECT_DOUBLE_EQ(PageRecall(m), 1.0);
}

TEST(MatchShinglesTest, HandComputedPartialOverlap) {
  // truth shingles: (a b c d) (b c d e) (c d e f); predicted: (a b c d) (b c d x).
  // tp = 1, fp = 1, fn = 2 → normalized by 4.
  const ShingleMatch m = MatchShingles("a b c d e f", "a b c d x");
  EXPECT_DOUBLE_EQ(m.tp, 0.25);
  EXPECT_DOUBLE_EQ(m.fp, 0.25);
  EXPECT_DOUBLE_EQ(m.fn, 0.5);
  EXPECT_DOUBLE_EQ(PagePrecision(m), 0.5);
  EXPECT_DOUBLE_EQ(PageRecall(m), 1.0 / 3.0);
}

TEST(MatchShinglesTest, ShinglesAreMultisets) {
  // truth: (a b c d) twice after repetition? "a b c d a b c d": (abcd)(bcda)(cdab)(dabc)(abcd)
  // predicted "a b c d": (abcd) once → tp 1, fp 0, fn 4.
  const ShingleMatch m = MatchShingles("a b c d a b c d", "a b c d");
  EXPECT_DOUBLE_EQ(m.tp, 0.2);
  EXPECT_DOUBLE_EQ(m.fp, 0.0);
  EXPECT_DOUBLE_EQ(m.fn, 0.8);
}

TEST(MatchShinglesTest, ShortTextIsOneShingleAndEmptyHasNone) {
  const ShingleMatch same = MatchShingles("two words", "two, words!");
  EXPECT_DOUBLE_EQ(same.tp, 1.0);
  const ShingleMatch case_differs = MatchShingles("two words", "Two words");
  EXPECT_DOUBLE_EQ(case_differs.tp, 0.0);
  EXPECT_DOUBLE_EQ(case_differs.fp, 0.5);
  EXPECT_DOUBLE_EQ(case_differs.fn, 0.5);
  const ShingleMatch empty_prediction = MatchShingles("a b c d", "");
  EXPECT_DOUBLE_EQ(empty_prediction.fn, 1.0);
  EXPECT_DOUBLE_EQ(PagePrecision(empty_prediction), 0.0);
  EXPECT_DOUBLE_EQ(PageRecall(empty_prediction), 0.0);
  const ShingleMatch both_empty = MatchShingles("", "...");
  EXPECT_DOUBLE_EQ(both_empty.tp + both_empty.fp + both_empty.fn, 0.0);
  EXPECT_DOUBLE_EQ(PagePrecision(both_empty), 1.0);
}

TEST(AggregateScoresTest, AveragesPerPageAndSkipsUndefinedPrecision) {
  // Page 1: P = 0.5, R = 1/3. Page 2: perfect. Page 3: empty prediction: no precision term
  // (tp + fp = 0), recall 0.
  const std::vector<ShingleMatch> pages = {MatchShingles("a b c d e f", "a b c d x"),
                                           MatchShingles("a b c d", "a b c d"),
                                           MatchShingles("a b c d", "")};
  const BenchmarkScore s = AggregateScores(pages);
  EXPECT_THAT(s.precision, DoubleNear(0.75, 1e-12));
  EXPECT_THAT(s.recall, DoubleNear((1.0 / 3.0 + 1.0 + 0.0) / 3.0, 1e-12));
  EXPECT_THAT(s.f1, DoubleNear(2 * s.precision * s.recall / (s.precision + s.recall), 1e-12));
  EXPECT_DOUBLE_EQ(AggregateScores({}).f1, 0.0);
}

}  // namespace
}  // namespace newsflow::html
