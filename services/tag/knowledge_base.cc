#include "services/tag/knowledge_base.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_set>
#include <utility>

#include "services/core/text/ascii.h"

namespace newsflow::tag {
namespace {

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
  }
  return true;
}

bool ValidSymbol(std::string_view symbol) {
  if (symbol.empty() || symbol.size() > 10) return false;
  for (char c : symbol) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Why an alias cannot be matched reliably, or empty when it is fine.
std::string AliasProblem(std::string_view alias) {
  if (alias.empty()) return "empty alias";
  if (alias.front() == ' ' || alias.back() == ' ') return "alias has leading/trailing space";
  if (alias.size() > 256) return "alias longer than 256 bytes";
  for (unsigned char c : alias) {
    if (c < 0x20 || c == 0x7F) return "alias contains a control character";
  }
  // A one-letter Latin alias would match initials and list markers everywhere.
  if (alias.size() == 1) return "alias shorter than 2 characters";
  return {};
}

class Loader {
 public:
  void LoadNode(const YAML::Node& root, const std::string& file) {
    if (!root.IsMap()) {
      AddError(file, root, "", "top level must be a map with 'version' and 'entities'");
      return;
    }
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key != "version" && key != "entities") {
        AddError(file, kv.first, key, "unknown top-level key");
      }
    }
    if (const YAML::Node version = root["version"]) {
      if (!version.IsScalar() || version.Scalar() != "1") {
        AddError(file, version, "version", "unsupported version (expected 1)");
      }
    }
    const YAML::Node list = root["entities"];
    if (!list) {
      AddError(file, root, "entities", "missing");
      return;
    }
    if (!list.IsSequence()) {
      AddError(file, list, "entities", "must be a list");
      return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      LoadEntity(list[i], file, "entities[" + std::to_string(i) + "]");
    }
  }

  std::vector<Entity> entities;
  std::vector<KbError> errors;

  void AddError(const std::string& file, const YAML::Node& node, std::string key,
                std::string message) {
    const YAML::Mark mark = node.Mark();
    errors.push_back(
        KbError{file, mark.line >= 0 ? mark.line + 1 : 0, std::move(key), std::move(message)});
  }

 private:
  // Reads a scalar or a list of scalars into `out`; reports anything else.
  bool StringList(const YAML::Node& node, const std::string& file, const std::string& key,
                  std::vector<std::string>* out) {
    if (node.IsScalar()) {
      out->push_back(node.Scalar());
      return true;
    }
    if (!node.IsSequence()) {
      AddError(file, node, key, "must be a string or a list of strings");
      return false;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        AddError(file, node[i], key + "[" + std::to_string(i) + "]", "must be a string");
        return false;
      }
      out->push_back(node[i].Scalar());
    }
    return true;
  }

  void LoadEntity(const YAML::Node& node, const std::string& file, const std::string& key) {
    if (!node.IsMap()) {
      AddError(file, node, key, "entity must be a map");
      return;
    }
    const size_t errors_before = errors.size();
    Entity entity;
    entity.file = file;
    entity.line = node.Mark().line + 1;
    std::vector<std::string> aka;
    std::vector<std::string> zh;
    std::vector<std::string> tickers;
    bool exact = false;
    bool has_id = false, has_type = false, has_name = false;
    for (const auto& kv : node) {
      const std::string field = kv.first.as<std::string>();
      const std::string field_key = key + "." + field;
      const YAML::Node& value = kv.second;
      if (field == "id" || field == "type" || field == "name") {
        if (!value.IsScalar() || value.Scalar().empty()) {
          AddError(file, value, field_key, "must be a non-empty string");
          continue;
        }
        if (field == "id") {
          has_id = true;
          entity.id = value.Scalar();
          if (!ValidId(entity.id)) {
            AddError(file, value, field_key,
                     "invalid id '" + entity.id + "' (expected [a-z0-9][a-z0-9_.-]*)");
          }
        } else if (field == "type") {
          has_type = true;
          const std::optional<EntityType> type = ParseEntityType(value.Scalar());
          const bool allowed =
              type && (*type == EntityType::kPerson || *type == EntityType::kOrg ||
                       *type == EntityType::kLoc || *type == EntityType::kProduct ||
                       *type == EntityType::kMisc);
          if (!allowed) {
            AddError(file, value, field_key,
                     "unknown type '" + value.Scalar() + "' (person|org|loc|product|misc)");
          } else {
            entity.type = *type;
          }
        } else {
          has_name = true;
          entity.name = value.Scalar();
        }
      } else if (field == "aka") {
        StringList(value, file, field_key, &aka);
      } else if (field == "zh") {
        StringList(value, file, field_key, &zh);
      } else if (field == "tickers") {
        StringList(value, file, field_key, &tickers);
      } else if (field == "exact") {
        if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false")) {
          AddError(file, value, field_key, "must be true or false");
        } else {
          exact = value.Scalar() == "true";
        }
      } else {
        AddError(file, kv.first, field_key,
                 "unknown key (expected id, type, name, aka, zh, exact, tickers)");
      }
    }
    if (!has_id) AddError(file, node, key + ".id", "missing");
    if (!has_type) AddError(file, node, key + ".type", "missing");
    if (!has_name) AddError(file, node, key + ".name", "missing");

    std::vector<std::string> alias_texts;
    if (!entity.name.empty()) alias_texts.push_back(entity.name);
    alias_texts.insert(alias_texts.end(), aka.begin(), aka.end());
    alias_texts.insert(alias_texts.end(), zh.begin(), zh.end());
    for (const std::string& text : alias_texts) {
      if (const std::string problem = AliasProblem(text); !problem.empty()) {
        AddError(file, node, key, problem + ": '" + text + "'");
        continue;
      }
      entity.aliases.push_back(Alias{text, exact});
    }
    if (!zh.empty()) entity.name_zh = zh.front();
    for (size_t i = 0; i < tickers.size(); ++i) {
      const std::string& t = tickers[i];
      const size_t colon = t.find(':');
      const std::string ticker_key = key + ".tickers[" + std::to_string(i) + "]";
      if (colon == std::string::npos) {
        AddError(file, node["tickers"], ticker_key, "expected EXCHANGE:SYMBOL, got '" + t + "'");
        continue;
      }
      Ticker ticker{KnowledgeBase::NormalizeExchange(t.substr(0, colon)),
                    AsciiUpper(t.substr(colon + 1))};
      if (ticker.exchange.empty()) {
        AddError(file, node["tickers"], ticker_key, "unknown exchange in '" + t + "'");
        continue;
      }
      if (!ValidSymbol(ticker.symbol)) {
        AddError(file, node["tickers"], ticker_key, "invalid symbol in '" + t + "'");
        continue;
      }
      entity.tickers.push_back(std::move(ticker));
    }
    if (errors.size() == errors_before) entities.push_back(std::move(entity));
  }
};

}  // namespace

