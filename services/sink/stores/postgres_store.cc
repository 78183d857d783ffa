#include "services/sink/stores/postgres_store.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <thread>

namespace newsflow::sink {
namespace {

// Mentions' surface forms travel as one text per row joined by this (not in hygienic text).
constexpr char kSeparator = '\x1f';

constexpr std::string_view kSchema = R"sql(
-- Serialises concurrent instances creating the schema (CREATE ... IF NOT EXISTS can race).
SELECT pg_advisory_xact_lock(7386147301);
CREATE TABLE IF NOT EXISTS articles (
  article_id    text PRIMARY KEY,
  source        text NOT NULL,
  url           text,
  canonical_url text,
  title         text NOT NULL,
  author        text,
  language      text NOT NULL,
  published_at  timestamptz,
  ingested_at   timestamptz,
  processed_at  timestamptz NOT NULL,
  story_id      text,
  word_count    integer NOT NULL,
  body          text NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_published_at ON articles (published_at);
CREATE INDEX IF NOT EXISTS articles_story_id ON articles (story_id);
CREATE TABLE IF NOT EXISTS entities (
  entity_id     text PRIMARY KEY,
  type          text NOT NULL,
  name          text NOT NULL,
  tickers       text[] NOT NULL DEFAULT '{}',
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS entities_tickers ON entities USING gin (tickers);
CREATE TABLE IF NOT EXISTS mentions (
  article_id     text NOT NULL REFERENCES articles ON DELETE CASCADE,
  entity_id      text NOT NULL REFERENCES entities,
  mention_count  integer NOT NULL,
  salience       real NOT NULL,
  first_position integer NOT NULL,
  surface_forms  text[] NOT NULL,
  PRIMARY KEY (article_id, entity_id)
);
CREATE INDEX IF NOT EXISTS mentions_entity_id ON mentions (entity_id);
CREATE TABLE IF NOT EXISTS stories (
  story_id      text PRIMARY KEY,
  headline      text NOT NULL,
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  article_count integer NOT NULL,
  snapshot      jsonb NOT NULL
);
)sql";

constexpr std::string_view kUpsertArticles = R"sql(
INSERT INTO articles (article_id, source, url, canonical_url, title, author, language,
                      published_at, ingested_at, processed_at, story_id, word_count, body)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[],
                     $11::text[], $12::integer[], $13::text[])
ON CONFLICT (article_id) DO UPDATE SET
  source = EXCLUDED.source, url = EXCLUDED.url, canonical_url = EXCLUDED.canonical_url,
  title = EXCLUDED.title, author = EXCLUDED.author, language = EXCLUDED.language,
  published_at = EXCLUDED.published_at, ingested_at = EXCLUDED.ingested_at,
  processed_at = EXCLUDED.processed_at, story_id = EXCLUDED.story_id,
  word_count = EXCLUDED.word_count, body = EXCLUDED.body
)sql";

constexpr std::string_view kUpsertEntities = R"sql(
INSERT INTO entities (entity_id, type, name, tickers, first_seen_at, last_seen_at)
SELECT id, type, name, string_to_array(tickers, ' '), seen, seen
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
  AS r(id, type, name, tickers, seen)
ON CONFLICT (entity_id) DO UPDATE SET
  type = EXCLUDED.type, name = EXCLUDED.name,
  tickers = ARRAY(SELECT DISTINCT t FROM unnest(entities.tickers || EXCLUDED.tickers) AS t
                  ORDER BY t),
  first_seen_at = LEAST(entities.first_seen_at, EXCLUDED.first_seen_at),
  last_seen_at = GREATEST(entities.last_seen_at, EXCLUDED.last_seen_at)
)sql";

constexpr std::string_view kDeleteMentions = R"sql(
DELETE FROM mentions WHERE article_id = ANY ($1::text[])
)sql";

constexpr std::string_view kUpsertMentions = R"sql(
INSERT INTO mentions (article_id, entity_id, mention_count, salience, first_position,
                      surface_forms)
