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

// A list of names (the gazetteer the model carries): token sequences, keyed by the combined
// lowercase hashes of their tokens (NameKey), each with a bitmask of the entity types it names.
// Prefixes of listed names are stored too (with kNamePrefix) so matching stops early, and every
// word of a multi-word name is stored alone with a "part of a type-t name" bit (kPartShift + t),
// which carries "Valeska" from "Valeska Smith" to "Valeska Paris".
class NameList {
 public:
  static constexpr uint32_t kNamePrefix = 1u << 31;  // value bit: a longer name starts so
  static constexpr uint32_t kPartShift = 8;          // value bits 8..15: part of a name
  static constexpr size_t kMaxNameTokens = 8;        // longer names are not listed

  // Adds the name made of `token_hashes` (LowercaseHash of each token) for type `type` (< 8).
  // Names longer than kMaxNameTokens or empty are ignored.
  void Insert(std::span<const uint64_t> token_hashes, uint32_t type);
  // Marks one word (LowercaseHash) as a part of type-`type` names without listing it as a name
  // (a given name from a name list: "Valeska" makes "Valeska Paris" look like a person but is
  // not a PERSON name by itself). Types >= 8 are ignored.
  void InsertPart(uint64_t token_hash, uint32_t type);
  // Type bits (plus kNamePrefix) of the key; 0 when unknown.
  uint32_t Lookup(uint64_t key) const;
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<uint64_t>& keys() const { return keys_; }
  const std::vector<uint32_t>& values() const { return values_; }
  // Replaces the table (used when loading a model); `keys.size()` must be a power of two or 0.
  void Assign(std::vector<uint64_t> keys, std::vector<uint32_t> values);

 private:
  void Set(uint64_t key, uint32_t bits);
  void Grow();
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;
  size_t size_ = 0;
};

// Key of a token sequence given the key of its first n-1 tokens (`prefix`, 0 for none) and the
// lowercase hash of token n.
uint64_t NameKey(uint64_t prefix, uint64_t token_hash);

inline constexpr int kFeaturesPerToken = 42;

// What the features know about one token, computed once per document.
struct TokenInfo {
  uint64_t lower;   // lowercased text
  uint64_t shape;   // "Xxxx", "dddd", "X.X." with runs capped at 4
  uint64_t cshape;  // shape with runs collapsed ("Xx", "d", "X.X.")
  uint64_t prefix[3];
  uint64_t suffix[4];
  uint8_t lex_class;
  uint8_t kind;
  uint8_t length;
  uint8_t first_case;  // first code point: 1 upper- or title-case letter, 2 lower-case, 0 other
};

// Describes one token (what DescribeTokens does for each).
void DescribeToken(std::string_view text, const Token& token, const Lexicon& lexicon,
                   TokenInfo* info);

// Describes every token of a document into `info` (resized to tokens.size()).
void DescribeTokens(std::string_view text, std::span<const Token> tokens, const Lexicon& lexicon,
                    std::vector<TokenInfo>* info);

// Per-token bits the model computes itself (bits 0..15 of the token masks ExtractFeatures reads;
// callers' gazetteer bits are shifted above them, see Tagger::Tag):
//  - bit 2t / 2t+1: the token begins / continues a name of type t in the name list (t < 6; a
//    match starts at a capitalized or Han token, every listed match is marked);
//  - kCapitalizedInDocument: the same word (lowercased) is capitalized somewhere in the document
//    where capitals are not forced (not sentence-initial);
//  - kLowercaseInDocument: the same word is written in lower case somewhere in the document;
//  - kPartOfFirstTypeName / kPartOfOtherName: a capitalized word that is one word of a listed
//    multi-word name of type 0 (PERSON in the shipped model) / of another type.
// The document bits tell a sentence-initial "Sweden" or "Polaroid" from "Yesterday".
inline constexpr uint32_t kNameBits = 12;
inline constexpr uint32_t kCapitalizedInDocument = 1u << 12;
inline constexpr uint32_t kLowercaseInDocument = 1u << 13;
inline constexpr uint32_t kPartOfFirstTypeName = 1u << 14;
inline constexpr uint32_t kPartOfOtherName = 1u << 15;
inline constexpr uint32_t kModelBitCount = 16;  // callers' bits start here

struct DocumentBitsScratch {
  std::vector<uint64_t> keys;  // open-addressing set of word hashes (0 = empty)
  std::vector<uint8_t> flags;
  std::vector<uint32_t> slots;  // per token: its word's slot (only the used slots are cleared)
};
// Computes the bits above for a whole document into `bits` (resized to tokens.size()).
void ComputeModelBits(std::span<const Token> tokens, std::span<const TokenInfo> info,
                      const NameList& names, DocumentBitsScratch* scratch,
                      std::vector<uint32_t>* bits);

struct WordFeatureIds;

// Bucket ids of context templates whose inputs take few distinct values in news text (shapes,
// lexicon classes, positions, name-list bits), remembered by those inputs: a hit costs a compare
// instead of the two to four hash rounds the id takes. Direct-mapped; a miss computes the id and
// replaces the entry, so ids are always exactly what hashing gives.
class BucketMemo {
 public:
  // Empties the memo unless it holds ids for `mask` (num_buckets - 1). Call before Get.
  void Prepare(uint32_t mask) {
    if (mask != mask_ || entries_.empty()) Reset(mask);
  }
  // The id for (`key`, `tag`) under the prepared mask; `compute()` gives it on a miss. `tag`
  // names the template and any small inputs besides `key`; it must not be 0.
  template <typename Compute>
  uint32_t Get(uint64_t key, uint32_t tag, Compute compute) {
    Entry& e = entries_[Index(key, tag)];
    if (e.key == key && e.tag == tag) return e.id;
    e.key = key;
    e.tag = tag;
    e.id = compute();
    return e.id;
  }

