#include "services/core/text/function_words.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace newsflow::text {
namespace {

bool SampleLooksEnglish(std::initializer_list<std::string_view> sentences) {
  EnglishSample sample;
  for (std::string_view sentence : sentences) sample.AddSentence(sentence);
  return sample.LooksEnglish();
}

TEST(FunctionWordsTest, CountsWordsAndBothKindsOfFunctionWords) {
  FunctionWordCounts counts = CountFunctionWords("The bank said that it would wait, y el resto.");
  EXPECT_EQ(counts.words, 10u);
  EXPECT_EQ(counts.english, 5u);  // the, said, that, it, would
  EXPECT_EQ(counts.foreign, 2u);  // y, el
  EXPECT_EQ(counts.non_latin, 0u);
  EXPECT_EQ(counts.accented, 0u);
}

bool SameCounts(const FunctionWordCounts& a, const FunctionWordCounts& b) {
  return a.words == b.words && a.english == b.english && a.foreign == b.foreign &&
         a.non_latin == b.non_latin && a.accented == b.accented;
}

// A word with 8 bytes of text from its start on is keyed from one 8-byte load, one nearer the
// end byte by byte: both must count alike (case, length 1-9+, accents after the ASCII run).
TEST(FunctionWordsTest, WordsKeyedFromOneLoadCountAsByteByByte) {
  for (std::string_view word : {"the",     "The",         "THE",      "tHe",          "a",   "I",
                                "would",   "Would",       "el",       "El",           "and", "andy",
                                "because", "BECAUSE",     "becausee", "nevertheless", "ou",  "que",
                                "Qué",     "caf\xC3\xA9", "dass",     "zh\xC5\x8Dng", "x"}) {
    const std::string near_end = std::string("-") + std::string(word);
    const std::string padded = near_end + " .........";
    EXPECT_TRUE(SameCounts(CountFunctionWords(near_end), CountFunctionWords(padded))) << word;
    const std::string two = std::string(word) + " " + std::string(word) + " ..........";
    FunctionWordCounts once = CountFunctionWords(word);
    FunctionWordCounts twice = CountFunctionWords(two);
    EXPECT_EQ(twice.words, 2 * once.words) << word;
    EXPECT_EQ(twice.english, 2 * once.english) << word;
    EXPECT_EQ(twice.foreign, 2 * once.foreign) << word;
  }
}

TEST(FunctionWordsTest, EnglishMatchesInAnyCaseForeignOnlyInLowerCase) {
  FunctionWordCounts counts = CountFunctionWords("THE Of AND");
  EXPECT_EQ(counts.english, 3u);
  // Names and acronyms: "Los Angeles", "La Paz", "UN", "DE".
  counts = CountFunctionWords("Los Angeles, La Paz, the UN and DE officials");
  EXPECT_EQ(counts.foreign, 0u);
  EXPECT_EQ(CountFunctionWords("los angeles").foreign, 1u);
}

TEST(FunctionWordsTest, AccentedLettersStayInTheirWord) {
  FunctionWordCounts counts = CountFunctionWords("más está não für Éte");
  EXPECT_EQ(counts.words, 5u);
  EXPECT_EQ(counts.foreign, 4u);  // "Éte" is capitalised and not a listed word
  EXPECT_EQ(counts.accented, 5u);
  EXPECT_EQ(counts.non_latin, 0u);
}

TEST(FunctionWordsTest, PunctuationIsNotAnotherScriptButLettersAre) {
  EXPECT_EQ(CountFunctionWords("“Quoted” — with dashes… and €5, 10°C").non_latin, 0u);
  EXPECT_GT(CountFunctionWords("Nvidia 英伟达").non_latin, 0u);
  EXPECT_GT(CountFunctionWords("Moscow Москва").non_latin, 0u);
  EXPECT_GT(CountFunctionWords("bad \xFF byte").non_latin, 0u);
  EXPECT_GT(CountFunctionWords("truncated \xC3").non_latin, 0u);
}

TEST(FunctionWordsTest, EnglishSentencesLookEnglish) {
  EXPECT_TRUE(SentenceLooksEnglish(CountFunctionWords(
      "The central bank left interest rates unchanged on Thursday, officials said.")));
  EXPECT_TRUE(SentenceLooksEnglish(
      CountFunctionWords("Ursula von der Leyen said that the talks would go on.")));
  // Headlines, bylines and names: no function words, plain ASCII.
  EXPECT_TRUE(SentenceLooksEnglish(
      CountFunctionWords("Hong Kong protesters surround downtown police complex")));
  EXPECT_TRUE(SentenceLooksEnglish(CountFunctionWords("Image: Nicholas Moreau.")));
}

TEST(FunctionWordsTest, OtherLanguagesDoNotLookEnglish) {
  EXPECT_FALSE(
      SentenceLooksEnglish(CountFunctionWords("La economía está creciendo más que nunca.")));
  EXPECT_FALSE(SentenceLooksEnglish(
      CountFunctionWords("Paris pleure les siens cet après-midi après cette effroyable attaque.")));
  EXPECT_FALSE(SentenceLooksEnglish(
      CountFunctionWords("Die Regierung hat am Montag mitgeteilt, dass sie nicht zurücktritt.")));
  EXPECT_FALSE(SentenceLooksEnglish(
      CountFunctionWords("Wo shi Zhongguo ren, ta zai Beijing gongzuo hen duo nian.")));
  EXPECT_FALSE(SentenceLooksEnglish(
      CountFunctionWords("Het kabinet heeft maandag besloten dat de regels niet veranderen.")));
  // One English "is" among Hungarian words.
  EXPECT_FALSE(SentenceLooksEnglish(CountFunctionWords(
      "a haderő modernizációja a vas megvétele mellett a tudástranszferre is kiterjed.")));
}

TEST(FunctionWordsTest, MixedScriptDoesNotLookEnglish) {
  EXPECT_FALSE(SentenceLooksEnglish(
      CountFunctionWords("Nvidia said the model was excellent, 英伟达表示该模型非常出色。")));
  EXPECT_FALSE(SampleLooksEnglish(
      {"The central bank left interest rates unchanged on Thursday, officials said.",
       "Центральный банк сохранил ключевую ставку без изменений."}));
}

TEST(FunctionWordsTest, SampleOfEnglishSentencesLooksEnglish) {
  EXPECT_TRUE(SampleLooksEnglish(
      {"The central bank left interest rates unchanged on Thursday.",
       "Officials said inflation was still too high and that they would watch the labour market "
       "closely.",
       "Markets had expected the decision, which was announced after the close."}));
}

TEST(FunctionWordsTest, SampleNeedsEnoughWordsAndFewUnmarkedOnes) {
  EXPECT_FALSE(SampleLooksEnglish({"The bank said that it would wait."}));  // under 20 words
  // Mostly photo captions: where CLD2 finds other languages in English pages.
  EXPECT_FALSE(SampleLooksEnglish({
      "The convention was held in Toronto and drew thousands of fans to the city.",
      "Image: Nicholas Moreau.",
      "Image: Nicholas Moreau.",
      "Image: Nicholas Moreau.",
      "Dakoda, a cat.",
      "Image: Nicholas Moreau.",
      "Francophone fursuiters Image: Nicholas Moreau.",
  }));
}

TEST(FunctionWordsTest, OneForeignSentenceRejectsTheWholeSample) {
  EnglishSample sample;
  EXPECT_TRUE(sample.AddSentence(
      "The governor said on Wednesday that he would resign at the end of the week, after "
      "protests that went on for days."));
  EXPECT_FALSE(sample.AddSentence("Si el Senado no me ratifica, seré gobernador hasta el lunes."));
  EXPECT_FALSE(sample.AddSentence("The senate was set to meet on Wednesday."));
  EXPECT_FALSE(sample.LooksEnglish());
}

TEST(FunctionWordsTest, PlainlyEnglishSentenceNeedsLengthAndFunctionWords) {
  EXPECT_TRUE(SentenceIsPlainlyEnglish(
      CountFunctionWords("Officials said inflation was still too high and that they would wait.")));
  EXPECT_FALSE(SentenceIsPlainlyEnglish(CountFunctionWords("We went there.")));  // short
  EXPECT_FALSE(SentenceIsPlainlyEnglish(CountFunctionWords(
      "Former United States Central Intelligence Agency agent Tony Mendez died Saturday.")));
  EXPECT_FALSE(SentenceIsPlainlyEnglish(
      CountFunctionWords("He said that the answer was, as they say, c'est la vie for them.")));
}

}  // namespace
}  // namespace newsflow::text
