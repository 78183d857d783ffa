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

// An article that spells out an acronym in its own words ("Israeli Grand Master (GM) Alexander
// Huzman") means that by it throughout, not the knowledge base's entity of the same alias ("GM",
// General Motors): removes from `kb` every mention of an all-capital alias (2 to 5 letters) that
// the text somewhere writes as "(ALIAS)" right after words whose initials spell it, unless those
// words are the entity's canonical name ("General Motors (GM)"), and the TICKER mentions in
// `rules` with that text (the ticker rule links "(GM)" to NYSE:GM). Run before MergeMentions.
void DropRedefinedAcronyms(std::string_view text, std::vector<Mention>* kb,
                           std::vector<Mention>* rules);

// A plural acronym names a kind of thing, so the words it abbreviates are no name: removes each
// `model` mention that is exactly the words spelled out right before "(ACRONYMs)" ("Graphics
// Processing Units (GPUs)", "Large Language Models (LLMs)"). Singular acronyms are often real
// names ("Securities and Exchange Commission (SEC)") and are left alone. Run before
// MergeMentions.
void DropAcronymPluralExpansions(std::string_view text, std::vector<Mention>* model);

// A knowledge-base place right after a name the model found (one space between) ends that
// name: "Socialist Party USA", "Change UK", "Mister America", "Valeska Paris" when the model
// stops at "Valeska". The model mention (PERSON, ORG or MISC) takes the place's span and keeps
// its type; the KB mention is removed from `kb`. A place before a name stays apart ("Ambassador
// to Germany Richard Grenell"). `text` is what both lists index. Run before MergeMentions.
void JoinPlacesToPrecedingNames(std::string_view text, std::vector<Mention>* model,
                                std::vector<Mention>* kb);

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
// "bin"), and does not start with another full name's surname that the body uses alone
// ("Warhol Polaroids" after "Andy Warhol" and "Warhol" is Warhol's, not a person "Polaroids" is
// short for; "Thomas Knapp" beside "Clarence Thomas" is a full name). Mentions keep their spans,
// types and sources.
void LinkSurnamesToFullNames(std::vector<Mention>* body, std::vector<Mention>* title);

}  // namespace newsflow::tag
