#include "services/tag/ner/features.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace newsflow::tag::ner {
namespace {

// The name-list bits of token j, 0 outside the sentence or when no bits were given (their count
// differs from the sentence's tokens).
struct GazetteerWindow {
  std::span<const uint32_t> bits;
  size_t n;
  uint32_t operator()(ptrdiff_t j) const {
    if (bits.size() != n || j < 0 || j >= static_cast<ptrdiff_t>(n)) return 0;
    return bits[static_cast<size_t>(j)];
  }
};

constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

inline uint64_t FnvStep(uint64_t h, uint32_t v) {
  // FNV-1a over whole code points (not bytes): one multiply per character; Mix() finalizes.
  return (h ^ v) * kFnvPrime;
}

inline uint64_t Mix(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

inline uint64_t Combine(uint64_t a, uint64_t b) { return Mix(a * 0x9e3779b97f4a7c15ull + b); }

// Values standing in for words beyond the sentence edges.
constexpr uint64_t kBeginOfSentence = 0x42'4f'53'42'4f'53ull;
constexpr uint64_t kEndOfSentence = 0x45'4f'53'45'4f'53ull;
constexpr uint64_t kNone = 0;  // no prefix/suffix of that length

constexpr int kMaxCodePoints = 64;  // longer tokens hash their first 64 code points only

enum ShapeChar : uint32_t {
  kUpperShape = 'X',
  kLowerShape = 'x',
  kDigitShape = 'd',
  kHanShape = 'C',
};

uint32_t ShapeOf(UChar32 cp) {
  if (cp < 0x80) {
    if (cp >= 'A' && cp <= 'Z') return kUpperShape;
    if (cp >= 'a' && cp <= 'z') return kLowerShape;
    if (cp >= '0' && cp <= '9') return kDigitShape;
    return static_cast<uint32_t>(cp);  // punctuation keeps its identity: "X.X.", "d,ddd"
  }
  if (u_isupper(cp) || u_istitle(cp)) return kUpperShape;
  if (u_isdigit(cp)) return kDigitShape;
  if (u_hasBinaryProperty(cp, UCHAR_IDEOGRAPHIC)) return kHanShape;
  if (u_isalpha(cp)) return kLowerShape;
  return 'o';
}

// First-code-point case: 1 upper/title-case letter, 2 lower-case letter, 0 anything else.
uint8_t CaseOf(UChar32 cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? 1 : (cp >= 'a' && cp <= 'z') ? 2 : 0;
  if (u_isupper(cp) || u_istitle(cp)) return 1;
  if (u_islower(cp)) return 2;
  return 0;
}

void Describe(std::string_view text, const Token& t, const Lexicon& lexicon, TokenInfo* info) {
  UChar32 lower[kMaxCodePoints];
  int n = 0;
  uint64_t shape = kFnvOffset;
  uint64_t cshape = kFnvOffset;
  uint32_t last_shape = 0;
  int run = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t i = static_cast<int32_t>(t.byte_begin);
  const auto end = static_cast<int32_t>(t.byte_end);
  uint32_t total = 0;
  info->first_case = 0;
  while (i < end) {
    UChar32 cp;
    U8_NEXT(s, i, end, cp);
    if (cp < 0) cp = 0xFFFD;
    if (total == 0) info->first_case = CaseOf(cp);
    ++total;
    const uint32_t sh = ShapeOf(cp);
    if (sh == last_shape) {
      ++run;
    } else {
      run = 1;
      cshape = FnvStep(cshape, sh);
      last_shape = sh;
    }
    if (run <= 4) shape = FnvStep(shape, sh);
    if (n < kMaxCodePoints) {
      lower[n++] = cp < 0x80 ? ((cp >= 'A' && cp <= 'Z') ? cp + 32 : cp) : u_tolower(cp);
    }
  }
  uint64_t h = kFnvOffset;
  for (int k = 0; k < n; ++k) h = FnvStep(h, static_cast<uint32_t>(lower[k]));
  info->lower = Mix(h);
  info->shape = Mix(shape);
  info->cshape = Mix(cshape ^ 0x5a5a);
  uint64_t p = kFnvOffset;
  for (int k = 0; k < 3; ++k) {
    if (k < n - 1) {  // an affix as long as the word is the word itself: skip it
      p = FnvStep(p, static_cast<uint32_t>(lower[k]));
      info->prefix[k] = Mix(p + 11 + static_cast<uint64_t>(k));
    } else {
      info->prefix[k] = kNone;
    }
  }
  for (int k = 0; k < 4; ++k) {
    if (k < n - 1) {
      uint64_t q = kFnvOffset;
      for (int j = n - 1 - k; j < n; ++j) q = FnvStep(q, static_cast<uint32_t>(lower[j]));
      info->suffix[k] = Mix(q + 23 + static_cast<uint64_t>(k));
    } else {
      info->suffix[k] = kNone;
    }
  }
  info->lex_class = lexicon.Lookup(info->lower);
  info->kind = static_cast<uint8_t>(t.kind);
  info->length = static_cast<uint8_t>(std::min<uint32_t>(total, 255));
}

}  // namespace

uint64_t LowercaseHash(std::string_view token_text) {
  Token t;
  t.byte_begin = 0;
  t.byte_end = static_cast<uint32_t>(token_text.size());
  TokenInfo info;
  static const Lexicon kEmpty;
  Describe(token_text, t, kEmpty, &info);
  return info.lower;
}

uint8_t Lexicon::Lookup(uint64_t word_hash) const {
  if (keys_.empty()) return 0;
  const uint64_t key = word_hash | 1;  // 0 marks empty slots
  const size_t mask = keys_.size() - 1;
  for (size_t i = Mix(key) & mask;; i = (i + 1) & mask) {
    if (keys_[i] == key) return values_[i];
    if (keys_[i] == 0) return 0;
  }
}

void Lexicon::Insert(uint64_t word_hash, uint8_t word_class) {
  if ((size_ + 1) * 2 > keys_.size()) Grow();
  const uint64_t key = word_hash | 1;
  const size_t mask = keys_.size() - 1;
  for (size_t i = Mix(key) & mask;; i = (i + 1) & mask) {
    if (keys_[i] == key) {
      values_[i] = word_class;
      return;
    }
    if (keys_[i] == 0) {
      keys_[i] = key;
      values_[i] = word_class;
      ++size_;
      return;
    }
  }
}

void Lexicon::Grow() {
  std::vector<uint64_t> old_keys = std::move(keys_);
  std::vector<uint8_t> old_values = std::move(values_);
  const size_t capacity = std::max<size_t>(1024, old_keys.size() * 2);
  keys_.assign(capacity, 0);
  values_.assign(capacity, 0);
  size_ = 0;
  for (size_t i = 0; i < old_keys.size(); ++i) {
    if (old_keys[i] != 0) Insert(old_keys[i], old_values[i]);
  }
}

void Lexicon::Assign(std::vector<uint64_t> keys, std::vector<uint8_t> values) {
  keys_ = std::move(keys);
  values_ = std::move(values);
  size_ = static_cast<size_t>(
      std::count_if(keys_.begin(), keys_.end(), [](uint64_t k) { return k != 0; }));
}

uint64_t NameKey(uint64_t prefix, uint64_t token_hash) {
  return Combine(prefix ^ 0x4e414d45ull, token_hash) | 1;  // never 0 (the empty-slot mark)
}

void NameList::Insert(std::span<const uint64_t> token_hashes, uint32_t type) {
  if (token_hashes.empty() || token_hashes.size() > kMaxNameTokens || type >= 8) return;
  uint64_t key = 0;
  for (size_t i = 0; i < token_hashes.size(); ++i) {
    key = NameKey(key, token_hashes[i]);
    Set(key, i + 1 == token_hashes.size() ? (1u << type) : kNamePrefix);
    if (token_hashes.size() > 1) Set(NameKey(0, token_hashes[i]), 1u << (kPartShift + type));
  }
}

void NameList::InsertPart(uint64_t token_hash, uint32_t type) {
  if (type >= 8) return;
  Set(NameKey(0, token_hash), 1u << (kPartShift + type));
}

uint32_t NameList::Lookup(uint64_t key) const {
  if (keys_.empty()) return 0;
  const size_t mask = keys_.size() - 1;
  for (size_t i = Mix(key) & mask;; i = (i + 1) & mask) {
    if (keys_[i] == key) return values_[i];
    if (keys_[i] == 0) return 0;
  }
}

void NameList::Set(uint64_t key, uint32_t bits) {
  if ((size_ + 1) * 2 > keys_.size()) Grow();
  const size_t mask = keys_.size() - 1;
  for (size_t i = Mix(key) & mask;; i = (i + 1) & mask) {
    if (keys_[i] == key) {
      values_[i] |= bits;
      return;
    }
    if (keys_[i] == 0) {
      keys_[i] = key;
      values_[i] = bits;
      ++size_;
      return;
    }
  }
}

void NameList::Grow() {
  std::vector<uint64_t> old_keys = std::move(keys_);
  std::vector<uint32_t> old_values = std::move(values_);
  const size_t capacity = std::max<size_t>(1024, old_keys.size() * 2);
  keys_.assign(capacity, 0);
  values_.assign(capacity, 0);
  size_ = 0;
  for (size_t i = 0; i < old_keys.size(); ++i) {
    if (old_keys[i] != 0) Set(old_keys[i], old_values[i]);
  }
}

void NameList::Assign(std::vector<uint64_t> keys, std::vector<uint32_t> values) {
  keys_ = std::move(keys);
  values_ = std::move(values);
  size_ = static_cast<size_t>(
      std::count_if(keys_.begin(), keys_.end(), [](uint64_t k) { return k != 0; }));
}

void DescribeToken(std::string_view text, const Token& token, const Lexicon& lexicon,
                   TokenInfo* info) {
  Describe(text, token, lexicon, info);
}

void DescribeTokens(std::string_view text, std::span<const Token> tokens, const Lexicon& lexicon,
                    std::vector<TokenInfo>* info) {
  info->resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) Describe(text, tokens[i], lexicon, &(*info)[i]);
}

