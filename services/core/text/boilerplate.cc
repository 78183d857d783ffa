#include "services/core/text/boilerplate.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <locale>
#include <string_view>
#include <utility>

namespace newsflow::text {
namespace {

// Bumped whenever the structural (non-regex) logic changes, so version() changes with it.
constexpr std::string_view kAlgorithmVersion = "boilerplate/1";

// Written with std::regex's byte-wise matching in mind: multi-byte characters (full-width
// colon, CJK brackets) appear only as literal sequences in alternations, never inside [...].
// `.*` is fine: only paragraphs shorter than kMaxLineRuleBytes are ever matched.
const std::vector<BoilerplateRule>& Builtins() {
  static const std::vector<BoilerplateRule> kRules = {
      // "The post <title> appeared first on <site>." (WordPress feeds) and its relatives.
      {"syndication_footer", "the post .+ appeared first on .+"},
      {"syndication_footer",
       "this (?:article|story|post|piece) (?:was )?(?:originally|first) "
       "(?:published|appeared|posted) (?:on|in|at|by) .+"},
      // Caption / credit lines; the colon is required ("Featured image generation is …" stays).
      {"image_credit",
       "(?:featured|header|cover|lead|top|hero|main|thumbnail) (?:image|photo|picture)"
       "(?: credits?| source)?\\s*(?::|：).*"},
      {"image_credit",
       "(?:image|photo|picture|photograph|illustration)s?(?: credits?| source| courtesy)?"
       "\\s*(?::|：).*"},
      {"image_credit", "(?:photo|image|picture) (?:by|via|courtesy of) .+"},
      {"image_credit",
       "(?:credits?|source)\\s*(?::|：)\\s*(?:getty|reuters|ap|afp|epa|shutterstock|unsplash|"
       "pexels|midjourney|dall-e|wikimedia|istock|adobe stock|canva)\\b.*"},
      {"image_credit", "(?:图片来源|图片|配图|摄影|图)\\s*(?::|：).*"},
      // "Read more", "Read more:", "Read more: <headline>", "Also read: …", "See also …".
      {"read_more",
       "(?:read more|read next|read also|also read|see also|more reading|further reading|"
       "keep reading|continue reading|read the full (?:story|article|report))\\s*"
       "(?::|：|[.!]|\\.{3}|…|»|›|>>|→)?"},
      {"read_more",
       "(?:read more|read next|read also|also read|see also|more reading|further reading)\\s*"
       "(?::|：|»|›|>>|→|-|–|—)\\s*.+"},
      {"read_more",
       "(?:read more|continue reading|keep reading|read the full (?:story|article|report))\\s+"
       "(?:here|at|on|about|from|in)\\b.*"},
      {"read_more", "(?:阅读原文|阅读全文|查看原文)\\s*(?:(?::|：|>>|»).*)?"},
      // "Related:", "Related articles", "Related: <headline>", "相关阅读", "推荐阅读".
      {"related_links",
       "related(?: (?:articles?|stories|story|posts?|news|content|coverage|reading|links?|"
       "topics?|videos?|items?))?\\s*(?:(?::|：)(?:\\s*.+)?)?"},
      {"related_links",
       "(?:you (?:may|might) also (?:like|enjoy|be interested in)|recommended (?:for you|reading|"
       "articles|stories))\\s*(?::|：)?"},
      {"related_links",
       "(?:【|\\[)\\s*(?:相关阅读|推荐阅读|相关新闻|相关文章|延伸阅读|相关报道|相关链接|更多阅读)"
       "\\s*(?:】|\\]).*"},
      {"related_links",
       "(?:相关阅读|推荐阅读|相关新闻|相关文章|延伸阅读|相关报道|相关链接|更多阅读)"
       "\\s*(?:(?::|：).*)?"},
      // "Click here to …".
      {"call_to_action", "(?:click|tap) here\\b.*"},
      {"call_to_action", "click to (?:share|tweet|email|print|open|subscribe)\\b.*"},
      // Share / follow / subscribe furniture.
      {"share_subscribe", "share (?:this|the) (?:article|story|post|page|video)\\b.*"},
      {"share_subscribe",
       "share (?:on|via) (?:facebook|twitter|x|linkedin|whatsapp|email|reddit|telegram)\\b.*"},
      {"share_subscribe", "(?:follow|like|find|join) us (?:on|at)\\b.*"},
      {"share_subscribe", "subscribe(?: (?:to|for|now|today|here)\\b.*|\\s*[.!]?)"},
      {"share_subscribe", "sign up(?: (?:for|to|here|now|today)\\b.*|\\s*[.!]?)"},
      // Chinese editor credit and end markers.
      {"editor_credit", "(?:【|\\[|（|\\()?\\s*(?:责任编辑|责编)\\s*(?::|：).*"},
      {"end_marker", "(?:（|\\(|【|\\[)\\s*完\\s*(?:）|\\)|】|\\])"},
      {"end_marker", "(?:-|—)*\\s*end\\s*(?:-|—)*"},
  };
  return kRules;
}

// How every match of a built-in pattern starts. std::regex costs microseconds even on a paragraph
// it rejects at the first byte, and nearly all paragraphs of a story start like none of these, so
// a paragraph is handed to the built-in patterns only when it starts (ASCII case-insensitively)
// with one of these leads, or with whitespace (which every `\s*` in front of a lead accepts).
// Each list must cover every alternative its patterns can begin with: boilerplate_test.cc
// checks the gate against the plain patterns on an example of every alternative.
constexpr std::string_view kLineRuleLeads[] = {
    // syndication_footer
    "the post ", "this article ", "this story ", "this post ", "this piece ",
    // image_credit
    "featured ", "header ", "cover ", "lead ", "top ", "hero ", "main ", "thumbnail ", "image",
    "photo", "picture", "illustration", "credit", "source", "图", "配图", "摄影",
    // read_more
    "read more", "read next", "read also", "read the full ", "also read", "see also",
    "more reading", "further reading", "keep reading", "continue reading", "阅读原文", "阅读全文",
    "查看原文",
    // related_links
    "related", "you may also ", "you might also ", "recommended ", "相关", "推荐阅读", "延伸阅读",
    "更多阅读",
    // call_to_action, share_subscribe
    "click here", "tap here", "click to ", "share this ", "share the ", "share on ", "share via ",
    "follow us ", "like us ", "find us ", "join us ", "subscribe", "sign up",
    // editor_credit, end_marker
    "责任编辑", "责编", "-", "—", "end"};

// What may follow an opening bracket (and whitespace) in a line rule: related_links,
// editor_credit and end_marker allow 【, [, （ or ( before these.
constexpr std::string_view kBracketedLineRuleLeads[] = {
    "相关", "推荐阅读", "延伸阅读", "更多阅读", "责任编辑", "责编", "完"};

// A heading may also be bracketed: "【相关阅读】", "[Related]".
constexpr std::string_view kHeadingLeads[] = {
    "read more",       "read next",         "read also",     "also read", "see also",
    "further reading", "what to read next", "related",       "more ",     "recommended",
    "you may also ",   "you might also ",   "trending",      "popular ",  "most ",
    "latest ",         "top stories",       "in other news", "相关",      "推荐阅读",
    "延伸阅读",        "更多阅读",          "热门推荐"};

constexpr std::string_view kLeadInLeads[] = {"for more ", "for further ", "more ",     "further ",
                                             "see ",      "read ",        "check out "};

// ASCII letters compare case-insensitively (as std::regex::icase does with the classic locale);
// every other byte compares exactly. `lead` is lower-case.
bool StartsWithFolded(std::string_view s, std::string_view lead) {
  if (s.size() < lead.size()) return false;
  for (size_t i = 0; i < lead.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lead[i]) return false;
  }
  return true;
}

// Whitespace as ECMAScript `\s` sees it byte by byte.
bool IsRegexSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Opening brackets some patterns allow in front of their lead.
constexpr std::string_view kOpeningBrackets[] = {"【", "[", "（", "("};

// Whether some lead of any list above starts with the byte: most paragraphs start with none, and
// skip comparing with every lead. An empty lead would start anything.
constexpr std::array<bool, 256> MakeLeadFirstBytes() {
  std::array<bool, 256> table{};
  auto add = [&table](const auto& leads) {
    for (std::string_view lead : leads) {
      if (lead.empty()) {
        table.fill(true);
      } else {
        table[static_cast<unsigned char>(lead.front())] = true;
      }
    }
  };
  add(kLineRuleLeads);
  add(kBracketedLineRuleLeads);
  add(kHeadingLeads);
  add(kLeadInLeads);
  return table;
}
constexpr std::array<bool, 256> kLeadFirstBytes = MakeLeadFirstBytes();

template <size_t N>
bool StartsWithAnyLead(std::string_view paragraph, const std::string_view (&leads)[N]) {
  if (!paragraph.empty()) {
    char c = paragraph.front();
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');  // as StartsWithFolded
    if (!kLeadFirstBytes[static_cast<unsigned char>(c)]) return false;
  }
  for (std::string_view lead : leads) {
    if (StartsWithFolded(paragraph, lead)) return true;
  }
  return false;
}

// False only when no match of the patterns behind `leads` can start `paragraph`: it starts
// neither with whitespace nor with a lead, nor with an opening bracket, whitespace and one of
// `bracketed_leads`.
template <size_t N, size_t M>
bool MayStartMatch(std::string_view paragraph, const std::string_view (&leads)[N],
                   const std::string_view (&bracketed_leads)[M]) {
  if (paragraph.empty() || IsRegexSpace(paragraph.front())) return true;
  if (StartsWithAnyLead(paragraph, leads)) return true;
  for (std::string_view bracket : kOpeningBrackets) {
    if (paragraph.substr(0, bracket.size()) != bracket) continue;
    std::string_view rest = paragraph.substr(bracket.size());
    while (!rest.empty() && IsRegexSpace(rest.front())) rest.remove_prefix(1);
    return rest.empty() || StartsWithAnyLead(rest, bracketed_leads);
  }
  return false;
}

// A pure heading that opens a trailing related-headlines block.
constexpr const char* kHeadingPattern =
    "(?:【|\\[)?\\s*(?:"
    "read more|read next|read also|also read|see also|further reading|what to read next|"
    "related(?: (?:articles?|stories|story|posts?|news|content|coverage|reading|links?))?|"
    "more (?:from|on|about|in) .*[^.]|"
    "more (?:stories|news|articles|coverage|reading|headlines|videos)(?: (?:from|on|about) .*)?|"
    "recommended(?: (?:for you|reading|articles|stories|videos|news))?|"
    "you (?:may|might) also (?:like|enjoy|be interested in)|"
    "trending(?: now| stories| news)?|popular (?:now|stories|articles)|"
    "most (?:read|popular|viewed)(?: stories| articles)?|latest (?:news|stories|headlines)|"
    "top stories|in other news|"
    "相关阅读|推荐阅读|相关新闻|相关文章|延伸阅读|相关报道|相关链接|更多阅读|热门推荐"
    ")\\s*(?:】|\\])?\\s*(?::|：)?";

// A sentence pointing at the links that follow ("More details … in our special article.").
// Only counts when at least two headline-like paragraphs follow it to the end.
constexpr const char* kLeadInPattern =
    "(?:for )?(?:more|further) (?:details|information|info|coverage|news|reading|stories)\\b"
    ".*\\b(?:our|below|following|these|here)\\b.*|"
    "(?:see|read|check out) (?:also )?(?:our|these|the following|more)\\b"
    ".*\\b(?:articles?|stories|coverage|reports?|pieces?|below)\\b.*";

constexpr auto kFlags = std::regex::ECMAScript | std::regex::icase | std::regex::optimize;

std::regex Compile(const std::string& pattern) {
  std::regex re;
  re.imbue(std::locale::classic());  // deterministic case folding: ASCII only
  re.assign(pattern, kFlags);
  return re;
}

bool SafeMatch(const std::string& s, const std::regex& re) {
  if (s.size() >= BoilerplateFilter::kMaxLineRuleBytes) return false;
  try {
    return std::regex_match(s, re);
  } catch (...) {  // e.g. error_complexity / error_stack: treat as "no match"
    return false;
  }
}

bool ValidName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

// Lone list markers used as separators between related headlines.
constexpr std::array<std::string_view, 12> kMarkers = {"-",      "*",      "\u2013", "\u2014",
                                                       "\u2022", "\u00B7", "\u25AA", "\u25CF",
                                                       "\u25C6", "\u25BA", "\u00BB", "\u2023"};

bool IsMarker(std::string_view p) {
  for (std::string_view m : kMarkers) {
    if (p == m) return true;
  }
  return false;
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// "- Headline" / "• Headline" -> "Headline"; nullopt when `p` is not a bulleted line.
std::optional<std::string_view> BulletBody(std::string_view p) {
  for (std::string_view m : kMarkers) {
    if (p.size() <= m.size() || p.substr(0, m.size()) != m) continue;
    std::string_view rest = p.substr(m.size());
    // ASCII markers need a following space ("-5%" is not a bullet); the others do not.
    const bool ascii = m.size() == 1;
    if (rest.front() != ' ' && rest.front() != '\t' && ascii) continue;
    rest = TrimLeft(rest);
    if (!rest.empty()) return rest;
  }
  return std::nullopt;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Short, single line that does not end like a sentence of prose.
bool HeadlineLike(std::string_view p) {
  if (p.empty() || p.size() > BoilerplateFilter::kMaxHeadlineBytes) return false;
  // Look past closing quotes and brackets: a quoted sentence ends in `.”`.
  static constexpr std::array<std::string_view, 7> kClosers = {
      "\"", "'", ")", "\u201D", "\u2019", "\u300D", "\uFF09"};
  bool stripped = true;
  while (stripped && !p.empty()) {
    stripped = false;
    for (std::string_view c : kClosers) {
      if (EndsWith(p, c)) {
        p.remove_suffix(c.size());
        stripped = true;
        break;
      }
    }
  }
  if (EndsWith(p, "...")) return true;  // truncated headline
  return !EndsWith(p, ".") && !EndsWith(p, "\u3002");
}

bool HeadlineItem(std::string_view p) {
  if (auto body = BulletBody(p)) return HeadlineLike(*body);
  return HeadlineLike(p);
}

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // Field separator, so ("ab","c") and ("a","bc") differ.
  h ^= 0xff;
  h *= 0x100000001b3ULL;
  return h;
}

}  // namespace

const std::vector<BoilerplateRule>& BoilerplateFilter::BuiltinRules() { return Builtins(); }

std::optional<BoilerplateFilter> BoilerplateFilter::Create(std::vector<BoilerplateRule> user_rules,
                                                           std::string* error) {
  auto fail = [error](std::string message) -> std::optional<BoilerplateFilter> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };

