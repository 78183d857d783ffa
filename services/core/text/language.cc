#include "services/core/text/language.h"

#include <cld2/public/compact_lang_det.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <utility>

#include "services/core/text/function_words.h"

namespace newsflow::text {
namespace {

// Scripts that decide a language by themselves or group sentences for CLD2.
enum Script : int {
  kOther = 0,
  kLatin,
  kHan,
  kKana,
  kHangul,
  kCyrillic,
  kArabic,
  kGreek,
  kHebrew,
  kThai,
  kScriptCount
};

Script ClassifyScript(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode code = uscript_getScript(c, &status);
  if (U_FAILURE(status)) return kOther;
  switch (code) {
    case USCRIPT_LATIN:
      return kLatin;
    case USCRIPT_HAN:
      return kHan;
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
      return kKana;
    case USCRIPT_HANGUL:
      return kHangul;
    case USCRIPT_CYRILLIC:
      return kCyrillic;
    case USCRIPT_ARABIC:
      return kArabic;
    case USCRIPT_GREEK:
      return kGreek;
    case USCRIPT_HEBREW:
      return kHebrew;
    case USCRIPT_THAI:
      return kThai;
    default:
      return kOther;
  }
}

const char* DefaultLanguage(Script script) {
  switch (script) {
    case kHan:
      return "zh";
    case kKana:
      return "ja";
    case kHangul:
      return "ko";
    case kCyrillic:
      return "ru";
    case kArabic:
      return "ar";
    case kGreek:
      return "el";
    case kHebrew:
      return "he";
    case kThai:
      return "th";
    default:
      return "und";
  }
}

struct Sentence {
  uint32_t byte_start = 0, byte_end = 0;  // trimmed of whitespace
  uint32_t cp_start = 0, cp_end = 0;
  std::array<uint32_t, kScriptCount> letters{};
  // Dominant script. kOther is also the script of a sentence without letters: `lettered` tells
  // the two apart (a Devanagari sentence is labelled by CLD2, a "2023." by its neighbours).
  Script script = kOther;
  bool lettered = false;
  std::string_view language;  // static storage (DefaultLanguage, PrimaryTag)
};

bool IsCjkSentenceEnd(UChar32 c) {
  return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF0E;  // 。！？．
}

// Classes of ASCII bytes for the sentence splitter.
enum ByteClass : uint8_t { kPlain = 0, kLetter, kSpace, kNewline, kEnd, kCloser, kNonAscii };

constexpr std::array<uint8_t, 256> MakeByteClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0x80; c < 0x100; ++c) classes[c] = kNonAscii;
  for (int c = 'a'; c <= 'z'; ++c) classes[c] = kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) classes[c] = kLetter;
  classes[' '] = classes['\t'] = classes['\r'] = kSpace;
  classes['\n'] = kNewline;
  classes['.'] = classes['!'] = classes['?'] = kEnd;
  classes['"'] = classes[')'] = kCloser;
  return classes;
}
constexpr std::array<uint8_t, 256> kByteClasses = MakeByteClasses();

inline bool IsRunByte(uint8_t byte) { return kByteClasses[byte] <= kLetter; }

// The splitter's run from `p`, byte by byte: returns its end and adds its letters to `*letters`.
const uint8_t* ScanRun(const uint8_t* p, const uint8_t* const end, uint32_t* letters) {
  uint32_t count = 0;
  while (p < end) {
    uint8_t run_class = kByteClasses[*p];
    if (run_class <= kLetter) {
      count += run_class;  // kLetter is 1, kPlain 0
      ++p;
      continue;
    }
    // A blank followed by more of the run changes nothing outside an end-of-sentence wait
    // (there is none inside a run): taken in stride, so a run is a stretch of words, not one.
    if (run_class != kSpace || p + 1 == end || (run_class = kByteClasses[p[1]]) > kLetter) {
      break;
    }
    count += run_class;
    p += 2;
  }
  *letters += count;
  return p;
}

