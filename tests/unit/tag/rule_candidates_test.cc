#include "services/tag/rule_candidates.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace newsflow::tag {
namespace {

// The definition in rule_candidates.h, one byte at a time.
bool IsCandidate(const std::string& text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const auto word = [](unsigned char b) {
    return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || b == '_';
  };
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
    return i == 0 || !word(static_cast<unsigned char>(text[i - 1]));
  }
  return c == '$' || c == '(' || c >= 0xC2;
}

void ExpectSameAsBytewise(const std::string& text) {
  for (size_t base = 0; base < text.size(); base += 64) {
    const uint64_t mask = RuleCandidateMask(text, base);
    for (size_t k = 0; k < 64; ++k) {
      const bool expected = base + k < text.size() && IsCandidate(text, base + k);
      EXPECT_EQ(((mask >> k) & 1) != 0, expected) << "byte " << base + k;
    }
  }
}

TEST(RuleCandidateMaskTest, MarksNumberAndWordStartsOnly) {
  const std::string text = "Nvidia H100 rose 5% (NVDA) to $6, McDonald A_B 2025 ";
  const uint64_t mask = RuleCandidateMask(text, 0);
  auto bit = [&](size_t i) { return ((mask >> i) & 1) != 0; };
  EXPECT_TRUE(bit(text.find("Nvidia")));
  EXPECT_TRUE(bit(text.find("H100")));
  EXPECT_FALSE(bit(text.find("100"))) << "digits inside a token";
  EXPECT_TRUE(bit(text.find('5')));
  EXPECT_FALSE(bit(text.find('%')));
  EXPECT_TRUE(bit(text.find('(')));
  EXPECT_FALSE(bit(text.find("VDA"))) << "capitals inside a word";
  EXPECT_TRUE(bit(text.find('$')));
  EXPECT_FALSE(bit(text.find("Donald")));
  EXPECT_FALSE(bit(text.find("_B") + 1)) << "after an underscore";
  EXPECT_FALSE(bit(text.find("rose")));
}

TEST(RuleCandidateMaskTest, NonAsciiLeadBytesAreCandidatesContinuationBytesNot) {
  const std::string text =
      "\xE2\x82\xAC"
      "5 \xE5\x85\x83";  // €5 元
  const uint64_t mask = RuleCandidateMask(text, 0);
  EXPECT_EQ(mask, (uint64_t{1} << 0) | (uint64_t{1} << 3) | (uint64_t{1} << 5));
}

TEST(RuleCandidateMaskTest, WordBeforeTheBlockCarriesOver) {
  std::string text(63, ' ');
  text += "a1 B";  // byte 63 'a', 64 '1' (inside "a1"), 66 'B'
  EXPECT_EQ(RuleCandidateMask(text, 64), uint64_t{1} << 2);
}

TEST(RuleCandidateMaskTest, RandomBytesMatchBytewiseDefinition) {
  std::mt19937 rng(7);
  const std::string alphabet = "aZ09_ $(.,-%\xC2\xA3\xE4\xB8\x80\xFF\x80";
  for (size_t size : {1, 15, 63, 64, 65, 130, 1000}) {
    std::string text;
    for (size_t i = 0; i < size; ++i) text.push_back(alphabet[rng() % alphabet.size()]);
    ExpectSameAsBytewise(text);
    std::string any;
    for (size_t i = 0; i < size; ++i) any.push_back(static_cast<char>(rng() % 256));
    ExpectSameAsBytewise(any);
  }
}

// RuleCandidateMask uses the widest vectors the CPU has; the narrower variants must agree.
TEST(RuleCandidateMaskTest, VectorVariantsAgree) {
  namespace internal = rule_candidates_internal;
  std::mt19937 rng(11);
  const std::string alphabet = "aZ09_ $(.\xC2\xE4\x80\xFF";
  for (int round = 0; round < 200; ++round) {
    unsigned char block[64];
    for (unsigned char& c : block) {
      c = round % 2 == 0 ? static_cast<unsigned char>(alphabet[rng() % alphabet.size()])
                         : static_cast<unsigned char>(rng() % 256);
    }
    for (bool prev_word : {false, true}) {
      const uint64_t expected = internal::Block64(block, prev_word);
      EXPECT_EQ(internal::Block64Best(block, prev_word), expected);
#if defined(NEWSFLOW_RULE_CANDIDATES_AVX2)
      if (internal::HasAvx2()) {
        EXPECT_EQ(internal::Block64Avx2(block, prev_word), expected);
      }
#endif
    }
  }
}

}  // namespace
}  // namespace newsflow::tag
