#include "services/core/text/language.h"

#include <gtest/gtest.h>

#include "services/core/text/hygiene.h"
#include "tests/support/xorshift.h"

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

// Scripts without a bucket of their own (Devanagari here) win a sentence when they hold most of
// its letters: a Hindi paragraph quoting English words used to be classed Latin, and labelled
// with the English of the rest of the document.
TEST(LanguageTest, MostlyDevanagariSentenceWithLatinWordsIsNotLatin) {
  std::string english =
      "The health workers said the lockdown had left many families without any income at all. "
      "They asked the government to help the community with food and with medicine. "
      "Officials said the number of new cases in the city had fallen for the third week in a "
      "row. Schools would open again next month, the education minister told reporters on "
      "Friday. Hospitals in the region have added beds and hired nurses from other states. The "
      "police said that they had arrested twelve people after the protest in the square. Shops "
      "in the old market were allowed to open for four hours a day from Monday. A spokesperson "
      "for the city council said the buses would run on a reduced timetable.";
  std::string hindi =
      "अभी जो COVID-19 चल रहा है, उसके बारे में हम community को जानकारी दे रहे हैं और उनको "
      "राशन दिलाने के लिए काम कर रहे हैं।";
  // Long enough that CLD2 sees a sample of the English, which the Hindi sentence is not in: as
  // Latin text it was labelled with that sample's "en".
  std::string text = english + "\n\n" + english + "\n\n" + english +
                     " The health workers said the lockdown had left many families without any "
                     "income at all.\n\n" +
                     hindi + "\n\n" + english;
  auto result = DetectLanguages(text);
  EXPECT_EQ(result.language, "en");
  ASSERT_EQ(result.spans.size(), 3u);
  EXPECT_EQ(result.spans[0].language, "en");
  EXPECT_EQ(result.spans[1].language, "hi");
  EXPECT_EQ(Slice(text, result.spans[1]), hindi);
  EXPECT_EQ(result.spans[2].language, "en");
}

