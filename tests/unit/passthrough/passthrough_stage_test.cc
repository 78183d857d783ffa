#include "services/passthrough/passthrough_stage.h"

#include <gtest/gtest.h>

#include "newsflow/v1/raw_article.pb.h"

namespace newsflow {
namespace {

InputRecord Input(std::string_view value) {
  InputRecord in;
  in.topic = "news.raw";
  in.value = value;
  return in;
}

TEST(PassthroughStageTest, ForwardsValidArticleKeyedById) {
  v1::RawArticle article;
  article.set_article_id("a1");
  article.set_content("body");
  std::string bytes = article.SerializeAsString();
  PassthroughStage stage({"out"});
  StageResult result;
  stage.Process(Input(bytes), &result);
  ASSERT_FALSE(result.dead_letter);
  ASSERT_EQ(result.records.size(), 1u);
  EXPECT_EQ(result.records[0].topic, "out");
  EXPECT_EQ(result.records[0].key, "a1");
  EXPECT_EQ(result.records[0].value, bytes);
}

TEST(PassthroughStageTest, GarbageIsADeadLetter) {
  PassthroughStage stage({"out"});
  StageResult result;
  stage.Process(Input("\xff\xff\xff not a protobuf"), &result);
  ASSERT_TRUE(result.dead_letter);
  EXPECT_EQ(result.dead_letter->reason, "invalid_protobuf");
  EXPECT_TRUE(result.records.empty());
}

TEST(PassthroughStageTest, MissingIdIsADeadLetter) {
  v1::RawArticle article;
  article.set_content("body");
  std::string bytes = article.SerializeAsString();
  PassthroughStage stage({"out"});
  StageResult result;
  stage.Process(Input(bytes), &result);
  ASSERT_TRUE(result.dead_letter);
  EXPECT_EQ(result.dead_letter->reason, "missing_article_id");
}

}  // namespace
}  // namespace newsflow
