#include "services/core/html/article_extractor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace newsflow::html {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(NEWSFLOW_HTML_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Joined(const ExtractedArticle& article) {
  std::string out;
  for (const std::string& p : article.paragraphs) out += p + "\n";
  return out;
}

// Wraps `body` in a page with some furniture around it.
std::string Page(const std::string& body, const std::string& lang = "en") {
  return "<!DOCTYPE html><html lang=\"" + lang +
         "\"><head><meta charset=\"utf-8\"><title>T</title></head><body>"
         "<nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/sport\">Sport</a>"
         "</nav><div class=\"content\">" +
         body +
         "</div><footer><a href=\"/about\">About us</a> <a href=\"/jobs\">Jobs</a></footer>"
         "</body></html>";
}

TEST(ExtractArticleTest, FixturePageKeepsArticleDropsFurniture) {
  const ExtractedArticle article = ExtractArticle(ReadFixture("news_article.html"));
  EXPECT_THAT(
      article.paragraphs,
      ElementsAre(
          "The Harbour Bridge reopened to traffic on Tuesday morning, two years after engineers "
          "closed it when cracks were found in two of its steel supports.",
          "City officials said the repairs cost £48 million, about €56 million, and that the "
          "crossing would again carry some 40,000 vehicles a day, roughly the number it handled "
          "before the closure.",
          "“It is a relief for everyone who has spent two winters on the ring road,” said the "
          "council's transport chief, who opened the bridge with a short walk across its eastern "
          "lane.",
          "Traffic expected to ease",
          "Bus operators said they would restore the routes that had been diverted during the "
          "works, cutting journey times into the centre by up to twenty minutes.",
          "Cyclists will have to wait until the spring, when a separate path on the western side "
          "is due to open after its own inspection."));
}

TEST(ExtractArticleTest, FixturePageMetadata) {
  const ExtractedArticle article = ExtractArticle(ReadFixture("news_article.html"));
  EXPECT_EQ(article.title, "Harbour bridge reopens after two years of repairs");
  EXPECT_EQ(article.author, "Ada Fictional, Ben Invented");
  EXPECT_EQ(article.published, "2025-01-14T09:30:00+01:00");
  EXPECT_EQ(article.canonical_url,
            "https://gazette.example/news/harbour-bridge-reopens?ref=canonical");
  EXPECT_EQ(article.language, "en-GB");
  EXPECT_EQ(article.site_name, "The Riverside Gazette");
  EXPECT_EQ(article.description, "The crossing carries 40,000 vehicles a day.");
}

TEST(ExtractArticleTest, MetadataFallsBackToMetaTagsTimeAndTitle) {
  const ExtractedArticle article = ExtractArticle(
      "<html><head><title>Plain title</title><meta name=\"author\" content=\"Cara Example\">"
      "<meta property=\"og:locale\" content=\"fr_FR\"><meta name=\"description\" content=\"D\">"
      "<meta property=\"og:url\" content=\"https://x.example/a\"></head><body><article>"
      "<time datetime=\"2025-01-02\">2 Jan</time><p>Some article text that is long enough to "
      "count as a paragraph of prose.</p></article></body></html>");
  EXPECT_EQ(article.title, "Plain title");
  EXPECT_EQ(article.author, "Cara Example");
  EXPECT_EQ(article.published, "2025-01-02");
  EXPECT_EQ(article.canonical_url, "https://x.example/a");
  EXPECT_EQ(article.language, "fr_FR");
  EXPECT_EQ(article.description, "D");
  EXPECT_THAT(article.site_name, IsEmpty());
}

TEST(ExtractArticleTest, TitleFallsBackToFirstHeading) {
  const ExtractedArticle article =
      ExtractArticle("<html><body><h1> Only a <em>heading</em> </h1><p>Text.</p></body></html>");
  EXPECT_EQ(article.title, "Only a heading");
}

