#include "services/tag/ner/sequence_model.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <new>
#include <sstream>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "services/core/text/ascii.h"

namespace newsflow::tag::ner {

// Model file, little-endian:
//   char[8]  magic "NFNERMDL"
//   u32      format version (2)
//   u32      feature version (kFeatureVersion: ids change when templates change)
//   u32      number of entity types T (1..kMaxTypes); then T x (u32 length, bytes) names
//   u32      number of hash buckets B (power of two, 2^10..2^24)
//   u32      stride S (labels per weight row, >= 2T+1, multiple of 8)
//   f32      scale (weight = int16 * scale)
//   i16      transitions[(L + 1) * L], L = 2T+1, row 0 = from start
//   i16      weights[(B + 1) * S]; the last row is all zeros
//   u64      lexicon capacity C (0 or power of two); then u64 keys[C], u8 classes[C]
//   u64      name list capacity N (0 or power of two); then u64 keys[N], u32 type bits[N]
//   u64      FNV-1a 64 checksum of every preceding byte
static_assert(std::endian::native == std::endian::little, "model files are little-endian");

namespace {

constexpr char kMagic[8] = {'N', 'F', 'N', 'E', 'R', 'M', 'D', 'L'};
constexpr uint32_t kFormatVersion = 2;
constexpr uint32_t kFeatureVersion = 2;

uint64_t Checksum(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

template <typename T>
void Put(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  bool Get(T* v) {
    if (bytes_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  template <typename T>
  bool GetArray(size_t count, std::vector<T>* v) {
    if (count > (bytes_.size() - pos_) / sizeof(T)) return false;
    v->resize(count);
    if (count > 0) std::memcpy(v->data(), bytes_.data() + pos_, count * sizeof(T));
    pos_ += count * sizeof(T);
    return true;
  }
  bool GetString(size_t length, std::string* s) {
    if (length > bytes_.size() - pos_) return false;
    s->assign(bytes_.data() + pos_, length);
    pos_ += length;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

std::unique_ptr<SequenceModel> Fail(std::string* error, std::string message) {
  if (error != nullptr) *error = "invalid NER model: " + std::move(message);
  return nullptr;
}

constexpr size_t kHugePage = size_t{2} << 20;

int16_t* AllocateTable(size_t count) {
  const size_t bytes =
      std::max<size_t>((count * sizeof(int16_t) + kHugePage - 1) / kHugePage, 1) * kHugePage;
  void* p = std::aligned_alloc(kHugePage, bytes);
  if (p == nullptr) throw std::bad_alloc();  // start-up only: models are loaded at start
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);  // advisory: fine if the kernel says no
#endif
  return static_cast<int16_t*>(p);
}

uint32_t StrideFor(uint32_t num_labels) { return (num_labels + 7) / 8 * 8; }

// Far below any reachable score: per-token scores are at most kFeaturesPerToken * 32767 + 32767
// (~1.4e6) in magnitude and Viterbi renormalizes every step, so int32 never overflows.
constexpr int32_t kForbiddenTransition = -(1 << 28);

}  // namespace

SequenceModel::SequenceModel(std::vector<std::string> types, uint32_t num_buckets,
                             std::vector<int16_t> weights, std::vector<int16_t> transitions,
                             float scale, Lexicon lexicon, NameList names)
    : types_(std::move(types)),
      num_buckets_(num_buckets),
      stride_(StrideFor(num_labels())),
      weights_(AllocateTable(weights.size())),
      weights_size_(weights.size()),
      transitions_(std::move(transitions)),
      scale_(scale),
      lexicon_(std::move(lexicon)),
      names_(std::move(names)) {
  std::copy(weights.begin(), weights.end(), weights_.get());
  const uint32_t L = num_labels();
  decode_transitions_.assign(size_t{stride_} * (L + 1), kForbiddenTransition);
  for (uint32_t from = 0; from <= L; ++from) {
    for (uint32_t to = 0; to < L; ++to) {
      // I-X may only follow B-X or I-X, and never starts a sentence (from == 0).
      const bool inside = to != 0 && to % 2 == 0;
      const bool allowed = !inside || (from != 0 && (from - 1 == to || from == to));
      if (allowed) {
        decode_transitions_[size_t{from} * stride_ + to] = transitions_[size_t{from} * L + to];
      }
    }
  }
  decode_transitions_by_target_.assign(size_t{stride_} * stride_, 0);
  for (uint32_t to = 0; to < L; ++to) {
    for (uint32_t from = 0; from < L; ++from) {
      decode_transitions_by_target_[size_t{to} * stride_ + from] =
          decode_transitions_[size_t{from + 1} * stride_ + to];
    }
  }
}

void SequenceModel::FreeDeleter::operator()(int16_t* p) const { std::free(p); }

std::string SequenceModel::Serialize() const {
  std::string out;
  out.reserve(64 + weights_size_ * 2 + transitions_.size() * 2 + lexicon_.keys().size() * 9 +
              names_.keys().size() * 12);
  out.append(kMagic, sizeof(kMagic));
  Put(&out, kFormatVersion);
  Put(&out, kFeatureVersion);
  Put(&out, static_cast<uint32_t>(types_.size()));
  for (const std::string& t : types_) {
    Put(&out, static_cast<uint32_t>(t.size()));
    out.append(t);
  }
  Put(&out, num_buckets_);
  Put(&out, stride_);
  Put(&out, scale_);
  out.append(reinterpret_cast<const char*>(transitions_.data()), transitions_.size() * 2);
  out.append(reinterpret_cast<const char*>(weights_.get()), weights_size_ * 2);
  Put(&out, static_cast<uint64_t>(lexicon_.keys().size()));
  out.append(reinterpret_cast<const char*>(lexicon_.keys().data()), lexicon_.keys().size() * 8);
  out.append(reinterpret_cast<const char*>(lexicon_.values().data()), lexicon_.values().size());
  Put(&out, static_cast<uint64_t>(names_.keys().size()));
  out.append(reinterpret_cast<const char*>(names_.keys().data()), names_.keys().size() * 8);
  out.append(reinterpret_cast<const char*>(names_.values().data()), names_.values().size() * 4);
  Put(&out, Checksum(out));
  return out;
}

std::unique_ptr<SequenceModel> SequenceModel::Load(std::string_view bytes, std::string* error) {
  if (bytes.size() < sizeof(kMagic) + 8 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return Fail(error, "bad magic (not a newsflow NER model)");
  }
  uint64_t stored_checksum = 0;
  std::memcpy(&stored_checksum, bytes.data() + bytes.size() - 8, 8);
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  Reader r(body.substr(sizeof(kMagic)));
  uint32_t version = 0;
  uint32_t feature_version = 0;
  if (!r.Get(&version) || version != kFormatVersion) {
    return Fail(error, "unsupported format version " + std::to_string(version));
  }
  if (!r.Get(&feature_version) || feature_version != kFeatureVersion) {
    return Fail(error, "model built for feature version " + std::to_string(feature_version) +
                           ", this build extracts version " + std::to_string(kFeatureVersion));
  }
  if (Checksum(body) != stored_checksum) return Fail(error, "checksum mismatch (truncated?)");
  uint32_t num_types = 0;
  if (!r.Get(&num_types) || num_types == 0 || num_types > kMaxTypes) {
    return Fail(error, "bad number of types");
  }
  std::vector<std::string> types(num_types);
  for (std::string& t : types) {
    uint32_t len = 0;
    if (!r.Get(&len) || len == 0 || len > 64 || !r.GetString(len, &t)) {
      return Fail(error, "bad type name");
    }
  }
  uint32_t num_buckets = 0;
  uint32_t stride = 0;
  float scale = 0;
  if (!r.Get(&num_buckets) || !std::has_single_bit(num_buckets) || num_buckets < (1u << 10) ||
      num_buckets > (1u << 24)) {
    return Fail(error, "bad bucket count");
  }
  const uint32_t num_labels = 1 + 2 * num_types;
  if (!r.Get(&stride) || stride != StrideFor(num_labels)) return Fail(error, "bad stride");
  if (!r.Get(&scale) || !(scale > 0) || scale > std::numeric_limits<float>::max()) {
    return Fail(error, "bad scale");
  }
  std::vector<int16_t> transitions;
  std::vector<int16_t> weights;
  if (!r.GetArray(size_t{num_labels + 1} * num_labels, &transitions) ||
      !r.GetArray((size_t{num_buckets} + 1) * stride, &weights)) {
    return Fail(error, "truncated weights");
  }
  // The padding row and padding columns must be zero: decoding relies on it.
  for (uint32_t y = 0; y < stride; ++y) {
    if (weights[size_t{num_buckets} * stride + y] != 0) return Fail(error, "bad padding row");
  }
  uint64_t lexicon_capacity = 0;
  if (!r.Get(&lexicon_capacity) ||
      (lexicon_capacity != 0 &&
       (!std::has_single_bit(lexicon_capacity) || lexicon_capacity > (uint64_t{1} << 26)))) {
    return Fail(error, "bad lexicon size");
  }
  std::vector<uint64_t> keys;
  std::vector<uint8_t> values;
  if (!r.GetArray(lexicon_capacity, &keys) || !r.GetArray(lexicon_capacity, &values)) {
    return Fail(error, "truncated lexicon");
  }
  if (lexicon_capacity != 0 && std::find(keys.begin(), keys.end(), 0) == keys.end()) {
    return Fail(error, "lexicon has no empty slot");  // lookups would never terminate
  }
  uint64_t names_capacity = 0;
  if (!r.Get(&names_capacity) || (names_capacity != 0 && (!std::has_single_bit(names_capacity) ||
                                                          names_capacity > (uint64_t{1} << 26)))) {
    return Fail(error, "bad name list size");
  }
  std::vector<uint64_t> name_keys;
  std::vector<uint32_t> name_values;
  if (!r.GetArray(names_capacity, &name_keys) || !r.GetArray(names_capacity, &name_values)) {
    return Fail(error, "truncated name list");
  }
  if (names_capacity != 0 && std::find(name_keys.begin(), name_keys.end(), 0) == name_keys.end()) {
    return Fail(error, "name list has no empty slot");
  }
  if (r.pos() + sizeof(kMagic) != body.size()) return Fail(error, "trailing bytes");
  Lexicon lexicon;
  lexicon.Assign(std::move(keys), std::move(values));
  NameList names;
  names.Assign(std::move(name_keys), std::move(name_values));
  return std::make_unique<SequenceModel>(std::move(types), num_buckets, std::move(weights),
                                         std::move(transitions), scale, std::move(lexicon),
                                         std::move(names));
}

std::unique_ptr<SequenceModel> SequenceModel::LoadFile(const std::string& path,
                                                       std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error != nullptr) *error = "cannot open NER model " + path;
    return nullptr;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return Load(bytes, error);
}

bool SequenceModel::SaveFile(const std::string& path, std::string* error) const {
  const std::string bytes = Serialize();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    if (error != nullptr) *error = "cannot write NER model " + path;
    return false;
  }
  return true;
}

void SentenceRanges(std::span<const Token> tokens,
                    std::vector<std::pair<uint32_t, uint32_t>>* ranges) {
  ranges->clear();
  uint32_t begin = 0;
  const auto n = static_cast<uint32_t>(tokens.size());
  for (uint32_t i = 1; i <= n; ++i) {
    if (i == n || (tokens[i].flags & kSentenceStart) || i - begin >= kMaxSentenceTokens) {
      ranges->emplace_back(begin, i);
      begin = i;
    }
  }
}

void LabelsToSpans(std::span<const Token> tokens, std::span<const uint16_t> labels,
                   std::vector<EntitySpan>* spans) {
  spans->clear();
  const size_t n = std::min(tokens.size(), labels.size());
  size_t i = 0;
  while (i < n) {
    if (labels[i] == kOutside) {
      ++i;
      continue;
    }
    const uint32_t type = (labels[i] - 1) / 2;
    size_t j = i + 1;
    while (j < n && labels[j] == InsideLabel(type)) ++j;
    EntitySpan s;
    s.type = type;
    s.token_begin = static_cast<uint32_t>(i);
    s.token_end = static_cast<uint32_t>(j);
    s.cp_begin = tokens[i].cp_begin;
    s.cp_end = tokens[j - 1].cp_end;
    s.byte_begin = tokens[i].byte_begin;
    s.byte_end = tokens[j - 1].byte_end;
    spans->push_back(s);
    i = j;
  }
}

namespace {

#if defined(__x86_64__) && defined(__GNUC__)
// Chosen once per process: the branch on it is always predicted.
const bool kHasAvx2 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}();

// A row of 16 labels in two vectors of 8: lanes at or past `L` (labels the model does not have)
// masked to INT32_MIN, below any real sum, so a maximum never picks them.
struct LabelLanes16 {
  __attribute__((target("avx2"))) explicit LabelLanes16(uint32_t L) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i labels_count = _mm256_set1_epi32(static_cast<int32_t>(L));
    valid0 = _mm256_cmpgt_epi32(labels_count, lane);
    valid1 = _mm256_cmpgt_epi32(labels_count, _mm256_add_epi32(lane, _mm256_set1_epi32(8)));
    none = _mm256_set1_epi32(std::numeric_limits<int32_t>::min());
  }
  __attribute__((target("avx2"))) __m256i Mask0(__m256i v) const {
    return _mm256_blendv_epi8(none, v, valid0);
  }
  __attribute__((target("avx2"))) __m256i Mask1(__m256i v) const {
    return _mm256_blendv_epi8(none, v, valid1);
  }
  __m256i valid0, valid1, none;
};

// The maximum of the eight lanes, in every lane.
__attribute__((target("avx2"))) inline __m256i MaxInEveryLane(__m256i v) {
  v = _mm256_max_epi32(v, _mm256_permute2x128_si256(v, v, 1));
  v = _mm256_max_epi32(v, _mm256_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
  return _mm256_max_epi32(v, _mm256_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
}

// Viterbi's back-trace for stride 16 with AVX2: the label before `y` is the first from-label
// reaching the maximum of best[from] + transition(from, y), found with one vector max and a
// compare instead of a scalar loop over the labels. Sums stay far inside int32 (see
// kForbiddenTransition), so they equal the scalar loop's int64 sums.
__attribute__((target("avx2"))) void BackTrace16Avx2(const int32_t* best, const int32_t* by_target,
                                                     uint32_t L, size_t num_tokens, uint16_t y,
                                                     std::span<uint16_t> labels) {
  const LabelLanes16 lanes(L);
  for (size_t i = num_tokens; i-- > 0;) {
    labels[i] = y;
    if (i == 0) break;
    const auto* prev = reinterpret_cast<const __m256i*>(best + (i - 1) * 16);
    const auto* t = reinterpret_cast<const __m256i*>(by_target + size_t{y} * 16);
    __m256i v0 = _mm256_add_epi32(_mm256_loadu_si256(prev), _mm256_loadu_si256(t));
    __m256i v1 = _mm256_add_epi32(_mm256_loadu_si256(prev + 1), _mm256_loadu_si256(t + 1));
    v0 = lanes.Mask0(v0);
    v1 = lanes.Mask1(v1);
    __m256i top = _mm256_max_epi32(v0, v1);
    top = MaxInEveryLane(top);
    const auto at_top0 =
        static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(v0, top))));
    const auto at_top1 =
        static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(v1, top))));
    y = static_cast<uint16_t>(std::countr_zero(at_top0 | at_top1 << 8));
  }
}

