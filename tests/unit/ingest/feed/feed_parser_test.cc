#include "services/ingest/feed/feed_parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "services/core/time/datetime.h"

namespace newsflow::feed {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(NEWSFLOW_FEED_FIXTURES) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string Iso(const std::optional<int64_t>& t) { return t ? datetime::FormatIso8601Utc(*t) : ""; }

ParsedFeed Parse(std::string_view doc, std::string url = "", std::string content_type = "") {
  ParseOptions options;
  options.document_url = std::move(url);
  options.content_type = std::move(content_type);
  return ParseFeed(doc, options);
}

// --- formats ---------------------------------------------------------------------------------

TEST(FeedParserTest, Rss20Newsroom) {
  const ParsedFeed f = Parse(Fixture("newsroom_rss20.xml"), "https://ledger.example/rss");
  EXPECT_EQ(f.format, FeedFormat::kRss20);
  EXPECT_FALSE(f.bozo) << (f.errors.empty() ? "" : f.errors[0]);
  EXPECT_EQ(f.feed.title, "Riverton Ledger — Business");
  EXPECT_EQ(f.feed.link, "https://ledger.example/business/");
  EXPECT_EQ(f.feed.subtitle, "Company news from the Riverton valley");
  EXPECT_EQ(f.feed.author, "Business Desk (desk@ledger.example)");
  EXPECT_EQ(f.feed.author_email, "desk@ledger.example");
  EXPECT_EQ(Iso(f.feed.updated), "2025-01-14T08:30:00Z");
  ASSERT_EQ(f.entries.size(), 2u);

  const FeedEntry& a = f.entries[0];
  EXPECT_EQ(a.title, "Acme Robotics raises $6 million");
  EXPECT_EQ(a.link, "https://ledger.example/business/2025/01/acme-robotics-raises");
  EXPECT_EQ(a.id, "ledger-2025-0114-001");
  EXPECT_EQ(Iso(a.published), "2025-01-14T07:15:00Z");
  EXPECT_EQ(a.author, "Mara Lindqvist");
  EXPECT_EQ(a.author_name, "Mara Lindqvist");
  EXPECT_EQ(a.summary, "The start-up closed a seed round.");
  EXPECT_EQ(a.summary_html, "<p>The start-up <b>closed</b> a seed round.</p>");
  EXPECT_EQ(a.content,
            "Acme Robotics said on Tuesday it had raised $6\u00a0million.\nRead the filing.");
  EXPECT_NE(a.content_html.find("href=\"https://ledger.example/business/acme-filing.pdf\""),
            std::string::npos)
      << a.content_html;

  const FeedEntry& b = f.entries[1];
  EXPECT_EQ(b.title, "Harbour works delayed & over budget");
  EXPECT_EQ(b.link, "https://ledger.example/business/2025/01/harbour");
  EXPECT_EQ(b.author_name, "Ola Berg");
  EXPECT_EQ(b.author_email, "tips@ledger.example");
  EXPECT_EQ(b.summary, "The council \u201cregrets\u201d the delay.");
}

TEST(FeedParserTest, Rss20GuidPermalinkBecomesLinkOnlyWithoutLink) {
  const ParsedFeed f = Parse(
      "<rss version='2.0'><channel><item><guid>http://a.example/1</guid></item>"
      "<item><guid isPermaLink='false'>http://a.example/2</guid></item>"
      "<item><link>http://a.example/l</link><guid>http://a.example/3</guid></item>"
      "</channel></rss>");
  ASSERT_EQ(f.entries.size(), 3u);
  EXPECT_EQ(f.entries[0].link, "http://a.example/1");
  EXPECT_EQ(f.entries[1].link, "");
  EXPECT_EQ(f.entries[1].id, "http://a.example/2");
  EXPECT_EQ(f.entries[2].link, "http://a.example/l");
}

TEST(FeedParserTest, Rss09xAndUnversionedRss) {
  EXPECT_EQ(Parse("<rss version='0.91'><channel><title>t</title></channel></rss>").format,
            FeedFormat::kRss09x);
  EXPECT_EQ(Parse("<rss version='0.92'><channel/></rss>").format, FeedFormat::kRss09x);
  const ParsedFeed f = Parse("<rss><channel><title>t</title></channel></rss>");
  EXPECT_EQ(f.format, FeedFormat::kUnknown);
  EXPECT_EQ(f.feed.title, "t");
}

TEST(FeedParserTest, Rss10Rdf) {
  const ParsedFeed f = Parse(
      "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
      "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
      "<channel rdf:about='http://r.example/'><title>R</title><link>http://r.example/</link>"
      "<description>RDF site</description></channel>"
      "<item rdf:about='http://r.example/1'><title>One</title><link>http://r.example/1</link>"
      "<dc:date>2003-12-31T10:14:55Z</dc:date><dc:creator>Ann</dc:creator></item>"
      "</rdf:RDF>");
  EXPECT_EQ(f.format, FeedFormat::kRss10);
  EXPECT_EQ(f.feed.title, "R");
  EXPECT_EQ(f.feed.subtitle, "RDF site");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].id, "http://r.example/1");
  EXPECT_EQ(f.entries[0].link, "http://r.example/1");
  EXPECT_EQ(Iso(f.entries[0].updated), "2003-12-31T10:14:55Z");
  EXPECT_EQ(f.entries[0].author, "Ann");
}