SELECT a, e, c, s, f, string_to_array(sf, chr(31))
FROM unnest($1::text[], $2::text[], $3::integer[], $4::real[], $5::integer[], $6::text[])
  AS r(a, e, c, s, f, sf)
ON CONFLICT (article_id, entity_id) DO UPDATE SET
  mention_count = EXCLUDED.mention_count, salience = EXCLUDED.salience,
  first_position = EXCLUDED.first_position, surface_forms = EXCLUDED.surface_forms
)sql";

// A snapshot older than the stored one (fewer members: re-processing, or another instance's
// stale view) does not replace it.
constexpr std::string_view kUpsertStories = R"sql(
INSERT INTO stories (story_id, headline, first_seen_at, last_seen_at, article_count, snapshot)
SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[],
                     $5::integer[], $6::jsonb[])
ON CONFLICT (story_id) DO UPDATE SET
  headline = EXCLUDED.headline, first_seen_at = EXCLUDED.first_seen_at,
  last_seen_at = EXCLUDED.last_seen_at, article_count = EXCLUDED.article_count,
  snapshot = EXCLUDED.snapshot
WHERE stories.article_count <= EXCLUDED.article_count
)sql";

// Builds a PostgreSQL array literal in text form ('{"a","b",NULL}').
class ArrayLiteral {
 public:
  ArrayLiteral() { text_ = "{"; }
  void Add(std::string_view value) {
    if (count_++ > 0) text_.push_back(',');
    text_.push_back('"');
    for (char c : value) {
      if (c == '\0') continue;  // text cannot hold NUL
      if (c == '"' || c == '\\') text_.push_back('\\');
      text_.push_back(c);
    }
    text_.push_back('"');
  }
  void AddOptional(const std::optional<std::string>& value) {
    if (value) {
      Add(std::string_view(*value));
    } else {
      AddNull();
    }
  }
  void AddOrNull(std::string_view value) {
    if (value.empty()) {
      AddNull();
    } else {
      Add(value);
    }
  }
  void AddNull() {
    if (count_++ > 0) text_.push_back(',');
    text_ += "NULL";
  }
  std::string Finish() && {
    text_.push_back('}');
    return std::move(text_);
  }

 private:
  std::string text_;
  size_t count_ = 0;
};

// "NASDAQ: NVDA", "NYSE:BA", "$NVDA", "NVDA" -> "NVDA".
std::string TickerSymbol(std::string_view text) {
  if (auto colon = text.rfind(':'); colon != std::string_view::npos) text.remove_prefix(colon + 1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '$')) text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::string symbol(text);
  for (char& c : symbol) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return symbol;
}

// Server notices ("relation ... already exists, skipping" on every start) go to the log at
// debug level instead of libpq's default, stderr.
void LogNotice(void*, const char* message) {
  std::string_view text(message);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  spdlog::debug("postgres: {}", text);
}

std::string Join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out.push_back(separator);
    out += p;
  }
  return out;
}

}  // namespace

std::string_view PostgresStore::SchemaSql() { return kSchema; }

