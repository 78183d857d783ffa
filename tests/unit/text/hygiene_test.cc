#include "services/core/text/hygiene.h"

#include <gtest/gtest.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/xorshift.h"

namespace newsflow::text {
namespace {

using Paragraphs = std::vector<std::string>;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Encodes one code point as UTF-8 (test helper; `cp` must be a scalar value).
std::string Utf8(UChar32 cp) {
  char buf[U8_MAX_LENGTH];
  int32_t len = 0;
  UBool error = false;
  U8_APPEND(buf, len, U8_MAX_LENGTH, cp, error);
  EXPECT_FALSE(error);
  return std::string(buf, len);
}

// Strict validation with ICU's UTF-8 macros (reject overlongs, surrogates, > U+10FFFF).
bool IsValidUtf8(std::string_view text) {
  int32_t i = 0;
  const auto length = static_cast<int32_t>(text.size());
  while (i < length) {
    UChar32 cp;
    U8_NEXT(text.data(), i, length, cp);
    if (cp < 0) return false;
  }
  return true;
}

bool IsNfc(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  EXPECT_TRUE(U_SUCCESS(status));
  const bool normalized = nfc->isNormalizedUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), status);
  EXPECT_TRUE(U_SUCCESS(status));
  return normalized;
}

// Number of U+FFFD that ICU's own converter substitutes for ill-formed subsequences.
int32_t IcuSubstitutions(std::string_view bytes) {
  std::vector<UChar> buffer(bytes.size() + 1);
  int32_t length = 0;
  int32_t substitutions = 0;
  UErrorCode status = U_ZERO_ERROR;
  u_strFromUTF8WithSub(buffer.data(), static_cast<int32_t>(buffer.size()), &length, bytes.data(),
                       static_cast<int32_t>(bytes.size()), 0xFFFD, &substitutions, &status);
  EXPECT_TRUE(U_SUCCESS(status)) << u_errorName(status);
  return substitutions;
}

Paragraphs Clean(std::string_view input, HygieneReport* report = nullptr) {
  HygieneReport local;
  return CleanParagraphs(input, report != nullptr ? report : &local);
}

// --- Invalid UTF-8 -------------------------------------------------------------------------------

// The ASCII fast path takes eight bytes at a time when they are printable and single-spaced:
// spaces, double spaces, tabs, line ends, DEL and non-ASCII bytes at every offset of a block must
// end or continue the run exactly as byte by byte.
TEST(CleanParagraphsTest, AsciiRunsAcrossEightByteBlocksMatchByteRules) {
  std::mt19937 random(4);
  const std::string pieces[] = {"a",  "Z",  "7",  "~",    "!",        " ",
                                "  ", "\t", "\n", "\x7F", "\xC3\xA9", "\x01"};
  for (int round = 0; round < 2000; ++round) {
    std::string input;
    const int length = static_cast<int>(random() % 40);
    for (int k = 0; k < length; ++k) {
      // Mostly visible characters, so long runs form.
      const size_t which = random() % 20;
      input += which < 12 ? pieces[which] : pieces[which % 4];
    }
    // Expected by the documented rules: lines split at '\n', controls dropped, blanks collapsed
    // to one space and trimmed.
    std::vector<std::string> expected;
    std::string line;
    bool space = false;
    for (size_t k = 0; k <= input.size(); ++k) {
      const char c = k < input.size() ? input[k] : '\n';
      if (c == '\n') {
        if (!line.empty()) expected.push_back(line);
        line.clear();
        space = false;
      } else if (c == ' ' || c == '\t') {
        space = !line.empty();
      } else if (c == '\x7F' || c == '\x01') {
        continue;
      } else {
        if (space) line.push_back(' ');
        space = false;
        line.push_back(c);
      }
    }
    EXPECT_EQ(CleanParagraphs(input, nullptr), expected) << input;
  }
}

TEST(CleanParagraphsTest, LoneInvalidByteBecomesOneReplacement) {
  HygieneReport report;
  EXPECT_EQ(Clean("a\xff"
                  "b",
                  &report),
            Paragraphs{"a" + std::string(kReplacement) + "b"});
  EXPECT_EQ(report.invalid_utf8_sequences, 1u);
  EXPECT_EQ(report.control_characters_removed, 0u);
}

