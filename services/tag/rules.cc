#include "services/tag/rules.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "services/core/text/ascii.h"
#include "services/tag/rule_candidates.h"
#include "services/tag/utf8_scan.h"

namespace newsflow::tag {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlpha(char c) { return IsUpper(c) || IsLower(c); }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

// Chinese numeral characters: digit value 0-9, or a multiplier (10, 100, 1000, 1e4, 1e8).
struct CjkNumeral {
  char32_t cp;
  int digit;  // -1 for multipliers
  double unit;
};
constexpr std::array<CjkNumeral, 21> kCjkNumerals = {{
    {U'〇', 0, 0},    {U'零', 0, 0},    {U'一', 1, 0},    {U'二', 2, 0},    {U'两', 2, 0},
    {U'兩', 2, 0},    {U'三', 3, 0},    {U'四', 4, 0},    {U'五', 5, 0},    {U'六', 6, 0},
    {U'七', 7, 0},    {U'八', 8, 0},    {U'九', 9, 0},    {U'十', -1, 10},  {U'百', -1, 100},
    {U'千', -1, 1e3}, {U'万', -1, 1e4}, {U'萬', -1, 1e4}, {U'亿', -1, 1e8}, {U'億', -1, 1e8},
    {U'点', -2, 0},
}};

const CjkNumeral* FindCjkNumeral(char32_t cp) {
  if (cp < 0x3007 || cp > 0x9FFF) return nullptr;
  for (const CjkNumeral& n : kCjkNumerals) {
    if (n.cp == cp) return &n;
  }
  if (cp == U'點') return &kCjkNumerals[20];
  return nullptr;
}

bool IsCjkMultiplier(char32_t cp) {
  const CjkNumeral* n = FindCjkNumeral(cp);
  return n != nullptr && n->digit == -1;
}

struct Currency {
  std::string_view word;
  std::string_view code;  // empty: the configured dollar / yen currency
  bool needs_scale = false;
};

// After a number, case-insensitive words; longest first where one is a prefix of another.
constexpr Currency kCurrencyWords[] = {
    {"us dollars", "USD"},
    {"u.s. dollars", "USD"},
    {"hong kong dollars", "HKD"},
    {"canadian dollars", "CAD"},
    {"australian dollars", "AUD"},
    {"singapore dollars", "SGD"},
    {"new taiwan dollars", "TWD"},
    {"taiwan dollars", "TWD"},
    {"dollars", ""},
    {"dollar", ""},
    {"euros", "EUR"},
    {"euro", "EUR"},
    {"pounds sterling", "GBP"},
    {"pounds", "GBP", true},
    {"yuan", "CNY"},
    {"renminbi", "CNY"},
    {"yen", "JPY"},
    {"won", "KRW", true},
    {"rupees", "INR"},
    {"swiss francs", "CHF"},
    {"francs", "CHF"},
    {"rubles", "RUB"},
    {"roubles", "RUB"},
};
// After a number, case-sensitive ISO codes.
constexpr std::string_view kIsoCodes[] = {"USD", "EUR", "CNY", "RMB", "GBP", "JPY", "HKD",
                                          "CHF", "INR", "KRW", "CAD", "AUD", "SGD", "TWD"};
// After a number (and optional CJK multipliers); no word boundary in Chinese.
constexpr Currency kCjkCurrencies[] = {
    {"美元", "USD"},   {"美金", "USD"},   {"港元", "HKD"},   {"港币", "HKD"}, {"港幣", "HKD"},
    {"欧元", "EUR"},   {"歐元", "EUR"},   {"日元", "JPY"},   {"日圓", "JPY"}, {"英镑", "GBP"},
    {"英鎊", "GBP"},   {"人民币", "CNY"}, {"人民幣", "CNY"}, {"韩元", "KRW"}, {"韓元", "KRW"},
    {"新台币", "TWD"}, {"新台幣", "TWD"}, {"台币", "TWD"},   {"台幣", "TWD"}, {"元", "CNY"},
};

struct Scale {
  std::string_view word;
  double factor;
  bool short_form;  // only next to a currency marker
};
constexpr Scale kScales[] = {
    {"thousand", 1e3, false},  {"million", 1e6, false}, {"billion", 1e9, false},
    {"trillion", 1e12, false}, {"mln", 1e6, true},      {"mn", 1e6, true},
    {"bln", 1e9, true},        {"bn", 1e9, true},       {"tn", 1e12, true},
    {"trn", 1e12, true},       {"k", 1e3, true},        {"m", 1e6, true},
    {"b", 1e9, true},
};

struct MonthName {
  std::string_view name;
  int month;
  bool abbreviation;
};
constexpr MonthName kMonths[] = {
    {"January", 1, false},  {"February", 2, false},  {"March", 3, false},
    {"April", 4, false},    {"May", 5, false},       {"June", 6, false},
    {"July", 7, false},     {"August", 8, false},    {"September", 9, false},
    {"October", 10, false}, {"November", 11, false}, {"December", 12, false},
    {"Jan", 1, true},       {"Feb", 2, true},        {"Mar", 3, true},
    {"Apr", 4, true},       {"Jun", 6, true},        {"Jul", 7, true},
    {"Aug", 8, true},       {"Sep", 9, true},        {"Sept", 9, true},
    {"Oct", 10, true},      {"Nov", 11, true},       {"Dec", 12, true},
};
constexpr std::string_view kWeekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};

// Spellings of exchanges accepted before ":" in a ticker (case-sensitive: "SIX: ..." yes,
// "six: ..." no). NormalizeExchange maps them to canonical codes.
constexpr std::string_view kExchangeWords[] = {
    "NASDAQ", "Nasdaq", "NasdaqGS", "NYSE", "NYSEArca", "AMEX",    "HKEX",  "HKG", "SEHK",
    "SSE",    "SZSE",   "SHA",      "SHE",  "TSE",      "TYO",     "LSE",   "LON", "TSX",
    "ASX",    "KRX",    "KOSPI",    "EPA",  "ETR",      "FRA",     "XETRA", "SIX", "SWX",
    "TWSE",   "TPE",    "NSE",      "BSE",  "OTC",      "OTCMKTS", "SGX",   "BIT", "BME",
};