std::string KbError::ToString() const {
  std::ostringstream out;
  out << (file.empty() ? "<kb>" : file);
  if (line > 0) out << ":" << line;
  out << ": ";
  if (!key.empty()) out << key << ": ";
  out << message;
  return out.str();
}

std::string KnowledgeBase::NormalizeExchange(std::string_view exchange) {
  static const std::unordered_map<std::string, std::string> kExchanges = {
      {"NASDAQ", "NASDAQ"}, {"NASDAQGS", "NASDAQ"}, {"NASDAQGM", "NASDAQ"},
      {"NYSE", "NYSE"},     {"NYSEARCA", "NYSE"},   {"NYSEAMERICAN", "NYSE"},
      {"AMEX", "NYSE"},     {"HKEX", "HKEX"},       {"HKG", "HKEX"},
      {"SEHK", "HKEX"},     {"HKSE", "HKEX"},       {"SSE", "SSE"},
      {"SHA", "SSE"},       {"SZSE", "SZSE"},       {"SHE", "SZSE"},
      {"TSE", "TSE"},       {"TYO", "TSE"},         {"LSE", "LSE"},
      {"LON", "LSE"},       {"TSX", "TSX"},         {"ASX", "ASX"},
      {"KRX", "KRX"},       {"KOSPI", "KRX"},       {"EURONEXT", "EURONEXT"},
      {"EPA", "EURONEXT"},  {"AMS", "EURONEXT"},    {"XETRA", "XETRA"},
      {"ETR", "XETRA"},     {"FRA", "XETRA"},       {"FWB", "XETRA"},
      {"SIX", "SIX"},       {"SWX", "SIX"},         {"TWSE", "TWSE"},
      {"TPE", "TWSE"},      {"NSE", "NSE"},         {"BSE", "BSE"},
      {"OTC", "OTC"},       {"OTCMKTS", "OTC"},     {"BIT", "BIT"},
      {"BME", "BME"},       {"STAR", "SSE"},        {"SGX", "SGX"},
  };
  std::string key;
  for (char c : exchange) {
    if (c == ' ' || c == '-' || c == '_') continue;
    key.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  const auto it = kExchanges.find(key);
  return it == kExchanges.end() ? std::string() : it->second;
}

KbLoadResult KnowledgeBase::LoadDirectory(const std::string& dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    return KbLoadResult{nullptr, {KbError{dir, 0, "", "cannot list directory: " + ec.message()}}};
  }
  for (const auto& entry : it) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) {
    return KbLoadResult{nullptr, {KbError{dir, 0, "", "no *.yaml files"}}};
  }
  return LoadFiles(paths);
}

