#include "tests/unit/sink/json_schema_check.h"

#include <simdjson.h>

#include <fstream>
#include <set>
#include <sstream>

namespace newsflow::testing {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

class Validator {
 public:
  explicit Validator(element root) : root_(root) {}

  void Validate(element schema, element value, const std::string& path) {
    simdjson::dom::object s;
    if (schema.get_object().get(s)) {
      errors_.push_back(path + ": schema is not an object");
      return;
    }
    static const std::set<std::string_view> kKnown = {
        "$schema", "$id",      "title",      "description",          "$defs",
        "type",    "required", "properties", "additionalProperties", "items",
        "enum",    "minimum",  "$ref"};
    for (auto field : s) {
      if (!kKnown.count(field.key)) {
        errors_.push_back(path + ": schema keyword '" + std::string(field.key) + "' not supported");
      }
    }
    std::string_view ref;
    if (!s["$ref"].get_string().get(ref)) {
      const std::string_view prefix = "#/$defs/";
      element target;
      if (ref.substr(0, prefix.size()) != prefix ||
          root_["$defs"][ref.substr(prefix.size())].get(target)) {
        errors_.push_back(path + ": unresolvable $ref " + std::string(ref));
        return;
      }
      Validate(target, value, path);
      return;
    }
    element type;
    if (!s["type"].get(type) && !TypeMatches(type, value)) {
      errors_.push_back(path + ": type " + TypeName(value) + " not allowed by " +
                        simdjson::minify(type));
      return;
    }
    simdjson::dom::array allowed;
    if (!s["enum"].get_array().get(allowed)) {
      bool found = false;
      for (element candidate : allowed)
        found = found || simdjson::minify(candidate) == simdjson::minify(value);
      if (!found) errors_.push_back(path + ": " + simdjson::minify(value) + " not in enum");
    }
    double minimum;
    if (!s["minimum"].get_double().get(minimum)) {
      double number;
      if (!value.get_double().get(number) && number < minimum) {
        errors_.push_back(path + ": " + simdjson::minify(value) + " below minimum");
      }
    }
    simdjson::dom::object object;
    if (!value.get_object().get(object)) {
      simdjson::dom::array required;
      if (!s["required"].get_array().get(required)) {
        for (element name : required) {
          std::string_view key = name.get_string().value_unsafe();
          element ignored;
          if (object[key].get(ignored))
            errors_.push_back(path + ": missing '" + std::string(key) + "'");
        }
      }
      simdjson::dom::object properties;
      bool has_properties = !s["properties"].get_object().get(properties);
      element additional;
      bool has_additional = !s["additionalProperties"].get(additional);
      for (auto field : object) {
        std::string child = path + "/" + std::string(field.key);
        element property_schema;
        if (has_properties && !properties[field.key].get(property_schema)) {
          Validate(property_schema, field.value, child);
        } else if (has_additional) {
          bool allowed_extra = true;
          if (!additional.get_bool().get(allowed_extra)) {
            if (!allowed_extra) errors_.push_back(child + ": property not allowed");
          } else {
            Validate(additional, field.value, child);
          }
        }
      }
    }
    simdjson::dom::array array;
    element items;
    if (!value.get_array().get(array) && !s["items"].get(items)) {
      size_t i = 0;
      for (element item : array) Validate(items, item, path + "/" + std::to_string(i++));
    }
  }

  std::vector<std::string> errors_;

 private:
  static std::string TypeName(element value) {
    switch (value.type()) {
      case element_type::ARRAY:
        return "array";
      case element_type::OBJECT:
        return "object";
      case element_type::INT64:
      case element_type::UINT64:
        return "integer";
      case element_type::DOUBLE:
        return "number";
      case element_type::STRING:
        return "string";
      case element_type::BOOL:
        return "boolean";
      case element_type::NULL_VALUE:
        return "null";
    }
    return "unknown";
  }

  static bool OneTypeMatches(std::string_view name, element value) {
    std::string actual = TypeName(value);
    if (name == actual) return true;
    // An integer is a number; a double with no fraction is an integer (JSON Schema semantics).
    if (name == "number" && actual == "integer") return true;
    if (name == "integer" && actual == "number") {
      double d = value.get_double().value_unsafe();
      return d == static_cast<double>(static_cast<int64_t>(d));
    }
    return false;
  }

  static bool TypeMatches(element type, element value) {
    std::string_view name;
    if (!type.get_string().get(name)) return OneTypeMatches(name, value);
    simdjson::dom::array names;
    if (!type.get_array().get(names)) {
      for (element n : names) {
        if (OneTypeMatches(n.get_string().value_unsafe(), value)) return true;
      }
    }
    return false;
  }

  element root_;
};

}  // namespace

std::vector<std::string> ValidateJson(std::string_view schema_json,
                                      std::string_view instance_json) {
  simdjson::dom::parser schema_parser;
  simdjson::dom::parser instance_parser;
  element schema;
  if (auto error = schema_parser.parse(simdjson::padded_string(schema_json)).get(schema)) {
    return {std::string("schema does not parse: ") + simdjson::error_message(error)};
  }
  element instance;
  if (auto error = instance_parser.parse(simdjson::padded_string(instance_json)).get(instance)) {
    return {std::string("instance does not parse: ") + simdjson::error_message(error)};
  }
  Validator validator(schema);
  validator.Validate(schema, instance, "");
  return validator.errors_;
}

std::string ReadRepositoryFile(const std::string& relative_path) {
  std::ifstream in(std::string(NEWSFLOW_SOURCE_DIR) + "/" + relative_path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace newsflow::testing