void ComputeModelBits(std::span<const Token> tokens, std::span<const TokenInfo> info,
                      const NameList& names, DocumentBitsScratch* scratch,
                      std::vector<uint32_t>* bits) {
  const size_t n = std::min(tokens.size(), info.size());
  bits->assign(n, 0);
  if (!names.empty()) {
    for (size_t i = 0; i < n; ++i) {
      if (info[i].first_case != 1 && info[i].kind != static_cast<uint8_t>(TokenKind::kHan)) {
        continue;
      }
      uint64_t key = 0;
      for (size_t j = i; j < n && j - i < NameList::kMaxNameTokens; ++j) {
        key = NameKey(key, info[j].lower);
        const uint32_t value = names.Lookup(key);
        if (j == i && info[i].first_case == 1) {
          const uint32_t parts = value >> NameList::kPartShift;
          if (parts & 1) (*bits)[i] |= kPartOfFirstTypeName;
          if (parts & 0xfe) (*bits)[i] |= kPartOfOtherName;
        }
        for (uint32_t types = value & ~NameList::kNamePrefix & ((1u << kNameBits / 2) - 1);
             types != 0; types &= types - 1) {
          const auto t = static_cast<uint32_t>(std::countr_zero(types));
          (*bits)[i] |= 1u << (2 * t);
          for (size_t k = i + 1; k <= j; ++k) (*bits)[k] |= 1u << (2 * t + 1);
        }
        if (!(value & NameList::kNamePrefix)) break;
      }
    }
  }
  // Document case: one open-addressing set of the document's words with two flags each. The
  // table only grows, and only the slots this document used are cleared afterwards, so a
  // long-lived scratch neither allocates nor sweeps the whole table per document.
  auto& keys = scratch->keys;
  auto& flags = scratch->flags;
  auto& slots = scratch->slots;
  const size_t capacity = std::bit_ceil(std::max<size_t>(64, n * 2));
  if (keys.size() < capacity) {
    keys.assign(capacity, 0);
    flags.assign(capacity, 0);
  }
  slots.resize(n);
  const size_t mask = keys.size() - 1;
  constexpr uint32_t kNoSlot = UINT32_MAX;
  for (size_t i = 0; i < n; ++i) {
    slots[i] = kNoSlot;
    if (info[i].kind != static_cast<uint8_t>(TokenKind::kWord)) continue;
    const uint64_t key = info[i].lower | 1;
    size_t k = Mix(key) & mask;
    while (keys[k] != 0 && keys[k] != key) k = (k + 1) & mask;
    keys[k] = key;
    slots[i] = static_cast<uint32_t>(k);
    if (info[i].first_case == 2) flags[k] |= 2;
    if (info[i].first_case == 1 && !(tokens[i].flags & kSentenceStart)) flags[k] |= 1;
  }
  for (size_t i = 0; i < n; ++i) {
    if (slots[i] == kNoSlot) continue;
    const uint8_t f = flags[slots[i]];
    if (f & 1) (*bits)[i] |= kCapitalizedInDocument;
    if (f & 2) (*bits)[i] |= kLowercaseInDocument;
  }
  for (size_t i = 0; i < n; ++i) {
    if (slots[i] == kNoSlot) continue;
    keys[slots[i]] = 0;
    flags[slots[i]] = 0;
  }
}

