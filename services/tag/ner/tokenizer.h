#pragma once

// Tokenizer for the statistical entity recognizer: UTF-8 text in, tokens with byte and code-point
// spans out. Entity spans in the pipeline are code-point offsets (what Python's str indexing and
// the annotated data use), so both coordinates are produced in the same pass.
//
// Pure logic: depends on ICU (icuuc, character properties only) and the standard library. No
// exceptions on the data path; the only allocation is growth of the caller-owned token vector.

#include <cstdint>
#include <string_view>
#include <vector>

namespace newsflow::tag::ner {

enum class TokenKind : uint8_t {
  kWord,    // letters (and digits mixed with letters): "Obama", "don't", "U.S.", "3M", "'s"
  kNumber,  // digits with internal separators: "2019", "3.5", "1,000", "10:30"
  kHan,     // one Han ideograph or kana character (CJK text has no spaces between words)
  kPunct,   // one punctuation character
  kSymbol,  // one symbol, emoji (with its modifiers/ZWJ sequence) or invalid byte
};

// Bits of Token::flags.
inline constexpr uint8_t kSpaceBefore = 1;      // whitespace precedes the token
inline constexpr uint8_t kLineBreakBefore = 2;  // a '\n' (or U+2028/2029) precedes the token
inline constexpr uint8_t kSentenceStart = 4;    // first token of a sentence (see Tokenize)

struct Token {
  uint32_t byte_begin = 0;  // [byte_begin, byte_end) into the UTF-8 input
  uint32_t byte_end = 0;
  uint32_t cp_begin = 0;  // [cp_begin, cp_end) in Unicode code points
  uint32_t cp_end = 0;
  TokenKind kind = TokenKind::kWord;
  uint8_t flags = 0;
};

// Splits `text` into tokens. `tokens` is cleared first and its capacity
// is reused, so a caller that keeps the vector across documents does not allocate per token.
//
// Rules:
//  - words are runs of letters, combining marks and digits; an apostrophe (' or U+2019), '.'
//    between two letters ("U.S", "Ph.D") and '&' between two capitals ("AT&T") stay inside; a
//    word with an internal '.' or a single capital letter also takes a following '.' ("U.S.",
//    "J. R." → "J.", "R."), because annotated names include those dots;
//  - possessive 's / ’s is its own token ("Trump's" → "Trump" "'s"); other apostrophes stay;
//  - hyphens split ("Pittsburgh-Cleveland" → 3 tokens): names are often one half of a compound;
//  - numbers keep '.', ',' and ':' between digits ("1,000.5", "10:30");
//  - each Han ideograph / kana is one token (a character-level tagger works for Chinese);
//  - every other non-space character is a one-character token, except that an emoji keeps its
//    variation selectors, skin-tone modifiers, tag characters and ZWJ-joined successors;
//  - invalid UTF-8: each offending byte is one kSymbol token and counts as one code point.
// Sentence starts (kSentenceStart): the first token, the first token of a line, and a token after
// '.', '!', '?', '…', '。', '！', '？' (or such a mark followed by closing quotes/brackets).
// Offsets are 32-bit: inputs of 4 GiB or more are truncated to the first 4 GiB - 1 bytes.
void Tokenize(std::string_view text, std::vector<Token>* tokens);

}  // namespace newsflow::tag::ner
