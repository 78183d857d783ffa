#pragma once

// A cheap test for text that is plainly English, so language identification can skip CLD2 for
// the bulk of an English news stream (CLD2 costs about 36 ns a byte; this costs a few).
//
// It counts function words: English ones ("the", "of", "and", "that", ...) and those of the
// Latin-script languages that English text does not use ("el", "que", "les", "und", "het",
// "não", and common pinyin syllables). English prose is about a third English function words;
// Spanish, French, German, Italian, Portuguese, Dutch and pinyin are not, and carry their own.
// It is a filter in front of CLD2, not a language identifier: it answers "plainly English" or
// "ask CLD2", and errs towards asking.
//
// Pure logic, standard library only; thread-safe (no mutable state).

#include <cstdint>
#include <string_view>

namespace newsflow::text {

struct FunctionWordCounts {
  uint32_t words = 0;    // runs of letters (ASCII, Latin-1 and Latin Extended-A letters)
  uint32_t english = 0;  // English function words, in any case ("The", "THE" and "the")
  // Function words of other Latin-script languages that are not English words. Only lower-case
  // occurrences count, so names ("Los Angeles", "La Paz") and acronyms ("UN", "DE") do not.
  uint32_t foreign = 0;
  // Characters of other scripts: any code point from U+0180 up, except general punctuation and
  // symbols (U+2000..U+2BFF: dashes, curly quotes, currency, arrows). Also U+FFFD.
  uint32_t non_latin = 0;
  uint32_t accented = 0;  // letters of Latin-1 and Latin Extended-A (é, ñ, ő, ł)

  FunctionWordCounts& operator+=(const FunctionWordCounts& other) {
    words += other.words;
    english += other.english;
    foreign += other.foreign;
    non_latin += other.non_latin;
    accented += other.accented;
    return *this;
  }
};

// Counts the words of `text` (UTF-8; invalid bytes count as non-Latin characters).
FunctionWordCounts CountFunctionWords(std::string_view text);

// True when one sentence shows no sign of another language: no non-Latin characters; at most one
// foreign function word, and then at least two English ones ("Ursula von der Leyen said that the
// ..." passes, "La economía está creciendo más que nunca" does not); and when it has accented
// letters and 6 words or more, at least one English function word in 8 (a Hungarian sentence
// with one "is" does not pass). Sentences of plain ASCII letters without foreign function words
// pass: headlines and name lists ("Hong Kong protesters surround downtown police complex") are
// English or names, and the languages written without accents have their words listed.
bool SentenceLooksEnglish(const FunctionWordCounts& sentence);

// Stricter than SentenceLooksEnglish, for a sentence judged alone: no non-Latin characters, no
// foreign function words, 8 words or more, at least two of them and one in 4 English function
// words. Shorter sentences are where CLD2 is unsure ("We went there.").
bool SentenceIsPlainlyEnglish(const FunctionWordCounts& sentence);

// Sentences CLD2 would be shown (a sample of a document's), added one by one, and whether they
// are plainly English as a whole.
class EnglishSample {
 public:
  // Adds one sentence (UTF-8). Returns false when it does not look English
  // (SentenceLooksEnglish): the whole sample is then not English, whatever follows.
  bool AddSentence(std::string_view sentence);

  // True when every sentence looked English and the sample as a whole does: at least 20 words,
  // at least one English function word in 5, foreign ones under one in 50, and under a quarter
  // of the words in sentences with no English function word (a page of photo captions, "Image:
  // Nicholas Moreau.", is where CLD2 finds other languages in English text).
  bool LooksEnglish() const;

 private:
  FunctionWordCounts total_;
  uint32_t unmarked_words_ = 0;  // words of sentences without an English function word
  bool rejected_ = false;
};

}  // namespace newsflow::text
