#include "services/core/time/datetime.h"

#include <array>
#include <cstdio>
#include <string>
#include <vector>

namespace newsflow::datetime {
namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// A fully resolved date-time before conversion; fields are validated by ToEpoch.
struct Fields {
  int64_t year = -1;
  int month = -1;
  int day = -1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int offset_minutes = 0;  // local time minus UTC
};

std::optional<int64_t> ToEpoch(const Fields& f) {
  if (f.year < 1 || f.year > 9999 || f.month < 1 || f.month > 12) return std::nullopt;
  if (f.day < 1 || f.day > DaysInMonth(f.year, f.month)) return std::nullopt;
  if (f.hour < 0 || f.hour > 24 || f.minute < 0 || f.minute > 59 || f.second < 0 || f.second > 60) {
    return std::nullopt;
  }
  if (f.hour == 24 && (f.minute != 0 || f.second != 0)) return std::nullopt;
  if (f.offset_minutes < -24 * 60 || f.offset_minutes > 24 * 60) return std::nullopt;
  const int second = f.second == 60 ? 59 : f.second;
  return DaysFromCivil(f.year, f.month, f.day) * 86400 + f.hour * 3600 + f.minute * 60 + second -
         static_cast<int64_t>(f.offset_minutes) * 60;
}

// Month and day from a 1-based ordinal day of `year`.
bool OrdinalToMonthDay(int64_t year, int ordinal, Fields* f) {
  if (ordinal < 1 || ordinal > (IsLeap(year) ? 366 : 365)) return false;
  int m = 1;
  while (ordinal > DaysInMonth(year, m)) {
    ordinal -= DaysInMonth(year, m);
    ++m;
  }
  f->month = m;
  f->day = ordinal;
  return true;
}

int64_t ExpandTwoDigitYear(int64_t y) { return y < 50 ? 2000 + y : 1900 + y; }

// ---------------------------------------------------------------------------------------------
// ISO 8601 / W3C-DTF: the whole string must match.

class IsoScanner {
 public:
  explicit IsoScanner(std::string_view s) : s_(s) {}