TEST(CleanParagraphsTest, TruncatedThreeByteSequenceIsOneMaximalSubpart) {
  HygieneReport report;
  // U+4E2D is E4 B8 AD; the first two bytes form one maximal subpart.
  EXPECT_EQ(Clean("x\xE4\xB8y", &report), Paragraphs{"x" + std::string(kReplacement) + "y"});
  EXPECT_EQ(report.invalid_utf8_sequences, 1u);
  // Truncated at the end of input.
  EXPECT_EQ(Clean("x\xE4\xB8", &report), Paragraphs{"x" + std::string(kReplacement)});
  EXPECT_EQ(report.invalid_utf8_sequences, 1u);
}

TEST(CleanParagraphsTest, OverlongEncodingIsTwoReplacements) {
  HygieneReport report;
  // C0 AF would be an overlong '/': C0 can never start a sequence, AF is a stray continuation.
  EXPECT_EQ(Clean("\xC0\xAF", &report),
            Paragraphs{std::string(kReplacement) + std::string(kReplacement)});
  EXPECT_EQ(report.invalid_utf8_sequences, 2u);
  // Overlong 3-byte E0 80 AF: E0 needs A0..BF next, so three subparts.
  EXPECT_EQ(Clean("\xE0\x80\xAF", &report),
            Paragraphs{std::string(kReplacement) + std::string(kReplacement) +
                       std::string(kReplacement)});
  EXPECT_EQ(report.invalid_utf8_sequences, 3u);
}

TEST(CleanParagraphsTest, EncodedSurrogateIsThreeReplacements) {
  HygieneReport report;
  // ED A0 80 would be U+D800: ED only allows 80..9F next, so ED, A0 and 80 are each a subpart.
  const Paragraphs out = Clean("[\xED\xA0\x80]", &report);
  EXPECT_EQ(out, Paragraphs{"[" + std::string(kReplacement) + std::string(kReplacement) +
                            std::string(kReplacement) + "]"});
  EXPECT_EQ(report.invalid_utf8_sequences, 3u);
}

TEST(CleanParagraphsTest, AboveMaxCodePointAndStrayContinuationBytes) {
  HygieneReport report;
  // F4 90 80 80 would be U+110000; F5 is never valid; 80 80 are stray continuation bytes.
  const Paragraphs out = Clean("\xF4\x90\x80\x80|\xF5|\x80\x80", &report);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(IsValidUtf8(out[0]));
  EXPECT_EQ(report.invalid_utf8_sequences, 4u + 1u + 2u);
  EXPECT_EQ(static_cast<int32_t>(report.invalid_utf8_sequences),
            IcuSubstitutions("\xF4\x90\x80\x80|\xF5|\x80\x80"));
}

TEST(CleanParagraphsTest, ValidFourByteSequencesAndExistingReplacementAreNotCounted) {
  HygieneReport report;
  const std::string input = "\xF0\x9F\x93\x88 " + std::string(kReplacement);  // 📈 U+FFFD
  EXPECT_EQ(Clean(input, &report), Paragraphs{input});
  EXPECT_EQ(report.invalid_utf8_sequences, 0u);
}

TEST(CleanParagraphsTest, ReportIsOverwrittenAndMayBeNull) {
  HygieneReport report;
  report.invalid_utf8_sequences = 7;
  report.control_characters_removed = 9;
  EXPECT_EQ(CleanParagraphs("ok", &report), Paragraphs{"ok"});
  EXPECT_EQ(report.invalid_utf8_sequences, 0u);
  EXPECT_EQ(report.control_characters_removed, 0u);
  EXPECT_EQ(CleanParagraphs("a\xff\x01", nullptr), Paragraphs{"a" + std::string(kReplacement)});
}

// --- Normalization -------------------------------------------------------------------------------

