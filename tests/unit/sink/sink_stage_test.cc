#include "services/sink/sink_stage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "newsflow/v1/enriched_article.pb.h"
#include "newsflow/v1/story_membership.pb.h"
#include "services/sink/enriched_json.h"
#include "tests/unit/sink/json_schema_check.h"
#include "tests/unit/sink/sink_fixtures.h"

namespace newsflow::sink {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SinkStageTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(SinkOptions{}); }

  void Build(SinkOptions options) {
    grouper_ = std::make_unique<StoryGrouper>(StoryGrouperOptions{});
    std::string error;
    stage_ = SinkStage::Create(std::move(options), grouper_.get(), &error);
    ASSERT_TRUE(stage_) << error;
  }

  StageResult Run(const std::string& value, int64_t timestamp_ms = 1737936000000) {
    value_ = value;
    InputRecord input;
    input.topic = "news.tagged";
    input.key = "k";
    input.value = value_;
    input.timestamp_ms = timestamp_ms;
    StageResult result;
    stage_->Process(input, &result);
    return result;
  }
  StageResult Run(const v1::TaggedArticle& tagged) { return Run(tagged.SerializeAsString()); }

  static std::vector<const OutputRecord*> On(const StageResult& result, const std::string& topic) {
    std::vector<const OutputRecord*> out;
    for (const auto& r : result.records) {
      if (r.topic == topic) out.push_back(&r);
    }
    return out;
  }

  static void ExpectValid(const std::string& schema_file, const std::string& json) {
    auto errors =
        testing::ValidateJson(testing::ReadRepositoryFile("docs/schema/" + schema_file), json);
    EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors) << "\n" << json;
  }

  // A TaggedArticle with every field set, and text that needs escaping.
  static v1::TaggedArticle Everything() {
    auto tagged = fixtures::CnbcBilingual();
    auto* a = tagged.mutable_article();
    a->set_title("Nvidia calls \"DeepSeek\" R1 \\ excellent\ttab");
    a->set_author("Jane Doe");
    a->set_language("en");
    auto* s1 = a->add_segments();
    s1->set_language("en"), s1->set_start(0), s1->set_end(150);
    auto* s2 = a->add_segments();
    s2->set_language("zh"), s2->set_start(152), s2->set_end(200);
    auto* t1 = a->add_texts();
    t1->set_language("en"), t1->set_text("English part");
    auto* t2 = a->add_texts();
    t2->set_language("zh"), t2->set_text("中文部分");
    a->mutable_ingested()->set_seconds(1738029600);  // 2025-01-28T02:00:00Z
    a->mutable_normalized()->set_seconds(1738029601);
    a->mutable_normalized()->set_nanos(500000000);
    a->set_near_duplicate_of("article-0");
    a->set_word_count(42);
    a->set_reading_time_seconds(11);
    auto* money = tagged.add_mentions();
    money->set_type(v1::ENTITY_TYPE_MONEY), money->set_text("$6 million");
    money->set_start(3), money->set_end(13), money->set_source(v1::MENTION_SOURCE_RULE);
    money->set_confidence(1);
    money->mutable_money()->set_amount(6000000), money->mutable_money()->set_currency("USD");
    auto* percent = tagged.add_mentions();
    percent->set_type(v1::ENTITY_TYPE_PERCENT), percent->set_text("17%");
    percent->set_start(20), percent->set_end(23), percent->set_source(v1::MENTION_SOURCE_RULE);
    percent->set_confidence(1), percent->mutable_percent()->set_value(17);
    return tagged;
  }

  std::unique_ptr<StoryGrouper> grouper_;
  std::unique_ptr<SinkStage> stage_;
  std::string value_;
};

