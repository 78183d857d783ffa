#include "services/core/text/function_words.h"

#include <array>
#include <bit>
#include <cstddef>
#include <cstring>

namespace newsflow::text {
namespace {

// English function words. Words that are also common function words elsewhere and would blur the
// two counts are left out: "a" (es/pt/it/fr), "also" and "will" (German), "no" (es/pt/it).
constexpr std::string_view kEnglish[] = {
    "the",   "of",    "and",   "to",     "in",   "is",    "that",  "for",   "it",    "on",
    "was",   "with",  "as",    "at",     "by",   "from",  "be",    "this",  "are",   "an",
    "has",   "have",  "had",   "were",   "not",  "but",   "or",    "which", "its",   "his",
    "her",   "their", "they",  "he",     "she",  "we",    "who",   "been",  "would", "after",
    "than",  "more",  "about", "into",   "over", "there", "these", "those", "when",  "where",
    "while", "can",   "could", "should", "our",  "all",   "what",  "other", "some",  "if",
    "them",  "him",   "up",    "out",    "one",  "said",  "new",   "two",   "first", "last",
};

// Function words of Spanish, French, German, Italian, Portuguese and Dutch, and common pinyin
// syllables, that are not English words. Left out because English text uses them in lower case:
// "die", "den", "van", "op", "per", "non", "con", "com" (".com"), "e" ("e-mail"), "o" ("o'clock"),
// "men", "ad", "med", "til", "ve" ("we've" splits at the apostrophe), "al" (Arabic names:
// "al-Sisi").
constexpr std::string_view kForeign[] = {
    // Spanish
    "el",
    "los",
    "las",
    "del",
    "que",
    "y",
    "una",
    "por",
    "para",
    "es",
    "se",
    "su",
    "lo",
    "como",
    "pero",
    "sus",
    "está",
    "más",
    "entre",
    "fue",
    "muy",
    "también",
    "esta",
    "este",
    "de",
    "en",
    "un",
    "la",
    // French
    "le",
    "les",
    "des",
    "du",
    "et",
    "est",
    "une",
    "dans",
    "pour",
    "qui",
    "pas",
    "sur",
    "au",
    "aux",
    "ce",
    "il",
    "ne",
    "sont",
    "avec",
    "par",
    "nous",
    "vous",
    "cette",
    "mais",
    "ont",
    "été",
    "très",
    "être",
    "elle",
    "ils",
    // German
    "der",
    "das",
    "und",
    "ist",
    "nicht",
    "mit",
    "zu",
    "dem",
    "ein",
    "eine",
    "auf",
    "sich",
    "für",
    "im",
    "auch",
    "wir",
    "sind",
    "sehr",
    "ich",
    "wird",
    "werden",
    "nach",
    "bei",
    "aus",
    "oder",
    "wie",
    "dass",
    "noch",
    "nur",
    "über",
    // Italian
    "di",
    "che",
    "della",
    "sono",
    "gli",
    "nel",
    "è",
    "anche",
    "questo",
    "alla",
    "dei",
    "delle",
    "degli",
    // Portuguese ("das" and "mais" are listed under German and French)
    "os",
    "da",
    "em",
    "não",
    "uma",
    "dos",
    "ao",
    "é",
    "são",
    // Dutch
    "het",
    "een",
    "niet",
    "zijn",
    "ook",
    "voor",
    "dat",
    "wordt",
    "naar",
    "maar",
    "bij",
    // Pinyin without tone marks
    "shi",
    "zai",
    "wo",
    "ni",
    "ta",
    "yi",
    "bu",
    "hen",
    "zhe",
    "ge",
    "guo",
    "zhong",
    "shang",
    "dou",
    "jiu",
    "ye",
    "yu",
    "lai",
    "shuo",
    "hui",
    "neng",
    "xiang",
    // Languages often written without accents, whose sentences would otherwise carry no listed
    // word: Indonesian and Malay, Tagalog, Swahili, Welsh, Latin
    "yang",
    "dan",
    "ini",
    "itu",
    "dengan",
    "untuk",
    "tidak",
    "dari",
    "dalam",
    "akan",
    "pada",
    "juga",
    "ke",
    "ang",
    "ng",
    "mga",
    "sa",
    "ay",
    "hindi",
    "wa",
    "ya",
    "kwa",
    "za",
    "yn",
    "yr",
    "mae",
    "ac",
    "ei",
    "ut",
    "cum",
    "sed",
    "quod",
    // Scandinavian, Polish, Czech, Hungarian, Turkish
    "och",
    "att",
    "det",
    "som",
    "av",
    "og",
    "er",
    "ikke",
    "nie",
    "się",
    "jest",
    "że",
    "je",
    "hogy",
    "nem",
    "egy",
    "és",
    "az",
    "bir",
    "için",
    "ile",
};

// Words are looked up as their first 8 bytes packed little-endian into a 64-bit key (every
// listed word fits; a longer word gets no key).
constexpr uint64_t KeyOf(std::string_view word) {
  uint64_t key = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    key |= uint64_t{static_cast<uint8_t>(word[i])} << (8 * i);
  }
  return key;
}

enum WordKind : uint8_t { kNone = 0, kEnglishWord, kForeignWord };

// Open addressing with linear probing; a quarter full, so a miss ends within a probe or two.
constexpr size_t kTableBits = 10;
constexpr size_t kTableSize = size_t{1} << kTableBits;

constexpr size_t SlotOf(uint64_t key) {
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - kTableBits));
}

