#pragma once
// Pieces of the protobuf wire format for stages that write a message around bytes they already
// hold (a body known to be valid UTF-8, an input message carried unchanged), instead of copying
// them into a message and having protobuf serialize (and re-check) them. Parsers accept fields in
// any order, so such pieces concatenate into one valid message.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace newsflow::wire {

inline void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

constexpr size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

// The tag of length-delimited field `field` (strings, bytes, messages).
constexpr uint32_t LengthDelimitedTag(int field) { return static_cast<uint32_t>(field) << 3 | 2; }

// Size of a length-delimited field holding `length` bytes.
constexpr size_t LengthDelimitedSize(int field, size_t length) {
  return VarintSize(LengthDelimitedTag(field)) + VarintSize(length) + length;
}

// Appends field `field` holding `bytes` (a string, or a serialized submessage).
inline void AppendLengthDelimited(int field, std::string_view bytes, std::string* out) {
  AppendVarint(LengthDelimitedTag(field), out);
  AppendVarint(bytes.size(), out);
  out->append(bytes);
}

}  // namespace newsflow::wire