TEST(CleanParagraphsTest, NfdInputBecomesNfc) {
  EXPECT_EQ(Clean("Caf"
                  "e\xCC\x81"),
            Paragraphs{"Caf\xC3\xA9"});  // e + U+0301 -> é
  // Hangul jamo compose to a syllable: U+1112 U+1161 U+11AB -> U+D55C 한.
  EXPECT_EQ(Clean("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), Paragraphs{"\xED\x95\x9C"});
}

TEST(CleanParagraphsTest, RemovedCharacterBetweenBaseAndMarkStillComposes) {
  // e, ZWSP, U+0301: dropping the ZWSP leaves e + U+0301, which NFC composes.
  EXPECT_EQ(Clean("e\xE2\x80\x8B\xCC\x81"), Paragraphs{"\xC3\xA9"});
}

// CleanParagraphs skips ICU's NFC check for lines whose only characters from U+0300 up are
// general punctuation (U+2010..U+206F); that is sound only while ICU says they never interact.
TEST(CleanParagraphsTest, GeneralPunctuationIsInertUnderNfc) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  ASSERT_TRUE(U_SUCCESS(status));
  for (UChar32 c = 0x2010; c <= 0x206F; ++c) EXPECT_TRUE(nfc->isInert(c)) << std::hex << c;
  // A combining mark after curly quotes still composes.
  EXPECT_EQ(Clean("\xE2\x80\x9C"
                  "Cafe\xCC\x81\xE2\x80\x9D \xE2\x80\x94 ok"),
            Paragraphs{"\xE2\x80\x9C"
                       "Caf\xC3\xA9\xE2\x80\x9D \xE2\x80\x94 ok"});
}

TEST(CleanParagraphsTest, NfcIsNotCompatibilityNormalization) {
  // NFKC would turn the "ﬁ" ligature into "fi" and fullwidth Ａ into A; NFC keeps them.
  const std::string input = "\xEF\xAC\x81 \xEF\xBC\xA1";
  EXPECT_EQ(Clean(input), Paragraphs{input});
}

// --- Spaces, lines, controls
// ----------------------------------------------------------------------

TEST(CleanParagraphsTest, TrimsAndCollapsesTabsAndSpaces) {
  EXPECT_EQ(Clean("$ 6 million\t\t "), Paragraphs{"$ 6 million"});
  EXPECT_EQ(Clean("  \t$  6\t\tmillion   "), Paragraphs{"$ 6 million"});
}

// Runs of words with single spaces are copied whole; where a run meets a second space, a tab,
// a line end, a control or a non-ASCII character the character-by-character rules take over.
TEST(CleanParagraphsTest, SingleSpacedRunsMeetEveryOtherCharacter) {
  EXPECT_EQ(Clean("one two three"), Paragraphs{"one two three"});
  EXPECT_EQ(Clean("one two  three \n four five "), (Paragraphs{"one two three", "four five"}));
  EXPECT_EQ(Clean("one two\tthree \tfour"), Paragraphs{"one two three four"});
  EXPECT_EQ(Clean("a b\x01 c d\x7F"
                  "e f"),
            Paragraphs{"a b c de f"});
  EXPECT_EQ(Clean("caf\xC3\xA9 au lait \xE2\x80\x94 x y"),
            Paragraphs{"caf\xC3\xA9 au lait \xE2\x80\x94 x y"});
  EXPECT_EQ(Clean("x y \xC2\xA0z"), Paragraphs{"x y z"});
  EXPECT_EQ(Clean("end of line \r\nnext line"), (Paragraphs{"end of line", "next line"}));
  EXPECT_EQ(Clean("a b "), Paragraphs{"a b"});
}

TEST(CleanParagraphsTest, NbspAndOtherUnicodeSpacesCollapse) {
  EXPECT_EQ(Clean("$\xC2\xA0"
                  "6\xC2\xA0\xC2\xA0million\xC2\xA0"),
            Paragraphs{"$ 6 million"});
  // NARROW NBSP U+202F, EM SPACE U+2003, IDEOGRAPHIC SPACE U+3000, mixed with ASCII.
  EXPECT_EQ(Clean("\xE3\x80\x80"
                  "a \xE2\x80\xAF\xE2\x80\x83"
                  "b\xE3\x80\x80"),
            Paragraphs{"a b"});
}

TEST(CleanParagraphsTest, EverySpaceSeparatorCollapsesToAsciiSpace) {
  int checked = 0;
  for (UChar32 cp = 0; cp <= 0x10FFFF; ++cp) {
    if (u_charType(cp) != U_SPACE_SEPARATOR) continue;
    ++checked;
    EXPECT_EQ(Clean("a" + Utf8(cp) + " " + Utf8(cp) + "b"), Paragraphs{"a b"})
        << "U+" << std::hex << cp;
  }
  EXPECT_GE(checked, 17);
}

TEST(CleanParagraphsTest, EveryControlCharacterExceptTabAndLineBreaksIsRemoved) {
  for (UChar32 cp = 0; cp <= 0x9F; ++cp) {
    if (u_charType(cp) != U_CONTROL_CHAR || cp == '\t' || cp == '\n' || cp == '\r') continue;
    HygieneReport report;
    EXPECT_EQ(Clean("a" + Utf8(cp) + "b", &report), Paragraphs{"ab"}) << "U+" << std::hex << cp;
    EXPECT_EQ(report.control_characters_removed, 1u) << "U+" << std::hex << cp;
  }
}

TEST(CleanParagraphsTest, NulBytesAreRemoved) {
  HygieneReport report;
  EXPECT_EQ(Clean(std::string_view("a\0b\0", 4), &report), Paragraphs{"ab"});
  EXPECT_EQ(report.control_characters_removed, 2u);
}

TEST(CleanParagraphsTest, ZeroWidthCharactersRemovedButJoinersKept) {
  HygieneReport report;
  // "Hi" ZWSP, then 👩‍💻 (U+1F469 ZWJ U+1F4BB), BOM, word joiner, soft hyphen.
  const std::string technologist = "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB";
  EXPECT_EQ(Clean("\xEF\xBB\xBFHi\xE2\x80\x8B" + technologist + "\xE2\x81\xA0" +
                      "co\xC2\xAD"
                      "op",
                  &report),
            Paragraphs{"Hi" + technologist + "coop"});
  EXPECT_EQ(report.control_characters_removed, 4u);
  // ZWNJ in Persian: می‌خواهم keeps U+200C.
  const std::string persian =
      "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85";
  EXPECT_EQ(Clean(persian, &report), Paragraphs{persian});
  EXPECT_EQ(report.control_characters_removed, 0u);
}

TEST(CleanParagraphsTest, RemovedCharactersDoNotBreakSpaceCollapsing) {
  EXPECT_EQ(Clean("a \xE2\x80\x8B \x01 b"), Paragraphs{"a b"});
  EXPECT_EQ(Clean("\xE2\x80\x8B  a"), Paragraphs{"a"});
}

TEST(CleanParagraphsTest, LineBreaks) {
  EXPECT_EQ(Clean("one\r\ntwo\rthree\nfour"), (Paragraphs{"one", "two", "three", "four"}));
  // CR CR LF is two breaks (one empty line), never a stray CR.
  EXPECT_EQ(Clean("a\r\r\nb\r\n\r\n\r\nc\r"), (Paragraphs{"a", "b", "c"}));
  // U+2028 / U+2029 end lines too.
  EXPECT_EQ(Clean("a\xE2\x80\xA8"
                  "b\xE2\x80\xA9"
                  "c"),
            (Paragraphs{"a", "b", "c"}));
  // Trimming is per line.
  EXPECT_EQ(Clean("  a  \n\t b \t\n"), (Paragraphs{"a", "b"}));
}

TEST(CleanParagraphsTest, EmptyAndWhitespaceOnlyInputHasNoParagraphs) {
  HygieneReport report;
  EXPECT_TRUE(Clean("", &report).empty());
  EXPECT_TRUE(Clean(" \t\r\n\n \xC2\xA0\xE3\x80\x80\r\n", &report).empty());
  EXPECT_TRUE(Clean("\xEF\xBB\xBF\xE2\x80\x8B\n\x07", &report).empty());
  EXPECT_EQ(report.control_characters_removed, 3u);
}

// --- Scripts and typography pass through
// ------------------------------------------------------------

TEST(CleanParagraphsTest, ChineseIsByteIdentical) {
  const std::string chinese = "英伟达股价周一下跌17%。";
  HygieneReport report;
  EXPECT_EQ(Clean(chinese, &report), Paragraphs{chinese});
  EXPECT_EQ(report.invalid_utf8_sequences, 0u);
  EXPECT_EQ(report.control_characters_removed, 0u);
}

TEST(CleanParagraphsTest, ArabicCyrillicAndTypographyUnchanged) {
  const std::string arabic = "انخفضت أسهم إنفيديا بنسبة 17٪ يوم الاثنين.";
  const std::string russian = "Акции Nvidia упали на 17% — «крупнейшее падение»…";
  const std::string english =
      "\u201CIt\u2019s a reset,\u201D she said \u2013 \u2018not\u2019 a crash\u2026";
  const std::string japanese = "「エヌビディア」株が急落、１７％安。";
  for (const std::string& text : {arabic, russian, english, japanese}) {
    EXPECT_EQ(Clean(text), Paragraphs{text});
  }
}

TEST(CleanParagraphsTest, BilingualArticle) {
  const std::string input =
      "\xEF\xBB\xBF  Nvidia shares fell 17% on Monday\xC2\xA0\xC2\xA0"
      "after DeepSeek\u2019s launch.  "
      "\r\n\r\n"
      "\t\u82F1\u4F1F\u8FBE\u80A1\u4EF7\u5468\u4E00\u4E0B\u8DCC17%\u3002\u3000\r\n"
      "The company lost $589\u200B billion\t in market value \u2014 a record.\n"
      "\x0c\n"
      "   \u00A0\n"
      "\u5E02\u503C\u84B8\u53D1 5890 \u4EBF\u7F8E\u5143\u3002\r"
      "Caf"
      "e\u0301 owners said \u201Cno comment.\u201D\n";
  HygieneReport report;
  const Paragraphs paragraphs = CleanParagraphs(input, &report);
  const Paragraphs expected = {
      "Nvidia shares fell 17% on Monday after DeepSeek\u2019s launch.",
      "\u82F1\u4F1F\u8FBE\u80A1\u4EF7\u5468\u4E00\u4E0B\u8DCC17%\u3002",
      "The company lost $589 billion in market value \u2014 a record.",
      "\u5E02\u503C\u84B8\u53D1 5890 \u4EBF\u7F8E\u5143\u3002",
      "Caf\u00E9 owners said \u201Cno comment.\u201D",
  };
  EXPECT_EQ(paragraphs, expected);
  EXPECT_EQ(report.invalid_utf8_sequences, 0u);
  EXPECT_EQ(report.control_characters_removed, 3u);  // BOM, ZWSP, form feed

  EXPECT_EQ(JoinParagraphs(paragraphs), expected[0] + "\n\n" + expected[1] + "\n\n" + expected[2] +
                                            "\n\n" + expected[3] + "\n\n" + expected[4]);
  EXPECT_EQ(WordCount(paragraphs[0]), 9u);   // "DeepSeek's" is one word
  EXPECT_EQ(WordCount(paragraphs[1]), 10u);  // 9 Han characters + "17"
  EXPECT_EQ(WordCount(paragraphs[3]), 8u);   // 7 Han characters + "5890"
  EXPECT_EQ(CodePointCount(paragraphs[1]), 13u);
  // Cleaning is idempotent.
  EXPECT_EQ(CleanParagraphs(JoinParagraphs(paragraphs), &report), paragraphs);
  EXPECT_EQ(report.control_characters_removed, 0u);
}

// --- Join / counts
// ------------------------------------------------------------------------------------

TEST(JoinParagraphsTest, JoinsWithBlankLine) {
  EXPECT_EQ(JoinParagraphs({}), "");
  EXPECT_EQ(JoinParagraphs({"one"}), "one");
  EXPECT_EQ(JoinParagraphs({"one", "二", "three"}), "one\n\n二\n\nthree");
}

TEST(CodePointCountTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CodePointCount(""), 0u);
  EXPECT_EQ(CodePointCount("中文a"), 3u);
  EXPECT_EQ(CodePointCount("e\xCC\x81"), 2u);
  EXPECT_EQ(CodePointCount("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB"), 3u);
  EXPECT_EQ(CodePointCount("Привет"), 6u);
}

