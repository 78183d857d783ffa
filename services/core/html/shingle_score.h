#pragma once

// Scoring of extracted article bodies against ground truth, exactly as the public
// article-extraction-benchmark defines it (its evaluate.py): tokens are `\w+` runs in Python's
// Unicode sense (letters, numbers and '_'; combining marks split tokens), case kept; each text
// becomes the multiset of its overlapping 4-token shingles (a text of 1..3 tokens is one shingle,
// a text without tokens has none); per page TP/FP/FN are divided by their sum so that every page
// weighs the same; precision is averaged over pages with TP+FP > 0, recall over pages with
// TP+FN > 0 (a page with no FP and no FN scores 1 for both), and F1 is the harmonic mean of the
// two averages.
//
// Pure and thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::html {

struct ShingleMatch {
  double tp = 0;  // shared shingles / (tp + fp + fn)
  double fp = 0;  // predicted shingles not in the truth / (tp + fp + fn)
  double fn = 0;  // truth shingles not predicted / (tp + fp + fn)
};

// `\w+` tokens of UTF-8 `text` (invalid bytes separate tokens).
std::vector<std::string_view> WordTokens(std::string_view text);

// Normalized shingle overlap of one page; all zero when neither text has a token.
ShingleMatch MatchShingles(std::string_view truth, std::string_view predicted, size_t n = 4);

// Per-page scores as evaluate.py computes them.
double PagePrecision(const ShingleMatch& m);
double PageRecall(const ShingleMatch& m);

struct BenchmarkScore {
  double precision = 0;  // mean page precision over pages with tp + fp > 0
  double recall = 0;     // mean page recall over pages with tp + fn > 0
  double f1 = 0;         // harmonic mean of the two means (0 when both are 0)
};

BenchmarkScore AggregateScores(const std::vector<ShingleMatch>& pages);

}  // namespace newsflow::html
