#include "services/tag/document_rules.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/core/text/ascii.h"

namespace newsflow::tag {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\xa0'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

size_t SkipSpaces(std::string_view s, size_t pos) {
  while (pos < s.size() && IsSpace(s[pos])) ++pos;
  // U+00A0 in UTF-8 is C2 A0: skip it as a whole.
  if (pos + 1 < s.size() && s[pos] == '\xc2' && s[pos + 1] == '\xa0') return SkipSpaces(s, pos + 2);
  return pos;
}

// Length of the dash at `pos` ("-", ":", en dash, em dash), 0 if none.
size_t DashAt(std::string_view s, size_t pos) {
  if (pos < s.size() && (s[pos] == '-' || s[pos] == ':')) return 1;
  if (s.substr(pos, 3) == "\u2013" || s.substr(pos, 3) == "\u2014") return 3;
  return 0;
}

size_t NumberAt(std::string_view s, size_t pos) {
  size_t end = pos;
  while (end < s.size() && end - pos < 3 && IsDigit(s[end])) ++end;
  return end > pos && end - pos <= 2 && (end == s.size() || !IsDigit(s[end])) ? end - pos : 0;
}

// End of a score ("3 – 0", "1-2") starting at `pos` after optional spaces; npos when none.
size_t ScoreEnd(std::string_view s, size_t pos) {
  pos = SkipSpaces(s, pos);
  size_t n = NumberAt(s, pos);
  if (n == 0) return std::string_view::npos;
  pos = SkipSpaces(s, pos + n);
  const size_t d = DashAt(s, pos);
  if (d == 0) return std::string_view::npos;
  pos = SkipSpaces(s, pos + d);
  n = NumberAt(s, pos);
  if (n == 0) return std::string_view::npos;
  return pos + n;
}

bool ContainsScore(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const bool number_start = IsDigit(s[i]) && (i == 0 || !IsDigit(s[i - 1]));
    if (number_start && ScoreEnd(s, i) != std::string_view::npos) return true;
  }
  return false;
}

// The words between two sides of a match result.
constexpr std::array<std::string_view, 8> kResultVerbs = {"defeated", "defeats", "beat", "beats",
                                                          "lost",     "loses",   "drew", "tied"};

bool StartsWithResultVerb(std::string_view gap) {
  const size_t begin = SkipSpaces(gap, 0);
  if (begin == 0) return false;  // the verb is a separate word
  for (std::string_view verb : kResultVerbs) {
    if (gap.substr(begin, verb.size()) == verb &&
        (begin + verb.size() == gap.size() || IsSpace(gap[begin + verb.size()]))) {
      return true;
    }
  }
  return false;
}

// Whether `a` and `b` (a before b) are the two sides of a result.
bool AreOpponents(std::string_view text, const Mention& a, const Mention& b) {
  constexpr uint32_t kMaxGap = 40;
  if (b.byte_start < a.byte_end || b.byte_start - a.byte_end > kMaxGap) return false;
  const std::string_view gap = text.substr(a.byte_end, b.byte_start - a.byte_end);
  if (gap.find_first_of(".,;\n") != std::string_view::npos) return false;
  if (ScoreEnd(gap, 0) != std::string_view::npos &&
      SkipSpaces(gap, ScoreEnd(gap, 0)) == gap.size()) {
    return true;  // "Belgium 3 – 0 Panama"
  }
  if (!StartsWithResultVerb(gap)) return false;
  // "Sweden defeated South Korea 1 – 0", "Tunisia lost 1 – 2 to England".
  return ContainsScore(gap) || ScoreEnd(text, b.byte_end) != std::string_view::npos;
}

bool IsSide(const Mention& m) { return m.type == EntityType::kLoc || m.type == EntityType::kOrg; }

