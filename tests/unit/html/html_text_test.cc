#include "services/core/html/html_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace newsflow::html {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(HtmlToParagraphsTest, EmptyAndBlankInputGiveNothing) {
  EXPECT_THAT(HtmlToParagraphs(""), IsEmpty());
  EXPECT_THAT(HtmlToParagraphs("  \n\t "), IsEmpty());
  EXPECT_THAT(HtmlToParagraphs("<div><p> </p></div>"), IsEmpty());
}

TEST(HtmlToParagraphsTest, DecodesNamedNumericAndHexEntities) {
  EXPECT_THAT(HtmlToParagraphs("<p>Fish &amp; chips &lt;3 &quot;caf&eacute;&quot; &#8364;5 "
                               "&#x2014; &mdash;&nbsp;ok</p>"),
              ElementsAre("Fish & chips <3 \"café\" €5 — — ok"));
}

TEST(HtmlToParagraphsTest, BlockElementsBreakParagraphs) {
  EXPECT_THAT(HtmlToParagraphs("<h2>Title</h2><p>One <b>bold</b> word.</p><div>Two</div>"
                               "<ul><li>a</li><li>b</li></ul><blockquote>Quote</blockquote>"),
              ElementsAre("Title", "One bold word.", "Two", "a", "b", "Quote"));
}

TEST(HtmlToParagraphsTest, BrBreaksAndTableRowsAreParagraphsCellsAreSpaced) {
  EXPECT_THAT(HtmlToParagraphs("line one<br>line two<br/><br/>line three"),
              ElementsAre("line one", "line two", "line three"));
  EXPECT_THAT(HtmlToParagraphs("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td>"
                               "</tr></table>"),
              ElementsAre("a b", "c d"));
}

TEST(HtmlToParagraphsTest, InlineWhitespaceCollapsesAndInlineTagsDoNotSplitWords) {
  EXPECT_THAT(HtmlToParagraphs("<p>  many \n\n  spaces\tand<i>it</i>alic  </p>"),
              ElementsAre("many spaces anditalic"));
}

TEST(HtmlToParagraphsTest, PreKeepsItsLines) {
  EXPECT_THAT(HtmlToParagraphs("<pre>x = 1\ny = 2</pre><p>after</p>"),
              ElementsAre("x = 1", "y = 2", "after"));
}

TEST(HtmlToParagraphsTest, DropsScriptStyleNoscriptTemplateSvg) {
  EXPECT_THAT(HtmlToParagraphs("<p>kept</p><script>var x = '<p>no</p>';</script>"
                               "<style>p { color: red }</style><noscript>enable js</noscript>"
                               "<template><p>tmpl</p></template>"
                               "<svg><text>chart label</text></svg><p>also kept</p>"),
              ElementsAre("kept", "also kept"));
}

TEST(HtmlToParagraphsTest, ScriptLikeBodiesAndCommentsNeverLeakOrSwallowText) {
  EXPECT_THAT(HtmlToParagraphs("<!-- <script> --><p>one</p><SCRIPT type=x>if (a</b) f('</p>');"
                               "</SCRIPT><p>two</p><style>a{}</style ><noscript><p>js off</p>"
                               "</noscript><svg viewBox=\"0 0 1 1\"><path d=\"M0\"/></svg>"
                               "<p>three</p><scripts>four</scripts>"),
              ElementsAre("one", "two", "three", "four"));
  // An unterminated script is left to the parser, which drops it.
  EXPECT_THAT(HtmlToParagraphs("<p>kept</p><script>never closed <p>x</p>"), ElementsAre("kept"));
}

TEST(HtmlToParagraphsTest, PlainTextComesBackAsLines) {
  EXPECT_THAT(HtmlToParagraphs("just text"), ElementsAre("just text"));
}

TEST(HtmlToParagraphsTest, KeepsCjkCyrillicArabicIntact) {
  EXPECT_THAT(HtmlToParagraphs("<p>英伟达公司周一发布财报，营收增长。</p><p>Привет, мир!</p>"
                               "<p dir=\"rtl\">مرحبا بالعالم</p><p>日本語のテキスト</p>"),
              ElementsAre("英伟达公司周一发布财报，营收增长。", "Привет, мир!", "مرحبا بالعالم",
                          "日本語のテキスト"));
}

TEST(HtmlToParagraphsTest, InvalidUtf8BecomesReplacementCharacterNotLatin1) {
  // One bad byte must not make the parser reread the rest of the input as Latin-1.
  EXPECT_THAT(HtmlToParagraphs("<p>bad \xFF byte</p><p>café 中文</p>"),
              ElementsAre("bad \xEF\xBF\xBD byte", "café 中文"));
}

TEST(HtmlToParagraphsTest, RecoversFromMalformedMarkup) {
  EXPECT_THAT(HtmlToParagraphs("<p>unclosed <b>bold <i>both</p><p>next</div></span>"
                               "<p attr='x>broken</p>"),
              ::testing::Contains("next"));
  EXPECT_THAT(HtmlToParagraphs("<<<>>> <p>text</p> </html></html>"), ::testing::Contains("text"));
  EXPECT_THAT(HtmlToParagraphs("<p>cut off in the mid"), ElementsAre("cut off in the mid"));
}

TEST(HtmlToParagraphsTest, DeeplyNestedInputDoesNotBlowTheStack) {
  std::string html;
  constexpr int kDepth = 200000;
  for (int i = 0; i < kDepth; ++i) html += "<div><span>";
  html += "deep";
  for (int i = 0; i < kDepth; ++i) html += "</span></div>";
  html += "<p>after</p>";
  const std::vector<std::string> paragraphs = HtmlToParagraphs(html);
  EXPECT_THAT(paragraphs, ::testing::Contains("after"));
}

TEST(HtmlToParagraphsTest, FullPageHonoursDeclaredCharset) {
  // "café" in windows-1252, declared in a meta tag.
  EXPECT_THAT(HtmlToParagraphs("<html><head><meta charset=\"windows-1252\"></head>"
                               "<body><p>caf\xE9</p></body></html>"),
              ElementsAre("café"));
}

TEST(HtmlToParagraphsTest, UnknownCharsetLabelFallsBackToUtf8) {
  EXPECT_THAT(HtmlToParagraphs("<html><head><meta charset=\"no-such-charset\"></head>"
                               "<body><p>café 中文</p></body></html>"),
              ElementsAre("café 中文"));
}

TEST(HtmlToParagraphsTest, OptionsDropCaptionsAndFurniture) {
  const char* html =
      "<nav>Home | News</nav><p>Body.</p><figure><img src=x><figcaption>Photo: AP"
      "</figcaption></figure><footer>© 2025</footer>";
  EXPECT_THAT(HtmlToParagraphs(html), ElementsAre("Home | News", "Body.", "Photo: AP", "© 2025"));
  HtmlTextOptions options;
  options.keep_captions = false;
  options.keep_page_furniture = false;
  EXPECT_THAT(HtmlToParagraphs(html, options), ElementsAre("Body."));
}

}  // namespace
}  // namespace newsflow::html
