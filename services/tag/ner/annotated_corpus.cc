#include "services/tag/ner/annotated_corpus.h"

#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <string_view>

#include "services/tag/ner/sequence_model.h"

namespace newsflow::tag::ner {

bool ReadAnnotatedJsonl(const std::string& path, std::vector<AnnotatedDocument>* documents,
                        std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  simdjson::ondemand::parser parser;
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto fail = [&](const char* what) {
      *error = path + ":" + std::to_string(line_number) + ": " + what;
      return false;
    };
    simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return fail("not JSON");
    AnnotatedDocument out;
    std::string_view id;
    std::string_view text;
    if (doc["id"].get_string().get(id) != simdjson::SUCCESS) id = "";
    out.id = std::string(id);
    if (doc["text"].get_string().get(text) != simdjson::SUCCESS) return fail("no \"text\"");
    out.text = std::string(text);
    simdjson::ondemand::array entities;
    if (doc["entities"].get_array().get(entities) == simdjson::SUCCESS) {
      for (auto value : entities) {
        simdjson::ondemand::object e;
        if (value.get_object().get(e) != simdjson::SUCCESS) return fail("entity is not an object");
        int64_t start = 0;
        int64_t end = 0;
        std::string_view type;
        if (e["start"].get_int64().get(start) != simdjson::SUCCESS ||
            e["end"].get_int64().get(end) != simdjson::SUCCESS ||
            e["type"].get_string().get(type) != simdjson::SUCCESS || start < 0 || end < start ||
            end > UINT32_MAX) {
          return fail("entity needs start <= end and a type");
        }
        out.entities.push_back(GoldEntity{std::string(type), static_cast<uint32_t>(start),
                                          static_cast<uint32_t>(end)});
      }
    }
    documents->push_back(std::move(out));
  }
  return true;
}

bool DataSpec::Keeps(size_t position) const {
  if (folds == 0) return true;
  return (position % folds == fold) != complement;
}

DataSpec ParseDataSpec(const std::string& spec) {
  DataSpec out;
  out.path = spec;
  const size_t hash = spec.rfind('#');
  if (hash == std::string::npos) return out;
  std::string_view selector = std::string_view(spec).substr(hash + 1);
  DataSpec parsed;
  parsed.path = spec.substr(0, hash);
  if (selector == "even" || selector == "odd") {
    parsed.folds = 2;
    parsed.fold = selector == "odd" ? 1 : 0;
    return parsed;
  }
  if (!selector.empty() && selector.front() == '-') {
    parsed.complement = true;
    selector.remove_prefix(1);
  }
  // Two decimal numbers "k/n" with k < n; anything else leaves the '#' in the path.
  const size_t slash = selector.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == selector.size()) return out;
  uint64_t k = 0;
  uint64_t n = 0;
  for (size_t i = 0; i < selector.size(); ++i) {
    if (i == slash) continue;
    const char c = selector[i];
    if (c < '0' || c > '9') return out;
    uint64_t& v = i < slash ? k : n;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > 1000000) return out;
  }
  if (n == 0 || k >= n) return out;
  parsed.folds = static_cast<uint32_t>(n);
  parsed.fold = static_cast<uint32_t>(k);
  return parsed;
}

bool ReadAnnotatedSpec(const std::string& spec, std::vector<AnnotatedDocument>* documents,
                       std::string* error) {
  const DataSpec parsed = ParseDataSpec(spec);
  std::vector<AnnotatedDocument> all;
  if (!ReadAnnotatedJsonl(parsed.path, &all, error)) return false;
  for (size_t i = 0; i < all.size(); ++i) {
    if (parsed.Keeps(i)) documents->push_back(std::move(all[i]));
  }
  return true;
}

std::map<std::string, std::string> DefaultTypeAliases() {
  return {{"EVENT", "MISC"}, {"NORP", "MISC"}};
}

std::string MapType(const std::string& type, const std::vector<std::string>& types,
                    const std::map<std::string, std::string>& aliases) {
  if (std::find(types.begin(), types.end(), type) != types.end()) return type;
  auto it = aliases.find(type);
  if (it != aliases.end() && std::find(types.begin(), types.end(), it->second) != types.end()) {
    return it->second;
  }
  return {};
}