// Viterbi's forward pass for stride 16 with AVX2, rows 1.. of `best` (row 0 filled by the
// caller): what the vector-extension loop computes, with the maximum of the previous row taken by
// vector shuffles instead of a scalar loop. The previous maximum is subtracted once from the
// maximum over from-labels, not from each from-label's score: max(a - t, b - t) = max(a, b) - t,
// and the sums stay far inside int32 (see kForbiddenTransition), so the rows are the same, and
// each from-label's score is broadcast straight from memory.
__attribute__((target("avx2"))) void Forward16Avx2(const int32_t* scores, size_t num_tokens,
                                                   const int32_t* trans, uint32_t L,
                                                   int32_t* best) {
  const LabelLanes16 lanes(L);
  const __m256i floor = _mm256_set1_epi32(2 * kForbiddenTransition);
  for (size_t i = 1; i < num_tokens; ++i) {
    const int32_t* prev = best + (i - 1) * 16;
    const auto* prev_v = reinterpret_cast<const __m256i*>(prev);
    __m256i top = _mm256_max_epi32(lanes.Mask0(_mm256_loadu_si256(prev_v)),
                                   lanes.Mask1(_mm256_loadu_si256(prev_v + 1)));
    top = MaxInEveryLane(top);
    const auto* row = reinterpret_cast<const __m256i*>(trans + 16);
    __m256i from = _mm256_set1_epi32(prev[0]);
    __m256i acc0 = _mm256_add_epi32(_mm256_loadu_si256(row), from);
    __m256i acc1 = _mm256_add_epi32(_mm256_loadu_si256(row + 1), from);
    // Two from-labels per step into two sets of maxima (max is exact and order-free on integers):
    // half the loop overhead, and two dependency chains instead of one.
    __m256i alt0 = acc0;
    __m256i alt1 = acc1;
    const int32_t* p = prev + 1;  // the from-label's score
    const int32_t* const end = prev + L;
    row += 2;
    if ((L - 1) % 2 != 0) {  // an odd number of from-labels left: one alone first
      from = _mm256_set1_epi32(p[0]);
      acc0 = _mm256_max_epi32(_mm256_add_epi32(_mm256_loadu_si256(row), from), acc0);
      acc1 = _mm256_max_epi32(_mm256_add_epi32(_mm256_loadu_si256(row + 1), from), acc1);
      ++p;
      row += 2;
    }
    for (; p < end; p += 2, row += 4) {
      from = _mm256_set1_epi32(p[0]);
      const __m256i next = _mm256_set1_epi32(p[1]);
      acc0 = _mm256_max_epi32(_mm256_add_epi32(_mm256_loadu_si256(row), from), acc0);
      acc1 = _mm256_max_epi32(_mm256_add_epi32(_mm256_loadu_si256(row + 1), from), acc1);
      alt0 = _mm256_max_epi32(_mm256_add_epi32(_mm256_loadu_si256(row + 2), next), alt0);
      alt1 = _mm256_max_epi32(_mm256_add_epi32(_mm256_loadu_si256(row + 3), next), alt1);
    }
    acc0 = _mm256_max_epi32(acc0, alt0);
    acc1 = _mm256_max_epi32(acc1, alt1);
    acc0 = _mm256_sub_epi32(acc0, top);
    acc1 = _mm256_sub_epi32(acc1, top);
    const auto* s = reinterpret_cast<const __m256i*>(scores + i * 16);
    acc0 = _mm256_add_epi32(_mm256_max_epi32(acc0, floor), _mm256_loadu_si256(s));
    acc1 = _mm256_add_epi32(_mm256_max_epi32(acc1, floor), _mm256_loadu_si256(s + 1));
    auto* cur = reinterpret_cast<__m256i*>(best + i * 16);
    _mm256_storeu_si256(cur, acc0);
    _mm256_storeu_si256(cur + 1, acc1);
  }
}
#endif

}  // namespace