  BoilerplateFilter filter;
  uint64_t h = 0xcbf29ce484222325ULL;
  h = Fnv1a(h, kAlgorithmVersion);
  h = Fnv1a(h, std::to_string(kMaxLineRuleBytes));
  h = Fnv1a(h, std::to_string(kMaxHeadlineBytes));
  h = Fnv1a(h, kHeadingPattern);
  h = Fnv1a(h, kLeadInPattern);

  try {
    filter.heading_ = Compile(kHeadingPattern);
    filter.lead_in_ = Compile(kLeadInPattern);
  } catch (const std::regex_error& e) {
    return fail(std::string("boilerplate rule '") + kRelatedHeadlinesRule +
                "': invalid built-in pattern: " + e.what());
  }

  const std::vector<BoilerplateRule>& builtins = Builtins();
  filter.line_rules_.reserve(builtins.size() + user_rules.size());
  filter.builtin_count_ = builtins.size();
  for (size_t i = 0; i < builtins.size() + user_rules.size(); ++i) {
    const bool builtin = i < builtins.size();
    BoilerplateRule rule = builtin ? builtins[i] : std::move(user_rules[i - builtins.size()]);
    const std::string label =
        rule.name.empty() ? "#" + std::to_string(i - builtins.size()) : "'" + rule.name + "'";
    if (!ValidName(rule.name)) {
      return fail("boilerplate rule " + label +
                  ": name must be a non-empty metric label ([A-Za-z_][A-Za-z0-9_]*)");
    }
    if (rule.pattern.empty()) {
      return fail("boilerplate rule " + label + ": empty pattern");
    }
    try {
      filter.line_rules_.push_back({rule.name, Compile(rule.pattern)});
    } catch (const std::regex_error& e) {
      return fail("boilerplate rule " + label + ": invalid pattern \"" + rule.pattern +
                  "\": " + e.what());
    }
    h = Fnv1a(h, builtin ? "builtin" : "user");
    h = Fnv1a(h, rule.name);
    h = Fnv1a(h, rule.pattern);
  }

