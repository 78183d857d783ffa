#include "services/core/text/simhash.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <array>

#include "services/core/text/hygiene.h"

namespace newsflow::text {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Mix(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

bool IsDenseScript(UChar32 c) {
  if (c < 0x2E80) return false;  // fast path: nothing below is Han, kana or Hangul
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(c, &status);
  return script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA ||
         script == USCRIPT_HANGUL;
}

}  // namespace

uint64_t BodyFingerprint(std::string_view body) {
  uint64_t h = kFnvOffset;
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  const size_t n = body.size();
  size_t i = 0;
  // Eight bytes per iteration: the same chain of multiplies (the hash is stored, so it must not
  // change), with the loop's own instructions paid once per eight bytes instead of per byte.
  for (; i + 8 <= n; i += 8) {
    h = (h ^ p[i]) * kFnvPrime;
    h = (h ^ p[i + 1]) * kFnvPrime;
    h = (h ^ p[i + 2]) * kFnvPrime;
    h = (h ^ p[i + 3]) * kFnvPrime;
    h = (h ^ p[i + 4]) * kFnvPrime;
    h = (h ^ p[i + 5]) * kFnvPrime;
    h = (h ^ p[i + 6]) * kFnvPrime;
    h = (h ^ p[i + 7]) * kFnvPrime;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * kFnvPrime;
  return Mix(h ^ n);
}

// Byte j of kSpread[b] is bit j of b: adding kSpread of each byte of a word to eight packed
// accumulators counts its 64 bit positions eight lanes at a time.
constexpr std::array<uint64_t, 256> MakeSpread() {
  std::array<uint64_t, 256> table{};
  for (int b = 0; b < 256; ++b) {
    for (int j = 0; j < 8; ++j) {
      if (b & (1 << j)) table[b] |= uint64_t{1} << (8 * j);
    }
  }
  return table;
}
constexpr std::array<uint64_t, 256> kSpread = MakeSpread();

// Carry-save adder over 64 bit positions at once: a + b + c = 2 * high + low, per position.
inline void CarrySave(uint64_t a, uint64_t b, uint64_t c, uint64_t* high, uint64_t* low) {
  const uint64_t u = a ^ b;
  *high = (a & b) | (u & c);
  *low = u ^ c;
}

// Counts, per bit position, how many feature hashes have the bit set. Hashes are added eight at
// a time through a carry-save adder tree (Harley-Seal): per position the count is
// 8 * eights + 4 * fours + 2 * twos + ones, and only the eights word goes through the
// per-position lanes, so a hash costs a few bitwise operations instead of eight lane additions.
class BitCounter {
 public:
  [[gnu::always_inline]] inline void Add(uint64_t h) {
    group_[grouped_++] = h;
    if (grouped_ == group_.size()) AddGroup();
    ++features_;
  }
  uint64_t Signature() {
    FlushEights();
    std::array<uint32_t, 64> ones{};
    for (int bit = 0; bit < 64; ++bit) {
      ones[bit] = 8 * eights_[bit] + 4 * ((fours_ >> bit) & 1) + 2 * ((twos_ >> bit) & 1) +
                  ((ones_ >> bit) & 1);
    }
    for (size_t k = 0; k < grouped_; ++k) {
      for (int bit = 0; bit < 64; ++bit) ones[bit] += (group_[k] >> bit) & 1;
    }
    uint64_t signature = 0;
    for (int bit = 0; bit < 64; ++bit) {
      if (2 * ones[bit] > features_) signature |= uint64_t{1} << bit;
    }
    return signature;
  }

 private:
  void AddGroup() {
    const auto& g = group_;
    uint64_t twos_a, twos_b, fours_a, fours_b, eights;
    CarrySave(ones_, g[0], g[1], &twos_a, &ones_);
    CarrySave(ones_, g[2], g[3], &twos_b, &ones_);
    CarrySave(twos_, twos_a, twos_b, &fours_a, &twos_);
    CarrySave(ones_, g[4], g[5], &twos_a, &ones_);
    CarrySave(ones_, g[6], g[7], &twos_b, &ones_);
    CarrySave(twos_, twos_a, twos_b, &fours_b, &twos_);
    CarrySave(fours_, fours_a, fours_b, &eights, &fours_);
    for (int k = 0; k < 8; ++k) packed_[k] += kSpread[(eights >> (8 * k)) & 0xFF];
    if (++pending_ == 255) FlushEights();  // a byte lane holds at most 255
    grouped_ = 0;
  }
  void FlushEights() {
    for (int k = 0; k < 8; ++k) {
      for (int j = 0; j < 8; ++j) eights_[8 * k + j] += (packed_[k] >> (8 * j)) & 0xFF;
      packed_[k] = 0;
    }
    pending_ = 0;
  }
  std::array<uint64_t, 8> group_{};  // hashes not yet added to the tree
  size_t grouped_ = 0;
  uint64_t ones_ = 0, twos_ = 0, fours_ = 0;  // bit planes of the count modulo 8
  std::array<uint64_t, 8> packed_{};          // byte j of packed_[k] counts eights of bit 8*k+j
  std::array<uint32_t, 64> eights_{};
  uint32_t pending_ = 0;
  uint32_t features_ = 0;
};

// Token bytes: the lower-cased ASCII letter or digit, 0 for an ASCII separator, kNonAscii for a
// byte of a multi-byte character (decoded and looked up in ICU).
constexpr uint8_t kNonAscii = 0xFF;
constexpr std::array<uint8_t, 256> MakeTokenBytes() {
  std::array<uint8_t, 256> table{};
  for (int c = 0x80; c < 0x100; ++c) table[c] = kNonAscii;
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<uint8_t>(c);
  for (int c = 'a'; c <= 'z'; ++c) table[c] = static_cast<uint8_t>(c);
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = static_cast<uint8_t>(c | 0x20);
  return table;
}
constexpr std::array<uint8_t, 256> kTokenBytes = MakeTokenBytes();

// Features of the token stream: each token, and each window of three tokens.
class ShingleFeatures {
 public:
  // Inlined into the scanning loop so the counters stay in registers.
  [[gnu::always_inline]] inline void PushToken(uint64_t token) {
    window_[0] = window_[1];
    window_[1] = window_[2];
    window_[2] = token;
    ++tokens_;
    // Words alone keep short articles close under small edits; shingles keep different
    // articles on the same topic apart.
    counter_.Add(Mix(token ^ 0x5bd1e995ull));
    if (tokens_ >= 3) counter_.Add(Mix(window_[0] * 31 * 31 + window_[1] * 31 + window_[2]));
  }

  uint64_t Signature() {
    if (tokens_ == 0) return 0;
    if (tokens_ < 3) counter_.Add(Mix(window_[0] * 31 * 31 + window_[1] * 31 + window_[2]));
    return counter_.Signature();
  }

 private:
  BitCounter counter_;
  std::array<uint64_t, 3> window_{};  // hashes of the last three tokens
  size_t tokens_ = 0;
};

namespace {

// SimHash's tokenizer; with kBody, also BodyFingerprint's FNV-1a chain over every byte it reads
// (the chain is independent of the tokenizer's, so the two overlap).
template <bool kBody>
uint64_t ScanText(std::string_view text, size_t* word_count, uint64_t* body_fingerprint) {
  ShingleFeatures features;
  WordCounter words;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  uint64_t token = kFnvOffset;
  uint64_t body = kFnvOffset;
  bool in_token = false;
  while (i < length) {
    uint8_t byte = kTokenBytes[s[i]];
    if (byte != kNonAscii) {
      // ASCII: letters and digits extend the token (a whole run in one loop, most of the text),
      // anything else ends it.
      if (byte != 0) {
        words.AddAsciiAlnumRun();
        uint64_t h = token;
        do {
          h = (h ^ byte) * kFnvPrime;
          if constexpr (kBody) body = (body ^ s[i]) * kFnvPrime;
          ++i;
          // 0 (separator) and kNonAscii both end the run: one unsigned comparison.
        } while (i < length && static_cast<uint8_t>((byte = kTokenBytes[s[i]]) - 1) < 0xFE);
        token = h;
        in_token = true;
        continue;
      }
      words.AddAsciiOther(s[i]);
      if constexpr (kBody) body = (body ^ s[i]) * kFnvPrime;
      ++i;
      if (in_token) {
        features.PushToken(token);
        token = kFnvOffset;
        in_token = false;
      }
      continue;
    }
    UChar32 c;
    if constexpr (kBody) {
      const int32_t start = i;
      U8_NEXT(s, i, length, c);
      for (int32_t k = start; k < i; ++k) body = (body ^ s[k]) * kFnvPrime;
    } else {
      U8_NEXT(s, i, length, c);
    }
    words.AddCodePoint(c);
    bool alnum = c > 0 && u_isalnum(c);
    if (alnum && !IsDenseScript(c)) {
      token = (token ^ static_cast<uint64_t>(c)) * kFnvPrime;
      in_token = true;
      continue;
    }
    if (in_token) {
      features.PushToken(token);
      token = kFnvOffset;
      in_token = false;
    }
    if (alnum) features.PushToken((kFnvOffset ^ static_cast<uint64_t>(c)) * kFnvPrime);
  }
  if (in_token) features.PushToken(token);
  *word_count = words.words();
  if constexpr (kBody) *body_fingerprint = Mix(body ^ text.size());
  return features.Signature();
}

}  // namespace

uint64_t SimHash(std::string_view text) {
  size_t word_count = 0;
  return ScanText<false>(text, &word_count, nullptr);
}

TextFingerprints Fingerprints(std::string_view text) {
  TextFingerprints result;
  result.simhash = ScanText<true>(text, &result.word_count, &result.body);
  return result;
}

}  // namespace newsflow::text