struct PrefixCurrency {
  std::string_view letters;  // before '$'
  std::string_view code;
};
constexpr PrefixCurrency kDollarPrefixes[] = {
    {"US", "USD"}, {"U.S.", "USD"}, {"HK", "HKD"}, {"NT", "TWD"}, {"C", "CAD"}, {"CA", "CAD"},
    {"A", "AUD"},  {"AU", "AUD"},   {"S", "SGD"},  {"NZ", "NZD"}, {"R", "BRL"}, {"MX", "MXN"},
};

enum class WordKind : uint8_t { kExchange, kIsoCode, kDollarPrefix, kMonth, kWeekday };
struct WordInfo {
  WordKind kind;
  int value;  // month number, weekday index, or table index
};

// Every word AtCapital can accept, with what it is: the one list that CapitalWords() and the
// compile-time prefix table (CapitalPrefixes) are both built from, so they cannot disagree.
template <typename Visit>
constexpr void ForEachCapitalWord(Visit visit) {
  for (size_t i = 0; i < std::size(kExchangeWords); ++i) {
    visit(kExchangeWords[i], WordInfo{WordKind::kExchange, static_cast<int>(i)});
  }
  for (size_t i = 0; i < std::size(kIsoCodes); ++i) {
    visit(kIsoCodes[i], WordInfo{WordKind::kIsoCode, static_cast<int>(i)});
  }
  for (size_t i = 0; i < std::size(kDollarPrefixes); ++i) {
    // "U.S." is no word: AtCapital handles "U.S.$" on its own.
    if (kDollarPrefixes[i].letters.find('.') == std::string_view::npos) {
      visit(kDollarPrefixes[i].letters, WordInfo{WordKind::kDollarPrefix, static_cast<int>(i)});
    }
  }
  for (size_t i = 0; i < std::size(kMonths); ++i) {
    visit(kMonths[i].name, WordInfo{WordKind::kMonth, static_cast<int>(i)});
  }
  for (size_t i = 0; i < std::size(kWeekdays); ++i) {
    visit(kWeekdays[i], WordInfo{WordKind::kWeekday, static_cast<int>(i)});
  }
}

const std::unordered_map<std::string_view, WordInfo>& CapitalWords() {
  static const auto* words = [] {
    auto* m = new std::unordered_map<std::string_view, WordInfo>();
    ForEachCapitalWord([m](std::string_view word, WordInfo info) { m->emplace(word, info); });
    return m;
  }();
  return *words;
}

struct Number {
  double value = 0;
  size_t end = 0;
  int int_digits = 0;
  bool grouped = false;
  bool decimal = false;
};

std::string FormatAmount(double v) {
  char buf[64];
  if (std::fabs(v) < 1e15 && v == std::floor(v)) {
    // Integral and below 2^53, so exact as int64 with the digits "%.0f" prints, at a fraction
    // of snprintf's cost. Negative values and -0 keep the printf path ("-0").
    if (!std::signbit(v)) {
      const auto result = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(v));
      return std::string(buf, result.ptr);
    }
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.6g", v);
  }
  return buf;
}

// Appends "%02d" of v.
void AppendTwoDigits(int v, std::string* out) {
  if (v >= 0 && v < 100) {
    out->push_back(static_cast<char>('0' + v / 10));
    out->push_back(static_cast<char>('0' + v % 10));
    return;
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02d", v);
  *out += buf;
}

// Case-sensitive letter class for CapitalPrefixes: 0-25 'A'-'Z', 26-51 'a'-'z', 52 otherwise.
constexpr size_t kNotLetter = 52;
constexpr std::array<uint8_t, 256> kLetterClasses = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = c >= 'A' && c <= 'Z'   ? static_cast<uint8_t>(c - 'A')
           : c >= 'a' && c <= 'z' ? static_cast<uint8_t>(c - 'a' + 26)
                                  : static_cast<uint8_t>(kNotLetter);
  }
  return t;
}();
constexpr size_t LetterClass(char c) { return kLetterClasses[static_cast<unsigned char>(c)]; }

// The first three letters (kNotLetter past a word's end) of every word AtCapital can accept: the
// keys of CapitalWords() and the "U" of "U.S.$". Most capitalized words of news text ("The",
// names) are rejected by this one bit before their end is even found. Built at compile time from
// ForEachCapitalWord, like CapitalWords(), so the per-word test needs no initialization guard.
class CapitalPrefixes {
 public:
  constexpr CapitalPrefixes() {
    ForEachCapitalWord([this](std::string_view w, WordInfo) { Set(w); });
    Set("U");
  }
  // `c0` is upper case; c1/c2 are letter classes.
  constexpr bool Contains(char c0, size_t c1, size_t c2) const {
    const size_t k = Key(c0, c1, c2);
    return (bits_[k / 64] >> (k % 64)) & 1;
  }

 private:
  static constexpr size_t Key(char c0, size_t c1, size_t c2) {
    return (static_cast<size_t>(c0 - 'A') * 53 + c1) * 53 + c2;
  }
  constexpr void Set(std::string_view w) {
    const size_t c1 = w.size() > 1 ? LetterClass(w[1]) : kNotLetter;
    const size_t c2 = w.size() > 2 ? LetterClass(w[2]) : kNotLetter;
    const size_t k = Key(w[0], c1, c2);
    bits_[k / 64] |= uint64_t{1} << (k % 64);
  }
  std::array<uint64_t, (26 * 53 * 53 + 63) / 64> bits_{};
};

