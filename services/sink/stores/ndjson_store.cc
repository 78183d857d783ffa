#include "services/sink/stores/ndjson_store.h"

#include <fcntl.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

namespace newsflow::sink {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kComplete = ".ndjson";
constexpr std::string_view kOpen = ".ndjson.open";

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string UtcStamp(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// A segment's name parsed: "<prefix>-YYYYMMDDTHHMMSSZ-<seq>.ndjson[.open]".
struct SegmentName {
  int64_t created_ms = 0;
  int64_t seq = 0;
  bool open = false;
};

std::optional<SegmentName> ParseSegmentName(std::string_view name, std::string_view prefix) {
  SegmentName out;
  if (name.size() > kOpen.size() && name.substr(name.size() - kOpen.size()) == kOpen) {
    out.open = true;
    name.remove_suffix(kOpen.size());
  } else if (name.size() > kComplete.size() &&
             name.substr(name.size() - kComplete.size()) == kComplete) {
    name.remove_suffix(kComplete.size());
  } else {
    return std::nullopt;
  }
  if (name.size() < prefix.size() + 1 || name.substr(0, prefix.size()) != prefix ||
      name[prefix.size()] != '-') {
    return std::nullopt;
  }
  name.remove_prefix(prefix.size() + 1);
  constexpr size_t kStampSize = 16;  // YYYYMMDDTHHMMSSZ
  if (name.size() < kStampSize + 2 || name[kStampSize] != '-') return std::nullopt;
  std::tm tm{};
  const std::string stamp(name.substr(0, kStampSize));
  const char* end = strptime(stamp.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  out.created_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  std::string_view seq = name.substr(kStampSize + 1);
  if (seq.empty() ||
      !std::all_of(seq.begin(), seq.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  out.seq = std::stoll(std::string(seq));
  return out;
}

// fsync of the directory makes a created or renamed entry durable.
bool SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::unique_ptr<NdjsonStore> NdjsonStore::Open(NdjsonStoreOptions options, StoreProbe* probe,
                                               std::string* error, NowMs now_ms) {
  if (options.dir.empty()) {
    *error = "key 'stores.ndjson.dir': required when stores.ndjson.enabled is true";
    return nullptr;
  }
  if (options.prefix.empty() || options.prefix.find('/') != std::string::npos) {
    *error = "key 'stores.ndjson.prefix': '" + options.prefix +
             "' must be a non-empty file name prefix without '/'";
    return nullptr;
  }
  if (options.max_file_bytes <= 0) {
    *error = "key 'stores.ndjson.max_file_bytes': must be positive";
    return nullptr;
  }
  if (options.max_file_age_s <= 0) {
    *error = "key 'stores.ndjson.max_file_age_s': must be positive";
    return nullptr;
  }
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) {
    *error = "key 'stores.ndjson.dir': cannot create " + options.dir + ": " + ec.message();
    return nullptr;
  }
  std::unique_ptr<NdjsonStore> store(
      new NdjsonStore(std::move(options), probe, now_ms ? std::move(now_ms) : SystemNowMs));
  // Two writers on one directory would append to the same segment with diverging id sets.
  const std::string lock_path = (fs::path(store->options_.dir) / ".lock").string();
  store->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (store->lock_fd_ < 0) {
    *error = "key 'stores.ndjson.dir': " + Errno("cannot open", lock_path);
    return nullptr;
  }
  if (::flock(store->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    *error = "key 'stores.ndjson.dir': " + store->options_.dir +
             " is in use by another process (each instance needs a directory of its own)";
    return nullptr;
  }
  if (auto failed = store->Restore()) {
    *error = "key 'stores.ndjson.dir': " + *failed;
    return nullptr;
  }
  return store;
}

NdjsonStore::NdjsonStore(NdjsonStoreOptions options, StoreProbe* probe, NowMs now_ms)
    : options_(std::move(options)), probe_(probe), now_ms_(std::move(now_ms)) {
  // Zero-valued series from the start, so dashboards see the store before its first write.
  probe_->records_written.Add("ndjson", 0);
  probe_->duplicates_skipped.Add("ndjson", 0);
  probe_->commit_failures.Add("ndjson", 0);
}

NdjsonStore::~NdjsonStore() {
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

std::optional<std::string> NdjsonStore::Restore() {
  std::map<int64_t, std::pair<std::string, SegmentName>> segments;  // by seq
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    auto parsed = ParseSegmentName(name, options_.prefix);
    if (!parsed || !entry.is_regular_file()) continue;
    segments[parsed->seq] = {entry.path().string(), *parsed};
  }
  if (ec) return "cannot list " + options_.dir + ": " + ec.message();
  for (const auto& [seq, segment] : segments) {
    const auto& [path, name] = segment;
    next_seq_ = std::max(next_seq_, seq + 1);
    if (auto failed = ScanSegment(path, name.open)) return failed;
    if (!name.open) continue;
    // Only the newest open segment stays open; an older one (left by a crash between creating
    // its successor and renaming it) is closed now.
    if (fd_ >= 0) {
      if (auto failed = CloseSegment()) return failed;
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) return Errno("cannot open", path);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return Errno("cannot stat", path);
    open_path_ = path;
    open_size_ = st.st_size;
    open_created_ms_ = name.created_ms;
  }
  spdlog::info("ndjson store: {} segment(s) in {}, {} article id(s) restored", segments.size(),
               options_.dir, ids_.size());
  return std::nullopt;
}

std::optional<std::string> NdjsonStore::ScanSegment(const std::string& path,
                                                    bool truncate_partial) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Errno("cannot read", path);
  simdjson::ondemand::parser parser;
  std::string line;
  int64_t complete_bytes = 0;  // bytes up to and including the last '\n'
  int64_t bad_lines = 0;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no '\n' after it: a partial write
    complete_bytes += static_cast<int64_t>(line.size()) + 1;
    simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    std::string_view id;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
        doc["id"].get_string().get(id) != simdjson::SUCCESS) {
      ++bad_lines;
      continue;
    }
    ids_.emplace(id);
  }
  if (bad_lines > 0) {
    spdlog::warn("ndjson store: {} line(s) without an article id in {}", bad_lines, path);
  }
  std::error_code ec;
  const auto size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) return "cannot stat " + path + ": " + ec.message();
  if (size > complete_bytes) {
    if (!truncate_partial) {
      spdlog::warn("ndjson store: {} ends with a partial line", path);
      return std::nullopt;
    }
    spdlog::warn("ndjson store: cutting a partial last line ({} bytes) off {}",
                 size - complete_bytes, path);
    if (::truncate(path.c_str(), complete_bytes) != 0) return Errno("cannot truncate", path);
  }
  return std::nullopt;
}

std::optional<std::string> NdjsonStore::OpenNewSegment() {
  const int64_t now = now_ms_();
  char seq[32];
  std::snprintf(seq, sizeof(seq), "%06lld", static_cast<long long>(next_seq_));
  const std::string path = (fs::path(options_.dir) / (options_.prefix + "-" + UtcStamp(now) + "-" +
                                                      seq + std::string(kOpen)))
                               .string();
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", path);
  if (!SyncDir(options_.dir)) {
    ::close(fd);
    ::unlink(path.c_str());
    return Errno("cannot fsync directory", options_.dir);
  }
  ++next_seq_;
  fd_ = fd;
  open_path_ = path;
  open_size_ = 0;
  open_created_ms_ = now;
  return std::nullopt;
}

std::optional<std::string> NdjsonStore::CloseSegment() {
  if (fd_ < 0) return std::nullopt;
  if (::fsync(fd_) != 0) return Errno("cannot fsync", open_path_);
  ::close(fd_);
  fd_ = -1;
  const std::string closed =
      open_path_.substr(0, open_path_.size() - (kOpen.size() - kComplete.size()));
  if (::rename(open_path_.c_str(), closed.c_str()) != 0) return Errno("cannot rename", open_path_);
  open_path_.clear();
  open_size_ = 0;
  if (!SyncDir(options_.dir)) return Errno("cannot fsync directory", options_.dir);
  return std::nullopt;
}

void NdjsonStore::Add(const StoredArticle& article) {
  const std::string& id = article.tagged->article().article_id();
  if (ids_.count(id) != 0 || pending_set_.count(id) != 0) {
    ++pending_skipped_;
    return;
  }
  pending_set_.insert(id);
  pending_ids_.push_back(id);
  pending_lines_.append(article.enriched_json);
  pending_lines_.push_back('\n');
}

std::optional<std::string> NdjsonStore::Commit() {
  auto fail = [this](std::string error) -> std::optional<std::string> {
    probe_->commit_failures.Add("ndjson");
    return error;
  };
  const auto batch_bytes = static_cast<int64_t>(pending_lines_.size());
  if (fd_ >= 0) {
    const bool too_big = open_size_ > 0 && open_size_ + batch_bytes > options_.max_file_bytes;
    const bool too_old = now_ms_() - open_created_ms_ >= options_.max_file_age_s * 1000;
    if (too_big || too_old) {
      if (auto error = CloseSegment()) return fail(*error);
    }
  }
  if (!pending_ids_.empty()) {
    if (fd_ < 0) {
      if (auto error = OpenNewSegment()) return fail(*error);
    }
    const char* data = pending_lines_.data();
    size_t left = pending_lines_.size();
    std::optional<std::string> error;
    while (left > 0) {
      ssize_t n = ::write(fd_, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = Errno("cannot write", open_path_);
        break;
      }
      data += n;
      left -= static_cast<size_t>(n);
    }
    if (!error && ::fdatasync(fd_) != 0) error = Errno("cannot fsync", open_path_);
    if (error) {
      // Leave no part of the batch behind: it is retried as a whole. (After a failed fsync the
      // kernel may have dropped the pages; the file is cut back to what was synced before.)
      if (::ftruncate(fd_, open_size_) != 0) {
        spdlog::error("ndjson store: cannot cut {} back after a failed write: {}", open_path_,
                      std::strerror(errno));
      }
      return fail(*error);
    }
    open_size_ += batch_bytes;
    for (auto& id : pending_ids_) ids_.insert(std::move(id));
    probe_->records_written.Add("ndjson", pending_ids_.size());
  }
  if (pending_skipped_ > 0) probe_->duplicates_skipped.Add("ndjson", pending_skipped_);
  Discard();
  return std::nullopt;
}

void NdjsonStore::Discard() {
  pending_ids_.clear();
  pending_set_.clear();
  pending_lines_.clear();
  pending_skipped_ = 0;
}

}  // namespace newsflow::sink
