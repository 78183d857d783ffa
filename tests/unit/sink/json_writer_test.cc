#include "services/sink/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/sink/json_schema_check.h"

namespace newsflow::sink {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

TEST(JsonStringTest, EscapesWhatJsonRequires) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(Quoted("C:\\path"), "\"C:\\\\path\"");
  EXPECT_EQ(Quoted("a\nb\r\tc\b\f"), "\"a\\nb\\r\\tc\\b\\f\"");
  EXPECT_EQ(Quoted(std::string("nul\0x\x01\x1f", 7)), "\"nul\\u0000x\\u0001\\u001f\"");
  EXPECT_EQ(Quoted("/ and \x7f stay"), "\"/ and \x7f stay\"");
}

// The escaper skips eight plain bytes at a time: every byte value must still be seen at every
// position within and across those eight-byte words.
TEST(JsonStringTest, EveryByteIsEscapedAtEveryPositionOfALongRun) {
  auto expected = [](unsigned char b) -> std::string {
    switch (b) {
      case '"':
        return "\\\"";
      case '\\':
        return "\\\\";
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      case '\t':
        return "\\t";
      case '\b':
        return "\\b";
      case '\f':
        return "\\f";
      default:
        break;
    }
    if (b < 0x20) {
      constexpr char kHex[] = "0123456789abcdef";
      return std::string("\\u00") + kHex[b >> 4] + kHex[b & 0xF];
    }
    if (b >= 0x80) return "\xEF\xBF\xBD";  // a lone byte >= 0x80 is invalid UTF-8
    return std::string(1, static_cast<char>(b));
  };
  // Lengths around the word size too: the last bytes of a string are tested in one word.
  for (size_t length : {1, 2, 5, 7, 8, 9, 15, 16, 17, 24}) {
    for (int b = 0; b < 256; ++b) {
      for (size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = static_cast<char>(b);
        const std::string want = "\"" + std::string(at, 'a') +
                                 expected(static_cast<unsigned char>(b)) +
                                 std::string(length - 1 - at, 'a') + "\"";
        ASSERT_EQ(Quoted(text), want) << "byte " << b << " at " << at << " of " << length;
        JsonWriter w;
        w.String(text);
        ASSERT_EQ(w.str(), want) << "byte " << b << " at " << at << " of " << length;
      }
    }
  }
}

TEST(JsonStringTest, KeepsValidUtf8AndEscapesLineSeparators) {
  EXPECT_EQ(Quoted("輝達 “quoted” €5 😀"), "\"輝達 “quoted” €5 😀\"");
  EXPECT_EQ(Quoted("a\u2028b\u2029c"), "\"a\\u2028b\\u2029c\"");
}

TEST(JsonStringTest, ReplacesInvalidUtf8) {
  std::string out;
  // Lone continuation, overlong '/', surrogate, truncated sequence at the end.
  EXPECT_EQ(AppendJsonString("a\x80"
                             "b\xC0\xAF"
                             "c\xED\xA0\x80"
                             "d\xE2\x82",
                             &out),
            8u);
  EXPECT_TRUE(testing::ValidateJson(R"({"type":"string"})", out).empty()) << out;
  EXPECT_EQ(out.substr(0, 5), "\"a\xEF\xBF\xBD");
}

