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

// News names a person in full once ("Nancy Pelosi") and by surname after that ("Pelosi said"):
// one person, so one entity in the summary. Each single-word PERSON mention of `body` that is
// not linked, comes after a multi-word PERSON mention ending in that word (ASCII case ignored)
// and matches no other such full name (two Trumps stay apart) takes the full name's identity:
// its entity_id and canonical_name when linked, else the full name's surface as canonical_name
// (SummaryEntityId groups unlinked names by it). `title` mentions are linked the same way to the
// body's full names, wherever they are (a headline says "Pelosi" before the body names her). A
// full name has 2 to 4 words, none of them lower case but for name particles ("de", "van",
// "bin"). Mentions keep their spans, types and sources.
void LinkSurnamesToFullNames(std::vector<Mention>* body, std::vector<Mention>* title);

}  // namespace newsflow::tag
