#include "services/ingest/json_article.h"

#include <gtest/gtest.h>

#include <string>

namespace newsflow::ingest {
namespace {

const char kGood[] =
    R"({"id":"a-1","url":"https://news.example/a","title":"T","body":"Text.","source":"Example",)"
    R"("published":"2025-01-14T08:00:00+01:00","author":"Ann","language":"en","guid":"g-1"})";

// The single error of a one-line batch, as JSON.
std::string OnlyError(const ArticleBatch& b) {
  EXPECT_EQ(b.errors.size(), 1u);
  EXPECT_TRUE(b.articles.empty());
  return b.errors.empty() ? "" : ArticleErrorToJson(b.errors[0]);
}

TEST(JsonArticleTest, AcceptsACompleteArticle) {
  const ArticleBatch b = ParseArticleObject(kGood);
  ASSERT_TRUE(b.errors.empty()) << ArticleErrorToJson(b.errors[0]);
  ASSERT_EQ(b.articles.size(), 1u);
  const PushedArticle& a = b.articles[0];
  EXPECT_EQ(a.id.value_or(""), "a-1");
  EXPECT_EQ(a.url, "https://news.example/a");
  EXPECT_EQ(a.title, "T");
  EXPECT_EQ(a.body, "Text.");
  EXPECT_EQ(a.source, "Example");
  EXPECT_EQ(a.published.value_or(0), 1736838000);
  EXPECT_EQ(a.author, "Ann");
  EXPECT_EQ(a.language.value_or(""), "en");
  EXPECT_EQ(a.guid.value_or(""), "g-1");
  EXPECT_EQ(a.line, 1u);
}

TEST(JsonArticleTest, MinimalArticleWithHtml) {
  const ArticleBatch b =
      ParseArticleObject(R"({"url":"http://x.example/","html":"<p>Hi</p>","id":42})");
  ASSERT_EQ(b.articles.size(), 1u);
  EXPECT_EQ(b.articles[0].html, "<p>Hi</p>");
  EXPECT_EQ(b.articles[0].id.value_or(""), "42");
  EXPECT_FALSE(b.articles[0].published.has_value());
  EXPECT_FALSE(b.articles[0].language.has_value());
}

TEST(JsonArticleTest, EpochPublished) {
  ArticleBatch b =
      ParseArticleObject(R"({"url":"http://x.example/","body":"b","published":1736838000})");
  ASSERT_EQ(b.articles.size(), 1u);
  EXPECT_EQ(b.articles[0].published.value_or(0), 1736838000);
  b = ParseArticleObject(R"({"url":"http://x.example/","body":"b","published":1736838000123})");
  ASSERT_EQ(b.articles.size(), 1u);
  EXPECT_EQ(b.articles[0].published.value_or(0), 1736838000) << "milliseconds";
}

TEST(JsonArticleTest, FieldErrors) {
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"body":"b"})")),
            R"({"line":1,"field":"url","error":"is required"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":5,"body":"b"})")),
            R"({"line":1,"field":"url","error":"must be a string"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"ftp://x/","body":"b"})")),
            R"({"line":1,"field":"url","error":"must be an absolute http(s) URL"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"/relative","body":"b"})")),
            R"({"line":1,"field":"url","error":"must be an absolute http(s) URL"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","title":[],"body":"b"})")),
            R"({"line":1,"field":"title","error":"must be a string"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/"})")),
            R"({"line":1,"field":"body","error":"one of body (text) or html is required"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"","html":""})")),
            R"({"line":1,"field":"body","error":"one of body (text) or html is required"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","html":1})")),
            R"({"line":1,"field":"html","error":"must be a string"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"b","source":{}})")),
            R"({"line":1,"field":"source","error":"must be a string"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"b","author":true})")),
            R"({"line":1,"field":"author","error":"must be a string"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"b","guid":1})")),
            R"({"line":1,"field":"guid","error":"must be a string"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"b","id":""})")),
            R"({"line":1,"field":"id","error":"must not be empty"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"b","id":1.5})")),
            R"({"line":1,"field":"id","error":"must be a string or an integer"})");
  EXPECT_EQ(
      OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"b","published":"someday"})")),
      R"({"line":1,"field":"published","error":"is not a recognizable date"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"b","published":[1]})")),
            R"({"line":1,"field":"published","error":"must be a date string or epoch seconds"})");
  EXPECT_EQ(OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"b","published":-5})")),
            R"({"line":1,"field":"published","error":"must not be negative"})");
  EXPECT_EQ(
      OnlyError(ParseArticleObject(R"({"url":"http://x/","body":"b","language":"english!"})")),
      R"({"line":1,"field":"language","error":"must be a BCP 47 language tag such as )"
      R"(\"en\" or \"zh-Hans\""})");
}

