#include "services/normalize/article_wire.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>

#include "services/core/proto_wire.h"

namespace newsflow {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using wire::AppendLengthDelimited;
using wire::AppendVarint;
using wire::LengthDelimitedSize;
using wire::LengthDelimitedTag;

// Offset in `wire` (a serialized message), at or after `from`, of the first top-level field
// numbered above `field`; wire.size() when there is none.
size_t FieldsEnd(std::string_view wire, size_t from, int field) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(wire.data()) + from,
                      static_cast<int>(wire.size() - from));
  while (true) {
    const int at = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();  // 0 at the end
    if (tag == 0 || WireFormatLite::GetTagFieldNumber(tag) > field) {
      return tag == 0 ? wire.size() : from + static_cast<size_t>(at);
    }
    // Cannot fail on what protobuf just wrote; should it, the fields go at the end (still a
    // valid encoding, parsers accept fields in any order).
    if (!WireFormatLite::SkipField(&in, tag)) return wire.size();
  }
}

// Size of a LanguageText's own fields (proto3 leaves empty strings out).
size_t LanguageTextSize(const text::LanguageText& t) {
  size_t size = 0;
  if (!t.language.empty()) {
    size += LengthDelimitedSize(v1::LanguageText::kLanguageFieldNumber, t.language.size());
  }
  if (!t.text.empty()) {
    size += LengthDelimitedSize(v1::LanguageText::kTextFieldNumber, t.text.size());
  }
  return size;
}

}  // namespace

std::string SerializeArticleWithText(const v1::Article& article, std::string_view body,
                                     std::span<const text::LanguageText> texts) {
  static_assert(v1::Article::kBodyFieldNumber < v1::Article::kTextsFieldNumber);
  static_assert(v1::LanguageText::kLanguageFieldNumber < v1::LanguageText::kTextFieldNumber);
  const std::string rest = article.SerializeAsString();
  const size_t body_at = FieldsEnd(rest, 0, v1::Article::kBodyFieldNumber);
  const size_t texts_at = FieldsEnd(rest, body_at, v1::Article::kTextsFieldNumber);

  // proto3 leaves an empty body out.
  size_t size = rest.size();
  if (!body.empty()) size += LengthDelimitedSize(v1::Article::kBodyFieldNumber, body.size());
  for (const auto& t : texts) {
    size += LengthDelimitedSize(v1::Article::kTextsFieldNumber, LanguageTextSize(t));
  }
  std::string out;
  out.reserve(size);
  out.append(rest, 0, body_at);
  if (!body.empty()) AppendLengthDelimited(v1::Article::kBodyFieldNumber, body, &out);
  out.append(rest, body_at, texts_at - body_at);
  for (const auto& t : texts) {
    AppendVarint(LengthDelimitedTag(v1::Article::kTextsFieldNumber), &out);
    AppendVarint(LanguageTextSize(t), &out);
    if (!t.language.empty()) {
      AppendLengthDelimited(v1::LanguageText::kLanguageFieldNumber, t.language, &out);
    }
    if (!t.text.empty()) AppendLengthDelimited(v1::LanguageText::kTextFieldNumber, t.text, &out);
  }
  out.append(rest, texts_at, std::string::npos);
  return out;
}

}  // namespace newsflow
