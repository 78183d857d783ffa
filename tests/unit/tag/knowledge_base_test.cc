#include "services/tag/knowledge_base.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace newsflow::tag {
namespace {

using ::testing::HasSubstr;

KbLoadResult Load(const std::string& yaml, const std::string& name = "test.yaml") {
  return KnowledgeBase::LoadSources({KbSource{name, yaml}});
}

std::string AllErrors(const KbLoadResult& r) {
  std::string out;
  for (const KbError& e : r.errors) out += e.ToString() + "\n";
  return out;
}

TEST(KnowledgeBaseTest, LoadsCompactEntities) {
  const KbLoadResult r = Load(R"(version: 1
entities:
  - {id: acme, type: org, name: Acme Robotics, aka: [Acme], zh: [艾克米, 艾克米机器人], tickers: ["Nasdaq:ACME", "HKG:9999"]}
  - {id: jane_roe, type: person, name: Jane Roe}
)");
  ASSERT_TRUE(r.errors.empty()) << AllErrors(r);
  ASSERT_EQ(r.kb->entities().size(), 2u);
  const Entity* acme = r.kb->FindById("acme");
  ASSERT_NE(acme, nullptr);
  EXPECT_EQ(acme->type, EntityType::kOrg);
  EXPECT_EQ(acme->name_zh, "艾克米");
  EXPECT_EQ(acme->aliases.size(), 4u);
  EXPECT_EQ(acme->aliases.front().text, "Acme Robotics");
  ASSERT_EQ(acme->tickers.size(), 2u);
  EXPECT_EQ(acme->tickers[0].exchange, "NASDAQ");
  EXPECT_EQ(acme->tickers[1].exchange, "HKEX");
  EXPECT_EQ(r.kb->FindTicker("NASDAQ", "ACME"), acme);
  EXPECT_EQ(r.kb->FindTicker("nasdaq", "acme"), acme);
  EXPECT_EQ(r.kb->FindTicker("SEHK", "9999"), acme);
  EXPECT_EQ(r.kb->FindTicker("NYSE", "ACME"), nullptr);
  EXPECT_EQ(r.kb->FindSymbol("ACME"), acme);
  EXPECT_EQ(r.kb->alias_count(), 5u);
}

TEST(KnowledgeBaseTest, ExactFlagMakesAliasesCaseSensitive) {
  const KbLoadResult r = Load(R"(entities:
  - {id: pear, type: org, name: Pear, exact: true, aka: [Pear Inc]}
)");
  ASSERT_TRUE(r.errors.empty()) << AllErrors(r);
  for (const Alias& a : r.kb->entities()[0].aliases) EXPECT_TRUE(a.case_sensitive);
}

TEST(KnowledgeBaseTest, ErrorsNameFileLineAndKey) {
  const KbLoadResult r = Load(R"(version: 1
entities:
  - {id: ok_one, type: org, name: Fine}
  - {id: bad_type, type: company, name: Wrong Type}
  - {id: Bad-Id, type: org, name: Bad Id}
  - {id: no_name, type: org}
  - {id: extra, type: loc, name: Extra, colour: blue}
  - {id: bad_ticker, type: org, name: Bad Ticker, tickers: [NVDA, "MOON:XYZ"]}
)",
                              "kb/one.yaml");
  ASSERT_EQ(r.kb, nullptr);
  const std::string errors = AllErrors(r);
  EXPECT_THAT(errors, HasSubstr("kb/one.yaml:4: entities[1].type: unknown type 'company'"));
  EXPECT_THAT(errors, HasSubstr("kb/one.yaml:5: entities[2].id: invalid id 'Bad-Id'"));
  EXPECT_THAT(errors, HasSubstr("kb/one.yaml:6: entities[3].name: missing"));
  EXPECT_THAT(errors, HasSubstr("kb/one.yaml:7: entities[4].colour: unknown key"));
  EXPECT_THAT(errors, HasSubstr("entities[5].tickers[0]: expected EXCHANGE:SYMBOL, got 'NVDA'"));
  EXPECT_THAT(errors, HasSubstr("entities[5].tickers[1]: unknown exchange in 'MOON:XYZ'"));
}

