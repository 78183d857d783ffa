#include "services/tag/ner/annotated_corpus.h"

#include <simdjson.h>

#include <algorithm>
#include <fstream>

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
    const auto type = static_cast<uint32_t>(
        std::find(types.begin(), types.end(), mapped) - types.begin());
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
    hashes[i] = LowercaseHash(text.substr(tokens[i].byte_begin,
                                          tokens[i].byte_end - tokens[i].byte_begin));
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

}  // namespace newsflow::tag::ner