TEST_F(SinkStageTest, EnrichedJsonCarriesEveryFieldAndMatchesTheSchema) {
  auto result = Run(Everything());
  ASSERT_FALSE(result.dead_letter) << result.dead_letter->detail;
  auto enriched = On(result, "news.enriched");
  ASSERT_EQ(enriched.size(), 1u);
  EXPECT_EQ(enriched[0]->key, "article-2");
  EXPECT_THAT(enriched[0]->headers, ::testing::Contains(std::pair<std::string, std::string>(
                                        "content-type", "application/json")));
  const std::string& json = enriched[0]->value;
  ExpectValid("enriched-article.schema.json", json);

  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  EXPECT_EQ(int64_t(doc["schema_version"]), 1);
  EXPECT_EQ(std::string_view(doc["id"]), "article-2");
  EXPECT_EQ(std::string_view(doc["url"]), "https://cnbc.example/article-2");
  EXPECT_EQ(std::string_view(doc["canonical_url"]), "https://cnbc.example/article-2");
  EXPECT_EQ(std::string_view(doc["source"]), "cnbc");
  EXPECT_EQ(std::string_view(doc["title"]), "Nvidia calls \"DeepSeek\" R1 \\ excellent\ttab");
  EXPECT_EQ(std::string_view(doc["author"]), "Jane Doe");
  EXPECT_EQ(std::string_view(doc["body"]), Everything().article().body());
  EXPECT_EQ(std::string_view(doc["language"]), "en");
  EXPECT_EQ(std::string_view(doc["segments"].at(1)["language"]), "zh");
  EXPECT_EQ(int64_t(doc["segments"].at(1)["start"]), 152);
  EXPECT_EQ(int64_t(doc["segments"].at(1)["end"]), 200);
  EXPECT_EQ(std::string_view(doc["texts"].at(1)["text"]), "中文部分");
  EXPECT_EQ(std::string_view(doc["published"]), "2025-01-28T02:00:00Z");
  EXPECT_EQ(std::string_view(doc["ingested"]), "2025-01-28T02:00:00Z");
  EXPECT_EQ(std::string_view(doc["normalized"]), "2025-01-28T02:00:01.500Z");
  EXPECT_THAT(std::string(std::string_view(doc["processed"])), ::testing::EndsWith("Z"));
  EXPECT_EQ(int64_t(doc["word_count"]), 42);
  EXPECT_EQ(int64_t(doc["reading_time_seconds"]), 11);
  EXPECT_EQ(std::string_view(doc["near_duplicate_of"]), "article-0");
  EXPECT_EQ(std::string_view(doc["story_id"]), StoryIdFor("article-2"));

  simdjson::dom::array entities = doc["entities"];
  ASSERT_EQ(entities.size(), 9u);  // 7 summaries + the unlinked money and percent mentions
  simdjson::dom::element nvidia = entities.at(0);
  EXPECT_EQ(std::string_view(nvidia["id"]), "Q-nvidia");
  EXPECT_EQ(std::string_view(nvidia["type"]), "org");
  EXPECT_EQ(std::string_view(nvidia["name"]), "Nvidia");
  EXPECT_EQ(int64_t(nvidia["count"]), 2);
  EXPECT_NEAR(double(nvidia["salience"]), 0.9, 1e-9);  // written as the float's shortest form
  simdjson::dom::array mentions = nvidia["mentions"];
  ASSERT_EQ(mentions.size(), 2u);
  EXPECT_EQ(std::string_view(mentions.at(1)["text"]), "輝達");
  EXPECT_EQ(std::string_view(mentions.at(1)["source"]), "knowledge_base");
  EXPECT_NEAR(double(mentions.at(1)["confidence"]), 0.9, 1e-9);
  // The Chinese mention's offsets are code points: the text at them is the mention.
  EXPECT_LE(int64_t(mentions.at(1)["end"]),
            static_cast<int64_t>(fixtures::CodePoints(Everything().article().body())));

  simdjson::dom::element money = entities.at(7);
  EXPECT_EQ(std::string_view(money["id"]), "money:$6 million");
  EXPECT_EQ(std::string_view(money["type"]), "money");
  EXPECT_EQ(int64_t(money["count"]), 1);
  EXPECT_EQ(double(money["mentions"].at(0)["money"]["amount"]), 6000000.0);
  EXPECT_EQ(std::string_view(money["mentions"].at(0)["money"]["currency"]), "USD");
  EXPECT_EQ(std::string_view(money["mentions"].at(0)["source"]), "rule");
  EXPECT_EQ(double(entities.at(8)["mentions"].at(0)["percent"]), 17.0);
  EXPECT_THAT(json, HasSubstr(R"("amount":6000000,)"));
}

