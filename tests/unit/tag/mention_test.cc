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

// Long enough for the 16-byte blocks and for more than 255 of them in one step (the per-lane
// counters must be flushed before they wrap), checked against a byte-by-byte count.
TEST(CodePointOffsetsTest, LongMixedTextMatchesByteByByteCount) {
  std::string text;
  for (int i = 0; i < 1500; ++i) {     // ~14,600 bytes
    text += "ab\xC3\xA9\xE4\xB8\xAD";  // 2 ASCII, 2-byte, 3-byte
    if (i % 7 == 0) text += "\xF0\x9F\x98\x80";
    if (i % 11 == 0) text += "\x80\xFF";  // stray continuation byte, invalid lead byte
  }
  auto reference = [&text](size_t byte) {
    uint32_t n = 0;
    for (size_t i = 0; i < byte; ++i) n += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    return n;
  };
  ASSERT_GT(text.size(), size_t{4096 + 16 * 255});
  CodePointOffsets offsets(text);
  for (size_t byte : {size_t{0}, size_t{5}, size_t{17}, size_t{4097}, size_t{4096 + 16 * 255},
                      text.size() - 3, text.size()}) {
    EXPECT_EQ(offsets.ToCodePoint(byte), reference(byte)) << "byte " << byte;
  }
  // Short steps (the masked 16-byte tail), including the last bytes of the text.
  CodePointOffsets stepping(text);
  for (size_t byte = 0; byte <= text.size();
       byte += byte < 300 || byte > text.size() - 40 ? 1 : 97) {
    ASSERT_EQ(stepping.ToCodePoint(byte), reference(byte)) << "byte " << byte;
  }
  CodePointOffsets from_start(text);
  EXPECT_EQ(from_start.ToCodePoint(text.size()), reference(text.size()));
  EXPECT_EQ(from_start.ToCodePoint(33), reference(33)) << "walking back";
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
