#pragma once

// Rule-based tagging of the entity types that follow a grammar rather than a list: MONEY,
// PERCENT, DATE and TICKER, in English and Chinese. One left-to-right pass over the bytes with
// hand-written recognizers (no regex engine), so it runs at memory-scan speed on news text and
// is safe on arbitrary bytes (invalid UTF-8 never matches).
//
// Recognized (examples; "␠" = optional single space):
//  MONEY    $6 million · $ 6 million · US$1.2bn · HK$3 · €5 billion · £20m · ¥100 · RMB 5 billion ·
//           USD 30 · 500 billion yuan · 1,234.56 dollars · 3 million US dollars · 600萬美元 ·
//           5亿元 · 1.5万亿元 · 六百万美元 · 两千亿人民币
//  PERCENT  17% · 16 % · 17％ · 17 percent · 17 per cent · 3 percentage points · 百分之十七 ·
//           百分之17.5 · 十七%
//  DATE     Monday · Monday (January 27) · Monday, January 27 · January 28 · Jan. 28, 2025 ·
//           28 January 2025 · January 2025 · January (not May: a verb) · 2023 · 1990s ·
//           2025-01-27 · 2025/01/27 · 2025年1月27日 · 2025年 · 1月27日 · 星期一 · 周一
//  TICKER   NASDAQ:NVDA · NYSE: BA · (NASDAQ: NVDA) · HKEX: 0700 · (NVDA) · $NVDA
//
// Guards against false positives:
//  - numbers must start a token: not after a letter, digit, '.', ',' or "letter-" ("H100",
//    "GPT-4", "v2.5" yield nothing);
//  - a bare 4-digit number is a DATE only in [min_year, max_year], without grouping or decimals,
//    and not followed by a scale word, a unit of money or a percent sign;
//  - "(XYZ)" and "$XYZ" are tickers only when the knowledge base lists the symbol (otherwise
//    "(AI)" and "(GPU)" would be tickers); with an exchange prefix any symbol is accepted;
//  - short scale suffixes (m, bn, k) and "pounds"/"won" count only next to a currency marker and
//    a scale respectively ("5m" is five metres, "5 pounds" a weight).
// Ticker spans exclude the brackets: "(NASDAQ: NVDA)" -> "NASDAQ: NVDA", "(NVDA)" -> "NVDA".
// Ticker mentions are linked (entity_id, canonical_name = entity name) when the KB knows the
// symbol; otherwise canonical_name is the normalized "EXCHANGE:SYMBOL".
// MONEY mentions carry MoneyValue and canonical_name "USD 6000000"; PERCENT carry PercentValue;
// DATE canonical_name is ISO-like where known: "2025-01-27", "2025-01", "2025", "--01-27",
// "Monday".

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/tag/knowledge_base.h"
#include "services/tag/mention.h"

namespace newsflow::tag {

struct RuleOptions {
  bool money = true;    // default true
  bool percent = true;  // default true
  bool date = true;     // default true
  bool ticker = true;   // default true
  // Currency of a bare "$" and of "dollars". Default "USD".
  std::string dollar_currency = "USD";
  // Currency of "¥" / "￥": CNY in Chinese-language news, JPY in Japanese. Default "CNY".
  std::string yen_sign_currency = "CNY";
  // A bare 4-digit number is a year only in this range. Defaults 1900 and 2099.
  int min_year = 1900;
  int max_year = 2099;
};

class RuleTagger {
 public:
  // `kb` may be null: tickers are then never linked and "(XYZ)" / "$XYZ" never match.
  explicit RuleTagger(RuleOptions options = {}, std::shared_ptr<const KnowledgeBase> kb = nullptr);

  // Appends non-overlapping rule mentions of `text` (any bytes) to *out in text order, with
  // byte and code-point offsets and source kRule. Thread-safe (const, no shared state).
  void Find(std::string_view text, std::vector<Mention>* out) const;

  const RuleOptions& options() const { return options_; }

 private:
  RuleOptions options_;
  std::shared_ptr<const KnowledgeBase> kb_;
};

// Parses a whole string of Chinese numerals ("十七" -> 17, "两千三百万" -> 23000000,
// "一点五亿" -> 150000000, "二〇二五" -> 2025). Returns nullopt when `s` is empty or contains
// anything else.
std::optional<double> ParseChineseNumber(std::string_view s);

}  // namespace newsflow::tag