TEST(FeedParserTest, Rss090Rdf) {
  const ParsedFeed f = Parse(
      "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
      "xmlns='http://my.netscape.com/rdf/simple/0.9/'><channel><title>Old</title></channel>"
      "<item><title>i</title><link>http://o.example/i</link></item></rdf:RDF>");
  EXPECT_EQ(f.format, FeedFormat::kRss09x);
  EXPECT_EQ(f.feed.title, "Old");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].link, "http://o.example/i");
}

TEST(FeedParserTest, Atom10Newsroom) {
  const ParsedFeed f = Parse(Fixture("newsroom_atom10.xml"));
  EXPECT_EQ(f.format, FeedFormat::kAtom10);
  EXPECT_FALSE(f.bozo);
  EXPECT_EQ(f.feed.title, "Wire & Co");
  EXPECT_EQ(f.feed.subtitle, "Breaking markets news");
  EXPECT_EQ(f.feed.link, "https://wire.example/") << "rel=alternate, resolved against xml:base";
  EXPECT_EQ(f.feed.id, "tag:wire.example,2025:feed");
  EXPECT_EQ(f.feed.author, "Wire Desk (desk@wire.example)");
  EXPECT_EQ(Iso(f.feed.updated), "2025-01-14T10:00:00Z");
  ASSERT_EQ(f.entries.size(), 1u);
  const FeedEntry& e = f.entries[0];
  EXPECT_EQ(e.title, "Chipmaker beats forecasts");
  EXPECT_EQ(e.link, "https://wire.example/feeds/stories/chipmaker");
  EXPECT_EQ(e.id, "tag:wire.example,2025:1") << "the nested <source> id is not the entry's";
  EXPECT_EQ(Iso(e.published), "2025-01-14T07:00:00Z");
  EXPECT_EQ(Iso(e.updated), "2025-01-14T09:30:00Z");
  EXPECT_EQ(e.author_name, "Li Wei");
  EXPECT_EQ(e.author_email, "li.wei@wire.example");
  EXPECT_EQ(e.summary, "Quarterly revenue rose 16 %.");
  EXPECT_TRUE(e.summary_html.empty()) << "plain text summary carries no markup";
  EXPECT_EQ(e.content, "Revenue rose 16 %.\nChart");
  EXPECT_NE(e.content_html.find("href=\"https://wire.example/stories/chipmaker/chart.png\""),
            std::string::npos)
      << e.content_html;
}

TEST(FeedParserTest, Atom10TextConstructTypes) {
  const ParsedFeed f = Parse(
      "<feed xmlns='http://www.w3.org/2005/Atom'><entry>"
      "<title type='text'>AT&amp;T &lt;b&gt; is text</title>"
      "<summary type='html'>&lt;p&gt;One &amp;amp; two&lt;/p&gt;</summary>"
      "<content type='application/octet-stream'>TWFya2V0cyA8aT5yYWxsaWVkPC9pPg==</content>"
      "</entry></feed>");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "AT&T <b> is text") << "type=text is never read as HTML";
  EXPECT_EQ(f.entries[0].summary, "One & two");
  EXPECT_EQ(f.entries[0].content, "Markets rallied") << "base64 for non-text types";
}