#if defined(__SSE2__)
inline uint32_t SumLanes(__m128i sums) {
  return static_cast<uint32_t>(_mm_cvtsi128_si64(sums) +
                               _mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
}
#endif

}  // namespace

namespace internal {

size_t SentenceRunEndScalar(std::string_view text, size_t start, uint32_t* letters) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  *letters = 0;
  return static_cast<size_t>(ScanRun(s + start, s + text.size(), letters) - s);
}

size_t SentenceRunEnd(std::string_view text, size_t start, uint32_t* letters) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = start;
  *letters = 0;
#if defined(__SSE2__)
  // Sixteen bytes per step (SSE2 is part of x86-64: no dispatch needed). A byte is in the run
  // when its class is at most kLetter, or when it is a blank and the next byte is; the run ends
  // at the first byte that is neither. A blank's next byte must be readable, so the last 16
  // bytes of the text are left to the scalar loop.
  const __m128i ones = _mm_set1_epi8(1);
  const __m128i lanes = _mm_set_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  __m128i letter_sums = _mm_setzero_si128();  // letters, as two 64-bit sums (psadbw)
  while (i + 17 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const auto eq = [&v](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
    const __m128i blank = _mm_or_si128(_mm_or_si128(eq(' '), eq('\t')), eq('\r'));
    const __m128i stop =
        _mm_or_si128(_mm_or_si128(_mm_or_si128(eq('\n'), eq('.')), _mm_or_si128(eq('!'), eq('?'))),
                     _mm_or_si128(eq('"'), eq(')')));
    const uint32_t blanks = static_cast<uint32_t>(_mm_movemask_epi8(blank));
    // The high bit of a byte from 0x80 up (kNonAscii) is its movemask bit.
    const uint32_t run =
        ~(blanks | static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(stop, v)))) & 0xFFFF;
    const uint32_t next_in_run = (run >> 1) | (uint32_t{IsRunByte(s[i + 16])} << 15);
    const uint32_t in_run = run | (blanks & next_in_run);
    // ASCII letters: (byte | 0x20) - 'a' below 26, unsigned (bytes from 0x80 land at 0x3F up).
    const __m128i folded = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(folded, _mm_set1_epi8(25)), folded);
    const int taken = in_run == 0xFFFF ? 16 : std::countr_zero(~in_run);
    if (taken < 16) {
      const __m128i taken_lanes = _mm_cmplt_epi8(lanes, _mm_set1_epi8(static_cast<char>(taken)));
      letter = _mm_and_si128(letter, taken_lanes);
    }
    letter_sums =
        _mm_add_epi64(letter_sums, _mm_sad_epu8(_mm_and_si128(letter, ones), _mm_setzero_si128()));
    i += static_cast<size_t>(taken);
    if (taken < 16) {
      *letters = SumLanes(letter_sums);
      return i;
    }
  }
  *letters = SumLanes(letter_sums);
#endif
  // Byte by byte from here: the first byte is in the run (the caller's, or the byte after a
  // whole block), or a blank whose next byte decides, or where the run ends.
  return static_cast<size_t>(ScanRun(s + i, s + n, letters) - s);
}

}  // namespace internal

