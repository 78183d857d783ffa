#pragma once

// Combines the mentions of the three taggers (knowledge base, rules, statistical model) into one
// non-overlapping, position-sorted list. Deterministic: the result depends only on the set of
// input mentions, never on their order.
//
// Policy, applied to mentions that overlap (share at least one byte):
//  1. Structured types from rules win: a rule mention of MONEY, PERCENT, DATE or TICKER beats any
//     overlapping KB or model mention ("US$1.2bn" beats the KB's "US"), except that
//  2. a KB mention that strictly contains a rule mention beats it (the KB product
//     "Windows 2000" keeps its year, "Boeing 737 MAX" is not cut up).
//  3. Otherwise the longer span (in bytes) wins: a KB span equal to or larger than a model span
//     beats it, a model span that strictly contains a KB span beats it ("Scale AI CEO Alexandr
//     Wang" as one model PERSON would beat KB "Scale AI"; such spans are rare for a tuned model).
//  4. Ties (same length): source priority rule > knowledge base > model, then the earlier start,
//     then higher confidence, then the lower EntityType value, then entity_id and text.
// Winners are chosen greedily in that priority order; a mention is dropped if it overlaps any
// mention already chosen. Mentions with empty or inverted spans are dropped.
//
// Inputs need byte offsets (byte_start/byte_end); start/end (code points) are carried through.

#include <vector>

#include "services/tag/mention.h"

namespace newsflow::tag {

std::vector<Mention> MergeMentions(std::vector<Mention> kb, std::vector<Mention> rules,
                                   std::vector<Mention> model);

}  // namespace newsflow::tag