// Escaped text must parse back to the input with each invalid byte replaced, whatever mix of
// plain runs, escapes and multi-byte sequences it holds (run boundaries are where a bulk-copy
// escaper goes wrong).
TEST(JsonStringTest, RandomMixesRoundTripThroughAJsonParser) {
  // One piece per line: the kinds of run the escaper distinguishes.
  const std::vector<std::string> pieces = {
      "a",                 // ASCII letter
      "plain text ",       // ASCII run
      "\"",                // escaped quote
      "\\",                // escaped backslash
      "\n",                // short escape
      "\x01",              // \u escape
      "\x7f",              // DEL, passed through
      "é",                 // two-byte sequence
      "中文",              // three-byte sequences
      "\xF0\x9F\x98\x80",  // four-byte sequence (U+1F600)
      "\xE2\x80\xA8",      // U+2028, escaped for JavaScript
      "\xE2\x80\xA9",      // U+2029
      "\xff",              // invalid byte
      "\xC3",              // truncated sequence
      "\xED\xA0\x80",      // surrogate
      "/",
  };
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    std::string input, expected;
    size_t invalid = 0;
    int count = static_cast<int>(random() % 12);
    for (int k = 0; k < count; ++k) {
      const std::string& piece = pieces[random() % pieces.size()];
      input += piece;
      if (piece == "\xff" || piece == "\xC3") {
        expected += "\xEF\xBF\xBD";
        ++invalid;
      } else if (piece == "\xED\xA0\x80") {  // a surrogate: three invalid bytes
        expected += "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD";
        invalid += 3;
      } else {
        expected += piece;
      }
    }
    // A truncated sequence followed by a valid one would merge; keep the pieces separable.
    if (input.find("\xC3\x80") != std::string::npos ||
        input.find("\xC3\xA9") != std::string::npos ||
        input.find("\xC3\xE2") != std::string::npos) {
      continue;
    }
    std::string quoted;
    ASSERT_EQ(AppendJsonString(input, &quoted), invalid) << input;
    simdjson::dom::parser parser;
    std::string_view parsed;
    ASSERT_EQ(parser.parse(quoted).get(parsed), simdjson::SUCCESS) << quoted;
    EXPECT_EQ(parsed, expected) << quoted;
    EXPECT_EQ(quoted.find("\xE2\x80\xA8"), std::string::npos);
  }
}

// The escaper byte by byte, as it was before it scanned 16 or 32 bytes at a time: the reference
// the vector scans must match byte for byte.
size_t ReferenceEscape(std::string_view text, std::string* out) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  // Length of the valid UTF-8 sequence at i, or 0.
  auto valid_length = [&](size_t i) -> size_t {
    const unsigned char c = byte(i);
    const size_t n = text.size() - i;
    auto cont = [&](size_t k) { return (byte(i + k) & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) return n >= 2 && cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      if (n < 3 || !cont(1) || !cont(2)) return 0;
      if (c == 0xE0 && byte(i + 1) < 0xA0) return 0;
      if (c == 0xED && byte(i + 1) >= 0xA0) return 0;
      return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      if (n < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
      if (c == 0xF0 && byte(i + 1) < 0x90) return 0;
      if (c == 0xF4 && byte(i + 1) >= 0x90) return 0;
      return 4;
    }
    return 0;
  };
  constexpr char kHex[] = "0123456789abcdef";
  size_t replaced = 0;
  *out += '"';
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = byte(i);
    if (c >= 0x80) {
      const size_t length = valid_length(i);
      if (length == 0) {
        *out += "\xEF\xBF\xBD";
        ++replaced;
        ++i;
      } else if (length == 3 && c == 0xE2 && byte(i + 1) == 0x80 && (byte(i + 2) & 0xFE) == 0xA8) {
        *out += byte(i + 2) == 0xA8 ? "\\u2028" : "\\u2029";
        i += 3;
      } else {
        out->append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          *out += kHex[c >> 4];
          *out += kHex[c & 0xF];
        } else {
          *out += static_cast<char>(c);
        }
    }
    ++i;
  }
  *out += '"';
  return replaced;
}

// `text` through every way of escaping it (AVX2 scan where the CPU has it, SSE2 scan, the
// writer's String) against the reference: same bytes, same count of replaced sequences.
void ExpectEscapedAsReference(std::string_view text) {
  std::string want;
  const size_t want_replaced = ReferenceEscape(text, &want);
  for (bool avx2 : {true, false}) {
    std::string got = "prefix";  // appended to, not replaced
    ASSERT_EQ(AppendJsonStringForTest(text, &got, avx2), want_replaced) << "avx2 " << avx2;
    ASSERT_EQ(got, "prefix" + want) << "avx2 " << avx2 << " input size " << text.size();
  }
  JsonWriter w;
  w.String(text);
  ASSERT_EQ(w.str(), want);
  ASSERT_EQ(w.invalid_utf8_replaced(), want_replaced);
}

