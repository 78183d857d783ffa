#pragma once

// The id an entity goes by when the knowledge base did not link it: "<type>:<key>", e.g.
// "person:alexandr wang", "money:USD 6000000". The tagger's entity summary (services/tag/
// summary.h) names unlinked entities by it and the sink (services/sink/enriched_json.h) files
// each mention under its entity by it, so both must compute it the same way: here, once.
// Header-only and dependency-free, because the two libraries share nothing else.

#include <string>
#include <string_view>

namespace newsflow {

// ASCII letters lower-cased, runs of blanks (space, tab, newline) collapsed to one space and
// trimmed. Other bytes (UTF-8 included) are kept as they are. Appends to `out`.
inline void AppendNormalizedEntitySurface(std::string_view text, std::string* out) {
  const size_t start = out->size();
  out->reserve(start + text.size());
  bool space = false;
  // Copies runs of bytes that need no change at once: most surfaces are a few lower-case words.
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool blank = c == ' ' || c == '\t' || c == '\n';
    const bool upper = c >= 'A' && c <= 'Z';
    if (!blank && !upper && !space) continue;
    out->append(text.data() + run, i - run);
    run = i + 1;
    if (blank) {
      space = space || out->size() > start;
      continue;
    }
    if (space) out->push_back(' ');
    space = false;
    out->push_back(upper ? static_cast<char>(c - 'A' + 'a') : c);
  }
  out->append(text.data() + run, text.size() - run);
}

inline std::string NormalizeEntitySurface(std::string_view text) {
  std::string out;
  AppendNormalizedEntitySurface(text, &out);
  return out;
}

// `type_name` is the lower-case type ("person", "money", ...). For MONEY, PERCENT and TICKER a
// canonical name is a normalized value ("USD 6000000", "17%", "NYSE:XYZ") and is used as it is.
// Everything else is normalized like a surface: a name's canonical name (a surname standing for
// the full name), and a date's ("2025-01-27" stays, but "星期一" → "Monday" must meet the
// "monday" of an English mention the rules gave no canonical name). Without a canonical name the
// normalized surface is the key.
// Writes the id into `*id` (replacing what it held, keeping its capacity: the sink computes one
// per unlinked mention).
inline void UnlinkedEntityIdInto(std::string_view type_name, std::string_view canonical_name,
                                 std::string_view text, std::string* id) {
  id->assign(type_name);
  id->push_back(':');
  const bool value = type_name == "money" || type_name == "percent" || type_name == "ticker";
  if (canonical_name.empty()) {
    AppendNormalizedEntitySurface(text, id);
  } else if (value) {
    id->append(canonical_name);
  } else {
    AppendNormalizedEntitySurface(canonical_name, id);
  }
}

inline std::string UnlinkedEntityId(std::string_view type_name, std::string_view canonical_name,
                                    std::string_view text) {
  std::string id;
  UnlinkedEntityIdInto(type_name, canonical_name, text, &id);
  return id;
}

}  // namespace newsflow
