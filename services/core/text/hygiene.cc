#include "services/core/text/hygiene.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utypes.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>

namespace newsflow::text {
namespace {

// Marker for an ill-formed UTF-8 subsequence returned by DecodeUtf8.
constexpr int32_t kInvalid = -1;

// Decodes one code point at s[*i], advancing *i. For ill-formed input returns kInvalid and advances
// past exactly one maximal subpart (the longest prefix of a well-formed sequence, or one byte), so
// the caller emits one U+FFFD per maximal subpart, as ICU and WHATWG do. Rejects overlongs,
// surrogates and code points above U+10FFFF by construction (the ranges of Unicode table 3-7).
inline int32_t DecodeUtf8(const unsigned char* s, size_t n, size_t* i) {
  const unsigned char lead = s[*i];
  ++*i;
  if (lead < 0x80) return lead;
  int needed;  // continuation bytes after the lead
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;  // allowed range of the first continuation byte
  int32_t cp;
  if (lead >= 0xC2 && lead <= 0xDF) {
    needed = 1;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    needed = 2;
    cp = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;  // no overlongs
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    needed = 3;
    cp = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;  // no overlongs
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return kInvalid;  // stray continuation byte, C0, C1, F5..FF
  }
  for (int k = 0; k < needed; ++k) {
    if (*i >= n) return kInvalid;
    const unsigned char c = s[*i];
    if (c < lo || c > hi) return kInvalid;  // the offending byte starts the next sequence
    cp = (cp << 6) | (c & 0x3F);
    ++*i;
    lo = 0x80;
    hi = 0xBF;
  }
  return cp;
}

// Space separators (general category Zs) other than U+0020, which the ASCII path handles.
inline bool IsNonAsciiSpace(int32_t cp) {
  return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// Characters dropped (and counted) besides the C0/C1 controls.
inline bool IsDroppedFormatChar(int32_t cp) {
  return cp == 0x00AD || cp == 0x200B || cp == 0x2060 || cp == 0xFEFF;
}

// Code points below U+0300 are NFC and never combine with what precedes them (ICU's NFC
// "minimum no/maybe code point" is U+0300), so lines made only of them need no NFC check.
constexpr int32_t kMinNfcCheckCodePoint = 0x0300;

// True when `cp` (>= U+0300) may make a line need NFC. General punctuation U+2010..U+206F (dashes,
// curly quotes, ellipsis, bidi and format controls) has no canonical decomposition and combining
// class 0 (only U+2000 and U+2001, spaces here, decompose), so a line whose other characters are
// below U+0300 is NFC already: English news with curly quotes skips ICU's check.
inline bool MayNeedNfc(int32_t cp) { return cp < 0x2010 || cp > 0x206F; }

const icu::Normalizer2* NfcInstance() {
  static const icu::Normalizer2* const nfc = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* instance = icu::Normalizer2::getNFCInstance(status);
    return U_SUCCESS(status) ? instance : nullptr;
  }();
  return nfc;
}

// Appends `line` (valid UTF-8, non-empty) to `out` in NFC. Already-normalized text is copied once;
// other text is normalized by ICU directly into the new paragraph. If ICU is unavailable or fails,
// the text is kept as is (still valid UTF-8) rather than dropped.
void EmitParagraph(const std::string& line, bool may_need_nfc, std::vector<std::string>* out) {
  const icu::Normalizer2* nfc = may_need_nfc ? NfcInstance() : nullptr;
  if (nfc != nullptr && line.size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    const icu::StringPiece piece(line.data(), static_cast<int32_t>(line.size()));
    UErrorCode status = U_ZERO_ERROR;
    if (!nfc->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) {
      std::string& normalized = out->emplace_back();
      icu::StringByteSink<std::string> sink(&normalized, static_cast<int32_t>(line.size()));
      nfc->normalizeUTF8(0, piece, sink, nullptr, status);
      if (U_FAILURE(status)) normalized = line;
      return;
    }
  }
  out->emplace_back(line);
}

inline uint64_t LoadWord(const unsigned char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// True when the eight bytes of `word` (in memory order) are printable ASCII or spaces, no two
// spaces are adjacent and a space in the last byte is followed by a visible `next` byte: after a
// visible character, the bytes the fast path of CleanParagraphs copies as they are.
// Little-endian: byte k of memory is bits 8k..8k+7.
inline bool IsSingleSpacedPrintableAscii(uint64_t word, unsigned char next) {
  static_assert(std::endian::native == std::endian::little);
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  // Every byte below 0x7F (adding 1 sets no high bit; no byte carries as all are below 0x80).
  if (((word | (word + kOnes)) & kHigh) != 0) return false;
  // Every byte at least 0x20.
  if (((word + 0x60 * kOnes) & kHigh) != kHigh) return false;
  // High bit of each space byte (exact: all bytes of `x` are below 0x80, so nothing carries).
  const uint64_t x = word ^ (0x20 * kOnes);
  const uint64_t spaces = ~((x + 0x7F * kOnes) | x) & kHigh;
  return (spaces & (spaces >> 8)) == 0 && ((spaces >> 63) == 0 || (next > 0x20 && next < 0x7F));
}

constexpr bool IsAsciiAlnum(int32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

constexpr std::array<bool, 256> MakeAsciiAlnumTable() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x80; ++c) table[c] = IsAsciiAlnum(c);
  return table;
}
constexpr std::array<bool, 256> kAsciiAlnum = MakeAsciiAlnumTable();

// Letters and numbers (general categories L* and N*).
inline bool IsLetterOrNumber(int32_t cp) {
  if (cp < 0x80) return IsAsciiAlnum(cp);
  return (U_GET_GC_MASK(cp) & (U_GC_L_MASK | U_GC_N_MASK)) != 0;
}

// A letter/number written without spaces where each character counts as one word: Han, Hiragana,
// Katakana, Hangul. Common/Inherited characters used by these scripts (e.g. the Katakana-Hiragana
// prolonged sound mark U+30FC) are included through their Script_Extensions.
bool IsCjkWordCharacter(int32_t cp) {
  if (cp < 0x1100) return false;            // fast path: nothing below Hangul Jamo qualifies
  if (!IsLetterOrNumber(cp)) return false;  // CJK punctuation and radicals are not words
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(cp, &status);
  if (U_FAILURE(status)) return false;
  switch (script) {
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_HANGUL:
      return true;
    case USCRIPT_COMMON:
    case USCRIPT_INHERITED:
      return uscript_hasScript(cp, USCRIPT_HAN) || uscript_hasScript(cp, USCRIPT_HIRAGANA) ||
             uscript_hasScript(cp, USCRIPT_KATAKANA) || uscript_hasScript(cp, USCRIPT_HANGUL);
    default:
      return false;
  }
}

// Marks and joiners continue a word but never start one.
inline bool ContinuesWord(int32_t cp) {
  if (cp < 0x0300) return false;
  if (cp == 0x200C || cp == 0x200D) return true;
  return (U_GET_GC_MASK(cp) & U_GC_M_MASK) != 0;
}

// Punctuation that does not split a word when it sits between two letters/digits.
inline bool IsMidWordPunctuation(int32_t cp) {
  return cp == '\'' || cp == '.' || cp == ',' || cp == 0x2019;
}

inline bool IsVisibleAscii(unsigned char c) { return c > 0x20 && c < 0x7F; }

// PrintableRunEnd's scalar steps from `j`, where s[j - 1] is visible or s[j] is (so a space at
// s[j] follows a visible byte): eight bytes at a time while they are all in the run, then byte by
// byte to its exact end.
size_t PrintableRunEndFrom(const unsigned char* s, size_t n, size_t j) {
  while (j + 8 < n && IsSingleSpacedPrintableAscii(LoadWord(s + j), s[j + 8])) j += 8;
  while (j < n) {
    if (IsVisibleAscii(s[j])) {
      ++j;
    } else if (s[j] == ' ' && j + 1 < n && IsVisibleAscii(s[j + 1])) {
      j += 2;
    } else {
      break;
    }
  }
  return j;
}

}  // namespace

namespace internal {

size_t PrintableRunEndScalar(std::string_view input, size_t start) {
  const auto* s = reinterpret_cast<const unsigned char*>(input.data());
  return PrintableRunEndFrom(s, input.size(), start + 1);
}

size_t PrintableRunEnd(std::string_view input, size_t start) {
  const auto* s = reinterpret_cast<const unsigned char*>(input.data());
  const size_t n = input.size();
  size_t j = start + 1;
#if defined(__SSE2__)
  // Sixteen bytes per step (SSE2 is part of x86-64: no dispatch needed). A byte is in the run
  // when it is visible, or a space before a visible byte (the byte before it is then visible or
  // the run's first); the run ends at the first byte that is neither. A space's next byte must be
  // readable, so the last 16 bytes are left to the scalar steps.
  while (j + 17 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + j));
    // Signed compares: bytes from 0x80 up are negative, so not above 0x20.
    const __m128i visible = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)),
                                          _mm_cmplt_epi8(v, _mm_set1_epi8(0x7F)));
    const uint32_t visibles = static_cast<uint32_t>(_mm_movemask_epi8(visible));
    const uint32_t spaces =
        static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' '))));
    const uint32_t next_visible = (visibles >> 1) | (uint32_t{IsVisibleAscii(s[j + 16])} << 15);
    const uint32_t in_run = visibles | (spaces & next_visible);
    if (in_run != 0xFFFF) return j + static_cast<size_t>(std::countr_zero(~in_run));
    j += 16;
  }
