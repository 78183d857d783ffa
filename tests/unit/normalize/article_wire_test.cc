#include "services/normalize/article_wire.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace newsflow {
namespace {

// Every field of an Article set, the repeated ones more than once, with multi-byte text.
v1::Article FullArticle() {
  v1::Article a;
  a.set_article_id("u-0123456789abcdef");
  a.set_source_name("Example News");
  a.set_url("https://example.com/a?x=1");
  a.set_canonical_url("https://example.com/a");
  a.set_title("Nvidia’s shares fall 17% — 英伟达");
  a.set_author("A. Writer");
  a.set_language("en");
  for (int k = 0; k < 3; ++k) {
    auto* segment = a.add_segments();
    segment->set_language(k == 1 ? "zh" : "en");
    segment->set_start(100 * k);
    segment->set_end(100 * k + 90);
  }
  a.mutable_published()->set_seconds(1738000000);
  a.mutable_ingested()->set_seconds(1738000100);
  a.mutable_normalized()->set_seconds(1738000200);
  a.mutable_normalized()->set_nanos(123456789);
  a.set_word_count(420);
  a.set_reading_time_seconds(110);
  a.set_simhash(0xb167f587ba118440ull);
  a.set_near_duplicate_of("u-fedcba9876543210");
  a.mutable_report()->set_invalid_utf8_sequences(2);
  a.mutable_report()->add_boilerplate_rules_fired("syndication_footer");
  a.mutable_report()->set_boilerplate_lines_removed(1);
  a.mutable_report()->set_control_characters_removed(3);
  a.set_single_language_body(true);
  a.mutable_provenance()->set_stage("normalize");
  a.mutable_provenance()->set_newsflow_version("1.2.3");
  auto* component = a.mutable_provenance()->add_components();
  component->set_name("dedupe");
  component->set_version("simhash64-3shingle-1");
  return a;
}

// What protobuf writes for the same Article with the body and texts set through its own API.
std::string Expected(v1::Article article, const std::string& body,
                     const std::vector<text::LanguageText>& texts) {
  article.set_body(body);
  for (const auto& t : texts) {
    auto* added = article.add_texts();
    added->set_language(t.language);
    added->set_text(t.text);
  }
  return article.SerializeAsString();
}

void ExpectSameBytes(const v1::Article& article, const std::string& body,
                     const std::vector<text::LanguageText>& texts) {
  const std::string bytes = SerializeArticleWithText(article, body, texts);
  EXPECT_EQ(bytes, Expected(article, body, texts));
  v1::Article parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.body(), body);
  ASSERT_EQ(parsed.texts_size(), static_cast<int>(texts.size()));
}

TEST(ArticleWireTest, SameBytesAsProtobufWithEveryField) {
  const std::string body = "First paragraph, “quoted”.\n\n第二段。";
  ExpectSameBytes(FullArticle(), body, {});
  ExpectSameBytes(FullArticle(), body, {{"en", "First paragraph, “quoted”."}, {"zh", "第二段。"}});
}

TEST(ArticleWireTest, SameBytesWithFewFields) {
  // Nothing before the body; nothing between body and texts; nothing at all after them.
  v1::Article empty;
  ExpectSameBytes(empty, "body only", {});
  ExpectSameBytes(empty, "body", {{"en", "body"}});
  ExpectSameBytes(empty, "", {});
  v1::Article id_only;
  id_only.set_article_id("id");
  ExpectSameBytes(id_only, "text", {{"en", "a"}, {"zh", "b"}});
  v1::Article after_only;
  after_only.set_single_language_body(true);
  after_only.mutable_provenance()->set_stage("normalize");
  ExpectSameBytes(after_only, "text", {});
}

TEST(ArticleWireTest, EmptyStringsAreLeftOutAsProtobufDoes) {
  ExpectSameBytes(FullArticle(), "", {{"en", "x"}});
  ExpectSameBytes(FullArticle(), "body", {{"", "no language"}, {"en", ""}, {"", ""}});
}

TEST(ArticleWireTest, LongTextsNeedLongerLengthPrefixes) {
  // Lengths of one, two and three varint bytes, and a body longer than protobuf's output
  // buffer chunks.
  for (size_t length : {127u, 128u, 16383u, 16384u, 300000u}) {
    const std::string body(length, 'a');
    ExpectSameBytes(FullArticle(), body, {{"en", body}, {"fr", body.substr(0, length / 2)}});
  }
}

}  // namespace
}  // namespace newsflow
