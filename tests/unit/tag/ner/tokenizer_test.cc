#include "services/tag/ner/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace newsflow::tag::ner {
namespace {

std::vector<std::string> Texts(std::string_view text, const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const Token& t : tokens) {
    out.emplace_back(text.substr(t.byte_begin, t.byte_end - t.byte_begin));
  }
  return out;
}

std::vector<std::string> Split(std::string_view text) {
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  return Texts(text, tokens);
}

using Words = std::vector<std::string>;

TEST(TokenizerTest, AsciiWordsNumbersPunctuationWithOffsets) {
  const std::string_view text = "Apple paid $1,000.50 on 10:30, Monday.";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  EXPECT_EQ(Texts(text, tokens),
            (Words{"Apple", "paid", "$", "1,000.50", "on", "10:30", ",", "Monday", "."}));
  ASSERT_EQ(tokens.size(), 9u);
  EXPECT_EQ(tokens[0].cp_begin, 0u);
  EXPECT_EQ(tokens[0].cp_end, 5u);
  EXPECT_EQ(tokens[3].kind, TokenKind::kNumber);
  EXPECT_EQ(tokens[3].cp_begin, 12u);
  EXPECT_EQ(tokens[3].cp_end, 20u);
  EXPECT_EQ(tokens[2].kind, TokenKind::kSymbol);
  EXPECT_EQ(tokens[8].kind, TokenKind::kPunct);
  EXPECT_TRUE(tokens[0].flags & kSentenceStart);
  EXPECT_FALSE(tokens[1].flags & kSentenceStart);
  EXPECT_TRUE(tokens[1].flags & kSpaceBefore);
  EXPECT_FALSE(tokens[8].flags & kSpaceBefore);
}

TEST(TokenizerTest, PossessivesSplitContractionsStay) {
  EXPECT_EQ(Split("Trump's plan"), (Words{"Trump", "'s", "plan"}));
  EXPECT_EQ(Split("Trump\u2019s plan"), (Words{"Trump", "\u2019s", "plan"}));
  EXPECT_EQ(Split("the Joneses' car"), (Words{"the", "Joneses", "'", "car"}));
  EXPECT_EQ(Split("don't O'Brien"), (Words{"don't", "O'Brien"}));
  EXPECT_EQ(Split("'sup"), (Words{"'", "sup"}));
}

TEST(TokenizerTest, AbbreviationsHyphensAndAmpersands) {
  EXPECT_EQ(Split("U.S. troops"), (Words{"U.S.", "troops"}));
  EXPECT_EQ(Split("J. R. R. Tolkien"), (Words{"J.", "R.", "R.", "Tolkien"}));
  EXPECT_EQ(Split("Pittsburgh-Cleveland game"), (Words{"Pittsburgh", "-", "Cleveland", "game"}));
  EXPECT_EQ(Split("AT&T and R&D"), (Words{"AT&T", "and", "R&D"}));
  EXPECT_EQ(Split("end. Next"), (Words{"end", ".", "Next"}));
}

TEST(TokenizerTest, CjkOneTokenPerHanWithCodePointOffsets) {
  const std::string_view text = "奧巴馬在Uber公司說5,000美元。";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  EXPECT_EQ(Texts(text, tokens),
            (Words{"奧", "巴", "馬", "在", "Uber", "公", "司", "說", "5,000", "美", "元", "。"}));
  ASSERT_EQ(tokens.size(), 12u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kHan);
  EXPECT_EQ(tokens[1].cp_begin, 1u);
  EXPECT_EQ(tokens[1].byte_begin, 3u);
  EXPECT_EQ(tokens[4].cp_begin, 4u);  // "Uber"
  EXPECT_EQ(tokens[4].cp_end, 8u);
  EXPECT_EQ(tokens[4].byte_begin, 12u);
  EXPECT_EQ(tokens[8].cp_begin, 11u);  // "5,000"
  EXPECT_EQ(tokens[11].cp_end, 19u);
}

TEST(TokenizerTest, EmojiSequencesAreOneTokenOfTheirCodePoints) {
  // Thumbs up + skin tone (2 code points), family ZWJ sequence (5), flag pair (2).
  const std::string_view text =
      "ok \U0001F44D\U0001F3FD \U0001F468\u200D\U0001F469\u200D\U0001F467 \U0001F1E8\U0001F1E6 "
      "Ottawa";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[1].kind, TokenKind::kSymbol);
  EXPECT_EQ(tokens[1].cp_begin, 3u);
  EXPECT_EQ(tokens[1].cp_end, 5u);
  EXPECT_EQ(tokens[1].byte_end - tokens[1].byte_begin, 8u);
  EXPECT_EQ(tokens[2].cp_end - tokens[2].cp_begin, 5u);
  EXPECT_EQ(tokens[3].cp_end - tokens[3].cp_begin, 2u);
  EXPECT_EQ(tokens[4].cp_begin, 15u);
  EXPECT_EQ(Texts(text, tokens)[4], "Ottawa");
}

TEST(TokenizerTest, InvalidBytesAreSingleSymbolTokens) {
  const std::string text = "a\xff\xfe b\xc3";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[1].kind, TokenKind::kSymbol);
  EXPECT_EQ(tokens[1].cp_begin, 1u);
  EXPECT_EQ(tokens[2].cp_begin, 2u);
  EXPECT_EQ(tokens[3].cp_begin, 4u);
  EXPECT_EQ(tokens[4].byte_end, text.size());
}

TEST(TokenizerTest, SentenceStarts) {
  const std::string_view text = "Mr. Smith left. \"Yes.\" He said e.g. this.\nNew line 。下一句";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  std::vector<std::string> starts;
  for (const Token& t : tokens) {
    if (t.flags & kSentenceStart) {
      starts.emplace_back(text.substr(t.byte_begin, t.byte_end - t.byte_begin));
    }
  }
  EXPECT_EQ(starts, (Words{"Mr", "\"", "He", "New", "下"}));
}

TEST(TokenizerTest, ReusesCallerBuffer) {
  std::vector<Token> tokens;
  Tokenize("one two three four five six seven", &tokens);
  const Token* data = tokens.data();
  const size_t capacity = tokens.capacity();
  Tokenize("eight nine", &tokens);
  EXPECT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens.data(), data);
  EXPECT_EQ(tokens.capacity(), capacity);
  Tokenize("", &tokens);
  EXPECT_TRUE(tokens.empty());
}

}  // namespace
}  // namespace newsflow::tag::ner