// Built for baseline x86-64 and for AVX2 (vpmaxsd: SSE2 has no 32-bit max); the loader picks one.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void Viterbi(const SequenceModel& model, std::span<const int32_t> scores, size_t num_tokens,
             ViterbiScratch* scratch, std::span<uint16_t> labels) {
  if (num_tokens == 0) return;
  const uint32_t L = model.num_labels();
  const uint32_t stride = model.stride();
  const int32_t* trans = model.decode_transitions();  // [(from + 1) * stride + to]
  // Grown only: every row is written before it is read.
  if (scratch->best.size() < num_tokens * stride) scratch->best.resize(num_tokens * stride);
  int32_t* best = scratch->best.data();
  for (uint32_t y = 0; y < stride; ++y) best[y] = scores[y] + trans[y];
  size_t first_open_row = 1;  // rows before it are computed
#if defined(__x86_64__) && defined(__GNUC__)
  if (stride == 16 && kHasAvx2) {
    Forward16Avx2(scores.data(), num_tokens, trans, L, best);
    first_open_row = num_tokens;
  }
#endif
  // Forward pass keeps only path scores; back-pointers are recomputed for the one path that is
  // followed back (L work per token instead of L^2 stores). The max runs over from-labels in the
  // outer loop so the inner loop over to-labels is a plain vector max.
  for (size_t i = first_open_row; i < num_tokens; ++i) {
    const int32_t* prev = best + (i - 1) * stride;
    int32_t* cur = best + i * stride;
    // Only differences matter: shifting by the previous maximum keeps values near zero, and the
    // floor keeps forbidden paths from drifting toward overflow.
    int32_t top_prev = prev[0];
    for (uint32_t p = 1; p < L; ++p) top_prev = std::max(top_prev, prev[p]);
    if (stride == 16) {
      // Two halves of 8 lanes: one AVX2 register each (64-byte vector types spill to the stack).
      typedef int32_t Lanes __attribute__((vector_size(32), aligned(4)));
      Lanes acc0, acc1, row0, row1;
      std::memcpy(&row0, trans + stride, sizeof(row0));
      std::memcpy(&row1, trans + stride + 8, sizeof(row1));
      acc0 = row0 + (prev[0] - top_prev);
      acc1 = row1 + (prev[0] - top_prev);
      for (uint32_t p = 1; p < L; ++p) {
        const int32_t* t = trans + size_t{p + 1} * stride;
        std::memcpy(&row0, t, sizeof(row0));
        std::memcpy(&row1, t + 8, sizeof(row1));
        const Lanes v0 = row0 + (prev[p] - top_prev);
        const Lanes v1 = row1 + (prev[p] - top_prev);
        acc0 = acc0 > v0 ? acc0 : v0;
        acc1 = acc1 > v1 ? acc1 : v1;
      }
      const Lanes floor = acc0 - acc0 + 2 * kForbiddenTransition;
      acc0 = acc0 > floor ? acc0 : floor;
      acc1 = acc1 > floor ? acc1 : floor;
      Lanes s0, s1;
      std::memcpy(&s0, scores.data() + i * stride, sizeof(s0));
      std::memcpy(&s1, scores.data() + i * stride + 8, sizeof(s1));
      acc0 += s0;
      acc1 += s1;
      std::memcpy(cur, &acc0, sizeof(acc0));
      std::memcpy(cur + 8, &acc1, sizeof(acc1));
    } else {
      for (uint32_t y = 0; y < stride; ++y) {
        int32_t top = prev[0] - top_prev + trans[stride + y];
        for (uint32_t p = 1; p < L; ++p) {
          top = std::max(top, prev[p] - top_prev + trans[size_t{p + 1} * stride + y]);
        }
        cur[y] = std::max(top, 2 * kForbiddenTransition) + scores[i * stride + y];
      }
    }
  }
  const int32_t* last = best + (num_tokens - 1) * stride;
  uint16_t y = 0;
  for (uint32_t k = 1; k < L; ++k) {
    if (last[k] > last[y]) y = static_cast<uint16_t>(k);
  }
#if defined(__x86_64__) && defined(__GNUC__)
  if (stride == 16 && kHasAvx2) {
    BackTrace16Avx2(best, model.decode_transitions_by_target(), L, num_tokens, y, labels);
    return;
  }
#endif
  for (size_t i = num_tokens; i-- > 0;) {
    labels[i] = y;
    if (i == 0) break;
    // First predecessor reaching the maximum.
    const int32_t* prev = best + (i - 1) * stride;
    uint16_t arg = 0;
    int64_t top = int64_t{prev[0]} + trans[stride + y];
    for (uint32_t p = 1; p < L; ++p) {
      const int64_t v = int64_t{prev[p]} + trans[size_t{p + 1} * stride + y];
      if (v > top) {
        top = v;
        arg = static_cast<uint16_t>(p);
      }
    }
    y = arg;
  }
}

