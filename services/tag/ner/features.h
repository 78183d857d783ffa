#pragma once

// Feature extraction for the sequence model: every token gets a fixed number of hashed feature
// ids (feature hashing), so neither training nor tagging builds feature strings or maps.
//
// Internal to newsflow_ner; shared by the tagger and the trainer so both see identical features.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "services/tag/ner/tokenizer.h"

namespace newsflow::tag::ner {

// Word-level statistics from unannotated text, looked up by a hash of the lowercased word. They
// act like word clusters: "this word is usually capitalized mid-sentence in news" is a strong
// proper-noun signal for words the annotated data never shows.
class Lexicon {
 public:
  // One byte of classes per word; 0 means "not in the lexicon".
  uint8_t Lookup(uint64_t word_hash) const;
  void Insert(uint64_t word_hash, uint8_t word_class);
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Open-addressing table: capacity is a power of two; a key of 0 marks an empty slot.
  const std::vector<uint64_t>& keys() const { return keys_; }
  const std::vector<uint8_t>& values() const { return values_; }
  // Replaces the table (used when loading a model); `keys.size()` must be a power of two or 0.
  void Assign(std::vector<uint64_t> keys, std::vector<uint8_t> values);

 private:
  void Grow();
  std::vector<uint64_t> keys_;
  std::vector<uint8_t> values_;
  size_t size_ = 0;
};

// Hash of a token's lowercased text (the key used by Lexicon).
uint64_t LowercaseHash(std::string_view token_text);

inline constexpr int kFeaturesPerToken = 40;

// Reusable per-sentence scratch for extraction.
struct FeatureScratch {
  struct TokenInfo {
    uint64_t lower;    // lowercased text
    uint64_t shape;    // "Xxxx", "dddd", "X.X." with runs capped at 4
    uint64_t cshape;   // shape with runs collapsed ("Xx", "d", "X.X.")
    uint64_t prefix[3];
    uint64_t suffix[4];
    uint8_t lex_class;
    uint8_t kind;
    uint8_t length;
  };
  std::vector<TokenInfo> info;
};

// Writes kFeaturesPerToken bucket ids per token of `sentence` into `out` (resized to
// sentence.size() * kFeaturesPerToken). Bucket ids are < `num_buckets` (a power of two), except
// that unused slots hold `num_buckets` itself: the weight table keeps one extra all-zero row
// there. `gazetteer` is empty or holds one caller-defined bitmask per token of `sentence`.
// When `prefetch_rows` is not null, the row of every bucket id (at prefetch_rows + id *
// prefetch_stride) is prefetched as soon as the id is known: the table is larger than L2, and
// the hashing work hides the memory latency.
void ExtractFeatures(std::string_view text, std::span<const Token> sentence,
                     std::span<const uint32_t> gazetteer, const Lexicon& lexicon,
                     uint32_t num_buckets, FeatureScratch* scratch, std::vector<uint32_t>* out,
                     const int16_t* prefetch_rows = nullptr, uint32_t prefetch_stride = 0);

}  // namespace newsflow::tag::ner