// "Adam Schiff", "Ludwig van Beethoven", "Paweł Adamowicz": 2 to 4 words, each starting with
// anything but an ASCII lower-case letter unless it is a name particle. Returns the last word, or
// empty when `text` is not such a name.
std::string_view FullNameSurname(std::string_view text) {
  static constexpr std::array<std::string_view, 14> kParticles = {
      "al", "bin", "bint", "da", "de", "del", "der", "di", "du", "la", "le", "van", "von", "y"};
  size_t words = 0;
  std::string_view last;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i == text.size()) break;
    size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view word = text.substr(i, j - i);
    if (word[0] >= 'a' && word[0] <= 'z' &&
        std::find(kParticles.begin(), kParticles.end(), word) == kParticles.end()) {
      return {};
    }
    ++words;
    last = word;
    i = j;
  }
  if (words < 2 || words > 4 || last.size() < 2) return {};
  if (last[0] >= 'a' && last[0] <= 'z') return {};  // a particle cannot end a name
  return last;
}

// One full name's identity, and where it first occurs in the body.
struct FullName {
  std::string_view surname;
  const Mention* first;  // its earliest mention; its identity is what surnames take
  bool ambiguous = false;
};

bool SameIdentity(const Mention& a, const Mention& b) {
  if (!a.entity_id.empty() || !b.entity_id.empty()) return a.entity_id == b.entity_id;
  return text::EqualsIgnoringAsciiCase(a.text, b.text);
}

// The full name `surname` belongs to, if exactly one; null otherwise.
const FullName* FindFullName(const std::vector<FullName>& names, std::string_view surname) {
  for (const FullName& n : names) {
    if (text::EqualsIgnoringAsciiCase(n.surname, surname)) return n.ambiguous ? nullptr : &n;
  }
  return nullptr;
}

void TakeIdentity(const Mention& full, Mention* surname) {
  if (!full.entity_id.empty()) {
    surname->entity_id = full.entity_id;
    surname->canonical_name = full.canonical_name;
  } else {
    surname->canonical_name = full.text;
  }
}

}  // namespace

void LinkSurnamesToFullNames(std::vector<Mention>* body, std::vector<Mention>* title) {
  // Every full name's surname that the body also uses alone first: a "full name" that starts with
  // one ("Warhol Polaroids" after "Andy Warhol" and "Warhol's") is that person's thing, and its
  // last word names nobody. A surname never used alone may be a given name too ("Thomas Knapp"
  // beside "Clarence Thomas"), as in the model's surname pass.
  std::vector<std::string_view> surnames;
  for (const Mention& m : *body) {
    if (m.type != EntityType::kPerson) continue;
    if (std::string_view surname = FullNameSurname(m.text); !surname.empty()) {
      surnames.push_back(surname);
    }
  }
  if (surnames.empty()) return;
  std::erase_if(surnames, [&](std::string_view surname) {
    return std::none_of(body->begin(), body->end(), [&](const Mention& m) {
      return m.type == EntityType::kPerson && text::EqualsIgnoringAsciiCase(m.text, surname);
    });
  });
  auto starts_with_a_surname = [&](std::string_view full, std::string_view own_surname) {
    const std::string_view first = full.substr(0, full.find(' '));
    if (text::EqualsIgnoringAsciiCase(first, own_surname)) return false;
    return std::any_of(surnames.begin(), surnames.end(),
                       [&](std::string_view s) { return text::EqualsIgnoringAsciiCase(s, first); });
  };
  std::vector<FullName> names;
  for (const Mention& m : *body) {
    if (m.type != EntityType::kPerson) continue;
    std::string_view surname = FullNameSurname(m.text);
    if (surname.empty() || starts_with_a_surname(m.text, surname)) continue;
    auto it = std::find_if(names.begin(), names.end(), [&](const FullName& n) {
      return text::EqualsIgnoringAsciiCase(n.surname, surname);
    });
    if (it == names.end()) {
      names.push_back({surname, &m});
    } else if (!SameIdentity(*it->first, m)) {
      it->ambiguous = true;
    } else if (m.byte_start < it->first->byte_start) {
      it->first = &m;
    }
  }
  if (names.empty()) return;
  auto is_candidate = [](const Mention& m) {
    return m.type == EntityType::kPerson && m.entity_id.empty() &&
           m.text.find(' ') == std::string::npos;
  };
  // `names` points into `body`, which is written below: safe, because a candidate (one word)
  // is never a full name (two or more), and only candidates are written.
  for (Mention& m : *body) {
    if (!is_candidate(m)) continue;
    const FullName* name = FindFullName(names, m.text);
    if (name != nullptr && name->first->byte_start < m.byte_start) TakeIdentity(*name->first, &m);
  }
  for (Mention& m : *title) {
    if (!is_candidate(m)) continue;
    if (const FullName* name = FindFullName(names, m.text)) TakeIdentity(*name->first, &m);
  }
}