TEST(WordCountTest, SpaceDelimitedWords) {
  EXPECT_EQ(WordCount(""), 0u);
  EXPECT_EQ(WordCount("  \t "), 0u);
  EXPECT_EQ(WordCount("Nvidia shares fell 17%"), 4u);
  EXPECT_EQ(WordCount("state-owned ... -- !"), 2u);
  EXPECT_EQ(WordCount("Акции Nvidia упали"), 3u);
  EXPECT_EQ(WordCount("انخفضت أسهم إنفيديا"), 3u);
}

TEST(WordCountTest, MidWordPunctuationAndMarksDoNotSplit) {
  EXPECT_EQ(WordCount("don't stop"), 2u);
  EXPECT_EQ(WordCount("it\u2019s the U.S. economy"), 4u);
  EXPECT_EQ(WordCount("$1,000.50 or 3.5%"), 3u);
  EXPECT_EQ(WordCount("'quoted' end."), 2u);
  EXPECT_EQ(WordCount("Cafe\xCC\x81 ok"), 2u);
  EXPECT_EQ(WordCount("\u0939\u093F\u0928\u094D\u0926\u0940 \u092D\u093E\u0937\u093E"),
            2u);  // हिन्दी भाषा
  EXPECT_EQ(WordCount("\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"),
            1u);  // می‌خواهم
}