TEST(FeedParserTest, Atom03ModesAndDates) {
  const ParsedFeed f = Parse(
      "<feed version='0.3' xmlns='http://purl.org/atom/ns#'><title mode='escaped' "
      "type='text/html'>A &lt;i&gt;b&lt;/i&gt;</title><tagline>Tag</tagline>"
      "<modified>2004-01-01T00:00:00Z</modified><entry>"
      "<title type='text/html' mode='base64'>PGI+Qm9sZDwvYj4=</title>"
      "<link rel='alternate' type='text/html' href='http://x.example/e'/>"
      "<issued>2003-12-31T10:14:55-08:00</issued><modified>2004-01-02T00:00:00Z</modified>"
      "<content type='text/html' mode='escaped'>&lt;p&gt;Body&lt;/p&gt;</content>"
      "</entry></feed>");
  EXPECT_EQ(f.format, FeedFormat::kAtom03);
  EXPECT_EQ(f.feed.title, "A b");
  EXPECT_EQ(f.feed.subtitle, "Tag");
  EXPECT_EQ(Iso(f.feed.updated), "2004-01-01T00:00:00Z");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "Bold");
  EXPECT_EQ(f.entries[0].link, "http://x.example/e");
  EXPECT_EQ(Iso(f.entries[0].published), "2003-12-31T18:14:55Z");
  EXPECT_EQ(Iso(f.entries[0].updated), "2004-01-02T00:00:00Z");
  EXPECT_EQ(f.entries[0].content, "Body");
  EXPECT_EQ(f.entries[0].summary, "Body") << "Atom content doubles as summary";
}

TEST(FeedParserTest, AtomWithoutNamespaceIsUnknownButRead) {
  const ParsedFeed f = Parse("<feed><title>Bare</title><entry><title>e</title></entry></feed>");
  EXPECT_EQ(f.format, FeedFormat::kUnknown);
  EXPECT_EQ(f.feed.title, "Bare");
  ASSERT_EQ(f.entries.size(), 1u);
}

TEST(FeedParserTest, CdfChannel) {
  const ParsedFeed f = Parse(
      "<CHANNEL HREF='http://c.example/' LASTMOD='2004-04-07T04:05:43Z'><TITLE>C</TITLE>"
      "<ABSTRACT>About</ABSTRACT><ITEM HREF='http://c.example/1'><TITLE>i</TITLE>"
      "<ABSTRACT>Item about</ABSTRACT></ITEM></CHANNEL>");
  EXPECT_EQ(f.format, FeedFormat::kUnknown);
  EXPECT_EQ(f.feed.link, "http://c.example/");
  EXPECT_EQ(f.feed.subtitle, "About");
  EXPECT_EQ(Iso(f.feed.updated), "2004-04-07T04:05:43Z");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].link, "http://c.example/1");
  EXPECT_EQ(f.entries[0].summary, "Item about");
}

TEST(FeedParserTest, JsonFeed) {
  const ParsedFeed f = Parse(R"({
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON Wire", "home_page_url": "https://j.example/",
    "description": "Stories", "authors": [{"name": "Desk"}],
    "items": [
      {"id": "1", "url": "/a", "title": "First", "content_html": "<p>Hello <b>world</b></p>",
       "summary": "Hi", "date_published": "2025-01-14T08:00:00+01:00",
       "date_modified": "2025-01-14T09:00:00Z", "authors": [{"name": "Ann"}]},
      {"id": 2, "content_text": "Plain\n\ntext"},
      "not an object"
    ]})",
                             "https://j.example/feed.json");
  EXPECT_EQ(f.format, FeedFormat::kJson);
  EXPECT_EQ(f.feed.title, "JSON Wire");
  EXPECT_EQ(f.feed.link, "https://j.example/");
  EXPECT_EQ(f.feed.subtitle, "Stories");
  EXPECT_EQ(f.feed.author, "Desk");
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].link, "https://j.example/a");
  EXPECT_EQ(f.entries[0].content, "Hello world");
  EXPECT_EQ(f.entries[0].content_html, "<p>Hello <b>world</b></p>");
  EXPECT_EQ(f.entries[0].summary, "Hi");
  EXPECT_EQ(Iso(f.entries[0].published), "2025-01-14T07:00:00Z");
  EXPECT_EQ(Iso(f.entries[0].updated), "2025-01-14T09:00:00Z");
  EXPECT_EQ(f.entries[0].author, "Ann");
  EXPECT_EQ(f.entries[1].id, "2");
  EXPECT_EQ(f.entries[1].content, "Plain\ntext");
}

TEST(FeedParserTest, BrokenJsonIsBozo) {
  const ParsedFeed f = Parse("{\"version\": \"https://jsonfeed.org/version/1\", \"items\": [");
  EXPECT_TRUE(f.bozo);
  EXPECT_TRUE(f.entries.empty());
  EXPECT_FALSE(f.errors.empty());
}

