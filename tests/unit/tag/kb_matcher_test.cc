#include "services/tag/kb_matcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace newsflow::tag {
namespace {

constexpr char kTestKb[] = R"(version: 1
entities:
  - {id: nvidia, type: org, name: Nvidia, aka: [NVIDIA Corporation], zh: [英伟达, 輝達], tickers: [NASDAQ:NVDA]}
  - {id: pear, type: org, name: Pear, exact: true}
  - {id: scale_ai, type: org, name: Scale AI}
  - {id: scale_co, type: org, name: Scale}
  - {id: united_states, type: loc, name: United States, aka: [US, U.S.], zh: [美国, 美國]}
  - {id: china, type: loc, name: China, zh: [中国, 中國]}
  - {id: hangzhou, type: loc, name: Hangzhou, zh: [杭州]}
  - {id: h800, type: product, name: H800}
  - {id: deepseek, type: org, name: DeepSeek, zh: [深度求索]}
  - {id: cafe_co, type: org, name: Cafe}
  - {id: new_york, type: loc, name: New York}
  - {id: new_york_times, type: org, name: New York Times}
  - {id: first_owner, type: org, name: Twin Name}
  - {id: second_owner, type: org, name: Twin Name}
  - {id: globe, type: org, name: The Globe and Mail}
  - {id: donald_trump, type: person, name: Donald Trump, aka: [President Trump]}
  - {id: king_stores, type: org, name: King Stores}
  - {id: bitcoin, type: misc, name: Bitcoin}
  - {id: o3_mini, type: product, name: o3-mini}
)";

class KbMatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KbLoadResult r = KnowledgeBase::LoadSources({KbSource{"test.yaml", kTestKb}});
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
    std::string error;
    matcher_ = KbMatcher::Build(r.kb, KbMatcherOptions{}, &error);
    ASSERT_NE(matcher_, nullptr) << error;
  }

  std::vector<Mention> Find(const std::string& text) const {
    std::vector<Mention> out;
    matcher_->Find(text, &out);
    return out;
  }

  // "id@text" per mention, for compact expectations.
  std::vector<std::string> Ids(const std::string& text) const {
    std::vector<std::string> out;
    for (const Mention& m : Find(text)) out.push_back(m.entity_id + "@" + m.text);
    return out;
  }

  std::unique_ptr<KbMatcher> matcher_;
};

using Strings = std::vector<std::string>;

TEST_F(KbMatcherTest, LinksCaseVariantsToOneId) {
  EXPECT_EQ(Ids("Nvidia rose; NVIDIA said; nVidia too"),
            (Strings{"nvidia@Nvidia", "nvidia@NVIDIA", "nvidia@nVidia"}));
  const std::vector<Mention> m = Find("NVIDIA and Nvidia");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_FLOAT_EQ(m[0].confidence, 0.9f) << "case differs from the alias";
  EXPECT_FLOAT_EQ(m[1].confidence, 1.0f);
  EXPECT_EQ(m[1].canonical_name, "Nvidia");
  EXPECT_EQ(m[1].type, EntityType::kOrg);
  EXPECT_EQ(m[1].source, MentionSource::kKnowledgeBase);
}

TEST_F(KbMatcherTest, AllLowerCaseIsAWordUnlessTheAliasIsLowerCase) {
  // "youtube-dl", "the information", "nvidia.com": identifiers and words, not the names.
  EXPECT_EQ(Ids("see nvidia.com and the globe and mail, but The Globe and Mail"),
            (Strings{"globe@Globe and Mail"}));
  // Lower-case aliases, and misc entities (currencies), match in lower case.
  EXPECT_EQ(Ids("bitcoin, Bitcoin, BITCOIN, o3-mini"),
            (Strings{"bitcoin@bitcoin", "bitcoin@Bitcoin", "bitcoin@BITCOIN", "o3_mini@o3-mini"}));
}

TEST_F(KbMatcherTest, ExactAliasesKeepTheirCase) {
  EXPECT_EQ(Ids("Pear shares fell after a pear harvest; PEAR"), (Strings{"pear@Pear"}));
}