void ScoreTokens(const SequenceModel& model, std::span<const uint32_t> features, size_t num_tokens,
                 std::vector<int32_t>* scores) {
  const uint32_t stride = model.stride();
  scores->resize(num_tokens * stride);
  const uint32_t* f = features.data();
  for (size_t i = 0; i < num_tokens; ++i, f += kFeaturesPerToken) {
    int32_t* s = scores->data() + i * stride;
    if (stride == 16) {
      // 16 labels = one 32-byte row: widen and add as vectors (GCC/Clang vector extensions).
      typedef int16_t Row16 __attribute__((vector_size(32), aligned(2)));
      typedef int32_t Sum16 __attribute__((vector_size(64)));
      Sum16 sum = {};
      for (int k = 0; k < kFeaturesPerToken; ++k) {
        Row16 row;
        std::memcpy(&row, model.row(f[k]), sizeof(row));
        sum += __builtin_convertvector(row, Sum16);
      }
      std::memcpy(s, &sum, sizeof(sum));
    } else {
      std::fill(s, s + stride, 0);
      for (int k = 0; k < kFeaturesPerToken; ++k) {
        const int16_t* w = model.row(f[k]);
        for (uint32_t y = 0; y < stride; ++y) s[y] += w[y];
      }
    }
  }
}