TEST(WordCountTest, CjkCharactersCountOneEach) {
  EXPECT_EQ(WordCount("英伟达股价"), 5u);
  EXPECT_EQ(WordCount("英伟达股价周一下跌17%。"), 10u);
  EXPECT_EQ(WordCount("「、。」"), 0u);  // CJK punctuation is not a word
  EXPECT_EQ(WordCount("ひらがな カタカナ"), 8u);
  EXPECT_EQ(WordCount("ラーメン"), 4u);  // U+30FC counts as a Katakana character
  EXPECT_EQ(WordCount("한국어 뉴스"), 5u);
}

TEST(WordCountTest, MixedScriptsSum) {
  EXPECT_EQ(WordCount("Nvidia shares fell 17% 英伟达股价"), 4u + 5u);
  EXPECT_EQ(WordCount("英伟达Nvidia股价"), 3u + 1u + 2u);
}

TEST(WordCountTest, InvalidBytesSeparateWords) {
  EXPECT_EQ(WordCount("ab\xff"
                      "cd"),
            2u);
}

// --- Property test over random bytes
// ------------------------------------------------------------------

// Fragments that make random inputs hit the interesting paths more often than uniform bytes do.
const std::vector<std::string>& Fragments() {
  static const std::vector<std::string> fragments = {" ",
                                                     "\t",
                                                     "\r",
                                                     "\n",
                                                     "\r\n",
                                                     "\xC2\xA0",
                                                     "\xE3\x80\x80",
                                                     "\xE2\x80\x8B",
                                                     "\xE2\x80\x8D",
                                                     "\xEF\xBB\xBF",
                                                     "\xC2\xAD",
                                                     "\xCC\x81",
                                                     "\xE1\x85\xA1",
                                                     "\xE1\x84\x92",
                                                     "e",
                                                     "a",
                                                     "17%",
                                                     "\xE4\xB8\xAD",
                                                     "\xF0\x9F\x91\xA9",
                                                     "\xC2\x85",
                                                     std::string("\0", 1),
                                                     "\xED\xA0\x80",
                                                     "\xC0\xAF",
                                                     "\xE4\xB8",
                                                     "\xF0\x9F\x91",
                                                     "\xEF\xBF\xBD",
                                                     "\xE2\x80\xA8",
                                                     "\xD9\x85",
                                                     "\xE0\xA4\xBF"};
  return fragments;
}

