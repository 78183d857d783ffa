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
// trimmed. Other bytes (UTF-8 included) are kept as they are.
inline std::string NormalizeEntitySurface(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

// `type_name` is the lower-case type ("person", "money", ...). For MONEY, PERCENT and TICKER a
// canonical name is a normalized value ("USD 6000000", "17%", "NYSE:XYZ") and is used as it is.
// Everything else is normalized like a surface: a name's canonical name (a surname standing for
// the full name), and a date's ("2025-01-27" stays, but "星期一" → "Monday" must meet the
// "monday" of an English mention the rules gave no canonical name). Without a canonical name the
// normalized surface is the key.
inline std::string UnlinkedEntityId(std::string_view type_name, std::string_view canonical_name,
                                    std::string_view text) {
  std::string id(type_name);
  id += ':';
  const bool value = type_name == "money" || type_name == "percent" || type_name == "ticker";
  if (canonical_name.empty()) {
    id += NormalizeEntitySurface(text);
  } else if (value) {
    id += canonical_name;
  } else {
    id += NormalizeEntitySurface(canonical_name);
  }
  return id;
}

}  // namespace newsflow
