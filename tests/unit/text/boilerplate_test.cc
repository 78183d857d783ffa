#include "services/core/text/boilerplate.h"

#include <gtest/gtest.h>

#include <locale>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace newsflow::text {
namespace {

using Paragraphs = std::vector<std::string>;

BoilerplateFilter MakeFilter(std::vector<BoilerplateRule> user_rules = {}) {
  std::string error;
  std::optional<BoilerplateFilter> filter =
      BoilerplateFilter::Create(std::move(user_rules), &error);
  EXPECT_TRUE(filter.has_value()) << error;
  return std::move(*filter);
}

// A made-up story paragraph long enough to never look like a headline.
const std::string kStory =
    "The city council of Riverton approved a new budget on Thursday after months of debate, "
    "allocating additional money to road repairs and public libraries, officials said.";
const std::string kStory2 =
    "Opposition members criticised the plan, arguing that the tax increase it relies on would "
    "hit small businesses hardest during a slow recovery.";

std::vector<std::string> RemovedRules(const BoilerplateResult& result) {
  std::vector<std::string> rules;
  for (const RemovedParagraph& r : result.removed) rules.push_back(r.rule);
  return rules;
}

// Checks that every paragraph of `keep` is kept and every one of `drop` is removed by `rule`.
void ExpectFiltered(const BoilerplateFilter& filter, const Paragraphs& keep, const Paragraphs& drop,
                    const std::string& rule) {
  for (const std::string& p : keep) {
    BoilerplateResult r = filter.Apply({kStory, p, kStory2});
    EXPECT_EQ(r.kept, (Paragraphs{kStory, p, kStory2})) << "should keep: " << p;
  }
  for (const std::string& p : drop) {
    BoilerplateResult r = filter.Apply({kStory, p, kStory2});
    EXPECT_EQ(r.kept, (Paragraphs{kStory, kStory2})) << "should drop: " << p;
    ASSERT_EQ(r.removed.size(), 1u) << p;
    EXPECT_EQ(r.removed[0].rule, rule) << p;
    EXPECT_EQ(r.removed[0].text, p);
  }
}

TEST(BoilerplateFilterTest, SyndicationFooter) {
  BoilerplateFilter filter = MakeFilter();
  ExpectFiltered(filter,
                 {"The post office in Riverton will close early on Friday, the mayor said.",
                  "She wrote in a post that the event appeared first on a local forum."},
                 {"The post Riverton approves budget – despite protests appeared first on "
                  "Example Wire.",
                  "The post Council votes yes appeared first on examplewire.test",
                  "This article was originally published on Example Wire."},
                 "syndication_footer");
}

TEST(BoilerplateFilterTest, CaptionAndCreditLines) {
  BoilerplateFilter filter = MakeFilter();
  ExpectFiltered(filter,
                 {"Featured image generation is a key feature of the new model, the company said.",
                  "The image shows the council chamber packed with residents.",
                  "Photo sharing apps were blamed for the spread of the rumour.",
                  "Photos by the agency were later withdrawn."},
                 {"Featured image: Stockpix", "Featured Image: Made-up Studio / Example",
                  "Image credit: Jane Roe", "Image Credits: Example Labs", "Photo: Example Press",
                  "Photo credit: John Doe for Example Wire", "Photo by John Doe on Unsplash",
                  "图片来源：示例社"},
                 "image_credit");
}

TEST(BoilerplateFilterTest, ReadMoreLines) {
  BoilerplateFilter filter = MakeFilter();
  ExpectFiltered(
      filter,
      {"Read more books, the minister urged students at the opening ceremony.",
       "Readers who read more than one paper a day were more trusting, the survey found.",
       "He said he had read the post twice before replying."},
      {"Read more", "Read more:", "READ MORE", "Read more...", "Read more »",
       "Read more: Riverton council delays vote", "Also read: Widget prices climb 5%",
       "See also: How budgets are made", "Continue reading on Example Wire",
       "Read more about the budget here."},
      "read_more");
}

TEST(BoilerplateFilterTest, RelatedLines) {
  BoilerplateFilter filter = MakeFilter();
  ExpectFiltered(
      filter,
      {"Related companies saw their shares fall on the news.", "相关部门表示，将继续调查此事。"},
      {"Related:", "Related", "Related articles",
       "Related Stories:", "Related: Riverton council delays vote", "相关阅读",
       "推荐阅读：示例新闻标题", "【相关阅读】示例新闻标题"},
      "related_links");
}

TEST(BoilerplateFilterTest, CallToActionAndShareLines) {
  BoilerplateFilter filter = MakeFilter();
  ExpectFiltered(filter, {"Clicking on the link installed malware, researchers said."},
                 {"Click here to download our app.", "Click here for the full report"},
                 "call_to_action");
  ExpectFiltered(
      filter,
      {"Shares of the company rose 4% in early trading.",
       "Subscribers to the service will pay more from March, the company said.",
       "He refused to sign the agreement."},
      {"Share this article", "Share this story on Facebook", "Follow us on Twitter",
       "Follow us on X for the latest updates", "Subscribe to our newsletter", "Subscribe now!",
       "Sign up for our daily briefing.", "Sign up to get alerts in your inbox"},
      "share_subscribe");
}

TEST(BoilerplateFilterTest, ChineseEditorCreditAndEndMarker) {
  BoilerplateFilter filter = MakeFilter();
  ExpectFiltered(filter, {"编辑部表示将于下周发布更多信息。"},
                 {"责任编辑：王明", "【责任编辑：李华】"}, "editor_credit");
  ExpectFiltered(filter, {"完成这项工作需要三年时间。"}, {"（完）", "(完)"}, "end_marker");
}

TEST(BoilerplateFilterTest, TrailingBlockAfterHeadingRemoved) {
  BoilerplateFilter filter = MakeFilter();
  for (const std::string heading : {"Read more:", "Related:", "More from Example Wire:",
                                    "Recommended", "You may also like", "推荐阅读"}) {
    BoilerplateResult r =
        filter.Apply({kStory, kStory2, heading, "Riverton council delays vote again",
                      "Why widget prices keep climbing", "Five things to know about the budget"});
    EXPECT_EQ(r.kept, (Paragraphs{kStory, kStory2})) << heading;
    EXPECT_EQ(RemovedRules(r), Paragraphs(4, "related_headlines")) << heading;
    ASSERT_EQ(r.removed.size(), 4u);
    EXPECT_EQ(r.removed[0].text, heading);
  }
}

TEST(BoilerplateFilterTest, HeadingFollowedByStoryOnlyLosesTheHeading) {
  BoilerplateFilter filter = MakeFilter();
  BoilerplateResult r = filter.Apply({kStory, "Related:", "A short headline", kStory2});
  EXPECT_EQ(r.kept, (Paragraphs{kStory, "A short headline", kStory2}));
  EXPECT_EQ(RemovedRules(r), (Paragraphs{"related_links"}));

  // "Recommended" and "More from …" are only furniture when they open a trailing block.
  r = filter.Apply({kStory, "Recommended", kStory2});
  EXPECT_EQ(r.kept, (Paragraphs{kStory, "Recommended", kStory2}));
}

TEST(BoilerplateFilterTest, ShortStoryEndingIsNotAHeadlineBlock) {
  BoilerplateFilter filter = MakeFilter();
  // Short final sentences end like prose, so the block stops at the heading.
  BoilerplateResult r = filter.Apply({kStory, "Read more:", "Council backs plan", kStory2,
                                      "He declined to comment.", "The vote is on Monday."});
  EXPECT_EQ(r.kept, (Paragraphs{kStory, "Council backs plan", kStory2, "He declined to comment.",
                                "The vote is on Monday."}));
  EXPECT_EQ(RemovedRules(r), (Paragraphs{"read_more"}));
}

TEST(BoilerplateFilterTest, TrailingBulletRunRemoved) {
  BoilerplateFilter filter = MakeFilter();
  BoilerplateResult r =
      filter.Apply({kStory, kStory2, "- Riverton council delays vote", "• Widget prices climb 5%",
                    "- Five things to know about the budget"});
  EXPECT_EQ(r.kept, (Paragraphs{kStory, kStory2}));
  EXPECT_EQ(RemovedRules(r), Paragraphs(3, "related_headlines"));
}

TEST(BoilerplateFilterTest, LoneMarkerSeparatedRunWithLeadInRemoved) {
  BoilerplateFilter filter = MakeFilter();
  Paragraphs input = {kStory,
                      kStory2,
                      "More details about the budget fight were covered in our earlier report.",
                      "-",
                      "Riverton council delays vote",
                      "-",
                      "Widget prices climb 5%",
                      "-",
                      "Five things to know about the budget"};
  BoilerplateResult r = filter.Apply(input);
  EXPECT_EQ(r.kept, (Paragraphs{kStory, kStory2}));
  EXPECT_EQ(r.removed.size(), 7u);
  EXPECT_EQ(RemovedRules(r), Paragraphs(7, "related_headlines"));
  EXPECT_EQ(r.removed[0].text, input[2]);
}

TEST(BoilerplateFilterTest, BulletsThatAreStoryAreKept) {
  BoilerplateFilter filter = MakeFilter();
  // Only two bullets: not a run.
  Paragraphs two = {kStory, "- Riverton council delays vote", "- Widget prices climb 5%"};
  EXPECT_EQ(filter.Apply(two).kept, two);
  // Bullets that are sentences of the story.
  Paragraphs sentences = {kStory, "- The budget grows by 3% next year.",
                          "- Libraries get two new branches.", "- Road repairs start in May."};
  EXPECT_EQ(filter.Apply(sentences).kept, sentences);
  // A highlights list at the top is not trailing.
  Paragraphs top = {
      "Highlights:", "- Budget approved", "- Taxes rise", "- Libraries expand", kStory, kStory2};
  EXPECT_EQ(filter.Apply(top).kept, top);
  // Never the whole article.
  Paragraphs all = {"- One headline", "- Two headline", "- Three headline"};
  EXPECT_EQ(filter.Apply(all).kept, all);
}

TEST(BoilerplateFilterTest, LongParagraphsAreNeverLineMatched) {
  BoilerplateFilter filter = MakeFilter();
  std::string long_caption = "Photo: " + std::string(400, 'x');
  std::string huge = "Read more " + std::string(200000, 'a');
  Paragraphs input = {kStory, long_caption, huge};
  BoilerplateResult r = filter.Apply(input);
  EXPECT_EQ(r.kept, input);
  EXPECT_TRUE(r.removed.empty());
}

TEST(BoilerplateFilterTest, KeepsOrderAndHandlesEmptyInput) {
  BoilerplateFilter filter = MakeFilter();
  EXPECT_TRUE(filter.Apply({}).kept.empty());
  BoilerplateResult r = filter.Apply(
      {"Photo: Example Press", kStory, "Share this article", kStory2, "Featured image: X"});
  EXPECT_EQ(r.kept, (Paragraphs{kStory, kStory2}));
  EXPECT_EQ(RemovedRules(r), (Paragraphs{"image_credit", "share_subscribe", "image_credit"}));
}

TEST(BoilerplateFilterTest, UserRulesApplyAfterBuiltins) {
  BoilerplateFilter filter =
      MakeFilter({{"sponsored", "sponsored content.*"}, {"promo", "use code \\w+ at checkout.*"}});
  ExpectFiltered(filter, {"Sponsors of the event included two local banks."},
                 {"Sponsored content", "SPONSORED CONTENT: brought to you by Example"},
                 "sponsored");
  ExpectFiltered(filter, {}, {"Use code SAVE10 at checkout"}, "promo");
}

TEST(BoilerplateFilterTest, InvalidUserRulesAreRejected) {
  std::string error;
  EXPECT_FALSE(BoilerplateFilter::Create({{"ok_rule", "fine"}, {"bad_rule", "(unclosed"}}, &error));
  EXPECT_NE(error.find("bad_rule"), std::string::npos) << error;

  error.clear();
  EXPECT_FALSE(BoilerplateFilter::Create({{"", "fine"}}, &error));
  EXPECT_FALSE(error.empty());

  error.clear();
  EXPECT_FALSE(BoilerplateFilter::Create({{"has space", "fine"}}, &error));
  EXPECT_NE(error.find("has space"), std::string::npos) << error;

  error.clear();
  EXPECT_FALSE(BoilerplateFilter::Create({{"empty_pattern", ""}}, &error));
  EXPECT_NE(error.find("empty_pattern"), std::string::npos) << error;

  // A null error pointer is allowed.
  EXPECT_FALSE(BoilerplateFilter::Create({{"bad", "[z-a]"}}, nullptr));
}

TEST(BoilerplateFilterTest, VersionIsStableAndTracksRules) {
  BoilerplateFilter a = MakeFilter();
  BoilerplateFilter b = MakeFilter();
  EXPECT_EQ(a.version(), b.version());
  EXPECT_EQ(a.version().size(), 16u);
  EXPECT_EQ(a.version().find_first_not_of("0123456789abcdef"), std::string::npos);

  BoilerplateFilter c = MakeFilter({{"sponsored", "sponsored content.*"}});
  BoilerplateFilter d = MakeFilter({{"sponsored", "sponsored post.*"}});
  BoilerplateFilter e = MakeFilter({{"promo", "sponsored content.*"}});
  EXPECT_NE(a.version(), c.version());
  EXPECT_NE(c.version(), d.version());
  EXPECT_NE(c.version(), e.version());
  EXPECT_EQ(c.version(), MakeFilter({{"sponsored", "sponsored content.*"}}).version());
}

// The first built-in rule whose pattern matches `p` when tried directly with std::regex, as the
// filter did before it learned to skip paragraphs by their first bytes; "" when none does.
std::string PlainRegexRule(const std::string& p) {
  for (const BoilerplateRule& rule : BoilerplateFilter::BuiltinRules()) {
    std::regex re;
    re.imbue(std::locale::classic());
    re.assign(rule.pattern, std::regex::ECMAScript | std::regex::icase);
    if (std::regex_match(p, re)) return rule.name;
  }
  return "";
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// The filter skips the patterns for paragraphs that cannot start a match: one example of every
// alternative a built-in pattern can begin with must still be removed, by the rule the plain
// patterns name, in any ASCII case and after leading whitespace.
TEST(BoilerplateFilterTest, LeadGateAgreesWithThePlainPatterns) {
  BoilerplateFilter filter = MakeFilter();
  const Paragraphs examples = {"The post A headline appeared first on Example Wire.",
                               "This story was first published on Example Wire.",
                               "This piece originally appeared in Example Weekly.",
                               "Featured image: Stockpix",
                               "Header photo: Jane Roe",
                               "Cover picture credit: X",
                               "Lead image source: Y",
                               "Top photo: Z",
                               "Hero image: Z",
                               "Main photo：Z",
                               "Thumbnail image: Z",
                               "Images: Example Press",
                               "Photographs courtesy: X",
                               "Pictures: X",
                               "Illustration: Jane Roe",
                               "Photo via Example Press",
                               "Image courtesy of NASA",
                               "Picture by Jane Roe",
                               "Credit: Getty Images",
                               "Credits：Reuters",
                               "Source: AP",
                               "图片来源：示例社",
                               "图片：示例",
                               "配图：示例",
                               "摄影：王明",
                               "图：示例",
                               "Read more",
                               "Read next »",
                               "Read also:",
                               "Also read - Widget prices",
                               "See also → How budgets are made",
                               "More reading:",
                               "Further reading: X",
                               "Keep reading",
                               "Continue reading here",
                               "Read the full story at Example Wire",
                               "Read the full report.",
                               "阅读原文",
                               "阅读全文：示例",
                               "查看原文>>",
                               "Related",
                               "Related coverage: X",
                               "Related videos",
                               "You may also like",
                               "You might also enjoy:",
                               "You may also be interested in",
                               "Recommended for you",
                               "Recommended reading:",
                               "【相关阅读】示例",
                               "[相关新闻] 示例",
                               "相关阅读",
                               "推荐阅读：示例",
                               "相关文章",
                               "延伸阅读",
                               "相关报道：示例",
                               "相关链接",
                               "更多阅读",
                               "Click here to subscribe",
                               "Tap here for more",
                               "Click to share on Facebook",
                               "Share this article",
                               "Share the video with friends",
                               "Share on WhatsApp",
                               "Share via email",
                               "Follow us on Twitter",
                               "Like us on Facebook",
                               "Find us at Example Street",
                               "Join us on Telegram",
                               "Subscribe",
                               "Subscribe today for updates",
                               "Sign up!",
                               "Sign up for alerts",
                               "责任编辑：王明",
                               "责编：李华",
                               "【责任编辑：李华】",
                               "[责编：李华]",
                               "（责任编辑：王明）",
                               "(责编：王明)",
                               "（ 责任编辑：王明）",
                               "（完）",
                               "(完)",
                               "【完】",
                               "[ 完 ]",
                               "( 完 )",
                               "【 相关阅读 】示例",
                               "[推荐阅读] 示例",
                               "【延伸阅读】",
                               "【更多阅读】示例",
                               "end",
                               "- END -",
                               "——END——",
                               "—end"};
  for (const std::string& example : examples) {
    for (const std::string& p : {example, Upper(example)}) {
      const std::string expected = PlainRegexRule(p);
      EXPECT_FALSE(expected.empty()) << "not boilerplate for the plain patterns: " << p;
      BoilerplateResult r = filter.Apply({kStory, p, kStory2});
      ASSERT_EQ(r.removed.size(), 1u) << p;
      EXPECT_EQ(r.removed[0].rule, expected) << p;
    }
    // Only some patterns allow leading whitespace; the filter must agree either way.
    for (const std::string& p : {" " + example, "\t" + example}) {
      BoilerplateResult r = filter.Apply({kStory, p, kStory2});
      EXPECT_EQ(r.removed.empty() ? "" : r.removed[0].rule, PlainRegexRule(p)) << p;
    }
  }
  // Story text that starts like a lead, or with a bracket, stays.
  for (const std::string& p :
       {std::string("The post office reopened on Monday."),
        std::string("Sources said the vote would be delayed."),
        std::string("Ending the strike took three weeks."),
        std::string("(Jaya) We did not stop working."),
        std::string("【示例】完成这项工作需要三年时间。"), std::string("(")}) {
    EXPECT_EQ(PlainRegexRule(p), "") << p;
    EXPECT_TRUE(filter.Apply({kStory, p, kStory2}).removed.empty()) << p;
  }
}

// Every alternative of the heading that opens a trailing block, and of the lead-in sentence,
// still opens one.
TEST(BoilerplateFilterTest, LeadGateKeepsEveryTrailingBlockOpener) {
  BoilerplateFilter filter = MakeFilter();
  const Paragraphs headings = {"Read more:",
                               "Read next",
                               "Read also",
                               "Also read",
                               "See also",
                               "Further reading",
                               "What to read next",
                               "Related",
                               "Related stories:",
                               "More from Example Wire:",
                               "More on this story",
                               "More about Riverton",
                               "More in Politics",
                               "More stories",
                               "More news from Riverton",
                               "Recommended",
                               "Recommended for you",
                               "You might also like",
                               "You may also enjoy",
                               "Trending",
                               "Trending now",
                               "Popular now",
                               "Popular stories",
                               "Most read",
                               "Most popular articles",
                               "Most viewed",
                               "Latest news",
                               "Latest headlines",
                               "Top stories",
                               "In other news",
                               "相关阅读",
                               "推荐阅读",
                               "相关新闻",
                               "延伸阅读",
                               "更多阅读",
                               "热门推荐",
                               "【相关新闻】",
                               "[Related]",
                               "[ Read more ]",
                               "【 推荐阅读 】",
                               " Most read"};
  for (const std::string& heading : headings) {
    for (const std::string& h : {heading, Upper(heading)}) {
      BoilerplateResult r =
          filter.Apply({kStory, kStory2, h, "Council delays vote", "Widget prices climb"});
      EXPECT_EQ(r.kept, (Paragraphs{kStory, kStory2})) << h;
    }
  }
  const Paragraphs lead_ins = {"For more details, see our special coverage below.",
                               "More information is available in our coverage here.",
                               "Further coverage of the vote can be found in these reports.",
                               "See our other articles on the budget.",
                               "Read these stories for more background.",
                               "Check out more coverage of the vote in these articles.",
                               "See also the following reports."};
  for (const std::string& lead_in : lead_ins) {
    for (const std::string& l : {lead_in, Upper(lead_in)}) {
      BoilerplateResult r =
          filter.Apply({kStory, kStory2, l, "Council delays vote", "Widget prices climb"});
      EXPECT_EQ(r.kept, (Paragraphs{kStory, kStory2})) << l;
      ASSERT_FALSE(r.removed.empty());
      EXPECT_EQ(r.removed[0].rule, BoilerplateFilter::kRelatedHeadlinesRule) << l;
    }
  }
}

TEST(BoilerplateFilterTest, FilterIsCopyable) {
  BoilerplateFilter a = MakeFilter();
  BoilerplateFilter copy = a;
  EXPECT_EQ(copy.version(), a.version());
  EXPECT_EQ(copy.Apply({kStory, "Read more"}).kept, (Paragraphs{kStory}));
}

}  // namespace
}  // namespace newsflow::text