void ExtractFeatures(std::span<const TokenInfo> sentence, std::span<const uint32_t> bits,
                     uint32_t num_buckets, FeatureScratch* scratch, std::vector<uint32_t>* out,
                     const int16_t* prefetch_rows, uint32_t prefetch_stride) {
  // The templates' slots, for each part of the split (features.h): where the ids that
  // ComputeWordFeatureIds and ExtractContextFeatures give land in a token's kFeaturesPerToken.
  static constexpr int kSelfSlots[WordFeatureIds::kSelf] = {0,  1,  6,  9,  11, 12, 13,
                                                            14, 15, 16, 17, 24, 27, 29};
  static constexpr int kPrev1Slots[3] = {2, 7, 25};
  static constexpr int kNext1Slots[3] = {3, 8, 26};
  static constexpr int kPrev2Slots[2] = {4, 30};
  static constexpr int kNext2Slots[2] = {5, 31};
  static constexpr int kContextSlots[kContextFeaturesPerToken] = {
      10, 18, 19, 20, 21, 22, 23, 28, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41};
  const size_t n = sentence.size();
  std::vector<uint32_t>& context = scratch->context;
  ExtractContextFeatures(sentence, bits, num_buckets, scratch, &context);
  // Word ids with two sentinel entries on each side, for the neighbour templates.
  constexpr size_t kPad = 2;
  std::vector<WordFeatureIds>& words = scratch->words;
  words.resize(n + 2 * kPad);
  for (size_t j = 0; j < kPad; ++j) {
    ComputeWordFeatureIds(SentinelInfo(true), num_buckets, &words[j]);
    ComputeWordFeatureIds(SentinelInfo(false), num_buckets, &words[n + kPad + j]);
  }
  for (size_t i = 0; i < n; ++i) ComputeWordFeatureIds(sentence[i], num_buckets, &words[i + kPad]);
  out->resize(n * kFeaturesPerToken);
  for (size_t i = 0; i < n; ++i) {
    uint32_t* f = out->data() + i * kFeaturesPerToken;
    const WordFeatureIds* w = words.data() + i + kPad;
    for (int k = 0; k < WordFeatureIds::kSelf; ++k) f[kSelfSlots[k]] = w->self[k];
    for (int k = 0; k < 3; ++k) f[kPrev1Slots[k]] = w[-1].prev1[k];
    for (int k = 0; k < 3; ++k) f[kNext1Slots[k]] = w[1].next1[k];
    for (int k = 0; k < 2; ++k) f[kPrev2Slots[k]] = w[-2].prev2[k];
    for (int k = 0; k < 2; ++k) f[kNext2Slots[k]] = w[2].next2[k];
    const uint32_t* c = context.data() + i * kContextFeaturesPerToken;
    for (int k = 0; k < kContextFeaturesPerToken; ++k) f[kContextSlots[k]] = c[k];
    if (prefetch_rows != nullptr) {
      for (int k = 0; k < kFeaturesPerToken; ++k) {
        __builtin_prefetch(prefetch_rows + size_t{f[k]} * prefetch_stride);
      }
    }
  }
}

