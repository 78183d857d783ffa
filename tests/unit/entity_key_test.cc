#include "services/core/entity_key.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace newsflow {
namespace {

// The definition, one byte at a time: what the run-copying version must reproduce.
std::string ReferenceNormalize(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

TEST(EntityKeyTest, NormalizesLikeTheByteByByteDefinition) {
  const std::string alphabet[] = {"a", "z",  "A",  "Z",  "@",        "[",           "1",
                                  " ", "\t", "\n", "\r", "\xc3\xa9", "\xe8\xbc\x9d"};
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int length = static_cast<int>(rng() % 12);
    for (int i = 0; i < length; ++i) text += alphabet[rng() % std::size(alphabet)];
    EXPECT_EQ(NormalizeEntitySurface(text), ReferenceNormalize(text)) << '"' << text << '"';
    // Appending after a prefix: leading blanks of the text are still dropped.
    std::string out = "person:";
    AppendNormalizedEntitySurface(text, &out);
    EXPECT_EQ(out, "person:" + ReferenceNormalize(text)) << '"' << text << '"';
  }
  EXPECT_EQ(NormalizeEntitySurface("  Alexandr \n\t Wang "), "alexandr wang");
}

TEST(EntityKeyTest, IdIntoAReusedBufferReplacesItsContent) {
  std::string id = "a much longer id left from the previous mention";
  UnlinkedEntityIdInto("person", "", " Alexandr  Wang", &id);
  EXPECT_EQ(id, "person:alexandr wang");
  UnlinkedEntityIdInto("money", "USD 6000000", "$6 million", &id);
  EXPECT_EQ(id, "money:USD 6000000");
  UnlinkedEntityIdInto("date", "Monday", "星期一", &id);
  EXPECT_EQ(id, UnlinkedEntityId("date", "", "monday"));
}

}  // namespace
}  // namespace newsflow
