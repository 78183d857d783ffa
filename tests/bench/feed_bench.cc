// Throughput of feed ingestion's parsers on synthetic news feeds (no main: link
// benchmark_main). Inputs are generated here so the numbers do not depend on any data set.

#include <benchmark/benchmark.h>

#include <string>

#include "services/core/time/datetime.h"
#include "services/ingest/feed/feed_parser.h"
#include "services/ingest/json_article.h"

namespace {

const char kParagraph[] =
    "Acme Robotics said on Tuesday it had raised $6 million in a seed round led by "
    "Northwind Ventures, and plans to hire 40 engineers in Riverton by the end of the year. ";

std::string Rss20(int items) {
  std::string doc =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
      "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>"
      "<title>Riverton Ledger</title><link>https://ledger.example/</link>"
      "<description>Business news</description>\n";
  for (int i = 0; i < items; ++i) {
    const std::string n = std::to_string(i);
    doc += "<item><title>Story number " + n + " &amp; more</title><link>/story/" + n +
           "</link><guid isPermaLink=\"false\">ledger-" + n +
           "</guid><pubDate>Tue, 14 Jan 2025 08:15:00 +0100</pubDate><dc:creator>Mara "
           "Lindqvist</dc:creator><description>&lt;p&gt;" +
           std::string(kParagraph) + "&lt;/p&gt;</description><content:encoded><![CDATA[";
    for (int p = 0; p < 6; ++p) doc += "<p>" + std::string(kParagraph) + "<a href=\"/x\">x</a></p>";
    doc += "]]></content:encoded></item>\n";
  }
  doc += "</channel></rss>\n";
  return doc;
}

std::string Atom10(int entries) {
  std::string doc =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
      "<title>Wire</title><id>tag:wire.example,2025:feed</id>"
      "<updated>2025-01-14T10:00:00Z</updated>\n";
  for (int i = 0; i < entries; ++i) {
    const std::string n = std::to_string(i);
    doc += "<entry><title type=\"html\">Chipmaker &lt;b&gt;beats&lt;/b&gt; " + n +
           "</title><link rel=\"alternate\" href=\"https://wire.example/s/" + n +
           "\"/><id>tag:wire.example,2025:" + n +
           "</id><updated>2025-01-14T09:30:00Z</updated><author><name>Li Wei</name></author>"
           "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">";
    for (int p = 0; p < 6; ++p) doc += "<p>" + std::string(kParagraph) + "</p>";
    doc += "</div></content></entry>\n";
  }
  doc += "</feed>\n";
  return doc;
}

std::string JsonFeed(int items) {
  std::string doc = "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"J\",\"items\":[";
  for (int i = 0; i < items; ++i) {
    if (i > 0) doc += ",";
    doc += "{\"id\":\"" + std::to_string(i) + "\",\"url\":\"https://j.example/" +
           std::to_string(i) +
           "\",\"title\":\"Story\",\"date_published\":"
           "\"2025-01-14T08:00:00+01:00\",\"content_html\":\"";
    for (int p = 0; p < 6; ++p) doc += "<p>" + std::string(kParagraph) + "</p>";
    doc += "\"}";
  }
  doc += "]}";
  return doc;
}

std::string Ndjson(int lines) {
  std::string doc;
  for (int i = 0; i < lines; ++i) {
    doc += "{\"id\":\"" + std::to_string(i) + "\",\"url\":\"https://news.example/" +
           std::to_string(i) + "\",\"title\":\"T\",\"body\":\"";
    for (int p = 0; p < 6; ++p) doc += kParagraph;
    doc +=
        "\",\"source\":\"Example\",\"published\":\"2025-01-14T08:00:00Z\","
        "\"language\":\"en\"}\n";
  }
  return doc;
}

void RunFeed(benchmark::State& state, const std::string& doc) {
  newsflow::feed::ParseOptions options;
  options.document_url = "https://ledger.example/feed.xml";
  for (auto _ : state) {
    newsflow::feed::ParsedFeed f = newsflow::feed::ParseFeed(doc, options);
    benchmark::DoNotOptimize(f.entries.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(doc.size()));
}

void BM_ParseFeedRss20(benchmark::State& state) { RunFeed(state, Rss20(200)); }
BENCHMARK(BM_ParseFeedRss20);

void BM_ParseFeedAtom10(benchmark::State& state) { RunFeed(state, Atom10(200)); }
BENCHMARK(BM_ParseFeedAtom10);

void BM_ParseFeedJson(benchmark::State& state) { RunFeed(state, JsonFeed(200)); }
BENCHMARK(BM_ParseFeedJson);

void BM_ParseDateTime(benchmark::State& state) {
  const std::string dates[] = {"Tue, 14 Jan 2025 08:15:00 +0100", "2025-01-14T08:00:00.123Z",
                               "Mon, 26 January 2004 16:31:00 PT", "Sun Jan  4 16:29:06 2004"};
  size_t bytes = 0;
  for (const std::string& d : dates) bytes += d.size();
  for (auto _ : state) {
    for (const std::string& d : dates) {
      benchmark::DoNotOptimize(newsflow::datetime::ParseDateTime(d));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_ParseDateTime);

void BM_ParseArticleNdjson(benchmark::State& state) {
  const std::string doc = Ndjson(1000);
  for (auto _ : state) {
    newsflow::ingest::ArticleBatch b = newsflow::ingest::ParseArticleNdjson(doc);
    benchmark::DoNotOptimize(b.articles.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(doc.size()));
}
BENCHMARK(BM_ParseArticleNdjson);

}  // namespace