TEST(KnowledgeBaseTest, DuplicateIdsAcrossFilesNameBothPlaces) {
  const KbLoadResult r = KnowledgeBase::LoadSources({
      KbSource{"a.yaml", "entities:\n  - {id: acme, type: org, name: Acme}\n"},
      KbSource{"b.yaml",
               "entities:\n  - {id: zed, type: org, name: Zed}\n"
               "  - {id: acme, type: org, name: Acme Two}\n"},
  });
  ASSERT_EQ(r.kb, nullptr);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(),
            "b.yaml:3: id: duplicate id 'acme' (first defined at a.yaml:2)");
}

TEST(KnowledgeBaseTest, DuplicateTickerIsAnError) {
  const KbLoadResult r = Load(R"(entities:
  - {id: one, type: org, name: One, tickers: [NYSE:ONE]}
  - {id: two, type: org, name: Two, tickers: [NYSE:ONE]}
)");
  ASSERT_EQ(r.kb, nullptr);
  EXPECT_THAT(AllErrors(r), HasSubstr("ticker NYSE:ONE already belongs to 'one'"));
}

TEST(KnowledgeBaseTest, SymbolOnTwoEntitiesIsAmbiguous) {
  const KbLoadResult r = Load(R"(entities:
  - {id: one, type: org, name: One, tickers: [NYSE:ABC]}
  - {id: two, type: org, name: Two, tickers: [LSE:ABC]}
)");
  ASSERT_TRUE(r.errors.empty()) << AllErrors(r);
  EXPECT_EQ(r.kb->FindSymbol("ABC"), nullptr);
  EXPECT_EQ(r.kb->FindTicker("LSE", "ABC")->id, "two");
}

TEST(KnowledgeBaseTest, RejectsBadAliasesAndShapes) {
  EXPECT_THAT(AllErrors(Load("entities:\n  - {id: a, type: org, name: A}\n")),
              HasSubstr("alias shorter than 2 characters"));
  EXPECT_THAT(AllErrors(Load("- just a list\n")), HasSubstr("top level must be a map"));
  EXPECT_THAT(AllErrors(Load("entities: 3\n")), HasSubstr("entities: must be a list"));
  EXPECT_THAT(AllErrors(Load("version: 2\nentities: []\n")), HasSubstr("unsupported version"));
  EXPECT_THAT(AllErrors(Load("entities:\n  - {id: a, type: org, name: Aa, aka: [[x]]}\n")),
              HasSubstr("entities[0].aka[0]: must be a string"));
}

TEST(KnowledgeBaseTest, YamlSyntaxErrorReportsLine) {
  const KbLoadResult r = Load("entities:\n  - {id: a, type: org, name: Aa\n  - oops: [\n");
  ASSERT_EQ(r.kb, nullptr);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].file, "test.yaml");
  EXPECT_GT(r.errors[0].line, 0);
}

TEST(KnowledgeBaseTest, MissingDirectoryIsAnError) {
  const KbLoadResult r = KnowledgeBase::LoadDirectory("/nonexistent/kb/dir");
  ASSERT_EQ(r.kb, nullptr);
  EXPECT_THAT(AllErrors(r), HasSubstr("/nonexistent/kb/dir"));
}

TEST(KnowledgeBaseTest, ShippedDataLoads) {
  const KbLoadResult r = KnowledgeBase::LoadDirectory(NEWSFLOW_KB_DIR);
  ASSERT_TRUE(r.errors.empty()) << AllErrors(r);
  EXPECT_GE(r.kb->entities().size(), 500u);
  EXPECT_EQ(r.kb->FindTicker("NASDAQ", "NVDA")->id, "nvidia");
  EXPECT_EQ(r.kb->FindTicker("NYSE", "BA")->id, "boeing");
  EXPECT_EQ(r.kb->FindTicker("HKEX", "0700")->id, "tencent");
  for (const char* id :
       {"deepseek", "openai", "cnbc", "scale_ai", "alexandr_wang", "jensen_huang", "liang_wenfeng",
        "hangzhou", "nvidia_h100", "nvidia_h800", "deepseek_r1", "united_states", "china"}) {
    EXPECT_NE(r.kb->FindById(id), nullptr) << id;
  }
  EXPECT_EQ(r.kb->FindById("deepseek")->name_zh, "深度求索");
}

}  // namespace
}  // namespace newsflow::tag