void Tagger::Tag(std::string_view text, std::span<const Token> tokens,
                 std::span<const uint32_t> gazetteer, std::vector<EntitySpan>* spans) {
  labels_.assign(tokens.size(), kOutside);
  SentenceRanges(tokens, &ranges_);
  const uint32_t stride = model_->stride();
  // The descriptions and scores buffers only grow: the scores are written in full before they are
  // read, and resizing to each document would zero-fill a body's rows again after every title.
  if (info_.size() < tokens.size()) info_.resize(tokens.size());
  if (scores_.size() < tokens.size() * stride) scores_.resize(tokens.size() * stride);
  const std::span<TokenInfo> info(info_.data(), tokens.size());
  const std::span<int32_t> scores(scores_.data(), tokens.size() * stride);
  // Word-level features come summed from the word cache (descriptions too, and the templates of
  // a word and its position); the per-token loop below adds only the rows of templates that
  // combine neighbours or document bits.
  words_.ScoreWords(text, tokens, ranges_, info, scores);
  ComputeModelBits(tokens, info, model_->names(), &bits_scratch_, &bits_);
  if (gazetteer.size() == tokens.size()) {
    for (size_t i = 0; i < tokens.size(); ++i) bits_[i] |= gazetteer[i] << kModelBitCount;
  }
  for (const auto& [begin, end] : ranges_) {
    const size_t n = end - begin;
    // Grown only, as the buffers above: each sentence writes its ids before reading them.
    if (features_.size() < n * kTaggerContextFeaturesPerToken) {
      features_.resize(n * kTaggerContextFeaturesPerToken);
    }
    ExtractTaggerContextFeatures(std::span<const TokenInfo>(info).subspan(begin, n),
                                 std::span<const uint32_t>(bits_).subspan(begin, n),
                                 model_->num_buckets(), &feature_scratch_, features_.data(),
                                 model_->row(0), stride);
    int32_t* s = scores.data() + size_t{begin} * stride;
    for (size_t i = 0; i < n; ++i) {
      AddWeightRows(model_->row(0), stride, features_.data() + i * kTaggerContextFeaturesPerToken,
                    kTaggerContextFeaturesPerToken, s + i * stride);
    }
    Viterbi(*model_, std::span<const int32_t>(scores).subspan(size_t{begin} * stride, n * stride),
            n, &viterbi_scratch_, std::span<uint16_t>(labels_).subspan(begin, n));
  }
  LabelsToSpans(tokens, labels_, spans);
  const auto& types = model_->types();
  const auto date_it = std::find(types.begin(), types.end(), "DATE");
  if (options_.require_date_evidence && date_it != types.end()) {
    RedecodeDatesWithoutEvidence(*model_, text, tokens, ranges_, scores,
                                 static_cast<uint32_t>(date_it - types.begin()), labels_, spans);
  }
  const auto person = std::find(types.begin(), types.end(), "PERSON");
  if (options_.propagate_person_surnames && person != types.end()) {
    PropagateSurnames(text, tokens, static_cast<uint32_t>(person - types.begin()), labels_, spans,
                      &pass_scratch_);
  }
  if (options_.strip_person_titles && person != types.end()) {
    StripPersonTitles(text, tokens, static_cast<uint32_t>(person - types.begin()), labels_, spans);
  }
  if (options_.join_hyphenated_names && person != types.end()) {
    JoinHyphenatedNames(text, tokens, static_cast<uint32_t>(person - types.begin()), labels_,
                        spans);
  }
  const auto org = std::find(types.begin(), types.end(), "ORG");
  if (options_.extend_organization_names && org != types.end()) {
    ExtendOrganizationNames(text, tokens, static_cast<uint32_t>(org - types.begin()), labels_,
                            spans);
  }
  if (options_.propagate_acronyms) PropagateAcronyms(text, tokens, labels_, spans, &pass_scratch_);
  if (options_.unify_repeated_names) {
    UnifyRepeatedNames(text, static_cast<uint32_t>(types.size()), labels_, spans, &pass_scratch_);
  }
  if (options_.drop_common_word_spans) {
    const auto date = std::find(types.begin(), types.end(), "DATE");
    DropCommonWordSpans(text, tokens, info, static_cast<uint32_t>(date - types.begin()), labels_,
                        spans, &common_scratch_);
  }
}

namespace {

std::string_view TokenText(std::string_view text, const Token& t) {
  return text.substr(t.byte_begin, t.byte_end - t.byte_begin);
}

bool StartsUpper(std::string_view w) {
  if (w.empty()) return false;
  const auto c = static_cast<unsigned char>(w[0]);
  return (c >= 'A' && c <= 'Z') || c >= 0x80;  // non-ASCII: leave the decision to the model
}

// The first bytes of a set of words, a bit each. A word whose first byte is not among them is
// none of the words: the document passes test every token against a handful of names, and most
// tokens (lower case) are out after one bit test instead of a binary search.
class FirstBytes {
 public:
  void Add(std::string_view w) {
    if (!w.empty()) Set(static_cast<unsigned char>(w[0]));
  }
  // False only when `w` cannot be one of the words added.
  bool MayContain(std::string_view w) const {
    return w.empty() || Test(static_cast<unsigned char>(w[0]));
  }

 private:
  void Set(unsigned char c) { bits_[c / 64] |= uint64_t{1} << (c % 64); }
  bool Test(unsigned char c) const { return (bits_[c / 64] >> (c % 64)) & 1; }
  uint64_t bits_[4] = {0, 0, 0, 0};
};

}  // namespace

void PropagateSurnames(std::string_view text, std::span<const Token> tokens, uint32_t person,
                       std::span<uint16_t> labels, std::vector<EntitySpan>* spans,
                       DocumentPassScratch* scratch) {
  if (spans->empty()) return;
  // The last word of a multi-word PERSON span, if it can be a surname.
  auto surname_of = [&](const EntitySpan& s) -> std::string_view {
    if (s.type != person || s.token_end - s.token_begin < 2) return {};
    const Token& last = tokens[s.token_end - 1];
    const std::string_view w = TokenText(text, last);
    return last.kind == TokenKind::kWord && w.size() >= 2 && StartsUpper(w) ? w
                                                                            : std::string_view();
  };
  scratch->names.clear();
  for (const EntitySpan& s : *spans) {
    if (const std::string_view w = surname_of(s); !w.empty()) scratch->names.push_back(w);
  }
  if (scratch->names.empty()) return;
  std::sort(scratch->names.begin(), scratch->names.end());
  // A span that starts with the surname of another full name, where the document also uses that
  // surname alone, is that person's thing, not a second person ("Warhol Polaroids" after "Andy
  // Warhol" and "Warhol's"), so its last word is no surname. A surname never used alone may be a
  // given name too ("Thomas Knapp" beside "Clarence Thomas"). Judged against the whole document,
  // so span order does not matter.
  auto& owned = scratch->first_words;  // first words that are such surnames
  owned.clear();
  for (const EntitySpan& s : *spans) {
    const std::string_view w = surname_of(s);
    const std::string_view first = TokenText(text, tokens[s.token_begin]);
    if (!w.empty() && first != w &&
        std::binary_search(scratch->names.begin(), scratch->names.end(), first)) {
      owned.push_back(first);
    }
  }
  if (!owned.empty()) {
    std::sort(owned.begin(), owned.end());
    // Keep those the document uses alone: a token outside multi-word spans, no capitalized word
    // after it.
    auto& alone = scratch->alone_words;
    alone.clear();
    auto continues = [&](size_t i) { return labels[i] != kOutside && labels[i] % 2 == 0; };
    FirstBytes owned_first;
    for (const std::string_view w : owned) owned_first.Add(w);
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i].kind != TokenKind::kWord || continues(i)) continue;
      if (i + 1 < tokens.size() &&
          (continues(i + 1) || (tokens[i + 1].kind == TokenKind::kWord &&
                                StartsUpper(TokenText(text, tokens[i + 1]))))) {
        continue;
      }
      const std::string_view w = TokenText(text, tokens[i]);
      if (owned_first.MayContain(w) && std::binary_search(owned.begin(), owned.end(), w)) {
        alone.push_back(w);
      }
    }
    std::sort(alone.begin(), alone.end());
    owned.swap(alone);
  }
  auto& surnames = scratch->surnames;
  surnames.clear();
  for (const EntitySpan& s : *spans) {
    const std::string_view w = surname_of(s);
    if (w.empty()) continue;
    const std::string_view first = TokenText(text, tokens[s.token_begin]);
    if (first != w && std::binary_search(owned.begin(), owned.end(), first)) continue;
    surnames.push_back(w);
  }
  if (surnames.empty()) return;
  // Sorted for binary search: a long document must not turn this into tokens x names work.
  std::sort(surnames.begin(), surnames.end());
  FirstBytes surname_first;
  for (const std::string_view w : surnames) surname_first.Add(w);
  auto is_surname = [&](size_t i) {
    const Token& t = tokens[i];
    if (t.kind != TokenKind::kWord) return false;
    const std::string_view w = TokenText(text, t);
    return surname_first.MayContain(w) && std::binary_search(surnames.begin(), surnames.end(), w);
  };
  // Retype one-token spans; then add spans for untagged tokens (labels says which are untagged).
  for (EntitySpan& s : *spans) {
    if (s.type != person && s.token_end - s.token_begin == 1 && is_surname(s.token_begin)) {
      s.type = person;
      labels[s.token_begin] = BeginLabel(person);
    }
  }
  bool added = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (labels[i] != kOutside || !is_surname(i)) continue;
    labels[i] = BeginLabel(person);
    added = true;
  }
  if (added) LabelsToSpans(tokens, labels, spans);
}