struct WordTable {
  std::array<uint64_t, kTableSize> keys{};
  std::array<uint8_t, kTableSize> kinds{};
  bool valid = true;  // false when a word is listed twice or is too long (checked below)

  constexpr void Add(std::string_view word, WordKind kind) {
    if (word.empty() || word.size() > 8) {
      valid = false;
      return;
    }
    uint64_t key = KeyOf(word);
    size_t slot = SlotOf(key);
    while (kinds[slot] != kNone) {
      if (keys[slot] == key) valid = false;
      slot = (slot + 1) & (kTableSize - 1);
    }
    keys[slot] = key;
    kinds[slot] = kind;
  }

  WordKind Find(uint64_t key) const {
    size_t slot = SlotOf(key);
    while (kinds[slot] != kNone) {
      if (keys[slot] == key) return static_cast<WordKind>(kinds[slot]);
      slot = (slot + 1) & (kTableSize - 1);
    }
    return kNone;
  }
};

constexpr WordTable MakeWordTable() {
  WordTable table;
  for (std::string_view word : kEnglish) table.Add(word, kEnglishWord);
  for (std::string_view word : kForeign) table.Add(word, kForeignWord);
  return table;
}
constexpr WordTable kWords = MakeWordTable();
static_assert(kWords.valid, "a function word is listed twice or is longer than 8 bytes");

// What a byte starts, for the scanner.
enum ByteClass : uint8_t {
  kSeparator = 0,    // ASCII other than letters
  kUpper,            // ASCII upper-case letter
  kLower,            // ASCII lower-case letter
  kLatinLead,        // C3, C4, C5: a Latin-1 or Latin Extended-A letter follows
  kPunctuationLead,  // E2: general punctuation and symbols, unless U+2C00 and up
  kOtherLead,        // another script's lead byte, or an invalid byte
  kSymbolLead,       // C2: U+0080..U+00BF, symbols and the no-break space
};

constexpr std::array<uint8_t, 256> MakeByteClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0x80; c < 0x100; ++c) classes[c] = kOtherLead;
  for (int c = 'A'; c <= 'Z'; ++c) classes[c] = kUpper;
  for (int c = 'a'; c <= 'z'; ++c) classes[c] = kLower;
  classes[0xC2] = kSymbolLead;
  classes[0xC3] = classes[0xC4] = classes[0xC5] = kLatinLead;
  classes[0xE2] = kPunctuationLead;
  return classes;
}
constexpr std::array<uint8_t, 256> kByteClasses = MakeByteClasses();

