#pragma once

// Full web page → the article it carries: metadata and the main-content paragraphs, with page
// furniture (navigation, headers/footers, ads, share bars, comments, related-article blocks,
// cookie banners, captions, bylines) left out.
//
// How: one libxml2 parse; metadata from <meta>/<link>/<time>/JSON-LD; the main content is the
// DOM subtree with the densest non-link paragraph text (readability-style scoring, adjusted by
// class/id name heuristics), widened to sibling blocks that score alike, then cleaned of
// link-heavy and boilerplate blocks and trimmed of calls to action at its edges. When the DOM
// text misses most of the page's JSON-LD articleBody, that body is returned instead. General
// rules only: nothing is keyed on a site.
//
// Pure logic (libxml2, simdjson, ICU via text::CleanParagraphs). No exceptions on the data path:
// a page with no recognisable article yields empty fields, never an error. Thread-safe: calls
// share no mutable state.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::html {

struct ExtractedArticle {
  std::string title;                    // og:title, JSON-LD headline, <title> or first <h1>
  std::string author;                   // meta author, JSON-LD author name(s) joined by ", "
  std::string published;                // raw string as found in meta, <time datetime> or JSON-LD
  std::string canonical_url;            // <link rel=canonical> or og:url, as written in the page
  std::string language;                 // <html lang> or og:locale, as written in the page
  std::string site_name;                // og:site_name or JSON-LD publisher name
  std::string description;              // og:description, meta description or JSON-LD description
  std::vector<std::string> paragraphs;  // main content, clean UTF-8 (text::CleanParagraphs)
};

struct ArticleExtractorOptions {
  // Paragraph-like blocks shorter than this many characters do not vote for a container
  // (they are still output when inside the chosen one).
  size_t min_scored_paragraph_chars = 25;  // default: 25
  // Keep sub-headings (h2-h6) found inside the content; the page's own title (h1) is always left
  // out because it is returned as `title`.
  bool keep_headings = true;  // default: true
  // Keep <figcaption> photo captions inside the content.
  bool keep_captions = false;  // default: false
  // When the page's JSON-LD carries an articleBody of 200+ bytes and the DOM extraction covers
  // less than half of its distinct words (script-rendered pages, a wrong container), return the
  // JSON-LD body instead: publishers write it for exactly this purpose.
  bool use_json_ld_body = true;  // default: true
  // The charset of the HTTP Content-Type the page came with; overrides <meta charset>.
  // Default: empty (sniff the page).
  std::string declared_encoding;
};

// Extracts the article from a whole page. `html` is the raw page; its charset comes from a BOM
// or <meta charset>/http-equiv (UTF-8 when none is declared). Fields the page does not carry are
// empty. The result owns all its strings.
ExtractedArticle ExtractArticle(std::string_view html, const ArticleExtractorOptions& options = {});

}  // namespace newsflow::html
