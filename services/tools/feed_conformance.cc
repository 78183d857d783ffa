// newsflow-feed-conformance: measures the feed parser against a folder of cases laid out like
// feeds-dev (README.md there): cases.jsonl (checks on the generic feed model), illformed.jsonl
// (documents that must be read without crash or hang, with values still recoverable) and
// date_cases.jsonl (date strings with the expected UTC time or null).
//
//   newsflow-feed-conformance DIR [--failures] [--isolate]
//
// Comparison rule (the folder's README): values are compared exactly, except that a check flagged
// value_has_markup is compared after reducing the expected HTML to text, since the model's text
// fields are plain text. A second line reports the "text rule", which also reduces unflagged
// expected values of text fields (title, subtitle, summary, content) that the reference kept as
// escaped HTML without flagging it (an expected "AT&amp;T" where the text is "AT&T"). --isolate
// parses every document in a forked child so that a
// crash or hang is counted instead of ending the run.

#include <simdjson.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "services/core/time/datetime.h"
#include "services/ingest/feed/feed_parser.h"
#include "services/ingest/feed/html_text.h"

namespace {

using newsflow::feed::ParsedFeed;

struct Check {
  std::string path;
  std::string expected;
  bool expected_null = false;
  bool has_markup = false;
};

struct Case {
  std::string file;
  std::string format;
  std::vector<Check> checks;
  std::string url;
  std::string content_type;
  std::string content_location;
};

struct Outcome {
  bool ran = false;  // false: crashed, hung or unreadable
  std::string failure;
  std::vector<std::string> got;  // one per check
};

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string Str(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return "";
}

Check ReadCheck(simdjson::dom::element c) {
  Check k;
  k.path = Str(c, "path");
  simdjson::dom::element eq;
  if (c["equals"].get(eq) == simdjson::SUCCESS) {
    std::string_view s;
    int64_t n;
    if (eq.get_string().get(s) == simdjson::SUCCESS) {
      k.expected = std::string(s);
    } else if (eq.get_int64().get(n) == simdjson::SUCCESS) {
      k.expected = std::to_string(n);
    } else if (eq.is_null()) {
      k.expected_null = true;
    }
  }
  bool markup = false;
  if (c["value_has_markup"].get_bool().get(markup) == simdjson::SUCCESS) k.has_markup = markup;
  return k;
}

std::vector<Case> ReadCases(const std::string& path, const char* checks_key) {
  std::vector<Case> cases;
  std::ifstream in(path);
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    simdjson::dom::element d;
    if (parser.parse(line).get(d) != simdjson::SUCCESS) continue;
    Case c;
    c.file = Str(d, "file");
    c.format = Str(d, "format");
    simdjson::dom::element check;
    if (d["check"].get(check) == simdjson::SUCCESS) c.checks.push_back(ReadCheck(check));
    simdjson::dom::array extra;
    if (d[checks_key].get_array().get(extra) == simdjson::SUCCESS) {
      for (simdjson::dom::element e : extra) c.checks.push_back(ReadCheck(e));
    }
    simdjson::dom::element http;
    if (d["served_over_http"].get(http) == simdjson::SUCCESS) {
      c.url = Str(http, "url");
      simdjson::dom::object headers;
      if (http["headers"].get_object().get(headers) == simdjson::SUCCESS) {
        for (auto [key, value] : headers) {
          std::string k(key);
          for (char& ch : k) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          std::string_view v;
          if (value.get_string().get(v) != simdjson::SUCCESS) continue;
          std::string val(v);
          if (const size_t p = val.find(" (default)"); p != std::string::npos) val.erase(p);
          if (k == "content-type") c.content_type = val;
          if (k == "content-location") c.content_location = val;
        }
      }
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// "entries[3].title" → index 3, field "title"; "feed.authors[1].email" likewise.
std::string Lookup(const ParsedFeed& f, const std::string& path) {
  auto date = [](const std::optional<int64_t>& t) {
    return t ? newsflow::datetime::FormatIso8601Utc(*t) : std::string();
  };
  if (path == "entry_count") return std::to_string(f.entries.size());
  auto index_of = [](const std::string& p, size_t open) -> long {
    const size_t close = p.find(']', open);
    if (close == std::string::npos) return -1;
    return std::strtol(p.c_str() + open + 1, nullptr, 10);
  };
  if (path.rfind("feed.authors[", 0) == 0) {
    const long i = index_of(path, 12);
    const std::string field = path.substr(path.rfind('.') + 1);
    if (i < 0 || static_cast<size_t>(i) >= f.feed.authors.size()) return "<missing>";
    const auto& p = f.feed.authors[static_cast<size_t>(i)];
    return field == "name" ? p.name : field == "email" ? p.email : p.uri;
  }
  if (path.rfind("feed.", 0) == 0) {
    const std::string field = path.substr(5);
    const auto& m = f.feed;
    if (field == "title") return m.title;
    if (field == "link") return m.link;
    if (field == "id") return m.id;
    if (field == "subtitle") return m.subtitle;
    if (field == "author") return m.author;
    if (field == "author_name") return m.author_name;
    if (field == "author_email") return m.author_email;
    if (field == "updated") return date(m.updated);
    if (field == "published") return date(m.published);
    return "<unknown field>";
  }
  if (path.rfind("entries[", 0) == 0) {
    const long i = index_of(path, 7);
    if (i < 0 || static_cast<size_t>(i) >= f.entries.size()) return "<missing>";
    const auto& e = f.entries[static_cast<size_t>(i)];
    const std::string field = path.substr(path.find("].") + 2);
    if (field == "title") return e.title;
    if (field == "link") return e.link;
    if (field == "id") return e.id;
    if (field == "summary") return e.summary;
    if (field == "content") return e.content;
    if (field == "author") return e.author;
    if (field == "author_name") return e.author_name;
    if (field == "author_email") return e.author_email;
    if (field == "updated") return date(e.updated);
    if (field == "published") return date(e.published);
    return "<unknown field>";
  }
  return "<unknown path>";
}

// The field's name without indexes: "entries.title", "feed.authors.name".
std::string FieldKey(const std::string& path) {
  std::string out;
  bool skip = false;
  for (char c : path) {
    if (c == '[') skip = true;
    if (!skip) out.push_back(c);
    if (c == ']') skip = false;
  }
  return out;
}

bool IsTextField(const std::string& path) {
  const std::string f = path.substr(path.rfind('.') + 1);
  return f == "title" || f == "subtitle" || f == "summary" || f == "content";
}

Outcome Evaluate(const std::string& dir, const Case& c) {
  Outcome o;
  bool ok = false;
  const std::string bytes = ReadFile(dir + "/" + c.file, &ok);
  if (!ok) {
    o.failure = "cannot read file";
    return o;
  }
  newsflow::feed::ParseOptions options;
  options.document_url = c.url;
  options.content_type = c.content_type;
  options.content_location = c.content_location;
  const ParsedFeed f = newsflow::feed::ParseFeed(bytes, options);
  o.ran = true;
  for (const Check& k : c.checks) o.got.push_back(Lookup(f, k.path));
  return o;
}

// Runs Evaluate in a child process with a time limit; a crash or hang becomes a failed outcome.
Outcome EvaluateIsolated(const std::string& dir, const Case& c, int timeout_seconds) {
  int fds[2];
  if (pipe(fds) != 0) return Evaluate(dir, c);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(timeout_seconds));
    const Outcome o = Evaluate(dir, c);
    std::string msg = o.ran ? "1" : "0";
    for (const std::string& g : o.got) {
      msg += std::to_string(g.size()) + ":" + g;
    }
    const char* p = msg.data();
    size_t left = msg.size();
    while (left > 0) {
      const ssize_t n = write(fds[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Outcome o;
  if (WIFSIGNALED(status)) {
    o.failure = WTERMSIG(status) == SIGALRM
                    ? "hang (killed after timeout)"
                    : "crash (signal " + std::to_string(WTERMSIG(status)) + ")";
    return o;
  }
  if (msg.empty() || msg[0] != '1') {
    o.failure = "child failed";
    return o;
  }
  o.ran = true;
  size_t i = 1;
  while (i < msg.size()) {
    const size_t colon = msg.find(':', i);
    if (colon == std::string::npos) break;
    const size_t len = std::stoul(msg.substr(i, colon - i));
    o.got.push_back(msg.substr(colon + 1, len));
    i = colon + 1 + len;
  }
  return o;
}

struct Tally {
  int pass = 0;
  int total = 0;
  int pass_text_rule = 0;
};

void PrintTable(const std::string& title, const std::map<std::string, Tally>& rows) {
  std::printf("\n%-24s %7s %7s %8s %12s\n", title.c_str(), "checks", "pass", "rate", "text-rule");
  for (const auto& [key, t] : rows) {
    std::printf("%-24s %7d %7d %7.1f%% %11.1f%%\n", key.c_str(), t.total, t.pass,
                t.total ? 100.0 * t.pass / t.total : 0.0,
                t.total ? 100.0 * t.pass_text_rule / t.total : 0.0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  bool show_failures = false;
  bool isolate = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--failures") {
      show_failures = true;
    } else if (arg == "--isolate") {
      isolate = true;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << "usage: newsflow-feed-conformance DIR [--failures] [--isolate]\n";
      return 0;
    } else {
      dir = arg;
    }
  }
  if (dir.empty()) {
    std::cerr << "usage: newsflow-feed-conformance DIR [--failures] [--isolate]\n";
    return 2;
  }
  auto run = [&](const Case& c) {
    return isolate ? EvaluateIsolated(dir, c, /*timeout_seconds=*/10) : Evaluate(dir, c);
  };
  std::vector<std::string> failures;

  // 1. Well-formed and recoverable value checks.
  const std::vector<Case> cases = ReadCases(dir + "/cases.jsonl", "extra_checks");
  std::map<std::string, Tally> by_format;
  std::map<std::string, Tally> by_field;
  Tally all;
  for (const Case& c : cases) {
    const Outcome o = run(c);
    for (size_t k = 0; k < c.checks.size(); ++k) {
      const Check& check = c.checks[k];
      const std::string got = k < o.got.size() ? o.got[k] : "<" + o.failure + ">";
      const std::string expected = check.expected_null ? "" : check.expected;
      bool pass = o.ran && got == expected;
      if (!pass && o.ran && check.has_markup) {
        pass = got == newsflow::feed::HtmlToPlainText(expected);
      }
      bool pass_text = pass;
      if (!pass_text && o.ran && IsTextField(check.path)) {
        pass_text = got == newsflow::feed::HtmlToPlainText(expected);
      }
      for (Tally* t : {&by_format[c.format], &by_field[FieldKey(check.path)], &all}) {
        ++t->total;
        t->pass += pass;
        t->pass_text_rule += pass_text;
      }
      if (!pass) {
        failures.push_back(c.file + " [" + c.format + "] " + check.path +
                           "\n    expected: " + expected + "\n    got:      " + got +
                           (pass_text ? "\n    (passes under the text rule)" : ""));
      }
    }
  }
  std::printf("cases.jsonl: %zu files, %d checks, %d pass (%.1f%%); text rule %d (%.1f%%)\n",
              cases.size(), all.total, all.pass, all.total ? 100.0 * all.pass / all.total : 0.0,
              all.pass_text_rule, all.total ? 100.0 * all.pass_text_rule / all.total : 0.0);
  PrintTable("format", by_format);
  PrintTable("field", by_field);

  // 2. Ill-formed documents: every one read without crash or hang; recoverable values.
  const std::vector<Case> ill = ReadCases(dir + "/illformed.jsonl", "recoverable_checks");
  int read_ok = 0;
  int rec_pass = 0;
  int rec_total = 0;
  double slowest_ms = 0;
  std::string slowest;
  for (const Case& c : ill) {
    const auto start = std::chrono::steady_clock::now();
    const Outcome o = run(c);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (ms > slowest_ms) {
      slowest_ms = ms;
      slowest = c.file;
    }
    if (o.ran) {
      ++read_ok;
    } else {
      failures.push_back(c.file + " [ill-formed] " + o.failure);
    }
    for (size_t k = 0; k < c.checks.size(); ++k) {
      ++rec_total;
      const std::string got = k < o.got.size() ? o.got[k] : "";
      const bool pass = o.ran && got == c.checks[k].expected;
      rec_pass += pass;
      if (!pass) {
        failures.push_back(c.file + " [ill-formed] " + c.checks[k].path +
                           "\n    expected: " + c.checks[k].expected + "\n    got:      " + got);
      }
    }
  }
  std::printf(
      "\nillformed.jsonl: %d/%zu documents read without crash or hang%s; slowest %.1f ms "
      "(%s); recoverable checks %d/%d\n",
      read_ok, ill.size(), isolate ? " (isolated)" : " (in-process)", slowest_ms, slowest.c_str(),
      rec_pass, rec_total);

  // 3. Dates.
  std::ifstream dates(dir + "/date_cases.jsonl");
  simdjson::dom::parser parser;
  std::string line;
  int date_pass = 0;
  int date_total = 0;
  std::map<std::string, Tally> by_parser;
  while (std::getline(dates, line)) {
    simdjson::dom::element d;
    if (line.empty() || parser.parse(line).get(d) != simdjson::SUCCESS) continue;
    const std::string input = Str(d, "input");
    const std::string expected = Str(d, "expected_utc");  // "" when null
    const std::optional<int64_t> t = newsflow::datetime::ParseDateTime(input);
    const std::string got = t ? newsflow::datetime::FormatIso8601Utc(*t) : "";
    const bool pass = got == expected;
    ++date_total;
    date_pass += pass;
    Tally& tp = by_parser[Str(d, "parser")];
    ++tp.total;
    tp.pass += pass;
    tp.pass_text_rule += pass;
    if (!pass) {
      failures.push_back("date \"" + input +
                         "\"\n    expected: " + (expected.empty() ? "null" : expected) +
                         "\n    got:      " + (got.empty() ? "null" : got));
    }
  }
  std::printf("\ndate_cases.jsonl: %d/%d (%.1f%%)\n", date_pass, date_total,
              date_total ? 100.0 * date_pass / date_total : 0.0);
  PrintTable("date family", by_parser);

  if (show_failures) {
    std::printf("\nfailures (%zu):\n", failures.size());
    for (const std::string& f : failures) std::printf("  %s\n", f.c_str());
  }
  return read_ok == static_cast<int>(ill.size()) ? 0 : 1;
}
