#pragma once

// The knowledge base: canonical entities (people, organizations, places, products) with their
// English and Chinese aliases and stock tickers, loaded from YAML files under config/kb/.
//
// A KnowledgeBase is immutable once built, so any number of threads may read one concurrently.
// Reloading builds a new object and swaps a shared_ptr (see KbHandle in kb_matcher.h); readers
// holding the old one keep it alive until they are done.
//
// File format (config/kb/*.yaml; documented for data authors in config/kb/README.md):
//
//   version: 1
//   entities:
//     - {id: nvidia, type: org, name: Nvidia, aka: [NVIDIA Corporation], zh: [英伟达, 輝達],
//        tickers: [NASDAQ:NVDA]}
//     - {id: apple, type: org, name: Apple, exact: true, tickers: [NASDAQ:AAPL]}
//
//   id       required; [a-z0-9][a-z0-9_.-]*, unique across all files (the linked entity_id)
//   type     required; person | org | loc | product | misc
//   name     required; canonical name, also an alias
//   aka      optional; more aliases (any script)
//   zh       optional; Chinese aliases (simplified and traditional); the first is the canonical
//            Chinese name
//   exact    optional, default false; true makes the Latin aliases case-sensitive (names that are
//            also common words: "Apple" must not match "apple")
//   tickers  optional; "EXCHANGE:SYMBOL", e.g. "NYSE:BA", "HKEX:0700"
//
// Load errors name the file, the line and the key. Loading is start-up / reload work: it may
// allocate freely and yaml-cpp may throw internally, but no exception leaves this API.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/tag/mention.h"

namespace newsflow::tag {

struct Ticker {
  std::string exchange;  // normalized upper case: "NASDAQ", "NYSE", "HKEX"
  std::string symbol;    // "NVDA", "0700"
};

struct Alias {
  std::string text;
  bool case_sensitive = false;  // from `exact: true`; the matcher adds its own acronym rule
};

struct Entity {
  std::string id;
  EntityType type = EntityType::kMisc;
  std::string name;
  std::string name_zh;         // first `zh` alias, empty when none
  std::vector<Alias> aliases;  // name first, then aka, then zh; no duplicates
  std::vector<Ticker> tickers;
  std::string file;  // where it was defined, for diagnostics
  int line = 0;
};

struct KbError {
  std::string file;
  int line = 0;     // 1-based; 0 when not known (e.g. unreadable file)
  std::string key;  // the YAML key at fault, e.g. "entities[3].tickers[0]"
  std::string message;

  // "config/kb/entities.yaml:12: entities[3].type: unknown type 'company'"
  std::string ToString() const;
};

// One YAML document to load: `name` is only used in error messages.
struct KbSource {
  std::string name;
  std::string yaml;
};

class KnowledgeBase;

struct KbLoadResult {
  std::shared_ptr<const KnowledgeBase> kb;  // null iff errors is non-empty
  std::vector<KbError> errors;              // every problem found, in file order
};

class KnowledgeBase {
 public:
  // Loads every "*.yaml" / "*.yml" file of `dir` in file-name order.
  static KbLoadResult LoadDirectory(const std::string& dir);
  static KbLoadResult LoadFiles(const std::vector<std::string>& paths);
  static KbLoadResult LoadSources(const std::vector<KbSource>& sources);

  // Builds from already-parsed entities (generated data, tests, benchmarks). Validates ids,
  // duplicate ids, aliases and tickers like the YAML loader; aliases are deduplicated.
  static KbLoadResult FromEntities(std::vector<Entity> entities);

  const std::vector<Entity>& entities() const { return entities_; }
  size_t alias_count() const { return alias_count_; }

  // nullptr when unknown.
  const Entity* FindById(std::string_view id) const;
  // Exchange is matched after normalization ("Nasdaq" -> "NASDAQ", "HKG"/"SEHK" -> "HKEX").
  const Entity* FindTicker(std::string_view exchange, std::string_view symbol) const;
  // A symbol listed by exactly one entity (on any exchange); nullptr when unknown or ambiguous.
  const Entity* FindSymbol(std::string_view symbol) const;

  // Canonical exchange code for the spellings news uses; empty when not an exchange we know.
  static std::string NormalizeExchange(std::string_view exchange);

 private:
  KnowledgeBase() = default;

  std::vector<Entity> entities_;
  size_t alias_count_ = 0;
  std::unordered_map<std::string, uint32_t> by_id_;
  std::unordered_map<std::string, uint32_t> by_ticker_;  // "NASDAQ:NVDA"
  std::unordered_map<std::string, int64_t> by_symbol_;   // -1 when ambiguous
};

}  // namespace newsflow::tag