inline bool IsContinuation(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

FunctionWordCounts CountFunctionWords(std::string_view text) {
  FunctionWordCounts counts;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  // The current word: its key so far (lower-cased bytes), its length in bytes, whether a letter
  // after the first is upper case and whether the first is.
  uint64_t key = 0;
  size_t length = 0;
  bool in_word = false, first_upper = false, later_upper = false;
  auto end_word = [&] {
    if (!in_word) return;
    ++counts.words;
    if (length <= 8) {
      WordKind kind = kWords.Find(key);
      if (kind == kEnglishWord) {
        ++counts.english;
      } else if (kind == kForeignWord && !first_upper && !later_upper) {
        ++counts.foreign;
      }
    }
    key = 0;
    length = 0;
    in_word = first_upper = later_upper = false;
  };
  auto add_raw = [&](uint8_t b) {
    if (length < 8) key |= uint64_t{b} << (8 * length);
    ++length;
  };
  auto add_byte = [&](uint8_t b, bool upper) {
    if (!in_word) {
      in_word = true;
      first_upper = upper;
    } else if (upper) {
      later_upper = true;
    }
    add_raw(b);
  };
  size_t i = 0;
  while (i < n) {
    const uint8_t b = s[i];
    switch (kByteClasses[b]) {
      case kLower:
      case kUpper: {
        if (!in_word && i + 8 <= n) {
          // A word starting with a run of ASCII letters (nearly every word): find the run's end,
          // then take the key from one 8-byte load instead of shifting in byte by byte.
          size_t j = i + 1;
          bool upper = false;
          while (j < n) {
            const uint8_t cls = kByteClasses[s[j]];
            if (cls != kLower && cls != kUpper) break;
            upper |= cls == kUpper;
            ++j;
          }
          in_word = true;
          first_upper = kByteClasses[b] == kUpper;
          later_upper = upper;
          length = j - i;
          static_assert(std::endian::native == std::endian::little);  // s[i] is the low byte
          uint64_t word;
          std::memcpy(&word, s + i, sizeof(word));
          word |= 0x2020202020202020ull;  // lower case (all bytes used are letters)
          key = length >= 8 ? word : word & ((uint64_t{1} << (8 * length)) - 1);
          i = j;
          break;
        }
        // A run of ASCII letters continuing a word, or near the end of the text, byte by byte.
        size_t j = i;
        if (!in_word) {
          in_word = true;
          first_upper = kByteClasses[b] == kUpper;
          add_raw(static_cast<uint8_t>(b | 0x20));
          ++j;
        }
        bool upper = false;
        while (j < n) {
          const uint8_t cls = kByteClasses[s[j]];
          if (cls != kLower && cls != kUpper) break;
          upper |= cls == kUpper;
          add_raw(static_cast<uint8_t>(s[j] | 0x20));
          ++j;
        }
        later_upper = later_upper || upper;
        i = j;
        break;
      }
      case kSeparator:
        end_word();
        ++i;
        break;
      case kSymbolLead:
        end_word();
        i += (i + 1 < n && IsContinuation(s[i + 1])) ? 2 : 1;
        break;
      case kLatinLead: {
        if (i + 1 >= n || !IsContinuation(s[i + 1])) {
          end_word();
          ++counts.non_latin;  // invalid UTF-8
          ++i;
          break;
        }
        uint8_t second = s[i + 1];
        if (b == 0xC3 && (second == 0x97 || second == 0xB7)) {  // × and ÷
          end_word();
          i += 2;
          break;
        }
        ++counts.accented;
        if (b == 0xC3 && second < 0xA0) {  // À..Þ: lower-case is 0x20 up
          add_byte(b, true);
          add_raw(static_cast<uint8_t>(second | 0x20));
        } else {
          // Latin Extended-A pairs case by parity; a word with one of these letters is compared
          // as written, which is enough for the listed words (all lower case).
          add_byte(b, false);
          add_raw(second);
        }
        i += 2;
        break;
      }
      case kPunctuationLead:
        end_word();
        if (i + 1 < n && s[i + 1] >= 0xB0) ++counts.non_latin;  // U+2C00 and up
        ++i;
        while (i < n && IsContinuation(s[i])) ++i;
        break;
      default:  // kOtherLead
        end_word();
        ++counts.non_latin;
        ++i;
        while (i < n && IsContinuation(s[i])) ++i;
        break;
    }
  }
  end_word();
  return counts;
}

bool SentenceLooksEnglish(const FunctionWordCounts& sentence) {
  if (sentence.non_latin != 0 || sentence.foreign > 1) return false;
  if (sentence.foreign == 1) return sentence.english > 1;
  if (sentence.accented == 0 || sentence.words < 6) return true;
  return sentence.english * 8 >= sentence.words;
}

bool SentenceIsPlainlyEnglish(const FunctionWordCounts& sentence) {
  return sentence.non_latin == 0 && sentence.foreign == 0 && sentence.words >= 8 &&
         sentence.english >= 2 && sentence.english * 4 >= sentence.words;
}

bool EnglishSample::AddSentence(std::string_view sentence) {
  if (rejected_) return false;
  FunctionWordCounts counts = CountFunctionWords(sentence);
  if (!SentenceLooksEnglish(counts)) {
    rejected_ = true;
    return false;
  }
  total_ += counts;
  if (counts.english == 0) unmarked_words_ += counts.words;
  return true;
}

bool EnglishSample::LooksEnglish() const {
  return !rejected_ && total_.non_latin == 0 && total_.words >= 20 &&
         total_.english * 5 >= total_.words && total_.foreign * 50 < total_.words &&
         unmarked_words_ * 8 < total_.words;
}

}  // namespace newsflow::text
