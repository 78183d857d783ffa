#pragma once

// A small streaming JSON writer for sink's output records. Strings are escaped per RFC 8259 and
// always come out as valid UTF-8: invalid input sequences become U+FFFD rather than an error, so
// a record never fails on its text. U+2028/U+2029 are escaped too, so the output can be embedded
// in JavaScript. Pure logic, no allocation beyond the output string.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::sink {

// Appends `text` to `*out` as a quoted JSON string. Returns the number of invalid UTF-8
// sequences replaced by U+FFFD.
size_t AppendJsonString(std::string_view text, std::string* out);

// Builds one JSON document. The caller keeps calls balanced (Begin/End); commas and colons are
// placed by the writer. Not thread-safe.
class JsonWriter {
 public:
  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // An object key; the next call writes its value.
  void Key(std::string_view key);

  void String(std::string_view value);
  void Int(int64_t value);
  void UInt(uint64_t value);
  // Shortest round-trip form; NaN and infinities (not JSON) are written as null.
  void Double(double value);
  // Shortest form of the float itself (0.8f is "0.8", not "0.800000011920929").
  void Float(float value);
  void Bool(bool value);
  void Null();

  // Shorthands for a key and its value.
  void Field(std::string_view key, std::string_view value) { Key(key), String(value); }
  void Field(std::string_view key, const char* value) { Key(key), String(value); }
  void Field(std::string_view key, const std::string& value) { Key(key), String(value); }
  void Field(std::string_view key, int64_t value) { Key(key), Int(value); }
  void Field(std::string_view key, uint64_t value) { Key(key), UInt(value); }
  void Field(std::string_view key, uint32_t value) { Key(key), UInt(value); }
  void Field(std::string_view key, int value) { Key(key), Int(value); }
  void Field(std::string_view key, double value) { Key(key), Double(value); }
  void Field(std::string_view key, float value) { Key(key), Float(value); }
  void Field(std::string_view key, bool value) { Key(key), Bool(value); }
  // `value`, or null when it is empty (optional strings).
  void StringOrNull(std::string_view key, std::string_view value);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }
  size_t invalid_utf8_replaced() const { return invalid_utf8_; }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: true until its first element is written.
  std::vector<bool> first_;
  bool after_key_ = false;
  size_t invalid_utf8_ = 0;
};

}  // namespace newsflow::sink