constexpr CapitalPrefixes kCapitalWordPrefixes;

class Scanner {
 public:
  Scanner(const RuleOptions& options, const KnowledgeBase* kb, std::string_view text,
          std::vector<Mention>* out)
      : o_(options), kb_(kb), t_(text), out_(out) {}

  void Run() {
    const size_t n = t_.size();
    size_t pos = 0;  // everything before pos is decided
    for (size_t base = 0; base < n;) {
      uint64_t mask = RuleCandidateMask(t_, base);
      while (mask != 0) {
        const size_t i = base + static_cast<size_t>(__builtin_ctzll(mask));
        mask &= mask - 1;
        if (i >= pos) pos = At(i);
      }
      // After a long mention, continue at the block that holds pos.
      base = std::max(base + 64, pos & ~size_t{63});
    }
  }

 private:
  // Tries the recognizers at candidate byte i; returns where scanning resumes. A failed digit or
  // capital resumes at i + 1: the rest of its letter/digit run holds no candidates
  // (rule_candidates.h), which is what skipping the token used to do by hand.
  size_t At(size_t i) {
    const auto byte = static_cast<unsigned char>(t_[i]);
    if (!kTriggers[byte]) return i + 1;
    const char c = t_[i];
    size_t end = 0;
    if (IsDigit(c)) {
      return NumberMayStart(i) && AtDigit(i, &end) ? end : i + 1;
    }
    if (IsUpper(c)) {
      return MayBeCapitalWord(i) && !PrevIsWordChar(i) && AtCapital(i, &end) ? end : i + 1;
    }
    if (c == '$') return AtDollar(i, &end) ? end : i + 1;
    if (c == '(') return o_.ticker && AtParen(i, &end) ? end : i + 1;
    size_t len = 0;
    const char32_t cp = utf8::DecodeAt(t_, i, &len);
    return AtNonAscii(cp, i, len, &end) ? end : i + len;
  }

  // A byte that may start a rule mention: digits, capitals, '$', '(' and the UTF-8 lead bytes of
  // currency signs (C2, E2, EF) and of CJK numerals and weekday characters (E3..E9).
  // constexpr, so the per-candidate lookup needs no initialization guard.
  using TriggerTable = std::array<bool, 256>;
  static constexpr TriggerTable kTriggers = [] {
    TriggerTable t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    t['$'] = t['('] = true;
    t[0xC2] = t[0xE2] = t[0xEF] = true;
    for (int c = 0xE3; c <= 0xE9; ++c) t[c] = true;
    return t;
  }();

  // ---- low-level helpers ------------------------------------------------------------------

  // False when the capitalized word at i cannot be one AtCapital accepts (CapitalPrefixes).
  bool MayBeCapitalWord(size_t i) const {
    const size_t n = t_.size();
    const size_t c1 = i + 1 < n ? LetterClass(t_[i + 1]) : kNotLetter;
    const size_t c2 = c1 != kNotLetter && i + 2 < n ? LetterClass(t_[i + 2]) : kNotLetter;
    return kCapitalWordPrefixes.Contains(t_[i], c1, c2);
  }

  bool PrevIsWordChar(size_t i) const {
    if (i == 0) return false;
    const char p = t_[i - 1];
    if (static_cast<unsigned char>(p) < 0x80) return IsAlnum(p) || p == '_';  // the usual case
    size_t len = 0;
    return utf8::IsSpacedWordChar(utf8::DecodeBefore(t_, i, &len));
  }
  bool NextIsWordChar(size_t i) const {
    if (i >= t_.size()) return false;
    if (static_cast<unsigned char>(t_[i]) < 0x80) return IsAlnum(t_[i]) || t_[i] == '_';
    size_t len = 0;
    return utf8::IsSpacedWordChar(utf8::DecodeAt(t_, i, &len));
  }
  bool NumberMayStart(size_t i) const {
    if (i == 0) return true;
    const char p = t_[i - 1];
    if (IsAlnum(p) || p == '.' || p == ',' || p == '_') return false;
    if (p == '-' && i >= 2 && IsAlnum(t_[i - 2])) return false;
    return !PrevIsWordChar(i);
  }
  bool StartsWith(size_t i, std::string_view s) const {
    // The first byte rejects nearly every call before memcmp.
    if (i > t_.size() || t_.size() - i < s.size()) return false;
    return s.empty() || (t_[i] == s[0] && std::memcmp(t_.data() + i, s.data(), s.size()) == 0);
  }
  // Case-insensitive word at i followed by a boundary; returns the end or 0.
  size_t MatchWordCI(size_t i, std::string_view word) const {
    if (i > t_.size() || t_.size() - i < word.size()) return 0;
    for (size_t k = 0; k < word.size(); ++k) {
      if (text::AsciiLower(t_[i + k]) != word[k]) return 0;
    }
    const size_t end = i + word.size();
    return NextIsWordChar(end) ? 0 : end;
  }
  size_t SkipOneSpace(size_t i) const { return i < t_.size() && t_[i] == ' ' ? i + 1 : i; }