#endif
  return PrintableRunEndFrom(s, n, j);
}

}  // namespace internal

std::vector<std::string> CleanParagraphs(std::string_view input, HygieneReport* report) {
  std::vector<std::string> paragraphs;
  std::string line;            // the current line, reused across lines (capacity is kept)
  bool pending_space = false;  // a space run after visible text, written before the next visible
  bool may_need_nfc = false;   // the current line holds a code point >= U+0300
  size_t invalid_sequences = 0;
  size_t removed = 0;

  auto end_line = [&] {
    if (!line.empty()) EmitParagraph(line, may_need_nfc, &paragraphs);
    line.clear();
    pending_space = false;
    may_need_nfc = false;
  };

  const auto* s = reinterpret_cast<const unsigned char*>(input.data());
  const size_t n = input.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = s[i];
    // Fast path: a run of printable ASCII, with single spaces between visible characters (which
    // the slow path would keep as they are), is copied in one append.
    if (b > 0x20 && b < 0x7F) {
      const size_t j = internal::PrintableRunEnd(input, i);
      if (pending_space) {
        line.push_back(' ');
        pending_space = false;
      }
      line.append(input.data() + i, j - i);
      i = j;
      continue;
    }
    if (b < 0x80) {
      ++i;
      if (b == ' ' || b == '\t') {
        pending_space = !line.empty();
      } else if (b == '\n') {
        end_line();
      } else if (b == '\r') {
        if (i < n && s[i] == '\n') ++i;  // CRLF
        end_line();
      } else {
        ++removed;  // other C0 controls and DEL
      }
      continue;
    }

    const size_t start = i;
    const int32_t cp = DecodeUtf8(s, n, &i);
    if (cp == kInvalid) {
      ++invalid_sequences;
      if (pending_space) {
        line.push_back(' ');
        pending_space = false;
      }
      line.append("\xEF\xBF\xBD");  // U+FFFD
      may_need_nfc = true;
      continue;
    }
    if (cp <= 0x9F || IsDroppedFormatChar(cp)) {  // C1 controls (cp >= 0x80 here)
      ++removed;
      continue;
    }
    if (IsNonAsciiSpace(cp)) {
      pending_space = !line.empty();
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      end_line();
      continue;
    }
    if (pending_space) {
      line.push_back(' ');
      pending_space = false;
    }
    line.append(input.data() + start, i - start);
    if (cp >= kMinNfcCheckCodePoint && MayNeedNfc(cp)) may_need_nfc = true;
  }
  end_line();

  if (report != nullptr) {
    constexpr size_t kMax = std::numeric_limits<uint32_t>::max();
    report->invalid_utf8_sequences = static_cast<uint32_t>(std::min(invalid_sequences, kMax));
    report->control_characters_removed = static_cast<uint32_t>(std::min(removed, kMax));
  }
  return paragraphs;
}