TEST_F(KbMatcherTest, ShortAcronymsMatchOnlyInCapitals) {
  EXPECT_EQ(Ids("Let us see what the US and the U.S. do."),
            (Strings{"united_states@US", "united_states@U.S."}));
}

TEST_F(KbMatcherTest, RespectsWordBoundaries) {
  EXPECT_TRUE(Ids("UnNvidia Nvidiaesque Nvidia_x xNvidia 2Nvidia").empty());
  EXPECT_TRUE(Ids("Café Cafeteria").empty()) << "'é' and letters continue the word";
  EXPECT_EQ(Ids("(Nvidia) \"Nvidia\" Nvidia-backed Nvidia."),
            (Strings{"nvidia@Nvidia", "nvidia@Nvidia", "nvidia@Nvidia", "nvidia@Nvidia"}));
}

TEST_F(KbMatcherTest, PossessiveKeepsTheNameSpan) {
  EXPECT_EQ(Ids("Nvidia's chips, Nvidia’s chips, Nvidia′s chips"),
            (Strings{"nvidia@Nvidia", "nvidia@Nvidia", "nvidia@Nvidia"}));
}

TEST_F(KbMatcherTest, ModelNumbersAllowPlural) {
  EXPECT_EQ(Ids("it bought H800s and H800 chips but not H800x"),
            (Strings{"h800@H800", "h800@H800"}));
}

TEST_F(KbMatcherTest, ChineseAliasesMatchInsideChineseText) {
  const std::vector<Mention> m = Find("总部位于杭州的深度求索称，美国和中國的芯片");
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].entity_id, "hangzhou");
  EXPECT_EQ(m[0].start, 4u) << "code points, not bytes";
  EXPECT_EQ(m[0].end, 6u);
  EXPECT_EQ(m[0].byte_start, 12u);
  EXPECT_EQ(m[1].entity_id, "deepseek");
  EXPECT_EQ(m[2].entity_id, "united_states");
  EXPECT_EQ(m[3].entity_id, "china");
}

TEST_F(KbMatcherTest, LatinAliasNextToChineseIsAWord) {
  EXPECT_EQ(Ids("儘管中國新創DeepSeek的出現，輝達股價下跌"),
            (Strings{"china@中國", "deepseek@DeepSeek", "nvidia@輝達"}));
}

TEST_F(KbMatcherTest, LongestMatchWinsAtAPosition) {
  EXPECT_EQ(Ids("Scale AI chief; Scale alone"), (Strings{"scale_ai@Scale AI", "scale_co@Scale"}));
  EXPECT_EQ(Ids("The New York Times in New York"),
            (Strings{"new_york_times@New York Times", "new_york@New York"}));
}

TEST_F(KbMatcherTest, LeadingArticlesAndPersonTitlesStayOutOfTheSpan) {
  // Spans are bare names, as news annotation has them; the whole alias still links. A title
  // word starts an organization's own name ("King Stores") and stays.
  const std::string text = "In the Globe and Mail, President Trump praised King Stores.";
  EXPECT_EQ(Ids(text),
            (Strings{"globe@Globe and Mail", "donald_trump@Trump", "king_stores@King Stores"}));
  const std::vector<Mention> ms = Find(text);
  ASSERT_EQ(ms.size(), 3u);
  EXPECT_EQ(ms[0].byte_start, text.find("Globe"));
  EXPECT_EQ(ms[0].start, text.find("Globe"));  // ASCII: code points equal bytes
  EXPECT_EQ(ms[1].byte_start, text.find("Trump"));
  EXPECT_EQ(ms[1].byte_end, text.find(" praised"));
  // Not matched without the article: "Globe and Mail" alone is no alias here.
  EXPECT_EQ(Ids("Globe and Mail"), Strings{});
}

TEST_F(KbMatcherTest, AmbiguousAliasLinksToFirstDefined) {
  EXPECT_EQ(Ids("Twin Name"), (Strings{"first_owner@Twin Name"}));
}

TEST_F(KbMatcherTest, AppendsAfterExistingMentions) {
  std::vector<Mention> out(1);
  matcher_->Find("China", &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].entity_id, "china");
}

