// The feed parser's private helpers: HTML reduction, entities, URLs, charsets, authors.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "services/ingest/feed/charset.h"
#include "services/ingest/feed/feed_internal.h"
#include "services/ingest/feed/html_entities.h"
#include "services/ingest/feed/html_text.h"
#include "services/ingest/feed/url.h"

namespace newsflow::feed {
namespace {

TEST(HtmlEntitiesTest, Lookup) {
  EXPECT_EQ(LookupHtmlEntity("eacute").value_or(""), "é");
  EXPECT_EQ(LookupHtmlEntity("Eacute").value_or(""), "É");
  EXPECT_EQ(LookupHtmlEntity("nbsp").value_or(""), "\u00a0");
  EXPECT_EQ(LookupHtmlEntity("rang").value_or(""), "\u232a");
  EXPECT_FALSE(LookupHtmlEntity("bogus").has_value());
  EXPECT_FALSE(LookupHtmlEntity("").has_value());
}

TEST(DecodeHtmlEntitiesTest, NamedNumericAndBroken) {
  EXPECT_EQ(DecodeHtmlEntities("a &amp; b &lt;c&gt; &#233; &#xE9; &#X61;"), "a & b <c> é é a");
  EXPECT_EQ(DecodeHtmlEntities("&#146; &#150;"), "’ –") << "windows-1252 range";
  EXPECT_EQ(DecodeHtmlEntities("&#0; &#xD800; &#99999999;"), "\uFFFD \uFFFD \uFFFD");
  EXPECT_EQ(DecodeHtmlEntities("AT&T &bogus; & &#; &#x;"), "AT&T &bogus; & &#; &#x;");
}

TEST(HtmlToPlainTextTest, TagsBlocksWhitespace) {
  EXPECT_EQ(HtmlToPlainText("<p>One  <b>two</b>\n three</p><p>Four<br>five</p>"),
            "One two three\nFour\nfive");
  EXPECT_EQ(HtmlToPlainText("a<script>var x = '<p>';</script>b<style>p{}</style>c"), "abc");
  EXPECT_EQ(HtmlToPlainText("x<!-- <p>hidden</p> -->y"), "xy");
  EXPECT_EQ(HtmlToPlainText("<!DOCTYPE html><p>a</p>"), "a");
  EXPECT_EQ(HtmlToPlainText("<![CDATA[<kept> & raw]]>"), "<kept> & raw");
  EXPECT_EQ(HtmlToPlainText("<!' <a href=x>"), "<!'") << "not a declaration";
  EXPECT_EQ(HtmlToPlainText("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2") << "stray brackets";
  EXPECT_EQ(HtmlToPlainText("<img alt=\"a>b\" src=x>after"), "after") << "quoted '>'";
  EXPECT_EQ(HtmlToPlainText("keep&nbsp;nbsp"), "keep\u00a0nbsp");
  EXPECT_EQ(HtmlToPlainText("unterminated <b"), "unterminated <b");
  EXPECT_EQ(HtmlToPlainText("<a title='x>y"), "y") << "unbalanced quote ends at the first '>'";
}

TEST(HtmlToPlainTextTest, LinearOnUnterminatedTags) {
  std::string many;
  for (int i = 0; i < 200000; ++i) many += "<a ";
  const auto start = std::chrono::steady_clock::now();
  const std::string text = HtmlToPlainText(many);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  EXPECT_LT(ms, 1000);
  EXPECT_EQ(text.substr(0, 5), "<a <a");
  EXPECT_EQ(HtmlToPlainText(""), "");
}

TEST(CollapseWhitespaceTest, KeepsLines) {
  EXPECT_EQ(CollapseWhitespace("  a \t b \n\n  c  "), "a b\nc");
}

TEST(LooksLikeHtmlTest, Sniffing) {
  EXPECT_TRUE(LooksLikeHtml("<p>x"));
  EXPECT_TRUE(LooksLikeHtml("a</b>"));
  EXPECT_TRUE(LooksLikeHtml("AT&amp;T"));
  EXPECT_FALSE(LooksLikeHtml("AT&T"));
  EXPECT_FALSE(LooksLikeHtml("1 < 2"));
}

TEST(ResolveUrlTest, Rfc3986Examples) {
  const std::string base = "http://a/b/c/d;p?q";
  EXPECT_EQ(ResolveUrl(base, "g"), "http://a/b/c/g");
  EXPECT_EQ(ResolveUrl(base, "./g"), "http://a/b/c/g");
  EXPECT_EQ(ResolveUrl(base, "g/"), "http://a/b/c/g/");
  EXPECT_EQ(ResolveUrl(base, "/g"), "http://a/g");
  EXPECT_EQ(ResolveUrl(base, "//g"), "http://g");
  EXPECT_EQ(ResolveUrl(base, "?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(ResolveUrl(base, "#s"), "http://a/b/c/d;p?q#s");
  EXPECT_EQ(ResolveUrl(base, ""), "http://a/b/c/d;p?q");
  EXPECT_EQ(ResolveUrl(base, ".."), "http://a/b/");
  EXPECT_EQ(ResolveUrl(base, "../g"), "http://a/b/g");
  EXPECT_EQ(ResolveUrl(base, "../../../g"), "http://a/g");
  EXPECT_EQ(ResolveUrl(base, "https://x/y"), "https://x/y");
  EXPECT_EQ(ResolveUrl("", "relative/x"), "relative/x") << "no base";
  EXPECT_EQ(ResolveUrl("http://h", "x"), "http://h/x");
}

TEST(ResolveHtmlLinksTest, RewritesUrlAttributesOnly) {
  EXPECT_EQ(ResolveHtmlLinks("<a href=\"x\" title=\"y\">t</a><img src='i.png'>", "http://h/d/"),
            "<a href=\"http://h/d/x\" title=\"y\">t</a><img src='http://h/d/i.png'>");
  EXPECT_EQ(ResolveHtmlLinks("<a href=x>t</a> 1 < 2", "http://h/"),
            "<a href=http://h/x>t</a> 1 < 2");
}

TEST(SafeBaseTest, Schemes) {
  EXPECT_TRUE(IsSafeBaseUrl("https://a/"));
  EXPECT_FALSE(IsSafeBaseUrl("javascript:alert(1)"));
  EXPECT_FALSE(IsSafeBaseUrl("/relative"));
}

TEST(CharsetTest, ContentTypeParameter) {
  EXPECT_EQ(CharsetFromContentType("text/xml; charset=\"Windows-1252\""), "windows-1252");
  EXPECT_EQ(CharsetFromContentType("application/rss+xml"), "");
}

TEST(CharsetTest, DecodeCandidates) {
  EXPECT_EQ(DecodeToUtf8("<?xml version='1.0' encoding='koi8-r'?><t>\xf0\xd2\xc9</t>", "").utf8,
            "<?xml version='1.0' encoding='koi8-r'?><t>При</t>");
  const DecodedDocument bad = DecodeToUtf8("<t>\xff</t>", "text/xml; charset=utf-8");
  EXPECT_TRUE(bad.fallback_used);
  EXPECT_EQ(bad.utf8, "<t>ÿ</t>");
  const DecodedDocument unknown = DecodeToUtf8("<t>x</t>", "text/xml; charset=no-such-thing");
  EXPECT_EQ(unknown.encoding, "utf-8");
  EXPECT_TRUE(unknown.fallback_used);
  EXPECT_TRUE(IsValidUtf8("é東"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF")) << "overlong";
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80")) << "surrogate";
}

TEST(AuthorStringTest, Shapes) {
  Person p = internal::ParseAuthorString("desk@ledger.example (Business Desk)");
  EXPECT_EQ(p.name, "Business Desk");
  EXPECT_EQ(p.email, "desk@ledger.example");
  p = internal::ParseAuthorString("Mara Lindqvist <mara+feeds@ledger.example>");
  EXPECT_EQ(p.name, "Mara Lindqvist");
  EXPECT_EQ(p.email, "mara+feeds@ledger.example");
  p = internal::ParseAuthorString("Just A Name");
  EXPECT_EQ(p.name, "Just A Name");
  EXPECT_EQ(p.email, "");
  EXPECT_EQ(internal::FormatAuthor(Person{"N", "e@x.org", ""}), "N (e@x.org)");
}

}  // namespace
}  // namespace newsflow::feed
