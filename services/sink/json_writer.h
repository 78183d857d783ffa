#pragma once

// A small streaming JSON writer for sink's output records. Strings are escaped per RFC 8259 and
// always come out as valid UTF-8: invalid input sequences become U+FFFD rather than an error, so
// a record never fails on its text. U+2028/U+2029 are escaped too, so the output can be embedded
// in JavaScript. Pure logic, no allocation beyond the output string.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace newsflow::sink {

// Appends `text` to `*out` as a quoted JSON string. Returns the number of invalid UTF-8
// sequences replaced by U+FFFD.
size_t AppendJsonString(std::string_view text, std::string* out);

// Builds one JSON document. The caller keeps calls balanced (Begin/End); commas and colons are
// placed by the writer. Not thread-safe.
class JsonWriter {
 public:
  JsonWriter() = default;
  // Writes into `buffer`'s storage (its contents are discarded): a recycled output record's
  // value keeps its capacity.
  explicit JsonWriter(std::string buffer) : out_(std::move(buffer)) { out_.clear(); }

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
  // A value serialized before (by another JsonWriter): spliced in as is. The caller guarantees
  // it is one well-formed JSON value.
  void RawJson(std::string_view json);
  // Bytes [begin, end) of this document written again, as RawJson (the same long string twice
  // is escaped once).
  void RepeatRaw(size_t begin, size_t end);

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

  // Capacity for a document of about `bytes`, so long bodies are not copied as the output grows.
  void Reserve(size_t bytes) {
    if (bytes > out_.size()) out_.resize(bytes);
  }

  std::string_view str() const { return std::string_view(out_.data(), size_); }
  std::string Take() {
    out_.resize(size_);
    size_ = 0;
    return std::move(out_);
  }
  size_t invalid_utf8_replaced() const { return invalid_utf8_; }

  // The escaper's interface (EscapeJsonString in json_writer.cc); not for callers.
  void Ensure(size_t n) {
    if (out_.size() - size_ < n) Grow(n);
  }
  void Put(char c) {
    Ensure(1);
    out_[size_++] = c;
  }
  void Put(std::string_view v) {
    if (v.empty()) return;
    Ensure(v.size());
    std::memcpy(out_.data() + size_, v.data(), v.size());
    size_ += v.size();
  }

 private:
  void BeforeValue();
  void Grow(size_t n);

  // Bytes [0, size_) are the document; the rest is spare room. Appending through std::string
  // (push_back is not inlined) was a tenth of the sink's time.
  std::string out_;
  size_t size_ = 0;
  // A comma goes before a key or value exactly when a value (or a closed container) came last
  // in the same container: no stack of containers is needed.
  bool need_comma_ = false;
  bool after_key_ = false;
  size_t invalid_utf8_ = 0;
};

}  // namespace newsflow::sink
