#include "services/tag/ner/trainer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

namespace newsflow::tag::ner {
namespace {

bool Allowed(uint32_t from, uint32_t to) {
  if (to == 0 || to % 2 == 1) return true;
  return from == to || from + 1 == to;
}

uint64_t NextRandom(uint64_t* state) {  // splitmix64: tiny, portable, deterministic
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

Trainer::Trainer(TrainerOptions options, Lexicon lexicon, NameList names)
    : options_(std::move(options)),
      lexicon_(std::move(lexicon)),
      names_(std::move(names)),
      stride_((num_labels() + 7) / 8 * 8),
      rng_state_(options_.seed) {
  const size_t table = (size_t{options_.num_buckets} + 1) * stride_;
  transitions_offset_ = table;
  const size_t total = table + size_t{num_labels() + 1} * num_labels();
  weights_.assign(total, 0.0f);
  accumulated_.assign(total, 0.0);
}

bool Trainer::AddDocument(std::string_view text, std::span<const Token> tokens,
                          std::span<const uint16_t> labels, std::span<const uint32_t> gazetteer,
                          const NameList* names) {
  if (labels.size() != tokens.size()) return false;
  if (!gazetteer.empty() && gazetteer.size() != tokens.size()) return false;
  for (uint16_t y : labels) {
    if (y >= num_labels()) return false;
  }
  std::vector<TokenInfo> info;
  std::vector<uint32_t> bits;
  DocumentBitsScratch bits_scratch;
  DescribeTokens(text, tokens, lexicon_, &info);
  ComputeModelBits(tokens, info, names != nullptr ? *names : names_, &bits_scratch, &bits);
  for (size_t i = 0; i < gazetteer.size(); ++i) bits[i] |= gazetteer[i] << kModelBitCount;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  SentenceRanges(tokens, &ranges);
  FeatureScratch scratch;
  std::vector<uint32_t> features;
  for (const auto& [begin, end] : ranges) {
    const size_t n = end - begin;
    ExtractFeatures(std::span<const TokenInfo>(info).subspan(begin, n),
                    std::span<const uint32_t>(bits).subspan(begin, n), options_.num_buckets,
                    &scratch, &features);
    sentences_.push_back(Sentence{gold_.size(), n});
    features_.insert(features_.end(), features.begin(), features.end());
    gold_.insert(gold_.end(), labels.begin() + begin, labels.begin() + end);
  }
  return true;
}

void Trainer::Add(size_t weight_index, float delta) {
  weights_[weight_index] += delta;
  accumulated_[weight_index] += static_cast<double>(step_) * delta;
}

void Trainer::Update(const Sentence& s, std::span<const uint16_t> predicted) {
  const uint16_t* gold = gold_.data() + s.begin;
  const uint32_t L = num_labels();
  for (size_t i = 0; i < s.size; ++i) {
    const uint16_t g = gold[i];
    const uint16_t p = predicted[i];
    if (g != p) {
      const uint32_t* f = features_.data() + (s.begin + i) * kFeaturesPerToken;
      for (int k = 0; k < kFeaturesPerToken; ++k) {
        if (f[k] == options_.num_buckets) continue;  // the all-zero padding row stays zero
        Add(size_t{f[k]} * stride_ + g, 1.0f);
        Add(size_t{f[k]} * stride_ + p, -1.0f);
      }
    }
    const uint32_t gp = i == 0 ? 0 : gold[i - 1] + 1u;
    const uint32_t pp = i == 0 ? 0 : predicted[i - 1] + 1u;
    if (gp != pp || g != p) {
      Add(transitions_offset_ + size_t{gp} * L + g, 1.0f);
      Add(transitions_offset_ + size_t{pp} * L + p, -1.0f);
    }
  }
}

size_t Trainer::RunEpoch() {
  order_.resize(sentences_.size());
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  for (size_t i = order_.size(); i > 1; --i) {
    std::swap(order_[i - 1], order_[NextRandom(&rng_state_) % i]);
  }
  const uint32_t L = num_labels();
  const float* trans = weights_.data() + transitions_offset_;
  constexpr float kForbidden = -std::numeric_limits<float>::infinity();
  size_t errors = 0;
  for (size_t index : order_) {
    const Sentence& s = sentences_[index];
    const size_t n = s.size;
    if (n == 0) continue;
    scores_.assign(n * stride_, 0.0f);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t* f = features_.data() + (s.begin + i) * kFeaturesPerToken;
      float* out = scores_.data() + i * stride_;
      for (int k = 0; k < kFeaturesPerToken; ++k) {
        const float* w = weights_.data() + size_t{f[k]} * stride_;
        for (uint32_t y = 0; y < stride_; ++y) out[y] += w[y];
      }
    }
    best_.resize(n * L);
    back_.resize(n * L);
    for (uint32_t y = 0; y < L; ++y) {
      best_[y] = (y != 0 && y % 2 == 0) ? kForbidden : scores_[y] + trans[y];
    }
    for (size_t i = 1; i < n; ++i) {
      for (uint32_t y = 0; y < L; ++y) {
        float top = kForbidden;
        uint16_t arg = 0;
        for (uint32_t p = 0; p < L; ++p) {
          if (!Allowed(p, y)) continue;
          const float v = best_[(i - 1) * L + p] + trans[size_t{p + 1} * L + y];
          if (v > top) {
            top = v;
            arg = static_cast<uint16_t>(p);
          }
        }
        best_[i * L + y] = top + scores_[i * stride_ + y];
        back_[i * L + y] = arg;
      }
    }
    predicted_.resize(n);
    uint16_t y = 0;
    for (uint32_t k = 1; k < L; ++k) {
      if (best_[(n - 1) * L + k] > best_[(n - 1) * L + y]) y = static_cast<uint16_t>(k);
    }
    for (size_t i = n; i-- > 0;) {
      predicted_[i] = y;
      if (i > 0) y = back_[i * L + y];
    }
    size_t wrong = 0;
    for (size_t i = 0; i < n; ++i) wrong += predicted_[i] != gold_[s.begin + i];
    if (wrong > 0) {
      errors += wrong;
      Update(s, predicted_);
    }
    ++step_;
  }
  return errors;
}

std::vector<float> Trainer::AveragedWeights() const {
  // Averaged weight = w - accumulated / step (Daume's trick for the running average).
  const double c = static_cast<double>(step_);
  std::vector<float> out(weights_.size());
  for (size_t i = 0; i < weights_.size(); ++i) {
    out[i] = static_cast<float>(weights_[i] - accumulated_[i] / c);
  }
  return out;
}

std::unique_ptr<SequenceModel> Trainer::Snapshot() const { return Snapshot(AveragedWeights()); }

std::unique_ptr<SequenceModel> Trainer::Snapshot(std::span<const float> averaged) const {
  double max_abs = 0;
  for (float w : averaged) max_abs = std::max(max_abs, std::abs(static_cast<double>(w)));
  const double scale = max_abs > 0 ? max_abs / 32767.0 : 1.0;
  auto quantize = [&](size_t i) {
    const double v = std::round(averaged[i] / scale);
    return static_cast<int16_t>(std::clamp(v, -32767.0, 32767.0));
  };
  std::vector<int16_t> weights(transitions_offset_);
  for (size_t i = 0; i < transitions_offset_; ++i) weights[i] = quantize(i);
  const uint32_t L = num_labels();
  std::vector<int16_t> transitions(size_t{L + 1} * L);
  for (size_t i = 0; i < transitions.size(); ++i) {
    transitions[i] = quantize(transitions_offset_ + i);
  }
  return std::make_unique<SequenceModel>(options_.types, options_.num_buckets, std::move(weights),
                                         std::move(transitions), static_cast<float>(scale),
                                         lexicon_, names_);
}

}  // namespace newsflow::tag::ner
