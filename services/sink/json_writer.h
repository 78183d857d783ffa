#pragma once

// A small streaming JSON writer for sink's output records. Strings are escaped per RFC 8259 and
// always come out as valid UTF-8: invalid input sequences become U+FFFD rather than an error, so
// a record never fails on its text. U+2028/U+2029 are escaped too, so the output can be embedded
// in JavaScript. Pure logic, no allocation beyond the output string.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace newsflow::sink {

// Appends `text` to `*out` as a quoted JSON string. Returns the number of invalid UTF-8
// sequences replaced by U+FFFD.
size_t AppendJsonString(std::string_view text, std::string* out);
// AppendJsonString with the 32-byte AVX2 scan allowed (where the CPU has it) or not (the 16-byte
// SSE2 scan only), so that tests check both scans on a CPU with AVX2.
size_t AppendJsonStringForTest(std::string_view text, std::string* out, bool allow_avx2);

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
  // A key written as a string literal (nearly all of them): its length is known where it is
  // written, so a plain one goes out in a few moves instead of a scan and a memcpy call (keys
  // were a tenth of the stage's instructions).
  template <size_t N>
  void Key(const char (&key)[N]) {
    const size_t n = std::char_traits<char>::length(key);  // folded for a literal
    if (n + 1 != N || !IsPlainKey(key, n)) {
      Key(std::string_view(key, n));
      return;
    }
    BeforeValue();
    Ensure(N + 2);
    char* p = out_.data() + size_;
    p[0] = '"';
    std::memcpy(p + 1, key, n);
    p[n + 1] = '"';
    p[n + 2] = ':';
    size_ += n + 3;
    after_key_ = true;
  }

  void String(std::string_view value);
  // A string the caller knows needs no escaping (printable ASCII other than '"' and '\\'): this
  // code's own names, the entity types and mention sources, which every mention and entity
  // carries. Copied between quotes without the escaper's scan.
  void PlainString(std::string_view value);
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

  // Shorthands for a key and its value; a literal key takes the fast Key above.
  template <typename K, typename V>
  void Field(const K& key, V&& value) {
    Key(key);
    Value(std::forward<V>(value));
  }
  // `value`, or null when it is empty (optional strings).
  template <typename K>
  void StringOrNull(const K& key, std::string_view value) {
    Key(key);
    if (value.empty()) {
      Null();
    } else {
      String(value);
    }
  }

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

  // Whether any of the eight bytes is a control character, non-ASCII, '"' or '\\' (the bytes an
  // escaper must look at one by one). Exact, by the usual SWAR zero-byte test: a byte below 0x20
  // borrows in `word - 0x20..`, a byte equal to q turns zero in `word ^ q..`.
  static bool NeedsAttention(uint64_t word) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHigh;
    const uint64_t quote = has_zero(word ^ (kOnes * '"'));
    const uint64_t backslash = has_zero(word ^ (kOnes * '\\'));
    return ((word & kHigh) | below_space | quote | backslash) != 0;
  }

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
  // Field's value writers, one per value type it takes.
  void Value(std::string_view value) { String(value); }
  void Value(const char* value) { String(value); }
  void Value(const std::string& value) { String(value); }
  void Value(int64_t value) { Int(value); }
  void Value(uint64_t value) { UInt(value); }
  void Value(uint32_t value) { UInt(value); }
  void Value(int value) { Int(value); }
  void Value(double value) { Double(value); }
  void Value(float value) { Float(value); }
  void Value(bool value) { Bool(value); }

  // Whether the `n` bytes of `key` need no escaping, a word at a time: with n known where a
  // literal key is written, this unrolls into a few loads and tests.
  template <size_t N>
  static bool IsPlainKey(const char (&key)[N], size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t word;
      std::memcpy(&word, key + i, sizeof(word));
      if (NeedsAttention(word)) return false;
    }
    if (i < n) {  // the tail, padded with 'a'
      uint64_t word = 0x6161616161616161ULL;
      std::memcpy(&word, key + i, n - i);
      if (NeedsAttention(word)) return false;
    }
    return true;
  }

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
