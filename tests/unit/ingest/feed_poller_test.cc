#include "services/ingest/feed_poller.h"

#include <gtest/gtest.h>

namespace newsflow::ingest {
namespace {

TEST(ArticlesFromFeedTest, ItemsBecomeRawArticles) {
  const std::string rss = R"(<?xml version="1.0"?>
<rss version="2.0"><channel><title>Harbor Wire</title><link>https://wire.example/</link>
<item><title>Robots raise money</title><link>/news/1?utm_source=rss</link><guid>n1</guid>
<description>&lt;p&gt;Short &lt;b&gt;summary&lt;/b&gt;&lt;/p&gt;</description>
<pubDate>Tue, 28 Jan 2025 10:00:00 +0100</pubDate><author>ed@wire.example (Ed)</author></item>
<item><title>No link</title><guid>n2</guid><description>Plain text only</description></item>
</channel></rss>)";
  feed::ParseOptions options;
  options.document_url = "https://wire.example/feed.xml";
  feed::ParsedFeed parsed = feed::ParseFeed(rss, options);
  std::vector<bool> summary_only;
  auto articles =
      ArticlesFromFeed(parsed, {"wire", "https://wire.example/feed.xml", 60, false}, &summary_only);
  ASSERT_EQ(articles.size(), 2u);
  const auto& first = articles[0];
  EXPECT_EQ(first.source_kind(), v1::RawArticle::SOURCE_KIND_FEED);
  EXPECT_EQ(first.source_name(), "wire");
  EXPECT_EQ(first.url(), "https://wire.example/news/1?utm_source=rss");
  EXPECT_EQ(first.article_id().substr(0, 2), "u-");
  EXPECT_EQ(first.title(), "Robots raise money");
  EXPECT_EQ(first.published().seconds(), 1738054800);  // 09:00 UTC
  EXPECT_EQ(first.published_raw(), "2025-01-28T09:00:00Z");
  EXPECT_NE(first.content().find("<b>summary</b>"), std::string::npos);
  EXPECT_NE(first.content_type().find("text/html"), std::string::npos);
  EXPECT_TRUE(summary_only[0]);
  // Without a link the id comes from feed + guid.
  EXPECT_EQ(articles[1].article_id().substr(0, 2), "g-");
}

}  // namespace
}  // namespace newsflow::ingest