// --- encodings -------------------------------------------------------------------------------

TEST(FeedParserTest, DeclaredWindows1252) {
  const ParsedFeed f = Parse(Fixture("windows1252_rss20.xml"));
  EXPECT_EQ(f.encoding, "windows-1252");
  EXPECT_FALSE(f.bozo);
  EXPECT_EQ(f.feed.title, "Café “Noir”");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "Crème brûlée – recipe");
  EXPECT_EQ(f.entries[0].summary, "Price: € 5");
}

TEST(FeedParserTest, HttpCharsetOverridesXmlDeclaration) {
  const std::string doc =
      "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
      "<title>\xa3\x93price\x94</title></channel></rss>";
  const ParsedFeed f = Parse(doc, "", "text/xml; charset=windows-1252");
  EXPECT_EQ(f.encoding, "windows-1252");
  EXPECT_EQ(f.feed.title, "£“price”");
}

TEST(FeedParserTest, UndeclaredWindows1252FallsBackAndIsBozo) {
  const ParsedFeed f =
      Parse("<rss version='2.0'><channel><title>na\xefve \x93quote\x94</title></channel></rss>");
  EXPECT_TRUE(f.bozo);
  EXPECT_EQ(f.encoding, "windows-1252");
  EXPECT_EQ(f.feed.title, "naïve “quote”");
}

TEST(FeedParserTest, Latin1LabelOnUtf8Bytes) {
  const ParsedFeed f = Parse(
      "<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'><channel>"
      "<title>Zürich – 東京</title></channel></rss>");
  EXPECT_EQ(f.encoding, "utf-8");
  EXPECT_EQ(f.feed.title, "Zürich – 東京");
}

TEST(FeedParserTest, Utf16WithBom) {
  const std::string utf8 = "<rss version='2.0'><channel><title>Ünïcode</title></channel></rss>";
  // UTF-16LE by hand for the ASCII part; the three non-ASCII characters are in the BMP.
  std::u16string u16 = u"<rss version='2.0'><channel><title>Ünïcode</title></channel></rss>";
  std::string bytes = "\xFF\xFE";
  for (char16_t c : u16) {
    bytes.push_back(static_cast<char>(c & 0xFF));
    bytes.push_back(static_cast<char>(c >> 8));
  }
  const ParsedFeed f = Parse(bytes);
  EXPECT_EQ(f.encoding, "utf-16le");
  EXPECT_EQ(f.feed.title, "Ünïcode");
  (void)utf8;
}

TEST(FeedParserTest, Utf8BomAndC1Punctuation) {
  const ParsedFeed f =
      Parse("\xEF\xBB\xBF<rss version='2.0'><channel><title>it\xC2\x92s</title></channel></rss>");
  EXPECT_EQ(f.feed.title, "it’s") << "U+0092 is windows-1252's right quote";
}

// --- entities, CDATA -------------------------------------------------------------------------

TEST(FeedParserTest, HtmlEntitiesUndefinedInXml) {
  const ParsedFeed f = Parse(
      "<rss version='2.0'><channel><title>caf&eacute;&nbsp;&mdash; &hellip; &copy;</title>"
      "<item><title>&bogus; stays</title><link>http://e.example/?id=7&lang=en&x</link></item>"
      "</channel></rss>");
  EXPECT_EQ(f.feed.title, "café\u00a0— … ©");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "&bogus; stays");
  EXPECT_EQ(f.entries[0].link, "http://e.example/?id=7&lang=en&x");
  EXPECT_TRUE(f.bozo) << "a document with undefined entities is not well-formed XML";
}

TEST(FeedParserTest, DoubleEscapedEntitiesInHtmlDescription) {
  const ParsedFeed f = Parse(
      "<rss version='2.0'><channel><item><description>it&amp;#146;s &amp;amp; &amp;lt;b&amp;gt;"
      "</description></item></channel></rss>");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].summary, "it’s & <b>");
}

TEST(FeedParserTest, CdataSections) {
  const ParsedFeed f = Parse(
      "<rss version='2.0'><channel><title><![CDATA[Tom & Jerry <3]]></title><item>"
      "<description><![CDATA[<p>Para one</p><p>Para &amp; two</p>]]></description></item>"
      "</channel></rss>");
  EXPECT_EQ(f.feed.title, "Tom & Jerry <3");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].summary, "Para one\nPara & two");
  EXPECT_EQ(f.entries[0].summary_html, "<p>Para one</p><p>Para &amp; two</p>");
}

