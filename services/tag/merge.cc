#include "services/tag/merge.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>
#include <utility>

namespace newsflow::tag {
namespace {

bool IsRuleType(EntityType type) {
  return type == EntityType::kMoney || type == EntityType::kPercent ||
         type == EntityType::kDate || type == EntityType::kTicker;
}

int SourceRank(MentionSource source) {
  switch (source) {
    case MentionSource::kRule:
      return 0;
    case MentionSource::kKnowledgeBase:
      return 1;
    case MentionSource::kModel:
      return 2;
  }
  return 3;
}

bool StrictlyContains(uint32_t start, uint32_t end, const Mention& inner) {
  return start <= inner.byte_start && inner.byte_end <= end &&
         (end - start) > (inner.byte_end - inner.byte_start);
}

}  // namespace

std::vector<Mention> MergeMentions(std::vector<Mention> kb, std::vector<Mention> rules,
                                   std::vector<Mention> model) {
  std::vector<Mention> all;
  all.reserve(kb.size() + rules.size() + model.size());
  for (auto* list : {&kb, &rules, &model}) {
    for (Mention& m : *list) {
      if (m.byte_end > m.byte_start) all.push_back(std::move(m));
    }
  }
  // Rule 2: structured rule mentions inside a strictly larger KB span lose their priority.
  // Sorting KB spans by start lets each rule mention check only the spans that begin before it.
  std::vector<std::pair<uint32_t, uint32_t>> kb_spans;
  for (const Mention& m : all) {
    if (m.source == MentionSource::kKnowledgeBase) kb_spans.emplace_back(m.byte_start, m.byte_end);
  }
  std::sort(kb_spans.begin(), kb_spans.end());
  // Running maximum of KB ends over the sorted starts: the widest KB span starting at or before
  // a position.
  std::vector<uint32_t> max_end(kb_spans.size());
  for (size_t i = 0; i < kb_spans.size(); ++i) {
    max_end[i] = std::max(kb_spans[i].second, i > 0 ? max_end[i - 1] : 0u);
  }
  std::vector<uint8_t> priority(all.size(), 1);
  for (size_t i = 0; i < all.size(); ++i) {
    const Mention& m = all[i];
    if (m.source != MentionSource::kRule || !IsRuleType(m.type)) continue;
    priority[i] = 0;
    // Count KB spans starting at or before m that end at or after m's end and are longer.
    const auto upto = std::upper_bound(kb_spans.begin(), kb_spans.end(),
                                       std::make_pair(m.byte_start, UINT32_MAX));
    const size_t k = static_cast<size_t>(std::distance(kb_spans.begin(), upto));
    if (k == 0 || max_end[k - 1] < m.byte_end) continue;
    for (size_t j = 0; j < k; ++j) {
      if (StrictlyContains(kb_spans[j].first, kb_spans[j].second, m)) {
        priority[i] = 1;
        break;
      }
    }
  }

  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Mention& x = all[a];
    const Mention& y = all[b];
    const uint32_t lx = x.byte_end - x.byte_start;
    const uint32_t ly = y.byte_end - y.byte_start;
    return std::make_tuple(priority[a], -static_cast<int64_t>(lx), SourceRank(x.source),
                           x.byte_start, -x.confidence, x.type, std::cref(x.entity_id),
                           std::cref(x.text)) <
           std::make_tuple(priority[b], -static_cast<int64_t>(ly), SourceRank(y.source),
                           y.byte_start, -y.confidence, y.type, std::cref(y.entity_id),
                           std::cref(y.text));
  });

  // Chosen spans keyed by start; non-overlapping, so the neighbours decide any overlap.
  std::map<uint32_t, uint32_t> chosen;
  std::vector<Mention> out;
  for (size_t idx : order) {
    Mention& m = all[idx];
    auto next = chosen.lower_bound(m.byte_start);
    if (next != chosen.end() && next->first < m.byte_end) continue;
    if (next != chosen.begin() && std::prev(next)->second > m.byte_start) continue;
    chosen.emplace(m.byte_start, m.byte_end);
    out.push_back(std::move(m));
  }
  SortMentions(&out);
  return out;
}

}  // namespace newsflow::tag
