#pragma once

// Boilerplate removal: drops news-syndication furniture ("The post … appeared first on …",
// "Featured image: …", "Read more:", share/subscribe lines, trailing related-headline blocks)
// from an article that has already been split into clean paragraphs.
//
// Pure logic: no I/O, no exceptions on the data path. Every removal is reported with the name
// of the rule that removed it so callers can count removals per rule.
//
// Line rules are regular expressions matched (case-insensitively, ECMAScript grammar) against
// a whole paragraph, and only against paragraphs shorter than kMaxLineRuleBytes: longer
// paragraphs are always story text for these rules, and the bound keeps std::regex's
// backtracking matcher cheap.
//
// Besides the line rules there is one structural rule, "related_headlines": a trailing block
// made of a heading ("Read more:", "Related:", "More from …:", "Recommended", "相关阅读", …)
// followed only by short headline-like paragraphs up to the end of the article, or a trailing
// run of three or more short bulleted lines ("- …", "• …", or a lone "-" followed by a line).

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace newsflow::text {

struct BoilerplateRule {
  std::string name;     // metric label, e.g. "syndication_footer"; [A-Za-z_][A-Za-z0-9_]*
  std::string pattern;  // ECMAScript regex matched against a whole paragraph, case-insensitive
};

struct RemovedParagraph {
  std::string rule;  // name of the rule that removed it
  std::string text;
};

struct BoilerplateResult {
  std::vector<std::string> kept;          // in input order
  std::vector<RemovedParagraph> removed;  // in input order
};

class BoilerplateFilter {
 public:
  // Line rules only look at paragraphs shorter than this many bytes.
  static constexpr size_t kMaxLineRuleBytes = 300;
  // A paragraph of a trailing related-headlines block is at most this many bytes long.
  static constexpr size_t kMaxHeadlineBytes = 200;
  // Name of the structural trailing-block rule.
  static constexpr const char* kRelatedHeadlinesRule = "related_headlines";

  // Built-in rules plus `user_rules` (from config). User rules are tried after the built-in
  // ones. Returns nullopt and sets *error (when non-null) naming the bad rule on an empty or
  // malformed name or an invalid pattern.
  static std::optional<BoilerplateFilter> Create(std::vector<BoilerplateRule> user_rules,
                                                 std::string* error);

  // The built-in line rules, in the order they are tried.
  static const std::vector<BoilerplateRule>& BuiltinRules();

  // Splits `paragraphs` into kept and removed ones. Never throws.
  BoilerplateResult Apply(const std::vector<std::string>& paragraphs) const;
  // The same, moving the paragraphs into the result instead of copying them.
  BoilerplateResult Apply(std::vector<std::string>&& paragraphs) const;

  // Short stable hash (16 hex digits) of all rules, stamped on outputs as the rules' version.
  const std::string& version() const { return version_; }

 private:
  struct CompiledRule {
    std::string name;
    std::regex re;
  };

  BoilerplateFilter() = default;

  bool IsHeading(const std::string& paragraph) const;
  bool IsLeadIn(const std::string& paragraph) const;
  // Index of the first paragraph of the trailing related-headlines block, or size() if none.
  size_t TrailingBlockStart(const std::vector<std::string>& paragraphs) const;
  // Name of the first line rule matching `paragraph`, or nullptr.
  const std::string* MatchLineRule(const std::string& paragraph) const;

  std::vector<CompiledRule> line_rules_;  // the built-in rules, then the user rules
  size_t builtin_count_ = 0;
  std::regex heading_;  // pure headings opening a trailing block
  std::regex lead_in_;  // "More details … in our special article." sentences opening one
  std::string version_;
};

}  // namespace newsflow::text