// Every byte value at every position of strings up to 100 bytes long: within and across the
// 16- and 32-byte blocks the scans test, and in the tail each scan tests on its own.
TEST(JsonStringTest, VectorScansMatchTheBytewiseEscaperForEveryByteAtEveryPosition) {
  // Read from a buffer at every offset of a 32-byte block, so loads cross lines and pages at
  // different points too.
  std::string buffer(200, 'a');
  for (size_t length = 1; length <= 100; ++length) {
    for (int b = 0; b < 256; ++b) {
      for (size_t at = 0; at < length; ++at) {
        const size_t offset = (length + at + static_cast<size_t>(b)) % 32;
        std::fill(buffer.begin(), buffer.end(), 'a');
        buffer[offset + at] = static_cast<char>(b);
        ASSERT_NO_FATAL_FAILURE(
            ExpectEscapedAsReference(std::string_view(buffer).substr(offset, length)))
            << "byte " << b << " at " << at << " of " << length;
      }
    }
  }
}

// Two bytes needing attention at every pair of positions of a 70-byte string (two 32-byte blocks
// and a tail), including multi-byte sequences, U+2028 and truncated sequences straddling them.
TEST(JsonStringTest, VectorScansMatchTheBytewiseEscaperForPairsAndSequencesAcrossBlocks) {
  const std::vector<std::string> pieces = {"\"",
                                           "\\",
                                           "\n",
                                           "\x1f",
                                           "\x7f",
                                           "\xC3\xA9",
                                           "\xE4\xB8\xAD",
                                           "\xE2\x80\xA8",
                                           "\xE2\x80\xA9",
                                           "\xE2\x80\x99",
                                           "\xF0\x9F\x98\x80",
                                           "\xC3",
                                           "\xE2\x80",
                                           "\xED\xA0\x80",
                                           "\xFF"};
  for (const std::string& first : pieces) {
    for (const std::string& second : pieces) {
      for (size_t at = 0; at < 70; ++at) {
        for (size_t at2 = at; at2 < 70; at2 += 3) {
          std::string text = std::string(at, 'x') + first + std::string(at2 - at, 'x') + second;
          text.resize(70, 'x');  // a sequence cut at the end is a truncated one
          ASSERT_NO_FATAL_FAILURE(ExpectEscapedAsReference(text));
        }
      }
    }
  }
}

// Random strings up to 20 kB over all byte values, mostly plain text as bodies are.
TEST(JsonStringTest, VectorScansMatchTheBytewiseEscaperOnRandomStrings) {
  const std::vector<std::string> pieces = {"\xE2\x80\xA8",     "\xE2\x80\xA9", "\xE2\x80\x9C",
                                           "\xC3\xA9",         "\xE4\xB8\xAD", "\xF0\x9F\x98\x80",
                                           "\xF4\x90\x80\x80", "\xE0\x80\xAF", "\xC0\xAF"};
  std::mt19937 random(2026);
  for (int round = 0; round < 3000; ++round) {
    const size_t length = round < 2000 ? random() % 200 : random() % 20'000;
    // How often a byte is not plain: from never to always.
    const uint32_t odds = random() % 101;
    std::string text;
    while (text.size() < length) {
      if (random() % 100 >= odds) {
        text += static_cast<char>(0x20 + random() % 0x5F);  // printable ASCII
      } else if (random() % 4 == 0) {
        text += pieces[random() % pieces.size()];
      } else {
        text += static_cast<char>(random() % 256);
      }
    }
    ASSERT_NO_FATAL_FAILURE(ExpectEscapedAsReference(text)) << "round " << round;
  }
}

TEST(JsonWriterTest, NestsWithCommasAndColons) {
  JsonWriter w;
  w.BeginObject();
  w.Field("s", "x");
  w.Field("i", int64_t{-3});
  w.Field("u", uint64_t{18446744073709551615ULL});
  w.Key("a");
  w.BeginArray();
  w.Int(1);
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.Null();
  w.EndArray();
  w.Field("b", true);
  w.StringOrNull("n", "");
  w.EndObject();
  EXPECT_EQ(w.str(),
            R"({"s":"x","i":-3,"u":18446744073709551615,"a":[1,{},[],null],"b":true,"n":null})");
}

TEST(JsonWriterTest, KeysNeedingEscapesAreEscapedAndRawJsonIsSplicedAsAValue) {
  JsonWriter inner;
  inner.BeginObject();
  inner.Field("id", "a-1");
  inner.EndObject();
  JsonWriter w;
  w.BeginObject();
  w.Field("plain_key", int64_t{1});
  w.Field("quote\"back\\slash\nline", int64_t{2});
  w.Key("article");
  w.RawJson(inner.str());
  w.Key("list");
  w.BeginArray();
  w.RawJson("[]");
  w.RawJson(inner.str());
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"plain_key":1,"quote\"back\\slash\nline":2,"article":{"id":"a-1"},)"
                     R"("list":[[],{"id":"a-1"}]})");
  EXPECT_TRUE(testing::ValidateJson(R"({"type":"object"})", w.str()).empty());
}