TEST(ExtractArticleTest, DropsShareBarsCommentsRelatedAndNavigation) {
  const std::string prose =
      "<p>The committee met for six hours on Monday and agreed, after a long debate, to publish "
      "the full report next week.</p><p>Members said the findings, which cover three years of "
      "spending, would be presented to parliament before the summer recess.</p>";
  const ExtractedArticle article = ExtractArticle(Page(
      "<ul class=\"social-share\"><li><a href=\"#\">Facebook</a></li><li><a href=\"#\">Twitter"
      "</a></li></ul>" +
      prose +
      "<div class=\"related-posts\"><h3>Related</h3><p>Another story about committees, reports "
      "and a great many meetings that went on for far too long.</p></div>"
      "<div id=\"comments\"><p>First! This comment is long enough to look like a paragraph, with "
      "commas, clauses, and opinions.</p></div>"));
  EXPECT_EQ(article.paragraphs.size(), 2u) << Joined(article);
  EXPECT_THAT(Joined(article), Not(HasSubstr("Facebook")));
  EXPECT_THAT(Joined(article), Not(HasSubstr("Another story")));
  EXPECT_THAT(Joined(article), Not(HasSubstr("First!")));
  EXPECT_THAT(Joined(article), Not(HasSubstr("Home")));
}

TEST(ExtractArticleTest, NestedArticlesAreCommentsOrRelatedPosts) {
  const std::string long_text =
      "This paragraph is long enough, with commas, clauses, and detail, to count as prose. ";
  const ExtractedArticle article = ExtractArticle(
      "<html><body><article><p>Main story. " + long_text + "</p><p>Second main paragraph. " +
      long_text + "</p><article><p>Nested related post. " + long_text +
      "</p></article></article></body></html>");
  EXPECT_THAT(Joined(article), HasSubstr("Main story."));
  EXPECT_THAT(Joined(article), Not(HasSubstr("Nested related post.")));
}

TEST(ExtractArticleTest, HiddenBlocksDroppedUnlessTheyHoldTheArticle) {
  const std::string prose =
      "<p>The council approved the plan on Monday, after months of consultation, objections, and "
      "two public meetings.</p><p>Work on the first phase, the council said, will start in the "
      "spring and last about a year.</p>";
  const ExtractedArticle with_hidden_block = ExtractArticle(
      Page(prose +
           "<div style=\"display: none\"><p>Hidden promo text that nobody can see on the page, "
           "long enough to be scored.</p></div>"));
  EXPECT_THAT(Joined(with_hidden_block), Not(HasSubstr("Hidden promo")));
  // Some pages ship their whole body hidden until a script reveals it.
  const ExtractedArticle hidden_wrapper =
      ExtractArticle(Page("<div aria-hidden=\"true\">" + prose + "</div>"));
  EXPECT_THAT(Joined(hidden_wrapper), HasSubstr("The council approved the plan"));
}

TEST(ExtractArticleTest, TrimsLabelsBylinesAndTrailingCallsToAction) {
  const ExtractedArticle article = ExtractArticle(Page(
      "<p>By Dana Example</p>"
      "<p>The harbour authority said on Monday that ferry services would resume, after a week of "
      "storms, on Wednesday morning.</p><p>ADVERTISEMENT</p>"
      "<p>Operators expect delays, however, as crews inspect the piers and the approach "
      "channels.</p>"
      "<p>More Great Stories</p>"
      "<p>Sign up for our newsletter to get the day's news in your inbox every morning.</p>"
      "<p>Reporting by Dana Example; editing by Sam Placeholder</p>"));
  EXPECT_THAT(article.paragraphs,
              ElementsAre("The harbour authority said on Monday that ferry services would "
                          "resume, after a week of storms, on Wednesday morning.",
                          "Operators expect delays, however, as crews inspect the piers and the "
                          "approach channels."));
}