void UnifyRepeatedNames(std::string_view text, uint32_t num_types, std::span<uint16_t> labels,
                        std::vector<EntitySpan>* spans, DocumentPassScratch* scratch) {
  // Only one-token spans: on dev, unifying longer spans as well cost more than it gained.
  // Grouped by sorting, so the work is n log n in the spans of a document.
  auto& groups = scratch->groups;
  groups.clear();
  for (uint32_t i = 0; i < spans->size(); ++i) {
    const EntitySpan& s = (*spans)[i];
    if (s.token_end - s.token_begin == 1) {
      groups.emplace_back(text.substr(s.byte_begin, s.byte_end - s.byte_begin), i);
    }
  }
  std::sort(groups.begin(), groups.end());
  for (size_t begin = 0; begin < groups.size();) {
    size_t end = begin + 1;
    while (end < groups.size() && groups[end].first == groups[begin].first) ++end;
    if (end - begin > 1) {
      scratch->votes.assign(num_types, 0);
      for (size_t g = begin; g < end; ++g) ++scratch->votes[(*spans)[groups[g].second].type];
      for (size_t g = begin; g < end; ++g) {
        EntitySpan& s = (*spans)[groups[g].second];
        uint32_t best = s.type;  // ties keep the span's own type
        for (uint32_t t = 0; t < num_types; ++t) {
          if (scratch->votes[t] > scratch->votes[best]) best = t;
        }
        s.type = best;
      }
    }
    begin = end;
  }
  for (const EntitySpan& s : *spans) {
    labels[s.token_begin] = BeginLabel(s.type);
    for (uint32_t i = s.token_begin + 1; i < s.token_end; ++i) labels[i] = InsideLabel(s.type);
  }
}

void PropagateAcronyms(std::string_view text, std::span<const Token> tokens,
                       std::span<uint16_t> labels, std::vector<EntitySpan>* spans,
                       DocumentPassScratch* scratch) {
  constexpr size_t kMinLetters = 2;
  constexpr size_t kMaxLetters = 6;
  auto& acronyms = scratch->acronyms;
  size_t used = 0;  // entries reused across documents: their strings keep their capacity
  for (const EntitySpan& s : *spans) {
    if (s.token_end - s.token_begin < 2) continue;
    if (used == acronyms.size()) acronyms.emplace_back();
    std::string& initials = acronyms[used].first;
    initials.clear();
    bool ok = true;
    for (uint32_t i = s.token_begin; i < s.token_end && ok; ++i) {
      const std::string_view w = TokenText(text, tokens[i]);
      if (tokens[i].kind != TokenKind::kWord) {
        ok = w == "&" || w == "-";
      } else if (w[0] >= 'A' && w[0] <= 'Z') {
        initials.push_back(w[0]);
      } else if (!(w[0] >= 'a' && w[0] <= 'z')) {
        ok = false;  // not Latin: no acronym rule
      }
      // Lower-case words ("of", "and") have no letter in the acronym.
      ok = ok && initials.size() <= kMaxLetters;
    }
    if (ok && initials.size() >= kMinLetters) acronyms[used++].second = s.type;
  }
  if (used == 0) return;
  auto type_of = [&](std::string_view w) -> int64_t {
    if (w.size() < kMinLetters || w.size() > kMaxLetters) return -1;
    for (char c : w) {
      if (c < 'A' || c > 'Z') return -1;
    }
    for (size_t a = 0; a < used; ++a) {
      if (acronyms[a].first == w) return acronyms[a].second;
    }
    return -1;
  };
  bool changed = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].kind != TokenKind::kWord) continue;
    const bool alone = labels[i] == kOutside ||
                       (labels[i] % 2 == 1 && (i + 1 == tokens.size() || labels[i + 1] % 2 == 1 ||
                                               labels[i + 1] == kOutside));
    if (!alone) continue;  // part of a longer span: leave it
    const int64_t type = type_of(TokenText(text, tokens[i]));
    if (type < 0) continue;
    const uint16_t label = BeginLabel(static_cast<uint32_t>(type));
    changed = changed || labels[i] != label;
    labels[i] = label;
  }
  if (changed) LabelsToSpans(tokens, labels, spans);
}

namespace {

// Whether `w`, its ASCII capitals lowered, is in `sorted_lower_words` (sorted, lower case, at
// most 16 bytes each): lowered into a stack buffer, no allocation.
template <size_t N>
bool InLowerCaseList(std::string_view w, const std::string_view (&sorted_lower_words)[N]) {
  char lower[16];
  if (w.empty() || w.size() > sizeof(lower)) return false;
  for (size_t i = 0; i < w.size(); ++i) lower[i] = text::AsciiLower(w[i]);
  return std::binary_search(std::begin(sorted_lower_words), std::end(sorted_lower_words),
                            std::string_view(lower, w.size()));
}

// Last words of organization names, lower case, sorted for binary search (business names too:
// "Northwind Capital", "Harbor Robotics"; newspapers: "Miami Herald", "LA Weekly").
constexpr std::string_view kOrganizationWords[] = {
    "academy",      "agency",     "airlines",   "association", "bank",       "capital",
    "church",       "college",    "commission", "committee",   "company",    "conference",
    "corporation",  "council",    "court",      "department",  "federation", "foundation",
    "gallery",      "gazette",    "group",      "herald",      "holdings",   "institute",
    "journal",      "labs",       "league",     "logistics",   "ministry",   "motors",
    "municipality", "museum",     "news",       "office",      "org",        "organisation",
    "organization", "parliament", "partners",   "police",      "robotics",   "society",
    "technologies", "times",      "tribune",    "university",  "ventures",   "weekly",
};

bool IsCapitalizedWord(std::string_view text, const Token& t) {
  return t.kind == TokenKind::kWord && text[t.byte_begin] >= 'A' && text[t.byte_begin] <= 'Z';
}

// For each first letter of kOrganizationWords, a bit per length (< 32) the words with it have.
constexpr std::array<uint32_t, 26> OrganizationWordLengths() {
  std::array<uint32_t, 26> lengths{};
  for (std::string_view w : kOrganizationWords) lengths[w[0] - 'a'] |= uint32_t{1} << w.size();
  return lengths;
}
constexpr std::array<uint32_t, 26> kOrganizationWordLengths = OrganizationWordLengths();

bool IsOrganizationWord(std::string_view text, const Token& t) {
  if (!IsCapitalizedWord(text, t)) return false;
  const std::string_view w = TokenText(text, t);
  // Cheap filter before the search, run on every capitalized token: a listed word has the same
  // first letter and length.
  if (w.size() >= 32 || !((kOrganizationWordLengths[w[0] - 'A'] >> w.size()) & 1)) return false;
  return InLowerCaseList(w, kOrganizationWords);
}

bool IsInside(uint16_t label) { return label != kOutside && label % 2 == 0; }

// Titles and roles that precede a name, lower case without a final '.', sorted.
constexpr std::string_view kTitleWords[] = {
    "ambassador",   "bishop",      "captain",       "cardinal",      "ceo",
    "cfo",          "chairman",    "chairwoman",    "chancellor",    "coach",
    "commissioner", "congressman", "congresswoman", "cto",           "dr",
    "executive",    "founder",     "gen",           "general",       "governor",
    "judge",        "lt",          "mayor",         "minister",      "mr",
    "mrs",          "ms",          "pope",          "premier",       "president",
    "prof",         "professor",   "rep",           "secretary",     "sen",
    "senator",      "sheikh",      "sir",           "undersecretary"};

bool IsTitleWord(std::string_view text, const Token& t) {
  if (t.kind != TokenKind::kWord) return false;
  std::string_view w = TokenText(text, t);
  if (!w.empty() && w.back() == '.') w.remove_suffix(1);
  return InLowerCaseList(w, kTitleWords);
}

}  // namespace

