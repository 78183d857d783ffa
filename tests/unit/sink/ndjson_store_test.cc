#include "services/sink/stores/ndjson_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "services/sink/sink_stage.h"
#include "tests/unit/sink/sink_fixtures.h"

namespace newsflow::sink {
namespace {

namespace fs = std::filesystem;
namespace fx = fixtures;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) out.push_back(line);
  return out;
}

std::string IdOf(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS) return "<not json>";
  std::string_view id;
  if (doc["id"].get(id) != simdjson::SUCCESS) return "<no id>";
  return std::string(id);
}

class NdjsonStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ndjson-store-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    options_.dir = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A store on dir_ fed by a real SinkStage (no story grouping), as the daemon wires it.
  void OpenStore() {
    stage_.reset();
    store_.reset();
    std::string error;
    store_ = NdjsonStore::Open(options_, &probe_, &error, [this] { return now_ms_; });
    ASSERT_TRUE(store_) << error;
    stage_ = SinkStage::Create(SinkOptions{}, nullptr, &error);
    ASSERT_TRUE(stage_) << error;
    stage_->set_stores({store_.get()});
  }

  void Process(const v1::TaggedArticle& tagged) {
    const std::string value = tagged.SerializeAsString();
    InputRecord input;
    input.topic = "news.tagged";
    input.value = value;
    StageResult result;
    stage_->Process(input, &result);
    ASSERT_FALSE(result.dead_letter);
  }

  // Every segment in dir_ by name, with its lines.
  std::map<std::string, std::vector<std::string>> Segments() const {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name == ".lock") continue;
      out[name] = Lines(Slurp(e.path()));
    }
    return out;
  }

  // Article ids over all segments in segment order, one per line.
  std::vector<std::string> AllIds() const {
    std::vector<std::string> ids;
    for (const auto& [name, lines] : Segments()) {
      for (const auto& line : lines) ids.push_back(IdOf(line));
    }
    return ids;
  }

  uint64_t Count(const LabeledCounterProbe& counter) const {
    auto values = counter.Read();
    return values.count("ndjson") ? values.at("ndjson") : 0;
  }

  fs::path dir_;
  NdjsonStoreOptions options_;
  StoreProbe probe_;
  int64_t now_ms_ = 1737936000000;  // 2025-01-27T00:00:00Z
  std::unique_ptr<NdjsonStore> store_;
  std::unique_ptr<SinkStage> stage_;
};

TEST_F(NdjsonStoreTest, WritesTheEnrichedJsonOneLinePerArticleOnlyOnCommit) {
  OpenStore();
  Process(fx::ReadWrite());
  Process(fx::Observer());
  EXPECT_TRUE(Segments().empty()) << "nothing may reach the files before the commit";
  ASSERT_FALSE(stage_->PrepareCommit());

  auto segments = Segments();
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments.begin()->first, "enriched-20250127T000000Z-000001.ndjson.open");
  const auto& lines = segments.begin()->second;
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(IdOf(lines[0]), fx::ReadWrite().article().article_id());
  EXPECT_EQ(IdOf(lines[1]), fx::Observer().article().article_id());
  // The line is the news.enriched document itself.
  EXPECT_THAT(lines[0], HasSubstr("\"schema_version\":1"));
  EXPECT_THAT(lines[0], HasSubstr("\"entities\":["));
  EXPECT_EQ(Count(probe_.records_written), 2u);
}

TEST_F(NdjsonStoreTest, ReprocessedBatchAddsNoSecondLine) {
  OpenStore();
  Process(fx::ReadWrite());
  Process(fx::Observer());
  ASSERT_FALSE(stage_->PrepareCommit());
  // The Kafka commit failed after the fsync: the same batch comes again, with one new article.
  Process(fx::ReadWrite());
  Process(fx::Observer());
  Process(fx::HarborRobotics());
  Process(fx::HarborRobotics());  // twice in one batch, too
  ASSERT_FALSE(stage_->PrepareCommit());

  EXPECT_THAT(AllIds(), ElementsAre(fx::ReadWrite().article().article_id(),
                                    fx::Observer().article().article_id(),
                                    fx::HarborRobotics().article().article_id()));
  EXPECT_EQ(Count(probe_.records_written), 3u);
  EXPECT_EQ(Count(probe_.duplicates_skipped), 3u);
}

