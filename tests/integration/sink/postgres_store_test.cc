// The PostgreSQL store against a real server started by scripts/local-postgres.sh: schema
// creation, idempotent upserts per batch, mentions replaced per article, reconnection after a
// lost connection, and the analysts' "articles mentioning NVDA this week" query exactly as
// docs/sink.md gives it.

#include "services/sink/stores/postgres_store.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "services/sink/sink_stage.h"
#include "tests/integration/sink/postgres_store_support.h"
#include "tests/unit/sink/sink_fixtures.h"

namespace newsflow::sink {
namespace {

namespace fx = fixtures;
using ::newsflow::testing::LocalPostgres;
using ::newsflow::testing::PgClient;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The SQL block that follows "<!-- nvda-query -->" in docs/sink.md.
std::string DocumentedNvdaQuery() {
  std::ifstream in(std::string(NEWSFLOW_SOURCE_DIR) + "/docs/sink.md");
  std::stringstream s;
  s << in.rdbuf();
  const std::string doc = s.str();
  auto marker = doc.find("<!-- nvda-query -->");
  if (marker == std::string::npos) return "";
  auto begin = doc.find("```sql\n", marker);
  auto end = doc.find("```", begin + 7);
  if (begin == std::string::npos || end == std::string::npos) return "";
  return doc.substr(begin + 7, end - begin - 7);
}

std::string Rfc3339DaysAgo(int days) {
  auto t = google::protobuf::util::TimeUtil::GetCurrentTime() -
           google::protobuf::util::TimeUtil::SecondsToDuration(int64_t{days} * 86400);
  t.set_nanos(0);
  return google::protobuf::util::TimeUtil::ToString(t);
}

// An article about Nvidia; with `ticker`, it also cites "NASDAQ: NVDA" (linked to Q-nvidia as
// the tagger's ticker rule does).
v1::TaggedArticle NvidiaArticle(const std::string& id, int days_ago, bool ticker) {
  const std::string body =
      "Nvidia (NASDAQ: NVDA) shares moved on Monday after DeepSeek released a new model.";
  auto tagged =
      fx::MakeTagged(id, "wire", "Nvidia shares move " + id, body, Rfc3339DaysAgo(days_ago),
                     {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.9f, {"Nvidia"}},
                      {"Q-deepseek", v1::ENTITY_TYPE_ORG, "DeepSeek", 0.5f, {"DeepSeek"}}});
  if (ticker) {
    auto* m = tagged.add_mentions();
    m->set_type(v1::ENTITY_TYPE_TICKER);
    m->set_text("NASDAQ: NVDA");
    m->set_start(8);
    m->set_end(20);
    m->set_entity_id("Q-nvidia");
    m->set_canonical_name("Nvidia");
    m->set_source(v1::MENTION_SOURCE_RULE);
    m->set_confidence(1.0f);
  }
  return tagged;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  // One server for the suite (starting one costs seconds); every test starts without tables, so
  // each also creates the schema.
  static void SetUpTestSuite() { server_ = new LocalPostgres(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(server_->conninfo().empty());
    PgClient(server_->conninfo())
        .Query("DROP TABLE IF EXISTS mentions, articles, entities, stories CASCADE");
    OpenStore();
  }

  void OpenStore() {
    stage_.reset();
    store_.reset();
    PostgresStoreOptions options;
    options.conninfo = server_->conninfo();
    options.max_backoff_ms = 0;
    std::string error;
    store_ = PostgresStore::Open(options, &probe_, &error);
    ASSERT_TRUE(store_) << error;
    grouper_ = std::make_unique<StoryGrouper>(StoryGrouperOptions{});
    stage_ = SinkStage::Create(SinkOptions{}, grouper_.get(), &error);
    ASSERT_TRUE(stage_) << error;
    stage_->set_stores({store_.get()});
  }

  void Process(const v1::TaggedArticle& tagged) {
    const std::string value = tagged.SerializeAsString();
    InputRecord input;
    input.value = value;
    input.timestamp_ms = 1737936000000;
    StageResult result;
    stage_->Process(input, &result);
    ASSERT_FALSE(result.dead_letter) << result.dead_letter->detail;
  }

  uint64_t Count(const LabeledCounterProbe& counter) {
    auto values = counter.Read();
    return values.count("postgres") ? values.at("postgres") : 0;
  }

  static LocalPostgres* server_;
  StoreProbe probe_;
  std::unique_ptr<PostgresStore> store_;
  std::unique_ptr<StoryGrouper> grouper_;
  std::unique_ptr<SinkStage> stage_;
};

LocalPostgres* PostgresStoreTest::server_ = nullptr;

TEST_F(PostgresStoreTest, UpsertsABatchIdempotently) {
  PgClient db(server_->conninfo());
  const std::vector<v1::TaggedArticle> batch = {fx::ReadWrite(), fx::CnbcBilingual(),
                                                fx::Observer(), fx::HarborRobotics()};
  for (const auto& tagged : batch) Process(tagged);
  EXPECT_EQ(db.Value("SELECT count(*) FROM articles"), "0") << "nothing before the commit";
  ASSERT_FALSE(stage_->PrepareCommit());

  size_t mentions = 0;
  for (const auto& tagged : batch) mentions += static_cast<size_t>(tagged.entities_size());
  auto counts = [&] {
    return db.Query(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM mentions), "
        "(SELECT count(*) FROM entities), (SELECT count(*) FROM stories)");
  };
  const auto first = counts();
  EXPECT_EQ(first[0][0], "4");
  EXPECT_EQ(first[0][1], std::to_string(mentions));
  EXPECT_EQ(first[0][3], "2") << "the three DeepSeek articles share a story";
  EXPECT_THAT(db.Query("SELECT source, title, language, story_id IS NOT NULL, "
                       "published_at = '2025-01-28T11:00:00Z' FROM articles "
                       "WHERE article_id = 'harbor-1'"),
              ElementsAre(ElementsAre("wire-daily", fx::HarborRobotics().article().title(), "en",
                                      "t", "t")));
  EXPECT_EQ(db.Value("SELECT article_count FROM stories s JOIN articles a USING (story_id) "
                     "WHERE a.article_id = 'article-1'"),
            "3");
  EXPECT_EQ(db.Value("SELECT mention_count || ' ' || array_to_string(surface_forms, '|') "
                     "FROM mentions WHERE article_id = 'harbor-1' AND entity_id = 'Q-us'"),
            "1 US");

