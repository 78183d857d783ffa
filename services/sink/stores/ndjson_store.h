#pragma once

// Rolling NDJSON files: one enriched JSON document (the news.enriched JSON) per line.
//
// Layout in `dir` (one writer: Open takes an exclusive flock on `dir/.lock`):
// `<prefix>-<YYYYMMDDTHHMMSSZ>-<seq>.ndjson` are complete segments that never change again; at most
// one `<prefix>-<...>-<seq>.ndjson.open` is the segment being appended. The timestamp is the
// segment's creation time (UTC), `seq` (6+ digits) orders segments even if the clock steps back. A
// segment is closed (renamed without `.open`) when the next batch would take it past
// `max_file_bytes`, or when a batch commits after it is `max_file_age_s` old.
//
// Durability and idempotence: Commit() appends the batch, fsyncs the segment (and the directory
// when a segment was created or renamed) before the sink lets the Kafka transaction commit.
// Every article id present in the segments is remembered (restored by scanning them in Open),
// and an article whose id is already there is skipped, so a batch re-processed after a crash or
// an aborted transaction adds no second line. The first version of an article wins. A partial
// last line (a crash in the middle of a write, before its fsync) is cut off at Open; its batch
// was never committed to Kafka and comes again.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "services/sink/stores/store.h"

namespace newsflow::sink {

struct NdjsonStoreOptions {
  // Directory of the segments; created if missing. Required.
  std::string dir;
  // File name prefix of the segments. Default "enriched".
  std::string prefix = "enriched";
  // A segment is closed before a batch would take it past this size (a single larger batch
  // still goes into one segment). Default 256 MiB.
  int64_t max_file_bytes = 256LL << 20;
  // A segment is closed at the first commit after it is this old. Default 3600 s.
  int64_t max_file_age_s = 3600;
};

class NdjsonStore : public ArticleStore {
 public:
  using NowMs = std::function<int64_t()>;

  // Opens `options.dir`, restores the set of stored ids from its segments and truncates a partial
  // last line. Returns nullptr and sets `*error` (naming the `stores.ndjson.*` key) on failure.
  // `probe` (not owned) must outlive the store. `now_ms` (default: the system clock) dates
  // segments and drives time rotation.
  static std::unique_ptr<NdjsonStore> Open(NdjsonStoreOptions options, StoreProbe* probe,
                                           std::string* error, NowMs now_ms = nullptr);
  ~NdjsonStore() override;

  std::string_view Name() const override { return "ndjson"; }
  void Add(const StoredArticle& article) override;
  std::optional<std::string> Commit() override;
  void Discard() override;

  // Article ids stored in the segments.
  size_t stored_ids() const { return ids_.size(); }
  // Path of the segment being appended, empty if none.
  std::string open_segment() const { return open_path_; }

 private:
  NdjsonStore(NdjsonStoreOptions options, StoreProbe* probe, NowMs now_ms);

  std::optional<std::string> Restore();
  // Scans one segment's ids; truncates a partial last line when `truncate_partial`.
  std::optional<std::string> ScanSegment(const std::string& path, bool truncate_partial);
  std::optional<std::string> OpenNewSegment();
  std::optional<std::string> CloseSegment();

  NdjsonStoreOptions options_;
  StoreProbe* probe_;
  NowMs now_ms_;

  std::unordered_set<std::string> ids_;  // ids in the segments (durable)
  // The open batch: lines and their ids, in arrival order, without ids already stored.
  std::vector<std::string> pending_ids_;
  std::unordered_set<std::string> pending_set_;
  std::string pending_lines_;
  uint64_t pending_skipped_ = 0;

  int lock_fd_ = -1;       // dir/.lock, flock'ed while the store lives
  int fd_ = -1;            // the open segment, or -1
  std::string open_path_;  // its path
  int64_t open_size_ = 0;  // its size in bytes
  int64_t open_created_ms_ = 0;
  int64_t next_seq_ = 1;
};

}  // namespace newsflow::sink
