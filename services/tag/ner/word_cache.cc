#include "services/tag/ner/word_cache.h"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "services/tag/ner/sequence_model.h"

namespace newsflow::tag::ner {
namespace {

// int32 sums over 16 labels (the stride of models with up to 7 types) as two halves of 8 lanes
// (GCC spills 64-byte vector types to the stack).
typedef int32_t Sum8 __attribute__((vector_size(32), aligned(4)));

inline void StoreVector(const int32_t* v, uint32_t stride, int32_t* sum) {
  if (stride == 16) {
    std::memcpy(sum, v, 16 * sizeof(int32_t));  // a constant size: inlined, no library call
    return;
  }
  std::memcpy(sum, v, stride * sizeof(int32_t));
}

inline void AddVector(const int32_t* v, uint32_t stride, int32_t* sum) {
  if (stride == 16) {
    Sum8 a0, a1, b0, b1;
    std::memcpy(&a0, sum, sizeof(a0));
    std::memcpy(&a1, sum + 8, sizeof(a1));
    std::memcpy(&b0, v, sizeof(b0));
    std::memcpy(&b1, v + 8, sizeof(b1));
    a0 += b0;
    a1 += b1;
    std::memcpy(sum, &a0, sizeof(a0));
    std::memcpy(sum + 8, &a1, sizeof(a1));
    return;
  }
  for (uint32_t y = 0; y < stride; ++y) sum[y] += v[y];
}

}  // namespace

// The row kernels: SSE2 (baseline x86-64) and AVX2, picked at run time.
#if defined(__x86_64__) && defined(__GNUC__)
namespace {

// Sign-extends 8 int16 lanes to int32 with SSE2 only (no pmovsxwd before SSE4.1).
inline __m128i WidenLow(__m128i v) { return _mm_srai_epi32(_mm_unpacklo_epi16(v, v), 16); }
inline __m128i WidenHigh(__m128i v) { return _mm_srai_epi32(_mm_unpackhi_epi16(v, v), 16); }

void AddRows16Sse2(const int16_t* table, const uint32_t* ids, size_t count, int32_t* sum) {
  auto* out = reinterpret_cast<__m128i*>(sum);
  __m128i a0 = _mm_loadu_si128(out), a1 = _mm_loadu_si128(out + 1);
  __m128i a2 = _mm_loadu_si128(out + 2), a3 = _mm_loadu_si128(out + 3);
  for (size_t k = 0; k < count; ++k) {
    const auto* w = reinterpret_cast<const __m128i*>(table + size_t{ids[k]} * 16);
    const __m128i lo = _mm_loadu_si128(w);
    const __m128i hi = _mm_loadu_si128(w + 1);
    a0 = _mm_add_epi32(a0, WidenLow(lo));
    a1 = _mm_add_epi32(a1, WidenHigh(lo));
    a2 = _mm_add_epi32(a2, WidenLow(hi));
    a3 = _mm_add_epi32(a3, WidenHigh(hi));
  }
  _mm_storeu_si128(out, a0);
  _mm_storeu_si128(out + 1, a1);
  _mm_storeu_si128(out + 2, a2);
  _mm_storeu_si128(out + 3, a3);
}

__attribute__((target("avx2"))) void AddRows16Avx2(const int16_t* table, const uint32_t* ids,
                                                   size_t count, int32_t* sum) {
  auto* out = reinterpret_cast<__m256i*>(sum);
  __m256i a0 = _mm256_loadu_si256(out);
  __m256i a1 = _mm256_loadu_si256(out + 1);
  for (size_t k = 0; k < count; ++k) {
    const auto* w = reinterpret_cast<const __m128i*>(table + size_t{ids[k]} * 16);
    a0 = _mm256_add_epi32(a0, _mm256_cvtepi16_epi32(_mm_loadu_si128(w)));
    a1 = _mm256_add_epi32(a1, _mm256_cvtepi16_epi32(_mm_loadu_si128(w + 1)));
  }
  _mm256_storeu_si256(out, a0);
  _mm256_storeu_si256(out + 1, a1);
}

// Chosen once per process: the branch on it is always predicted.
const bool kHasAvx2 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}();

}  // namespace
#endif

void AddWeightRows16Baseline(const int16_t* table, const uint32_t* ids, size_t count,
                             int32_t* sum) {
#if defined(__x86_64__) && defined(__GNUC__)
  AddRows16Sse2(table, ids, count, sum);
#else
  for (size_t k = 0; k < count; ++k) {
    for (uint32_t y = 0; y < 16; ++y) sum[y] += table[size_t{ids[k]} * 16 + y];
  }
#endif
}

