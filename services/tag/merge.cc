#include "services/tag/merge.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>
#include <utility>

namespace newsflow::tag {
namespace {

bool IsRuleType(EntityType type) {
  return type == EntityType::kMoney || type == EntityType::kPercent || type == EntityType::kDate ||
         type == EntityType::kTicker;
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
  // Work on light references and move each winner out of its input list once.
  struct Ref {
    Mention* m;
    uint8_t priority;  // 0 for structured rule mentions (rule 1), else 1
  };
  std::vector<Ref> refs;
  refs.reserve(kb.size() + rules.size() + model.size());
  for (auto* list : {&kb, &rules, &model}) {
    for (Mention& m : *list) {
      if (m.byte_end > m.byte_start) refs.push_back(Ref{&m, 1});
    }
  }
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
    return std::tie(a.m->byte_start, a.m->byte_end) < std::tie(b.m->byte_start, b.m->byte_end);
  });
  bool overlaps = false;
  for (size_t i = 1; i < refs.size() && !overlaps; ++i) {
    overlaps = refs[i].m->byte_start < refs[i - 1].m->byte_end;
  }
  std::vector<Mention> out;
  out.reserve(refs.size());
  if (!overlaps) {  // the common case: nothing to decide
    for (const Ref& r : refs) out.push_back(std::move(*r.m));
    return out;
  }

  // Rule 2: structured rule mentions inside a strictly larger KB span lose their priority.
  std::vector<std::pair<uint32_t, uint32_t>> kb_spans;
  for (const Mention& m : kb) {
    if (m.byte_end > m.byte_start) kb_spans.emplace_back(m.byte_start, m.byte_end);
  }
  std::sort(kb_spans.begin(), kb_spans.end());
  // Running maximum of KB ends over the sorted starts, to skip the scan when no KB span that
  // starts early enough reaches the rule mention's end.
  std::vector<uint32_t> max_end(kb_spans.size());
  for (size_t i = 0; i < kb_spans.size(); ++i) {
    max_end[i] = std::max(kb_spans[i].second, i > 0 ? max_end[i - 1] : 0u);
  }
  for (Ref& r : refs) {
    const Mention& m = *r.m;
    if (m.source != MentionSource::kRule || !IsRuleType(m.type)) continue;
    r.priority = 0;
    const auto upto = std::upper_bound(kb_spans.begin(), kb_spans.end(),
                                       std::make_pair(m.byte_start, UINT32_MAX));
    const size_t k = static_cast<size_t>(std::distance(kb_spans.begin(), upto));
    if (k == 0 || max_end[k - 1] < m.byte_end) continue;
    for (size_t j = 0; j < k; ++j) {
      if (StrictlyContains(kb_spans[j].first, kb_spans[j].second, m)) {
        r.priority = 1;
        break;
      }
    }
  }

  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
    const Mention& x = *a.m;
    const Mention& y = *b.m;
    const int64_t lx = x.byte_end - x.byte_start;
    const int64_t ly = y.byte_end - y.byte_start;
    return std::make_tuple(a.priority, -lx, SourceRank(x.source), x.byte_start, -x.confidence,
                           x.type, std::cref(x.entity_id), std::cref(x.text)) <
           std::make_tuple(b.priority, -ly, SourceRank(y.source), y.byte_start, -y.confidence,
                           y.type, std::cref(y.entity_id), std::cref(y.text));
  });

  // Chosen spans keyed by start; non-overlapping, so the neighbours decide any overlap.
  std::map<uint32_t, uint32_t> chosen;
  for (const Ref& r : refs) {
    Mention& m = *r.m;
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