  static constexpr char kHex[] = "0123456789abcdef";
  filter.version_.resize(16);
  for (int i = 15; i >= 0; --i) {
    filter.version_[i] = kHex[h & 0xf];
    h >>= 4;
  }
  return filter;
}

bool BoilerplateFilter::IsHeading(const std::string& paragraph) const {
  return MayStartMatch(paragraph, kHeadingLeads, kHeadingLeads) && SafeMatch(paragraph, heading_);
}

bool BoilerplateFilter::IsLeadIn(const std::string& paragraph) const {
  return MayStartMatch(paragraph, kLeadInLeads, kLeadInLeads) && SafeMatch(paragraph, lead_in_);
}

size_t BoilerplateFilter::TrailingBlockStart(const std::vector<std::string>& paragraphs) const {
  const size_t n = paragraphs.size();
  size_t start = n;

  // 1. Headed block: a heading followed only by headline-like paragraphs (and separators).
  // Walk back over the suffix that could belong to such a block, then take its first heading.
  size_t suffix = n;
  while (suffix > 0) {
    const std::string& p = paragraphs[suffix - 1];
    if (p.empty() || IsMarker(p) || HeadlineItem(p) || IsHeading(p) || IsLeadIn(p)) {
      --suffix;
    } else {
      break;
    }
  }
  for (size_t j = std::max<size_t>(suffix, 1); j < n; ++j) {
    if (IsHeading(paragraphs[j])) {
      start = j;
      break;
    }
    if (IsLeadIn(paragraphs[j])) {
      size_t items = 0;
      for (size_t k = j + 1; k < n; ++k) {
        if (!paragraphs[k].empty() && !IsMarker(paragraphs[k])) ++items;
      }
      if (items >= 2) {
        start = j;
        break;
      }
    }
  }

  // 2. Unheaded trailing run of 3+ short bulleted lines: "- Headline" / "• Headline", or a
  // lone marker line followed by the headline line.
  size_t i = n;
  size_t items = 0;
  while (i > 0) {
    const std::string& p = paragraphs[i - 1];
    if (p.empty() || IsMarker(p)) {
      --i;
    } else if (auto body = BulletBody(p); body && HeadlineLike(*body)) {
      ++items;
      --i;
    } else if (i >= 2 && IsMarker(paragraphs[i - 2]) && HeadlineLike(p)) {
      ++items;
      i -= 2;
    } else {
      break;
    }
  }
  if (items >= 3) {
    // The run may be introduced by a heading or a lead-in sentence.
    if (i > 1 && (IsHeading(paragraphs[i - 1]) || IsLeadIn(paragraphs[i - 1]))) --i;
    if (i > 0) start = std::min(start, i);  // never the whole article
  }
  return start;
}

