#pragma once

// A real PostgreSQL server for a test (scripts/local-postgres.sh start/stop) and a small libpq
// client to look at what the sink stored.

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "tests/support/kafka_test_client.h"

namespace newsflow::testing {

class LocalPostgres {
 public:
  LocalPostgres() {
    // Short: the socket path (dir + "/.s.PGSQL.5432") must fit in 107 bytes.
    char tmpl[] = "/tmp/nfpg.XXXXXX";
    const char* made = mkdtemp(tmpl);
    if (made == nullptr) return;
    dir_ = made;
    std::string output;
    if (Script("start --dir " + dir_, &output) != 0) {
      ADD_FAILURE() << "local-postgres.sh start failed:\n" << output;
      return;
    }
    const auto at = output.rfind("CONNINFO=");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no CONNINFO in:\n" << output;
      return;
    }
    conninfo_ = output.substr(at + 9);
    while (!conninfo_.empty() && (conninfo_.back() == '\n' || conninfo_.back() == '\r')) {
      conninfo_.pop_back();
    }
  }
  ~LocalPostgres() {
    if (!dir_.empty()) Script("stop --dir " + dir_, nullptr);
  }
  LocalPostgres(const LocalPostgres&) = delete;
  LocalPostgres& operator=(const LocalPostgres&) = delete;

  // Empty when the server did not start (the constructor failed the test).
  const std::string& conninfo() const { return conninfo_; }
  const std::string& dir() const { return dir_; }

 private:
  static int Script(const std::string& args, std::string* output) {
    std::string ignored;
    return RunCommand("bash " + SourceDir() + "/scripts/local-postgres.sh " + args + " 2>&1",
                      output ? output : &ignored);
  }

  std::string dir_;
  std::string conninfo_;
};

// A client connection; Query returns rows of text values (NULL as "<null>").
class PgClient {
 public:
  explicit PgClient(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) ADD_FAILURE() << PQerrorMessage(conn_);
  }
  ~PgClient() { PQfinish(conn_); }
  PgClient(const PgClient&) = delete;
  PgClient& operator=(const PgClient&) = delete;

  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    PGresult* result = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      ADD_FAILURE() << "query failed: " << PQerrorMessage(conn_) << sql;
    } else {
      for (int r = 0; r < PQntuples(result); ++r) {
        rows.emplace_back();
        for (int c = 0; c < PQnfields(result); ++c) {
          rows.back().push_back(PQgetisnull(result, r, c) ? "<null>" : PQgetvalue(result, r, c));
        }
      }
    }
    PQclear(result);
    return rows;
  }
  // The single value of a one-row, one-column query.
  std::string Value(const std::string& sql) {
    auto rows = Query(sql);
    if (rows.size() != 1 || rows[0].size() != 1) {
      ADD_FAILURE() << "expected one value from: " << sql;
      return "";
    }
    return rows[0][0];
  }

 private:
  PGconn* conn_;
};

}  // namespace newsflow::testing