namespace {

// Cuts `text` into sentences trimmed of surrounding whitespace, counting letters per script.
std::vector<Sentence> SplitSentences(std::string_view text) {
  std::vector<Sentence> sentences;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  uint32_t cp = 0;
  Sentence current;
  bool open = false;
  uint32_t last_non_space_byte_end = 0, last_non_space_cp_end = 0;
  auto close = [&] {
    if (!open) return;
    current.byte_end = last_non_space_byte_end;
    current.cp_end = last_non_space_cp_end;
    sentences.push_back(current);
    current = Sentence{};
    open = false;
  };
  bool pending_end = false;  // saw . ! ? and wait for whitespace to confirm
  while (i < length) {
    int32_t start = i;
    const uint8_t cls = kByteClasses[s[i]];
    if (cls <= kLetter) {
      // A run of ASCII letters, digits and other marks that neither end nor split a sentence:
      // most of most articles.
      pending_end = false;
      if (!open) {
        open = true;
        current.byte_start = static_cast<uint32_t>(i);
        current.cp_start = cp;
      }
      uint32_t letters = 0;
      const int32_t j =
          static_cast<int32_t>(internal::SentenceRunEnd(text, static_cast<size_t>(i), &letters));
      current.letters[kLatin] += letters;
      cp += static_cast<uint32_t>(j - i);
      i = j;
      last_non_space_byte_end = static_cast<uint32_t>(i);
      last_non_space_cp_end = cp;
      continue;
    }
    if (cls != kNonAscii) {
      // Other ASCII: the same steps as below without decoding or ICU.
      ++i;
      ++cp;
      if (cls == kSpace || cls == kNewline) {
        if (pending_end || cls == kNewline) close();
        pending_end = false;
        continue;
      }
      if (pending_end && cls != kEnd && cls != kCloser) pending_end = false;
      if (!open) {
        open = true;
        current.byte_start = static_cast<uint32_t>(start);
        current.cp_start = cp - 1;
      }
      last_non_space_byte_end = static_cast<uint32_t>(i);
      last_non_space_cp_end = cp;
      if (cls == kEnd) pending_end = true;
      continue;
    }
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (pending_end && c != 0x201D && c != 0x2019) {
      pending_end = false;  // "U.S." or "3.5": not an end
    }
    if (!open) {
      open = true;
      current.byte_start = static_cast<uint32_t>(start);
      current.cp_start = cp;
    }
    if (c > 0 && u_isalpha(c)) current.letters[ClassifyScript(c)]++;
    ++cp;
    last_non_space_byte_end = static_cast<uint32_t>(i);
    last_non_space_cp_end = cp;
    if (IsCjkSentenceEnd(c)) {
      close();
      pending_end = false;
    }
  }
  close();
  for (auto& sentence : sentences) {
    // Han, kana and Hangul carry about a word per character; weigh them against Latin letters so
    // a Chinese sentence quoting "DeepSeek" stays Chinese.
    uint32_t best = 0;
    for (int script = kLatin; script < kScriptCount; ++script) {
      uint32_t weight = (script == kHan || script == kKana || script == kHangul) ? 4 : 1;
      uint32_t score = sentence.letters[script] * weight;
      if (score > best) {
        best = score;
        sentence.script = static_cast<Script>(script);
      }
    }
    if (sentence.script == kHan && sentence.letters[kKana] * 5 >= sentence.letters[kHan]) {
      sentence.script = kKana;  // Japanese mixes kanji and kana
    }
    // Scripts without a bucket of their own (Devanagari, Bengali, Tamil, Georgian...) share one,
    // which wins when it holds more letters than the best named script: a Hindi sentence quoting
    // "HIV" or "sex worker" is not Latin text. Ties stay with the named script.
    if (sentence.letters[kOther] > best) sentence.script = kOther;
    sentence.lettered = best > 0 || sentence.letters[kOther] > 0;
  }
  return sentences;
}

// BCP-47 primary tags of every CLD2 language, built once: CLD2's codes carry a script suffix
// ("zh-Hant", "sr-ME") that the segments do not.
std::string_view PrimaryTag(CLD2::Language language) {
  static const std::vector<std::string> kTags = [] {
    std::vector<std::string> tags(CLD2::NUM_LANGUAGES);
    for (int l = 0; l < CLD2::NUM_LANGUAGES; ++l) {
      std::string code = CLD2::LanguageCode(static_cast<CLD2::Language>(l));
      size_t dash = code.find('-');
      if (dash != std::string::npos) code.resize(dash);
      tags[l] = std::move(code);
    }
    return tags;
  }();
  if (language < 0 || language >= CLD2::NUM_LANGUAGES) return {};
  return kTags[language];
}

struct Cld2Verdict {
  std::string_view language;  // empty when unknown; static storage
  bool reliable = false;
  int percent = 0;  // share of the text in `language`
};

Cld2Verdict DetectWithCld2(std::string_view text) {
  CLD2::Language language3[3];
  int percent3[3];
  int text_bytes = 0;
  bool reliable = false;
  CLD2::Language top = CLD2::DetectLanguageSummary(text.data(), static_cast<int>(text.size()),
                                                   /*is_plain_text=*/true, language3, percent3,
                                                   &text_bytes, &reliable);
  Cld2Verdict verdict;
  if (top == CLD2::UNKNOWN_LANGUAGE || top == CLD2::TG_UNKNOWN_LANGUAGE) return verdict;
  verdict.language = PrimaryTag(top);
  if (verdict.language == "un" || verdict.language.empty()) {
    verdict.language = {};
    return verdict;
  }
  verdict.reliable = reliable;
  verdict.percent = percent3[0];
  return verdict;
}

bool UsesScriptRule(Script script) {
  return script == kHan || script == kKana || script == kHangul || script == kThai ||
         script == kHebrew || script == kGreek;
}

}  // namespace