namespace {

// Bucket of `value` for template `slot` (the feature's index in ExtractFeatures' output).
inline uint32_t Bucket(uint64_t value, int slot, uint32_t mask) {
  return static_cast<uint32_t>(Combine(value, static_cast<uint64_t>(slot) + 1) >> 20) & mask;
}

}  // namespace

TokenInfo SentinelInfo(bool begin) {
  TokenInfo info{};
  info.lower = info.shape = info.cshape = begin ? kBeginOfSentence : kEndOfSentence;
  info.lex_class = begin ? 0xfe : 0xff;
  return info;
}

void ComputeWordFeatureIds(const TokenInfo& info, uint32_t num_buckets, WordFeatureIds* ids) {
  const uint32_t mask = num_buckets - 1;
  auto optional = [&](uint64_t value, int slot) {
    return value == kNone ? num_buckets : Bucket(value, slot, mask);
  };
  const uint64_t length = std::min<uint64_t>(info.length, 8);
  uint32_t* self = ids->self;
  self[0] = Bucket(1, 0, mask);
  self[1] = Bucket(info.lower, 1, mask);
  self[2] = Bucket(info.shape, 6, mask);
  self[3] = Bucket(info.cshape, 9, mask);
  for (int j = 0; j < 3; ++j) self[4 + j] = optional(info.prefix[j], 11 + j);
  for (int j = 0; j < 4; ++j) self[7 + j] = optional(info.suffix[j], 14 + j);
  self[11] = Bucket(info.lex_class, 24, mask);
  self[12] = Bucket(Combine(info.lex_class, info.cshape), 27, mask);
  self[13] = Bucket(Combine(length, info.cshape), 29, mask);
  ids->prev1[0] = Bucket(info.lower, 2, mask);
  ids->prev1[1] = Bucket(info.shape, 7, mask);
  ids->prev1[2] = Bucket(info.lex_class, 25, mask);
  ids->next1[0] = Bucket(info.lower, 3, mask);
  ids->next1[1] = Bucket(info.shape, 8, mask);
  ids->next1[2] = Bucket(info.lex_class, 26, mask);
  ids->prev2[0] = Bucket(info.lower, 4, mask);
  ids->prev2[1] = Bucket(info.cshape, 30, mask);
  ids->next2[0] = Bucket(info.lower, 5, mask);
  ids->next2[1] = Bucket(info.cshape, 31, mask);
}