// --- relative links --------------------------------------------------------------------------

TEST(FeedParserTest, RelativeLinksAgainstDocumentUrl) {
  const ParsedFeed f = Parse(
      "<rss version='2.0'><channel><link>/home</link><item><link>../story/1</link>"
      "<description>&lt;a href=\"img/x.png\"&gt;x&lt;/a&gt;</description></item>"
      "</channel></rss>",
      "https://n.example/feeds/main/rss.xml");
  EXPECT_EQ(f.feed.link, "https://n.example/home");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].link, "https://n.example/feeds/story/1");
  EXPECT_EQ(f.entries[0].summary_html, "<a href=\"https://n.example/feeds/main/img/x.png\">x</a>");
}

TEST(FeedParserTest, XmlBaseChainsAndOverridesDocumentUrl) {
  const ParsedFeed f = Parse(
      "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='http://b.example/root/'>"
      "<entry xml:base='sub/'><link href='page'/></entry>"
      "<entry xml:base='http://other.example/'><link href='/abs'/></entry></feed>",
      "https://doc.example/feed");
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].link, "http://b.example/root/sub/page");
  EXPECT_EQ(f.entries[1].link, "http://other.example/abs");
}

TEST(FeedParserTest, ContentLocationIsBaseOnlyWhenSafe) {
  const std::string doc =
      "<feed xmlns='http://www.w3.org/2005/Atom'><link rel='alternate' href='/abs'/></feed>";
  ParseOptions options;
  options.document_url = "http://d.example/feed/x.xml";
  options.content_location = "http://cdn.example/feed/";
  EXPECT_EQ(ParseFeed(doc, options).feed.link, "http://cdn.example/abs");
  options.content_location = "javascript:alert(1)";
  EXPECT_EQ(ParseFeed(doc, options).feed.link, "http://d.example/abs");
}

// --- robustness ------------------------------------------------------------------------------

TEST(FeedParserTest, IllFormedDocumentIsRecovered) {
  const ParsedFeed f = Parse(
      "<rss version='2.0'><channel><title>Broken<item><title>Kept</title>"
      "<link>http://k.example/</link></item><item><title>Also kept</item></channel>");
  EXPECT_TRUE(f.bozo);
  EXPECT_FALSE(f.errors.empty());
  EXPECT_EQ(f.format, FeedFormat::kRss20);
}

TEST(FeedParserTest, UnescapedHtmlInDescriptionDoesNotSwallowLaterItems) {
  const ParsedFeed f = Parse(
      "<rss version='2.0'><channel><item><title>A</title></item>"
      "<item><title>B</title><description><p>unclosed <b>bold<br></description></item>"
      "<item><title>C</title></item></channel></rss>");
  ASSERT_EQ(f.entries.size(), 3u);
  EXPECT_EQ(f.entries[1].summary, "unclosed bold");
  EXPECT_EQ(f.entries[2].title, "C");
  EXPECT_TRUE(f.bozo);
}

TEST(FeedParserTest, TagSoupRepairs) {
  const ParsedFeed f = Parse(
      "Warning: something in /var/www/feed.php on line 3\n"
      "<?xml version='1.0'?><rss version='2.0'><channel>"
      "<item><title>B < C</title></item>"
      "<item><title lang=en>Unquoted</title><link>http://u.example/</link></item>"
      "<item><title>Missing quote</title><foo x=\"1></foo></item>"
      "<item><title>Case</TITLE></item></channel></rss>");
  EXPECT_EQ(f.format, FeedFormat::kRss20);
  ASSERT_EQ(f.entries.size(), 4u);
  EXPECT_EQ(f.entries[0].title, "B < C");
  EXPECT_EQ(f.entries[1].title, "Unquoted");
  EXPECT_EQ(f.entries[1].link, "http://u.example/");
  EXPECT_EQ(f.entries[2].title, "Missing quote");
  EXPECT_EQ(f.entries[3].title, "Case");
}

TEST(FeedParserTest, TruncatedDocumentKeepsCompleteEntries) {
  const ParsedFeed f = Parse(
      "<rss version='2.0'><channel><title>T</title><item><title>Complete</title></item>"
      "<item><title>Cut in the mid");
  EXPECT_TRUE(f.bozo);
  ASSERT_GE(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "Complete");
}