std::unique_ptr<PostgresStore> PostgresStore::Open(PostgresStoreOptions options, StoreProbe* probe,
                                                   std::string* error) {
  if (options.max_backoff_ms < 0) {
    *error = "key 'stores.postgres.max_backoff_ms': must not be negative";
    return nullptr;
  }
  std::unique_ptr<PostgresStore> store(new PostgresStore(std::move(options), probe));
  if (auto failed = store->Connect()) {
    *error = "key 'stores.postgres.conninfo': " + *failed;
    return nullptr;
  }
  PGresult* result = PQexec(store->conn_, ("BEGIN;" + std::string(kSchema) + "COMMIT;").c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  if (!ok) *error = std::string("cannot create the schema: ") + PQerrorMessage(store->conn_);
  PQclear(result);
  if (!ok) return nullptr;
  return store;
}

PostgresStore::PostgresStore(PostgresStoreOptions options, StoreProbe* probe)
    : options_(std::move(options)), probe_(probe) {
  probe_->records_written.Add("postgres", 0);
  probe_->commit_failures.Add("postgres", 0);
}

PostgresStore::~PostgresStore() {
  if (conn_ != nullptr) PQfinish(conn_);
}

std::optional<std::string> PostgresStore::Connect() {
  if (conn_ != nullptr) PQfinish(conn_);
  // expand_dbname lets `conninfo` be a full connection string or URI; it overrides the defaults
  // listed before it. A bounded connect timeout keeps an unreachable host from blocking the
  // stage loop for the TCP timeout.
  const char* keys[] = {"connect_timeout", "dbname", "fallback_application_name", nullptr};
  const char* values[] = {"10", options_.conninfo.c_str(), "newsflow-sink", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) return std::string("cannot allocate a connection");
  if (PQstatus(conn_) != CONNECTION_OK) {
    // libpq's message names host and user, never the password.
    std::string message = PQerrorMessage(conn_);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return "cannot connect: " + message;
  }
  PQsetNoticeProcessor(conn_, LogNotice, nullptr);
  return std::nullopt;
}

std::optional<std::string> PostgresStore::Exec(std::string_view sql,
                                               const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* result = PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()),
                                  nullptr, values.data(), nullptr, nullptr, 0);
  const ExecStatusType status = PQresultStatus(result);
  std::optional<std::string> error;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    error = PQerrorMessage(conn_);
    while (!error->empty() && error->back() == '\n') error->pop_back();
  }
  PQclear(result);
  return error;
}

void PostgresStore::Add(const StoredArticle& stored) {
  const v1::Article& a = stored.tagged->article();
  const std::string processed = Rfc3339Millis(stored.processed_ms);
  ArticleRow& row = articles_[a.article_id()];
  row.id = a.article_id();
  row.source = a.source_name();
  row.url = a.url();
  row.canonical_url = a.canonical_url();
  row.title = a.title();
  row.author = a.author();
  row.language = a.language();
  row.body = a.body();
  row.story_id = std::string(stored.story_id);
  row.published = a.has_published() ? std::optional(Rfc3339(a.published())) : std::nullopt;
  row.ingested = a.has_ingested() ? std::optional(Rfc3339(a.ingested())) : std::nullopt;
  row.processed = processed;
  row.word_count = a.word_count();

  for (const EntityView& entity : *stored.entities) {
    EntityRow& e = entities_[entity.id];
    e.type = std::string(EntityTypeName(entity.type));
    e.name = entity.name;
    e.seen = processed;
    MentionRow& m = mentions_[{a.article_id(), entity.id}];
    m.article_id = a.article_id();
    m.entity_id = entity.id;
    m.count = entity.count;
    m.salience = entity.salience;
    m.first_position = entity.mentions.empty() ? 0 : entity.mentions.front()->start();
    m.surface_forms.clear();
    for (const v1::EntityMention* mention : entity.mentions) {
      if (std::find(m.surface_forms.begin(), m.surface_forms.end(), mention->text()) ==
          m.surface_forms.end()) {
        m.surface_forms.push_back(mention->text());
      }
      if (mention->type() == v1::ENTITY_TYPE_TICKER) {
        std::string symbol = TickerSymbol(mention->text());
        if (!symbol.empty() && symbol.find(' ') == std::string::npos &&
            std::find(e.tickers.begin(), e.tickers.end(), symbol) == e.tickers.end()) {
          e.tickers.push_back(std::move(symbol));
        }
      }
    }
  }
  if (stored.story != nullptr) {
    const StorySnapshot& s = *stored.story;
    StoryRow& row = stories_[s.story_id];
    row.headline = s.headline;
    row.first_seen = Rfc3339Millis(s.first_seen_ms);
    row.last_seen = Rfc3339Millis(s.last_seen_ms);
    row.article_count = static_cast<int64_t>(s.article_count);
    row.snapshot_json = StoryJson(s);
  }
}

