#include "services/tag/evaluation.h"

#include <algorithm>
#include <cstdio>

namespace newsflow::tag {
namespace {

double Ratio(size_t a, size_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; }

bool Matches(MatchMode mode, const ScoredSpan& g, const ScoredSpan& p) {
  if (g.type != p.type) return false;
  if (mode == MatchMode::kExact) return g.start == p.start && g.end == p.end;
  return g.start < p.end && p.start < g.end;
}

std::vector<const ScoredSpan*> SortedByStart(std::span<const ScoredSpan> spans) {
  std::vector<const ScoredSpan*> out;
  out.reserve(spans.size());
  for (const ScoredSpan& s : spans) out.push_back(&s);
  std::stable_sort(out.begin(), out.end(), [](const ScoredSpan* a, const ScoredSpan* b) {
    return a->start != b->start ? a->start < b->start : a->end < b->end;
  });
  return out;
}

}  // namespace

double TypeScore::precision() const { return Ratio(correct, predicted); }
double TypeScore::recall() const { return Ratio(correct, gold); }
double TypeScore::f1() const {
  const double p = precision();
  const double r = recall();
  return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

SpanEvaluator::SpanEvaluator(MatchMode mode, std::set<std::string> types)
    : mode_(mode), types_(std::move(types)) {}

bool SpanEvaluator::Scored(const std::string& type) const {
  return types_.empty() || types_.count(type) > 0;
}

void SpanEvaluator::AddDocument(std::span<const ScoredSpan> gold,
                                std::span<const ScoredSpan> predicted) {
  const std::vector<const ScoredSpan*> g = SortedByStart(gold);
  const std::vector<const ScoredSpan*> p = SortedByStart(predicted);
  std::vector<bool> gold_used(g.size(), false);
  for (const ScoredSpan* s : g) {
    if (!Scored(s->type)) continue;
    TypeScore& t = scores_[s->type];
    t.type = s->type;
    ++t.gold;
  }
  for (const ScoredSpan* s : p) {
    if (!Scored(s->type)) continue;
    TypeScore& t = scores_[s->type];
    t.type = s->type;
    ++t.predicted;
    // Earliest unused gold span that matches; quadratic only within a document.
    for (size_t j = 0; j < g.size(); ++j) {
      if (!gold_used[j] && Matches(mode_, *g[j], *s)) {
        gold_used[j] = true;
        ++t.correct;
        break;
      }
    }
  }
}

std::vector<TypeScore> SpanEvaluator::PerType() const {
  std::vector<TypeScore> out;
  out.reserve(scores_.size());
  for (const auto& [type, score] : scores_) out.push_back(score);
  return out;
}

TypeScore SpanEvaluator::Overall() const {
  TypeScore all;
  all.type = "overall";
  for (const auto& [type, score] : scores_) {
    all.gold += score.gold;
    all.predicted += score.predicted;
    all.correct += score.correct;
  }
  return all;
}

std::string FormatScoreTable(const SpanEvaluator& evaluator) {
  std::string out;
  char line[160];
  std::snprintf(line, sizeof(line), "%-10s %6s %6s %7s %7s %7s %7s   (%s match)\n", "type", "gold",
                "pred", "correct", "P", "R", "F1",
                evaluator.mode() == MatchMode::kExact ? "exact span + type" : "type + overlap");
  out += line;
  auto row = [&](const TypeScore& s) {
    std::snprintf(line, sizeof(line), "%-10s %6zu %6zu %7zu %7.3f %7.3f %7.3f\n", s.type.c_str(),
                  s.gold, s.predicted, s.correct, s.precision(), s.recall(), s.f1());
    out += line;
  };
  for (const TypeScore& s : evaluator.PerType()) row(s);
  row(evaluator.Overall());
  return out;
}

}  // namespace newsflow::tag