TEST_F(SinkStageTest, MissingOptionalFieldsAreNull) {
  auto tagged = fixtures::Highlights();
  auto* a = tagged.mutable_article();
  a->clear_url(), a->clear_canonical_url(), a->clear_published();
  auto result = Run(tagged);
  const std::string& json = On(result, "news.enriched").at(0)->value;
  ExpectValid("enriched-article.schema.json", json);
  EXPECT_THAT(json, HasSubstr(R"("url":null,"canonical_url":null)"));
  EXPECT_THAT(json, HasSubstr(R"("published":null,"ingested":null,"normalized":null)"));
  EXPECT_THAT(json, HasSubstr(R"("near_duplicate_of":null)"));
  EXPECT_THAT(json, HasSubstr(R"("title":"")"));
}

TEST_F(SinkStageTest, OneEntityMentionsRecordPerEntityKeyedByEntityId) {
  auto result = Run(fixtures::CnbcBilingual());
  auto records = On(result, "news.entity-mentions");
  std::vector<std::string> keys;
  for (const auto* r : records) {
    keys.push_back(r->key);
    ExpectValid("entity-mention.schema.json", r->value);
  }
  EXPECT_THAT(keys, ElementsAre("Q-nvidia", "Q-deepseek", "Q-deepseek-r1", "Q-china", "Q-cnbc",
                                "Q-alexandr-wang", "Q-scale-ai"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(records[0]->value);
  EXPECT_EQ(std::string_view(doc["entity"]["id"]), "Q-nvidia");
  EXPECT_EQ(std::string_view(doc["entity"]["type"]), "org");
  EXPECT_EQ(std::string_view(doc["entity"]["name"]), "Nvidia");
  EXPECT_EQ(std::string_view(doc["article"]["id"]), "article-2");
  EXPECT_EQ(std::string_view(doc["article"]["title"]), fixtures::CnbcBilingual().article().title());
  EXPECT_EQ(std::string_view(doc["article"]["url"]), "https://cnbc.example/article-2");
  EXPECT_EQ(std::string_view(doc["article"]["source"]), "cnbc");
  EXPECT_EQ(std::string_view(doc["article"]["published"]), "2025-01-28T02:00:00Z");
  EXPECT_EQ(std::string_view(doc["article"]["story_id"]), StoryIdFor("article-2"));
  EXPECT_EQ(int64_t(doc["mention_count"]), 2);
  EXPECT_NEAR(double(doc["salience"]), 0.9, 1e-9);
  simdjson::dom::array spans = doc["mentions"];
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(std::string_view(spans.at(0)["text"]), "Nvidia");
  EXPECT_EQ(int64_t(spans.at(0)["start"]), 0);
  EXPECT_EQ(int64_t(spans.at(0)["end"]), 6);
}

TEST_F(SinkStageTest, UnlinkedMentionsAttachToTheirSummaryByName) {
  auto tagged = fixtures::ReadWrite();
  for (auto& m : *tagged.mutable_mentions()) {
    if (m.text() == "CNBC") m.clear_entity_id(), m.clear_canonical_name();
  }
  auto entities = EntitiesOf(tagged);
  auto cnbc = std::find_if(entities.begin(), entities.end(),
                           [](const auto& e) { return e.id == "Q-cnbc"; });
  ASSERT_NE(cnbc, entities.end());
  ASSERT_EQ(cnbc->mentions.size(), 1u);
  EXPECT_EQ(cnbc->mentions[0]->text(), "CNBC");
  EXPECT_EQ(entities.size(), static_cast<size_t>(tagged.entities_size()));
}

TEST_F(SinkStageTest, StorySnapshotAndChangelogInTheSameResult) {
  Run(fixtures::ReadWrite());
  auto result = Run(fixtures::CnbcBilingual());
  auto stories = On(result, "news.stories");
  ASSERT_EQ(stories.size(), 1u);
  EXPECT_EQ(stories[0]->key, StoryIdFor("article-1"));
  ExpectValid("story.schema.json", stories[0]->value);
  simdjson::dom::parser parser;
  simdjson::dom::element story = parser.parse(stories[0]->value);
  EXPECT_EQ(int64_t(story["article_count"]), 2);
  EXPECT_EQ(std::string_view(story["articles"].at(0)["id"]), "article-2");  // earliest first
  EXPECT_EQ(std::string_view(story["headline"]), fixtures::CnbcBilingual().article().title());
  EXPECT_EQ(std::string_view(story["first_seen"]), "2025-01-28T02:00:00Z");
  EXPECT_EQ(std::string_view(story["last_seen"]), "2025-01-28T09:00:00Z");
  EXPECT_EQ(std::string_view(story["sources"].at(0)), "cnbc");
  EXPECT_EQ(std::string_view(story["top_entities"].at(0)["id"]), "Q-nvidia");

  auto changelog = On(result, "news.sink.stories-state");
  ASSERT_EQ(changelog.size(), 1u);
  EXPECT_EQ(changelog[0]->key, "article-2");
  v1::StoryMembership membership;
  ASSERT_TRUE(membership.ParseFromString(changelog[0]->value));
  EXPECT_EQ(membership.story_id(), StoryIdFor("article-1"));
  EXPECT_EQ(membership.source(), "cnbc");

  EXPECT_EQ(stage_->probe().stories_created.load(), 1u);
  EXPECT_EQ(stage_->probe().stories_joined.load(), 1u);
  auto counts = stage_->probe().records_by_output.Read();
  EXPECT_EQ(counts["enriched"], 2u);
  EXPECT_EQ(counts["stories"], 2u);
  EXPECT_EQ(counts["entity_mentions"], 14u);
}

TEST_F(SinkStageTest, ProtobufFormat) {
  SinkOptions options;
  options.enriched_format = "protobuf";
  Build(options);
  auto result = Run(fixtures::Observer());
  auto enriched = On(result, "news.enriched");
  ASSERT_EQ(enriched.size(), 1u);
  v1::EnrichedArticle article;
  ASSERT_TRUE(article.ParseFromString(enriched[0]->value));
  EXPECT_EQ(article.schema_version(), 1u);
  EXPECT_EQ(article.article().article_id(), "article-3");
  EXPECT_EQ(article.story_id(), StoryIdFor("article-3"));
  EXPECT_EQ(article.entities_size(), fixtures::Observer().entities_size());
  EXPECT_EQ(article.provenance().stage(), "sink");
  EXPECT_TRUE(article.has_processed());
}

// Internal topics leave `texts` out when the body is in one language; what the sink publishes
// has it filled again, in both formats.
TEST_F(SinkStageTest, SingleLanguageBodyIsPublishedAsTheOneText) {
  auto tagged = fixtures::Observer();
  tagged.mutable_article()->clear_texts();
  tagged.mutable_article()->set_language("en");
  tagged.mutable_article()->set_single_language_body(true);

  Build(SinkOptions{});
  StageResult json_result = Run(tagged);
  auto json = On(json_result, "news.enriched");
  ASSERT_EQ(json.size(), 1u);
  ExpectValid("enriched-article.schema.json", json[0]->value);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json[0]->value);
  ASSERT_EQ(simdjson::dom::array(doc["texts"]).size(), 1u);
  EXPECT_EQ(std::string_view(doc["texts"].at(0)["language"]), "en");
  EXPECT_EQ(std::string_view(doc["texts"].at(0)["text"]), tagged.article().body());

  SinkOptions options;
  options.enriched_format = "protobuf";
  Build(options);
  StageResult proto_result = Run(tagged);
  auto proto = On(proto_result, "news.enriched");
  ASSERT_EQ(proto.size(), 1u);
  v1::EnrichedArticle article;
  ASSERT_TRUE(article.ParseFromString(proto[0]->value));
  ASSERT_EQ(article.article().texts_size(), 1);
  EXPECT_EQ(article.article().texts(0).language(), "en");
  EXPECT_EQ(article.article().texts(0).text(), tagged.article().body());
  EXPECT_FALSE(article.article().single_language_body());
}

TEST_F(SinkStageTest, RejectsUnknownFormat) {
  SinkOptions options;
  options.enriched_format = "xml";
  std::string error;
  EXPECT_FALSE(SinkStage::Create(options, nullptr, &error));
  EXPECT_THAT(error, HasSubstr("sink.enriched_format"));
}

TEST_F(SinkStageTest, WithoutGrouperNoStories) {
  std::string error;
  stage_ = SinkStage::Create(SinkOptions{}, nullptr, &error);
  auto result = Run(fixtures::ReadWrite());
  EXPECT_TRUE(On(result, "news.stories").empty());
  EXPECT_TRUE(On(result, "news.sink.stories-state").empty());
  EXPECT_THAT(On(result, "news.enriched").at(0)->value, HasSubstr(R"("story_id":null)"));
}

TEST_F(SinkStageTest, BadInputIsADeadLetterWithAPreciseReason) {
  auto garbage = Run(std::string("\xff\xfe not a protobuf"));
  ASSERT_TRUE(garbage.dead_letter);
  EXPECT_EQ(garbage.dead_letter->reason, "invalid_protobuf");
  EXPECT_TRUE(garbage.records.empty());

  v1::TaggedArticle empty;
  empty.add_mentions()->set_text("x");
  EXPECT_EQ(Run(empty).dead_letter->reason, "missing_article");

  auto no_id = fixtures::ReadWrite();
  no_id.mutable_article()->clear_article_id();
  EXPECT_EQ(Run(no_id).dead_letter->reason, "missing_article_id");

  auto bad_span = fixtures::ReadWrite();
  bad_span.mutable_mentions(0)->set_end(100000);
  auto rejected = Run(bad_span);
  ASSERT_TRUE(rejected.dead_letter);
  EXPECT_EQ(rejected.dead_letter->reason, "invalid_mention_span");
  EXPECT_THAT(rejected.dead_letter->detail, HasSubstr("100000"));
  auto reversed = fixtures::ReadWrite();
  reversed.mutable_mentions(0)->set_start(5), reversed.mutable_mentions(0)->set_end(2);
  EXPECT_EQ(Run(reversed).dead_letter->reason, "invalid_mention_span");
  // Nothing was grouped from rejected input.
  EXPECT_EQ(grouper_->member_count(), 0u);
}

TEST_F(SinkStageTest, ReprocessedArticleKeepsItsStoryAndRewritesItsMembership) {
  auto first = Run(fixtures::ReadWrite());
  auto again = Run(fixtures::ReadWrite());
  EXPECT_EQ(On(again, "news.sink.stories-state").size(), 1u);
  EXPECT_EQ(On(first, "news.stories").at(0)->key, On(again, "news.stories").at(0)->key);
  EXPECT_EQ(stage_->probe().articles_regrouped.load(), 1u);
}

// The acceptance situation end to end through the stage: 1, 2, 3, 5 one story, 4 its own.
TEST_F(SinkStageTest, ReferenceStoryGroupsAsExpected) {
  std::map<std::string, std::string> story_of;
  for (const auto& tagged : {fixtures::ReadWrite(), fixtures::CnbcBilingual(), fixtures::Observer(),
                             fixtures::Highlights(), fixtures::FollowUpInterview()}) {
    auto result = Run(tagged);
    ASSERT_FALSE(result.dead_letter);
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(On(result, "news.enriched").at(0)->value);
    story_of[tagged.article().article_id()] = std::string(std::string_view(doc["story_id"]));
  }
  EXPECT_EQ(story_of["article-2"], story_of["article-1"]);
  EXPECT_EQ(story_of["article-3"], story_of["article-1"]);
  EXPECT_EQ(story_of["article-5"], story_of["article-1"]);
  EXPECT_NE(story_of["article-4"], story_of["article-1"]);
}

// The stage loop reuses one StageResult (Clear() between inputs): each article's records are
// exactly those a fresh result gets, whatever the previous article emitted into the recycled
// buffers (more entities, a dead letter, a longer body).
TEST(SinkStageReuseTest, AReusedResultHoldsExactlyWhatAFreshOneDoes) {
  std::vector<v1::TaggedArticle> articles = {
      fixtures::CnbcBilingual(), fixtures::ReadWrite(),      fixtures::Observer(),
      fixtures::Highlights(),    fixtures::HarborRobotics(), fixtures::FollowUpInterview()};
  v1::TaggedArticle bad = fixtures::ReadWrite();
  bad.mutable_article()->clear_article_id();
  articles.insert(articles.begin() + 2, bad);
  articles.push_back(fixtures::CnbcBilingual());  // already grouped: regrouped
  StoryGrouper fresh_grouper{StoryGrouperOptions{}}, reused_grouper{StoryGrouperOptions{}};
  std::string error;
  auto fresh_stage = SinkStage::Create(SinkOptions{}, &fresh_grouper, &error);
  auto reused_stage = SinkStage::Create(SinkOptions{}, &reused_grouper, &error);
  ASSERT_TRUE(fresh_stage && reused_stage) << error;
  StageResult reused;
  for (const auto& tagged : articles) {
    const std::string bytes = tagged.SerializeAsString();
    InputRecord input;
    input.value = bytes;
    input.timestamp_ms = 1737936000000;
    StageResult fresh;
    fresh_stage->Process(input, &fresh);
    reused.Clear();
    reused_stage->Process(input, &reused);
    ASSERT_EQ(reused.dead_letter.has_value(), fresh.dead_letter.has_value());
    ASSERT_EQ(reused.records.size(), fresh.records.size()) << tagged.article().article_id();
    for (size_t i = 0; i < fresh.records.size(); ++i) {
      const OutputRecord& r = reused.records[i];
      const OutputRecord& f = fresh.records[i];
      EXPECT_EQ(r.topic, f.topic);
      EXPECT_EQ(r.key, f.key);
      EXPECT_EQ(r.headers, f.headers);
      if (r.topic == "news.enriched") {
        // "processed" is the wall clock: compare around it.
        const size_t at = f.value.find("\"processed\":");
        ASSERT_NE(at, std::string::npos);
        EXPECT_EQ(r.value.substr(0, at), f.value.substr(0, at));
        EXPECT_EQ(r.value.substr(r.value.find(',', at)), f.value.substr(f.value.find(',', at)));
      } else {
        EXPECT_EQ(r.value, f.value) << r.topic << " " << r.key;
      }
    }
  }
}

}  // namespace
}  // namespace newsflow::sink

