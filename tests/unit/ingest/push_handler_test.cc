#include "services/ingest/push_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace newsflow::ingest {
namespace {

using ::testing::HasSubstr;

PushOptions Options() {
  PushOptions options;
  options.token = "s3cret";
  options.max_body_bytes = 4096;
  return options;
}

PushRequest Request(std::string body, std::string type = "application/json",
                    std::string auth = "Bearer s3cret") {
  return {std::move(auth), std::move(type), std::move(body)};
}

TEST(PushHandlerTest, AcceptsOneArticleWithStableIdFromTheCanonicalUrl) {
  auto decision = DecidePush(
      Request(R"({"url":"https://Example.com/a?utm_source=x","title":"T","body":"Text."})"),
      Options());
  ASSERT_EQ(decision.status, 0) << decision.body;
  ASSERT_EQ(decision.articles.size(), 1u);
  const auto& raw = decision.articles[0];
  EXPECT_EQ(raw.source_kind(), v1::RawArticle::SOURCE_KIND_PUSH);
  EXPECT_EQ(raw.content(), "Text.");
  EXPECT_THAT(raw.content_type(), HasSubstr("text/plain"));
  EXPECT_EQ(raw.title(), "T");
  EXPECT_EQ(raw.article_id().substr(0, 2), "u-");
  // Tracking parameters and host case do not change the id.
  auto same = DecidePush(Request(R"({"url":"https://example.com/a","body":"Other."})"), Options());
  EXPECT_EQ(same.articles[0].article_id(), raw.article_id());
}

TEST(PushHandlerTest, HtmlBodyKeepsItsType) {
  auto decision = DecidePush(
      Request(R"({"url":"https://e.com/h","html":"<p>Hello <b>world</b></p>"})"), Options());
  ASSERT_EQ(decision.status, 0) << decision.body;
  EXPECT_THAT(decision.articles[0].content_type(), HasSubstr("text/html"));
  EXPECT_EQ(decision.articles[0].content(), "<p>Hello <b>world</b></p>");
}

TEST(PushHandlerTest, NdjsonBatch) {
  auto decision = DecidePush(
      Request("{\"url\":\"https://e.com/1\",\"body\":\"a\"}\n{\"url\":\"https://e.com/2\",\"body\":"
              "\"b\"}\n",
              "application/x-ndjson"),
      Options());
  ASSERT_EQ(decision.status, 0) << decision.body;
  EXPECT_EQ(decision.articles.size(), 2u);
}

TEST(PushHandlerTest, AuthorizationIsChecked) {
  EXPECT_EQ(DecidePush(Request("{}", "application/json", ""), Options()).status, 401);
  EXPECT_EQ(DecidePush(Request("{}", "application/json", "Bearer wrong!"), Options()).status, 401);
  EXPECT_EQ(DecidePush(Request("{}", "application/json", "Bearer s3cre"), Options()).status, 401);
  EXPECT_EQ(DecidePush(Request("{}", "application/json", "Basic s3cret"), Options()).status, 401);
  PushOptions open = Options();
  open.token.clear();
  EXPECT_EQ(
      DecidePush(Request(R"({"url":"https://e.com/1","body":"x"})", "application/json", ""), open)
          .status,
      0);
}

TEST(PushHandlerTest, SizeTypeAndValidationErrors) {
  EXPECT_EQ(DecidePush(Request(std::string(5000, ' ')), Options()).status, 413);
  auto unsupported = DecidePush(Request("x", "text/plain"), Options());
  EXPECT_EQ(unsupported.status, 415);
  EXPECT_THAT(unsupported.body, HasSubstr("text/plain"));
  auto bad = DecidePush(Request("{\"url\":\"https://e.com/1\",\"body\":\"a\"}\n{\"url\":5}\n",
                                "application/x-ndjson"),
                        Options());
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr(R"("line":2)"));
  EXPECT_THAT(bad.body, HasSubstr(R"("field":"url")"));
  EXPECT_TRUE(bad.articles.empty());  // all or nothing
  EXPECT_EQ(DecidePush(Request("not json"), Options()).status, 400);
  EXPECT_EQ(DecidePush(Request(""), Options()).status, 400);
}

TEST(PushHandlerTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
}

TEST(PushHandlerTest, JsonQuoteEscapes) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(AcceptedJson({"a"}, {"b", "c"}), R"({"accepted":["a"],"duplicates":["b","c"]})");
}

}  // namespace
}  // namespace newsflow::ingest
