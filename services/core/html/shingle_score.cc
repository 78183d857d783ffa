#include "services/core/html/shingle_score.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <unordered_map>

namespace newsflow::html {
namespace {

// Python's str.isalnum() (what `\w` uses besides '_'): general categories L* and N*.
bool IsWordChar(UChar32 c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  const uint32_t mask = U_GET_GC_MASK(c);
  return (mask & (U_GC_L_MASK | U_GC_N_MASK)) != 0;
}

std::unordered_map<std::string, int> Shingles(std::string_view text, size_t n) {
  const std::vector<std::string_view> tokens = WordTokens(text);
  std::unordered_map<std::string, int> counts;
  if (tokens.empty()) return counts;
  const size_t count = tokens.size() >= n ? tokens.size() - n + 1 : 1;
  counts.reserve(count);
  std::string key;
  for (size_t i = 0; i < count; ++i) {
    key.clear();
    for (size_t k = i; k < i + n && k < tokens.size(); ++k) {
      key.append(tokens[k]);
      key.push_back('\x1f');  // cannot occur inside a token
    }
    ++counts[key];
  }
  return counts;
}

}  // namespace

std::vector<std::string_view> WordTokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  int32_t start = -1;
  while (i < length) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    const bool word = c >= 0 && IsWordChar(c);
    if (word && start < 0) start = at;
    if (!word && start >= 0) {
      tokens.push_back(text.substr(start, at - start));
      start = -1;
    }
  }
  if (start >= 0) tokens.push_back(text.substr(start));
  return tokens;
}

ShingleMatch MatchShingles(std::string_view truth, std::string_view predicted, size_t n) {
  const auto true_shingles = Shingles(truth, n);
  const auto pred_shingles = Shingles(predicted, n);
  double tp = 0, fp = 0, fn = 0;
  for (const auto& [key, true_count] : true_shingles) {
    const auto it = pred_shingles.find(key);
    const int pred_count = it == pred_shingles.end() ? 0 : it->second;
    tp += std::min(true_count, pred_count);
    fn += std::max(0, true_count - pred_count);
  }
  for (const auto& [key, pred_count] : pred_shingles) {
    const auto it = true_shingles.find(key);
    const int true_count = it == true_shingles.end() ? 0 : it->second;
    fp += std::max(0, pred_count - true_count);
  }
  ShingleMatch m;
  const double sum = tp + fp + fn;
  if (sum > 0) {
    m.tp = tp / sum;
    m.fp = fp / sum;
    m.fn = fn / sum;
  }
  return m;
}

double PagePrecision(const ShingleMatch& m) {
  if (m.fp == 0 && m.fn == 0) return 1.0;
  if (m.tp == 0 && m.fp == 0) return 0.0;
  return m.tp / (m.tp + m.fp);
}

double PageRecall(const ShingleMatch& m) {
  if (m.fp == 0 && m.fn == 0) return 1.0;
  if (m.tp == 0 && m.fn == 0) return 0.0;
  return m.tp / (m.tp + m.fn);
}

BenchmarkScore AggregateScores(const std::vector<ShingleMatch>& pages) {
  double precision_sum = 0, recall_sum = 0;
  size_t precision_pages = 0, recall_pages = 0;
  for (const ShingleMatch& m : pages) {
    if (m.tp + m.fp > 0) {
      precision_sum += PagePrecision(m);
      ++precision_pages;
    }
    if (m.tp + m.fn > 0) {
      recall_sum += PageRecall(m);
      ++recall_pages;
    }
  }
  BenchmarkScore score;
  if (precision_pages > 0) score.precision = precision_sum / precision_pages;
  if (recall_pages > 0) score.recall = recall_sum / recall_pages;
  if (score.precision + score.recall > 0) {
    score.f1 = 2 * score.precision * score.recall / (score.precision + score.recall);
  }
  return score;
}

}  // namespace newsflow::html