std::string JoinParagraphs(const std::vector<std::string>& paragraphs) {
  std::string joined;
  if (paragraphs.empty()) return joined;
  size_t size = 2 * (paragraphs.size() - 1);
  for (const std::string& p : paragraphs) size += p.size();
  joined.reserve(size);
  for (size_t k = 0; k < paragraphs.size(); ++k) {
    if (k != 0) joined.append("\n\n");
    joined.append(paragraphs[k]);
  }
  return joined;
}

size_t CodePointCount(std::string_view text) {
  size_t count = 0;
  for (const char c : text) {
    count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }
  return count;
}

void WordCounter::AddCodePoint(int32_t cp) {
  if (cp < 0) {
    state_ = kOutside;
  } else if (cp < 0x80) {
    if (kAsciiAlnum[cp]) {
      AddAsciiAlnumRun();
    } else {
      AddAsciiOther(static_cast<unsigned char>(cp));
    }
  } else if (IsCjkWordCharacter(cp)) {
    ++words_;
    state_ = kOutside;
  } else if (IsLetterOrNumber(cp)) {
    if (state_ == kOutside) ++words_;
    state_ = kInWord;
  } else if (ContinuesWord(cp)) {
    if (state_ != kInWord) state_ = kOutside;
  } else if (IsMidWordPunctuation(cp)) {
    state_ = state_ == kInWord ? kAfterMidPunctuation : kOutside;
  } else {
    state_ = kOutside;
  }
}

size_t WordCount(std::string_view text) {
  WordCounter counter;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (s[i] < 0x80) {
      // ASCII (most of most articles): no decoding, no ICU lookups.
      const unsigned char c = s[i++];
      if (kAsciiAlnum[c]) {
        // The rest of the word in one go (non-ASCII bytes are not in the table).
        while (i < n && kAsciiAlnum[s[i]]) ++i;
        counter.AddAsciiAlnumRun();
      } else {
        counter.AddAsciiOther(c);
      }
      continue;
    }
    const int32_t cp = DecodeUtf8(s, n, &i);
    counter.AddCodePoint(cp == kInvalid ? -1 : cp);
  }
  return counter.words();
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace newsflow::text
