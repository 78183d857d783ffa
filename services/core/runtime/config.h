#pragma once

// Daemon configuration: one YAML file per daemon, every key overridable by environment
// variable and by command-line flag, validated at start.
//
// This is a leaf module: it depends on yaml-cpp and the standard library only.
//
// Precedence, lowest to highest: the field's initial value (the default), the YAML file,
// the environment (NEWSFLOW_<KEY> with dots and dashes turned into underscores, upper case:
// `kafka.bootstrap_servers` -> NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS), then flags
// (`--kafka.bootstrap_servers=HOST:PORT`, `--kafka.bootstrap_servers HOST:PORT` or
// `--set kafka.bootstrap_servers=HOST:PORT`).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace newsflow::config {

// Why a configuration was rejected. `key` is the offending key (or "--config" for the file).
struct ConfigError {
  std::string key;
  std::string message;  // names the key and what was expected

  // Exit status a daemon uses when it stops on a configuration error.
  static constexpr int kExitCode = 2;
};

// Looks up an environment variable; returns nullopt when unset. Injected for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnvironment();

// The set of keys a daemon accepts, each bound to a field of its options struct. The value a
// field holds when it is registered is its default.
//
// Not thread-safe; build it, load it, then read the bound options.
class Schema {
 public:
  Schema();
  ~Schema();
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  // A string. `allowed`, when non-empty, lists the only accepted values.
  Schema& String(std::string key, std::string* field, std::string help,
                 std::vector<std::string> allowed = {});
  // A string never echoed in help output, logs or errors (tokens, passwords).
  Schema& Secret(std::string key, std::string* field, std::string help);
  // A string that must not be empty.
  Schema& RequiredString(std::string key, std::string* field, std::string help);
  Schema& Int(std::string key, int64_t* field, std::string help, int64_t min, int64_t max);
  Schema& Double(std::string key, double* field, std::string help, double min, double max);
  Schema& Bool(std::string key, bool* field, std::string help);
  // A list: a YAML sequence of scalars, or comma-separated in env and flags.
  Schema& StringList(std::string key, std::vector<std::string>* field, std::string help);
  // Free-form sub-keys under `key` (e.g. `kafka.properties.security.protocol`), for
  // pass-through settings; values are strings.
  Schema& StringMap(std::string key, std::map<std::string, std::string>* field, std::string help);

  // Environment variable that overrides `key`.
  static std::string EnvName(std::string_view key);

  // Human-readable list of keys with type, default and env name (secrets masked).
  std::string Help() const;

  // Applies a YAML document (file contents). Unknown keys and wrong types are errors.
  std::optional<ConfigError> ApplyYaml(std::string_view yaml_text, std::string_view origin);
  // Applies the environment overrides.
  std::optional<ConfigError> ApplyEnvironment(const EnvLookup& env);
  // Applies one `key=value` override given as text (flags, env).
  std::optional<ConfigError> ApplyText(std::string_view key, std::string_view value,
                                       std::string_view origin);

  // Fails naming the first required key that has no value.
  std::optional<ConfigError> CheckRequired() const;

  // Current values as flat `key: value` lines; secrets masked. For --print-config and logs.
  std::string Dump() const;

 private:
  struct Entry;
  Entry& Add(std::string key, std::string help);
  Entry* Find(std::string_view key, std::string* map_subkey);
  std::optional<ConfigError> ApplyNode(const std::string& key, const YAML::Node& node,
                                       std::string_view origin);

  std::vector<std::unique_ptr<Entry>> entries_;
};

// What the command line asked for besides settings.
struct CommandLine {
  std::string config_path;    // --config FILE, else $NEWSFLOW_CONFIG, else empty (defaults)
  bool help = false;          // --help / -h
  bool version = false;       // --version
  bool print_config = false;  // --print-config
  bool check_config = false;  // --check-config: validate and exit 0
};

// Loads `schema` from argv, the config file and the environment, in precedence order.
// On success fills `command_line` and returns nullopt. Reads the config file from disk.
std::optional<ConfigError> Load(Schema& schema, int argc, const char* const* argv,
                                const EnvLookup& env, CommandLine* command_line);

}  // namespace newsflow::config
