#include "services/tag/mention.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace newsflow::tag {
namespace {

TEST(CodePointOffsetsTest, CountsMultiByteCharactersOnce) {
  // "a" (1 byte), "é" (2), "中" (3), "😀" (4), "b" (1).
  const std::string text =
      "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80"
      "b";
  CodePointOffsets offsets(text);
  EXPECT_EQ(offsets.ToCodePoint(0), 0u);
  EXPECT_EQ(offsets.ToCodePoint(1), 1u);
  EXPECT_EQ(offsets.ToCodePoint(3), 2u);
  EXPECT_EQ(offsets.ToCodePoint(6), 3u);
  EXPECT_EQ(offsets.ToCodePoint(10), 4u);
  EXPECT_EQ(offsets.ToCodePoint(11), 5u);
  EXPECT_EQ(offsets.ToCodePoint(500), 5u) << "clamped to the end";
}

TEST(CodePointOffsetsTest, WalksBackwardsForOverlappingSpans) {
  const std::string text = "\xE4\xB8\xAD\xE5\x9B\xBD and more";
  CodePointOffsets offsets(text);
  EXPECT_EQ(offsets.ToCodePoint(10), 6u);
  EXPECT_EQ(offsets.ToCodePoint(3), 1u);
  EXPECT_EQ(offsets.ToCodePoint(6), 2u);
  EXPECT_EQ(offsets.ToCodePoint(0), 0u);
}

TEST(CodePointOffsetsTest, InvalidBytesCountAsOneCodePointEach) {
  const std::string text = "x\xFF\xFEy\x80z";
  CodePointOffsets offsets(text);
  // 'x', 0xFF, 0xFE, 'y' count; the lone continuation byte 0x80 does not.
  EXPECT_EQ(offsets.ToCodePoint(text.size()), 5u);
}

TEST(AssignCodePointOffsetsTest, FillsStartAndEnd) {
  const std::string text = "\xE8\x8B\xB1\xE4\xBC\x9F\xE8\xBE\xBE and Nvidia";  // 英伟达 and Nvidia
  std::vector<Mention> mentions(2);
  mentions[0].byte_start = 0;
  mentions[0].byte_end = 9;
  mentions[1].byte_start = 14;
  mentions[1].byte_end = 20;
  AssignCodePointOffsets(text, &mentions);
  EXPECT_EQ(mentions[0].start, 0u);
  EXPECT_EQ(mentions[0].end, 3u);
  EXPECT_EQ(mentions[1].start, 8u);
  EXPECT_EQ(mentions[1].end, 14u);
}

TEST(EntityTypeTest, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(EntityType::kMisc); ++i) {
    const auto type = static_cast<EntityType>(i);
    EXPECT_EQ(ParseEntityType(EntityTypeName(type)), type);
  }
  EXPECT_EQ(ParseEntityType("ORG"), EntityType::kOrg);
  EXPECT_EQ(ParseEntityType("company"), std::nullopt);
}

}  // namespace
}  // namespace newsflow::tag