const std::string* BoilerplateFilter::MatchLineRule(const std::string& paragraph) const {
  if (paragraph.size() >= kMaxLineRuleBytes) return nullptr;
  // Built-in rules come first in line_rules_.
  const size_t first =
      MayStartMatch(paragraph, kLineRuleLeads, kBracketedLineRuleLeads) ? 0 : builtin_count_;
  for (size_t i = first; i < line_rules_.size(); ++i) {
    if (SafeMatch(paragraph, line_rules_[i].re)) return &line_rules_[i].name;
  }
  return nullptr;
}

BoilerplateResult BoilerplateFilter::Apply(const std::vector<std::string>& paragraphs) const {
  return Apply(std::vector<std::string>(paragraphs));
}

BoilerplateResult BoilerplateFilter::Apply(std::vector<std::string>&& paragraphs) const {
  BoilerplateResult result;
  result.kept.reserve(paragraphs.size());
  const size_t block = TrailingBlockStart(paragraphs);
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    std::string& p = paragraphs[i];
    if (i >= block) {
      result.removed.push_back({kRelatedHeadlinesRule, std::move(p)});
    } else if (const std::string* rule = MatchLineRule(p)) {
      result.removed.push_back({*rule, std::move(p)});
    } else {
      result.kept.push_back(std::move(p));
    }
  }
  return result;
}

}  // namespace newsflow::text