TEST(JsonArticleTest, SeveralErrorsOnOneLine) {
  const ArticleBatch b = ParseArticleObject(R"({"url":1,"title":2,"body":"b"})");
  ASSERT_EQ(b.errors.size(), 2u);
  EXPECT_EQ(b.errors[0].field, "url");
  EXPECT_EQ(b.errors[1].field, "title");
}

TEST(JsonArticleTest, WholeLineErrors) {
  EXPECT_EQ(OnlyError(ParseArticleObject("[1,2]")),
            R"({"line":1,"field":"","error":"must be a JSON object"})");
  EXPECT_NE(OnlyError(ParseArticleObject("{\"url\":")).find("invalid JSON"), std::string::npos);
  EXPECT_EQ(OnlyError(ParseArticleObject("{\"url\":\"http://x/\",\"body\":\"\xff\"}")),
            R"({"line":1,"field":"","error":"invalid UTF-8"})");
  JsonArticleOptions options;
  options.max_depth = 4;
  EXPECT_EQ(OnlyError(ParseArticleObject(
                R"({"url":"http://x/","body":"b","x":{"a":{"b":{"c":{"d":1}}}}})", options)),
            R"({"line":1,"field":"","error":"nesting deeper than 4 levels"})");
  options = JsonArticleOptions();
  options.max_object_bytes = 10;
  EXPECT_EQ(OnlyError(ParseArticleObject(kGood, options)),
            R"({"line":1,"field":"","error":"object longer than 10 bytes"})");
  options = JsonArticleOptions();
  options.max_batch_bytes = 10;
  EXPECT_EQ(OnlyError(ParseArticleNdjson(kGood, options)),
            R"({"line":0,"field":"","error":"batch longer than 10 bytes"})");
}

TEST(JsonArticleTest, NdjsonReportsLineNumbers) {
  const std::string batch = std::string(kGood) + "\n\n" + R"({"url":"http://x/","body":7})" +
                            "\r\n" + "not json\n" + R"({"url":"http://y/","body":"ok"})" + "\n";
  const ArticleBatch b = ParseArticleNdjson(batch);
  ASSERT_EQ(b.articles.size(), 2u);
  EXPECT_EQ(b.articles[0].line, 1u);
  EXPECT_EQ(b.articles[1].line, 5u);
  ASSERT_EQ(b.errors.size(), 2u);
  EXPECT_EQ(ArticleErrorToJson(b.errors[0]),
            R"({"line":3,"field":"body","error":"must be a string"})");
  EXPECT_EQ(b.errors[1].line, 4u);
  EXPECT_EQ(b.errors[1].field, "");
}

TEST(JsonArticleTest, NdjsonArticleLimit) {
  std::string batch;
  for (int i = 0; i < 5; ++i)
    batch += R"({"url":"http://x/","body":"b"})"
             "\n";
  JsonArticleOptions options;
  options.max_articles = 3;
  const ArticleBatch b = ParseArticleNdjson(batch, options);
  EXPECT_EQ(b.articles.size(), 3u);
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors[0].line, 4u);
}

TEST(JsonArticleTest, DocumentShapes) {
  // Array: positions are reported as lines.
  ArticleBatch b = ParseArticleDocument(
      R"([{"url":"http://a/","body":"1"}, 5, {"url":"http://b/","body":"2"}])");
  EXPECT_EQ(b.articles.size(), 2u);
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors[0].line, 2u);
  // A pretty-printed single object.
  b = ParseArticleDocument("{\n  \"url\": \"http://a/\",\n  \"body\": \"x\"\n}\n");
  EXPECT_EQ(b.articles.size(), 1u);
  EXPECT_TRUE(b.errors.empty());
  // NDJSON.
  b = ParseArticleDocument(
      "{\"url\":\"http://a/\",\"body\":\"1\"}\n{\"url\":\"http://b/\",\"body\":\"2\"}\n");
  EXPECT_EQ(b.articles.size(), 2u);
  EXPECT_TRUE(b.errors.empty());
  // A BOM is tolerated.
  b = ParseArticleDocument("\xEF\xBB\xBF{\"url\":\"http://a/\",\"body\":\"1\"}");
  EXPECT_EQ(b.articles.size(), 1u);
}

TEST(JsonArticleTest, ErrorJsonEscapes) {
  EXPECT_EQ(ArticleErrorToJson(ArticleError{2, "a\"b", "x\\y\n"}),
            R"({"line":2,"field":"a\"b","error":"x\\y\u000a"})");
}

}  // namespace
}  // namespace newsflow::ingest