void AddWeightRows(const int16_t* table, uint32_t stride, const uint32_t* ids, size_t count,
                   int32_t* sum) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (stride == 16) {
    if (kHasAvx2) {
      AddRows16Avx2(table, ids, count, sum);
    } else {
      AddRows16Sse2(table, ids, count, sum);
    }
    return;
  }
#endif
  for (size_t k = 0; k < count; ++k) {
    const int16_t* w = table + size_t{ids[k]} * stride;
    for (uint32_t y = 0; y < stride; ++y) sum[y] += w[y];
  }
}

WordCache::WordCache(const SequenceModel* model, size_t entries)
    : model_(model),
      entries_(std::bit_ceil(std::max<size_t>(entries, 1))),
      stride_(model->stride()) {}

size_t WordCache::Lookup(std::string_view text, const Token& token) {
  const uint32_t length = token.byte_end - token.byte_begin;
  if (length > kMaxKeyBytes) {
    ++misses_;
    TokenInfo info;
    DescribeToken(text, token, model_->lexicon(), &info);
    Fill(entries_, info);
    return entries_;
  }
  Key key{};
  std::memcpy(key.bytes, text.data() + token.byte_begin, length);
  key.length_and_kind = length | (static_cast<uint32_t>(token.kind) << 16);
  uint64_t h = key.bytes[0] * 0x9e3779b97f4a7c15ull ^ key.bytes[1] * 0xc2b2ae3d27d4eb4full ^
               key.bytes[2] * 0x165667b19e3779f9ull ^ key.length_and_kind;
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 29;
  const size_t slot = h & (entries_ - 1);
  Key& stored = keys_[slot];
  if (stored.length_and_kind == key.length_and_kind && stored.bytes[0] == key.bytes[0] &&
      stored.bytes[1] == key.bytes[1] && stored.bytes[2] == key.bytes[2]) {
    ++hits_;
    return slot;
  }
  ++misses_;
  stored = key;
  TokenInfo info;
  DescribeToken(text, token, model_->lexicon(), &info);
  Fill(slot, info);
  return slot;
}

void WordCache::Fill(size_t slot, const TokenInfo& info) {
  infos_[slot] = info;
  WordFeatureIds ids;
  ComputeWordFeatureIds(info, model_->num_buckets(), &ids);
  int32_t* s = sums(slot);
  std::fill(s, s + kParts * stride_, 0);
  const int16_t* table = model_->row(0);
  AddWeightRows(table, stride_, ids.self, std::size(ids.self), s + kSelf * stride_);
  // The position templates as at position 3, where most tokens are (ScoreWords corrects the
  // first three tokens of a sentence).
  uint32_t* position_ids = &position3_ids_[slot * kPositionFeatures];
  ComputePositionFeatureIds(info, 3, model_->num_buckets(), position_ids);
  AddWeightRows(table, stride_, position_ids, kPositionFeatures, s + kSelf * stride_);
  AddWeightRows(table, stride_, ids.prev1, std::size(ids.prev1), s + kPrev1 * stride_);
  AddWeightRows(table, stride_, ids.next1, std::size(ids.next1), s + kNext1 * stride_);
  AddWeightRows(table, stride_, ids.prev2, std::size(ids.prev2), s + kPrev2 * stride_);
  AddWeightRows(table, stride_, ids.next2, std::size(ids.next2), s + kNext2 * stride_);
}

void WordCache::CorrectPosition(size_t slot, const TokenInfo& info, uint32_t position,
                                int32_t* sum) const {
  uint32_t here[kPositionFeatures];
  ComputePositionFeatureIds(info, position, model_->num_buckets(), here);
  const uint32_t* filled = &position3_ids_[slot * kPositionFeatures];
  const int16_t* table = model_->row(0);
  if (stride_ == 16) {
    typedef int16_t Row8 __attribute__((vector_size(16), aligned(2)));
    Sum8 a0, a1;
    std::memcpy(&a0, sum, sizeof(a0));
    std::memcpy(&a1, sum + 8, sizeof(a1));
    for (int k = 0; k < kPositionFeatures; ++k) {
      Row8 add0, add1, remove0, remove1;
      std::memcpy(&add0, table + size_t{here[k]} * 16, sizeof(add0));
      std::memcpy(&add1, table + size_t{here[k]} * 16 + 8, sizeof(add1));
      std::memcpy(&remove0, table + size_t{filled[k]} * 16, sizeof(remove0));
      std::memcpy(&remove1, table + size_t{filled[k]} * 16 + 8, sizeof(remove1));
      a0 += __builtin_convertvector(add0, Sum8) - __builtin_convertvector(remove0, Sum8);
      a1 += __builtin_convertvector(add1, Sum8) - __builtin_convertvector(remove1, Sum8);
    }
    std::memcpy(sum, &a0, sizeof(a0));
    std::memcpy(sum + 8, &a1, sizeof(a1));
    return;
  }
  for (int k = 0; k < kPositionFeatures; ++k) {
    const int16_t* add = model_->row(here[k]);
    const int16_t* remove = model_->row(filled[k]);
    for (uint32_t y = 0; y < stride_; ++y) sum[y] += int32_t{add[y]} - int32_t{remove[y]};
  }
}