void BucketMemo::Reset(uint32_t mask) {
  entries_.assign(size_t{1} << kBits, Entry{0, 0, 0});
  mask_ = mask;
}

namespace {

// ExtractContextFeatures, with the prefetch decided at compile time (it is per feature), and
// without the position templates for the tagger (ExtractTaggerContextFeatures). Writes
// `kPositionTemplates ? kContextFeaturesPerToken : kTaggerContextFeaturesPerToken` ids per token
// to `out`.
template <bool kPrefetch, bool kPositionTemplates>
void ExtractContext(std::span<const TokenInfo> sentence, std::span<const uint32_t> bits,
                    uint32_t num_buckets, FeatureScratch* scratch, uint32_t* out,
                    const int16_t* prefetch_rows, uint32_t prefetch_stride) {
  constexpr int kPerToken =
      kPositionTemplates ? kContextFeaturesPerToken : kTaggerContextFeaturesPerToken;
  const size_t n = sentence.size();
  constexpr size_t kPad = 2;  // sentinels, as in ExtractFeatures
  scratch->info.resize(n + 2 * kPad);
  TokenInfo* info = scratch->info.data() + kPad;
  for (size_t j = 0; j < kPad; ++j) {
    scratch->info[j] = SentinelInfo(true);
    scratch->info[n + kPad + j] = SentinelInfo(false);
  }
  if (n > 0) std::memcpy(info, sentence.data(), n * sizeof(TokenInfo));
  const uint32_t mask = num_buckets - 1;
  const GazetteerWindow gaz{bits, n};
  // Combine(lower of word j - 1, lower of word j) for j in [-1, n + 1]: templates 18, 19, 32 and
  // 33 all hash one such pair (the pair ending at the token, after it, before it, after that),
  // so each pair is combined once instead of four times.
  scratch->pairs.resize(n + 3);
  uint64_t* const pair = scratch->pairs.data() + 1;  // pair[j], j >= -1
  for (ptrdiff_t j = -1; j <= static_cast<ptrdiff_t>(n) + 1; ++j) {
    pair[j] = Combine(info[j - 1].lower, info[j].lower);
  }
  BucketMemo& memo = scratch->memo;
  memo.Prepare(mask);
  // The name-list bits of the token and its neighbours, moved along by one each step.
  uint32_t gaz_left = 0;
  uint32_t gaz_here = gaz(0);
  uint32_t gaz_right = gaz(1);
  for (size_t idx = 0; idx < n; ++idx) {
    const auto i = static_cast<ptrdiff_t>(idx);
    if (idx > 0) {
      gaz_left = gaz_here;
      gaz_here = gaz_right;
      gaz_right = gaz(i + 1);
    }
    const TokenInfo& l1 = info[i - 1];
    const TokenInfo& c = info[i];
    const TokenInfo& r1 = info[i + 1];
    uint32_t* f = out + idx * kPerToken;
    int k = 0;
    // `slot` is the template's index in ExtractFeatures, which keys the hash.
    auto emit = [&](uint32_t id) {
      f[k] = id;
      if constexpr (kPrefetch) __builtin_prefetch(prefetch_rows + size_t{id} * prefetch_stride);
      ++k;
    };
    auto put = [&](uint64_t value, int slot) { emit(Bucket(value, slot, mask)); };
    // A template of a few-valued `key` (and `small`, < 2^24) through the memo.
    auto put_memo = [&](uint64_t key, uint32_t small, int slot, auto value) {
      const uint32_t tag = (small << 8 | static_cast<uint32_t>(slot)) + 1;
      emit(memo.Get(key, tag, [&] { return Bucket(value(), slot, mask); }));
    };
    const uint64_t position = std::min<size_t>(idx, 3);
    put(Combine(Combine(l1.cshape, c.cshape), r1.cshape), 10);
    put(pair[i], 18);
    put(pair[i + 1], 19);
    put(Combine(l1.lower, r1.lower), 20);
    if constexpr (kPositionTemplates) {
      put_memo(c.shape, static_cast<uint32_t>(position), 21,
               [&] { return Combine(c.shape, position); });
    }
    put(Combine(l1.lower, c.shape), 22);
    put(Combine(c.shape, r1.lower), 23);
    if constexpr (kPositionTemplates) {
      put_memo(c.lex_class, static_cast<uint32_t>(position), 28,
               [&] { return Combine(c.lex_class, position); });
    }
    put(pair[i - 1], 32);
    put(pair[i + 2], 33);
    uint32_t mask_bits = gaz_here;
    const uint32_t first_bit =
        mask_bits ? static_cast<uint32_t>(std::countr_zero(mask_bits)) + 1 : 0;
    for (int j = 0; j < 3; ++j) {
      if (mask_bits) {
        const auto bit = static_cast<uint64_t>(std::countr_zero(mask_bits));
        put_memo(bit, 0, 34 + j, [&] { return 0x6a7a00 + bit; });
        mask_bits &= mask_bits - 1;
      } else {
        f[k++] = num_buckets;
      }
    }
    if (first_bit) {
      put(Combine(first_bit, c.cshape), 37);
      put_memo(first_bit, static_cast<uint32_t>(position), 38,
               [&] { return Combine(first_bit, position); });
    } else {
      f[k++] = num_buckets;
      f[k++] = num_buckets;
    }
    if (gaz_left | gaz_right) {
      const uint64_t sides = uint64_t{gaz_left} | uint64_t{gaz_right} << 32;
      put_memo(sides, 0, 39, [&] { return Combine(gaz_left, uint64_t{gaz_right} << 32); });
    } else {
      f[k++] = num_buckets;
    }
    const uint64_t document_case = (gaz_here / kCapitalizedInDocument) & 15;
    put_memo(c.cshape, static_cast<uint32_t>(position << 4 | document_case), 40, [&] {
      return Combine(Combine(0x444f43ull, document_case), Combine(position, c.cshape));
    });
    put_memo(uint64_t{gaz_here} << 8 | c.lex_class, 0, 41,
             [&] { return Combine(0x4d41534bull + gaz_here, c.lex_class); });
  }
}

}  // namespace