  // Reads exactly `n` digits.
  bool Digits(size_t n, int64_t* out) {
    if (pos_ + n > s_.size()) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!IsDigit(s_[pos_ + i])) return false;
      v = v * 10 + (s_[pos_ + i] - '0');
    }
    pos_ += n;
    *out = v;
    return true;
  }
  size_t DigitRun() const {
    size_t n = 0;
    while (pos_ + n < s_.size() && IsDigit(s_[pos_ + n])) ++n;
    return n;
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool AtEnd() const { return pos_ == s_.size(); }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void Skip() { ++pos_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool ParseIsoDate(IsoScanner& sc, Fields* f) {
  int64_t a = 0;
  int64_t b = 0;
  int64_t c = 0;
  if (sc.Eat('-')) {  // -YYMM or -YY-MM: century implied
    if (!sc.Digits(2, &a)) return false;
    sc.Eat('-');
    if (!sc.Digits(2, &b)) return false;
    f->year = ExpandTwoDigitYear(a);
    f->month = static_cast<int>(b);
    f->day = 1;
    return true;
  }
  const size_t run = sc.DigitRun();
  switch (run) {
    case 4: {
      sc.Digits(4, &a);
      f->year = a;
      f->month = 1;
      f->day = 1;
      if (!sc.Eat('-')) return true;  // YYYY
      const size_t r2 = sc.DigitRun();
      if (r2 == 3) {  // YYYY-DDD
        sc.Digits(3, &b);
        return OrdinalToMonthDay(a, static_cast<int>(b), f);
      }
      if (r2 == 4) {  // YYYY-MMDD
        sc.Digits(2, &b);
        sc.Digits(2, &c);
        f->month = static_cast<int>(b);
        f->day = static_cast<int>(c);
        return true;
      }
      if (r2 != 2) return false;
      sc.Digits(2, &b);
      f->month = static_cast<int>(b);
      if (!sc.Eat('-')) return true;  // YYYY-MM
      if (!sc.Digits(2, &c) || IsDigit(sc.Peek())) return false;
      f->day = static_cast<int>(c);
      return true;
    }
    case 8:  // YYYYMMDD
      sc.Digits(4, &a);
      sc.Digits(2, &b);
      sc.Digits(2, &c);
      f->year = a;
      f->month = static_cast<int>(b);
      f->day = static_cast<int>(c);
      return true;
    case 7:  // YYYYDDD
      sc.Digits(4, &a);
      sc.Digits(3, &b);
      f->year = a;
      return OrdinalToMonthDay(a, static_cast<int>(b), f);
    case 6:  // YYMMDD
      sc.Digits(2, &a);
      sc.Digits(2, &b);
      sc.Digits(2, &c);
      f->year = ExpandTwoDigitYear(a);
      f->month = static_cast<int>(b);
      f->day = static_cast<int>(c);
      return true;
    case 5:  // YYDDD
      sc.Digits(2, &a);
      sc.Digits(3, &b);
      f->year = ExpandTwoDigitYear(a);
      return OrdinalToMonthDay(f->year, static_cast<int>(b), f);
    case 2:  // YY-MM-DD
      sc.Digits(2, &a);
      if (!sc.Eat('-') || !sc.Digits(2, &b) || !sc.Eat('-') || !sc.Digits(2, &c)) return false;
      f->year = ExpandTwoDigitYear(a);
      f->month = static_cast<int>(b);
      f->day = static_cast<int>(c);
      return true;
    default:
      return false;
  }
}

bool ParseIsoZone(IsoScanner& sc, Fields* f) {
  if (sc.AtEnd()) return true;
  if (sc.Eat('Z') || sc.Eat('z')) return sc.AtEnd();
  int sign = 0;
  if (sc.Eat('+')) {
    sign = 1;
  } else if (sc.Eat('-')) {
    sign = -1;
  } else {
    return false;
  }
  int64_t hh = 0;
  int64_t mm = 0;
  if (!sc.Digits(2, &hh)) return false;
  if (!sc.AtEnd()) {
    sc.Eat(':');
    if (!sc.Digits(2, &mm)) return false;
  }
  if (hh > 23 || mm > 59) return false;
  f->offset_minutes = sign * static_cast<int>(hh * 60 + mm);
  return sc.AtEnd();
}

std::optional<int64_t> ParseIso8601(std::string_view s) {
  IsoScanner sc(s);
  Fields f;
  if (!ParseIsoDate(sc, &f)) return std::nullopt;
  if (sc.AtEnd()) return ToEpoch(f);
  const char sep = sc.Peek();
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  sc.Skip();
  int64_t hh = 0;
  int64_t mm = 0;
  int64_t ss = 0;
  if (!sc.Digits(2, &hh)) return std::nullopt;
  const bool colon = sc.Eat(':');
  if (sc.DigitRun() >= 2) {
    sc.Digits(2, &mm);
    if (colon ? sc.Eat(':') : sc.DigitRun() >= 2) {
      if (!sc.Digits(2, &ss)) return std::nullopt;
      if (sc.Eat('.') || sc.Eat(',')) {
        if (sc.DigitRun() == 0) return std::nullopt;
        while (IsDigit(sc.Peek())) sc.Skip();
      }
    }
  } else if (colon) {
    return std::nullopt;
  }
  f.hour = static_cast<int>(hh);
  f.minute = static_cast<int>(mm);
  f.second = static_cast<int>(ss);
  if (!ParseIsoZone(sc, &f)) return std::nullopt;
  return ToEpoch(f);
}

// ---------------------------------------------------------------------------------------------
// Everything else: a token stream read by a permissive grammar. Unknown words fail the parse so
// that arbitrary prose is never taken for a date.

struct NamedValue {
  std::string_view name;
  int value;
};

// Month names and abbreviations, lower case, in the languages feeds are written in.
constexpr NamedValue kMonths[] = {
    // English
    {"jan", 1},
    {"january", 1},
    {"feb", 2},
    {"february", 2},
    {"mar", 3},
    {"march", 3},
    {"apr", 4},
    {"april", 4},
    {"may", 5},
    {"jun", 6},
    {"june", 6},
    {"jul", 7},
    {"july", 7},
    {"aug", 8},
    {"august", 8},
    {"sep", 9},
    {"sept", 9},
    {"september", 9},
    {"oct", 10},
    {"october", 10},
    {"nov", 11},
    {"november", 11},
    {"dec", 12},
    {"december", 12},
    // French
    {"janvier", 1},
    {"janv", 1},
    {"février", 2},
    {"fevrier", 2},
    {"févr", 2},
    {"fevr", 2},
    {"mars", 3},
    {"avril", 4},
    {"avr", 4},
    {"mai", 5},
    {"juin", 6},
    {"juillet", 7},
    {"juil", 7},
    {"août", 8},
    {"aout", 8},
    {"septembre", 9},
    {"octobre", 10},
    {"novembre", 11},
    {"décembre", 12},
    {"decembre", 12},
    {"déc", 12},
    // German
    {"januar", 1},
    {"jänner", 1},
    {"februar", 2},
    {"märz", 3},
    {"mär", 3},
    {"maerz", 3},
    {"mrz", 3},
    {"juni", 6},
    {"juli", 7},
    {"oktober", 10},
    {"okt", 10},
    {"dezember", 12},
    {"dez", 12},
    // Spanish
    {"enero", 1},
    {"ene", 1},
    {"febrero", 2},
    {"marzo", 3},
    {"abril", 4},
    {"abr", 4},
    {"mayo", 5},
    {"junio", 6},
    {"julio", 7},
    {"agosto", 8},
    {"ago", 8},
    {"septiembre", 9},
    {"setiembre", 9},
    {"octubre", 10},
    {"noviembre", 11},
    {"diciembre", 12},
    {"dic", 12},
    // Italian
    {"gennaio", 1},
    {"gen", 1},
    {"febbraio", 2},
    {"aprile", 4},
    {"maggio", 5},
    {"mag", 5},
    {"giugno", 6},
    {"giu", 6},
    {"luglio", 7},
    {"lug", 7},
    {"settembre", 9},
    {"set", 9},
    {"ottobre", 10},
    {"ott", 10},
    {"dicembre", 12},
    // Dutch
    {"januari", 1},
    {"februari", 2},
    {"maart", 3},
    {"mrt", 3},
    {"mei", 5},
    {"augustus", 8},
    // Portuguese
    {"janeiro", 1},
    {"fevereiro", 2},
    {"fev", 2},
    {"março", 3},
    {"marco", 3},
    {"maio", 5},
    {"junho", 6},
    {"julho", 7},
    {"setembro", 9},
    {"outubro", 10},
    {"out", 10},
    {"novembro", 11},
    {"dezembro", 12},
    // Hungarian
    {"január", 1},
    {"február", 2},
    {"március", 3},
    {"április", 4},
    {"május", 5},
    {"június", 6},
    {"július", 7},
    {"szeptember", 9},
    {"október", 10},
    // Greek (abbreviations as feeds print them, with and without accents, both cases)
    {"Ιαν", 1},
    {"ιαν", 1},
    {"Φεβ", 2},
    {"φεβ", 2},
    {"Μάώ", 3},
    {"Μαώ", 3},
    {"Μάρ", 3},
    {"Μαρ", 3},
    {"μαρ", 3},
    {"Απρ", 4},
    {"απρ", 4},
    {"Μάι", 5},
    {"Μαϊ", 5},
    {"Μαι", 5},
    {"μαι", 5},
    {"Ιούν", 6},
    {"Ιον", 6},
    {"Ιουν", 6},
    {"ιουν", 6},
    {"Ιούλ", 7},
    {"Ιολ", 7},
    {"Ιουλ", 7},
    {"ιουλ", 7},
    {"Αύγ", 8},
    {"Αυγ", 8},
    {"αυγ", 8},
    {"Σεπ", 9},
    {"σεπ", 9},
    {"Οκτ", 10},
    {"οκτ", 10},
    {"Νοέ", 11},
    {"Νοε", 11},
    {"νοε", 11},
    {"Δεκ", 12},
    {"δεκ", 12},
};

constexpr std::string_view kWeekdays[] = {
    // English
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    // French
    "lun",
    "mar",
    "mer",
    "jeu",
    "ven",
    "sam",
    "dim",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    // German
    "mo",
    "di",
    "mi",
    "do",
    "fr",
    "sa",
    "so",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonnabend",
    "sonntag",
    // Spanish
    "mié",
    "mie",
    "jue",
    "vie",
    "sáb",
    "sab",
    "dom",
    "lunes",
    "martes",
    "miércoles",
    "miercoles",
    "jueves",
    "viernes",
    "sábado",
    "sabado",
    "domingo",
    // Italian
    "lunedì",
    "martedì",
    "mercoledì",
    "giovedì",
    "venerdì",
    "sabato",
    "domenica",
    "gio",
    // Dutch
    "ma",
    "wo",
    "vr",
    "za",
    "zo",
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
    // Portuguese
    "seg",
    "ter",
    "qua",
    "qui",
    "sex",
    "segunda",
    "terça",
    "quarta",
    "quinta",
    "sexta",
    // Hungarian
    "hétfő",
    "kedd",
    "szerda",
    "csütörtök",
    "péntek",
    "szombat",
    "vasárnap",
    // Greek
    "Κυρ",
    "Δευ",
    "Τρι",
    "Τετ",
    "Πεμ",
    "Παρ",
    "Σαβ",
    "κυρ",
    "δευ",
    "τρι",
    "τετ",
    "πεμ",
    "παρ",
    "σαβ",
};

// Zone abbreviations in minutes east of UTC. The single letters are RFC 822's military zones
// with the signs RFC 822 printed (which feedparser and most readers follow).
constexpr NamedValue kZones[] = {
    {"ut", 0},      {"utc", 0},     {"gmt", 0},    {"z", 0},      {"wet", 0},    {"west", 60},
    {"bst", 60},    {"cet", 60},    {"met", 60},   {"mez", 60},   {"cest", 120}, {"mest", 120},
    {"mesz", 120},  {"eet", 120},   {"eest", 180}, {"msk", 180},  {"ist", 330},  {"hkt", 480},
    {"sgt", 480},   {"awst", 480},  {"jst", 540},  {"kst", 540},  {"acst", 570}, {"aest", 600},
    {"aedt", 660},  {"nzst", 720},  {"nzdt", 780}, {"adt", -180}, {"ast", -240}, {"at", -240},
    {"edt", -240},  {"est", -300},  {"et", -300},  {"cdt", -300}, {"cst", -360}, {"ct", -360},
    {"mdt", -360},  {"mst", -420},  {"mt", -420},  {"pdt", -420}, {"pst", -480}, {"pt", -480},
    {"akdt", -480}, {"akst", -540}, {"hst", -600}, {"ndt", -150}, {"nst", -210}, {"brt", -180},
    {"art", -180},  {"a", -60},     {"b", -120},   {"c", -180},   {"d", -240},   {"e", -300},
    {"f", -360},    {"g", -420},    {"h", -480},   {"i", -540},   {"k", -600},   {"l", -660},
    {"m", -720},    {"n", 60},      {"o", 120},    {"p", 180},    {"q", 240},    {"r", 300},
    {"s", 360},     {"t", 420},     {"u", 480},    {"v", 540},    {"w", 600},    {"x", 660},
    {"y", 720},
};

// Words that may sit between date parts and carry nothing ("15 de marzo de 2005", "at 10:00").
constexpr std::string_view kFillers[] = {"de", "del", "at",  "um", "à",  "le", "el",  "the",
                                         "of", "on",  "uhr", "kl", "om", "às", "alle"};

const NamedValue* Find(const NamedValue* begin, const NamedValue* end, std::string_view w) {
  for (const NamedValue* p = begin; p != end; ++p) {
    if (p->name == w) return p;
  }
  return nullptr;
}

std::optional<int> MonthByName(std::string_view w) {
  const NamedValue* p = Find(std::begin(kMonths), std::end(kMonths), w);
  return p ? std::optional<int>(p->value) : std::nullopt;
}
std::optional<int> ZoneByName(std::string_view w) {
  // "z" etc. are only zones; single letters never collide with the other tables.
  const NamedValue* p = Find(std::begin(kZones), std::end(kZones), w);
  return p ? std::optional<int>(p->value) : std::nullopt;
}
bool IsWeekday(std::string_view w) {
  for (std::string_view d : kWeekdays) {
    if (d == w) return true;
  }
  return false;
}
bool IsFiller(std::string_view w) {
  for (std::string_view d : kFillers) {
    if (d == w) return true;
  }
  return false;
}

enum class Tok { kNum, kWord, kPlus, kMinus, kColon, kSlash, kComma, kDot };

struct Token {
  Tok kind;
  int64_t num = 0;
  int digits = 0;
  std::string word;  // lower-cased ASCII; other bytes as given
};

constexpr std::string_view kYearMarker = "\xEB\x85\x84";            // 년
constexpr std::string_view kMonthMarker = "\xEC\x9B\x94";           // 월
constexpr std::string_view kDayMarker = "\xEC\x9D\xBC";             // 일
constexpr std::string_view kKoreanAm = "\xEC\x98\xA4\xEC\xA0\x84";  // 오전
constexpr std::string_view kKoreanPm = "\xEC\x98\xA4\xED\x9B\x84";  // 오후

bool Tokenize(std::string_view s, std::vector<Token>* out) {
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (IsDigit(c)) {
      Token t{Tok::kNum, 0, 0, {}};
      while (i < s.size() && IsDigit(s[i])) {
        if (++t.digits > 9) return false;
        t.num = t.num * 10 + (s[i] - '0');
        ++i;
      }
      out->push_back(std::move(t));
    } else if (IsAsciiAlpha(c) || static_cast<unsigned char>(c) >= 0x80) {
      Token t{Tok::kWord, 0, 0, {}};
      while (i < s.size() && (IsAsciiAlpha(s[i]) || static_cast<unsigned char>(s[i]) >= 0x80)) {
        t.word.push_back(Lower(s[i]));
        ++i;
      }
      // "a.m." / "p.m."
      if ((t.word == "a" || t.word == "p") && i + 2 < s.size() + 1 && i + 1 < s.size() &&
          s[i] == '.' && Lower(s[i + 1]) == 'm') {
        t.word += "m";
        i += 2;
        if (i < s.size() && s[i] == '.') ++i;
      }
      if (t.word.size() > 40) return false;
      out->push_back(std::move(t));
    } else if (c == '(') {  // RFC 822 comment, e.g. "+0200 (CEST)"
      const size_t close = s.find(')', i);
      if (close == std::string_view::npos) return false;
      i = close + 1;
    } else {
      Tok k;
      switch (c) {
        case '+':
          k = Tok::kPlus;
          break;
        case '-':
          k = Tok::kMinus;
          break;
        case ':':
          k = Tok::kColon;
          break;
        case '/':
          k = Tok::kSlash;
          break;
        case ',':
          k = Tok::kComma;
          break;
        case '.':
          k = Tok::kDot;
          break;
        default:
          return false;
      }
      out->push_back(Token{k, 0, 0, {}});
      ++i;
    }
    if (out->size() > 64) return false;
  }
  return true;
}

class LooseParser {
 public:
  explicit LooseParser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  std::optional<int64_t> Parse() {
    while (i_ < t_.size()) {
      if (!Step()) return std::nullopt;
    }
    if (year_ < 0 || month_ < 0) return std::nullopt;
    Fields f;
    f.year = year_digits_ <= 2 ? ExpandTwoDigitYear(year_) : year_;
    f.month = month_;
    f.day = day_ < 0 ? 1 : day_;
    if (day_ < 0 && have_time_) return std::nullopt;
    f.hour = hour_;
    f.minute = minute_;
    f.second = second_;
    if (meridiem_ != 0) {
      if (hour_ < 1 || hour_ > 12) return std::nullopt;
      if (meridiem_ > 0 && hour_ < 12) f.hour += 12;
      if (meridiem_ < 0 && hour_ == 12) f.hour = 0;
    }
    if (offset_) {
      f.offset_minutes = *offset_;
    } else if (korean_) {
      f.offset_minutes = 9 * 60;
    }
    return ToEpoch(f);
  }

 private:
  bool Is(size_t k, Tok kind) const { return k < t_.size() && t_[k].kind == kind; }

  bool SetYear(int64_t v, int digits) {
    if (year_ >= 0) return false;
    year_ = v;
    year_digits_ = digits;
    return true;
  }
  bool SetMonth(int64_t v) {
    if (month_ >= 0) return false;
    month_ = static_cast<int>(v);
    return true;
  }
  bool SetDay(int64_t v) {
    if (day_ >= 0) return false;
    day_ = static_cast<int>(v);
    return true;
  }

  bool Step() {
    const Token& tok = t_[i_];
    switch (tok.kind) {
      case Tok::kNum:
        return Number();
      case Tok::kWord:
        return Word();
      case Tok::kPlus:
      case Tok::kMinus:
        return Offset();
      case Tok::kComma:
      case Tok::kDot:
        ++i_;
        return true;
      default:
        return false;
    }
  }

  bool Number() {
    const Token& a = t_[i_];
    if (Is(i_ + 1, Tok::kColon)) return Time();
    if (Is(i_ + 1, Tok::kWord)) {  // Korean markers glue to the number
      const std::string& w = t_[i_ + 1].word;
      if (w == kYearMarker || w == kMonthMarker || w == kDayMarker) {
        korean_ = true;
        i_ += 2;
        if (w == kYearMarker) return SetYear(a.num, a.digits);
        if (w == kMonthMarker) return SetMonth(a.num);
        return SetDay(a.num);
      }
    }
    // Numeric triples: Y/M/D, M/D/Y, D.M.Y, Y-M-D, D-Mon-Y, Y-Mon-D.
    for (Tok sep : {Tok::kSlash, Tok::kMinus, Tok::kDot}) {
      if (!Is(i_ + 1, sep) || !Is(i_ + 3, sep) || !Is(i_ + 4, Tok::kNum)) continue;
      const Token& c = t_[i_ + 4];
      if (Is(i_ + 2, Tok::kNum)) {
        const Token& b = t_[i_ + 2];
        i_ += 5;
        if (a.digits == 4) return SetYear(a.num, 4) && SetMonth(b.num) && SetDay(c.num);
        if (sep == Tok::kSlash && a.num <= 12) {
          return SetMonth(a.num) && SetDay(b.num) && SetYear(c.num, c.digits);
        }
        return SetDay(a.num) && SetMonth(b.num) && SetYear(c.num, c.digits);
      }
      if (Is(i_ + 2, Tok::kWord)) {
        const std::optional<int> m = MonthByName(t_[i_ + 2].word);
        if (!m) return false;
        i_ += 5;
        if (a.digits == 4) return SetYear(a.num, 4) && SetMonth(*m) && SetDay(c.num);
        return SetDay(a.num) && SetMonth(*m) && SetYear(c.num, c.digits);
      }
    }
    ++i_;
    if (a.digits >= 3) return SetYear(a.num, a.digits);
    if (day_ < 0) return SetDay(a.num);
    return SetYear(a.num, a.digits);
  }

  bool Time() {
    if (have_time_) return false;
    have_time_ = true;
    hour_ = static_cast<int>(t_[i_].num);
    if (t_[i_].digits > 2 || !Is(i_ + 2, Tok::kNum) || t_[i_ + 2].digits > 2) return false;
    minute_ = static_cast<int>(t_[i_ + 2].num);
    i_ += 3;
    if (Is(i_, Tok::kColon)) {
      if (!Is(i_ + 1, Tok::kNum) || t_[i_ + 1].digits > 2) return false;
      second_ = static_cast<int>(t_[i_ + 1].num);
      i_ += 2;
      if (Is(i_, Tok::kColon)) return false;  // "1:2:3:4"
      if ((Is(i_, Tok::kDot) || Is(i_, Tok::kComma)) && Is(i_ + 1, Tok::kNum)) i_ += 2;
    }
    return true;
  }

  // "+hhmm", "+hh", "+hh:mm", "+h"; allowed after a time or a UTC-like zone name.
  bool Offset() {
    const int sign = t_[i_].kind == Tok::kPlus ? 1 : -1;
    if (!have_time_ && !after_utc_name_) return false;
    if (offset_ && !after_utc_name_) return false;
    if (!Is(i_ + 1, Tok::kNum)) return false;
    const Token& n = t_[i_ + 1];
    int64_t minutes = 0;
    i_ += 2;
    if (n.digits == 4) {
      minutes = (n.num / 100) * 60 + n.num % 100;
      if (n.num % 100 > 59) return false;
    } else if (n.digits <= 2) {
      minutes = n.num * 60;
      if (Is(i_, Tok::kColon)) {
        if (!Is(i_ + 1, Tok::kNum) || t_[i_ + 1].digits != 2 || t_[i_ + 1].num > 59) return false;
        minutes += t_[i_ + 1].num;
        i_ += 2;
      }
    } else {
      return false;
    }
    if (minutes > 24 * 60) return false;
    offset_ = (offset_ ? *offset_ : 0) + sign * static_cast<int>(minutes);
    after_utc_name_ = false;
    return true;
  }

  bool Word() {
    const std::string& w = t_[i_].word;
    const bool first = i_ == 0;
    ++i_;
    after_utc_name_ = false;
    if (w == "etc" && Is(i_, Tok::kSlash) && Is(i_ + 1, Tok::kWord)) {  // "Etc/GMT"
      ++i_;
      return Word();
    }
    if (IsWeekday(w) && (first || month_ >= 0 || !MonthByName(w))) return true;
    if (const std::optional<int> m = MonthByName(w)) return SetMonth(*m);
    if (w == "am" || w == kKoreanAm) {
      korean_ = korean_ || w == kKoreanAm;
      meridiem_ = -1;
      return true;
    }
    if (w == "pm" || w == kKoreanPm) {
      korean_ = korean_ || w == kKoreanPm;
      meridiem_ = 1;
      return true;
    }
    if (w == "t" && !have_time_ && Is(i_, Tok::kNum)) return true;  // ISO-like date/time joint
    if (const std::optional<int> z = ZoneByName(w)) {
      if (offset_) return false;
      offset_ = *z;
      after_utc_name_ = (*z == 0);
      return true;
    }
    return IsFiller(w);
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int64_t year_ = -1;
  int year_digits_ = 4;
  int month_ = -1;
  int day_ = -1;
  bool have_time_ = false;
  int hour_ = 0;
  int minute_ = 0;
  int second_ = 0;
  int meridiem_ = 0;  // -1 am, +1 pm
  bool korean_ = false;
  bool after_utc_name_ = false;
  std::optional<int> offset_;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, int m, int d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int64_t> ParseDateTime(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.size() > 256) return std::nullopt;
  if (std::optional<int64_t> iso = ParseIso8601(text)) return iso;
  std::vector<Token> tokens;
  if (!Tokenize(text, &tokens) || tokens.empty()) return std::nullopt;
  return LooseParser(std::move(tokens)).Parse();
}

std::string FormatIso8601Utc(int64_t seconds) {
  constexpr int64_t kMin = -62167219200;  // 0000-01-01T00:00:00Z
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (seconds < kMin) seconds = kMin;
  if (seconds > kMax) seconds = kMax;
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Howard Hinnant's civil_from_days.
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", static_cast<int>(y),
                static_cast<int>(m), static_cast<int>(d), static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

}  // namespace newsflow::datetime