void WordCache::ScoreWords(std::string_view text, std::span<const Token> tokens,
                           std::span<const std::pair<uint32_t, uint32_t>> ranges,
                           std::span<TokenInfo> info, std::span<int32_t> scores) {
  const size_t stride = stride_;
  if (keys_.empty()) {
    // First use: the whole table, plus the spare slot.
    keys_.assign(entries_ + 1, Key{});
    infos_.resize(entries_ + 1);
    position3_ids_.resize((entries_ + 1) * kPositionFeatures);
    sums_.assign((entries_ + 1) * kParts * stride, 0);
    edges_.assign(4 * stride, 0);
    WordFeatureIds ids;
    const int16_t* table = model_->row(0);
    ComputeWordFeatureIds(SentinelInfo(true), model_->num_buckets(), &ids);
    AddWeightRows(table, stride_, ids.prev1, std::size(ids.prev1), &edges_[0]);
    AddWeightRows(table, stride_, ids.prev2, std::size(ids.prev2), &edges_[stride]);
    ComputeWordFeatureIds(SentinelInfo(false), model_->num_buckets(), &ids);
    AddWeightRows(table, stride_, ids.next1, std::size(ids.next1), &edges_[2 * stride]);
    AddWeightRows(table, stride_, ids.next2, std::size(ids.next2), &edges_[3 * stride]);
  }
  if (info.size() < tokens.size() || scores.size() < tokens.size() * stride) return;
  // Not cleared: every token's row is stored before anything is added to it (below), and the
  // ranges cover every token.
  for (const auto& [begin, end] : ranges) {
    int32_t* const first = scores.data() + size_t{begin} * stride;
    for (uint32_t j = begin; j < end; ++j) {
      const size_t slot = Lookup(text, tokens[j]);
      info[j] = infos_[slot];
      const int32_t* p = sums(slot);
      int32_t* s = scores.data() + size_t{j} * stride;
      // Push the word's contributions to the tokens whose window holds it. A token's row is
      // first written by the word two before it (as prev2), or, for a sentence's first two
      // tokens, by the first word (as self and prev1): those writes are stores.
      if (j == begin) {
        StoreVector(p + kSelf * stride, stride_, s);
      } else {
        AddVector(p + kSelf * stride, stride_, s);
      }
      if (j > begin) AddVector(p + kNext1 * stride, stride_, s - stride);
      if (j > begin + 1) AddVector(p + kNext2 * stride, stride_, s - 2 * stride);
      if (j + 1 < end) {
        if (j == begin) {
          StoreVector(p + kPrev1 * stride, stride_, s + stride);
        } else {
          AddVector(p + kPrev1 * stride, stride_, s + stride);
        }
      }
      if (j + 2 < end) StoreVector(p + kPrev2 * stride, stride_, s + 2 * stride);
      // The row is initialized by now (stored by this word or by one before it in the sentence).
      if (j - begin < 3) CorrectPosition(slot, info[j], j - begin, s);
    }
    // The words beyond the sentence's edges (two on each side).
    int32_t* last = scores.data() + size_t{end - 1} * stride;
    AddVector(&edges_[0], stride_, first);
    AddVector(&edges_[stride], stride_, first);
    if (end - begin > 1) AddVector(&edges_[stride], stride_, first + stride);
    AddVector(&edges_[2 * stride], stride_, last);
    AddVector(&edges_[3 * stride], stride_, last);
    if (end - begin > 1) AddVector(&edges_[3 * stride], stride_, last - stride);
  }
}

}  // namespace newsflow::tag::ner
