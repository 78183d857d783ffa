#pragma once

// The wire bytes of an Article whose long text fields normalize has already made valid UTF-8.
//
// proto3 serialization checks the UTF-8 of every string field it writes, byte by byte
// (IsStructurallyValidUTF8, scalar): on plain-text articles that check of the body and of the
// per-language texts was about a tenth of the normalize stage's CPU. Both come from
// text::CleanParagraphs, whose output is valid UTF-8 by construction (whole paragraphs joined,
// spans cut at code point boundaries), so the check could never fail there. Here they are written
// next to the rest of the Article, which protobuf still serializes (and checks) itself.

#include <span>
#include <string>
#include <string_view>

#include "newsflow/v1/article.pb.h"
#include "services/core/text/language.h"

namespace newsflow {

// Returns exactly the bytes article.SerializeAsString() would return after
// article.set_body(body) and, per element of `texts`, an add_texts() with its language and text:
// the generated code writes fields in field-number order, so the body goes after the fields
// numbered below Article.body and the texts after those numbered below Article.texts.
// `article` must have an empty body and no texts. `body` and `texts` must be valid UTF-8; they are
// not checked (protobuf itself only logs invalid UTF-8 and writes the bytes anyway, so even then
// the bytes would be the same).
std::string SerializeArticleWithText(const v1::Article& article, std::string_view body,
                                     std::span<const text::LanguageText> texts);

}  // namespace newsflow