TEST_F(NdjsonStoreTest, IdsSurviveARestartAndTheOpenSegmentIsContinued) {
  OpenStore();
  Process(fx::ReadWrite());
  Process(fx::Observer());
  ASSERT_FALSE(stage_->PrepareCommit());
  // A crash before the Kafka commit: the new process restores the ids from the files.
  OpenStore();
  EXPECT_EQ(store_->stored_ids(), 2u);
  Process(fx::ReadWrite());
  Process(fx::Observer());
  Process(fx::Highlights());
  ASSERT_FALSE(stage_->PrepareCommit());

  auto segments = Segments();
  ASSERT_EQ(segments.size(), 1u) << "the open segment is appended to after a restart";
  EXPECT_THAT(AllIds(), ElementsAre(fx::ReadWrite().article().article_id(),
                                    fx::Observer().article().article_id(),
                                    fx::Highlights().article().article_id()));
}

TEST_F(NdjsonStoreTest, AbortedBatchIsDiscarded) {
  OpenStore();
  Process(fx::ReadWrite());
  stage_->Aborted();
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_TRUE(AllIds().empty());
  // Re-processed after the abort: written once, not skipped as already stored.
  Process(fx::ReadWrite());
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_THAT(AllIds(), ElementsAre(fx::ReadWrite().article().article_id()));
}

TEST_F(NdjsonStoreTest, RotatesBeforeABatchWouldExceedTheSize) {
  // Line sizes first, in a directory of their own (processed times make them vary by a few
  // bytes between runs, hence the slack).
  const fs::path measured = dir_;
  dir_ = measured.string() + "-sizes";
  options_.dir = dir_.string();
  OpenStore();
  std::vector<int64_t> sizes;
  for (const auto& tagged : {fx::ReadWrite(), fx::Observer(), fx::Highlights()}) {
    Process(tagged);
    ASSERT_FALSE(stage_->PrepareCommit());
    sizes.push_back(static_cast<int64_t>(fs::file_size(store_->open_segment())));
  }
  fs::remove_all(dir_);
  dir_ = measured;
  options_.dir = dir_.string();
  constexpr int64_t kSlack = 32;
  ASSERT_GT(sizes[2] - sizes[1], kSlack);
  // Room for the first two lines, not for the third.
  options_.max_file_bytes = sizes[1] + kSlack;
  OpenStore();
  Process(fx::ReadWrite());
  ASSERT_FALSE(stage_->PrepareCommit());
  Process(fx::Observer());
  ASSERT_FALSE(stage_->PrepareCommit());
  Process(fx::Highlights());
  ASSERT_FALSE(stage_->PrepareCommit());

  auto segments = Segments();
  ASSERT_EQ(segments.size(), 2u);
  auto first = segments.begin();
  auto second = std::next(first);
  EXPECT_EQ(first->first, "enriched-20250127T000000Z-000001.ndjson") << "closed by the rotation";
  EXPECT_EQ(first->second.size(), 2u);
  EXPECT_EQ(second->first, "enriched-20250127T000000Z-000002.ndjson.open");
  ASSERT_EQ(second->second.size(), 1u);
  EXPECT_EQ(IdOf(second->second[0]), fx::Highlights().article().article_id());
  for (const auto& [name, lines] : segments) {
    EXPECT_LE(static_cast<int64_t>(fs::file_size(dir_ / name)), options_.max_file_bytes) << name;
  }
}

