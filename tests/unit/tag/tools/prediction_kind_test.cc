#include "services/tag/tools/prediction_kind.h"

#include <gtest/gtest.h>

#include <vector>

namespace newsflow::tag {
namespace {

// Gold of one made-up document: "Andy Warhol" PERSON [0, 11), "Velvet Underground" ORG [20, 38).
const std::vector<ScoredSpan> kGold = {{"PERSON", 0, 11}, {"ORG", 20, 38}};

TEST(PredictionKindTest, SameSpanAndTypeIsExact) {
  EXPECT_EQ(ClassifyPrediction(kGold, {"PERSON", 0, 11}), PredictionKind::kExact);
  EXPECT_EQ(ClassifyPrediction(kGold, {"ORG", 20, 38}), PredictionKind::kExact);
}

TEST(PredictionKindTest, SameSpanOtherTypeIsATypeError) {
  EXPECT_EQ(ClassifyPrediction(kGold, {"MISC", 20, 38}), PredictionKind::kType);
}

TEST(PredictionKindTest, SameTypeOtherOffsetsIsABoundaryError) {
  EXPECT_EQ(ClassifyPrediction(kGold, {"PERSON", 5, 11}), PredictionKind::kBoundary);
  EXPECT_EQ(ClassifyPrediction(kGold, {"ORG", 15, 38}), PredictionKind::kBoundary);
}

TEST(PredictionKindTest, OverlapWithOtherTypesOnlyIsOther) {
  EXPECT_EQ(ClassifyPrediction(kGold, {"LOC", 5, 11}), PredictionKind::kOther);
  // Across both gold spans with a type neither has.
  EXPECT_EQ(ClassifyPrediction(kGold, {"MISC", 5, 25}), PredictionKind::kOther);
}

TEST(PredictionKindTest, ATypeMatchInOneOverlapBeatsAnotherOverlap) {
  // Overlaps the PERSON (other type) and the ORG (same type): a boundary error of the ORG.
  EXPECT_EQ(ClassifyPrediction(kGold, {"ORG", 5, 25}), PredictionKind::kBoundary);
}

TEST(PredictionKindTest, TouchingIsNotOverlapping) {
  // Half-open spans: [11, 20) touches both gold spans and overlaps neither.
  EXPECT_EQ(ClassifyPrediction(kGold, {"PERSON", 11, 20}), PredictionKind::kSpurious);
  EXPECT_EQ(ClassifyPrediction({}, {"PERSON", 0, 11}), PredictionKind::kSpurious);
}

TEST(PredictionKindTest, NamesAreTheToolsColumnWords) {
  EXPECT_EQ(PredictionKindName(PredictionKind::kExact), "exact");
  EXPECT_EQ(PredictionKindName(PredictionKind::kType), "type");
  EXPECT_EQ(PredictionKindName(PredictionKind::kBoundary), "boundary");
  EXPECT_EQ(PredictionKindName(PredictionKind::kOther), "other");
  EXPECT_EQ(PredictionKindName(PredictionKind::kSpurious), "spurious");
}

}  // namespace
}  // namespace newsflow::tag
