#include "services/normalize/normalize_stage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/raw_article.pb.h"

namespace newsflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class NormalizeStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    NormalizeOptions options;
    options.boilerplate_rules["newsletter_plug"] = "^Get our daily briefing.*$";
    stage_ = NormalizeStage::Create(options, nullptr, &error);
    ASSERT_TRUE(stage_) << error;
  }

  StageResult Run(const v1::RawArticle& raw) {
    bytes_ = raw.SerializeAsString();
    InputRecord input;
    input.topic = "news.raw";
    input.value = bytes_;
    StageResult result;
    stage_->Process(input, &result);
    return result;
  }

  static v1::RawArticle Raw(std::string content, std::string type = "text/plain") {
    v1::RawArticle raw;
    raw.set_article_id("id-1");
    raw.set_source_name("fixture");
    raw.set_content(std::move(content));
    raw.set_content_type(std::move(type));
    return raw;
  }

  v1::Article Parse(const StageResult& result) {
    EXPECT_FALSE(result.dead_letter) << result.dead_letter->reason;
    EXPECT_EQ(result.records.size(), 1u);
    v1::Article article;
    if (!result.records.empty()) {
      EXPECT_EQ(result.records[0].topic, "news.normalized");
      EXPECT_EQ(result.records[0].key, "id-1");
      EXPECT_TRUE(article.ParseFromString(result.records[0].value));
    }
    return article;
  }

  std::unique_ptr<NormalizeStage> stage_;
  std::string bytes_;
};

TEST_F(NormalizeStageTest, PlainTextGetsHeadlineCleanBodyAndNoBoilerplate) {
  auto article = Parse(
      Run(Raw("Harbor Robotics raises $ 40 million for warehouse robots\t \n\n"
              "Harbor Robotics said on Tuesday it raised $ 40 million.  \r\n"
              "Revenue grew 35 % last year.\n"
              "Featured image: a robot arm in Rotterdam.\n"
              "Get our daily briefing in your inbox\n"
              "The post Harbor Robotics raises $ 40 million appeared first on Wire Daily.\n")));
  EXPECT_EQ(article.title(), "Harbor Robotics raises $ 40 million for warehouse robots");
  EXPECT_EQ(article.body(),
            "Harbor Robotics said on Tuesday it raised $ 40 million.\n\n"
            "Revenue grew 35 % last year.");
  EXPECT_EQ(article.report().boilerplate_lines_removed(), 3u);
  EXPECT_THAT(article.report().boilerplate_rules_fired(), ::testing::Contains("newsletter_plug"));
  EXPECT_EQ(article.word_count(), 14u);  // "$" and "%" are not words
  EXPECT_GE(article.reading_time_seconds(), 1u);
  EXPECT_EQ(article.provenance().stage(), "normalize");
  EXPECT_GE(article.provenance().components_size(), 1);
}

TEST_F(NormalizeStageTest, LedeSentenceIsNotAHeadline) {
  auto article =
      Parse(Run(Raw("Shares of Acme fell 3% on Monday after the results.\n"
                    "Analysts had expected a rise.\n")));
  EXPECT_EQ(article.title(), "");
  EXPECT_THAT(article.body(), HasSubstr("Shares of Acme fell 3%"));
}

TEST_F(NormalizeStageTest, BilingualTextKeepsBothLanguages) {
  auto article =
      Parse(Run(Raw("Harbor Robotics closed a $40 million round.\n"
                    "港湾机器人公司周二表示，已完成4000万美元融资。\n")));
  EXPECT_THAT(article.body(), HasSubstr("港湾机器人公司周二表示，已完成4000万美元融资。"));
  EXPECT_THAT(article.body(), HasSubstr("Harbor Robotics closed"));
  ASSERT_EQ(article.segments_size(), 2);
  EXPECT_EQ(article.segments(0).language(), "en");
  EXPECT_EQ(article.segments(1).language(), "zh");
  EXPECT_FALSE(article.single_language_body());
  ASSERT_EQ(article.texts_size(), 2);
  EXPECT_EQ(article.texts(0).text(), "Harbor Robotics closed a $40 million round.");
  EXPECT_EQ(article.texts(1).text(), "港湾机器人公司周二表示，已完成4000万美元融资。");
}

// The body and texts are written beside protobuf's serialization (article_wire.h): the record
// must be the bytes protobuf itself writes for the same Article, with every field once.
TEST_F(NormalizeStageTest, ArticleBytesAreProtobufsOwn) {
  for (const char* content : {"Harbor Robotics closed a $40 million round.\n"
                              "港湾机器人公司周二表示，已完成4000万美元融资。\n",
                              "Harbor Robotics closed a $40 million round on Tuesday.\n"
                              "The company said it would hire fifty engineers this year.\n"}) {
    auto raw = Raw(content);
    raw.set_url("https://example.com/a?utm_source=x");
    raw.set_author("A. Writer");
    const StageResult result = Run(raw);
    const v1::Article article = Parse(result);
    ASSERT_FALSE(article.body().empty());
    ASSERT_EQ(result.records.size(), 1u);
    EXPECT_EQ(article.SerializeAsString(), result.records[0].value) << content;
  }
}

