#include "services/tag/tag_stage.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <map>

#include "services/core/text/hygiene.h"

namespace newsflow {
namespace {

class TagStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tag::EntityTaggerOptions options;
    options.kb_dir = std::string(NEWSFLOW_SOURCE_DIR) + "/config/kb";
    options.model_path = std::string(NEWSFLOW_SOURCE_DIR) + "/config/ner/model.bin";
    std::string error;
    auto tagger = tag::EntityTagger::Create(options, &error);
    ASSERT_TRUE(tagger) << error;
    stage_ = new TagStage(TagStageOptions{}, std::move(tagger));
  }
  static void TearDownTestSuite() { delete stage_; }

  StageResult Run(const std::string& value) {
    InputRecord input;
    input.value = value;
    StageResult result;
    stage_->Process(input, &result);
    return result;
  }
  v1::TaggedArticle Tag(const std::string& title, const std::string& body) {
    v1::Article article;
    article.set_article_id("a1");
    article.set_title(title);
    article.set_body(body);
    bytes_ = article.SerializeAsString();
    StageResult result = Run(bytes_);
    EXPECT_FALSE(result.dead_letter);
    EXPECT_EQ(result.records.size(), 1u);
    v1::TaggedArticle tagged;
    if (!result.records.empty()) {
      EXPECT_EQ(result.records[0].topic, "news.tagged");
      EXPECT_EQ(result.records[0].key, "a1");
      EXPECT_TRUE(tagged.ParseFromString(result.records[0].value));
    }
    return tagged;
  }

  static TagStage* stage_;
  std::string bytes_;
};
TagStage* TagStageTest::stage_ = nullptr;

// The text a mention's code-point span selects from `body`.
std::string Slice(const std::string& body, uint32_t start, uint32_t end) {
  std::string out;
  uint32_t cp = 0;
  for (size_t i = 0; i < body.size();) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (cp >= start && cp < end) out.append(body, i, len);
    i += len;
    ++cp;
  }
  return out;
}

TEST_F(TagStageTest, NewsEntitiesAreFoundLinkedAndValued) {
  const std::string body =
      "Nvidia (NASDAQ:NVDA) shares fell 17% on Monday after DeepSeek said its R1 model cost less "
      "than $6 million to train. Jensen Huang did not comment. 英伟达的股价周一下跌。";
  auto tagged = Tag("Nvidia stock plunges", body);
  std::map<std::string, const v1::EntityMention*> by_text;
  for (const auto& m : tagged.mentions()) {
    by_text[m.text()] = &m;
    EXPECT_EQ(Slice(body, m.start(), m.end()), m.text()) << "offsets are code points";
  }
  ASSERT_TRUE(by_text.count("Nvidia"));
  ASSERT_TRUE(by_text.count("英伟达"));
  EXPECT_EQ(by_text["Nvidia"]->entity_id(), by_text["英伟达"]->entity_id());
  EXPECT_FALSE(by_text["Nvidia"]->entity_id().empty());
  ASSERT_TRUE(by_text.count("NASDAQ:NVDA"));
  EXPECT_EQ(by_text["NASDAQ:NVDA"]->type(), v1::ENTITY_TYPE_TICKER);
  ASSERT_TRUE(by_text.count("17%"));
  EXPECT_DOUBLE_EQ(by_text["17%"]->percent().value(), 17);
  ASSERT_TRUE(by_text.count("$6 million"));
  EXPECT_DOUBLE_EQ(by_text["$6 million"]->money().amount(), 6e6);
  EXPECT_EQ(by_text["$6 million"]->money().currency(), "USD");
  ASSERT_TRUE(by_text.count("DeepSeek"));
  ASSERT_TRUE(by_text.count("Jensen Huang"));
  EXPECT_EQ(by_text["Jensen Huang"]->type(), v1::ENTITY_TYPE_PERSON);

  // The summary lists Nvidia once with both mentions, salient (title + lede).
  const v1::EntitySummary* nvidia = nullptr;
  for (const auto& e : tagged.entities()) {
    if (e.entity_id() == by_text["Nvidia"]->entity_id() && e.type() == v1::ENTITY_TYPE_ORG) {
      nvidia = &e;
    }
  }
  ASSERT_NE(nvidia, nullptr);
  EXPECT_GE(nvidia->mention_count(), 2u);
  EXPECT_EQ(nvidia->first_position(), 0u);
  EXPECT_GT(nvidia->salience(), 0.5f);
  EXPECT_EQ(tagged.provenance().stage(), "entity-tag");
}

