#include "services/sink/json_writer.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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

#if defined(__x86_64__) && defined(__GNUC__)
#define NEWSFLOW_JSON_SIMD 1

// Bit k set when byte k of the 16 at `p` needs the escaper's attention: a control character,
// '"', '\\' or non-ASCII. One signed compare catches both the controls and the bytes >= 0x80
// (negative as signed chars).
[[gnu::always_inline]] inline uint32_t AttentionMask16(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i control_or_high = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_or_si128(control_or_high, _mm_or_si128(quote, backslash))));
}

// FindAttention for fewer than 16 bytes left: one test of the string's last 16 bytes (the bits
// of those before `i` shifted out), or of a short string's bytes padded with plain 'a'.
[[gnu::always_inline]] inline size_t FindAttentionTail(const char* s, size_t i, size_t n) {
  if (i >= n) return n;
  uint32_t mask;
  if (n >= 16) {
    mask = AttentionMask16(s + n - 16) >> (i - (n - 16));
  } else {
    char padded[16];
    std::memset(padded, 'a', sizeof(padded));
    std::memcpy(padded, s + i, n - i);
    mask = AttentionMask16(padded);
  }
  return mask != 0 ? i + static_cast<size_t>(__builtin_ctz(mask)) : n;
}

// FindAttention, 32 bytes at a time (for at least 32 bytes left).
[[gnu::target("avx2")]] size_t FindAttentionAvx2(const char* s, size_t i, size_t n) {
  const __m256i space = _mm256_set1_epi8(0x20);
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    const __m256i attention = _mm256_or_si256(
        _mm256_cmpgt_epi8(space, v),
        _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash)));
    const uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(attention));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
  if (i + 16 <= n) {
    const uint32_t mask = AttentionMask16(s + i);
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
    i += 16;
  }
  return FindAttentionTail(s, i, n);
}

// Chosen once per process: the branch on it is always predicted.
const bool kHasAvx2 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}();
#else
const bool kHasAvx2 = false;
#endif

// The index of the first byte of s[i, n) that needs the escaper's attention (see
// AttentionMask16), or n. Bodies are several kB of mostly plain text: 16 or 32 bytes are tested
// at a time (the 8-byte word test before this made the escaper a fifth of the stage under load).
inline size_t FindAttention(const char* s, size_t i, size_t n, bool avx2) {
#if defined(NEWSFLOW_JSON_SIMD)
  if (avx2 && n - i >= 32) return FindAttentionAvx2(s, i, n);
  for (; i + 16 <= n; i += 16) {
    const uint32_t mask = AttentionMask16(s + i);
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
  return FindAttentionTail(s, i, n);
#else
  (void)avx2;
  for (; i + 8 <= n; i += 8) {
    if (JsonWriter::NeedsAttention(Load8(s + i))) break;
  }
  for (; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
  }
  return i;
#endif
}

// `avx2`: whether FindAttention may use AVX2 (kHasAvx2, except in tests of the SSE2 scan).
template <typename Out>
size_t EscapeJsonString(std::string_view text, Out& out, bool avx2 = kHasAvx2) {
  size_t replaced = 0;
  out.Ensure(text.size() + 2);
  out.Put('"');
  // Bytes that need no escaping are copied in runs: per-byte appends were the sink's hottest
  // code under load (bodies are mostly plain text). Valid UTF-8 sequences other than U+2028 and
  // U+2029 stay in the run.
  const char* s = text.data();
  const size_t n = text.size();
  size_t run_start = 0;
  size_t i = 0;
  auto flush_run = [&] { out.Put(text.substr(run_start, i - run_start)); };
  while ((i = FindAttention(s, i, n, avx2)) < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t length = 1;
    if (c >= 0x80) {
      length = ValidSequenceLength(text, i);
      // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: valid JSON, but not valid inside
      // a JavaScript string literal before ES2019.
      bool line_separator = length == 3 && c == 0xE2 &&
                            static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                            (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8;
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
        out.Put(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
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

size_t AppendJsonStringForTest(std::string_view text, std::string* out, bool allow_avx2) {
  StringOut sink{out};
  return EscapeJsonString(text, sink, allow_avx2 && kHasAvx2);
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
