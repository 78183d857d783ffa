// Golden tests: the project's fixture articles against clean text written by hand
// (tests/fixtures/articles-expected/). A change in hygiene, headline detection or boilerplate
// rules that alters any of them fails here with the full text shown.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/raw_article.pb.h"
#include "services/normalize/normalize_stage.h"

namespace newsflow {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(NormalizeGoldenTest, FixtureArticlesMatchTheHandWrittenCleanText) {
  const std::filesystem::path root = NEWSFLOW_SOURCE_DIR;
  size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root / "tests/fixtures/articles")) {
    SCOPED_TRACE(entry.path().filename().string());
    std::filesystem::path expected_path =
        root / "tests/fixtures/articles-expected" / entry.path().filename();
    ASSERT_TRUE(std::filesystem::exists(expected_path)) << "no golden file for this fixture";
    std::string expected = ReadFile(expected_path);
    size_t first_newline = expected.find('\n');
    std::string title = expected.substr(0, first_newline);
    std::string body = expected.substr(first_newline + 2);
    while (!body.empty() && body.back() == '\n') body.pop_back();

    std::string error;
    auto stage = NormalizeStage::Create(NormalizeOptions{}, nullptr, &error);
    ASSERT_TRUE(stage) << error;
    v1::RawArticle raw;
    raw.set_article_id(entry.path().filename().string());
    raw.set_content(ReadFile(entry.path()));
    raw.set_content_type("text/plain; charset=utf-8");
    std::string bytes = raw.SerializeAsString();
    InputRecord input;
    input.value = bytes;
    StageResult result;
    stage->Process(input, &result);
    ASSERT_FALSE(result.dead_letter) << result.dead_letter->reason;
    ASSERT_EQ(result.records.size(), 1u);
    v1::Article article;
    ASSERT_TRUE(article.ParseFromString(result.records[0].value));
    EXPECT_EQ(article.title(), title);
    EXPECT_EQ(article.body(), body);
    ++checked;
  }
  EXPECT_GE(checked, 3u);
}

}  // namespace
}  // namespace newsflow
