#pragma once

// HTML fragment or page → plain-text paragraphs, for the HTML snippets found in feed items and
// pushed articles (descriptions, content:encoded, JSON "html" fields).
//
// Pure logic: libxml2's HTML parser (lenient, recovers from any malformed markup) plus
// newsflow::text hygiene. No exceptions on the data path; bad input yields fewer or no
// paragraphs, never an error. Thread-safe: no shared mutable state.

#include <string>
#include <string_view>
#include <vector>

namespace newsflow::html {

struct HtmlTextOptions {
  // Text of <figcaption> (photo captions) is kept; set false to drop it.
  bool keep_captions = true;  // default: true
  // Text of <nav>, <aside>, <header> and <footer> is kept; a fragment is usually all content.
  bool keep_page_furniture = true;  // default: true
};

// Converts `html` (UTF-8 for fragments; a full page may declare another charset in a <meta>
// tag, which is honoured) to paragraphs:
//  - entities decoded (named, decimal, hex);
//  - block elements (p, div, li, h1-h6, blockquote, pre, tr, dt/dd, section, article, ...) and
//    each <br> end a paragraph; lines of <pre> become paragraphs;
//  - inline whitespace runs collapse to one space; table cells are separated by a space;
//  - script, style, noscript, template, svg, math, iframe, object, video, audio, form controls
//    and <head> are dropped;
//  - every paragraph then goes through text::CleanParagraphs (valid UTF-8, NFC, controls and
//    zero-width characters removed, no leading/trailing/double spaces); empty ones are dropped.
// Plain text without markup comes back as its lines. Empty input gives an empty vector.
std::vector<std::string> HtmlToParagraphs(std::string_view html,
                                          const HtmlTextOptions& options = {});

}  // namespace newsflow::html
