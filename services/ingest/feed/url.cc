#include "services/ingest/feed/url.h"

#include <vector>

#include "services/core/text/ascii.h"

namespace newsflow::feed {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Length of the scheme (without ':'), or 0 when `s` has none.
size_t SchemeLength(std::string_view s) {
  if (s.empty() || !IsAlpha(s[0])) return 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ':') return i;
    if (!(IsAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return 0;
  }
  return 0;
}

struct Parts {
  std::string_view scheme;
  bool has_authority = false;
  std::string_view authority;
  std::string_view path;
  bool has_query = false;
  std::string_view query;
  bool has_fragment = false;
  std::string_view fragment;
};

Parts Split(std::string_view s) {
  Parts p;
  const size_t sl = SchemeLength(s);
  if (sl > 0) {
    p.scheme = s.substr(0, sl);
    s.remove_prefix(sl + 1);
  }
  if (const size_t hash = s.find('#'); hash != std::string_view::npos) {
    p.has_fragment = true;
    p.fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  if (const size_t q = s.find('?'); q != std::string_view::npos) {
    p.has_query = true;
    p.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  if (s.substr(0, 2) == "//") {
    p.has_authority = true;
    s.remove_prefix(2);
    const size_t slash = s.find('/');
    p.authority = s.substr(0, slash);
    s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  }
  p.path = s;
  return p;
}

std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> out;
  const bool absolute = !path.empty() && path[0] == '/';
  size_t i = absolute ? 1 : 0;
  bool trailing_slash = false;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view seg = path.substr(i, j - i);
    trailing_slash = false;
    if (seg == ".") {
      trailing_slash = true;
    } else if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = true;
    } else {
      out.push_back(seg);
    }
    i = j + 1;
  }
  std::string r = absolute ? "/" : "";
  for (size_t k = 0; k < out.size(); ++k) {
    if (k > 0) r.push_back('/');
    r.append(out[k]);
  }
  if (trailing_slash && (r.empty() || r.back() != '/')) r.push_back('/');
  return r;
}

}  // namespace

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  base = Trim(base);
  ref = Trim(ref);
  if (SchemeLength(ref) > 0) return std::string(ref);
  if (SchemeLength(base) == 0) return std::string(ref);
  const Parts b = Split(base);
  const Parts r = Split(ref);
  std::string out(b.scheme);
  out.push_back(':');
  std::string_view authority;
  bool has_authority;
  std::string path;
  std::string_view query;
  bool has_query;
  if (r.has_authority) {
    has_authority = true;
    authority = r.authority;
    path = RemoveDotSegments(r.path);
    has_query = r.has_query;
    query = r.query;
  } else {
    has_authority = b.has_authority;
    authority = b.authority;
    if (r.path.empty()) {
      path = std::string(b.path);
      has_query = r.has_query || b.has_query;
      query = r.has_query ? r.query : b.query;
    } else {
      if (r.path[0] == '/') {
        path = RemoveDotSegments(r.path);
      } else {
        std::string merged;
        if (b.has_authority && b.path.empty()) {
          merged = "/";
        } else {
          const size_t slash = b.path.rfind('/');
          if (slash != std::string_view::npos) merged = std::string(b.path.substr(0, slash + 1));
        }
        merged.append(r.path);
        path = RemoveDotSegments(merged);
      }
      has_query = r.has_query;
      query = r.query;
    }
  }
  if (has_authority) {
    out += "//";
    out.append(authority);
  }
  out += path;
  if (has_query) {
    out.push_back('?');
    out.append(query);
  }
  if (r.has_fragment) {
    out.push_back('#');
    out.append(r.fragment);
  }
  return out;
}

bool IsSafeBaseUrl(std::string_view url) {
  url = Trim(url);
  const size_t sl = SchemeLength(url);
  if (sl == 0) return false;
  std::string scheme;
  for (char c : url.substr(0, sl)) scheme.push_back(text::AsciiLower(c));
  return scheme == "http" || scheme == "https";
}

std::string ResolveHtmlLinks(std::string_view html, std::string_view base) {
  if (SchemeLength(Trim(base)) == 0) return std::string(html);
  static constexpr std::string_view kUrlAttributes[] = {"href",   "src",    "cite",
                                                        "action", "poster", "longdesc"};
  std::string out;
  out.reserve(html.size() + 64);
  size_t i = 0;
  while (i < html.size()) {
    const size_t lt = html.find('<', i);
    if (lt == std::string_view::npos || lt + 1 >= html.size() || !IsAlpha(html[lt + 1])) {
      const size_t end = lt == std::string_view::npos ? html.size() : lt + 1;
      out.append(html.substr(i, end - i));
      i = end;
      continue;
    }
    out.append(html.substr(i, lt - i));
    // Walk the tag's attributes.
    size_t k = lt + 1;
    while (k < html.size() && html[k] != '>' && !IsSpace(html[k]) && html[k] != '/') ++k;
    out.append(html.substr(lt, k - lt));
    while (k < html.size() && html[k] != '>') {
      if (!IsAlpha(html[k])) {
        out.push_back(html[k++]);
        continue;
      }
      const size_t name_start = k;
      while (k < html.size() && html[k] != '=' && html[k] != '>' && !IsSpace(html[k]) &&
             html[k] != '/') {
        ++k;
      }
      std::string name;
      for (char c : html.substr(name_start, k - name_start)) name.push_back(text::AsciiLower(c));
      out.append(html.substr(name_start, k - name_start));
      size_t eq = k;
      while (eq < html.size() && IsSpace(html[eq])) ++eq;
      if (eq >= html.size() || html[eq] != '=') continue;
      out.append(html.substr(k, eq + 1 - k));
      k = eq + 1;
      while (k < html.size() && IsSpace(html[k])) out.push_back(html[k++]);
      size_t vstart;
      size_t vend;
      char quote = 0;
      if (k < html.size() && (html[k] == '"' || html[k] == '\'')) {
        quote = html[k];
        vstart = k + 1;
        vend = html.find(quote, vstart);
        if (vend == std::string_view::npos) vend = html.size();
      } else {
        vstart = k;
        vend = k;
        while (vend < html.size() && !IsSpace(html[vend]) && html[vend] != '>') ++vend;
      }
      const std::string_view value = html.substr(vstart, vend - vstart);
      bool is_url = false;
      for (std::string_view a : kUrlAttributes) is_url = is_url || a == name;
      if (quote) out.push_back(quote);
      if (is_url) {
        out += ResolveUrl(base, value);
      } else {
        out.append(value);
      }
      if (quote && vend < html.size()) out.push_back(quote);
      k = quote && vend < html.size() ? vend + 1 : vend;
    }
    if (k < html.size()) out.push_back(html[k++]);
    i = k;
  }
  return out;
}

}  // namespace newsflow::feed
