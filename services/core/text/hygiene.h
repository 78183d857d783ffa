#pragma once

// Text hygiene: turns untrusted article bytes into clean, valid, NFC-normalized UTF-8 paragraphs,
// plus the small counting helpers (code points, words) the pipeline needs for spans and stats.
//
// Pure logic: depends on ICU (icuuc) and the standard library only. No exceptions are thrown on
// the data path (only std::bad_alloc can escape, as from any allocating code).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::text {

struct HygieneReport {
  uint32_t invalid_utf8_sequences = 0;  // maximal invalid subsequences replaced by U+FFFD
  // C0/C1 controls (except tab/newline), zero-width/BOM chars dropped (ZWSP U+200B, BOM U+FEFF,
  // word joiner U+2060, soft hyphen U+00AD).
  uint32_t control_characters_removed = 0;
};

// Turns untrusted bytes into clean text, in one pass over the input:
//  - valid UTF-8: each maximal invalid subsequence (Unicode "substitution of maximal subparts",
//    the same as ICU and the WHATWG Encoding Standard) is replaced by U+FFFD and counted;
//  - Unicode NFC (ICU; text that is already NFC is detected with a quick check and not rebuilt);
//  - CRLF and lone CR become LF; U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR also end
//    a line;
//  - tab and every space separator (Zs: U+0020, NBSP U+00A0, U+1680, U+2000..U+200A, U+202F,
//    U+205F, U+3000 IDEOGRAPHIC SPACE) become one ASCII space; runs collapse to one space; leading
//    and trailing spaces of each line are trimmed;
//  - removed and counted: C0/C1 control characters other than tab/LF/CR (including DEL, VT, FF,
//    NEL), zero-width space U+200B, BOM U+FEFF, word joiner U+2060, soft hyphen U+00AD. ZWJ U+200D
//    and ZWNJ U+200C are kept (emoji sequences, Indic and Persian text need them);
//  - typography is kept as is (curly quotes, dashes, ellipses, CJK punctuation are unchanged).
// Each non-empty line becomes one paragraph. Paragraphs contain no '\n', no control characters,
// no leading/trailing/double spaces. `report` may be null; when not null it is overwritten.
std::vector<std::string> CleanParagraphs(std::string_view input, HygieneReport* report);

// The same paragraphs joined by "\n\n".
std::string JoinParagraphs(const std::vector<std::string>& paragraphs);

// Appends the UTF-8 encoding of `code_point`; surrogates and values above U+10FFFF become U+FFFD.
void AppendUtf8(uint32_t code_point, std::string* out);

// Number of Unicode code points in valid UTF-8 `text` (for span offsets). For invalid input it
// counts the bytes that are not UTF-8 continuation bytes.
size_t CodePointCount(std::string_view text);

// Words for word counts: runs of letters/digits in space-delimited scripts count as one word each,
// and each Han/Hiragana/Katakana/Hangul character counts as one word. Within a run, combining marks
// and ZWJ/ZWNJ continue the word (Indic vowel signs, Persian ZWNJ), and a single apostrophe
// (' or U+2019), '.' or ',' between two letters/digits does not split it ("don't", "U.S.", "3.5",
// "1,000" are one word each). Scripts written without spaces other than CJK (Thai, Lao, Khmer,
// Myanmar) count one word per run. Invalid UTF-8 bytes act as separators.
size_t WordCount(std::string_view text);

// WordCount as a state machine, for a pass that already walks the text's characters (SimHash's
// tokenizer) so that counting words needs no pass of its own. Feed every character in order:
// runs of ASCII letters/digits whole or in pieces, every other character by itself. The result
// equals WordCount of the same text. Not thread-safe (one counter per pass).
class WordCounter {
 public:
  // A run of ASCII letters and digits (one call per run is enough; more calls are harmless).
  void AddAsciiAlnumRun() {
    if (state_ == kOutside) ++words_;
    state_ = kInWord;
  }
  // An ASCII character other than a letter or digit.
  void AddAsciiOther(unsigned char c) {
    const bool mid = c == '\'' || c == '.' || c == ',';
    state_ = mid && state_ == kInWord ? kAfterMidPunctuation : kOutside;
  }
  // A non-ASCII code point; negative for an invalid sequence (as ICU's U8_NEXT returns).
  void AddCodePoint(int32_t cp);

  size_t words() const { return words_; }

 private:
  enum State : uint8_t { kOutside, kInWord, kAfterMidPunctuation };
  State state_ = kOutside;
  size_t words_ = 0;
};

namespace internal {

// CleanParagraphs' fast path, declared for its tests. From `start` (a visible ASCII byte, 0x21 to
// 0x7E, which the caller has checked), the end of the run of visible ASCII bytes and single
// spaces between them, which CleanParagraphs copies as they are. PrintableRunEnd takes sixteen
// bytes per step where SSE2 is available; PrintableRunEndScalar is the eight-bytes-then-bytes
// loop it must agree with.
size_t PrintableRunEnd(std::string_view input, size_t start);
size_t PrintableRunEndScalar(std::string_view input, size_t start);

}  // namespace internal

}  // namespace newsflow::text
