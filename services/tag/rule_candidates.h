#pragma once

// The rules scanner's (rules.h) first filter: which bytes of a 64-byte block may start a rule
// mention, computed for the whole block at once so the scanner visits only those bytes and never
// re-reads the text between them.
//
// A byte is a candidate when it is
//  - an ASCII digit or capital letter that does not follow an ASCII letter, digit or '_' (inside
//    such a run a number or capitalized word never starts: "H100", "McDonald", "A_B"), or
//  - '$' or '(', or
//  - a UTF-8 lead byte 0xC2..0xFF (currency signs, CJK numerals and weekdays; the scanner keeps
//    its exact table for these).
// Everything else (lower-case letters, spaces, most punctuation, continuation bytes) is not.
//
// Pure, header-only; AVX2 when the CPU has it (checked once at run time), else SSE2 on x86-64,
// else a portable loop, all giving the same bits.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NEWSFLOW_RULE_CANDIDATES_AVX2 1
#endif

namespace newsflow::tag {

namespace rule_candidates_internal {

inline bool IsAsciiWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

#if defined(__SSE2__)
// Candidate bytes of one 16-byte group as 0xFF lanes. *word holds, on entry, the previous group's
// ASCII word bytes (only its last lane is used) and, on return, this group's.
inline __m128i Group16(const unsigned char* p, __m128i* word) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // x in [lo, lo + width): shifted so the range starts at 0x80 (-128), one signed compare.
  auto in_range = [&x](int lo, int width) {
    return _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(0x80 - lo))),
                          _mm_set1_epi8(static_cast<char>(-128 + width)));
  };
  const __m128i starts = _mm_or_si128(in_range('0', 10), in_range('A', 26));
  const __m128i words =
      _mm_or_si128(_mm_or_si128(starts, in_range('a', 26)), _mm_cmpeq_epi8(x, _mm_set1_epi8('_')));
  // Lane k: is byte k - 1 a word byte (lane 0 from the previous group).
  const __m128i after_word = _mm_or_si128(_mm_slli_si128(words, 1), _mm_srli_si128(*word, 15));
  *word = words;
  const __m128i punct =
      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('$')), _mm_cmpeq_epi8(x, _mm_set1_epi8('(')));
  // Unsigned x >= 0xC2.
  const __m128i lead = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(static_cast<char>(0xC2))), x);
  return _mm_or_si128(_mm_andnot_si128(after_word, starts), _mm_or_si128(punct, lead));
}
#endif

// The mask of 64 readable bytes at p; `prev_word` tells whether the byte before p is a word byte.
inline uint64_t Block64(const unsigned char* p, bool prev_word) {
#if defined(__SSE2__)
  __m128i word = prev_word ? _mm_set1_epi8(static_cast<char>(0xFF)) : _mm_setzero_si128();
  uint64_t mask = 0;
  for (int g = 0; g < 4; ++g) {
    const __m128i candidates = Group16(p + 16 * g, &word);
    mask |= uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(candidates))} << (16 * g);
  }
  return mask;
#else
  uint64_t start = 0;
  uint64_t word = 0;
  uint64_t other = 0;
  for (int k = 0; k < 64; ++k) {
    const unsigned char c = p[k];
    const uint64_t bit = uint64_t{1} << k;
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) start |= bit;
    if (IsAsciiWordByte(c)) word |= bit;
    if (c == '$' || c == '(' || c >= 0xC2) other |= bit;
  }
  const uint64_t after_word = (word << 1) | (prev_word ? 1u : 0u);
  return (start & ~after_word) | other;
#endif
}

#if defined(NEWSFLOW_RULE_CANDIDATES_AVX2)
// Block64 with 32-byte vectors, for CPUs that have AVX2 (chosen at run time): half the operations.
__attribute__((target("avx2"))) inline uint64_t Block64Avx2(const unsigned char* p,
                                                            bool prev_word) {
  __m256i word = prev_word ? _mm256_set1_epi8(static_cast<char>(0xFF)) : _mm256_setzero_si256();
  uint64_t mask = 0;
  for (int g = 0; g < 2; ++g) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * g));
    // x in [lo, lo + width): shifted so the range starts at 0x80 (-128), one signed compare
    // (written out: a lambda would not inherit the avx2 target).
    const __m256i digit = _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(-128 + 10)),
                                            _mm256_add_epi8(x, _mm256_set1_epi8(0x80 - '0')));
    const __m256i upper = _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(-128 + 26)),
                                            _mm256_add_epi8(x, _mm256_set1_epi8(0x80 - 'A')));
    const __m256i lower =
        _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(-128 + 26)),
                          _mm256_add_epi8(x, _mm256_set1_epi8(static_cast<char>(0x80 - 'a'))));
    const __m256i starts = _mm256_or_si256(digit, upper);
    const __m256i words = _mm256_or_si256(_mm256_or_si256(starts, lower),
                                          _mm256_cmpeq_epi8(x, _mm256_set1_epi8('_')));
    // Lane k: is byte k - 1 a word byte, across the 128-bit halves and from the previous group.
    const __m256i after_word =
        _mm256_alignr_epi8(words, _mm256_permute2x128_si256(word, words, 0x21), 15);
    word = words;
    const __m256i punct = _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('$')),
                                          _mm256_cmpeq_epi8(x, _mm256_set1_epi8('(')));
    const __m256i lead =
        _mm256_cmpeq_epi8(_mm256_max_epu8(x, _mm256_set1_epi8(static_cast<char>(0xC2))), x);
    const __m256i candidates =
        _mm256_or_si256(_mm256_andnot_si256(after_word, starts), _mm256_or_si256(punct, lead));
    mask |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(candidates))} << (32 * g);
  }
  return mask;
}

inline bool HasAvx2() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}
#endif

// Block64 on the widest vectors the CPU has.
inline uint64_t Block64Best(const unsigned char* p, bool prev_word) {
#if defined(NEWSFLOW_RULE_CANDIDATES_AVX2)
  if (HasAvx2()) return Block64Avx2(p, prev_word);
#endif
  return Block64(p, prev_word);
}

}  // namespace rule_candidates_internal

// Candidate bits of text[base, base + 64): bit k for byte base + k; bytes past the end are never
// candidates. Requires base < text.size().
inline uint64_t RuleCandidateMask(std::string_view text, size_t base) {
  namespace internal = rule_candidates_internal;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const bool prev_word = base > 0 && internal::IsAsciiWordByte(s[base - 1]);
  if (text.size() - base >= 64) return internal::Block64Best(s + base, prev_word);
  // The last, short block: zero padding is neither a candidate nor a word byte.
  unsigned char padded[64] = {};
  std::memcpy(padded, s + base, text.size() - base);
  return internal::Block64Best(padded, prev_word);
}

}  // namespace newsflow::tag
