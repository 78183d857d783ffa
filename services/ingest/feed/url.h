#pragma once

// Reference resolution (RFC 3986 §5.2) for links in feeds: xml:base chains, the document URL,
// href/src attributes inside HTML content.

#include <string>
#include <string_view>

namespace newsflow::feed {

// Resolves `ref` against `base`. When `base` is not an absolute URL (no scheme) or `ref` is
// already absolute, `ref` is returned unchanged (trimmed of surrounding whitespace). Never fails.
std::string ResolveUrl(std::string_view base, std::string_view ref);

// True for absolute http(s) URLs, the only ones allowed to become a document's base: a
// Content-Location of "javascript:..." must not rewrite the feed's links.
bool IsSafeBaseUrl(std::string_view url);

// Rewrites the href/src/cite/action/poster/longdesc attribute values of an HTML fragment so
// relative references are resolved against `base`. Text outside tags is copied unchanged.
std::string ResolveHtmlLinks(std::string_view html, std::string_view base);

}  // namespace newsflow::feed