  std::optional<Number> ParseNumber(size_t i) const {
    const size_t n = t_.size();
    Number num;
    char buf[64];
    size_t len = 0;
    size_t j = i;
    while (j < n && IsDigit(t_[j])) {
      if (len < sizeof(buf) - 1) buf[len++] = t_[j];
      ++num.int_digits;
      ++j;
    }
    if (num.int_digits == 0) return std::nullopt;
    // Thousands groups: ",ddd" not followed by another digit.
    while (num.int_digits <= 3 || num.grouped) {
      if (j + 3 < n + 0 && t_[j] == ',' && IsDigit(t_[j + 1]) && IsDigit(t_[j + 2]) &&
          IsDigit(t_[j + 3]) && (j + 4 >= n || !IsDigit(t_[j + 4]))) {
        for (int k = 1; k <= 3; ++k) {
          if (len < sizeof(buf) - 1) buf[len++] = t_[j + k];
        }
        num.grouped = true;
        num.int_digits += 3;
        j += 4;
      } else {
        break;
      }
    }
    if (j + 1 < n && t_[j] == '.' && IsDigit(t_[j + 1])) {
      num.decimal = true;
      if (len < sizeof(buf) - 1) buf[len++] = '.';
      ++j;
      while (j < n && IsDigit(t_[j])) {
        if (len < sizeof(buf) - 1) buf[len++] = t_[j];
        ++j;
      }
    }
    if (len >= sizeof(buf) - 1) return std::nullopt;  // absurdly long: not an amount
    if (!num.decimal && len <= 15) {
      // Below 2^53 an integer is exact as a double, so this equals from_chars's result.
      int64_t v = 0;
      for (size_t k = 0; k < len; ++k) v = v * 10 + (buf[k] - '0');
      num.value = static_cast<double>(v);
      num.end = j;
      return num;
    }
    const auto [ptr, ec] = std::from_chars(buf, buf + len, num.value);
    if (ec != std::errc()) return std::nullopt;
    num.end = j;
    return num;
  }

  // Longest run of Chinese numeral characters from i; returns its end (i when none).
  size_t CjkNumeralRun(size_t i) const {
    size_t j = i;
    while (j < t_.size()) {
      size_t len = 0;
      const char32_t cp = utf8::DecodeAt(t_, j, &len);
      if (FindCjkNumeral(cp) == nullptr) break;
      j += len;
    }
    return j;
  }

  // Product of consecutive CJK multipliers from *j ("万亿" -> 1e12); advances *j.
  double CjkMultipliers(size_t* j) const {
    double factor = 1;
    while (*j < t_.size()) {
      size_t len = 0;
      const char32_t cp = utf8::DecodeAt(t_, *j, &len);
      if (!IsCjkMultiplier(cp)) break;
      factor *= FindCjkNumeral(cp)->unit;
      *j += len;
    }
    return factor;
  }

  // An English scale word at j (after an optional space); returns the end or 0.
  size_t ScaleWord(size_t j, bool allow_short, double* factor) const {
    const size_t k = SkipOneSpace(j);
    if (k >= t_.size()) return 0;
    // Every scale word starts with t, m, b or k.
    const char first = text::AsciiLower(t_[k]);
    if (first != 't' && first != 'm' && first != 'b' && first != 'k') return 0;
    for (const Scale& s : kScales) {
      if (s.short_form && !allow_short) continue;
      // Short forms attach or follow one space ("$6m", "$6 bn"); never cross a line.
      if (const size_t end = MatchWordCI(k, s.word); end != 0) {
        *factor = s.factor;
        return end;
      }
    }
    return 0;
  }

  // A currency named after an amount at j (optional space before Latin words); sets *code.
  size_t CurrencyAfter(size_t j, bool scaled, std::string* code) const {
    if (j >= t_.size()) return 0;
    if (static_cast<unsigned char>(t_[j]) >= 0xE4) {  // every CJK currency starts E4..E9
      for (const Currency& c : kCjkCurrencies) {
        if (StartsWith(j, c.word)) {
          *code = c.code;
          return j + c.word.size();
        }
      }
      return 0;
    }
    const size_t k = SkipOneSpace(j);
    if (k >= t_.size() || !IsAlpha(t_[k])) return 0;
    const char first =
        text::AsciiLower(t_[k]);  // every word is lower case: most fail on the first letter
    for (const Currency& c : kCurrencyWords) {
      if (c.word[0] != first || (c.needs_scale && !scaled)) continue;
      if (const size_t end = MatchWordCI(k, c.word); end != 0) {
        *code = c.code.empty() ? o_.dollar_currency : std::string(c.code);
        return end;
      }
    }
    if (!IsUpper(t_[k])) return 0;  // ISO codes are upper case
    for (std::string_view iso : kIsoCodes) {
      if (StartsWith(k, iso) && !NextIsWordChar(k + iso.size())) {
        *code = iso == "RMB" ? "CNY" : std::string(iso);
        return k + iso.size();
      }
    }
    return 0;
  }

  void Emit(EntityType type, size_t start, size_t end, float confidence, std::string canonical,
            std::optional<MoneyValue> money = std::nullopt,
            std::optional<PercentValue> percent = std::nullopt, std::string entity_id = {}) {
    Mention& m = out_->emplace_back();
    m.type = type;
    m.byte_start = static_cast<uint32_t>(start);
    m.byte_end = static_cast<uint32_t>(end);
    m.text.assign(t_.data() + start, end - start);
    m.entity_id = std::move(entity_id);
    m.canonical_name = std::move(canonical);
    m.source = MentionSource::kRule;
    m.confidence = confidence;
    m.money = std::move(money);
    m.percent = percent;
  }

  void EmitMoney(size_t start, size_t end, double amount, double scale, std::string code) {
    MoneyValue v{amount * scale, std::move(code), scale};
    Emit(EntityType::kMoney, start, end, 1.0f, v.currency + " " + FormatAmount(v.amount), v);
  }

  void EmitPercent(size_t start, size_t end, double value) {
    Emit(EntityType::kPercent, start, end, 1.0f, FormatAmount(value) + "%", std::nullopt,
         PercentValue{value});
  }

  // ---- money after a currency marker ---------------------------------------------------------

