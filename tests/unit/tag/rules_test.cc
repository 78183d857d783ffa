#include "services/tag/rules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace newsflow::tag {
namespace {

std::shared_ptr<const KnowledgeBase> TickerKb() {
  KbLoadResult r = KnowledgeBase::LoadSources({KbSource{"t.yaml", R"(entities:
  - {id: nvidia, type: org, name: Nvidia, tickers: [NASDAQ:NVDA]}
  - {id: boeing, type: org, name: Boeing, tickers: [NYSE:BA]}
  - {id: tencent, type: org, name: Tencent, tickers: [HKEX:0700]}
)"}});
  EXPECT_TRUE(r.errors.empty());
  return r.kb;
}

class RulesTest : public ::testing::Test {
 protected:
  std::vector<Mention> Find(const std::string& text) const {
    std::vector<Mention> out;
    tagger_.Find(text, &out);
    return out;
  }
  // The single mention of `text`, or a failure.
  Mention One(const std::string& text) const {
    const std::vector<Mention> m = Find(text);
    EXPECT_EQ(m.size(), 1u) << text;
    return m.empty() ? Mention{} : m[0];
  }
  std::vector<std::string> Surfaces(const std::string& text) const {
    std::vector<std::string> out;
    for (const Mention& m : Find(text)) out.push_back(m.text);
    return out;
  }

  RuleTagger tagger_{RuleOptions{}, TickerKb()};
};

using Strings = std::vector<std::string>;

void ExpectMoney(const Mention& m, const std::string& text, double amount,
                 const std::string& currency) {
  EXPECT_EQ(m.type, EntityType::kMoney) << text;
  EXPECT_EQ(m.text, text);
  ASSERT_TRUE(m.money.has_value()) << text;
  EXPECT_DOUBLE_EQ(m.money->amount, amount) << text;
  EXPECT_EQ(m.money->currency, currency) << text;
  EXPECT_EQ(m.source, MentionSource::kRule);
}

TEST_F(RulesTest, MoneyWithCurrencySymbols) {
  ExpectMoney(One("cost less than $6 million to train"), "$6 million", 6e6, "USD");
  ExpectMoney(One("cost less than $ 6 million to train"), "$ 6 million", 6e6, "USD");
  ExpectMoney(One("raised US$1.2bn in May"), "US$1.2bn", 1.2e9, "USD");
  ExpectMoney(One("a €5 billion fund"), "€5 billion", 5e9, "EUR");
  ExpectMoney(One("fined £20m yesterday"), "£20m", 2e7, "GBP");
  ExpectMoney(One("HK$3.5 billion deal"), "HK$3.5 billion", 3.5e9, "HKD");
  ExpectMoney(One("costs $1,234.56 today"), "$1,234.56", 1234.56, "USD");
  ExpectMoney(One("RMB 5 billion in loans"), "RMB 5 billion", 5e9, "CNY");
  ExpectMoney(One("about USD 30 each"), "USD 30", 30, "USD");
  ExpectMoney(One("a ¥100 ticket"), "¥100", 100, "CNY");
  const Mention m = One("less than $6 million");
  EXPECT_DOUBLE_EQ(m.money->scale, 1e6);
  EXPECT_EQ(m.canonical_name, "USD 6000000");
}

TEST_F(RulesTest, MoneyWithCurrencyWords) {
  ExpectMoney(One("invest 500 billion yuan over years"), "500 billion yuan", 5e11, "CNY");
  ExpectMoney(One("paid 1,234.56 dollars for it"), "1,234.56 dollars", 1234.56, "USD");
  ExpectMoney(One("a 3 million US dollars loan"), "3 million US dollars", 3e6, "USD");
  ExpectMoney(One("worth 7 million pounds"), "7 million pounds", 7e6, "GBP");
  EXPECT_TRUE(Find("lost 5 pounds of weight").empty()) << "pounds needs a scale";
  EXPECT_TRUE(Find("ran 5m and 6k").empty()) << "short scales need a currency";
}

TEST_F(RulesTest, MoneyInChinese) {
  ExpectMoney(One("其訓練成本少於600萬美元。"), "600萬美元", 6e6, "USD");
  ExpectMoney(One("投资5亿元建设"), "5亿元", 5e8, "CNY");
  ExpectMoney(One("规模达1.5万亿元"), "1.5万亿元", 1.5e12, "CNY");
  ExpectMoney(One("仅花费六百万美元"), "六百万美元", 6e6, "USD");
  ExpectMoney(One("投入两千亿人民币"), "两千亿人民币", 2e11, "CNY");
  ExpectMoney(One("售价30欧元"), "30欧元", 30, "EUR");
  EXPECT_TRUE(Find("推动一元化管理").empty());
}

TEST_F(RulesTest, Percent) {
  auto expect_percent = [this](const std::string& text, const std::string& surface, double v) {
    const Mention m = One(text);
    EXPECT_EQ(m.type, EntityType::kPercent) << text;
    EXPECT_EQ(m.text, surface);
    ASSERT_TRUE(m.percent.has_value()) << text;
    EXPECT_DOUBLE_EQ(m.percent->value, v) << text;
  };
  expect_percent("shares fell 17% on the day", "17%", 17);
  expect_percent("shares fell 16 % that day", "16 %", 16);
  expect_percent("shares fell 17 percent", "17 percent", 17);
  expect_percent("up 2.5 per cent", "2.5 per cent", 2.5);
  expect_percent("股价下跌17％", "17％", 17);
  expect_percent("股价下跌百分之十七", "百分之十七", 17);
  expect_percent("增长百分之3.5", "百分之3.5", 3.5);
  expect_percent("下降十七%", "十七%", 17);
  expect_percent("rates rose 3 percentage points", "3 percentage points", 3);
}

TEST_F(RulesTest, EnglishDates) {
  EXPECT_EQ(Surfaces("told reporters on Monday (January 27) that"),
            (Strings{"Monday (January 27)"}));
  EXPECT_EQ(Surfaces("on Monday, January 27, 2025 the"), (Strings{"Monday, January 27, 2025"}));
  EXPECT_EQ(Surfaces("since January 28 it"), (Strings{"January 28"}));
  EXPECT_EQ(Surfaces("filed Jan. 28, 2025 in court"), (Strings{"Jan. 28, 2025"}));
  EXPECT_EQ(Surfaces("held 28 January 2025 in"), (Strings{"28 January 2025"}));
  EXPECT_EQ(Surfaces("in January 2025 and in February"), (Strings{"January 2025", "February"}));
  EXPECT_EQ(Surfaces("on the 3rd, Sept. 3rd was"), (Strings{"Sept. 3rd"}));
  EXPECT_EQ(Surfaces("We May see Jan and Mar"), Strings{}) << "bare May/abbreviations";
  EXPECT_EQ(Surfaces("on Friday"), (Strings{"Friday"}));
  const Mention m = One("due 2025-01-27.");
  EXPECT_EQ(m.type, EntityType::kDate);
  EXPECT_EQ(m.canonical_name, "2025-01-27");
  EXPECT_EQ(One("on Jan. 28, 2025").canonical_name, "2025-01-28");
  EXPECT_EQ(One("January 28").canonical_name, "--01-28");
}

TEST_F(RulesTest, YearsOnlyWhenPlausibleAndStandalone) {
  EXPECT_EQ(Surfaces("founded in 2023, it grew"), (Strings{"2023"}));
  EXPECT_EQ(Surfaces("in the 1990s"), (Strings{"1990s"}));
  EXPECT_TRUE(Find("about 1200 workers and 3500 cars").empty());
  EXPECT_TRUE(Find("a 12025 code, 2,023 items, 2023.5 units").empty());
  EXPECT_TRUE(Find("model H2023 and v2023").empty());
  EXPECT_EQ(Surfaces("paid $2023 million in 2024"), (Strings{"$2023 million", "2024"}));
  EXPECT_EQ(Surfaces("2023%"), (Strings{"2023%"}));
}

TEST_F(RulesTest, ChineseDates) {
  EXPECT_EQ(One("于2025年1月27日发布").canonical_name, "2025-01-27");
  EXPECT_EQ(Surfaces("于2025年1月27日发布"), (Strings{"2025年1月27日"}));
  EXPECT_EQ(Surfaces("2024年的成绩"), (Strings{"2024年"}));
  EXPECT_EQ(Surfaces("在1月27日"), (Strings{"1月27日"}));
  EXPECT_EQ(Surfaces("星期一Nvidia發言人"), (Strings{"星期一"}));
}

TEST_F(RulesTest, TickersWithExchange) {
  Mention m = One("Nvidia (NASDAQ:NVDA) fell");
  EXPECT_EQ(m.type, EntityType::kTicker);
  EXPECT_EQ(m.text, "NASDAQ:NVDA");
  EXPECT_EQ(m.entity_id, "nvidia");
  m = One("Boeing (NYSE: BA) rose");
  EXPECT_EQ(m.text, "NYSE: BA");
  EXPECT_EQ(m.entity_id, "boeing");
  m = One("(NASDAQ: NVDA)");
  EXPECT_EQ(m.text, "NASDAQ: NVDA");
  m = One("Tencent (HKEX: 0700)");
  EXPECT_EQ(m.entity_id, "tencent");
  m = One("listed as NYSE: XYZ today");
  EXPECT_EQ(m.entity_id, "");
  EXPECT_EQ(m.canonical_name, "NYSE:XYZ");
  EXPECT_EQ(One("HKG:0700").canonical_name, "Tencent");
}

TEST_F(RulesTest, BareTickersOnlyWhenKnown) {
  Mention m = One("Nvidia (NVDA) fell");
  EXPECT_EQ(m.text, "NVDA");
  EXPECT_EQ(m.entity_id, "nvidia");
  EXPECT_EQ(m.start, 8u);
  EXPECT_TRUE(Find("artificial intelligence (AI) and (GPU)").empty());
  m = One("buy $NVDA now");
  EXPECT_EQ(m.text, "$NVDA");
  EXPECT_EQ(One("(NVDA.O)").text, "NVDA.O");
}

TEST_F(RulesTest, NoKbMeansNoBareTickers) {
  RuleTagger plain;
  std::vector<Mention> out;
  plain.Find("Nvidia (NVDA) and NASDAQ:NVDA", &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "NASDAQ:NVDA");
  EXPECT_EQ(out[0].entity_id, "");
}

TEST_F(RulesTest, NumbersInsideTokensAreIgnored) {
  EXPECT_TRUE(Find("GPT-4 and H100 and R1 and v2.5 and COVID-19").empty());
}

TEST_F(RulesTest, CodePointOffsetsInMixedText) {
  const std::vector<Mention> m = Find("股价下跌17%，成本600萬美元");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].start, 4u);
  EXPECT_EQ(m[0].end, 7u);
  EXPECT_EQ(m[1].start, 10u);
  EXPECT_EQ(m[1].end, 16u);
}

TEST_F(RulesTest, OptionsDisableFamilies) {
  RuleOptions options;
  options.money = false;
  options.date = false;
  RuleTagger tagger(options);
  std::vector<Mention> out;
  tagger.Find("$5 million on January 28, 2025, up 17%", &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, EntityType::kPercent);
}

TEST(ChineseNumberTest, Parses) {
  EXPECT_EQ(ParseChineseNumber("十七"), 17);
  EXPECT_EQ(ParseChineseNumber("二十"), 20);
  EXPECT_EQ(ParseChineseNumber("一百零五"), 105);
  EXPECT_EQ(ParseChineseNumber("两千三百万"), 23000000);
  EXPECT_EQ(ParseChineseNumber("六百萬"), 6000000);
  EXPECT_EQ(ParseChineseNumber("一亿两千万"), 120000000);
  EXPECT_EQ(ParseChineseNumber("一万亿"), 1e12);
  EXPECT_EQ(ParseChineseNumber("兩億"), 2e8);
  EXPECT_EQ(ParseChineseNumber("二〇二五"), 2025);
  EXPECT_EQ(ParseChineseNumber("一点五亿"), 1.5e8);
  EXPECT_EQ(ParseChineseNumber("零"), 0);
  EXPECT_EQ(ParseChineseNumber("万"), std::nullopt);
  EXPECT_EQ(ParseChineseNumber("百"), std::nullopt);
  EXPECT_EQ(ParseChineseNumber("十七个"), std::nullopt);
  EXPECT_EQ(ParseChineseNumber(""), std::nullopt);
}

TEST_F(RulesTest, SurvivesInvalidUtf8AndTruncation) {
  for (const std::string& text :
       {std::string("$"), std::string("$ "), std::string("17"), std::string("\xE7\x99"),
        std::string("百分之"), std::string("NASDAQ:"), std::string("(NVDA"),
        std::string("Monday ("), std::string("2025年\xE6"), std::string("\xFF$5\xFE million")}) {
    std::vector<Mention> out;
    tagger_.Find(text, &out);
    for (const Mention& m : out) EXPECT_LE(m.byte_end, text.size());
  }
}

}  // namespace
}  // namespace newsflow::tag
