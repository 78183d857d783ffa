#include "services/core/runtime/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace newsflow::config {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::optional<int64_t> ParseInt(std::string_view text) {
  std::string t = Trim(text);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || ptr != t.data() + t.size() || t.empty()) return std::nullopt;
  return value;
}

std::optional<double> ParseDouble(std::string_view text) {
  std::string t = Trim(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return value;
}

std::optional<bool> ParseBool(std::string_view text) {
  std::string t = Trim(text);
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return std::nullopt;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  if (Trim(text).empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    out.push_back(Trim(text.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

// One configuration key. `set_text` parses a text override; `set_yaml` a YAML node. Both return
// a description of what was expected on failure ("an integer between 1 and 10").
struct Schema::Entry {
  std::string key;
  std::string help;
  std::string type_name;
  bool secret = false;
  bool is_map = false;
  std::function<std::optional<std::string>(std::string_view)> set_text;
  std::function<std::optional<std::string>(const YAML::Node&)> set_yaml;
  std::function<std::string()> show;
  // Maps only: sets one sub-key.
  std::function<void(const std::string&, const std::string&)> set_map_entry;
  // Required keys only: true while no non-empty value was given.
  std::function<bool()> is_missing;
};

Schema::Schema() = default;
Schema::~Schema() = default;

Schema::Entry& Schema::Add(std::string key, std::string help) {
  auto entry = std::make_unique<Entry>();
  entry->key = std::move(key);
  entry->help = std::move(help);
  entries_.push_back(std::move(entry));
  return *entries_.back();
}

static std::optional<std::string> ScalarText(const YAML::Node& node, std::string* out) {
  if (!node.IsScalar()) return "a scalar value";
  *out = node.Scalar();
  return std::nullopt;
}

Schema& Schema::String(std::string key, std::string* field, std::string help,
                       std::vector<std::string> allowed) {
  Entry& e = Add(std::move(key), std::move(help));
  std::string expected =
      allowed.empty() ? std::string("a string") : "one of: " + Join(allowed, ", ");
  e.type_name = allowed.empty() ? "string" : "enum{" + Join(allowed, "|") + "}";
  e.set_text = [field, allowed, expected](std::string_view text) -> std::optional<std::string> {
    std::string value = Trim(text);
    if (!allowed.empty()) {
      bool ok = false;
      for (const auto& a : allowed) ok = ok || a == value;
      if (!ok) return expected;
    }
    *field = value;
    return std::nullopt;
  };
  e.set_yaml = [set = e.set_text, expected](const YAML::Node& node) -> std::optional<std::string> {
    std::string text;
    if (ScalarText(node, &text)) return expected;
    return set(text);
  };
  e.show = [field] { return *field; };
  return *this;
}

Schema& Schema::RequiredString(std::string key, std::string* field, std::string help) {
  String(std::move(key), field, std::move(help));
  Entry& e = *entries_.back();
  e.type_name = "string (required)";
  e.is_missing = [field] { return Trim(*field).empty(); };
  auto inner = e.set_text;
  e.set_text = [inner](std::string_view text) -> std::optional<std::string> {
    if (Trim(text).empty()) return "a non-empty string";
    return inner(text);
  };
  e.set_yaml = [set = e.set_text](const YAML::Node& node) -> std::optional<std::string> {
    std::string text;
    if (ScalarText(node, &text)) return "a non-empty string";
    return set(text);
  };
  return *this;
}

Schema& Schema::Secret(std::string key, std::string* field, std::string help) {
  String(std::move(key), field, std::move(help));
  entries_.back()->secret = true;
  entries_.back()->type_name = "secret string";
  return *this;
}

Schema& Schema::Int(std::string key, int64_t* field, std::string help, int64_t min, int64_t max) {
  Entry& e = Add(std::move(key), std::move(help));
  e.type_name = "integer [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  std::string expected =
      "an integer between " + std::to_string(min) + " and " + std::to_string(max);
  e.set_text = [field, min, max, expected](std::string_view text) -> std::optional<std::string> {
    auto value = ParseInt(text);
    if (!value || *value < min || *value > max) return expected;
    *field = *value;
    return std::nullopt;
  };
  e.set_yaml = [set = e.set_text, expected](const YAML::Node& node) -> std::optional<std::string> {
    std::string text;
    if (ScalarText(node, &text)) return expected;
    return set(text);
  };
  e.show = [field] { return std::to_string(*field); };
  return *this;
}

Schema& Schema::Double(std::string key, double* field, std::string help, double min, double max) {
  Entry& e = Add(std::move(key), std::move(help));
  std::ostringstream range;
  range << "[" << min << ", " << max << "]";
  e.type_name = "number " + range.str();
  std::string expected = "a number in " + range.str();
  e.set_text = [field, min, max, expected](std::string_view text) -> std::optional<std::string> {
    auto value = ParseDouble(text);
    if (!value || !(*value >= min && *value <= max)) return expected;
    *field = *value;
    return std::nullopt;
  };
  e.set_yaml = [set = e.set_text, expected](const YAML::Node& node) -> std::optional<std::string> {
    std::string text;
    if (ScalarText(node, &text)) return expected;
    return set(text);
  };
  e.show = [field] {
    std::ostringstream out;
    out << *field;
    return out.str();
  };
  return *this;
}

Schema& Schema::Bool(std::string key, bool* field, std::string help) {
  Entry& e = Add(std::move(key), std::move(help));
  e.type_name = "boolean";
  e.set_text = [field](std::string_view text) -> std::optional<std::string> {
    auto value = ParseBool(text);
    if (!value) return "a boolean (true or false)";
    *field = *value;
    return std::nullopt;
  };
  e.set_yaml = [set = e.set_text](const YAML::Node& node) -> std::optional<std::string> {
    std::string text;
    if (ScalarText(node, &text)) return "a boolean (true or false)";
    return set(text);
  };
  e.show = [field] { return std::string(*field ? "true" : "false"); };
  return *this;
}

Schema& Schema::StringList(std::string key, std::vector<std::string>* field, std::string help) {
  Entry& e = Add(std::move(key), std::move(help));
  e.type_name = "list of strings";
  e.set_text = [field](std::string_view text) -> std::optional<std::string> {
    *field = SplitList(text);
    return std::nullopt;
  };
  e.set_yaml = [field](const YAML::Node& node) -> std::optional<std::string> {
    if (node.IsNull()) {
      field->clear();
      return std::nullopt;
    }
    if (!node.IsSequence()) return "a list of strings";
    std::vector<std::string> values;
    for (const auto& item : node) {
      if (!item.IsScalar()) return "a list of strings";
      values.push_back(item.Scalar());
    }
    *field = std::move(values);
    return std::nullopt;
  };
  e.show = [field] { return "[" + Join(*field, ", ") + "]"; };
  return *this;
}

Schema& Schema::StringMap(std::string key, std::map<std::string, std::string>* field,
                          std::string help) {
  Entry& e = Add(std::move(key), std::move(help));
  e.type_name = "map of strings";
  e.is_map = true;
  e.set_map_entry = [field](const std::string& sub, const std::string& value) {
    (*field)[sub] = value;
  };
  e.set_text = [](std::string_view) -> std::optional<std::string> {
    return "sub-keys (KEY.SUBKEY=VALUE)";
  };
  e.set_yaml = [field](const YAML::Node& node) -> std::optional<std::string> {
    if (node.IsNull()) return std::nullopt;
    if (!node.IsMap()) return "a map of string values";
    for (const auto& kv : node) {
      if (!kv.second.IsScalar()) return "a map of string values";
      (*field)[kv.first.Scalar()] = kv.second.Scalar();
    }
    return std::nullopt;
  };
  e.show = [field] {
    std::vector<std::string> parts;
    // Pass-through maps often carry credentials (sasl.password): show keys only.
    for (const auto& [k, v] : *field) parts.push_back(k + "=<set>");
    return "{" + Join(parts, ", ") + "}";
  };
  return *this;
}

std::string Schema::EnvName(std::string_view key) {
  std::string name = "NEWSFLOW_";
  for (char c : key) {
    name += (c == '.' || c == '-') ? '_'
                                   : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

Schema::Entry* Schema::Find(std::string_view key, std::string* map_subkey) {
  for (auto& e : entries_) {
    if (e->key == key) return e.get();
    if (e->is_map && key.size() > e->key.size() + 1 && key.substr(0, e->key.size()) == e->key &&
        key[e->key.size()] == '.') {
      if (map_subkey) *map_subkey = std::string(key.substr(e->key.size() + 1));
      return e.get();
    }
  }
  return nullptr;
}

std::string Schema::Help() const {
  std::ostringstream out;
  for (const auto& e : entries_) {
    out << "  --" << e->key << "  (" << e->type_name << ", env " << EnvName(e->key) << ")\n"
        << "      " << e->help;
    if (e->secret) {
      out << "\n";
    } else {
      out << " [default: " << e->show() << "]\n";
    }
  }
  return out.str();
}

std::string Schema::Dump() const {
  std::ostringstream out;
  for (const auto& e : entries_) {
    out << e->key << ": " << (e->secret ? std::string("<redacted>") : e->show()) << "\n";
  }
  return out.str();
}

std::optional<ConfigError> Schema::ApplyText(std::string_view key, std::string_view value,
                                             std::string_view origin) {
  std::string subkey;
  Entry* e = Find(key, &subkey);
  if (e == nullptr) {
    return ConfigError{std::string(key), "unknown configuration key '" + std::string(key) +
                                             "' (from " + std::string(origin) +
                                             "); run with --help for the accepted keys"};
  }
  if (e->is_map && !subkey.empty()) {
    e->set_map_entry(subkey, std::string(value));
    return std::nullopt;
  }
  if (auto expected = e->set_text(value)) {
    std::string shown = e->secret ? "<redacted>" : "'" + std::string(value) + "'";
    return ConfigError{e->key, "invalid value " + shown + " for key '" + e->key + "' (from " +
                                   std::string(origin) + "): expected " + *expected};
  }
  return std::nullopt;
}

std::optional<ConfigError> Schema::ApplyNode(const std::string& key, const YAML::Node& node,
                                             std::string_view origin) {
  Entry* e = Find(key, nullptr);
  if (e != nullptr && e->key == key) {
    if (auto expected = e->set_yaml(node)) {
      return ConfigError{key, "invalid value for key '" + key + "' (in " + std::string(origin) +
                                  "): expected " + *expected};
    }
    return std::nullopt;
  }
  if (node.IsMap()) {
    // A section: descend only if some key lives below it.
    bool is_prefix = false;
    for (const auto& entry : entries_) {
      is_prefix = is_prefix || entry->key.rfind(key + ".", 0) == 0;
    }
    if (is_prefix) {
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          return ConfigError{key, "invalid section '" + key + "' (in " + std::string(origin) +
                                      "): expected string keys"};
        }
        if (auto err = ApplyNode(key + "." + kv.first.Scalar(), kv.second, origin)) return err;
      }
      return std::nullopt;
    }
  }
  return ConfigError{key, "unknown configuration key '" + key + "' (in " + std::string(origin) +
                              "); run with --help for the accepted keys"};
}

std::optional<ConfigError> Schema::ApplyYaml(std::string_view yaml_text, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& ex) {
    return ConfigError{"--config", "cannot parse " + std::string(origin) + ": " + ex.what()};
  }
  if (root.IsNull()) return std::nullopt;
  if (!root.IsMap()) {
    return ConfigError{"--config", std::string(origin) + ": expected a YAML mapping at top level"};
  }
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) {
      return ConfigError{"--config", std::string(origin) + ": expected string keys"};
    }
    if (auto err = ApplyNode(kv.first.Scalar(), kv.second, origin)) return err;
  }
  return std::nullopt;
}

std::optional<ConfigError> Schema::ApplyEnvironment(const EnvLookup& env) {
  for (const auto& e : entries_) {
    if (e->is_map) continue;  // maps are set by file or --set
    std::string name = EnvName(e->key);
    if (auto value = env(name)) {
      if (auto err = ApplyText(e->key, *value, "environment " + name)) return err;
    }
  }
  return std::nullopt;
}

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::optional<ConfigError> Load(Schema& schema, int argc, const char* const* argv,
                                const EnvLookup& env, CommandLine* command_line) {
  CommandLine cl;
  std::vector<std::pair<std::string, std::string>> overrides;
  if (auto path = env("NEWSFLOW_CONFIG")) cl.config_path = *path;

  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next_value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (arg == "-h" || arg == "--help") {
      cl.help = true;
    } else if (arg == "--version") {
      cl.version = true;
    } else if (arg == "--print-config") {
      cl.print_config = true;
    } else if (arg == "--check-config") {
      cl.check_config = true;
    } else if (arg == "--config" || arg.rfind("--config=", 0) == 0) {
      std::optional<std::string> value =
          arg == "--config" ? next_value() : std::optional(arg.substr(9));
      if (!value) return ConfigError{"--config", "flag --config expects a file path"};
      cl.config_path = *value;
    } else if (arg == "--set") {
      auto value = next_value();
      size_t eq = value ? value->find('=') : std::string::npos;
      if (eq == std::string::npos) return ConfigError{"--set", "flag --set expects KEY=VALUE"};
      overrides.emplace_back(value->substr(0, eq), value->substr(eq + 1));
    } else if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      std::string body = arg.substr(2);
      size_t eq = body.find('=');
      if (eq != std::string::npos) {
        overrides.emplace_back(body.substr(0, eq), body.substr(eq + 1));
      } else {
        auto value = next_value();
        if (!value) return ConfigError{body, "flag --" + body + " expects a value"};
        overrides.emplace_back(body, *value);
      }
    } else {
      return ConfigError{arg, "unexpected argument '" + arg + "'; run with --help"};
    }
  }
  if (cl.help || cl.version) {
    *command_line = cl;
    return std::nullopt;
  }

  if (!cl.config_path.empty()) {
    std::ifstream in(cl.config_path);
    if (!in) {
      return ConfigError{"--config", "cannot read config file '" + cl.config_path + "'"};
    }
    std::stringstream text;
    text << in.rdbuf();
    if (auto err = schema.ApplyYaml(text.str(), cl.config_path)) return err;
  }
  if (auto err = schema.ApplyEnvironment(env)) return err;
  for (const auto& [key, value] : overrides) {
    if (auto err = schema.ApplyText(key, value, "flag --" + key)) return err;
  }
  if (auto err = schema.CheckRequired()) return err;
  *command_line = cl;
  return std::nullopt;
}

std::optional<ConfigError> Schema::CheckRequired() const {
  for (const auto& e : entries_) {
    if (e->is_missing && e->is_missing()) {
      return ConfigError{e->key, "missing value for key '" + e->key +
                                     "': expected a non-empty string (set it in the config "
                                     "file, " +
                                     EnvName(e->key) + " or --" + e->key + ")"};
    }
  }
  return std::nullopt;
}

}  // namespace newsflow::config
