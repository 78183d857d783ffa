#pragma once

// A minimal JSON Schema validator for the subset newsflow's schemas use: type (a name or a list
// of names), required, properties, additionalProperties (false or a schema), items, enum (of
// scalars), minimum, and local "$ref": "#/$defs/NAME". Anything else in a schema is an error, so
// a schema cannot silently rely on a keyword this validator ignores. Test-only.

#include <string>
#include <string_view>
#include <vector>

namespace newsflow::testing {

// Validates `instance_json` against `schema_json`. Returns one message per violation, each
// naming the JSON pointer of the offending value; empty when valid. Unparsable input is a
// violation too.
std::vector<std::string> ValidateJson(std::string_view schema_json, std::string_view instance_json);

// Reads a file of the repository (path relative to its root).
std::string ReadRepositoryFile(const std::string& relative_path);

}  // namespace newsflow::testing
