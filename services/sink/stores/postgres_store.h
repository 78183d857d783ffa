#pragma once

// PostgreSQL store: tables articles, entities, mentions and stories (schema in
// postgres_store.cc, kSchemaSql, and docs/sink.md), created at Open if missing.
//
// Commit() writes the batch in one SQL transaction: upserts (INSERT ... ON CONFLICT DO UPDATE)
// of its articles, entities and stories, and the batch articles' mentions replaced as a whole
// (deleted, then inserted), so re-processing a batch leaves the same rows. One statement per
// table per batch (rows passed as arrays and unnested) keeps round trips per batch constant.
// A lost connection is re-established at the next Commit, after a backoff (at most
// `max_backoff_ms`) that keeps a down database from spinning the stage loop.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/sink/stores/store.h"

typedef struct pg_conn PGconn;

namespace newsflow::sink {

struct PostgresStoreOptions {
  // libpq connection string ("host=/tmp port=5432 dbname=news user=newsflow" or a
  // postgresql:// URI); empty: libpq's PG* environment variables alone. Never logged.
  std::string conninfo;
  // Upper bound of the wait before reconnecting after a failure. Default 5000 ms.
  int64_t max_backoff_ms = 5000;
};

class PostgresStore : public ArticleStore {
 public:
  // Connects and creates the schema if missing. Returns nullptr and sets `*error` (naming the
  // key) on failure. `probe` (not owned) must outlive the store.
  static std::unique_ptr<PostgresStore> Open(PostgresStoreOptions options, StoreProbe* probe,
                                             std::string* error);
  ~PostgresStore() override;

  std::string_view Name() const override { return "postgres"; }
  void Add(const StoredArticle& article) override;
  std::optional<std::string> Commit() override;
  void Discard() override;

  // The DDL run at Open (idempotent).
  static std::string_view SchemaSql();

 private:
  struct ArticleRow {
    std::string id, source, url, canonical_url, title, author, language, body, story_id;
    std::optional<std::string> published, ingested;  // RFC 3339
    std::string processed;                           // RFC 3339
    int64_t word_count = 0;
  };
  struct EntityRow {
    std::string type, name, seen;  // seen: RFC 3339 processing time
    std::vector<std::string> tickers;
  };
  struct MentionRow {
    std::string article_id, entity_id;
    int64_t count = 0;
    double salience = 0;
    int64_t first_position = 0;
    std::vector<std::string> surface_forms;
  };
  struct StoryRow {
    std::string headline, first_seen, last_seen, snapshot_json;
    int64_t article_count = 0;
  };

  PostgresStore(PostgresStoreOptions options, StoreProbe* probe);
  std::optional<std::string> Connect();
  std::optional<std::string> Exec(std::string_view sql, const std::vector<std::string>& params);
  std::optional<std::string> WriteBatch();

  PostgresStoreOptions options_;
  StoreProbe* probe_;
  PGconn* conn_ = nullptr;
  int failures_ = 0;  // consecutive failed commits, for the reconnect backoff

  // The open batch, deduplicated by key (the last version in the batch wins).
  std::map<std::string, ArticleRow> articles_;
  std::map<std::string, EntityRow> entities_;
  std::map<std::pair<std::string, std::string>, MentionRow> mentions_;
  std::map<std::string, StoryRow> stories_;
};

}  // namespace newsflow::sink
