#include "services/tag/ner/tokenizer.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <array>
#include <cstddef>
#include <limits>

namespace newsflow::tag::ner {
namespace {

enum class CharClass : uint8_t {
  kSpace,
  kNewline,
  kIgnorable,  // format characters outside words (BOM, ZWSP, ...): dropped, no space implied
  kLetter,
  kUpper,  // an uppercase/titlecase letter (a kLetter too, for word scanning)
  kDigit,
  kMark,    // combining marks, ZWJ/ZWNJ: continue a word
  kHan,     // ideographs and kana: one token each
  kPunct,   // P* categories
  kSymbol,  // S*, No, private use, unassigned, invalid bytes
};

struct Decoded {
  int32_t cp;    // -1 for an invalid byte
  uint32_t len;  // bytes consumed (1 for an invalid byte)
};

constexpr std::array<CharClass, 128> MakeAsciiTable() {
  std::array<CharClass, 128> t{};
  for (int c = 0; c < 128; ++c) {
    CharClass k = CharClass::kSymbol;
    if (c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      k = CharClass::kNewline;
    } else if (c == ' ' || c == '\t' || c < 0x20 || c == 0x7f) {
      k = CharClass::kSpace;
    } else if (c >= 'A' && c <= 'Z') {
      k = CharClass::kUpper;
    } else if (c >= 'a' && c <= 'z') {
      k = CharClass::kLetter;
    } else if (c >= '0' && c <= '9') {
      k = CharClass::kDigit;
    } else if (c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' || c == '`' ||
               c == '|' || c == '~') {
      k = CharClass::kSymbol;
    } else {
      k = CharClass::kPunct;
    }
    t[c] = k;
  }
  return t;
}
constexpr std::array<CharClass, 128> kAscii = MakeAsciiTable();

bool IsHan(int32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x3134F) || (cp >= 0x2E80 && cp <= 0x2FDF) || cp == 0x3005 ||
         cp == 0x3007 || (cp >= 0x3021 && cp <= 0x3029) || (cp >= 0x31F0 && cp <= 0x31FF);
}

CharClass Classify(int32_t cp) {
  if (cp < 0) return CharClass::kSymbol;
  if (cp < 0x80) return kAscii[cp];
  if (IsHan(cp)) return CharClass::kHan;
  if (cp == 0x2028 || cp == 0x2029 || cp == 0x85) return CharClass::kNewline;
  if (cp == 0x200C || cp == 0x200D) return CharClass::kMark;
  switch (u_charType(cp)) {
    case U_UPPERCASE_LETTER:
    case U_TITLECASE_LETTER:
      return CharClass::kUpper;
    case U_LOWERCASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
    case U_LETTER_NUMBER:
      return CharClass::kLetter;
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_COMBINING_SPACING_MARK:
      return CharClass::kMark;
    case U_DECIMAL_DIGIT_NUMBER:
      return CharClass::kDigit;
    case U_SPACE_SEPARATOR:
    case U_CONTROL_CHAR:
      return CharClass::kSpace;
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
      return CharClass::kNewline;
    case U_FORMAT_CHAR:
      return CharClass::kIgnorable;
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
      return CharClass::kPunct;
    default:
      return CharClass::kSymbol;
  }
}

constexpr bool IsWordChar(CharClass c) {
  return c == CharClass::kLetter || c == CharClass::kUpper || c == CharClass::kDigit ||
         c == CharClass::kMark;
}
constexpr bool IsLetter(CharClass c) {
  return c == CharClass::kLetter || c == CharClass::kUpper || c == CharClass::kMark;
}

// Per byte: kWordByte for an ASCII letter or digit (IsWordChar), plus kLetterByte for a letter;
// 0 for everything else, non-ASCII lead and continuation bytes included.
constexpr uint8_t kWordByte = 1;
constexpr uint8_t kLetterByte = 2;
constexpr std::array<uint8_t, 256> MakeWordByteTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 128; ++c) {
    if (!IsWordChar(kAscii[c])) continue;
    t[c] = kWordByte | (IsLetter(kAscii[c]) ? kLetterByte : 0);
  }
  return t;
}
constexpr std::array<uint8_t, 256> kWordBytes = MakeWordByteTable();
bool IsApostrophe(int32_t cp) { return cp == '\'' || cp == 0x2019; }

// Emoji continuation: variation selectors, skin-tone modifiers, tag characters, keycap.
bool IsEmojiContinuation(int32_t cp) {
  return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
         (cp >= 0xE0020 && cp <= 0xE007F) || cp == 0x20E3;
}
bool IsRegionalIndicator(int32_t cp) { return cp >= 0x1F1E6 && cp <= 0x1F1FF; }

// Sentence-final marks (ASCII and CJK).
bool IsSentenceFinal(int32_t cp) {
  return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == 0x3002 || cp == 0xFF01 ||
         cp == 0xFF1F;
}
// Closing quotes/brackets that may follow a sentence-final mark inside the same sentence.
bool IsCloser(int32_t cp) {
  return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == 0x2019 || cp == 0x201D ||
         cp == 0x300D || cp == 0x300F || cp == 0xFF09;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text)
      : s_(reinterpret_cast<const uint8_t*>(text.data())),
        n_(static_cast<uint32_t>(
            std::min<size_t>(text.size(), std::numeric_limits<uint32_t>::max() - 1))) {}

  uint32_t size() const { return n_; }

  // Small enough to inline: text is mostly ASCII, and the multi-byte decoder is out of line.
  Decoded At(uint32_t pos) const {
    if (pos >= n_) return {-2, 0};  // end of input: classifies as nothing
    const uint8_t b = s_[pos];
    if (b < 0x80) return {b, 1};
    return DecodeMultiByte(pos);
  }

  // The byte at `pos` (< size()).
  uint8_t Byte(uint32_t pos) const { return s_[pos]; }

 private:
  __attribute__((noinline)) Decoded DecodeMultiByte(uint32_t pos) const {
    int32_t i = static_cast<int32_t>(pos);
    UChar32 cp;
    U8_NEXT(s_, i, static_cast<int32_t>(n_), cp);
    if (cp < 0) return {-1, 1};  // one token per offending byte keeps offsets simple
    return {cp, static_cast<uint32_t>(i) - pos};
  }

  const uint8_t* s_;
  uint32_t n_;
};

CharClass ClassAt(const Decoded& d) {
  if (d.cp >= 0 && d.cp < 0x80) return kAscii[d.cp];  // what Classify gives, without the call
  if (d.cp == -2) return CharClass::kSpace;
  return Classify(d.cp);
}

int32_t CodePointAt(std::string_view text, uint32_t byte) {
  int32_t i = static_cast<int32_t>(byte);
  UChar32 cp;
  U8_NEXT(reinterpret_cast<const uint8_t*>(text.data()), i, static_cast<int32_t>(text.size()), cp);
  return cp;
}

// Abbreviations whose '.' does not end a sentence. Short list on purpose: titles and forms that
// precede names, where a false sentence break would cut a PERSON/ORG mention.
bool IsTitleAbbreviation(std::string_view w) {
  static constexpr std::string_view kList[] = {
      "Mr",  "Mrs", "Ms",   "Dr",  "St",   "Jr",  "Sr",  "Prof", "Gen", "Gov", "Sen",  "Rep",
      "Lt",  "Col", "Capt", "Sgt", "Mt",   "Ft",  "No",  "vs",   "Rev", "Hon", "Pres", "Supt",
      "Jan", "Feb", "Aug",  "Sep", "Sept", "Oct", "Nov", "Dec",  "Co",  "Inc", "Corp", "Ltd"};
  for (std::string_view a : kList) {
    if (a == w) return true;
  }
  return false;
}

void MarkSentenceStarts(std::string_view text, std::vector<Token>* tokens) {
  bool pending_end = true;   // the next token starts a sentence
  bool after_final = false;  // inside a run of sentence-final marks and closers
  for (size_t i = 0; i < tokens->size(); ++i) {
    Token& t = (*tokens)[i];
    const bool is_punct = t.kind == TokenKind::kPunct;
    const int32_t cp = is_punct ? CodePointAt(text, t.byte_begin) : 0;
    if (t.flags & kLineBreakBefore) pending_end = true;
    if (after_final && is_punct && IsCloser(cp) && !(t.flags & kSpaceBefore)) {
      continue;  // '."' keeps the sentence open until the closer is passed
    }
    if (after_final) {
      // "Mr. Smith" and "e.g. the" do not start sentences.
      pending_end = pending_end || t.kind != TokenKind::kWord ||
                    Classify(CodePointAt(text, t.byte_begin)) != CharClass::kLetter;
      after_final = false;
    }
    if (pending_end) {
      t.flags |= kSentenceStart;
      pending_end = false;
    }
    if (is_punct && IsSentenceFinal(cp)) {
      bool abbreviation = false;
      if (cp == '.' && i > 0 && (*tokens)[i - 1].byte_end == t.byte_begin) {
        const Token& p = (*tokens)[i - 1];
        abbreviation = IsTitleAbbreviation(text.substr(p.byte_begin, p.byte_end - p.byte_begin));
      }
      if (!abbreviation) after_final = true;
    }
  }
}

}  // namespace

void Tokenize(std::string_view text, std::vector<Token>* tokens) {
  tokens->clear();
  const Scanner sc(text);
  const uint32_t n = sc.size();
  uint32_t pos = 0;
  uint32_t cp_pos = 0;
  uint8_t flags = 0;
  // Forced inline: called from five places, GCC made it an out-of-line call per token.
  auto emit = [&](uint32_t b0, uint32_t b1, uint32_t c0, uint32_t c1, TokenKind kind)
      __attribute__((always_inline)) {
    tokens->push_back(Token{b0, b1, c0, c1, kind, flags});
    flags = 0;
  };
  while (pos < n) {
    const Decoded d = sc.At(pos);
    const CharClass c = ClassAt(d);
    const uint32_t b0 = pos;
    const uint32_t c0 = cp_pos;
    if (c == CharClass::kSpace || c == CharClass::kNewline || c == CharClass::kIgnorable) {
      if (c == CharClass::kSpace) flags |= kSpaceBefore;
      if (c == CharClass::kNewline) flags |= kSpaceBefore | kLineBreakBefore;
      pos += d.len;
      ++cp_pos;
      continue;
    }
    if (IsWordChar(c)) {
      bool has_letter = IsLetter(c);
      bool internal_dot = false;
      bool single_upper = c == CharClass::kUpper;
      uint32_t letters = 1;
      CharClass last = c;
      pos += d.len;
      ++cp_pos;
      while (pos < n) {
        // A run of ASCII letters and digits, most of a word: one table lookup and an OR per byte;
        // the counts, the letter flag and the last class are updated once per run.
        if (kWordBytes[sc.Byte(pos)] != 0) {
          const uint32_t run_begin = pos;
          uint8_t seen = 0;
          do {
            seen |= kWordBytes[sc.Byte(pos)];
            ++pos;
          } while (pos < n && kWordBytes[sc.Byte(pos)] != 0);
          has_letter |= (seen & kLetterByte) != 0;
          last = kAscii[sc.Byte(pos - 1)];
          letters += pos - run_begin;
          cp_pos += pos - run_begin;
          continue;
        }
        const Decoded e = sc.At(pos);
        const CharClass ec = ClassAt(e);
        if (IsWordChar(ec)) {
          has_letter |= IsLetter(ec);
          last = ec;
          ++letters;
          pos += e.len;
          ++cp_pos;
          continue;
        }
        if (e.cp != '\'' && e.cp != 0x2019 && e.cp != '.' && e.cp != ',' && e.cp != ':' &&
            e.cp != '&') {
          break;
        }
        const Decoded f = sc.At(pos + e.len);
        const CharClass fc = ClassAt(f);
        bool join = false;
        if (IsApostrophe(e.cp)) {
          if (IsLetter(last) && IsLetter(fc)) {
            // Possessive (and contracted "is") 's stays a separate token.
            const bool is_s = f.cp == 's' || f.cp == 'S';
            join = !(is_s && !IsWordChar(ClassAt(sc.At(pos + e.len + f.len))));
          }
        } else if (e.cp == '.') {
          join = (IsLetter(last) && IsLetter(fc)) ||
                 (last == CharClass::kDigit && fc == CharClass::kDigit);
          if (join && IsLetter(fc)) internal_dot = true;
        } else if (e.cp == '&') {
          join = last == CharClass::kUpper && fc == CharClass::kUpper;
        } else {  // ',' ':'
          join = last == CharClass::kDigit && fc == CharClass::kDigit;
        }
        if (!join) break;
        pos += e.len + f.len;
        cp_pos += 2;
        last = fc;
        has_letter |= IsLetter(fc);
        letters += 2;
      }
      single_upper = single_upper && letters == 1;
      if ((internal_dot || single_upper) && pos < n && sc.At(pos).cp == '.') {
        ++pos;
        ++cp_pos;
      }
      emit(b0, pos, c0, cp_pos, has_letter ? TokenKind::kWord : TokenKind::kNumber);
      continue;
    }
    if (c == CharClass::kHan) {
      pos += d.len;
      ++cp_pos;
      emit(b0, pos, c0, cp_pos, TokenKind::kHan);
      continue;
    }
    if (IsApostrophe(d.cp) && !tokens->empty() && tokens->back().byte_end == pos && flags == 0) {
      const Decoded f = sc.At(pos + d.len);
      if ((f.cp == 's' || f.cp == 'S') && !IsWordChar(ClassAt(sc.At(pos + d.len + f.len)))) {
        pos += d.len + f.len;
        cp_pos += 2;
        emit(b0, pos, c0, cp_pos, TokenKind::kWord);
        continue;
      }
    }
    pos += d.len;
    ++cp_pos;
    if (c == CharClass::kPunct) {
      emit(b0, pos, c0, cp_pos, TokenKind::kPunct);
      continue;
    }
    // Symbols: keep an emoji's modifiers and ZWJ sequence, and flag pairs, in one token.
    if (IsRegionalIndicator(d.cp) && IsRegionalIndicator(sc.At(pos).cp)) {
      pos += sc.At(pos).len;
      ++cp_pos;
    }
    while (d.cp >= 0 && pos < n) {
      const Decoded e = sc.At(pos);
      if (IsEmojiContinuation(e.cp)) {
        pos += e.len;
        ++cp_pos;
      } else if (e.cp == 0x200D && pos + e.len < n && sc.At(pos + e.len).cp >= 0 &&
                 Classify(sc.At(pos + e.len).cp) == CharClass::kSymbol) {
        pos += e.len + sc.At(pos + e.len).len;
        cp_pos += 2;
      } else {
        break;
      }
    }
    emit(b0, pos, c0, cp_pos, TokenKind::kSymbol);
  }
  MarkSentenceStarts(text.substr(0, n), tokens);
}

}  // namespace newsflow::tag::ner