TEST_F(KbMatcherTest, SurvivesInvalidUtf8) {
  const std::string text = "\xFF\xE4\xB8Nvidia\xE4\xB8\xAD\xE5\x9B\xBD\xC3";
  EXPECT_EQ(Ids(text), (Strings{"nvidia@Nvidia", "china@中国"}));
  EXPECT_TRUE(Ids("").empty());
}

TEST(KbMatcherBuildTest, EmptyKbFindsNothing) {
  KbLoadResult r = KnowledgeBase::FromEntities({});
  ASSERT_TRUE(r.errors.empty());
  auto matcher = KbMatcher::Build(r.kb, {}, nullptr);
  ASSERT_NE(matcher, nullptr);
  std::vector<Mention> out;
  matcher->Find("anything at all", &out);
  EXPECT_TRUE(out.empty());
}

TEST(KbMatcherBuildTest, ShippedKbTagsSampleLikeSentence) {
  KbLoadResult r = KnowledgeBase::LoadDirectory(NEWSFLOW_KB_DIR);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  auto matcher = KbMatcher::Build(r.kb, {}, nullptr);
  ASSERT_NE(matcher, nullptr);
  std::vector<Mention> out;
  matcher->Find(
      "Shares of Nvidia slid after Hangzhou-based DeepSeek said its R1 model was trained on "
      "H800 chips; Scale AI chief Alexandr Wang told CNBC that OpenAI and Jensen Huang's "
      "company face a new rival. 英伟达 and 深度求索 (梁文锋) were named.",
      &out);
  std::vector<std::string> ids;
  for (const Mention& m : out) ids.push_back(m.entity_id);
  EXPECT_EQ(ids, (Strings{"nvidia", "hangzhou", "deepseek", "deepseek_r1", "nvidia_h800",
                          "scale_ai", "alexandr_wang", "cnbc", "openai", "jensen_huang", "nvidia",
                          "deepseek", "liang_wenfeng"}));
}

TEST(KbMatcherBuildTest, ShippedKbCaseRules) {
  KbLoadResult r = KnowledgeBase::LoadDirectory(NEWSFLOW_KB_DIR);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  auto matcher = KbMatcher::Build(r.kb, {}, nullptr);
  ASSERT_NE(matcher, nullptr);
  std::vector<Mention> out;
  matcher->Find("Apple sold apple pies to us in the US; NVIDIA's and Nvidia’s GPUs.", &out);
  std::vector<std::string> got;
  for (const Mention& m : out) got.push_back(m.entity_id + "@" + m.text);
  EXPECT_EQ(got, (Strings{"apple@Apple", "united_states@US", "nvidia@NVIDIA", "nvidia@Nvidia"}));
}

TEST(KbHandleTest, ReloadSwapsOnlyOnSuccess) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("kb_handle_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "a.yaml")
        << "entities:\n  - {id: acme, type: org, name: Acme, tickers: [NYSE:ACM]}\n";
  }
  KbHandle handle;
  EXPECT_EQ(handle.Get(), nullptr);
  EXPECT_TRUE(handle.ReloadFromDirectory(dir.string(), {}).empty());
  const auto first = handle.Get();
  ASSERT_NE(first, nullptr);
  EXPECT_NE(first->kb->FindById("acme"), nullptr);
  ASSERT_NE(first->rules, nullptr);
  std::vector<Mention> tickers;
  first->rules->Find("NYSE: ACM", &tickers);
  ASSERT_EQ(tickers.size(), 1u);
  EXPECT_EQ(tickers[0].entity_id, "acme") << "the rule tagger links against the same KB";

  { std::ofstream(dir / "a.yaml") << "entities:\n  - {id: acme, type: nonsense, name: Acme}\n"; }
  const std::vector<KbError> errors = handle.ReloadFromDirectory(dir.string(), {});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(handle.Get(), first) << "a failed reload keeps the old snapshot";

  { std::ofstream(dir / "a.yaml") << "entities:\n  - {id: zed, type: org, name: Zed}\n"; }
  EXPECT_TRUE(handle.ReloadFromDirectory(dir.string(), {}).empty());
  EXPECT_NE(handle.Get()->kb->FindById("zed"), nullptr);
  EXPECT_NE(first->kb->FindById("acme"), nullptr) << "old snapshot stays valid for its holders";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace newsflow::tag