  // The same batch again (the Kafka commit failed after the SQL commit), in a new store with
  // the schema already there: the same rows, nothing added.
  OpenStore();
  for (const auto& tagged : batch) Process(tagged);
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_EQ(counts(), first);
  EXPECT_EQ(Count(probe_.records_written), 8u);
  EXPECT_EQ(Count(probe_.commit_failures), 0u);
}

TEST_F(PostgresStoreTest, MentionsOfAReprocessedArticleAreReplaced) {
  PgClient db(server_->conninfo());
  Process(fx::HarborRobotics());
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_EQ(db.Value("SELECT count(*) FROM mentions WHERE article_id = 'harbor-1'"), "4");
  // Re-tagged with a newer model that no longer finds the amount.
  auto retagged = fx::HarborRobotics();
  retagged.mutable_entities()->RemoveLast();
  retagged.mutable_mentions()->RemoveLast();
  Process(retagged);
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_THAT(db.Query("SELECT entity_id FROM mentions WHERE article_id = 'harbor-1' "
                       "ORDER BY entity_id"),
              ElementsAre(ElementsAre("Q-harbor-robotics"), ElementsAre("Q-rotterdam"),
                          ElementsAre("Q-us")));
}

TEST_F(PostgresStoreTest, AbortedBatchWritesNothing) {
  PgClient db(server_->conninfo());
  Process(fx::ReadWrite());
  stage_->Aborted();
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_EQ(db.Value("SELECT count(*) FROM articles"), "0");
}

TEST_F(PostgresStoreTest, LostConnectionFailsTheCommitAndTheRetryReconnects) {
  PgClient db(server_->conninfo());
  db.Query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'newsflow-sink'");
  Process(fx::ReadWrite());
  auto failed = stage_->PrepareCommit();
  ASSERT_TRUE(failed);
  EXPECT_THAT(*failed, HasSubstr("store 'postgres'"));
  EXPECT_EQ(Count(probe_.commit_failures), 1u);
  stage_->Aborted();
  // The runtime re-processes the batch.
  Process(fx::ReadWrite());
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_EQ(db.Value("SELECT count(*) FROM articles WHERE article_id = 'article-1'"), "1");
}

TEST_F(PostgresStoreTest, ConnectionErrorNamesTheKeyButNotThePassword) {
  PostgresStoreOptions options;
  options.conninfo = "host=" + server_->dir() + "/missing user=nobody password=s3cret-pw dbname=x";
  std::string error;
  EXPECT_FALSE(PostgresStore::Open(options, &probe_, &error));
  EXPECT_THAT(error, HasSubstr("stores.postgres.conninfo"));
  EXPECT_THAT(error, Not(HasSubstr("s3cret-pw")));
}

TEST_F(PostgresStoreTest, DocumentedNvdaQueryFindsThisWeeksArticles) {
  const std::string query = DocumentedNvdaQuery();
  ASSERT_FALSE(query.empty()) << "docs/sink.md has no <!-- nvda-query --> sql block";
  Process(NvidiaArticle("nv-3d-ticker", 3, /*ticker=*/true));
  Process(NvidiaArticle("nv-1d-name-only", 1, /*ticker=*/false));
  Process(NvidiaArticle("nv-30d-ticker", 30, /*ticker=*/true));
  Process(fx::HarborRobotics());  // published in January 2025, no Nvidia
  auto amd = fx::MakeTagged("amd-1d", "wire", "AMD ships a chip",
                            "AMD (NASDAQ: AMD) shipped a chip on Monday.", Rfc3339DaysAgo(1),
                            {{"Q-amd", v1::ENTITY_TYPE_ORG, "AMD", 0.9f, {"AMD"}}});
  Process(amd);
  ASSERT_FALSE(stage_->PrepareCommit());

  PgClient db(server_->conninfo());
  EXPECT_EQ(db.Value("SELECT array_to_string(tickers, ',') FROM entities "
                     "WHERE entity_id = 'Q-nvidia'"),
            "NVDA");
  auto rows = db.Query(query);
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(row.at(0));
  // Newest first; the article naming only "Nvidia" counts too (the entity carries the ticker).
  EXPECT_THAT(ids, ElementsAre("nv-1d-name-only", "nv-3d-ticker"));
}

}  // namespace
}  // namespace newsflow::sink