TEST_F(NormalizeStageTest, SingleLanguageBodyIsNotRepeatedInTexts) {
  auto article =
      Parse(Run(Raw("Harbor Robotics closed a $40 million round on Tuesday.\n"
                    "The company said it would hire fifty engineers this year.\n")));
  EXPECT_EQ(article.language(), "en");
  EXPECT_TRUE(article.single_language_body());
  EXPECT_EQ(article.texts_size(), 0);
}

TEST_F(NormalizeStageTest, CanonicalUrlDropsTrackingAndFragment) {
  auto raw = Raw("Some article text that is long enough to keep.\nAnd a second line.\n");
  raw.set_url("HTTPS://Example.COM:443/news/a?utm_source=x&id=7#comments");
  auto article = Parse(Run(raw));
  EXPECT_EQ(article.url(), "HTTPS://Example.COM:443/news/a?utm_source=x&id=7#comments");
  EXPECT_EQ(article.canonical_url(), "https://example.com/news/a?id=7");
}

TEST_F(NormalizeStageTest, InvalidUtf8IsRepairedAndCounted) {
  auto article = Parse(Run(Raw("Caf\xe9 owners protest new rules.\nMore text here today.\n")));
  EXPECT_EQ(article.report().invalid_utf8_sequences(), 1u);
  EXPECT_THAT(article.body(), HasSubstr("Caf\xEF\xBF\xBD owners"));
  EXPECT_EQ(stage_->probe().invalid_utf8_sequences.load(), 1u);
}

TEST_F(NormalizeStageTest, FullPageGoesThroughMainContentExtraction) {
  std::string page =
      "<!DOCTYPE html><html lang=\"en\"><head><title>Harbor Robotics raises $40 million | Wire"
      "</title><meta property=\"og:title\" content=\"Harbor Robotics raises $40 million\">"
      "<meta name=\"author\" content=\"Ana Ruiz\">"
      "<meta property=\"article:published_time\" content=\"2025-01-28T09:30:00+01:00\">"
      "<link rel=\"canonical\" href=\"https://wire.example/robots?utm_source=x\"></head><body>"
      "<nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>"
      "<article><h1>Harbor Robotics raises $40 million</h1>"
      "<p>Harbor Robotics said on Tuesday it raised $40 million to build warehouse robots that "
      "sort parcels without human help.</p>"
      "<p>The company, based in Rotterdam, plans to double its engineering staff by next year, "
      "chief executive Mara Jensen said.</p>"
      "<div class=\"share\"><a href=\"#\">Share on X</a> <a href=\"#\">Facebook</a></div>"
      "</article><footer>&copy; Wire 2025. All rights reserved.</footer></body></html>";
  v1::RawArticle raw = Raw(page, "text/html");
  auto article = Parse(Run(raw));
  EXPECT_TRUE(article.report().extracted_from_html());
  EXPECT_EQ(article.title(), "Harbor Robotics raises $40 million");
  EXPECT_THAT(article.body(), HasSubstr("Harbor Robotics said on Tuesday"));
  EXPECT_THAT(article.body(), HasSubstr("chief executive Mara Jensen said."));
  EXPECT_THAT(article.body(), Not(HasSubstr("Home")));
  EXPECT_THAT(article.body(), Not(HasSubstr("Share on X")));
  EXPECT_THAT(article.body(), Not(HasSubstr("All rights reserved")));
  EXPECT_EQ(article.author(), "Ana Ruiz");
  EXPECT_EQ(article.canonical_url(), "https://wire.example/robots");
  EXPECT_EQ(article.published().seconds(), 1738053000);  // 08:30 UTC
  EXPECT_EQ(stage_->probe().extracted_from_html.load(), 1u);
}

TEST_F(NormalizeStageTest, HtmlFragmentKeepsEveryParagraph) {
  auto raw =
      Raw("<p>First &amp; foremost, the port reopened on Monday.</p><p>Ships queued "
          "outside for <b>three</b> days.</p>",
          "text/html; charset=utf-8");
  raw.set_title("Port reopens");
  auto article = Parse(Run(raw));
  EXPECT_EQ(article.body(),
            "First & foremost, the port reopened on Monday.\n\nShips queued outside for three "
            "days.");
  EXPECT_EQ(article.title(), "Port reopens");
}

