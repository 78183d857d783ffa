#include "services/tag/ner/features.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <bit>

namespace newsflow::tag::ner {
namespace {

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

void Describe(std::string_view text, const Token& t, const Lexicon& lexicon,
              FeatureScratch::TokenInfo* info) {
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
  while (i < end) {
    UChar32 cp;
    U8_NEXT(s, i, end, cp);
    if (cp < 0) cp = 0xFFFD;
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
  FeatureScratch::TokenInfo info;
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
  size_ = static_cast<size_t>(std::count_if(keys_.begin(), keys_.end(), [](uint64_t k) {
    return k != 0;
  }));
}

void ExtractFeatures(std::string_view text, std::span<const Token> sentence,
                     std::span<const uint32_t> gazetteer, const Lexicon& lexicon,
                     uint32_t num_buckets, FeatureScratch* scratch, std::vector<uint32_t>* out,
                     const int16_t* prefetch_rows, uint32_t prefetch_stride) {
  const size_t n = sentence.size();
  // Two sentinel entries on each side stand for the words beyond the sentence edges, so the
  // window lookups below need no bounds checks.
  constexpr size_t kPad = 2;
  scratch->info.resize(n + 2 * kPad);
  FeatureScratch::TokenInfo* info = scratch->info.data() + kPad;
  for (size_t j = 0; j < kPad; ++j) {
    FeatureScratch::TokenInfo& b = scratch->info[j];
    FeatureScratch::TokenInfo& e = scratch->info[n + kPad + j];
    b.lower = b.shape = b.cshape = kBeginOfSentence;
    e.lower = e.shape = e.cshape = kEndOfSentence;
    b.lex_class = 0xfe;
    e.lex_class = 0xff;
  }
  for (size_t i = 0; i < n; ++i) Describe(text, sentence[i], lexicon, &info[i]);
  out->resize(n * kFeaturesPerToken);
  const uint32_t mask = num_buckets - 1;
  auto lower = [&](ptrdiff_t j) -> uint64_t { return info[j].lower; };
  auto shape = [&](ptrdiff_t j) -> uint64_t { return info[j].shape; };
  auto cshape = [&](ptrdiff_t j) -> uint64_t { return info[j].cshape; };
  auto lex = [&](ptrdiff_t j) -> uint64_t { return info[j].lex_class; };
  auto gaz = [&](ptrdiff_t j) -> uint32_t {
    if (gazetteer.empty() || j < 0 || j >= static_cast<ptrdiff_t>(n)) return 0;
    return gazetteer[j];
  };
  for (size_t idx = 0; idx < n; ++idx) {
    const auto i = static_cast<ptrdiff_t>(idx);
    uint32_t* f = out->data() + idx * kFeaturesPerToken;
    int k = 0;
    // Each feature is (template id, value): the id keeps equal values of different templates
    // (w-1 = "new" vs w+1 = "new") apart.
    auto put = [&](uint64_t value) {
      f[k] = static_cast<uint32_t>(Combine(value, static_cast<uint64_t>(k) + 1) >> 20) & mask;
      if (prefetch_rows != nullptr) {
        __builtin_prefetch(prefetch_rows + size_t{f[k]} * prefetch_stride);
      }
      ++k;
    };
    auto put_optional = [&](uint64_t value) {
      if (value == kNone) {
        f[k++] = num_buckets;
      } else {
        put(value);
      }
    };
    const uint64_t position = std::min<size_t>(idx, 3);
    const uint64_t length = std::min<uint64_t>(info[idx].length, 8);
    put(1);                                                    // 0 bias
    put(lower(i));                                             // 1
    put(lower(i - 1));                                         // 2
    put(lower(i + 1));                                         // 3
    put(lower(i - 2));                                         // 4
    put(lower(i + 2));                                         // 5
    put(shape(i));                                             // 6
    put(shape(i - 1));                                         // 7
    put(shape(i + 1));                                         // 8
    put(cshape(i));                                            // 9
    put(Combine(Combine(cshape(i - 1), cshape(i)), cshape(i + 1)));  // 10
    for (int j = 0; j < 3; ++j) put_optional(info[idx].prefix[j]);   // 11..13
    for (int j = 0; j < 4; ++j) put_optional(info[idx].suffix[j]);   // 14..17
    put(Combine(lower(i - 1), lower(i)));                      // 18
    put(Combine(lower(i), lower(i + 1)));                      // 19
    put(Combine(lower(i - 1), lower(i + 1)));                  // 20
    put(Combine(shape(i), position));                          // 21
    put(Combine(lower(i - 1), shape(i)));                      // 22
    put(Combine(shape(i), lower(i + 1)));                      // 23
    put(lex(i));                                               // 24
    put(lex(i - 1));                                           // 25
    put(lex(i + 1));                                           // 26
    put(Combine(lex(i), cshape(i)));                           // 27
    put(Combine(lex(i), position));                            // 28
    put(Combine(length, cshape(i)));                           // 29
    put(cshape(i - 2));                                        // 30
    put(cshape(i + 2));                                        // 31
    put(Combine(lower(i - 2), lower(i - 1)));                  // 32
    put(Combine(lower(i + 1), lower(i + 2)));                  // 33
    // Gazetteer: up to three set bits of this token, the first with its shape and position,
    // and the neighbours' masks. Bits are whatever the caller defines, consistently.
    uint32_t bits = gaz(i);
    uint32_t first_bit = bits ? static_cast<uint32_t>(std::countr_zero(bits)) + 1 : 0;
    for (int j = 0; j < 3; ++j) {  // 34..36
      if (bits) {
        put(0x6a7a00 + static_cast<uint64_t>(std::countr_zero(bits)));
        bits &= bits - 1;
      } else {
        f[k++] = num_buckets;
      }
    }
    if (first_bit) {
      put(Combine(first_bit, cshape(i)));  // 37
      put(Combine(first_bit, position));   // 38
    } else {
      f[k++] = num_buckets;
      f[k++] = num_buckets;
    }
    const uint32_t around = gaz(i - 1) | gaz(i + 1);
    if (around) {
      put(Combine(gaz(i - 1), static_cast<uint64_t>(gaz(i + 1)) << 32));  // 39
    } else {
      f[k++] = num_buckets;
    }
  }
}

}  // namespace newsflow::tag::ner