 private:
  static constexpr int kBits = 12;  // 4,096 entries of 16 bytes
  struct Entry {
    uint64_t key;
    uint32_t tag;  // 0: empty
    uint32_t id;
  };
  static size_t Index(uint64_t key, uint32_t tag) {
    return static_cast<size_t>(((key ^ (uint64_t{tag} << 32 | tag)) * 0x9e3779b97f4a7c15ull) >>
                               (64 - kBits));
  }
  void Reset(uint32_t mask);

  std::vector<Entry> entries_;
  uint32_t mask_ = 0;
};

// Reusable per-sentence scratch for extraction.
struct FeatureScratch {
  std::vector<TokenInfo> info;        // the sentence with two sentinel entries on each side
  std::vector<uint32_t> context;      // ExtractFeatures: the context templates' ids
  std::vector<WordFeatureIds> words;  // ExtractFeatures: the word templates' ids, padded
  std::vector<uint64_t> pairs;        // ExtractContextFeatures: hashes of adjacent words
  BucketMemo memo;                    // ExtractContextFeatures
};

// Writes kFeaturesPerToken bucket ids per token of a sentence (`info`, from DescribeTokens) into
// `out` (resized to info.size() * kFeaturesPerToken). Bucket ids are < `num_buckets` (a power of
// two), except that unused slots hold `num_buckets` itself: the weight table keeps one extra
// all-zero row there. `bits` is empty or holds one token mask per token (ComputeModelBits plus
// the caller's shifted bits). When `prefetch_rows` is not null, the row of every bucket id (at
// prefetch_rows + id * prefetch_stride) is prefetched as soon as the id is known: the table is
// larger than L2, and the hashing work hides the memory latency.
void ExtractFeatures(std::span<const TokenInfo> info, std::span<const uint32_t> bits,
                     uint32_t num_buckets, FeatureScratch* scratch, std::vector<uint32_t>* out,
                     const int16_t* prefetch_rows = nullptr, uint32_t prefetch_stride = 0);

// The split of ExtractFeatures' templates that lets a tagger cache work per word (see
// word_cache.h): 24 of the 42 templates read one token's own description (its word, shape,
// affixes, lexicon class) and nothing else, so their bucket ids depend on the word and on where
// it sits relative to the tagged token. The other 18 combine neighbours or per-document bits.
// ExtractFeatures assembles its ids from these two.
struct WordFeatureIds {
  static constexpr int kSelf = 14;  // the tagged token itself (bias included)
  uint32_t self[kSelf];
  uint32_t prev1[3];  // the token is the tagged token's left neighbour
  uint32_t next1[3];  // right neighbour
  uint32_t prev2[2];  // two to the left
  uint32_t next2[2];  // two to the right
};
// Ids of the word templates of `info` (unused affix slots hold `num_buckets`, the zero row).
void ComputeWordFeatureIds(const TokenInfo& info, uint32_t num_buckets, WordFeatureIds* ids);
// The description standing for the words beyond a sentence's begin (`begin`) or end: only the
// fields neighbour templates read are meaningful.
TokenInfo SentinelInfo(bool begin);

inline constexpr int kContextFeaturesPerToken = kFeaturesPerToken - WordFeatureIds::kSelf - 10;

// Writes the kContextFeaturesPerToken ids of the other templates per token of a sentence into
// `out` (resized to info.size() * kContextFeaturesPerToken); arguments as for ExtractFeatures.
void ExtractContextFeatures(std::span<const TokenInfo> info, std::span<const uint32_t> bits,
                            uint32_t num_buckets, FeatureScratch* scratch,
                            std::vector<uint32_t>* out, const int16_t* prefetch_rows = nullptr,
                            uint32_t prefetch_stride = 0);

// Two of the context templates read only the token's own description and its position in the
// sentence (0, 1, 2, or 3 for the rest): its shape (template 21) and its lexicon class (28). Most
// tokens are at position 3, so the word cache adds those two rows for position 3 to a word's own
// sum once, and the tagger extracts only the other kTaggerContextFeaturesPerToken templates.
inline constexpr int kPositionFeatures = 2;
inline constexpr int kTaggerContextFeaturesPerToken = kContextFeaturesPerToken - kPositionFeatures;
// The ids of those two templates for `info` at `position` (min(position, 3) is used).
void ComputePositionFeatureIds(const TokenInfo& info, uint32_t position, uint32_t num_buckets,
                               uint32_t ids[kPositionFeatures]);
// ExtractContextFeatures without the position templates: kTaggerContextFeaturesPerToken ids per
// token into `out`, which holds at least info.size() * kTaggerContextFeaturesPerToken (the caller
// keeps one buffer of the largest size, so it is not resized and zero-filled per sentence).
void ExtractTaggerContextFeatures(std::span<const TokenInfo> info, std::span<const uint32_t> bits,
                                  uint32_t num_buckets, FeatureScratch* scratch, uint32_t* out,
                                  const int16_t* prefetch_rows = nullptr,
                                  uint32_t prefetch_stride = 0);

}  // namespace newsflow::tag::ner