TEST_F(NormalizeStageTest, DeclaredCharsetIsDecoded) {
  // windows-1252: curly quotes and e-acute; Shift_JIS: "東京" (Tokyo).
  auto article =
      Parse(Run(Raw("\x93"
                    "Caf\xe9 culture\x94 returns to the old town square.\n",
                    "text/plain; charset=windows-1252")));
  EXPECT_EQ(article.body(), "“Café culture” returns to the old town square.");
  article =
      Parse(Run(Raw("\x93\x8c\x8b\x9e\x82\xcc\x8a\x94\x89\xbf\x82\xaa\x8f\xe3\x82\xaa\x82\xe8\x82"
                    "\xdc\x82\xb5\x82\xbd\x81\x42\n",
                    "text/plain; Charset=\"Shift_JIS\"")));
  EXPECT_EQ(article.body(), "東京の株価が上がりました。");
  EXPECT_EQ(article.language(), "ja");
}

TEST_F(NormalizeStageTest, ExplicitTitleWins) {
  auto raw = Raw("Only body text here.\nSecond line of the body.\n");
  raw.set_title("  Explicit  title ");
  auto article = Parse(Run(raw));
  EXPECT_EQ(article.title(), "Explicit title");
  EXPECT_THAT(article.body(), HasSubstr("Only body text here."));
}

TEST_F(NormalizeStageTest, BadInputsAreDeadLettersWithReasons) {
  InputRecord input;
  input.value = "\xff\xff not protobuf";
  StageResult garbage;
  stage_->Process(input, &garbage);
  ASSERT_TRUE(garbage.dead_letter);
  EXPECT_EQ(garbage.dead_letter->reason, "invalid_protobuf");

  auto no_id = Raw("text");
  no_id.clear_article_id();
  EXPECT_EQ(Run(no_id).dead_letter->reason, "missing_article_id");

  EXPECT_EQ(
      Run(Raw("<!DOCTYPE html><html><body><nav>Home</nav></body></html>", "")).dead_letter->reason,
      "empty_after_cleaning");
  EXPECT_EQ(Run(Raw(std::string(5 << 20, 'a'))).dead_letter->reason, "content_too_large");
  EXPECT_EQ(Run(Raw(" \n\t\n")).dead_letter->reason, "empty_after_cleaning");
  EXPECT_EQ(Run(Raw(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + std::string(100, '\x01')))
                .dead_letter->reason,
            "binary_content");
  std::string noise;
  for (int i = 0; i < 400; ++i) noise.push_back(static_cast<char>(0x80 + (i * 37) % 64));
  EXPECT_EQ(Run(Raw(noise)).dead_letter->reason, "binary_content");
  EXPECT_EQ(Run(Raw("Some text", "text/plain; charset=x-no-such-charset")).dead_letter->reason,
            "unsupported_charset");
}

TEST_F(NormalizeStageTest, InvalidUserRuleIsNamed) {
  NormalizeOptions options;
  options.boilerplate_rules["broken"] = "([unclosed";
  std::string error;
  EXPECT_FALSE(NormalizeStage::Create(options, nullptr, &error));
  EXPECT_THAT(error, HasSubstr("broken"));
}

class NormalizeDedupeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    stage_ = NormalizeStage::Create(NormalizeOptions{}, &index_, &error);
    ASSERT_TRUE(stage_) << error;
  }
  StageResult Run(std::string id, std::string content, int64_t timestamp_ms = 1000) {
    v1::RawArticle raw;
    raw.set_article_id(id);
    raw.set_content(std::move(content));
    raw.set_content_type("text/plain");
    std::string bytes = raw.SerializeAsString();
    InputRecord input;
    input.value = bytes;
    input.timestamp_ms = timestamp_ms;
    StageResult result;
    stage_->Process(input, &result);
    return result;
  }
  static constexpr const char* kStory =
      "Harbor Robotics said on Tuesday it raised $40 million to build warehouse robots.\n"
      "The company, based in Rotterdam, plans to double its engineering staff by next year, "
      "chief executive Mara Jensen said in an interview.\n"
      "Investors included two pension funds and a shipping group that already uses the "
      "machines at three of its ports, according to a statement.\n"
      "The robots sort parcels and load trucks without human help, and the firm says they cut "
      "handling costs by a third compared with manual work.\n"
      "Jensen said the new money would also pay for a second factory near the port, where the "
      "company expects to assemble about two hundred machines a year from 2026 onwards.\n"
      "Unions at the port have asked for talks about retraining, and the company said it would "
      "meet their representatives before the end of the month to discuss the plans.\n"
      "Shares in listed rivals rose slightly in Amsterdam after the announcement, traders said.\n";

  DedupeIndex index_{DedupeOptions{}};
  std::unique_ptr<NormalizeStage> stage_;
};

