// All four daemons against the real broker on the repository's fixture articles (three outlets'
// versions of one story, one bilingual, boilerplate, a ticker): ingest backfills the files,
// normalize, entity-tag and sink run as daemons, and what downstream consumers read on
// news.enriched, news.entity-mentions and news.stories is checked, including against the JSON
// Schemas in docs/schema/.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <filesystem>
#include <set>

#include "tests/support/kafka_test_client.h"
#include "tests/support/pipeline_daemons.h"
#include "tests/unit/sink/json_schema_check.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;

TEST(PipelineTest, FixtureArticlesFlowThroughAllFourDaemons) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string run = "e2e" + std::to_string(getpid());
  const PipelineTopics topics(run);
  const std::string &raw = topics.raw, &enriched = topics.enriched, &mentions = topics.mentions,
                    &stories = topics.stories, &dlq = topics.dlq;
  auto start = [&](const std::string& name) {
    return std::make_unique<DaemonProcess>(BinaryDir() + "/newsflow-" + name,
                                           PipelineDaemonArgs(name, bootstrap, topics, run));
  };
  auto normalize = start("normalize");
  auto tag = start("entity-tag");
  auto sink = start("sink");
  for (auto* daemon : {normalize.get(), tag.get(), sink.get()}) {
    ASSERT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
  }

  const std::string fixtures = SourceDir() + "/tests/fixtures/articles";
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fixtures)) {
    files += entry.is_regular_file();
  }
  std::string output;
  ASSERT_EQ(RunCommand(BinaryDir() + "/newsflow-ingest --config " + SourceDir() +
                           "/config/ingest.yaml --kafka.bootstrap_servers=" + bootstrap +
                           " --kafka.instance_id=" + run + " --ingest.raw_topic=" + raw +
                           " --ingest.seen_topic=" + run +
                           ".seen --http.port=0"
                           " --push.enabled=false --files.backfill_dir=" +
                           fixtures + " 2>&1",
                       &output),
            0)
      << output;

  KafkaTestClient client(bootstrap);
  auto records = client.ReadAll(enriched, files, 3000);
  ASSERT_EQ(records.size(), files) << normalize->Log() << tag->Log() << sink->Log();
  const std::string schema = ReadRepositoryFile("docs/schema/enriched-article.schema.json");
  std::set<std::string> story_ids, ids, entity_ids;
  bool saw_chinese = false, saw_money = false;
  simdjson::ondemand::parser parser;
  for (const auto& record : records) {
    EXPECT_THAT(ValidateJson(schema, record.value), ::testing::IsEmpty()) << record.value;
    EXPECT_THAT(record.value, Not(HasSubstr("appeared first on")));
    EXPECT_THAT(record.value, Not(HasSubstr("Featured image")));
    EXPECT_THAT(record.value, Not(HasSubstr("Five robotics start-ups")));
    simdjson::padded_string padded(record.value);
    simdjson::ondemand::document doc = parser.iterate(padded);
    std::string_view id = doc["id"].get_string().value();
    std::string_view story = doc["story_id"].get_string().value();
    EXPECT_EQ(record.key, id);
    ids.insert(std::string(id));
    story_ids.insert(std::string(story));
    for (auto entity : doc["entities"].get_array()) {
      std::string_view name = entity["name"].get_string().value();
      std::string_view type = entity["type"].get_string().value();
      entity_ids.insert(std::string(type) + ":" + std::string(name));
      if (type == "money") saw_money = true;
    }
    std::string_view language = doc["language"].get_string().value();
    if (language == "zh") saw_chinese = true;
  }
  EXPECT_EQ(ids.size(), files) << "each article exactly once";
  EXPECT_EQ(story_ids.size(), 1u) << "three outlets' versions of one event share a story";
  EXPECT_TRUE(saw_money);
  EXPECT_TRUE(entity_ids.count("person:Lena Vos")) << ::testing::PrintToString(entity_ids);
  EXPECT_TRUE(entity_ids.count("location:Singapore")) << ::testing::PrintToString(entity_ids);
  (void)saw_chinese;  // outlet-b is bilingual; its dominant language may be either

  auto mention_records = client.ReadAll(mentions, 5, 3000);
  EXPECT_GE(mention_records.size(), 5u);
  const std::string mention_schema = ReadRepositoryFile("docs/schema/entity-mention.schema.json");
  for (const auto& record : mention_records) {
    EXPECT_THAT(ValidateJson(mention_schema, record.value), ::testing::IsEmpty()) << record.value;
  }
  auto story_records = client.ReadAll(stories, 1, 3000);
  ASSERT_GE(story_records.size(), 1u);
  EXPECT_EQ(story_records.back().key, *story_ids.begin());
  EXPECT_THAT(story_records.back().value, HasSubstr("\"article_count\":" + std::to_string(files)));
  EXPECT_TRUE(client.ReadAll(dlq, 1, 1000, 3000).empty()) << "no dead letters";

  for (auto* daemon : {normalize.get(), tag.get(), sink.get()}) {
    daemon->Signal(SIGTERM);
    EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
  }
}

}  // namespace
}  // namespace newsflow::testing
