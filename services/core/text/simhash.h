#pragma once

// Fingerprints of clean article text: an exact one (same normalized body) and a SimHash
// similarity signature (re-syndicated copies with small edits differ in few bits). Pure logic,
// thread-safe, stable across processes and versions (they are stored in changelog topics).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace newsflow::text {

// 64-bit hash of the exact bytes (FNV-1a with a final avalanche mix).
uint64_t BodyFingerprint(std::string_view body);

// 64-bit SimHash over each token and each overlapping 3-token shingle. Measured on the samples
// and fixtures: a one-word edit moves 1-5 bits, a dropped sentence about 6; other outlets'
// versions of the same story differ in 17 or more. Tokens are runs of letters and digits,
// ASCII-lower-cased, and single Han/kana/Hangul characters, so punctuation, spacing and case
// edits do not change the signature. Text with fewer than 3 tokens hashes its tokens as one
// shingle; text with no tokens returns 0.
uint64_t SimHash(std::string_view text);

// What normalize needs of an article body, from one pass over it (the text is read once, and
// BodyFingerprint's chain of multiplies, one per byte, runs beside the tokenizer's work instead of
// in a loop of its own that waits on each multiply).
struct TextFingerprints {
  uint64_t body = 0;      // BodyFingerprint(text)
  uint64_t simhash = 0;   // SimHash(text)
  size_t word_count = 0;  // WordCount(text) (hygiene.h)
};
TextFingerprints Fingerprints(std::string_view text);

// Number of differing bits.
inline int HammingDistance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

}  // namespace newsflow::text