TEST(CleanParagraphsPropertyTest, RandomBytesYieldCleanValidNfcOutput) {
  std::mt19937 rng(20240127);
  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::string input;
    const size_t pieces = rng() % 64;
    for (size_t k = 0; k < pieces; ++k) {
      if (rng() % 2 == 0) {
        input.push_back(static_cast<char>(rng() & 0xFF));
      } else {
        input += Fragments()[rng() % Fragments().size()];
      }
    }
    SCOPED_TRACE(::testing::Message() << "iteration " << iteration);

    HygieneReport report;
    const Paragraphs paragraphs = CleanParagraphs(input, &report);
    EXPECT_EQ(static_cast<int32_t>(report.invalid_utf8_sequences), IcuSubstitutions(input));
    for (const std::string& p : paragraphs) {
      ASSERT_FALSE(p.empty());
      ASSERT_TRUE(IsValidUtf8(p));
      ASSERT_TRUE(IsNfc(p));
      EXPECT_NE(p.front(), ' ');
      EXPECT_NE(p.back(), ' ');
      EXPECT_EQ(p.find("  "), std::string::npos);
      for (const char c : p) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
      EXPECT_EQ(p.find('\x7F'), std::string::npos);
      EXPECT_EQ(p.find("\xE2\x80\x8B"), std::string::npos);
      EXPECT_EQ(p.find("\xEF\xBB\xBF"), std::string::npos);
      EXPECT_EQ(p.find("\xC2\xA0"), std::string::npos);
      EXPECT_LE(CodePointCount(p), p.size());
      EXPECT_LE(WordCount(p), CodePointCount(p));
    }
    const std::string joined = JoinParagraphs(paragraphs);
    ASSERT_TRUE(IsValidUtf8(joined));
    // Idempotent: cleaning clean text changes nothing and reports nothing.
    HygieneReport second;
    EXPECT_EQ(CleanParagraphs(joined, &second), paragraphs);
    EXPECT_EQ(second.invalid_utf8_sequences, 0u);
    EXPECT_EQ(second.control_characters_removed, 0u);
  }
}