void StripPersonTitles(std::string_view text, std::span<const Token> tokens, uint32_t person_type,
                       std::span<uint16_t> labels, std::vector<EntitySpan>* spans) {
  bool changed = false;
  for (const EntitySpan& s : *spans) {
    if (s.type != person_type || s.token_end - s.token_begin < 2) continue;
    uint32_t cut = s.token_begin;  // first token kept
    for (uint32_t i = s.token_begin; i + 1 < s.token_end; ++i) {
      if (IsTitleWord(text, tokens[i]) && IsCapitalizedWord(text, tokens[i + 1])) cut = i + 1;
    }
    if (cut == s.token_begin) continue;
    for (uint32_t i = s.token_begin; i < cut; ++i) labels[i] = kOutside;
    labels[cut] = BeginLabel(person_type);
    changed = true;
  }
  if (changed) LabelsToSpans(tokens, labels, spans);
}

namespace {

// Lower case, sorted: words that make a span without digits a plausible date (GUM's DATE spans
// without digits are weekdays, months, number words and named days or periods).
constexpr std::string_view kDateWords[] = {
    "a.m",          "afternoon",  "afternoons", "age",       "ages",     "am",        "apr",
    "april",        "aug",        "august",     "autumn",    "bc",       "bce",       "centuries",
    "century",      "christmas",  "day",        "days",      "dec",      "decade",    "decades",
    "december",     "diwali",     "easter",     "eight",     "eighteen", "eighty",    "eleven",
    "era",          "eve",        "evening",    "evenings",  "fall",     "feb",       "february",
    "fifteen",      "fifty",      "five",       "forty",     "four",     "fourteen",  "fri",
    "friday",       "fridays",    "gmt",        "halloween", "hanukkah", "hundred",   "jan",
    "january",      "jul",        "july",       "jun",       "june",     "mar",       "march",
    "may",          "midnight",   "mon",        "monday",    "mondays",  "month",     "months",
    "morning",      "mornings",   "night",      "nights",    "nine",     "nineteen",  "ninety",
    "noon",         "nov",        "november",   "o'clock",   "oct",      "october",   "one",
    "p.m",          "pm",         "ramadan",    "sat",       "saturday", "saturdays", "sep",
    "sept",         "september",  "seven",      "seventeen", "seventy",  "six",       "sixteen",
    "sixty",        "spring",     "summer",     "sun",       "sunday",   "sundays",   "ten",
    "thanksgiving", "thirteen",   "thirty",     "thousand",  "three",    "thu",       "thur",
    "thurs",        "thursday",   "thursdays",  "today",     "tomorrow", "tue",       "tues",
    "tuesday",      "tuesdays",   "twelve",     "twenty",    "two",      "utc",       "wed",
    "wednesday",    "wednesdays", "week",       "weekend",   "weeks",    "winter",    "year",
    "years",        "yesterday",
};

static_assert(std::is_sorted(std::begin(kDateWords), std::end(kDateWords)));

bool IsDateWord(std::string_view w) {
  if (!w.empty() && w.back() == '.') w.remove_suffix(1);  // "Feb.", "Thurs."
  return InLowerCaseList(w, kDateWords);
}

}  // namespace

bool HasDateEvidence(std::string_view text, std::span<const Token> tokens, uint32_t begin,
                     uint32_t end) {
  for (uint32_t i = begin; i < end && i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == TokenKind::kNumber || t.kind == TokenKind::kHan) return true;
    if (t.kind != TokenKind::kWord) continue;
    const std::string_view w = TokenText(text, t);
    for (const char c : w) {
      // A digit ("3rd", "1990s"), or a non-ASCII letter: other languages' dates are left to the
      // model.
      if ((c >= '0' && c <= '9') || static_cast<unsigned char>(c) >= 0x80) return true;
    }
    if (IsDateWord(w)) return true;
  }
  return false;
}