void PreferModelSurnames(const std::vector<Mention>& model, std::vector<Mention>* kb) {
  std::vector<std::string_view> surnames;
  for (const Mention& m : model) {
    if (m.type != EntityType::kPerson) continue;
    const size_t space = m.text.rfind(' ');
    if (space != std::string::npos && space + 1 < m.text.size()) {
      surnames.push_back(std::string_view(m.text).substr(space + 1));
    }
  }
  if (surnames.empty()) return;
  std::sort(surnames.begin(), surnames.end());
  std::erase_if(*kb, [&](const Mention& k) {
    if (k.type == EntityType::kPerson) return false;
    return std::any_of(model.begin(), model.end(), [&](const Mention& m) {
      return m.type == EntityType::kPerson && m.byte_start == k.byte_start &&
             m.byte_end == k.byte_end &&
             std::binary_search(surnames.begin(), surnames.end(), std::string_view(m.text));
    });
  });
}

namespace {

// Start of the words that end at byte `end` of `text` and whose initials spell `letters`
// (ASCII case ignored), one space between words; npos when there are no such words.
size_t SpelledWordsStart(std::string_view text, size_t end, std::string_view letters) {
  size_t begin = end;
  for (size_t k = letters.size(); k-- > 0;) {
    size_t word_begin = begin;
    while (word_begin > 0 && text[word_begin - 1] != ' ' && text[word_begin - 1] != '\n') {
      --word_begin;
    }
    if (word_begin == begin || text::AsciiLower(text[word_begin]) != text::AsciiLower(letters[k])) {
      return std::string_view::npos;
    }
    begin = word_begin;
    if (k > 0) {
      if (begin == 0 || text[begin - 1] != ' ') return std::string_view::npos;
      --begin;
    }
  }
  return begin;
}

// "GM" in "Grand Master (GM)": the words just before "(acronym)" whose initials spell it, or
// empty when there are none.
std::string_view DefiningWords(std::string_view text, const Mention& m) {
  const std::string_view acronym = m.text;
  if (acronym.size() < 2 || acronym.size() > 5 ||
      !std::all_of(acronym.begin(), acronym.end(), text::IsAsciiUpper)) {
    return {};
  }
  if (m.byte_start < 2 || m.byte_end >= text.size() || text[m.byte_start - 1] != '(' ||
      text[m.byte_end] != ')' || text[m.byte_start - 2] != ' ') {
    return {};
  }
  const size_t end = m.byte_start - 2;  // the space before '('
  const size_t begin = SpelledWordsStart(text, end, acronym);
  return begin == std::string_view::npos ? std::string_view() : text.substr(begin, end - begin);
}

// The plural acronym in parentheses right after byte `end` ("GPUs" in " (GPUs)"), or empty.
std::string_view FollowingAcronymPlural(std::string_view text, size_t end) {
  if (end + 2 >= text.size() || text[end] != ' ' || text[end + 1] != '(') return {};
  const size_t close = text.find(')', end + 2);
  if (close == std::string_view::npos || close - (end + 2) > 8) return {};
  const std::string_view acronym = text.substr(end + 2, close - (end + 2));
  if (acronym.size() < 3 || acronym.back() != 's') return {};
  for (size_t i = 0; i + 1 < acronym.size(); ++i) {
    if (!text::IsAsciiUpper(acronym[i])) return {};
  }
  return acronym;
}

}  // namespace