TEST_F(TagStageTest, LowerCaseCommonWordIsNotACompany) {
  auto tagged = Tag("", "She ate an apple and went to the market in the morning.");
  for (const auto& m : tagged.mentions()) EXPECT_NE(m.text(), "apple");
}

TEST_F(TagStageTest, BadInputsAreDeadLetters) {
  EXPECT_EQ(Run("\xff\xfe garbage").dead_letter->reason, "invalid_protobuf");
  v1::Article no_id;
  no_id.set_body("text");
  EXPECT_EQ(Run(no_id.SerializeAsString()).dead_letter->reason, "missing_article_id");
  v1::Article empty;
  empty.set_article_id("x");
  EXPECT_EQ(Run(empty.SerializeAsString()).dead_letter->reason, "empty_body");
  v1::Article huge;
  huge.set_article_id("x");
  huge.set_body(std::string(5 << 20, 'a'));
  EXPECT_EQ(Run(huge.SerializeAsString()).dead_letter->reason, "content_too_large");
}

TEST_F(TagStageTest, TheArticleComesThroughAsItWas) {
  auto tagged = Tag("Nvidia stock plunges", "Nvidia shares fell 17% on Monday in New York.");
  v1::Article input;
  ASSERT_TRUE(input.ParseFromString(bytes_));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(tagged.article(), input));
  EXPECT_FALSE(tagged.mentions().empty());
  // A field this build does not know (a newer normalize's) survives the stage too.
  v1::Article newer = input;
  newer.GetReflection()->MutableUnknownFields(&newer)->AddVarint(999, 7);
  StageResult result = Run(newer.SerializeAsString());
  ASSERT_EQ(result.records.size(), 1u);
  v1::TaggedArticle out;
  ASSERT_TRUE(out.ParseFromString(result.records[0].value));
  ASSERT_EQ(out.article().GetReflection()->GetUnknownFields(out.article()).field_count(), 1);
  EXPECT_EQ(out.article().GetReflection()->GetUnknownFields(out.article()).field(0).number(), 999);
}

TEST(SerializeTaggedArticleTest, ParsesAsTheWholeMessageForEveryLengthOfVarint) {
  // Article sizes whose length varint takes one, two and three bytes.
  for (size_t body_size : {10u, 200u, 20'000u}) {
    v1::Article article;
    article.set_article_id("a1");
    article.set_body(std::string(body_size, 'x') + "\xe8\x8b\xb1");
    v1::TaggedArticle rest;
    auto* mention = rest.add_mentions();
    mention->set_text("Nvidia");
    mention->set_type(v1::ENTITY_TYPE_ORG);
    rest.mutable_provenance()->set_stage("entity-tag");
    v1::TaggedArticle expected = rest;
    *expected.mutable_article() = article;

    v1::TaggedArticle parsed;
    const std::string bytes = SerializeTaggedArticle(article.SerializeAsString(), rest);
    ASSERT_TRUE(parsed.ParseFromString(bytes));
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, expected)) << body_size;
    // Into a reused buffer: its old contents are replaced, the bytes are the same.
    std::string reused(body_size * 3, 'y');
    SerializeTaggedArticle(article.SerializeAsString(), rest, &reused);
    EXPECT_EQ(reused, bytes) << body_size;
  }
}

TEST_F(TagStageTest, AResultReusedForTheNextRecordCarriesOnlyThatRecordsOutput) {
  // The stage loop clears one StageResult per record; the stage fills recycled records.
  StageResult result;
  std::vector<std::string> first_outputs;
  for (const char* body : {"Nvidia rose 5% on Monday in Santa Clara.", "Short.",
                           "Nvidia rose 5% on Monday in Santa Clara."}) {
    v1::Article article;
    article.set_article_id("a1");
    article.set_body(body);
    const std::string value = article.SerializeAsString();
    InputRecord input;
    input.value = value;
    result.Clear();
    stage_->Process(input, &result);
    ASSERT_EQ(result.records.size(), 1u);
    const StageResult fresh = Run(value);
    ASSERT_EQ(fresh.records.size(), 1u);
    EXPECT_EQ(result.records[0].value, fresh.records[0].value) << body;
    EXPECT_EQ(result.records[0].key, "a1");
    EXPECT_TRUE(result.records[0].headers.empty());
  }
}

}  // namespace
}  // namespace newsflow