// The fast path's sixteen-bytes-a-step scan against its scalar steps: every start at a visible
// byte of random texts made of visible bytes, spaces, tabs, controls, DEL and UTF-8 bytes, at
// lengths around the 16-byte blocks (single spaces at block edges, double spaces, a space last).
TEST(PrintableRunTest, BlocksAgreeWithTheScalarSteps) {
  const std::string others = std::string(" \t\n\r\x01\x7f") + "\xc3\xa9\xe2\x80\x9c\xff";
  testing::XorShift32 next(1234567u);
  int compared = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t length = next() % 70;
    const uint32_t other_odds = next() % 4;  // from all visible to a quarter of other bytes
    for (size_t k = 0; k < length; ++k) {
      const uint32_t r = next();
      if (r % 16 < other_odds) {
        text.push_back(others[r / 16 % others.size()]);
      } else if (r % 16 < 4 + other_odds) {
        text.push_back(' ');
      } else {
        text.push_back(static_cast<char>(0x21 + r / 16 % 94));
      }
    }
    for (size_t start = 0; start < text.size(); ++start) {
      const auto b = static_cast<unsigned char>(text[start]);
      if (b <= 0x20 || b >= 0x7F) continue;
      EXPECT_EQ(internal::PrintableRunEnd(text, start),
                internal::PrintableRunEndScalar(text, start))
          << text << " @" << start;
      ++compared;
    }
  }
  EXPECT_GT(compared, 40000);
}

TEST(PrintableRunTest, EndsWhereTheByteRulesSay) {
  const std::string words = "Officials said inflation was still too high";
  EXPECT_EQ(internal::PrintableRunEnd(words, 0), words.size());
  for (size_t at = 10; at < 40; ++at) {
    const std::string head = std::string(at, 'a');
    const std::string tail = std::string(30, 'b');
    EXPECT_EQ(internal::PrintableRunEnd(head + " x" + tail, 0), at + 2 + tail.size());
    EXPECT_EQ(internal::PrintableRunEnd(head + "  x" + tail, 0), at);
    EXPECT_EQ(internal::PrintableRunEnd(head + " \t" + tail, 0), at);
    EXPECT_EQ(internal::PrintableRunEnd(head + "\n" + tail, 0), at);
    EXPECT_EQ(internal::PrintableRunEnd(head + " \xe2\x80\x9d" + tail, 0), at);
    EXPECT_EQ(internal::PrintableRunEnd(head + " ", 0), at);
  }
}

}  // namespace
}  // namespace newsflow::text