void DropRedefinedAcronyms(std::string_view text, std::vector<Mention>* kb,
                           std::vector<Mention>* rules) {
  std::vector<std::string_view> redefined;
  for (const Mention& m : *kb) {
    const std::string_view words = DefiningWords(text, m);
    if (!words.empty() && !text::EqualsIgnoringAsciiCase(words, m.canonical_name)) {
      redefined.push_back(m.text);
    }
  }
  if (redefined.empty()) return;
  std::sort(redefined.begin(), redefined.end());
  std::vector<std::string> names(redefined.begin(), redefined.end());  // `kb` is edited below
  std::erase_if(*kb, [&](const Mention& m) {
    return std::binary_search(names.begin(), names.end(), m.text);
  });
  std::erase_if(*rules, [&](const Mention& m) {
    return m.type == EntityType::kTicker && std::binary_search(names.begin(), names.end(), m.text);
  });
}

void DropAcronymPluralExpansions(std::string_view text, std::vector<Mention>* model) {
  std::erase_if(*model, [&](const Mention& m) {
    if (m.byte_end > text.size()) return false;
    const std::string_view acronym = FollowingAcronymPlural(text, m.byte_end);
    if (acronym.empty()) return false;
    return SpelledWordsStart(text, m.byte_end, acronym.substr(0, acronym.size() - 1)) ==
           m.byte_start;
  });
}

void JoinPlacesToPrecedingNames(std::string_view text, std::vector<Mention>* model,
                                std::vector<Mention>* kb) {
  if (model->empty() || kb->empty()) return;
  std::vector<Mention*> by_end;  // model names by end, for the lookup below
  for (Mention& m : *model) {
    if (m.type == EntityType::kPerson || m.type == EntityType::kOrg ||
        m.type == EntityType::kMisc) {
      by_end.push_back(&m);
    }
  }
  if (by_end.empty()) return;
  std::sort(by_end.begin(), by_end.end(),
            [](const Mention* a, const Mention* b) { return a->byte_end < b->byte_end; });
  std::erase_if(*kb, [&](const Mention& place) {
    if (place.type != EntityType::kLoc || place.byte_start < 2 || place.byte_end > text.size() ||
        text[place.byte_start - 1] != ' ') {
      return false;
    }
    const uint32_t name_end = place.byte_start - 1;
    const auto it =
        std::lower_bound(by_end.begin(), by_end.end(), name_end,
                         [](const Mention* m, uint32_t end) { return m->byte_end < end; });
    if (it == by_end.end() || (*it)->byte_end != name_end) return false;
    Mention& name = **it;
    name.byte_end = place.byte_end;
    name.end = place.end;
    name.text.assign(text.data() + name.byte_start, name.byte_end - name.byte_start);
    return true;
  });
}

void RetypeTeamsInScores(std::string_view text, std::vector<Mention>* mentions) {
  std::vector<std::string_view> team_texts;
  std::vector<std::string_view> team_ids;
  const std::vector<Mention>& ms = *mentions;
  for (size_t i = 0; i + 1 < ms.size(); ++i) {
    if (!IsSide(ms[i]) || !IsSide(ms[i + 1])) continue;
    if (ms[i].byte_end > text.size() || ms[i + 1].byte_start > text.size()) continue;
    if (!AreOpponents(text, ms[i], ms[i + 1])) continue;
    for (const Mention* side : {&ms[i], &ms[i + 1]}) {
      if (side->type != EntityType::kLoc) continue;  // already an organization
      team_texts.push_back(side->text);
      if (!side->entity_id.empty()) team_ids.push_back(side->entity_id);
    }
  }
  if (team_texts.empty()) return;
  std::sort(team_texts.begin(), team_texts.end());
  std::sort(team_ids.begin(), team_ids.end());
  for (Mention& m : *mentions) {
    if (m.type != EntityType::kLoc) continue;
    if (std::binary_search(team_texts.begin(), team_texts.end(), std::string_view(m.text)) ||
        (!m.entity_id.empty() &&
         std::binary_search(team_ids.begin(), team_ids.end(), std::string_view(m.entity_id)))) {
      m.type = EntityType::kOrg;
    }
  }
}

}  // namespace newsflow::tag