LanguageResult DetectLanguages(std::string_view text, const LanguageOptions& options) {
  LanguageResult result;
  std::vector<Sentence> sentences = SplitSentences(text);
  if (sentences.empty()) return result;

  // Per script: the language CLD2 sees over all of that script's sentences, used for sentences
  // too short for CLD2 to be sure of.
  std::array<Cld2Verdict, kScriptCount> script_language;
  for (int script = kOther; script < kScriptCount; ++script) {
    if (UsesScriptRule(static_cast<Script>(script))) continue;
    // CLD2 costs about 60 ns a byte: a sample of sentences spread over the document decides
    // as well as the whole of a long article does.
    constexpr size_t kSampleBytes = 1024;
    size_t script_bytes = 0;
    for (const auto& s : sentences) {
      if (s.script == script && s.lettered) script_bytes += s.byte_end - s.byte_start;
    }
    size_t stride = std::max<size_t>(1, script_bytes / kSampleBytes);
    std::string joined;
    size_t seen = 0, next_pick = 0;
    // Whether the sample is plainly English: then CLD2 would say "en, reliable, 100%" of it, and
    // is not asked (it took half of the stage's instructions on an English news corpus).
    bool english = options.english_fast_path && script == kLatin;
    EnglishSample english_sample;
    for (const auto& s : sentences) {
      if (s.script != script || !s.lettered) continue;
      size_t length = s.byte_end - s.byte_start;
      if (seen >= next_pick) {
        std::string_view sentence = text.substr(s.byte_start, length);
        joined.append(sentence);
        joined.push_back('\n');
        next_pick = seen + length * stride;
        if (english) {
          // A letter of another script in a Latin sentence (a name in Han) would be in CLD2's
          // sample too and could change its verdict.
          uint32_t other_letters = 0;
          for (int k = 0; k < kScriptCount; ++k) other_letters += k == kLatin ? 0 : s.letters[k];
          english = other_letters == 0 && english_sample.AddSentence(sentence);
        }
      }
      seen += length;
    }
    if (joined.empty()) continue;
    if (english && english_sample.LooksEnglish()) {
      script_language[script] = Cld2Verdict{"en", /*reliable=*/true, /*percent=*/100};
    } else {
      script_language[script] = DetectWithCld2(joined);
    }
  }

  for (auto& s : sentences) {
    if (!s.lettered) continue;  // decided by neighbours below
    if (UsesScriptRule(s.script)) {
      s.language = DefaultLanguage(s.script);
      continue;
    }
    const Cld2Verdict& overall = script_language[s.script];
    // A Latin sentence that also holds letters of an unnamed script ("((hi))Hindi language: आपकी
    // उमर क्या है?") is likely in another language than the rest of its script: CLD2 looks at it.
    const bool mixed = s.script != kOther && s.letters[kOther] > 0;
    // One language holds nearly all of this script's text: no need to look sentence by sentence.
    if (!mixed && !overall.language.empty() && overall.reliable && overall.percent >= 95) {
      s.language = overall.language;
      continue;
    }
    std::string_view sentence = text.substr(s.byte_start, s.byte_end - s.byte_start);
    // A sentence of 8 words or more, a quarter of them English function words and none foreign,
    // is one CLD2 is sure is English (on every such sentence of the Wikinews corpus it was).
    // Shorter ones go to CLD2, whose doubt sends them to the document's language.
    if (options.english_fast_path && s.script == kLatin && !mixed &&
        SentenceIsPlainlyEnglish(CountFunctionWords(sentence))) {
      s.language = "en";
      continue;
    }
    Cld2Verdict own = DetectWithCld2(sentence);
    // Text in an unnamed script, or mixed with one, is often Hinglish-like (Hindi with English
    // words) where CLD2 is rarely "reliable" yet names the majority language right; the
    // document-wide verdict of the bucket is a worse guess for it than CLD2's own majority.
    const bool unnamed = s.script == kOther || mixed;
    if (!own.language.empty() && (own.reliable || (unnamed && own.percent >= 50))) {
      s.language = own.language;
    } else if (!overall.language.empty()) {
      s.language = overall.language;
    } else {
      s.language = DefaultLanguage(s.script);
    }
  }
  // Sentences without letters ("2023.", "—") take the previous sentence's language, or the next
  // one's at the start.
  std::string_view previous;
  for (auto& s : sentences) {
    if (s.language.empty()) s.language = previous;
    previous = s.language;
  }
  std::string_view next;
  for (auto it = sentences.rbegin(); it != sentences.rend(); ++it) {
    if (it->language.empty()) it->language = next.empty() ? "und" : next;
    next = it->language;
  }

  // Letters per language, in order of first appearance (a handful of languages at most).
  std::vector<std::pair<std::string_view, uint64_t>> letters_per_language;
  for (const auto& s : sentences) {
    uint64_t letters = 0;
    for (int script = kOther; script < kScriptCount; ++script) {
      bool dense = script == kHan || script == kKana || script == kHangul;
      letters += s.letters[script] * (dense ? 4u : 1u);
    }
    auto entry = std::find_if(letters_per_language.begin(), letters_per_language.end(),
                              [&](const auto& e) { return e.first == s.language; });
    if (entry == letters_per_language.end()) {
      letters_per_language.emplace_back(s.language, letters);
    } else {
      entry->second += letters;
    }
    if (!result.spans.empty() && result.spans.back().language == s.language) {
      result.spans.back().end = s.cp_end;
      result.spans.back().byte_end = s.byte_end;
    } else {
      result.spans.push_back(
          {std::string(s.language), s.cp_start, s.cp_end, s.byte_start, s.byte_end});
    }
  }
  // Ties go to the language first in alphabetical order, as they did when this was a std::map.
  std::sort(letters_per_language.begin(), letters_per_language.end());
  uint64_t best = 0;
  for (const auto& [language, letters] : letters_per_language) {
    if (letters > best && language != "und") {
      best = letters;
      result.language = std::string(language);
    }
  }
  return result;
}

std::vector<LanguageText> TextPerLanguage(std::string_view text, const LanguageResult& result) {
  std::vector<LanguageText> texts;
  for (const auto& span : result.spans) {
    LanguageText* target = nullptr;
    for (auto& t : texts) {
      if (t.language == span.language) target = &t;
    }
    if (!target) {
      texts.push_back({span.language, {}});
      target = &texts.back();
    } else {
      target->text.append("\n\n");
    }
    target->text.append(text.substr(span.byte_start, span.byte_end - span.byte_start));
  }
  return texts;
}

}  // namespace newsflow::text
