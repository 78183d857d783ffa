#pragma once

// Per-Tagger cache of the word-level work of tagging. News text repeats a few thousand words most
// of the time, and for a given word the description (ICU case mapping, shape and affix hashes,
// lexicon lookup) and 24 of the 42 feature rows (WordFeatureIds) never change. A cache entry keeps
// the description and five partial sums of those rows (the word as the tagged token, as its left
// or right neighbour, as the second word to the left or right), so a frequent word costs a key
// compare and five vector adds instead of ~24 hashes and 24 random row reads. The word's own sum
// also holds the two position templates' rows for position 3 (ComputePositionFeatureIds), which
// ScoreWords swaps for the right ones on a sentence's first three tokens.
//
// Sums are int32 sums of the same int16 weights as ScoreTokens adds, so scores are identical.
//
// Not thread-safe (part of a Tagger). The table is allocated on first use and never grows: after
// that, lookups do not allocate.

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "services/tag/ner/features.h"
#include "services/tag/ner/tokenizer.h"

namespace newsflow::tag::ner {

class SequenceModel;

class WordCache {
 public:
  static constexpr size_t kDefaultEntries = 4096;
  // Words longer than this many bytes are described every time (rare; keys stay fixed-size).
  static constexpr size_t kMaxKeyBytes = 24;

  // `model` must outlive the cache; `entries` is rounded up to a power of two.
  explicit WordCache(const SequenceModel* model, size_t entries = kDefaultEntries);

  // For each sentence range of `tokens` (SentenceRanges), writes every token's description into
  // `info` and the word-level part of its label scores into `scores` (model stride int32s per
  // token, sentence edges and the position templates included: the rest comes from
  // ExtractTaggerContextFeatures). The caller sizes both to the document (tokens.size() and
  // tokens.size() * stride), so buffers kept across documents need not be cleared or shrunk.
  // `ranges` must cover the tokens in order.
  void ScoreWords(std::string_view text, std::span<const Token> tokens,
                  std::span<const std::pair<uint32_t, uint32_t>> ranges, std::span<TokenInfo> info,
                  std::span<int32_t> scores);

  // Lookups that found their word (for tests and tuning).
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  struct Key {
    uint64_t bytes[kMaxKeyBytes / 8];
    uint32_t length_and_kind;  // 0 = empty slot (no token is empty)
  };
  // Partial sums per entry, each `stride_` int32s, in this order.
  enum Part { kSelf = 0, kPrev1, kNext1, kPrev2, kNext2, kParts };

  // The slot holding `token` (filled on a miss), or the spare slot for uncacheable words.
  size_t Lookup(std::string_view text, const Token& token);
  void Fill(size_t slot, const TokenInfo& info);
  // A word's own sum holds the position templates' rows for position 3 (features.h,
  // ComputePositionFeatureIds); for a token at `position` < 3 whose word is in `slot`, swaps them
  // in `sum` for the rows of its position.
  void CorrectPosition(size_t slot, const TokenInfo& info, uint32_t position, int32_t* sum) const;
  int32_t* sums(size_t slot) { return sums_.data() + slot * kParts * stride_; }

  const SequenceModel* model_;
  size_t entries_;
  uint32_t stride_;
  std::vector<Key> keys_;  // entries_ + 1: the last is the spare slot, never a hit
  std::vector<TokenInfo> infos_;
  std::vector<uint32_t>
      position3_ids_;  // per slot: the ids the word's own sum holds for position 3
  std::vector<int32_t> sums_;
  // Sentinel contributions: the begin-of-sentence word as prev1/prev2, the end as next1/next2.
  std::vector<int32_t> edges_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

// Adds `count` weight rows (`ids` into `table`, rows of `stride` int16) to `sum` (stride int32s).
void AddWeightRows(const int16_t* table, uint32_t stride, const uint32_t* ids, size_t count,
                   int32_t* sum);

// The baseline-x86-64 kernel of AddWeightRows for stride 16, callable directly so tests cover it
// on CPUs where AddWeightRows picks AVX2. Scalar elsewhere.
void AddWeightRows16Baseline(const int16_t* table, const uint32_t* ids, size_t count, int32_t* sum);

}  // namespace newsflow::tag::ner
