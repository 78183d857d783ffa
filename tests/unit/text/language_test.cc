#include "services/core/text/language.h"

#include <gtest/gtest.h>

#include "services/core/text/hygiene.h"

namespace newsflow::text {
namespace {

std::string Slice(std::string_view text, const LanguageSpan& span) {
  return std::string(text.substr(span.byte_start, span.byte_end - span.byte_start));
}

TEST(LanguageTest, EnglishDocument) {
  std::string text =
      "The central bank left interest rates unchanged on Thursday.\n\nOfficials said inflation "
      "was still too high and that they would watch the labour market closely.";
  auto result = DetectLanguages(text);
  EXPECT_EQ(result.language, "en");
  ASSERT_EQ(result.spans.size(), 1u);
  EXPECT_EQ(result.spans[0].start, 0u);
  EXPECT_EQ(result.spans[0].end, CodePointCount(text));
}

TEST(LanguageTest, BilingualParagraphsAndMixedParagraph) {
  std::string text =
      "Nvidia shares fell sharply on Monday after the release.\n\n"
      "周一，英伟达股价在该模型发布后大幅下跌。\n\n"
      "Analysts said the sell-off was overdone. 分析人士表示，这次抛售有些过头了。";
  auto result = DetectLanguages(text);
  ASSERT_EQ(result.spans.size(), 4u);
  EXPECT_EQ(result.spans[0].language, "en");
  EXPECT_EQ(result.spans[1].language, "zh");
  EXPECT_EQ(result.spans[2].language, "en");
  EXPECT_EQ(result.spans[3].language, "zh");
  EXPECT_EQ(Slice(text, result.spans[1]), "周一，英伟达股价在该模型发布后大幅下跌。");
  EXPECT_EQ(Slice(text, result.spans[2]), "Analysts said the sell-off was overdone.");
  EXPECT_EQ(Slice(text, result.spans[3]), "分析人士表示，这次抛售有些过头了。");
  // Code-point offsets: the Chinese paragraph starts after the English one and "\n\n".
  EXPECT_EQ(result.spans[1].start, CodePointCount("Nvidia shares fell sharply on Monday after "
                                                  "the release.\n\n"));
  EXPECT_EQ(result.spans[1].end - result.spans[1].start, 20u);

  auto texts = TextPerLanguage(text, result);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[0].language, "en");
  EXPECT_EQ(texts[0].text,
            "Nvidia shares fell sharply on Monday after the release.\n\n"
            "Analysts said the sell-off was overdone.");
  EXPECT_EQ(texts[1].language, "zh");
}

TEST(LanguageTest, ChineseSentenceQuotingLatinNamesStaysChinese) {
  auto result = DetectLanguages("星期一Nvidia發言人告訴CNBC,DeepSeek是一個傑出的進化。");
  ASSERT_EQ(result.spans.size(), 1u);
  EXPECT_EQ(result.spans[0].language, "zh");
  EXPECT_EQ(result.language, "zh");
}

TEST(LanguageTest, ScriptsAreRecognized) {
  EXPECT_EQ(DetectLanguages("東京の株式市場は月曜日に大きく下落しました。").language, "ja");
  EXPECT_EQ(DetectLanguages("서울 증시는 월요일에 크게 하락했습니다.").language, "ko");
  EXPECT_EQ(DetectLanguages("Центральный банк сохранил ключевую ставку без изменений, "
                            "сообщили в пятницу.")
                .language,
            "ru");
  EXPECT_EQ(DetectLanguages("قال البنك المركزي يوم الخميس إنه أبقى أسعار الفائدة دون تغيير.")
                .language,
            "ar");
  EXPECT_EQ(DetectLanguages("La banque centrale a laissé ses taux inchangés jeudi, ont indiqué "
                            "plusieurs responsables à Paris.")
                .language,
            "fr");
}

TEST(LanguageTest, ShortAndLetterlessSentencesFollowTheirNeighbours) {
  std::string text =
      "The minister resigned on Friday after weeks of pressure from her own party.\n\n"
      "2024.\n\nShe will stay on until a successor is chosen, aides said.";
  auto result = DetectLanguages(text);
  ASSERT_EQ(result.spans.size(), 1u);
  EXPECT_EQ(result.spans[0].language, "en");
}

TEST(LanguageTest, EmptyAndWhitespace) {
  EXPECT_EQ(DetectLanguages("").language, "und");
  EXPECT_TRUE(DetectLanguages(" \n\n ").spans.empty());
  auto digits = DetectLanguages("12345 678");
  ASSERT_EQ(digits.spans.size(), 1u);
  EXPECT_EQ(digits.spans[0].language, "und");
}

}  // namespace
}  // namespace newsflow::text