// RepeatRaw copies from the writer's own buffer, which grows (moves) while it copies a string
// longer than the room left.
TEST(JsonWriterTest, RepeatRawWritesTheSameBytesAsWritingTheValueAgain) {
  const std::string text = std::string(3000, 'x') + "\"quoted\"\n" + std::string(5000, 'y');
  JsonWriter once;
  once.BeginObject();
  once.Key("a");
  const size_t begin = once.str().size();
  once.String(text);
  const size_t end = once.str().size();
  once.Key("b");
  once.RepeatRaw(begin, end);
  once.Key("list");
  once.BeginArray();
  once.RepeatRaw(begin, end);
  once.RepeatRaw(begin, end);
  once.EndArray();
  once.EndObject();
  JsonWriter twice;
  twice.BeginObject();
  twice.Field("a", text);
  twice.Field("b", text);
  twice.Key("list");
  twice.BeginArray();
  twice.String(text);
  twice.String(text);
  twice.EndArray();
  twice.EndObject();
  EXPECT_EQ(once.str(), twice.str());
}

// Float keeps the formatted text of recent values: whatever the order and the collisions in its
// cache, each value comes out as std::to_chars formats it.
TEST(JsonWriterTest, FloatsAreWrittenAsToCharsWritesThemAcrossItsCache) {
  std::mt19937 rng(20261205);
  std::vector<float> values = {0.f, -0.f, 1.f, 0.8f, 0.93f, 1e-38f, -3.4e38f, 1.17549435e-38f};
  for (int i = 0; i < 5000; ++i) {
    uint32_t bits = static_cast<uint32_t>(rng());
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    if (std::isfinite(f)) values.push_back(f);
    values.push_back(static_cast<float>(rng() % 1000) / 1000.f);  // confidences: many repeats
  }
  for (int round = 0; round < 2; ++round) {
    for (float f : values) {
      JsonWriter w;
      w.Float(f);
      char buffer[32];
      auto end = std::to_chars(buffer, buffer + sizeof(buffer), f).ptr;
      ASSERT_EQ(w.str(), std::string_view(buffer, static_cast<size_t>(end - buffer))) << f;
    }
  }
}

TEST(JsonWriterTest, NumbersAreShortAndValid) {
  JsonWriter w;
  w.BeginArray();
  w.Float(0.8f);
  w.Double(6000000.0);
  w.Double(0.1);
  w.Double(1e300);
  w.Double(std::numeric_limits<double>::quiet_NaN());
  w.Double(-std::numeric_limits<double>::infinity());
  w.EndArray();
  EXPECT_EQ(w.str(), "[0.8,6000000,0.1,1e+300,null,null]");
  EXPECT_TRUE(testing::ValidateJson(R"({"type":"array"})", w.str()).empty());
}

TEST(JsonSchemaCheckTest, ReportsViolationsWithPaths) {
  const char* schema = R"({"type":"object","additionalProperties":false,"required":["a","b"],
    "properties":{"a":{"type":"integer","minimum":0},"b":{"type":"array","items":{"enum":["x"]}}}})";
  EXPECT_TRUE(testing::ValidateJson(schema, R"({"a":1,"b":["x"]})").empty());
  auto errors = testing::ValidateJson(schema, R"({"a":-1.5,"b":["y"],"c":0})");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "/a: type number not allowed by \"integer\"");
  EXPECT_EQ(errors[1], "/b/0: \"y\" not in enum");
  EXPECT_EQ(errors[2], "/c: property not allowed");
  EXPECT_EQ(testing::ValidateJson(schema, R"({"a":1})").at(0), ": missing 'b'");
  EXPECT_FALSE(testing::ValidateJson(R"({"pattern":"x"})", "1").empty());  // unsupported keyword
  EXPECT_FALSE(testing::ValidateJson(schema, "{").empty());
}

}  // namespace
}  // namespace newsflow::sink