KbLoadResult KnowledgeBase::LoadFiles(const std::vector<std::string>& paths) {
  std::vector<KbSource> sources;
  std::vector<KbError> errors;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      errors.push_back(KbError{path, 0, "", "cannot open file"});
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    sources.push_back(KbSource{path, text.str()});
  }
  if (!errors.empty()) return KbLoadResult{nullptr, std::move(errors)};
  return LoadSources(sources);
}

KbLoadResult KnowledgeBase::LoadSources(const std::vector<KbSource>& sources) {
  Loader loader;
  for (const KbSource& source : sources) {
    try {
      loader.LoadNode(YAML::Load(source.yaml), source.name);
    } catch (const YAML::Exception& e) {
      loader.errors.push_back(
          KbError{source.name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg});
    } catch (const std::exception& e) {
      loader.errors.push_back(KbError{source.name, 0, "", e.what()});
    }
  }
  if (!loader.errors.empty()) return KbLoadResult{nullptr, std::move(loader.errors)};
  return FromEntities(std::move(loader.entities));
}

KbLoadResult KnowledgeBase::FromEntities(std::vector<Entity> entities) {
  std::shared_ptr<KnowledgeBase> kb(new KnowledgeBase());
  std::vector<KbError> errors;
  kb->entities_ = std::move(entities);
  kb->by_id_.reserve(kb->entities_.size());
  for (uint32_t i = 0; i < kb->entities_.size(); ++i) {
    Entity& e = kb->entities_[i];
    if (!ValidId(e.id)) {
      errors.push_back(KbError{e.file, e.line, "id", "invalid id '" + e.id + "'"});
      continue;
    }
    if (const auto [it, inserted] = kb->by_id_.emplace(e.id, i); !inserted) {
      const Entity& first = kb->entities_[it->second];
      errors.push_back(KbError{e.file, e.line, "id",
                               "duplicate id '" + e.id + "' (first defined at " + first.file + ":" +
                                   std::to_string(first.line) + ")"});
      continue;
    }
    // Same alias twice on one entity (e.g. name repeated in aka) is harmless; keep the first.
    std::unordered_set<std::string> seen;
    std::vector<Alias> unique;
    for (Alias& a : e.aliases) {
      if (const std::string problem = AliasProblem(a.text); !problem.empty()) {
        errors.push_back(KbError{e.file, e.line, "aliases", problem + ": '" + a.text + "'"});
        continue;
      }
      if (seen.insert((a.case_sensitive ? "=" : "~") + text::ToAsciiLower(a.text)).second) {
        unique.push_back(std::move(a));
      }
    }
    e.aliases = std::move(unique);
    kb->alias_count_ += e.aliases.size();
    for (Ticker& t : e.tickers) {
      const std::string exchange = NormalizeExchange(t.exchange);
      if (exchange.empty() || !ValidSymbol(t.symbol)) {
        errors.push_back(KbError{e.file, e.line, "tickers",
                                 "invalid ticker '" + t.exchange + ":" + t.symbol + "'"});
        continue;
      }
      t.exchange = exchange;
      const std::string key = t.exchange + ":" + t.symbol;
      if (const auto [it, inserted] = kb->by_ticker_.emplace(key, i); !inserted) {
        errors.push_back(KbError{
            e.file, e.line, "tickers",
            "ticker " + key + " already belongs to '" + kb->entities_[it->second].id + "'"});
        continue;
      }
      const auto [sit, sinserted] = kb->by_symbol_.emplace(t.symbol, i);
      if (!sinserted && sit->second != static_cast<int64_t>(i)) sit->second = -1;
    }
  }
  if (!errors.empty()) return KbLoadResult{nullptr, std::move(errors)};
  return KbLoadResult{std::move(kb), {}};
}

const Entity* KnowledgeBase::FindById(std::string_view id) const {
  const auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : &entities_[it->second];
}

const Entity* KnowledgeBase::FindTicker(std::string_view exchange, std::string_view symbol) const {
  const std::string normalized = NormalizeExchange(exchange);
  if (normalized.empty()) return nullptr;
  const auto it = by_ticker_.find(normalized + ":" + AsciiUpper(symbol));
  return it == by_ticker_.end() ? nullptr : &entities_[it->second];
}

const Entity* KnowledgeBase::FindSymbol(std::string_view symbol) const {
  const auto it = by_symbol_.find(AsciiUpper(symbol));
  if (it == by_symbol_.end() || it->second < 0) return nullptr;
  return &entities_[static_cast<size_t>(it->second)];
}

}  // namespace newsflow::tag
