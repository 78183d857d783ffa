#include "services/tag/ner/common_words.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "services/tag/ner/features.h"
#include "services/tag/ner/sequence_model.h"
#include "services/tag/ner/tokenizer.h"

namespace newsflow::tag::ner {
namespace {

constexpr uint32_t kPerson = 0;
constexpr uint32_t kLoc = 2;
constexpr uint32_t kDate = 3;
constexpr uint32_t kMisc = 5;

// Lexicon classes as newsflow-ner-train writes them: 1 + 4 * capitalization + frequency.
Lexicon TestLexicon() {
  Lexicon lexicon;
  lexicon.Insert(LowercaseHash("major"), 1 + 4 * 0 + 2);       // lower case, frequent
  lexicon.Insert(LowercaseHash("innovative"), 1 + 4 * 0 + 0);  // lower case, rare
  lexicon.Insert(LowercaseHash("mountain"), 1 + 4 * 1 + 2);
  lexicon.Insert(LowercaseHash("view"), 1 + 4 * 0 + 2);
  lexicon.Insert(LowercaseHash("chinese"), 1 + 4 * 4 + 2);  // capitalized
  return lexicon;
}

// Tags `text` with the given (first occurrence of the substring, type) spans, runs the pass and
// returns "TYPE-INDEX:text" for each span left.
std::vector<std::string> TagAndDrop(const std::string& text,
                                    const std::vector<std::pair<std::string, uint32_t>>& tagged) {
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  std::vector<TokenInfo> info;
  DescribeTokens(text, tokens, TestLexicon(), &info);
  std::vector<uint16_t> labels(tokens.size(), kOutside);
  for (const auto& [name, type] : tagged) {
    const size_t begin = text.find(name);
    EXPECT_NE(begin, std::string::npos) << name;
    bool first = true;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i].byte_begin >= begin && tokens[i].byte_end <= begin + name.size()) {
        labels[i] = first ? BeginLabel(type) : InsideLabel(type);
        first = false;
      }
    }
  }
  std::vector<EntitySpan> spans;
  LabelsToSpans(tokens, labels, &spans);
  CommonWordScratch scratch;
  DropCommonWordSpans(text, tokens, info, kDate, labels, &spans, &scratch);
  std::vector<std::string> out;
  for (const EntitySpan& s : spans) {
    out.push_back(std::to_string(s.type) + ":" +
                  text.substr(s.byte_begin, s.byte_end - s.byte_begin));
  }
  // Labels and spans stay in step.
  std::vector<EntitySpan> again;
  LabelsToSpans(tokens, labels, &again);
  EXPECT_EQ(again.size(), spans.size());
  return out;
}

TEST(IsAcronymPluralTest, CapitalsThenOneS) {
  EXPECT_TRUE(IsAcronymPlural("GPUs"));
  EXPECT_TRUE(IsAcronymPlural("CPUs"));
  EXPECT_TRUE(IsAcronymPlural("NFTs"));
  EXPECT_FALSE(IsAcronymPlural("GPU"));
  EXPECT_FALSE(IsAcronymPlural("Us"));
  EXPECT_FALSE(IsAcronymPlural("Gus"));
  EXPECT_FALSE(IsAcronymPlural("USAs2"));
  EXPECT_FALSE(IsAcronymPlural("GPUS"));
}

TEST(DropCommonWordSpansTest, DropsAcronymsUsedAsWordsWithCommonWords) {
  // The sample articles' junk: "AI Major" and "Innovative AI" (MISC), "GPUs" (PERSON).
  EXPECT_EQ(
      TagAndDrop("AI Major Stocks fell. The AI model runs on AI chips.", {{"AI Major", kMisc}}),
      std::vector<std::string>{});
  EXPECT_EQ(TagAndDrop("DeepSeek's Innovative AI Model\nAI models need AI chips.",
                       {{"Innovative AI", kMisc}}),
            std::vector<std::string>{});
  EXPECT_EQ(TagAndDrop("DeepSeek used Nvidia GPUs models.", {{"GPUs", kPerson}}),
            std::vector<std::string>{});
}

TEST(DropCommonWordSpansTest, CutsATrailingAcronymUsedAsAWord) {
  EXPECT_EQ(
      TagAndDrop("The Chinese AI model DeepSeek. AI chips and AI labs.", {{"Chinese AI", kMisc}}),
      std::vector<std::string>{"5:Chinese"});
  EXPECT_EQ(TagAndDrop("SC/STs and SCs.", {{"SC/STs", kMisc}}), std::vector<std::string>{"5:SC"});
}

TEST(DropCommonWordSpansTest, KeepsNames) {
  // An acronym tagged as often as not is a name ("Scale AI" twice, "AI" never alone).
  EXPECT_EQ(TagAndDrop("Scale AI hired. Scale AI grew.", {{"Scale AI", 1}}),
            std::vector<std::string>{"1:Scale AI"});
  // Words that are common only by the corpus lexicon stay: names reuse common nouns.
  EXPECT_EQ(TagAndDrop("Google moved to Mountain View in May.", {{"Mountain View", kLoc}}),
            std::vector<std::string>{"2:Mountain View"});
  // Dates are made of common words.
  EXPECT_EQ(TagAndDrop("GPUs shipped. GPUs sold.", {{"GPUs", kDate}}),
            std::vector<std::string>{"3:GPUs"});
  // Digits are not common words.
  EXPECT_EQ(TagAndDrop("AI 2027 is out. AI chips and AI labs.", {{"AI 2027", kMisc}}),
            std::vector<std::string>{"5:AI 2027"});
}

TEST(DropCommonWordSpansTest, TaggerRunsThePassByDefault) {
  EXPECT_TRUE(TaggerOptions{}.drop_common_word_spans);
}

}  // namespace
}  // namespace newsflow::tag::ner