void ExtractContextFeatures(std::span<const TokenInfo> sentence, std::span<const uint32_t> bits,
                            uint32_t num_buckets, FeatureScratch* scratch,
                            std::vector<uint32_t>* out, const int16_t* prefetch_rows,
                            uint32_t prefetch_stride) {
  out->resize(sentence.size() * kContextFeaturesPerToken);
  if (prefetch_rows != nullptr) {
    ExtractContext<true, true>(sentence, bits, num_buckets, scratch, out->data(), prefetch_rows,
                               prefetch_stride);
  } else {
    ExtractContext<false, true>(sentence, bits, num_buckets, scratch, out->data(), nullptr, 0);
  }
}

void ExtractTaggerContextFeatures(std::span<const TokenInfo> sentence,
                                  std::span<const uint32_t> bits, uint32_t num_buckets,
                                  FeatureScratch* scratch, uint32_t* out,
                                  const int16_t* prefetch_rows, uint32_t prefetch_stride) {
  if (prefetch_rows != nullptr) {
    ExtractContext<true, false>(sentence, bits, num_buckets, scratch, out, prefetch_rows,
                                prefetch_stride);
  } else {
    ExtractContext<false, false>(sentence, bits, num_buckets, scratch, out, nullptr, 0);
  }
}

void ComputePositionFeatureIds(const TokenInfo& info, uint32_t position, uint32_t num_buckets,
                               uint32_t ids[kPositionFeatures]) {
  // As ExtractContext computes templates 21 and 28 (through its memo).
  const uint32_t mask = num_buckets - 1;
  const uint64_t p = std::min<uint32_t>(position, 3);
  ids[0] = Bucket(Combine(info.shape, p), 21, mask);
  ids[1] = Bucket(Combine(info.lex_class, p), 28, mask);
}

}  // namespace newsflow::tag::ner