void RedecodeDatesWithoutEvidence(const SequenceModel& model, std::string_view text,
                                  std::span<const Token> tokens,
                                  std::span<const std::pair<uint32_t, uint32_t>> ranges,
                                  std::span<const int32_t> scores, uint32_t date_type,
                                  std::span<uint16_t> labels, std::vector<EntitySpan>* spans) {
  const uint32_t L = model.num_labels();
  const uint32_t stride = model.stride();
  const int32_t* trans = model.decode_transitions();  // [(from + 1) * stride + to]
  const uint16_t date_begin = BeginLabel(date_type);
  const uint16_t date_inside = InsideLabel(date_type);
  constexpr uint32_t kMaxTokens = 32;
  constexpr uint32_t kMaxLabels = 32;
  if (L > kMaxLabels || scores.size() < tokens.size() * size_t{stride}) return;
  bool changed = false;
  for (const EntitySpan& s : *spans) {
    if (s.type != date_type || HasDateEvidence(text, tokens, s.token_begin, s.token_end)) {
      continue;
    }
    changed = true;
    const uint32_t b = s.token_begin;
    const uint32_t m = s.token_end - s.token_begin;
    if (m > kMaxTokens) {
      for (uint32_t i = b; i < s.token_end; ++i) labels[i] = kOutside;
      continue;
    }
    // The row the span is entered from: the sentence start, or the label before it.
    const auto range = std::upper_bound(
        ranges.begin(), ranges.end(), b,
        [](uint32_t v, const std::pair<uint32_t, uint32_t>& r) { return v < r.first; });
    const bool starts_range = range != ranges.begin() && std::prev(range)->first == b;
    const uint32_t entry = b == 0 || starts_range ? 0 : labels[b - 1] + 1u;
    // Viterbi over the span; stack arrays keep the pass allocation-free.
    int64_t best[kMaxTokens][kMaxLabels];
    uint8_t back[kMaxTokens][kMaxLabels];
    constexpr int64_t kNone = std::numeric_limits<int64_t>::min() / 4;
    for (uint32_t k = 0; k < m; ++k) {
      const int32_t* sc = scores.data() + size_t{b + k} * stride;
      for (uint32_t y = 0; y < L; ++y) {
        best[k][y] = kNone;
        back[k][y] = 0;
        if (y == date_begin || y == date_inside) continue;
        if (k == 0) {
          const int32_t t = trans[size_t{entry} * stride + y];
          if (t > kForbiddenTransition) best[k][y] = int64_t{t} + sc[y];
          continue;
        }
        for (uint32_t p = 0; p < L; ++p) {
          const int32_t t = trans[size_t{p + 1} * stride + y];
          if (best[k - 1][p] == kNone || t <= kForbiddenTransition) continue;
          const int64_t v = best[k - 1][p] + t + sc[y];
          if (v > best[k][y]) {
            best[k][y] = v;
            back[k][y] = static_cast<uint8_t>(p);
          }
        }
      }
    }
    uint32_t y = kOutside;
    for (uint32_t k = 1; k < L; ++k) {
      if (best[m - 1][k] > best[m - 1][y]) y = k;
    }
    for (uint32_t k = m; k-- > 0;) {
      labels[b + k] = static_cast<uint16_t>(y);
      y = back[k][y];
    }
  }
  if (!changed) return;
  // The token after a re-decoded span may have continued it (an inside label of the span's new
  // type is fine; a DATE inside label is not, as the span ended there): LabelsToSpans splits
  // spans at any label that is not the inside label of the current type.
  LabelsToSpans(tokens, labels, spans);
}

void JoinHyphenatedNames(std::string_view text, std::span<const Token> tokens, uint32_t person_type,
                         std::span<uint16_t> labels, std::vector<EntitySpan>* spans) {
  const size_t n = std::min(tokens.size(), labels.size());
  const uint16_t begin_label = BeginLabel(person_type);
  const uint16_t inside_label = InsideLabel(person_type);
  auto is_person = [&](size_t k) { return labels[k] == begin_label || labels[k] == inside_label; };
  bool changed = false;
  for (size_t i = 0; i + 2 < n; ++i) {
    const Token& left = tokens[i];
    const Token& dash = tokens[i + 1];
    const Token& right = tokens[i + 2];
    if (left.byte_end != dash.byte_begin || dash.byte_end != right.byte_begin ||
        TokenText(text, dash) != "-" || !IsCapitalizedWord(text, left) ||
        !IsCapitalizedWord(text, right)) {
      continue;
    }
    const bool left_person = is_person(i);
    const bool right_person = is_person(i + 2);
    if (left_person == right_person && !(left_person && labels[i + 1] == kOutside)) continue;
    if ((!left_person && labels[i] != kOutside) || (!right_person && labels[i + 2] != kOutside)) {
      continue;  // the other half is a name of another type
    }
    // A capital forced by the sentence start is no evidence ("Anti-Trump protesters ...").
    if (!left_person && (left.flags & kSentenceStart)) continue;
    if (!left_person) labels[i] = i > 0 && is_person(i - 1) ? inside_label : begin_label;
    labels[i + 1] = inside_label;
    labels[i + 2] = inside_label;
    changed = true;
  }
  if (changed) LabelsToSpans(tokens, labels, spans);
}

void ExtendOrganizationNames(std::string_view text, std::span<const Token> tokens,
                             uint32_t org_type, std::span<uint16_t> labels,
                             std::vector<EntitySpan>* spans) {
  const size_t n = std::min(tokens.size(), labels.size());
  auto is_connector = [&](size_t k) {
    const std::string_view w = TokenText(text, tokens[k]);
    return w == "of" || w == "for" || w == "the" || w == "and";
  };
  bool changed = false;
  for (size_t i = 0; i < n; ++i) {
    if (!IsOrganizationWord(text, tokens[i])) continue;
    size_t begin = i;
    if (labels[i] != kOutside) {
      while (begin > 0 && IsInside(labels[begin])) --begin;
    } else if (begin > 0 && labels[begin - 1] != kOutside &&
               IsCapitalizedWord(text, tokens[begin - 1])) {
      // The model tagged the name but stopped before its last word ("Northwind" of "Northwind
      // Capital"): the whole name is the organization.
      --begin;
      while (begin > 0 && IsInside(labels[begin])) --begin;
    } else {
      // Untagged: take the capitalized untagged words before it ("Tang Teaching Museum").
      while (begin > 0 && labels[begin - 1] == kOutside &&
             !(tokens[begin].flags & kSentenceStart) &&
             IsCapitalizedWord(text, tokens[begin - 1]) &&
             TokenText(text, tokens[begin - 1]) != "The") {
        --begin;
      }
    }
    size_t old_end = i + 1;  // end of the span the word is in, if any
    if (labels[i] != kOutside) {
      while (old_end < n && IsInside(labels[old_end])) ++old_end;
    }
    size_t end = old_end;
    const std::string_view next = i + 1 < n ? TokenText(text, tokens[i + 1]) : "";
    if (next == "of" || next == "for") {
      // "of"/"for" [the] + capitalized words, whatever the model made of them.
      size_t k = i + 2;
      if (k < n && TokenText(text, tokens[k]) == "the") ++k;
      size_t e = k;
      while (e < n && IsCapitalizedWord(text, tokens[e])) ++e;
      if (e > k) end = std::max(end, e);
    }
    while (end > i + 1 && is_connector(end - 1)) --end;                 // "University of" alone
    if (begin == i && end == i + 1 && labels[i] == kOutside) continue;  // a lone "Museum"
    for (size_t k = end; k < old_end; ++k) labels[k] = kOutside;
    labels[begin] = BeginLabel(org_type);
    for (size_t k = begin + 1; k < end; ++k) labels[k] = InsideLabel(org_type);
    // The word after the new span must not continue a span the extension cut.
    if (end < n && IsInside(labels[end])) labels[end] = labels[end] - 1;
    changed = true;
    i = end - 1;
  }
  if (changed) LabelsToSpans(tokens, labels, spans);
}

void Tagger::TagText(std::string_view text, std::vector<EntitySpan>* spans) {
  Tokenize(text, &tokens_);
  Tag(text, tokens_, {}, spans);
}

}  // namespace newsflow::tag::ner