  // Amount after a currency marker ending at j: "$|6 million", "€|5bn", "RMB |5 billion".
  bool MoneyAfterMarker(size_t start, size_t j, const std::string& code, size_t* end) {
    if (!o_.money) return false;
    j = SkipOneSpace(j);
    if (j >= t_.size() || !IsDigit(t_[j])) return false;
    const std::optional<Number> num = ParseNumber(j);
    if (!num) return false;
    size_t e = num->end;
    double factor = 1;
    if (const size_t s = ScaleWord(e, /*allow_short=*/true, &factor); s != 0) {
      e = s;
    } else {
      size_t k = e;
      const double f = CjkMultipliers(&k);
      if (k != e) factor = f, e = k;
    }
    // "$5 million USD" / "US$5 million dollars": the trailing unit belongs to the amount.
    std::string ignored;
    if (const size_t c = CurrencyAfter(e, factor != 1, &ignored); c != 0 && ignored == code) {
      e = c;
    }
    if (NextIsWordChar(e)) return false;
    EmitMoney(start, e, num->value, factor, code);
    *end = e;
    return true;
  }

  bool AtDollar(size_t i, size_t* end) {
    // Cashtag: "$NVDA" when the KB lists the symbol.
    if (o_.ticker && kb_ != nullptr && i + 1 < t_.size() && IsUpper(t_[i + 1]) &&
        !PrevIsWordChar(i)) {
      size_t j = i + 1;
      while (j < t_.size() && IsUpper(t_[j]) && j - i <= 6) ++j;
      if (!NextIsWordChar(j) && j - i - 1 <= 5) {
        const std::string_view symbol = t_.substr(i + 1, j - i - 1);
        if (const Entity* e = kb_->FindSymbol(symbol)) {
          Emit(EntityType::kTicker, i, j, 0.95f, e->name, std::nullopt, std::nullopt, e->id);
          *end = j;
          return true;
        }
      }
    }
    return MoneyAfterMarker(i, i + 1, o_.dollar_currency, end);
  }

  // ---- capitalized words -----------------------------------------------------------------

  bool AtCapital(size_t i, size_t* end) {
    size_t j = i;
    while (j < t_.size() && IsAlpha(t_[j]) && j - i <= 9) ++j;
    if (j - i > 9) return false;
    const std::string_view word = t_.substr(i, j - i);
    // "U.S.$" is the one dotted prefix.
    if (word == "U" && StartsWith(i, "U.S.$")) return MoneyAfterMarker(i, i + 5, "USD", end);
    const auto& words = CapitalWords();
    const auto it = words.find(word);
    if (it == words.end()) return false;
    switch (it->second.kind) {
      case WordKind::kExchange:
        return o_.ticker && ExchangeTicker(i, j, end);
      case WordKind::kIsoCode: {
        if (NextIsWordChar(j) && !(j < t_.size() && IsDigit(t_[j]))) return false;
        std::string code(word);
        if (code == "RMB") code = "CNY";
        return MoneyAfterMarker(i, j, code, end);
      }
      case WordKind::kDollarPrefix:
        if (j < t_.size() && t_[j] == '$') {
          return MoneyAfterMarker(i, j + 1, std::string(kDollarPrefixes[it->second.value].code),
                                  end);
        }
        return false;
      case WordKind::kMonth:
        return o_.date && MonthDate(i, j, kMonths[it->second.value], end);
      case WordKind::kWeekday:
        return o_.date && WeekdayDate(i, j, it->second.value, end);
    }
    return false;
  }

  bool ExchangeTicker(size_t start, size_t j, size_t* end) {
    size_t k = SkipOneSpace(j);
    if (k >= t_.size() || t_[k] != ':') return false;
    k = SkipOneSpace(k + 1);
    const size_t sym_start = k;
    while (k < t_.size() && (IsUpper(t_[k]) || IsDigit(t_[k]) || t_[k] == '.') &&
           k - sym_start < 10) {
      ++k;
    }
    while (k > sym_start && t_[k - 1] == '.') --k;
    if (k == sym_start || NextIsWordChar(k)) return false;
    const std::string exchange = KnowledgeBase::NormalizeExchange(t_.substr(start, j - start));
    const std::string_view symbol = t_.substr(sym_start, k - sym_start);
    std::string canonical = exchange + ":" + std::string(symbol);
    std::string id;
    if (kb_ != nullptr) {
      if (const Entity* e = kb_->FindTicker(exchange, symbol)) {
        id = e->id;
        canonical = e->name;
      }
    }
    Emit(EntityType::kTicker, start, k, 1.0f, std::move(canonical), std::nullopt, std::nullopt,
         std::move(id));
    *end = k;
    return true;
  }

  bool AtParen(size_t i, size_t* end) {
    if (kb_ == nullptr) return false;
    size_t j = i + 1;
    while (j < t_.size() && (IsUpper(t_[j]) || IsDigit(t_[j])) && j - i <= 6) ++j;
    const size_t base_end = j;
    if (base_end == i + 1 || base_end - i - 1 > 6) return false;
    // Reuters-style suffix: "(NVDA.O)", "(0700.HK)".
    if (j + 1 < t_.size() && t_[j] == '.' && IsUpper(t_[j + 1])) {
      j += 2;
      if (j < t_.size() && IsUpper(t_[j])) ++j;
    }
    if (j >= t_.size() || t_[j] != ')') return false;
    const Entity* e = kb_->FindSymbol(t_.substr(i + 1, base_end - i - 1));
    if (e == nullptr) return false;
    Emit(EntityType::kTicker, i + 1, j, 0.95f, e->name, std::nullopt, std::nullopt, e->id);
    *end = j + 1;
    return true;
  }

  // Day of month at j: 1-31 with an optional ordinal suffix; returns the end or 0.
  size_t DayAt(size_t j, int* day) const {
    if (j >= t_.size() || !IsDigit(t_[j])) return 0;
    int d = t_[j] - '0';
    size_t k = j + 1;
    if (k < t_.size() && IsDigit(t_[k])) d = d * 10 + (t_[k++] - '0');
    if (d < 1 || d > 31 || (k < t_.size() && IsDigit(t_[k]))) return 0;
    for (std::string_view suffix : {"st", "nd", "rd", "th"}) {
      if (StartsWith(k, suffix) && !NextIsWordChar(k + 2)) {
        k += 2;
        break;
      }
    }
    if (NextIsWordChar(k)) return 0;
    *day = d;
    return k;
  }

