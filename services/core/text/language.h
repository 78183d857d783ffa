#pragma once

// Language identification for clean article text: per sentence-run and per document, so a
// bilingual article (English paragraphs interleaved with Chinese ones, or both in one paragraph)
// keeps both languages as labelled segments.
//
// Pure logic over CLD2 (Debian's libcld2) and ICU script properties. Thread-safe: no shared
// mutable state.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::text {

// A run of the text in one language. Offsets are Unicode code points into the text given to
// DetectLanguages, half-open [start, end); a segment never starts or ends with whitespace.
struct LanguageSpan {
  std::string language;  // BCP-47 primary tag ("en", "zh", "ja", "ru", "ar"); "und" if unknown
  uint32_t start = 0;
  uint32_t end = 0;
  // Byte offsets of the same span (for slicing without re-decoding).
  uint32_t byte_start = 0;
  uint32_t byte_end = 0;
};

struct LanguageResult {
  std::string language = "und";     // the language holding most of the letters
  std::vector<LanguageSpan> spans;  // in text order, adjacent spans differ in language
};

struct LanguageOptions {
  // Label Latin-script text "en" without asking CLD2 when the sentences CLD2 would be shown are
  // plainly English by their function words and hold no other script (function_words.h). It
  // only skips the call whose answer is known: a document with a sentence that looks otherwise
  // (a Spanish quote, a German name list) still goes to CLD2, sentence by sentence if CLD2 is
  // not sure of the whole. Off only to compare against CLD2 alone (tests, benchmarks).
  bool english_fast_path = true;
};

// Detects the languages of `text` (valid UTF-8, e.g. from CleanParagraphs + JoinParagraphs).
//
// The text is cut into sentences (at . ! ? and their CJK forms, and at paragraph breaks); each
// sentence is labelled by CLD2 when CLD2 is sure (or "en" without asking it, when the sentences
// are plainly English: see LanguageOptions), else by its script (Han -> zh, kana -> ja,
// Hangul -> ko, Arabic -> ar, Cyrillic -> ru, Greek -> el, Hebrew -> he, Thai -> th), else with the
// document's language for that script. A sentence belongs to the script holding most of its
// letters; scripts without a rule of their own (Devanagari, Bengali, Georgian...) count as one,
// labelled by CLD2, so a Hindi sentence quoting English words is not Latin text. For such a
// sentence, or a Latin one holding letters of those scripts, CLD2's answer counts from 50% even
// when it is not sure. Sentences with no letters join their neighbour. Adjacent sentences in the
// same language merge into one span.
LanguageResult DetectLanguages(std::string_view text, const LanguageOptions& options = {});

// The text of each language: its spans joined by "\n\n", in text order.
struct LanguageText {
  std::string language;
  std::string text;
};
std::vector<LanguageText> TextPerLanguage(std::string_view text, const LanguageResult& result);

namespace internal {

// The sentence splitter's inner loop, declared for its tests. From `start` (an ASCII byte other
// than a blank, newline, . ! ? " or ), which the caller has checked), the end of the run of such
// bytes, single blanks (space, tab, CR) followed by one included; sets `*letters` to the ASCII
// letters in it. SentenceRunEnd takes sixteen bytes per step where SSE2 is available;
// SentenceRunEndScalar is the byte-by-byte loop it must agree with.
size_t SentenceRunEnd(std::string_view text, size_t start, uint32_t* letters);
size_t SentenceRunEndScalar(std::string_view text, size_t start, uint32_t* letters);

}  // namespace internal

}  // namespace newsflow::text