TEST(FeedParserTest, EmptyAndGarbageInputs) {
  for (const std::string& doc :
       {std::string(), std::string("   \n"), std::string("not xml at all"),
        std::string("\x00\x01\x02\xff\xfe", 5), std::string("<"), std::string("<?xml"),
        std::string("{"), std::string("<html><body><p>A web page</p></body></html>")}) {
    const ParsedFeed f = Parse(doc);
    EXPECT_TRUE(f.bozo) << doc;
    EXPECT_TRUE(f.entries.empty()) << doc;
    EXPECT_EQ(f.format, FeedFormat::kUnknown);
  }
}

TEST(FeedParserTest, BillionLaughsIsNotExpanded) {
  std::string doc = "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY lol 'lol'>";
  doc += "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>";
  for (int i = 2; i <= 9; ++i) {
    const std::string prev = "&lol" + std::to_string(i - 1) + ";";
    doc += "<!ENTITY lol" + std::to_string(i) + " '";
    for (int k = 0; k < 10; ++k) doc += prev;
    doc += "'>";
  }
  doc += "]><rss version='2.0'><channel><title>&lol9;</title></channel></rss>";
  const auto start = std::chrono::steady_clock::now();
  const ParsedFeed f = Parse(doc);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 1000);
  EXPECT_EQ(f.feed.title, "&lol9;") << "the DOCTYPE is dropped; the reference stays literal";
  EXPECT_EQ(f.format, FeedFormat::kRss20);
}

TEST(FeedParserTest, ExternalEntitiesAreNeverFetched) {
  const ParsedFeed f = Parse(
      "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
      "<rss version='2.0'><channel><title>x&xxe;y</title></channel></rss>");
  EXPECT_EQ(f.feed.title, "x&xxe;y");
}

TEST(FeedParserTest, DeepNestingDoesNotCrash) {
  std::string doc = "<rss version='2.0'><channel><item><description>";
  for (int i = 0; i < 100000; ++i) doc += "<div>";
  doc += "deep</description></item></channel></rss>";
  const ParsedFeed f = Parse(doc);
  EXPECT_TRUE(f.bozo);
}

TEST(FeedParserTest, LimitsBoundTheResult) {
  std::string doc = "<rss version='2.0'><channel>";
  for (int i = 0; i < 50; ++i) doc += "<item><title>" + std::string(100, 'x') + "</title></item>";
  doc += "</channel></rss>";
  ParseOptions options;
  options.max_entries = 10;
  options.max_field_bytes = 20;
  ParsedFeed f = ParseFeed(doc, options);
  EXPECT_EQ(f.entries.size(), 10u);
  EXPECT_EQ(f.entries[0].title.size(), 20u);
  EXPECT_FALSE(f.warnings.empty());

  options = ParseOptions();
  options.max_document_bytes = 200;
  f = ParseFeed(doc, options);
  EXPECT_TRUE(f.bozo);
  EXPECT_LE(f.entries.size(), 2u);
}

TEST(FeedParserTest, UndeclaredNamespacePrefix) {
  const ParsedFeed f = Parse(
      "<rss version='2.0'><channel><itunes:summary>Show notes</itunes:summary>"
      "<item><dc:creator>Ann</dc:creator></item></channel></rss>");
  EXPECT_EQ(f.feed.subtitle, "Show notes");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].author, "Ann");
}

TEST(FeedParserTest, ConcurrentParsesAgree) {
  const std::string doc = Fixture("newsroom_rss20.xml");
  const std::string broken = "<rss version='2.0'><channel><title>x &nbsp; <item>";
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const ParsedFeed f = ParseFeed(doc);
        const ParsedFeed g = ParseFeed(broken);
        ok[t] += f.entries.size() == 2 && g.bozo;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 50);
}

TEST(FeedFormatNameTest, Names) {
  EXPECT_EQ(FeedFormatName(FeedFormat::kRss20), "rss20");
  EXPECT_EQ(FeedFormatName(FeedFormat::kRss10), "rss10");
  EXPECT_EQ(FeedFormatName(FeedFormat::kRss09x), "rss09x");
  EXPECT_EQ(FeedFormatName(FeedFormat::kAtom10), "atom10");
  EXPECT_EQ(FeedFormatName(FeedFormat::kAtom03), "atom03");
  EXPECT_EQ(FeedFormatName(FeedFormat::kJson), "json");
  EXPECT_EQ(FeedFormatName(FeedFormat::kUnknown), "unknown");
}

}  // namespace
}  // namespace newsflow::feed