std::optional<std::string> PostgresStore::WriteBatch() {
  if (auto e = Exec("BEGIN", {})) return e;
  {
    std::vector<ArrayLiteral> cols(13);
    for (const auto& [id, r] : articles_) {
      cols[0].Add(r.id);
      cols[1].Add(r.source);
      cols[2].AddOrNull(r.url);
      cols[3].AddOrNull(r.canonical_url);
      cols[4].Add(r.title);
      cols[5].AddOrNull(r.author);
      cols[6].Add(r.language);
      cols[7].AddOptional(r.published);
      cols[8].AddOptional(r.ingested);
      cols[9].Add(r.processed);
      cols[10].AddOrNull(r.story_id);
      cols[11].Add(std::to_string(r.word_count));
      cols[12].Add(r.body);
    }
    std::vector<std::string> params;
    for (auto& c : cols) params.push_back(std::move(c).Finish());
    if (auto e = Exec(kUpsertArticles, params)) return e;
  }
  if (!entities_.empty()) {
    std::vector<ArrayLiteral> cols(5);
    for (const auto& [id, r] : entities_) {
      cols[0].Add(id);
      cols[1].Add(r.type);
      cols[2].Add(r.name);
      cols[3].Add(Join(r.tickers, ' '));
      cols[4].Add(r.seen);
    }
    std::vector<std::string> params;
    for (auto& c : cols) params.push_back(std::move(c).Finish());
    if (auto e = Exec(kUpsertEntities, params)) return e;
  }
  {
    ArrayLiteral ids;
    for (const auto& [id, r] : articles_) ids.Add(id);
    if (auto e = Exec(kDeleteMentions, {std::move(ids).Finish()})) return e;
  }
  if (!mentions_.empty()) {
    std::vector<ArrayLiteral> cols(6);
    for (const auto& [key, r] : mentions_) {
      cols[0].Add(r.article_id);
      cols[1].Add(r.entity_id);
      cols[2].Add(std::to_string(r.count));
      cols[3].Add(std::to_string(r.salience));
      cols[4].Add(std::to_string(r.first_position));
      cols[5].Add(Join(r.surface_forms, kSeparator));
    }
    std::vector<std::string> params;
    for (auto& c : cols) params.push_back(std::move(c).Finish());
    if (auto e = Exec(kUpsertMentions, params)) return e;
  }
  if (!stories_.empty()) {
    std::vector<ArrayLiteral> cols(6);
    for (const auto& [id, r] : stories_) {
      cols[0].Add(id);
      cols[1].Add(r.headline);
      cols[2].Add(r.first_seen);
      cols[3].Add(r.last_seen);
      cols[4].Add(std::to_string(r.article_count));
      cols[5].Add(r.snapshot_json);
    }
    std::vector<std::string> params;
    for (auto& c : cols) params.push_back(std::move(c).Finish());
    if (auto e = Exec(kUpsertStories, params)) return e;
  }
  return Exec("COMMIT", {});
}

std::optional<std::string> PostgresStore::Commit() {
  if (articles_.empty()) return std::nullopt;
  if (failures_ > 0) {
    // Exponential from 100 ms: a database that is down (or a batch it keeps refusing) must not
    // spin the stage loop.
    const int64_t wait =
        std::min<int64_t>(options_.max_backoff_ms, 100LL << std::min(failures_ - 1, 16));
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    if (auto error = Connect()) {
      ++failures_;
      probe_->commit_failures.Add("postgres");
      return error;
    }
    spdlog::info("postgres store: reconnected");
  }
  if (auto error = WriteBatch()) {
    ++failures_;
    probe_->commit_failures.Add("postgres");
    // Leaves the connection idle for the retry (no-op outside a transaction or when it is gone).
    PQclear(PQexec(conn_, "ROLLBACK"));
    return "batch of " + std::to_string(articles_.size()) + " article(s) not written: " + *error;
  }
  failures_ = 0;
  probe_->records_written.Add("postgres", articles_.size());
  Discard();
  return std::nullopt;
}

void PostgresStore::Discard() {
  articles_.clear();
  entities_.clear();
  mentions_.clear();
  stories_.clear();
}

}  // namespace newsflow::sink
