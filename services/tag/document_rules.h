#pragma once

// Document-level corrections to the tagger's mentions, for news conventions that no single
// mention can decide on its own. Pure logic: standard library only, no exceptions; mentions need
// byte offsets into `text`.

#include <string_view>
#include <vector>

#include "services/tag/mention.h"

namespace newsflow::tag {

// A person named in full ("Valeska Paris") and later by surname alone ("Paris said") is that
// person, not the place the knowledge base knows by that name. Removes from `kb` every
// non-person mention whose span equals a model PERSON mention in `model` that is the last word
// of a longer model PERSON mention in the same document. Run before MergeMentions.
void PreferModelSurnames(const std::vector<Mention>& model, std::vector<Mention>* kb);

// In a match report a country stands for its team, which news annotation labels ORG
// ("Belgium 3 – 0 Panama", "Sweden defeated South Korea 1 – 0", "Tunisia lost 1 – 2 to
// England"). Finds places on either side of a score (two numbers joined by a dash, possibly
// after "defeated", "beat", "lost ... to", "drew with") and retypes every LOC mention in the
// document with the same text or entity id as ORG. `mentions` are the merged, position-sorted
// mentions; byte offsets index `text`.
void RetypeTeamsInScores(std::string_view text, std::vector<Mention>* mentions);

}  // namespace newsflow::tag