TEST_F(NdjsonStoreTest, RotatesByAgeAtTheFirstCommitAfterIt) {
  options_.max_file_age_s = 3600;
  OpenStore();
  Process(fx::ReadWrite());
  ASSERT_FALSE(stage_->PrepareCommit());
  now_ms_ += 3599 * 1000;
  Process(fx::Observer());
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_EQ(Segments().size(), 1u) << "not old enough yet";
  now_ms_ += 1000;
  Process(fx::Highlights());
  ASSERT_FALSE(stage_->PrepareCommit());

  auto segments = Segments();
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments.begin()->first, "enriched-20250127T000000Z-000001.ndjson");
  EXPECT_EQ(segments.begin()->second.size(), 2u);
  EXPECT_EQ(std::next(segments.begin())->first, "enriched-20250127T010000Z-000002.ndjson.open");
}

TEST_F(NdjsonStoreTest, AgeSurvivesARestartThroughTheSegmentName) {
  options_.max_file_age_s = 60;
  OpenStore();
  Process(fx::ReadWrite());
  ASSERT_FALSE(stage_->PrepareCommit());
  now_ms_ += 61 * 1000;
  OpenStore();
  Process(fx::Observer());
  ASSERT_FALSE(stage_->PrepareCommit());
  auto segments = Segments();
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments.begin()->first, "enriched-20250127T000000Z-000001.ndjson");
  EXPECT_EQ(std::next(segments.begin())->first, "enriched-20250127T000101Z-000002.ndjson.open");
}

TEST_F(NdjsonStoreTest, PartialLastLineIsCutOffAtOpen) {
  OpenStore();
  Process(fx::ReadWrite());
  ASSERT_FALSE(stage_->PrepareCommit());
  const std::string path = store_->open_segment();
  const std::string committed = Slurp(path);
  store_.reset();
  stage_.reset();
  {
    // A crash in the middle of writing the next batch (before its fsync and Kafka commit).
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << "{\"schema_version\":1,\"id\":\"" << fx::Observer().article().article_id()
        << "\",\"url\":";
  }
  OpenStore();
  EXPECT_EQ(Slurp(path), committed);
  EXPECT_EQ(store_->stored_ids(), 1u) << "the partial article is not counted as stored";
  Process(fx::Observer());
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_THAT(AllIds(), ElementsAre(fx::ReadWrite().article().article_id(),
                                    fx::Observer().article().article_id()));
}

TEST_F(NdjsonStoreTest, ClosedSegmentsAlsoCountAsStored) {
  options_.max_file_age_s = 1;
  OpenStore();
  Process(fx::ReadWrite());
  ASSERT_FALSE(stage_->PrepareCommit());
  now_ms_ += 2000;
  Process(fx::Observer());
  ASSERT_FALSE(stage_->PrepareCommit());
  OpenStore();
  EXPECT_EQ(store_->stored_ids(), 2u);
  Process(fx::ReadWrite());
  ASSERT_FALSE(stage_->PrepareCommit());
  EXPECT_EQ(AllIds().size(), 2u);
}

TEST_F(NdjsonStoreTest, OneWriterPerDirectory) {
  OpenStore();
  std::string error;
  EXPECT_FALSE(NdjsonStore::Open(options_, &probe_, &error));
  EXPECT_THAT(error, HasSubstr("stores.ndjson.dir"));
  EXPECT_THAT(error, HasSubstr("in use"));
  stage_.reset();
  store_.reset();
  EXPECT_TRUE(NdjsonStore::Open(options_, &probe_, &error)) << error;
}

TEST_F(NdjsonStoreTest, InvalidOptionsNameTheKey) {
  std::string error;
  NdjsonStoreOptions options;
  EXPECT_FALSE(NdjsonStore::Open(options, &probe_, &error));
  EXPECT_THAT(error, HasSubstr("stores.ndjson.dir"));
  options.dir = dir_.string();
  options.prefix = "a/b";
  EXPECT_FALSE(NdjsonStore::Open(options, &probe_, &error));
  EXPECT_THAT(error, HasSubstr("stores.ndjson.prefix"));
  options.prefix = "enriched";
  options.max_file_bytes = 0;
  EXPECT_FALSE(NdjsonStore::Open(options, &probe_, &error));
  EXPECT_THAT(error, HasSubstr("stores.ndjson.max_file_bytes"));
}

}  // namespace
}  // namespace newsflow::sink
