#include "services/core/text/boilerplate.h"

#include <gtest/gtest.h>

#include <optional>
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

TEST(BoilerplateFilterTest, FilterIsCopyable) {
  BoilerplateFilter a = MakeFilter();
  BoilerplateFilter copy = a;
  EXPECT_EQ(copy.version(), a.version());
  EXPECT_EQ(copy.Apply({kStory, "Read more"}).kept, (Paragraphs{kStory}));
}

}  // namespace
}  // namespace newsflow::text
