#pragma once

// Scoring of entity spans against gold annotations: precision, recall and F1 per type and over
// all types, in two matching modes. Generic over where the spans come from (statistical model,
// knowledge base, rules or the merged tagger), so every stage is scored the same way.
//
// Pure logic, standard library only.

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace newsflow::tag {

// One entity mention: a type name and a [start, end) span (code points, as in the annotations).
struct ScoredSpan {
  std::string type;
  uint32_t start = 0;
  uint32_t end = 0;
};

enum class MatchMode {
  kExact,    // same type, same start and end
  kOverlap,  // same type and the spans share at least one position
};

struct TypeScore {
  std::string type;  // "overall" for the micro-average over all types
  size_t gold = 0;
  size_t predicted = 0;
  size_t correct = 0;  // matched pairs (one-to-one)
  // 0 when the denominator is 0.
  double precision() const;
  double recall() const;
  double f1() const;
};

// Accumulates counts over documents. A gold span is matched by at most one predicted span and
// vice versa (greedy in order of start offset), so overlap mode cannot count one long prediction
// as several hits. Not thread-safe.
class SpanEvaluator {
 public:
  // `types`: only spans of these types are scored (others are ignored on both sides); empty
  // scores every type seen.
  explicit SpanEvaluator(MatchMode mode, std::set<std::string> types = {});

  // Spans of one document, in any order.
  void AddDocument(std::span<const ScoredSpan> gold, std::span<const ScoredSpan> predicted);

  MatchMode mode() const { return mode_; }
  // Per type, sorted by type name; types that occur in gold or predictions.
  std::vector<TypeScore> PerType() const;
  // Micro-average over all scored types.
  TypeScore Overall() const;

 private:
  bool Scored(const std::string& type) const;
  MatchMode mode_;
  std::set<std::string> types_;
  std::map<std::string, TypeScore> scores_;
};

// A fixed-width text table: one row per type plus "overall", columns gold, pred, correct, P, R,
// F1, for one evaluator.
std::string FormatScoreTable(const SpanEvaluator& evaluator);

}  // namespace newsflow::tag
