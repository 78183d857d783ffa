#include "services/sink/json_writer.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

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

uint64_t Load8(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// Whether `text` needs no escaping at all, eight bytes at a time (the tail padded with 'a').
bool IsPlain(std::string_view text) {
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    if (JsonWriter::NeedsAttention(Load8(text.data() + i))) return false;
  }
  uint64_t tail = 0x6161616161616161ULL;
  std::memcpy(&tail, text.data() + i, text.size() - i);
  return !JsonWriter::NeedsAttention(tail);
}

template <typename Out>
size_t EscapeJsonString(std::string_view text, Out& out) {
  size_t replaced = 0;
  out.Ensure(text.size() + 2);
  out.Put('"');
  // Bytes that need no escaping are copied in runs: per-byte appends were the sink's hottest
  // code under load (bodies are mostly plain text).
  size_t run_start = 0;
  size_t i = 0;
  bool tail_tested = false;
  auto flush_run = [&] { out.Put(text.substr(run_start, i - run_start)); };
  while (i < text.size()) {
    // Eight plain bytes at a time: bodies are mostly printable ASCII.
    while (i + 8 <= text.size() && !JsonWriter::NeedsAttention(Load8(text.data() + i))) i += 8;
    if (i >= text.size()) break;
    // Fewer than eight bytes left (the end of most strings, all of a short one): one test of the
    // string's last eight bytes, or of a short string padded with 'a', instead of up to seven
    // rounds of the byte loop below. It passes only when every byte it sees is plain, those from
    // i on included; when it fails (something to escape, or non-ASCII before or after i), the
    // bytes go one by one as before, and it is not tried again.
    if (i + 8 > text.size() && !tail_tested) {
      tail_tested = true;
      uint64_t last = 0x6161616161616161ULL;
      if (text.size() >= 8) {
        last = Load8(text.data() + text.size() - 8);
      } else {
        std::memcpy(&last, text.data(), text.size());
      }
      if (!JsonWriter::NeedsAttention(last)) {
        i = text.size();
        break;
      }
    }
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
        out.Put("\xEF\xBF\xBD");  // U+FFFD
        ++replaced;
        length = 1;
      } else {
        out.Put(static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      }
    } else {
      flush_run();
      switch (c) {
        case '"':
          out.Put("\\\"");
          break;
        case '\\':
          out.Put("\\\\");
          break;
        case '\n':
          out.Put("\\n");
          break;
        case '\r':
          out.Put("\\r");
          break;
        case '\t':
          out.Put("\\t");
          break;
        case '\b':
          out.Put("\\b");
          break;
        case '\f':
          out.Put("\\f");
          break;
        default:
          out.Put("\\u00");
          out.Put(kHex[c >> 4]);
          out.Put(kHex[c & 0xF]);
      }
    }
    i += length;
    run_start = i;
  }
  flush_run();
  out.Put('"');
  return replaced;
}

// AppendJsonString's output: a std::string grown by append.
struct StringOut {
  std::string* s;
  void Ensure(size_t n) { s->reserve(s->size() + n); }
  void Put(char c) { s->push_back(c); }
  void Put(std::string_view v) { s->append(v); }
};

}  // namespace

size_t AppendJsonString(std::string_view text, std::string* out) {
  StringOut sink{out};
  return EscapeJsonString(text, sink);
}

void JsonWriter::Grow(size_t n) {
  out_.resize(std::max({out_.size() * 2, size_ + n, size_t{256}}));
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
  } else if (need_comma_) {
    Put(',');
  }
  need_comma_ = true;
}

void JsonWriter::BeginObject() {
  BeforeValue();
  Put('{');
  need_comma_ = false;
}

void JsonWriter::EndObject() {
  Put('}');
  need_comma_ = true;
}

void JsonWriter::BeginArray() {
  BeforeValue();
  Put('[');
  need_comma_ = false;
}

void JsonWriter::EndArray() {
  Put(']');
  need_comma_ = true;
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  // Keys are nearly always plain ASCII names from this code: write them in one piece.
  if (IsPlain(key)) {
    Ensure(key.size() + 3);
    char* p = out_.data() + size_;
    *p++ = '"';
    std::memcpy(p, key.data(), key.size());
    p[key.size()] = '"';
    p[key.size() + 1] = ':';
    size_ += key.size() + 3;
  } else {
    invalid_utf8_ += EscapeJsonString(key, *this);
    Put(':');
  }
  after_key_ = true;
}

void JsonWriter::RawJson(std::string_view json) {
  BeforeValue();
  Put(json);
}

void JsonWriter::RepeatRaw(size_t begin, size_t end) {
  BeforeValue();
  const size_t n = end - begin;
  Ensure(n);  // before taking the source: growing moves the buffer
  std::memcpy(out_.data() + size_, out_.data() + begin, n);
  size_ += n;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  invalid_utf8_ += EscapeJsonString(value, *this);
}

void JsonWriter::PlainString(std::string_view value) {
  assert(IsPlain(value));
  BeforeValue();
  Ensure(value.size() + 2);
  char* p = out_.data() + size_;
  p[0] = '"';
  std::memcpy(p + 1, value.data(), value.size());
  p[value.size() + 1] = '"';
  size_ += value.size() + 2;
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  Put(std::string_view(buffer, static_cast<size_t>(end - buffer)));
}

void JsonWriter::UInt(uint64_t value) {
  BeforeValue();
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  Put(std::string_view(buffer, static_cast<size_t>(end - buffer)));
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    Put("null");
    return;
  }
  char buffer[32];
  // Whole amounts ("$6 million") read better as 6000000 than as the shorter 6e+06.
  auto end =
      std::trunc(value) == value && std::fabs(value) < 1e15
          ? std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed).ptr
          : std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  Put(std::string_view(buffer, static_cast<size_t>(end - buffer)));
}

void JsonWriter::Float(float value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    Put("null");
    return;
  }
  // Shortest-form formatting costs ~1,500 instructions, and the floats written (confidences,
  // saliences) take few distinct values: a small direct-mapped cache of the formatted text, per
  // thread, keyed by the float's bits (the same bits always format the same).
  struct Entry {
    uint32_t bits = 0x7FC00001;  // a NaN: never looked up, so an empty slot never matches
    uint8_t size = 0;
    char text[19];
  };
  static thread_local Entry cache[256];
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  Entry& entry = cache[(bits * 0x9E3779B1u) >> 24];
  if (entry.bits != bits) {
    auto end = std::to_chars(entry.text, entry.text + sizeof(entry.text), value).ptr;
    entry.size = static_cast<uint8_t>(end - entry.text);
    entry.bits = bits;
  }
  Put(std::string_view(entry.text, entry.size));
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  Put(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  Put("null");
}

}  // namespace newsflow::sink