namespace newsflow::sink {
namespace {

TEST(SinkLatencyTest, EndToEndLatencyIsObservedFromTheIngestTime) {
  std::string error;
  auto stage = SinkStage::Create(SinkOptions{}, nullptr, &error);
  ASSERT_TRUE(stage) << error;
  v1::TaggedArticle tagged = fixtures::ReadWrite();
  auto now = google::protobuf::util::TimeUtil::GetCurrentTime();
  *tagged.mutable_article()->mutable_ingested() =
      now - google::protobuf::util::TimeUtil::MillisecondsToDuration(1500);
  std::string bytes = tagged.SerializeAsString();
  InputRecord input;
  input.value = bytes;
  StageResult result;
  stage->Process(input, &result);
  ASSERT_FALSE(result.dead_letter);
  auto snapshot = stage->probe().end_to_end_latency.Read();
  ASSERT_EQ(snapshot.count, 1u);
  EXPECT_GE(snapshot.sum, 1.5);
  EXPECT_LT(snapshot.sum, 60);

  tagged.mutable_article()->clear_ingested();  // unknown ingest time: not counted
  bytes = tagged.SerializeAsString();
  input.value = bytes;
  StageResult second;
  stage->Process(input, &second);
  EXPECT_EQ(stage->probe().end_to_end_latency.Read().count, 1u);
}

}  // namespace
}  // namespace newsflow::sink