size_t EntitiesToLabels(std::span<const Token> tokens, std::span<const GoldEntity> entities,
                        const std::vector<std::string>& types,
                        const std::map<std::string, std::string>& aliases,
                        std::vector<uint16_t>* labels) {
  labels->assign(tokens.size(), kOutside);
  size_t misaligned = 0;
  for (const GoldEntity& e : entities) {
    const std::string mapped = MapType(e.type, types, aliases);
    if (mapped.empty()) continue;
    const auto type =
        static_cast<uint32_t>(std::find(types.begin(), types.end(), mapped) - types.begin());
    // First token ending after the start.
    auto it = std::partition_point(tokens.begin(), tokens.end(),
                                   [&](const Token& t) { return t.cp_end <= e.start; });
    bool first = true;
    bool aligned = it != tokens.end() && it->cp_begin == e.start;
    for (; it != tokens.end() && it->cp_begin < e.end; ++it) {
      const size_t i = static_cast<size_t>(it - tokens.begin());
      (*labels)[i] = first ? BeginLabel(type) : InsideLabel(type);
      first = false;
      if (it->cp_end > e.end) aligned = false;
      if (it->cp_end == e.end) break;
    }
    if (!aligned || first) ++misaligned;
  }
  return misaligned;
}

namespace {

void AddTokens(std::string_view text, std::span<const Token> tokens, uint32_t type,
               NameList* names) {
  if (!tokens.empty()) {
    const Token& first = tokens.front();
    const std::string_view w = text.substr(first.byte_begin, first.byte_end - first.byte_begin);
    if (tokens.size() > 1 && (w == "the" || w == "The")) tokens = tokens.subspan(1);
  }
  if (tokens.empty() || tokens.size() > NameList::kMaxNameTokens) return;
  uint64_t hashes[NameList::kMaxNameTokens];
  for (size_t i = 0; i < tokens.size(); ++i) {
    hashes[i] =
        LowercaseHash(text.substr(tokens[i].byte_begin, tokens[i].byte_end - tokens[i].byte_begin));
  }
  names->Insert(std::span<const uint64_t>(hashes, tokens.size()), type);
}

}  // namespace

void AddLabelledNames(std::string_view text, std::span<const Token> tokens,
                      std::span<const uint16_t> labels, uint32_t skip_types, NameList* names) {
  std::vector<EntitySpan> spans;
  LabelsToSpans(tokens, labels, &spans);
  for (const EntitySpan& s : spans) {
    if (s.type < 32 && (skip_types >> s.type) & 1) continue;
    AddTokens(text, tokens.subspan(s.token_begin, s.token_end - s.token_begin), s.type, names);
  }
}

void AddName(std::string_view name, uint32_t type, NameList* names) {
  std::vector<Token> tokens;
  Tokenize(name, &tokens);
  AddTokens(name, tokens, type, names);
}

bool AddNameListFile(const std::string& path, const std::vector<std::string>& types,
                     NameList* names, std::string* error, size_t* added) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  std::string line;
  size_t line_number = 0;
  std::vector<Token> tokens;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      *error = path + ":" + std::to_string(line_number) + ": expected TYPE<TAB>name";
      return false;
    }
    std::string_view type(line.data(), tab);
    const std::string_view text = std::string_view(line).substr(tab + 1);
    constexpr std::string_view kPart = ":part";
    const bool part = type.ends_with(kPart);
    if (part) type.remove_suffix(kPart.size());
    const auto it = std::find(types.begin(), types.end(), type);
    if (it == types.end()) continue;
    const auto t = static_cast<uint32_t>(it - types.begin());
    if (part) {
      Tokenize(text, &tokens);
      if (tokens.size() != 1) continue;
      const Token& w = tokens[0];
      names->InsertPart(LowercaseHash(text.substr(w.byte_begin, w.byte_end - w.byte_begin)), t);
    } else {
      AddName(text, t, names);
    }
    if (added != nullptr) ++*added;
  }
  return true;
}

}  // namespace newsflow::tag::ner
