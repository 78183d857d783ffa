#include "services/sink/json_writer.h"

#include <charconv>
#include <cmath>

namespace newsflow::sink {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at `s[i]`, or 0 when it is invalid (overlong, surrogate,
// beyond U+10FFFF, truncated).
size_t ValidSequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n = s.size() - i;
  auto cont = [&](size_t k) { return (byte(i + k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || !cont(1) || !cont(2)) return 0;
    unsigned char c1 = byte(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    unsigned char c1 = byte(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;   // overlong
    if (c == 0xF4 && c1 >= 0x90) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

size_t AppendJsonString(std::string_view text, std::string* out) {
  size_t replaced = 0;
  out->reserve(out->size() + text.size() + 2);
  out->push_back('"');
  // Bytes that need no escaping are copied in runs: per-byte appends were the sink's hottest
  // code under load (bodies are mostly plain text).
  size_t run_start = 0;
  size_t i = 0;
  auto flush_run = [&] { out->append(text.data() + run_start, i - run_start); };
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    size_t length = 1;
    if (c >= 0x80) {
      length = ValidSequenceLength(text, i);
      // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: valid JSON, but not valid inside
      // a JavaScript string literal before ES2019.
      bool line_separator = length == 3 && c == 0xE2 &&
                            static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                            (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xA8;
      if (length != 0 && !line_separator) {
        i += length;
        continue;
      }
      flush_run();
      if (length == 0) {
        out->append("\xEF\xBF\xBD");  // U+FFFD
        ++replaced;
        length = 1;
      } else {
        out->append(static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      }
    } else {
      flush_run();
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        default:
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
      }
    }
    i += length;
    run_start = i;
  }
  flush_run();
  out->push_back('"');
  return replaced;
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  first_.push_back(true);
}

void JsonWriter::EndObject() {
  out_.push_back('}');
  first_.pop_back();
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  first_.push_back(true);
}

void JsonWriter::EndArray() {
  out_.push_back(']');
  first_.pop_back();
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  invalid_utf8_ += AppendJsonString(key, &out_);
  out_.push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  invalid_utf8_ += AppendJsonString(value, &out_);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  out_.append(buffer, end);
}

void JsonWriter::UInt(uint64_t value) {
  BeforeValue();
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  out_.append(buffer, end);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_.append("null");
    return;
  }
  char buffer[32];
  // Whole amounts ("$6 million") read better as 6000000 than as the shorter 6e+06.
  auto end =
      std::trunc(value) == value && std::fabs(value) < 1e15
          ? std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed).ptr
          : std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  out_.append(buffer, end);
}

void JsonWriter::Float(float value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_.append("null");
    return;
  }
  char buffer[32];
  auto end = std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  out_.append(buffer, end);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
}

void JsonWriter::StringOrNull(std::string_view key, std::string_view value) {
  Key(key);
  if (value.empty()) {
    Null();
  } else {
    String(value);
  }
}

}  // namespace newsflow::sink