TEST(ExtractArticleTest, KeepsCjkCyrillicAndArabicTextIntact) {
  const std::string chinese =
      "英伟达公司周一公布第四季度财报，营收同比增长百分之七十八，超过分析师此前的普遍预期。"
      "公司表示，数据中心业务仍是主要增长动力。";
  const std::string russian =
      "Компания сообщила, что выручка за квартал выросла на 78 процентов, а чистая прибыль "
      "превысила ожидания аналитиков.";
  const std::string arabic =
      "قالت الشركة إن الإيرادات ارتفعت بنسبة ثمانية وسبعين في المئة خلال الربع الرابع من العام.";
  const ExtractedArticle article = ExtractArticle(
      Page("<p>" + chinese + "</p><p>" + russian + "</p><p dir=\"rtl\">" + arabic + "</p>", "zh"));
  EXPECT_THAT(article.paragraphs, ElementsAre(chinese, russian, arabic));
  EXPECT_EQ(article.language, "zh");
}

TEST(ExtractArticleTest, EmptyAndGarbageInputGiveEmptyArticle) {
  EXPECT_THAT(ExtractArticle("").paragraphs, IsEmpty());
  EXPECT_THAT(ExtractArticle("   ").paragraphs, IsEmpty());
  EXPECT_THAT(ExtractArticle("<html><body></body></html>").paragraphs, IsEmpty());
  const std::string binary("\x00\xff\xfe<\x01\x02>\x80\x81", 10);
  const ExtractedArticle article = ExtractArticle(binary);
  EXPECT_THAT(article.title, IsEmpty());
}

TEST(ExtractArticleTest, MalformedMarkupStillYieldsText) {
  const ExtractedArticle article = ExtractArticle(
      "<html><body><div class=\"article-body\"><p>An unclosed paragraph with <b>bold <i>and "
      "italic text that goes on for quite a while, long enough to score.<p>A second paragraph "
      "right after it, equally long, that the parser must recover.</div></span></table>"
      "<script>broken(</body>");
  EXPECT_THAT(Joined(article), HasSubstr("An unclosed paragraph with bold and italic text"));
  EXPECT_THAT(Joined(article), HasSubstr("A second paragraph right after it"));
}

TEST(ExtractArticleTest, DeeplyNestedInputDoesNotBlowTheStack) {
  std::string html = "<html><body>";
  constexpr int kDepth = 200000;
  for (int i = 0; i < kDepth; ++i) html += "<div>";
  html += "<p>Deep text, deep down, that is long enough to be scored as a paragraph.</p>";
  for (int i = 0; i < kDepth; ++i) html += "</div>";
  html += "</body></html>";
  const ExtractedArticle article = ExtractArticle(html);
  EXPECT_THAT(Joined(article), HasSubstr("Deep text, deep down"));
}

TEST(ExtractArticleTest, JsonLdBodyIsTheFallbackWhenTheDomHasNoProse) {
  const ExtractedArticle article = ExtractArticle(
      "<html><head><script type=\"application/ld+json\">{\"@type\": \"NewsArticle\", "
      "\"articleBody\": \"The page renders its text with script, so only the structured data "
      "carries it. This sentence makes the body long enough to be worth using instead of the "
      "empty page. And one more sentence to pass the threshold for a fallback body text.\"}"
      "</script></head><body><div id=\"app\"></div></body></html>");
  ASSERT_EQ(article.paragraphs.size(), 1u);
  EXPECT_THAT(article.paragraphs[0], HasSubstr("The page renders its text with script"));
}

TEST(ExtractArticleTest, CaptionsAreOptional) {
  const std::string html = Page(
      "<figure><img src=a.jpg><figcaption>A caption under the photo</figcaption></figure>"
      "<p>Paragraph text that is long enough, with a comma, to be scored as the article.</p>"
      "<p>Another paragraph text that is long enough, with a comma, to be scored too.</p>");
  EXPECT_THAT(Joined(ExtractArticle(html)), Not(HasSubstr("caption")));
  ArticleExtractorOptions options;
  options.keep_captions = true;
  EXPECT_THAT(Joined(ExtractArticle(html, options)), HasSubstr("A caption under the photo"));
}

}  // namespace
}  // namespace newsflow::html