  // A plausible 4-digit year at j; returns the end or 0.
  size_t YearAt(size_t j, int* year) const {
    if (j + 4 > t_.size()) return 0;
    int y = 0;
    for (size_t k = j; k < j + 4; ++k) {
      if (!IsDigit(t_[k])) return 0;
      y = y * 10 + (t_[k] - '0');
    }
    if (y < o_.min_year || y > o_.max_year || NextIsWordChar(j + 4)) return 0;
    *year = y;
    return j + 4;
  }

  std::string IsoDate(int year, int month, int day) const {
    std::string s;
    if (year > 0) {
      char buf[16];
      s.assign(buf, std::to_chars(buf, buf + sizeof(buf), year).ptr);
    } else {
      s = "-";
    }
    if (month > 0) {
      s += '-';
      AppendTwoDigits(month, &s);
    }
    if (day > 0) {
      s += '-';
      AppendTwoDigits(day, &s);
    }
    return s;
  }

  // After a month name: " 28", " 28, 2025", " 28 2025", " 2025"; *end is where it stops.
  // Returns false when nothing follows (a bare month).
  bool MonthTail(size_t j, int* day, int* year, size_t* end) const {
    *day = 0;
    *year = 0;
    if (j >= t_.size() || t_[j] != ' ') return false;
    if (const size_t d = DayAt(j + 1, day); d != 0) {
      *end = d;
      size_t k = d < t_.size() && t_[d] == ',' ? d + 1 : d;
      if (k < t_.size() && t_[k] == ' ') {
        if (const size_t y = YearAt(k + 1, year); y != 0) *end = y;
      }
      return true;
    }
    if (const size_t y = YearAt(j + 1, year); y != 0) {
      *end = y;
      return true;
    }
    return false;
  }

  bool MonthDate(size_t start, size_t j, const MonthName& month, size_t* end) {
    if (month.abbreviation && j < t_.size() && t_[j] == '.') ++j;
    int day = 0, year = 0;
    size_t e = 0;
    if (MonthTail(j, &day, &year, &e)) {
      Emit(EntityType::kDate, start, e, 1.0f, IsoDate(year, month.month, day));
      *end = e;
      return true;
    }
    // A bare month name: full names only, never "May" (a verb and a name).
    if (month.abbreviation || month.month == 5) return false;
    Emit(EntityType::kDate, start, j, 0.8f, IsoDate(0, month.month, 0));
    *end = j;
    return true;
  }

  bool WeekdayDate(size_t start, size_t j, int weekday, size_t* end) {
    // "Monday, January 27", "Monday (January 27)", "Monday January 27".
    for (std::string_view sep : {", ", " (", " "}) {
      if (!StartsWith(j, sep)) continue;
      const size_t m = j + sep.size();
      size_t w = m;
      while (w < t_.size() && IsAlpha(t_[w]) && w - m <= 9) ++w;
      const auto it = CapitalWords().find(t_.substr(m, w - m));
      if (it == CapitalWords().end() || it->second.kind != WordKind::kMonth) continue;
      const MonthName& month = kMonths[it->second.value];
      size_t after = w;
      if (month.abbreviation && after < t_.size() && t_[after] == '.') ++after;
      int day = 0, year = 0;
      size_t e = 0;
      if (!MonthTail(after, &day, &year, &e) || day == 0) continue;
      if (sep == " (") {
        if (e >= t_.size() || t_[e] != ')') continue;
        ++e;
      }
      Emit(EntityType::kDate, start, e, 1.0f, IsoDate(year, month.month, day));
      *end = e;
      return true;
    }
    Emit(EntityType::kDate, start, j, 0.9f, std::string(kWeekdays[weekday]));
    *end = j;
    return true;
  }

  // ---- numbers -----------------------------------------------------------------------------

  bool AtDigit(size_t i, size_t* end) {
    const std::optional<Number> num = ParseNumber(i);
    if (!num) return false;
    const size_t e = num->end;
    if (o_.date && DigitDate(i, *num, end)) return true;
    // Percent.
    if (o_.percent) {
      size_t k = SkipOneSpace(e);
      size_t p = 0;
      if (StartsWith(k, "%")) {
        p = k + 1;
      } else if (StartsWith(k, "\xEF\xBC\x85")) {  // ％
        p = k + 3;
      } else if (k < t_.size() &&
                 text::AsciiLower(t_[k]) == 'p') {  // every percent word starts with p
        if (size_t w = MatchWordCI(k, "percent"); w != 0) {
          p = w;
        } else if (size_t w2 = MatchWordCI(k, "per cent"); w2 != 0) {
          p = w2;
        } else if (size_t w3 = MatchWordCI(k, "pct"); w3 != 0) {
          p = w3;
        } else if (size_t w4 = MatchWordCI(k, "percentage points"); w4 != 0) {
          p = w4;
        } else if (size_t w5 = MatchWordCI(k, "percentage point"); w5 != 0) {
          p = w5;
        }
      }
      if (p != 0) {
        EmitPercent(i, p, num->value);
        *end = p;
        return true;
      }
    }
    // Money with the currency after the amount: "500 billion yuan", "600萬美元", "5亿元".
    if (o_.money) {
      size_t k = e;
      double factor = 1;
      if (const size_t s = ScaleWord(e, /*allow_short=*/false, &factor); s != 0) {
        k = s;
      } else if (const size_t s2 = ScaleWord(e, /*allow_short=*/true, &factor); s2 != 0) {
        k = s2;  // "5bn dollars": a short scale only counts if a currency follows
      } else {
        const double f = CjkMultipliers(&k);
        if (k != e) factor = f;
      }
      std::string code;
      if (const size_t c = CurrencyAfter(k, factor != 1, &code); c != 0) {
        EmitMoney(i, c, num->value, factor, code);
        *end = c;
        return true;
      }
    }
    // A bare year.
    if (o_.date && num->int_digits == 4 && !num->grouped && !num->decimal) {
      const int y = static_cast<int>(num->value);
      double factor = 0;
      if (y >= o_.min_year && y <= o_.max_year && ScaleWord(e, false, &factor) == 0 &&
          !(e < t_.size() && (t_[e] == '%' || t_[e] == '$'))) {
        size_t ye = e;
        if (ye < t_.size() && t_[ye] == 's' && y % 10 == 0) ++ye;  // "1990s"
        if (!NextIsWordChar(ye)) {
          Emit(EntityType::kDate, i, ye, 0.8f, std::to_string(y) + (ye != e ? "s" : ""));
          *end = ye;
          return true;
        }
      }
    }
    return false;
  }