TEST(LanguageTest, ScriptsAreRecognized) {
  EXPECT_EQ(DetectLanguages("東京の株式市場は月曜日に大きく下落しました。").language, "ja");
  EXPECT_EQ(DetectLanguages("서울 증시는 월요일에 크게 하락했습니다.").language, "ko");
  EXPECT_EQ(DetectLanguages("Центральный банк сохранил ключевую ставку без изменений, "
                            "сообщили в пятницу.")
                .language,
            "ru");
  EXPECT_EQ(
      DetectLanguages("قال البنك المركزي يوم الخميس إنه أبقى أسعار الفائدة دون تغيير.").language,
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

// The English fast path skips CLD2 only where CLD2's answer is known: results are the same with
// and without it, and a quote in another language is still found.
TEST(LanguageTest, EnglishFastPathGivesCld2sAnswer) {
  LanguageOptions cld2_only;
  cld2_only.english_fast_path = false;
  const std::string texts[] = {
      "The central bank left interest rates unchanged on Thursday.\n\nOfficials said inflation "
      "was still too high and that they would watch the labour market closely. Markets had "
      "expected the decision, which was announced after the close of trading in New York.",
      "The governor announced his resignation on Wednesday evening after two weeks of protests "
      "in the capital. In his speech he said that he had the mandate of the people who elected "
      "him, but that he could not go on.\n\nEn su discurso dijo que a pesar de contar con el "
      "mandato del pueblo que lo eligió, hoy siente que continuar en el cargo sería una "
      "dificultad para el éxito de la isla.\n\nThe senate was set to meet on Friday to decide "
      "who would replace him, and the party said it would not comment until then.",
      "Nvidia shares fell sharply on Monday after the release.\n\n"
      "周一，英伟达股价在该模型发布后大幅下跌。\n\n"
      "Analysts said the sell-off was overdone. 分析人士表示，这次抛售有些过头了。",
  };
  for (const std::string& text : texts) {
    LanguageResult fast = DetectLanguages(text);
    LanguageResult slow = DetectLanguages(text, cld2_only);
    EXPECT_EQ(fast.language, slow.language);
    ASSERT_EQ(fast.spans.size(), slow.spans.size()) << text;
    for (size_t i = 0; i < fast.spans.size(); ++i) {
      EXPECT_EQ(fast.spans[i].language, slow.spans[i].language) << i;
      EXPECT_EQ(fast.spans[i].start, slow.spans[i].start) << i;
      EXPECT_EQ(fast.spans[i].end, slow.spans[i].end) << i;
    }
  }
  LanguageResult quoted = DetectLanguages(texts[1]);
  ASSERT_EQ(quoted.spans.size(), 3u);
  EXPECT_EQ(quoted.spans[0].language, "en");
  EXPECT_EQ(quoted.spans[1].language, "es");
  EXPECT_EQ(quoted.spans[2].language, "en");
}

TEST(LanguageTest, EmptyAndWhitespace) {
  EXPECT_EQ(DetectLanguages("").language, "und");
  EXPECT_TRUE(DetectLanguages(" \n\n ").spans.empty());
  auto digits = DetectLanguages("12345 678");
  ASSERT_EQ(digits.spans.size(), 1u);
  EXPECT_EQ(digits.spans[0].language, "und");
}

// The splitter's sixteen-bytes-a-step run scanner against its byte-by-byte loop: every start in
// random texts made of the bytes that matter (letters, digits, blanks, sentence ends, closers,
// newlines, UTF-8 lead and continuation bytes), at lengths around the 16-byte blocks.
TEST(SentenceRunTest, BlocksAgreeWithTheByteLoop) {
  const std::string alphabet = std::string("aZq09,;-' \t\r\n.!?\")\x01\x7f") + "\xe2\x80\x9c\xc3";
  testing::XorShift32 next(2463534242u);
  int compared = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t length = next() % 70;
    // Mostly run bytes, so runs cross block boundaries; sometimes anything.
    const uint32_t plain_odds = next() % 4;
    for (size_t k = 0; k < length; ++k) {
      const uint32_t r = next();
      const bool plain = r % 8 < plain_odds + 4;
      text.push_back(plain ? "abcXYZ019,;'-"[r / 8 % 13] : alphabet[r / 8 % alphabet.size()]);
    }
    for (size_t start = 0; start < text.size(); ++start) {
      uint32_t expected_letters = 0;
      const size_t expected = internal::SentenceRunEndScalar(text, start, &expected_letters);
      uint32_t letters = 12345;
      EXPECT_EQ(internal::SentenceRunEnd(text, start, &letters), expected) << text << " @" << start;
      EXPECT_EQ(letters, expected_letters) << text << " @" << start;
      ++compared;
    }
  }
  EXPECT_GT(compared, 50000);
}

TEST(SentenceRunTest, EndsAtBlockEdges) {
  const std::string words = "Officials said inflation was still too high and that they would";
  uint32_t letters = 0;
  // A whole text of run bytes: the end of the text, letters counted once.
  EXPECT_EQ(internal::SentenceRunEnd(words, 0, &letters), words.size());
  EXPECT_EQ(letters, 53u);
  // A blank as the 16th byte of a block, then a run byte, a double blank and a stop there.
  for (size_t at = 10; at < 40; ++at) {
    for (const char* end : {" x", "  x", " .", ".", "\n", " \xe2\x80\x9d", " "}) {
      std::string text = std::string(at, 'a') + end + std::string(30, 'b') + ".";
      uint32_t expected_letters = 0;
      const size_t expected = internal::SentenceRunEndScalar(text, 0, &expected_letters);
      EXPECT_EQ(internal::SentenceRunEnd(text, 0, &letters), expected) << text;
      EXPECT_EQ(letters, expected_letters) << text;
    }
  }
  // The scalar loop's own values, as the splitter had them inline.
  EXPECT_EQ(internal::SentenceRunEndScalar("ab c  d", 0, &letters), 4u);
  EXPECT_EQ(letters, 3u);
  EXPECT_EQ(internal::SentenceRunEndScalar("x1 2.", 0, &letters), 4u);
  EXPECT_EQ(letters, 1u);
  EXPECT_EQ(internal::SentenceRunEndScalar("ab ", 0, &letters), 2u);
}

}  // namespace
}  // namespace newsflow::text