TEST_F(NormalizeDedupeTest, ExactDuplicateIsDroppedAndCounted) {
  StageResult first = Run("a", kStory);
  ASSERT_EQ(first.records.size(), 2u);  // the Article and its changelog entry
  EXPECT_EQ(first.records[1].topic, "news.normalize.dedupe");
  EXPECT_EQ(first.records[1].key.size(), 16u);

  // Same body after normalization (extra spaces, CRLF) under another id: dropped.
  std::string reformatted = std::string(kStory);
  reformatted.replace(reformatted.find("said on"), 7, "said   on");
  StageResult second = Run("b", reformatted + "\r\n");
  EXPECT_TRUE(second.records.empty());
  EXPECT_FALSE(second.dead_letter);
  EXPECT_EQ(stage_->probe().exact_duplicates_dropped.load(), 1u);
}

TEST_F(NormalizeDedupeTest, ReprocessedRecordIsNotADuplicateOfItself) {
  ASSERT_EQ(Run("a", kStory).records.size(), 2u);
  StageResult again = Run("a", kStory);  // as after an aborted transaction
  ASSERT_EQ(again.records.size(), 2u);
  v1::Article article;
  ASSERT_TRUE(article.ParseFromString(again.records[0].value));
  EXPECT_EQ(article.near_duplicate_of(), "");
}

TEST_F(NormalizeDedupeTest, NearDuplicateIsFlaggedWithTheFirstId) {
  ASSERT_EQ(Run("first", kStory).records.size(), 2u);
  std::string edited(kStory);
  edited.replace(edited.find("by a third"), 10, "by about a third");
  StageResult second = Run("second", edited);
  ASSERT_EQ(second.records.size(), 2u);
  v1::Article article;
  ASSERT_TRUE(article.ParseFromString(second.records[0].value));
  EXPECT_EQ(article.near_duplicate_of(), "first");
  EXPECT_EQ(stage_->probe().near_duplicates_flagged.load(), 1u);

  // A third copy edited from the second still points at the first.
  edited.replace(edited.find("Tuesday"), 7, "Wednesday");
  StageResult third = Run("third", edited);
  ASSERT_EQ(third.records.size(), 2u);
  ASSERT_TRUE(article.ParseFromString(third.records[0].value));
  EXPECT_EQ(article.near_duplicate_of(), "first");
}

TEST_F(NormalizeDedupeTest, ChangelogRecordRestoresTheIndexElsewhere) {
  StageResult first = Run("a", kStory);
  ASSERT_EQ(first.records.size(), 2u);
  DedupeIndex restored{DedupeOptions{}};
  ASSERT_TRUE(ApplyDedupeRecord(first.records[1].key, first.records[1].value, &restored));
  EXPECT_EQ(restored.size(), 1u);
  EXPECT_FALSE(ApplyDedupeRecord("k", "not a protobuf \xff\xff", &restored));
  EXPECT_FALSE(ApplyDedupeRecord("k", "", &restored));

  std::string error;
  auto other = NormalizeStage::Create(NormalizeOptions{}, &restored, &error);
  v1::RawArticle raw;
  raw.set_article_id("b");
  raw.set_content(kStory);
  std::string bytes = raw.SerializeAsString();
  InputRecord input;
  input.value = bytes;
  StageResult result;
  other->Process(input, &result);
  EXPECT_TRUE(result.records.empty());  // another instance sees the first one's article
}

TEST_F(NormalizeDedupeTest, UnrelatedArticlesAreNotDuplicates) {
  ASSERT_EQ(Run("a", kStory).records.size(), 2u);
  StageResult other = Run("b",
                          "The city council voted on Monday to close the old bridge for repairs.\n"
                          "Traffic will be diverted through the harbour tunnel until spring, the "
                          "mayor's office said, and buses will run every ten minutes.\n");
  ASSERT_EQ(other.records.size(), 2u);
  v1::Article article;
  ASSERT_TRUE(article.ParseFromString(other.records[0].value));
  EXPECT_EQ(article.near_duplicate_of(), "");
}

TEST(LooksLikeHeadlineTest, Cases) {
  EXPECT_TRUE(LooksLikeHeadline("Nvidia shares plunge as DeepSeek rattles markets"));
  EXPECT_FALSE(LooksLikeHeadline("Nvidia shares plunged 17% on Monday."));
  EXPECT_FALSE(LooksLikeHeadline("Markets"));
  EXPECT_FALSE(LooksLikeHeadline("- a bulleted related link here"));
  EXPECT_FALSE(LooksLikeHeadline(std::string(300, 'a') + " b c"));
}

}  // namespace
}  // namespace newsflow