  // ISO, Chinese and day-first dates starting with a number.
  bool DigitDate(size_t i, const Number& num, size_t* end) {
    if (num.grouped || num.decimal) return false;
    const size_t e = num.end;
    const int v = num.int_digits <= 4 ? static_cast<int>(num.value) : -1;
    // 2025-01-27 / 2025/01/27
    if (num.int_digits == 4 && e + 6 <= t_.size() && (t_[e] == '-' || t_[e] == '/') &&
        t_[e + 3] == t_[e] && IsDigit(t_[e + 1]) && IsDigit(t_[e + 2]) && IsDigit(t_[e + 4]) &&
        IsDigit(t_[e + 5]) && !NextIsWordChar(e + 6)) {
      const int month = (t_[e + 1] - '0') * 10 + (t_[e + 2] - '0');
      const int day = (t_[e + 4] - '0') * 10 + (t_[e + 5] - '0');
      if (v >= o_.min_year && v <= o_.max_year && month >= 1 && month <= 12 && day >= 1 &&
          day <= 31) {
        Emit(EntityType::kDate, i, e + 6, 1.0f, IsoDate(v, month, day));
        *end = e + 6;
        return true;
      }
    }
    // 2025年1月27日 / 2025年 / 1月27日 / 1月
    static constexpr std::string_view kNian = "年", kYue = "月", kRi = "日", kHao = "号",
                                      kHaoT = "號";
    int year = 0, month = 0, day = 0;
    size_t k = e;
    if (StartsWith(k, kNian) && num.int_digits == 4 && v >= o_.min_year && v <= o_.max_year) {
      year = v;
      k += kNian.size();
      const std::optional<Number> m =
          k < t_.size() && IsDigit(t_[k]) ? ParseNumber(k) : std::nullopt;
      if (m && m->int_digits <= 2 && StartsWith(m->end, kYue) && m->value >= 1 && m->value <= 12) {
        month = static_cast<int>(m->value);
        k = m->end + kYue.size();
      }
    } else if (StartsWith(k, kYue) && num.int_digits <= 2 && v >= 1 && v <= 12) {
      month = v;
      k += kYue.size();
    } else {
      // Day first: "28 January 2025", "28 Jan".
      // Month names are capitalized: the upper-case test spares most numbers the hash lookup.
      if (num.int_digits <= 2 && v >= 1 && v <= 31 && e + 1 < t_.size() && t_[e] == ' ' &&
          IsUpper(t_[e + 1])) {
        size_t w = e + 1;
        while (w < t_.size() && IsAlpha(t_[w]) && w - e <= 10) ++w;
        const auto it = CapitalWords().find(t_.substr(e + 1, w - e - 1));
        if (it != CapitalWords().end() && it->second.kind == WordKind::kMonth) {
          const MonthName& mn = kMonths[it->second.value];
          size_t de = w;
          if (mn.abbreviation && de < t_.size() && t_[de] == '.') ++de;
          if (!NextIsWordChar(de)) {
            int y = 0;
            if (de < t_.size() && t_[de] == ' ') {
              if (const size_t ye = YearAt(de + 1, &y); ye != 0) de = ye;
            }
            Emit(EntityType::kDate, i, de, 1.0f, IsoDate(y, mn.month, v));
            *end = de;
            return true;
          }
        }
      }
      return false;
    }
    if (month != 0) {
      const std::optional<Number> d =
          k < t_.size() && IsDigit(t_[k]) ? ParseNumber(k) : std::nullopt;
      if (d && d->int_digits <= 2 && d->value >= 1 && d->value <= 31) {
        for (std::string_view suffix : {kRi, kHao, kHaoT}) {
          if (StartsWith(d->end, suffix)) {
            day = static_cast<int>(d->value);
            k = d->end + suffix.size();
            break;
          }
        }
      }
    }
    Emit(EntityType::kDate, i, k, 1.0f, IsoDate(year, month, day));
    *end = k;
    return true;
  }

  // ---- non-ASCII triggers ----------------------------------------------------------------

