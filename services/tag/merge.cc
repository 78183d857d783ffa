#include "services/tag/merge.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
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

// The common case, checked in one linear pass: every span non-empty and all three lists, each in
// text order, together free of overlaps. Then the merge policy has nothing to decide and the result
// is the union in text order (starts are distinct, so that order is unique). Returns false, with
// the inputs untouched, otherwise.
bool MergeDisjointSorted(std::vector<Mention>* lists[3], std::vector<Mention>* out) {
  size_t next[3] = {0, 0, 0};
  size_t total = 0;
  int non_empty = 0;
  int only = 0;
  for (int l = 0; l < 3; ++l) {
    total += lists[l]->size();
    if (!lists[l]->empty()) ++non_empty, only = l;
  }
  // The list whose next mention starts first (ties: the earlier list).
  auto pick_next = [&] {
    int pick = -1;
    for (int l = 0; l < 3; ++l) {
      if (next[l] == lists[l]->size()) continue;
      if (pick < 0 || (*lists[l])[next[l]].byte_start < (*lists[pick])[next[pick]].byte_start) {
        pick = l;
      }
    }
    return pick;
  };
  // Pass 1: walk the merged order without moving anything.
  uint32_t covered_until = 0;
  for (size_t n = 0; n < total; ++n) {
    const int pick = pick_next();
    const Mention& m = (*lists[pick])[next[pick]++];
    if (m.byte_end <= m.byte_start || (n > 0 && m.byte_start < covered_until)) return false;
    covered_until = m.byte_end;
  }
  // Pass 2: one list alone is already the answer; otherwise move each mention once.
  if (non_empty <= 1) {
    *out = std::move(*lists[only]);
    return true;
  }
  out->reserve(total);
  next[0] = next[1] = next[2] = 0;
  for (size_t n = 0; n < total; ++n) {
    const int pick = pick_next();
    out->push_back(std::move((*lists[pick])[next[pick]++]));
  }
  return true;
}

// A bit per byte of the text: which bytes the merge's winners cover.
class CoveredBytes {
 public:
  explicit CoveredBytes(uint32_t size) : words_(size / 64 + 1, 0) {}

  // Whether any byte of [start, end) is covered.
  bool AnyIn(uint32_t start, uint32_t end) {
    bool any = false;
    ForEachWord(start, end, [&](uint64_t& word, uint64_t mask) { any |= (word & mask) != 0; });
    return any;
  }

  void Mark(uint32_t start, uint32_t end) {
    ForEachWord(start, end, [](uint64_t& word, uint64_t mask) { word |= mask; });
  }

 private:
  // Calls fn(word, mask) for each word holding bits of [start, end), mask selecting those bits.
  template <typename Fn>
  void ForEachWord(uint32_t start, uint32_t end, Fn fn) {
    for (uint32_t w = start / 64; start < end; ++w) {
      const uint32_t from = start % 64;
      const uint32_t to = std::min<uint32_t>(64, from + (end - start));
      const uint64_t high = to == 64 ? ~uint64_t{0} : (uint64_t{1} << to) - 1;
      fn(words_[w], high & ~((uint64_t{1} << from) - 1));
      start += to - from;
    }
  }

  std::vector<uint64_t> words_;
};

}  // namespace

std::vector<Mention> MergeMentions(std::vector<Mention> kb, std::vector<Mention> rules,
                                   std::vector<Mention> model) {
  {
    std::vector<Mention>* lists[3] = {&kb, &rules, &model};
    std::vector<Mention> out;
    if (MergeDisjointSorted(lists, &out)) return out;
  }
  // Work on light references and move each winner out of its input list once. The references
  // carry copies of the sort keys so the sorts compare without chasing pointers.
  struct Ref {
    Mention* m;
    uint32_t start;
    uint32_t end;
    float confidence;
    EntityType type;
    uint8_t rank;      // SourceRank
    uint8_t priority;  // 0 for structured rule mentions (rule 1), else 1
  };
  std::vector<Ref> refs;
  refs.reserve(kb.size() + rules.size() + model.size());
  for (auto* list : {&kb, &rules, &model}) {
    for (Mention& m : *list) {
      if (m.byte_end > m.byte_start) {
        refs.push_back(Ref{&m, m.byte_start, m.byte_end, m.confidence, m.type,
                           static_cast<uint8_t>(SourceRank(m.source)), 1});
      }
    }
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

  // Lexicographic (priority, longer span, source rank, start, higher confidence, type,
  // entity_id, text); the strings are compared only on a full tie of the rest.
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
    if (a.priority != b.priority) return a.priority < b.priority;
    const uint32_t la = a.end - a.start;
    const uint32_t lb = b.end - b.start;
    if (la != lb) return la > lb;
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.start != b.start) return a.start < b.start;
    if (-a.confidence < -b.confidence) return true;
    if (-b.confidence < -a.confidence) return false;
    if (a.type != b.type) return a.type < b.type;
    if (const int c = a.m->entity_id.compare(b.m->entity_id); c != 0) return c < 0;
    return a.m->text < b.m->text;
  });

  // Bytes covered by the mentions chosen so far, a bit each: one allocation for the whole article
  // instead of a tree node per winner, and the checks cost the (short) span lengths in words.
  uint32_t text_end = 0;
  for (const Ref& r : refs) text_end = std::max(text_end, r.end);
  CoveredBytes covered(text_end);
  std::vector<Mention*> winners;
  winners.reserve(refs.size());
  for (const Ref& r : refs) {
    if (covered.AnyIn(r.start, r.end)) continue;
    covered.Mark(r.start, r.end);
    winners.push_back(r.m);
  }
  std::vector<Mention> out;
  out.reserve(winners.size());
  // Winners are non-empty and disjoint, so their starts are distinct and sorting the pointers by
  // start gives SortMentions' order without moving whole mentions around twice.
  std::sort(winners.begin(), winners.end(),
            [](const Mention* a, const Mention* b) { return a->byte_start < b->byte_start; });
  for (Mention* m : winners) out.push_back(std::move(*m));
  return out;
}

}  // namespace newsflow::tag
