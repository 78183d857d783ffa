#include "services/core/url/canonical_url.h"

#include <algorithm>
#include <cctype>

#include "services/core/text/ascii.h"

namespace newsflow::url {
namespace {

using text::AsciiLower;
using text::EqualsIgnoringAsciiCase;

bool IsTracking(std::string_view name, const CanonicalUrlOptions& options) {
  for (const auto& pattern : options.tracking_parameters) {
    if (!pattern.empty() && pattern.back() == '*') {
      std::string_view prefix(pattern.data(), pattern.size() - 1);
      if (text::StartsWithIgnoringAsciiCase(name, prefix)) {
        return true;
      }
    } else if (EqualsIgnoringAsciiCase(name, pattern)) {
      return true;
    }
  }
  return false;
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Characters allowed unescaped in a path or query (RFC 3986 pchar plus '/' and '?').
bool IsUrlChar(unsigned char c) {
  return std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/?%").find(static_cast<char>(c)) !=
                                std::string_view::npos;
}

// Upper-cases existing escapes and escapes what may not appear raw.
std::string NormalizeEscapes(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '%' && i + 2 < in.size() && IsHex(in[i + 1]) && IsHex(in[i + 2])) {
      out.push_back('%');
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(in[i + 1]))));
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(in[i + 2]))));
      i += 2;
    } else if (c != '%' && IsUrlChar(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 1;  // path starts with '/'
  bool trailing_slash = false;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view segment = path.substr(pos, next - pos);
    bool last = next == path.size();
    if (segment == ".") {
      trailing_slash = last;
    } else if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = last;
    } else {
      segments.push_back(segment);
      trailing_slash = false;
    }
    pos = next + 1;
  }
  std::string out;
  for (auto segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (trailing_slash || out.empty()) out.push_back('/');
  return out;
}

}  // namespace

std::optional<std::string> CanonicalizeUrl(std::string_view input,
                                           const CanonicalUrlOptions& options) {
  // Trim surrounding whitespace; a URL copied from markup often carries some.
  while (!input.empty() && std::isspace(static_cast<unsigned char>(input.front()))) {
    input.remove_prefix(1);
  }
  while (!input.empty() && std::isspace(static_cast<unsigned char>(input.back()))) {
    input.remove_suffix(1);
  }
  size_t colon = input.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  std::string scheme;
  for (char c : input.substr(0, colon)) scheme.push_back(AsciiLower(c));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view rest = input.substr(colon + 3);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path_and_query =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

  std::string userinfo;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    userinfo = std::string(authority.substr(0, at + 1));
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {  // IPv6 literal
    size_t close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return std::nullopt;
      port = host.substr(close + 2);
    }
    host = host.substr(0, close + 1);
  } else if (size_t c = host.rfind(':'); c != std::string_view::npos) {
    port = host.substr(c + 1);
    host = host.substr(0, c);
  }
  if (host.empty()) return std::nullopt;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  if (host.front() != '[') {
    for (unsigned char c : host) {
      // RFC 3986 reg-name (unreserved, sub-delims, escapes) plus raw non-ASCII for IDNs.
      bool allowed =
          c >= 0x80 || std::isalnum(c) ||
          std::string_view("-._~%!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos;
      if (!allowed) return std::nullopt;
    }
  }
  std::string out = scheme + "://" + userinfo;
  std::string lowered_host;
  for (char c : host) lowered_host.push_back(AsciiLower(c));
  if (lowered_host.size() > 1 && lowered_host.back() == '.') lowered_host.pop_back();
  // Empty labels ("a..b", ".a", "a..") are not host names.
  if (lowered_host.front() == '.' || lowered_host.back() == '.' ||
      lowered_host.find("..") != std::string::npos) {
    return std::nullopt;
  }
  out += lowered_host;
  std::string_view port_digits = port;
  while (port_digits.size() > 1 && port_digits.front() == '0') port_digits.remove_prefix(1);
  bool default_port = port_digits.empty() || (scheme == "http" && port_digits == "80") ||
                      (scheme == "https" && port_digits == "443");
  if (!default_port) {
    out.push_back(':');
    out.append(port_digits);
  }

  std::string_view path = path_and_query;
  std::string_view query;
  if (size_t q = path_and_query.find('?'); q != std::string_view::npos) {
    path = path_and_query.substr(0, q);
    query = path_and_query.substr(q + 1);
  }
  out += path.empty() ? std::string("/") : RemoveDotSegments(NormalizeEscapes(path));

  std::string kept;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view param = query.substr(pos, amp - pos);
    std::string_view name = param.substr(0, param.find('='));
    if (!param.empty() && !IsTracking(name, options)) {
      if (!kept.empty()) kept.push_back('&');
      kept += NormalizeEscapes(param);
    }
    pos = amp + 1;
  }
  if (!kept.empty()) out += "?" + kept;
  return out;
}

}  // namespace newsflow::url
