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
    stage_ = NormalizeStage::Create(options, &error);
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
  auto article = Parse(Run(Raw(
      "Harbor Robotics raises $ 40 million for warehouse robots\t \n\n"
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
  auto article = Parse(Run(Raw("Shares of Acme fell 3% on Monday after the results.\n"
                               "Analysts had expected a rise.\n")));
  EXPECT_EQ(article.title(), "");
  EXPECT_THAT(article.body(), HasSubstr("Shares of Acme fell 3%"));
}

TEST_F(NormalizeStageTest, BilingualTextKeepsBothLanguages) {
  auto article = Parse(Run(Raw("Harbor Robotics closed a $40 million round.\n"
                               "港湾机器人公司周二表示，已完成4000万美元融资。\n")));
  EXPECT_THAT(article.body(), HasSubstr("港湾机器人公司周二表示，已完成4000万美元融资。"));
  EXPECT_THAT(article.body(), HasSubstr("Harbor Robotics closed"));
}

TEST_F(NormalizeStageTest, InvalidUtf8IsRepairedAndCounted) {
  auto article = Parse(Run(Raw("Caf\xe9 owners protest new rules.\nMore text here today.\n")));
  EXPECT_EQ(article.report().invalid_utf8_sequences(), 1u);
  EXPECT_THAT(article.body(), HasSubstr("Caf\xEF\xBF\xBD owners"));
  EXPECT_EQ(stage_->probe().invalid_utf8_sequences.load(), 1u);
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

  EXPECT_EQ(Run(Raw("<html><body><p>x</p></body></html>", "text/html")).dead_letter->reason,
            "html_not_supported");
  EXPECT_EQ(Run(Raw("<!DOCTYPE html><html></html>", "")).dead_letter->reason,
            "html_not_supported");
  EXPECT_EQ(Run(Raw(std::string(5 << 20, 'a'))).dead_letter->reason, "content_too_large");
  EXPECT_EQ(Run(Raw(" \n\t\n")).dead_letter->reason, "empty_after_cleaning");
}

TEST_F(NormalizeStageTest, InvalidUserRuleIsNamed) {
  NormalizeOptions options;
  options.boilerplate_rules["broken"] = "([unclosed";
  std::string error;
  EXPECT_FALSE(NormalizeStage::Create(options, &error));
  EXPECT_THAT(error, HasSubstr("broken"));
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