  bool AtNonAscii(char32_t cp, size_t i, size_t len, size_t* end) {
    switch (cp) {
      case U'€':
        return MoneyAfterMarker(i, i + len, "EUR", end);
      case U'£':
        return MoneyAfterMarker(i, i + len, "GBP", end);
      case U'¥':
      case U'￥':
        return MoneyAfterMarker(i, i + len, o_.yen_sign_currency, end);
      case U'₹':
        return MoneyAfterMarker(i, i + len, "INR", end);
      case U'₩':
        return MoneyAfterMarker(i, i + len, "KRW", end);
      case U'＄':
        return MoneyAfterMarker(i, i + len, o_.dollar_currency, end);
      default:
        break;
    }
    if (cp < 0x3007 || cp > 0x9FFF) return false;
    if (o_.date && (cp == U'星' || cp == U'周' || cp == U'週')) return CjkWeekday(i, end);
    if (FindCjkNumeral(cp) == nullptr) return false;
    if (o_.percent && cp == U'百' && StartsWith(i, "百分之")) {
      const size_t j = i + std::string_view("百分之").size();
      std::optional<double> value;
      size_t e = j;
      if (j < t_.size() && IsDigit(t_[j])) {
        if (const std::optional<Number> num = ParseNumber(j)) value = num->value, e = num->end;
      } else {
        e = CjkNumeralRun(j);
        value = ParseChineseNumber(t_.substr(j, e - j));
      }
      if (value) {
        EmitPercent(i, e, *value);
        *end = e;
        return true;
      }
    }
    // Chinese numerals followed by a currency ("六百万美元") or a percent sign ("十七%").
    const size_t e = CjkNumeralRun(i);
    const std::optional<double> value = ParseChineseNumber(t_.substr(i, e - i));
    if (!value) return false;
    std::string code;
    if (o_.money) {
      const size_t c = CurrencyAfter(e, true, &code);
      // A bare "元" after a small numeral is usually a word ("一元化", "二元"), not money.
      const bool bare_yuan = StartsWith(e, "元") && *value < 10;
      if (c != 0 && c - e >= 3 && t_[e] != ' ' && !bare_yuan) {
        EmitMoney(i, c, *value, 1, code);
        *end = c;
        return true;
      }
    }
    if (o_.percent && (StartsWith(e, "%") || StartsWith(e, "％"))) {
      const size_t p = e + (t_[e] == '%' ? 1 : 3);
      EmitPercent(i, p, *value);
      *end = p;
      return true;
    }
    return false;
  }

  bool CjkWeekday(size_t i, size_t* end) {
    static constexpr std::string_view kDays[] = {"一", "二", "三", "四", "五", "六", "日", "天"};
    static constexpr std::string_view kNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                  "Friday", "Saturday", "Sunday",    "Sunday"};
    size_t j = i;
    if (StartsWith(i, "星期")) {
      j += std::string_view("星期").size();
    } else {
      j += 3;  // 周 / 週
    }
    for (size_t d = 0; d < std::size(kDays); ++d) {
      if (d == 7 && j == i + 3) break;  // "周天" is colloquial and ambiguous
      if (StartsWith(j, kDays[d])) {
        const size_t e = j + kDays[d].size();
        // "周一个" style false positives are rare, but "周五百" (a numeral) is not a weekday.
        size_t len = 0;
        if (e < t_.size() && FindCjkNumeral(utf8::DecodeAt(t_, e, &len)) != nullptr) {
          return false;
        }
        Emit(EntityType::kDate, i, e, 0.9f, std::string(kNames[d]));
        *end = e;
        return true;
      }
    }
    return false;
  }

  const RuleOptions& o_;
  const KnowledgeBase* kb_;
  std::string_view t_;
  std::vector<Mention>* out_;
};

}  // namespace

std::optional<double> ParseChineseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double result = 0;   // completed 亿 groups
  double wan = 0;      // completed 万 group below 亿
  double section = 0;  // below 万
  double num = 0;      // pending digit(s)
  bool have_num = false;
  bool positional = true;  // only digits so far: "二〇二五" reads positionally
  size_t i = 0;
  while (i < s.size()) {
    size_t len = 0;
    const char32_t cp = utf8::DecodeAt(s, i, &len);
    const CjkNumeral* n = FindCjkNumeral(cp);
    if (n == nullptr) return std::nullopt;
    i += len;
    if (n->digit >= 0) {
      num = have_num && positional ? num * 10 + n->digit : n->digit;
      have_num = true;
    } else if (n->digit == -2) {  // 点: decimal digits follow
      double scale = 0.1;
      bool any = false;
      while (i < s.size()) {
        const CjkNumeral* d = FindCjkNumeral(utf8::DecodeAt(s, i, &len));
        if (d == nullptr || d->digit < 0) break;
        num += d->digit * scale;
        scale /= 10;
        any = true;
        i += len;
      }
      if (!any || !have_num) return std::nullopt;
    } else {
      positional = false;
      const double unit = n->unit;
      if (unit < 1e4) {
        section += (have_num ? num : (unit == 10 ? 1 : 0)) * unit;
        if (!have_num && unit != 10) return std::nullopt;  // "百" alone is not a number
      } else if (unit == 1e4) {
        const double group = section + (have_num ? num : 0);
        if (group == 0) return std::nullopt;  // "万" needs a count: "一万", "十万"
        wan = group * 1e4;
        section = 0;
      } else {
        result = (result + wan + section + (have_num ? num : 0)) * 1e8;
        wan = 0;
        section = 0;
      }
      num = 0;
      have_num = false;
    }
  }
  const double total = result + wan + section + num;
  if (total == 0 && s.find("\xE9\x9B\xB6") == std::string_view::npos &&
      s.find("\xE3\x80\x87") == std::string_view::npos) {
    return std::nullopt;  // only multipliers, e.g. "万"
  }
  return total;
}

RuleTagger::RuleTagger(RuleOptions options, std::shared_ptr<const KnowledgeBase> kb)
    : options_(std::move(options)), kb_(std::move(kb)) {}

void RuleTagger::Find(std::string_view text, std::vector<Mention>* out) const {
  if (text.empty() || text.size() > UINT32_MAX) return;
  const size_t first_new = out->size();
  // News text has about one rule mention per 700 bytes; room for that spares the vector most of
  // its regrowth (each step moves every mention) without holding much memory.
  out->reserve(first_new + text.size() / 512 + 4);
  Scanner(options_, kb_.get(), text, out).Run();
  CodePointOffsets offsets(text);
  for (size_t i = first_new; i < out->size(); ++i) {
    Mention& m = (*out)[i];
    m.start = offsets.ToCodePoint(m.byte_start);
    m.end = offsets.ToCodePoint(m.byte_end);
  }
}

}  // namespace newsflow::tag
