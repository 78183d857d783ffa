#pragma once

// Minimal HTML handling for feed text fields: entity decoding, a tag stripper that keeps
// paragraph breaks, and markup sniffing. Deliberately small and private to feed parsing; full
// HTML-to-text (main-content extraction, boilerplate) belongs to the normalize stage.

#include <cstdint>
#include <string>
#include <string_view>

#include "services/core/text/hygiene.h"

namespace newsflow::feed {

using text::AppendUtf8;

// Decodes HTML character references: named ones (HTML5 list, semicolon required), decimal and
// hex numeric ones. Numeric references to 0x80..0x9F are read as windows-1252, as browsers do
// ("&#146;" is U+2019); NUL, surrogates and out-of-range values become U+FFFD. Unknown names
// ("&bogus;") and bare '&' are kept literally.
std::string DecodeHtmlEntities(std::string_view text);

// Reduces an HTML fragment to plain text: tags, comments and the contents of script/style are
// dropped, character references decoded, block-level elements and <br> end a line, runs of ASCII
// whitespace inside a line collapse to one space (NBSP and other Unicode spaces are kept as
// written), lines are trimmed and empty lines dropped; lines are joined by '\n'. Unterminated
// tags ("a < b") are kept as text.
std::string HtmlToPlainText(std::string_view html);

// The same whitespace treatment for text that is already plain: each line has its runs of ASCII
// whitespace collapsed and is trimmed; empty lines are dropped.
std::string CollapseWhitespace(std::string_view text);

// True when `text` contains something a browser would read as markup: a tag ("<p", "</b",
// "<!--") or a character reference ("&amp;", "&#39;"). Used to decide whether a feed value whose
// type is unknown (RSS description, titles) is HTML.
bool LooksLikeHtml(std::string_view text);

}  // namespace newsflow::feed
