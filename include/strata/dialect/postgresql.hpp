// strata::postgresql: the PostgreSQL dialect on libpqxx 6: native DDL, transactions, a polled advisory lock.
// Client: <pqxx/pqxx> <libpq-fe.h> (the single header carries this dialect when they can be found; Debian: -I/usr/include/postgresql).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <typeinfo>
#include <utility>
#include <vector>

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <strata/dialect.hpp>
#include <strata/connection.hpp>
#include <strata/detail/backfill.hpp>
#include <strata/detail/backup_file.hpp>
#include <strata/detail/graph_check.hpp>
#include <strata/detail/postgresql_inspect.hpp>
#include <strata/detail/postgresql_sql.hpp>
#include <strata/detail/postgresql_url.hpp>
#include <strata/dialect/postgresql_sql.hpp>
#include <strata/errors.hpp>
#include <strata/migrator.hpp>
#include <strata/ops.hpp>
#include <strata/url.hpp>

namespace strata {

struct postgresql_options {
  // The schema to migrate: tables, indexes and the version table go there, and the connection's
  // search_path is set to it. Empty: the connection's own current_schema().
  std::string schema;
  // How long a migration polls for strata's advisory migration lock (another migration is running)
  // before giving up (URL: migration_lock_wait=<seconds>; lock_timeout=, its old name, still works).
  std::chrono::milliseconds migration_lock_wait{60000};
  // The server's lock_timeout for every statement a migration runs: how long one waits for a lock on
  // a table (or its rows) that another session holds. A migration queued behind a long reader would
  // otherwise queue every later query on that table behind itself. 0: no limit.
  std::chrono::milliseconds statement_lock_timeout{5000};
  // How many times a transactional revision stopped by statement_lock_timeout is rolled back and run
  // again, after a pause of 1 s, then 2 s, 4 s ... (GitLab's with_lock_retries), before it fails.
  int lock_retries = 3;
  // The server's statement_timeout for every statement a migration runs. 0 (the default): no limit.
  std::chrono::milliseconds statement_timeout{0};
};

// The PostgreSQL dialect. Opens `postgresql://user:password@host:port/database?params` (or
// `postgres://`), or, with no URL, what libpq's PG* environment variables name; or works on the
// caller's pqxx::connection. The URL's `schema=<name>`, `migration_lock_wait=<seconds>`,
// `statement_lock_timeout=<seconds>`, `lock_retries=<count>` and `statement_timeout=<seconds>` are
// strata's (postgresql_options); every other parameter is a libpq keyword (sslmode,
// connect_timeout, application_name ...).
// A URL field left out (host, port, user, password, database) falls back to libpq's environment.
//
// Each revision runs with its version-table update in one transaction (PostgreSQL's DDL is
// transactional). A revision with `transactional = false` runs with no transaction open, each
// statement committing on its own (CREATE INDEX CONCURRENTLY needs that); its version-table update
// then commits in a transaction of its own once every statement has succeeded (the server runs an
// execute() of several statements as one implicit transaction: give CONCURRENTLY statements an
// execute() each). Every migration holds a session-level advisory lock, taken by polling
// pg_try_advisory_lock: a session blocked in pg_advisory_lock would hold a snapshot that
// CREATE INDEX CONCURRENTLY waits for, a deadlock. While it holds the lock, the session runs with
// the server's lock_timeout and statement_timeout set to the options' statement_lock_timeout and
// statement_timeout (its own restored when it lets go); a transactional revision stopped by the
// lock_timeout (SQLSTATE 55P03) is rolled back and run again up to lock_retries times. hold_migration_lock() keeps the lock across a whole upgrade.
class postgresql {
 public:
  static constexpr std::string_view name = "postgresql";
  using sql = postgresql_sql;
  // The URL schemes a front end routes to this dialect.
  static constexpr std::array<std::string_view, 2> schemes{"postgresql", "postgres"};

  explicit postgresql(std::string_view url = {}, postgresql_options options = {}) : options_(std::move(options)) {
    // Read by libpq's parser, the secrets kept apart: detail/postgresql_url.hpp.
    detail::postgresql_url::url u;
    if (!url.empty()) {
      u = detail::postgresql_url::parse(url, schemes);
      shown_ = u.shown;
      if (!u.schema.empty()) options_.schema = u.schema;
      if (u.migration_lock_wait) options_.migration_lock_wait = *u.migration_lock_wait;
      if (u.statement_lock_timeout) options_.statement_lock_timeout = *u.statement_lock_timeout;
      if (u.lock_retries) options_.lock_retries = *u.lock_retries;
      if (u.statement_timeout) options_.statement_timeout = *u.statement_timeout;
    }
    const auto& keywords = u.keywords;
    keywords_ = keywords;
    const auto known = libpq_defaults();
    // Where it was meant to go, for messages: the URL's fields, else libpq's defaults (PG* variables).
    auto pick = [&](std::string_view keyword, std::string fallback) {
      std::string v = u.value(keyword);
      if (v.empty())
        for (const auto& [k, value] : known)
          if (k == keyword) v = value;
      return v.empty() ? fallback : v;
    };
    endpoint_.host = pick("host", "localhost");
    endpoint_.port = pick("port", "5432");
    endpoint_.user = pick("user", "");
    endpoint_.database = pick("dbname", endpoint_.user);
    password_ = pick("password", "");

    std::string conninfo;
    for (const auto& [k, value] : keywords) conninfo += (conninfo.empty() ? "" : " ") + k + "=" + detail::postgresql_sql::conninfo_value(value);
    try {
      owned_ = std::make_unique<pqxx::connection>(conninfo);
    } catch (const pqxx::failure& e) {  // pqxx::broken_connection, mostly
      const auto why = first_line(e.what());
      if (why.find("permission denied for database") != std::string::npos)  // FATAL 42501: no CONNECT privilege
        throw database_unavailable("cannot connect to PostgreSQL at " + endpoint_.where() + " (" + why + "): the database user '" +
                                   endpoint_.user + "' lacks a privilege: have the database's owner run GRANT CONNECT ON DATABASE " +
                                   quote(endpoint_.database) + " TO " + quote(endpoint_.user) + ", or connect as a user that may");
      throw database_unavailable("cannot connect to PostgreSQL at " + endpoint_.where() + " (" + why +
                                 "); check that the server runs and the URL or PG* variables are right");
    }
    conn_ = owned_.get();
    connected();
  }

  // Works on the caller's connection. With a schema option, it sets the connection's search_path.
  explicit postgresql(pqxx::connection& connection, postgresql_options options = {}) : options_(std::move(options)), conn_(&connection) {
    connected();
  }

  postgresql(postgresql&&) noexcept = default;
  postgresql& operator=(postgresql&&) noexcept = default;
  postgresql(const postgresql&) = delete;
  postgresql& operator=(const postgresql&) = delete;
  ~postgresql() = default;

  [[nodiscard]] pqxx::connection& database() { return *conn_; }

  // The URL with any password masked; without one, postgresql://user@host:port/database of the connection.
  [[nodiscard]] std::string location() const {
    if (!shown_.empty()) return shown_;
    const bool socket = endpoint_.host.starts_with('/');
    return "postgresql://" + endpoint_.user + "@" + (socket ? "" : endpoint_.host) + ":" + endpoint_.port + "/" + endpoint_.database +
           (socket ? "?host=" + endpoint_.host : "");
  }

  // Test databases on the server of libpq's PG* variables (strata/dialect/postgresql_provisioning.hpp).
  class provisioner;

  [[nodiscard]] const postgresql_options& options() const { return options_; }

  // The advisory lock that guards one version table: FNV-1a of "strata:<schema>.<table>".
  [[nodiscard]] static std::int64_t lock_key(std::string_view schema, std::string_view version_table) {
    return std::bit_cast<std::int64_t>(detail::hash_id("strata:" + std::string(schema) + "." + std::string(version_table)));
  }


  std::vector<std::string> read_versions(std::string_view table) {
    return guarded("reading the version table", [&] {
      std::vector<std::string> rows;
      with_transaction([&](pqxx::transaction_base& t) {
        if (!relation_exists(t, table)) return;
        try {
          for (const auto& r : t.exec("SELECT version_num FROM " + qualified(table) + " ORDER BY version_num"))
            rows.emplace_back(r[0].c_str());
        } catch (const pqxx::undefined_column&) {
          throw unknown_database_state(detail::version_table_of_another_layout(table));
        }
      });
      return rows;
    });
  }

  // Inside a revision's transaction, or, for a non-transactional revision, in a transaction of its own.
  void write_versions(std::string_view table, const std::vector<std::string>& rows) {
    guarded("writing the version table", [&] {
      auto write = [&](pqxx::transaction_base& t) {
        ensure_schema(t);
        // Alembic's exact layout, so that Alembic and strata can take turns on one database.
        if (!relation_exists(t, table)) {
          t.exec(postgresql_sql::create_version_table(table, {.schema = options_.schema}));
          known(table);
        }
        // One round trip: the DELETE and the INSERT of every row in one query string.
        std::string sql = "DELETE FROM " + qualified(table);
        for (std::size_t i = 0; i < rows.size(); ++i) {
          sql += i == 0 ? "; INSERT INTO " + qualified(table) + " (version_num) VALUES (" : std::string("), (");
          sql += '\'';
          sql += t.esc(rows[i]);
          sql += '\'';
        }
        if (!rows.empty()) sql += ")";
        try {
          t.exec(sql);
        } catch (const pqxx::undefined_column&) {
          throw unknown_database_state(detail::version_table_of_another_layout(table));
        }
      };
      atomically(write);
      return 0;
    });
  }

  // Takes the advisory lock (polling) unless hold_migration_lock() holds it, then runs body in one
  // transaction, or, for a non-transactional unit, with no transaction open; releases the lock after.
  // A transaction stopped by statement_lock_timeout is rolled back and run again, up to lock_retries
  // times, after 1 s, 2 s, 4 s ... (a non-transactional unit is not: what ran before stays).
  void transaction(const unit_of_work& unit, const std::function<void()>& body) {
    locked(unit.version_table, [&] {
      if (unit.transactional) {
        for (int attempt = 1;; ++attempt) {
          lock_timed_out_.clear();
          try {
            in_transaction(body);
            return;
          } catch (const operation_failed& e) {
            if (lock_timed_out_.empty()) throw;
            if (attempt > options_.lock_retries) {
              if (lock_timed_out_ == "?") lock_timed_out_ = locked_table();
              throw operation_failed(e.operation(), lock_timeout_message() + ", on each of " + std::to_string(attempt) + " attempts", lock_advice());
            }
          }
          std::this_thread::sleep_for(std::chrono::seconds(1) * (1 << std::min(attempt - 1, 6)));
        }
      } else {
        outside_transaction_ = true;
        struct reset {
          bool& flag;
          ~reset() { flag = false; }
        } reset_flag{outside_transaction_};
        body();
      }
    });
  }

  // Runs each operation's statements as postgresql_sql renders them (qualified with the schema option).
  // Inside a transaction after hold_statements(), the statements are held, to be sent with others.
  void apply(std::span<const operation> operations) {
    if (operations.empty()) return;
    if (!schema_ready())
      guarded("creating the schema", [&] {
        with_transaction([&](pqxx::transaction_base& t) { ensure_schema(t); });
        return 0;
      });
    for (const auto& o : operations) apply_one(o);
  }

  // HoldsStatements. Each statement is a round trip, and most of an upgrade's time on a nearby server;
  // held, a group's statements go in one query string, sent when the transaction next reads or writes,
  // after a SAVEPOINT of their own. If the string fails, the transaction rolls back to that savepoint
  // and the statements run again one at a time: the one that fails again is reported as it would have
  // been alone (a statement that is not repeatable, say one that depends on the time, may pass then;
  // a lock or statement timeout is waited out twice).
  void hold_statements(std::size_t k) {
    if (tx_ == nullptr) return;  // a non-transactional unit's: each statement runs as it comes
    holding_ = k;
    held_failed_at_.reset();
  }
  void send_held() {
    send_pending();
    holding_.reset();
  }
  [[nodiscard]] std::optional<std::size_t> held_failed_at() const { return held_failed_at_; }

  // The database's schemas but its own (HasSchemas): pg_catalog, information_schema, pg_toast, pg_temp_N ...
  std::vector<std::string> schemas() {
    return guarded("listing the schemas", [&] {
      std::vector<std::string> out;
      with_transaction([&](pqxx::transaction_base& t) {
        out.clear();
        for (const auto& r : t.exec("SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' "
                                    "ORDER BY nspname COLLATE \"C\""))
          out.emplace_back(r[0].c_str());
      });
      return out;
    });
  }

  // Migrates `schema` from now on, on this connection (HasSchemas): as a URL with ?schema=<schema>
  // would, without connecting again. Between migrations only, not while hold_migration_lock() runs.
  void use_schema(std::string_view schema) {
    if (held_) throw std::logic_error("strata::postgresql::use_schema: called while the migration lock is held; switch schemas between migrations");
    if (!shown_.empty()) {  // location() names the schema as the URL would
      const auto p = database_url::split(shown_);
      std::string query;
      for (const auto item : database_url::query_items(p.query))
        if (database_url::decode(item.substr(0, item.find('='))) != "schema") query += std::string(item) + "&";
      shown_ = shown_.substr(0, shown_.size() - (p.has_query ? p.query.size() + 1 : 0)) + "?" + query + "schema=" +
               detail::postgresql_url::detail::encode(schema);
    }
    options_.schema = std::string(schema);
    forget_known();
    connected();
  }

  // The schema's tables, keys and indexes, read from pg_catalog (detail/postgresql_inspect.hpp).
  owned_schema inspect() {
    return guarded("reading the schema", [&] {
      owned_schema s;
      with_transaction([&](pqxx::transaction_base& t) { s = detail::postgresql_inspect(t, schema_name(t)); });
      return s;
    });
  }

  // Runs body holding the advisory lock that guards version_table (HoldsMigrationLock): the
  // transaction()s inside it do not take it again, so an upgrade costs the lock's round trips once.
  void hold_migration_lock(std::string_view version_table, const std::function<void()>& body) { locked(version_table, body); }

  // Called with each statement apply() runs for the operations, before it runs; none by default.
  void on_statement(std::function<void(std::string_view)> listener) { statement_listener_ = std::move(listener); }

  // Called with a backfill's progress (rows updated of the rows to do) as its batches commit.
  void on_progress(std::function<void(const progress&)> listener) { progress_ = std::move(listener); }

  // ResumesBackfills: each batch of a backfill is its own transaction outside a revision's (one
  // transaction for all of them inside one); the listener writes in it.
  void on_backfill_batch(std::function<void(std::string_view)> listener) { batch_listener_ = std::move(listener); }
  void resume_backfill_after(std::string last_key) { resume_after_ = std::move(last_key); }

  // pg_dump of the whole database as plain SQL (restore it with psql) into <database>.<stamp>.sql
  // in the working directory (or options.directory), connecting as this connection did: the URL's
  // libpq keywords, else the connection's host, port, user and database, with libpq's environment.
  // The password goes to pg_dump in its PGPASSWORD, never on its command line.
  backup_made backup(const backup_options& options) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto folder = options.directory.empty() ? fs::current_path(ec) : fs::path(options.directory);
    const auto file = detail::unused_backup_path(folder, endpoint_.database, options.stamp, ".sql");
    std::string conninfo;
    auto add = [&](const std::string& keyword, const std::string& value) {
      if (!value.empty() && keyword != "password" && keyword != "sslpassword")
        conninfo += (conninfo.empty() ? "" : " ") + keyword + "=" + detail::postgresql_sql::conninfo_value(value);
    };
    if (keywords_.empty())
      for (const auto& [k, v] : {std::pair<std::string, std::string>{"host", endpoint_.host}, {"port", endpoint_.port}, {"user", endpoint_.user},
                                 {"dbname", endpoint_.database}})
        add(k, v);
    for (const auto& [k, v] : keywords_) add(k, v);
    std::vector<std::string> environment;
    if (!password_.empty()) environment.push_back("PGPASSWORD=" + password_);
    const auto ran = detail::run_program({"pg_dump", "--no-password", "--format=plain", "--file=" + file.string(), "--dbname=" + conninfo},
                                         environment);
    if (!ran.found)
      throw backup_failed("pg_dump is not installed or not on PATH, so no backup was made and nothing ran; install PostgreSQL's client "
                          "tools (Debian: postgresql-client) or put pg_dump on PATH, or back the database up yourself and run without --backup");
    if (ran.status != 0) {
      fs::remove(file, ec);
      std::string why = first_line(ran.err);
      if (why.starts_with("pg_dump: ")) why.erase(0, 9);
      if (why.starts_with("error: ")) why.erase(0, 7);
      throw backup_failed("pg_dump could not back up " + location() + " (" + (why.empty() ? "exit status " + std::to_string(ran.status) : why) +
                          "), so nothing ran; fix that (pg_dump must be as new as the server), or back the database up yourself and run "
                          "without --backup");
    }
    return {file.string(), "pg_dump"};
  }

  // The history table, in the schema migrated; its database_user is the server's current_user.
  std::vector<history_record> read_history(std::string_view version_table) {
    return guarded("reading the history table", [&] {
      std::vector<history_record> rows;
      const auto table = history_table(version_table);
      with_transaction([&](pqxx::transaction_base& t) {
        if (!relation_exists(t, table)) return;
        for (const auto& r : t.exec(std::string(detail::history_select) + qualified(table) + " ORDER BY id")) {
          history_record h;
          h.id = r[0].as<std::int64_t>();
          h.duration_ms = r[4].as<std::int64_t>();
          for (auto [field, column] : {std::pair{&h.revision, 1}, {&h.direction, 2}, {&h.started_at, 3}, {&h.outcome, 5}, {&h.error, 6},
                                       {&h.checksum, 7}, {&h.progress, 8}, {&h.application, 9}, {&h.host, 10}, {&h.database_user, 11}})
            *field = r[column].c_str();
          rows.push_back(std::move(h));
        }
      });
      return rows;
    });
  }

  // In the revision's transaction, or (none open) in a transaction of its own.
  std::int64_t write_history(std::string_view version_table, const history_record& record) {
    return guarded("writing the history table", [&] {
      const auto table = history_table(version_table);
      std::int64_t id = record.id;
      auto write = [&](pqxx::transaction_base& t) {
        if (record.id != 0) {
          if (!relation_exists(t, table)) {
            id = 0;
            return;
          }
          if (t.exec_params("UPDATE " + qualified(table) + " SET duration_ms = $1, outcome = $2, error = $3, progress = $4 WHERE id = $5",
                            record.duration_ms, record.outcome, record.error, record.progress, record.id)
                  .affected_rows() == 0)
            id = 0;
          return;
        }
        ensure_history_table(t, table);
        id = t.exec_params(insert_history(table) + "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, current_user) RETURNING id",
                           record.revision, record.direction, record.started_at, record.duration_ms, record.outcome, record.error,
                           record.checksum, record.progress, record.application, record.host)[0][0]
                 .as<std::int64_t>();
      };
      atomically(write);
      return id;
    });
  }

  // "INSERT INTO <history table> (<its columns but id>) VALUES ": write_history's and write_history_rows'.
  std::string insert_history(std::string_view table) const {
    return "INSERT INTO " + qualified(table) +
           " (revision, direction, started_at, duration_ms, outcome, error, checksum, progress, application, host, database_user) VALUES ";
  }

  // New rows, in one INSERT (WritesHistoryRows): a group's, in its transaction.
  void write_history_rows(std::string_view version_table, std::span<const history_record> records) {
    if (records.empty()) return;
    guarded("writing the history table", [&] {
      const auto table = history_table(version_table);
      atomically([&](pqxx::transaction_base& t) {
        ensure_history_table(t, table);
        std::string sql = insert_history(table);
        for (std::size_t i = 0; i < records.size(); ++i) {
          const auto& r = records[i];
          // Appends only, and esc() rather than quote(): GCC 12's -Wrestrict misfires on "'" + std::string at -O2.
          sql += i == 0 ? "(" : ", (";
          for (const auto* field : {&r.revision, &r.direction, &r.started_at}) {
            sql += '\'';
            sql += t.esc(*field);
            sql += "', ";
          }
          sql += std::to_string(r.duration_ms);
          for (const auto* field : {&r.outcome, &r.error, &r.checksum, &r.progress, &r.application, &r.host}) {
            sql += ", '";
            sql += t.esc(*field);
            sql += '\'';
          }
          sql += ", current_user)";
        }
        t.exec(sql);
      });
      return 0;
    });
  }

  // The indexes the operations create that exist, each with whether it is complete (pg_index.indisvalid:
  // false for what a failed or interrupted CREATE INDEX CONCURRENTLY left).
  std::vector<leftover_index> leftover_indexes(std::span<const operation> operations) {
    return guarded("looking for the indexes an interrupted revision left", [&] {
      std::vector<leftover_index> out;
      with_transaction([&](pqxx::transaction_base& t) {
        for (const auto& o : operations) {
          const auto* x = strata::get_if<op::create_index>(&o);
          if (x == nullptr) continue;
          const auto r = t.exec_params("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)", qualified(x->name));
          if (r.empty()) continue;
          out.push_back({std::string(x->name), std::string_view(r[0][0].c_str()) == "t",
                         "DROP INDEX " + std::string(x->options.concurrently ? "CONCURRENTLY " : "") + "IF EXISTS " + qualified(x->name)});
        }
      });
      return out;
    });
  }

  // Every table, view, index (but those backing a constraint), trigger (but internal ones),
  // standalone sequence (not owned by a column), function and procedure, and enum, domain,
  // composite and range type of the schema (but what an extension or another object owns), the
  // version table included, in an order in which they can be dropped: triggers, views,
  // materialized views, indexes, tables (each before the tables it references), sequences (a
  // column default may use one), functions and procedures (named with their arguments:
  // "f(a integer)"; a trigger, default or view may call one), then types (a column, function or
  // domain may use one).
  std::vector<database_object> objects() {
    return guarded("listing the schema's objects", [&] {
      std::vector<database_object> triggers, views, materialized, indexes, tables, sequences, routines, types;
      with_transaction([&](pqxx::transaction_base& t) {
        const auto schema = schema_name(t);
        for (const auto& r : t.exec_params("SELECT c.relname, c.relkind, c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                           "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S') ORDER BY c.relname",
                                           schema)) {
          const std::string kind = r[1].c_str();
          database_object o{"", r[0].c_str(), "", {}};
          if (kind == "v") {
            o.type = "view";
            views.push_back(std::move(o));
          } else if (kind == "m") {
            o.type = "materialized view";
            materialized.push_back(std::move(o));
          } else if (kind == "S") {
            // A sequence a column owns (SERIAL, IDENTITY) goes with its table.
            if (!t.exec_params("SELECT 1 FROM pg_depend WHERE classid = 'pg_class'::regclass AND objid = $1::oid AND deptype IN ('a', 'i')",
                               r[2].c_str())
                     .empty())
              continue;
            o.type = "sequence";
            sequences.push_back(std::move(o));
          } else {
            o.type = "table";
            for (const auto& c : t.exec_params("SELECT attname FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped "
                                               "ORDER BY attnum",
                                               r[2].c_str()))
              o.columns.emplace_back(c[0].c_str());
            tables.push_back(std::move(o));
          }
        }
        for (const auto& r : t.exec_params("SELECT i.relname, c.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                                           "JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = i.relnamespace "
                                           "WHERE n.nspname = $1 AND NOT i.relispartition AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                                           "WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')) ORDER BY i.relname",
                                           schema))
          indexes.push_back({"index", r[0].c_str(), r[1].c_str(), {}});
        // Triggers a partition inherits from its parent's cannot be dropped alone (PostgreSQL 13+ marks them).
        const std::string inherited = conn_->server_version() >= 130000 ? " AND g.tgparentid = 0" : "";
        for (const auto& r : t.exec_params("SELECT g.tgname, c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
                                           "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT g.tgisinternal" +
                                               inherited + " ORDER BY g.tgname, c.relname",
                                           schema))
          triggers.push_back({"trigger", r[0].c_str(), r[1].c_str(), {}});
        std::vector<std::pair<std::string, std::string>> references;
        for (const auto& r : t.exec_params("SELECT c.relname, p.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                                           "JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                                           "JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE k.contype = 'f' AND n.nspname = $1 "
                                           "AND pn.nspname = $1",
                                           schema))
          references.emplace_back(r[0].c_str(), r[1].c_str());
        tables = detail::children_first(std::move(tables), references, std::equal_to<>{});
        // Owned by an extension ('e') or another object ('i': a range type's constructors): not ours to drop.
        const auto not_owned = [](std::string_view catalog, std::string_view alias) {
          return " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '" + std::string(catalog) + "'::regclass AND d.objid = " +
                 std::string(alias) + ".oid AND d.deptype IN ('e', 'i'))";
        };
        for (const auto& r : t.exec_params("SELECT p.proname, p.prokind, pg_get_function_identity_arguments(p.oid) FROM pg_proc p "
                                           "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.prokind IN ('f', 'p')" +
                                               not_owned("pg_proc", "p") + " ORDER BY p.proname COLLATE \"C\", 3",
                                           schema))
          routines.push_back({std::string(r[1].c_str()) == "p" ? "procedure" : "function",
                              std::string(r[0].c_str()) + "(" + r[2].c_str() + ")", "", {}});
        for (const auto& r : t.exec_params("SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                                           "WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'r', 'c') AND (t.typtype <> 'c' OR EXISTS "
                                           "(SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))" +
                                               not_owned("pg_type", "t") + " ORDER BY t.typname COLLATE \"C\"",
                                           schema))
          types.push_back({"type", r[0].c_str(), "", {}});
      });
      std::vector<database_object> out;
      for (auto* group : {&triggers, &views, &materialized, &indexes, &tables, &sequences, &routines, &types})
        for (auto& o : *group) out.push_back(std::move(o));
      return out;
    });
  }

  // Drops the objects in the given order, in one transaction under the migration lock, without
  // CASCADE (nothing that is not listed disappears). Consecutive objects of one kind go in one
  // statement, so that foreign keys (or views) among the tables listed do not matter. On failure
  // nothing is dropped and strata::operation_failed names the objects.
  void drop_objects(const std::vector<database_object>& objects, std::string_view version_table) {
    for (const auto& o : objects)
      if (keyword_of(o.type).empty())
        throw operation_failed("dropping " + o.type + " '" + o.name + "'",
                               "strata's PostgreSQL dialect drops tables, views, materialized views, indexes, triggers, sequences, "
                               "functions, procedures and types only, so nothing was dropped; leave this object out of the list");
    locked(version_table, [&] {
      forget_known();
      in_transaction([&] {
        const auto schema = schema_name(*tx_);
        for (std::size_t i = 0; i < objects.size();) {
          std::size_t end = i + 1;
          if (objects[i].type != "trigger")
            while (end < objects.size() && objects[end].type == objects[i].type) ++end;
          std::string what, names;
          for (std::size_t j = i; j < end; ++j) {
            what += (what.empty() ? "" : ", ") + objects[j].type + " '" + objects[j].name + "'";
            names += (names.empty() ? "" : ", ") + drop_name(schema, objects[j]);
          }
          const auto& first = objects[i];
          // An index or trigger may have gone with its table or materialized view: no error.
          std::string sql = "DROP " + std::string(keyword_of(first.type)) + " ";
          if (first.type == "trigger") sql += "IF EXISTS " + quote(first.name) + " ON " + postgresql_sql::qualified({.schema = schema}, first.table);
          else if (first.type == "index") sql += "IF EXISTS " + names;
          else sql += names;
          try {
            tx_->exec(sql);
          } catch (const pqxx::broken_connection& e) {
            lost("dropping " + what, e);
          } catch (const pqxx::sql_error& e) {
            raise_unavailable(e, "dropping " + what);
            throw operation_failed("dropping " + what, server_message(e) + ", so nothing was dropped (the transaction was rolled back)");
          } catch (const pqxx::failure& e) {
            throw operation_failed("dropping " + what, server_message(e) + ", so nothing was dropped (the transaction was rolled back)");
          }
          i = end;
        }
      });
    });
  }

  // Runs SQL (several statements allowed) on the connection as it is, outside strata's transactions.
  void execute(std::string_view sql) {
    const std::string what = "execute \"" + std::string(sql.substr(0, 60)) + (sql.size() > 60 ? "...\"" : "\"");
    try {
      with_transaction([&](pqxx::transaction_base& t) { t.exec(std::string(sql)); });
    } catch (const pqxx::broken_connection& e) {
      lost(what, e);
    } catch (const pqxx::sql_error& e) {
      raise_unavailable(e, what);
      throw operation_failed(what, server_message(e));
    } catch (const pqxx::failure& e) {
      throw operation_failed(what, server_message(e));
    }
  }
  // A test's changes go into a pqxx::work that rollback_test_transaction() aborts. The test writes
  // through test_transaction(), a pqxx::subtransaction (a savepoint) in it: committing that, or a
  // pqxx::subtransaction nested in it, releases a savepoint and ends nothing, and the work itself is
  // never handed out. libpqxx allows one transaction object per connection at a time, so a
  // pqxx::work or pqxx::nontransaction opened on database() meanwhile throws pqxx::usage_error
  // naming this one (test_work_name) instead of committing the test's rows.
  void begin_test_transaction() {
    guarded("beginning the test transaction", [&] {
      test_work_ = std::make_unique<pqxx::work>(*conn_, std::string(test_work_name));
      test_savepoint_ = std::make_unique<pqxx::subtransaction>(*test_work_, "strata_test");
      // libpqxx 6 sets a subtransaction's savepoint at its first exec(), and exec_params() does not
      // set it: set here, whatever the test runs first.
      test_savepoint_->exec("SELECT 1");
      return 0;
    });
    tx_ = test_savepoint_.get();
  }
  void rollback_test_transaction() {
    tx_ = nullptr;
    auto savepoint = std::move(test_savepoint_);
    auto work = std::move(test_work_);
    if (!work) return;
    guarded("rolling back the test transaction", [&] {
      try {
        if (savepoint) savepoint->abort();
      } catch (const pqxx::usage_error&) {  // the test committed it: the work's rollback undoes it
      }
      work->abort();
      return 0;
    });
  }
  [[nodiscard]] pqxx::dbtransaction& test_transaction() {
    if (!test_savepoint_)
      throw std::logic_error("strata::postgresql::test_transaction: no test transaction is open; call begin_test_transaction() first");
    return *test_savepoint_;
  }
  // The name libpqxx's messages give the test transaction: what a test that opens a second
  // transaction on the connection reads.
  static constexpr std::string_view test_work_name = "strata test transaction: write through transaction() of the fixture";

 private:
  struct endpoint {
    std::string host, port, user, database;
    [[nodiscard]] std::string where() const { return host + ":" + port + ", database '" + database + "'"; }
  };

  static std::string quote(std::string_view identifier) { return detail::postgresql_sql::quote(identifier); }
  [[nodiscard]] std::string qualified(std::string_view name) const { return postgresql_sql::qualified({.schema = options_.schema}, name); }

  static std::string_view keyword_of(const std::string& type) {
    if (type == "table") return "TABLE";
    if (type == "view") return "VIEW";
    if (type == "materialized view") return "MATERIALIZED VIEW";
    if (type == "index") return "INDEX";
    if (type == "trigger") return "TRIGGER";
    if (type == "sequence") return "SEQUENCE";
    if (type == "function") return "FUNCTION";
    if (type == "procedure") return "PROCEDURE";
    if (type == "type") return "TYPE";  // enums, domains, composite and range types alike
    return {};
  }
  // The name DROP takes: qualified, and for a routine "name(arguments)" with only the name quoted.
  static std::string drop_name(std::string_view schema, const database_object& o) {
    const render_options in{.schema = schema};
    if (o.type != "function" && o.type != "procedure") return postgresql_sql::qualified(in, o.name);
    const auto paren = o.name.find('(');
    return postgresql_sql::qualified(in, o.name.substr(0, paren)) + (paren == std::string::npos ? "()" : o.name.substr(paren));
  }

  // libpq's keywords with their defaults (the PG* variables included).
  static std::vector<std::pair<std::string, std::string>> libpq_defaults() {
    std::vector<std::pair<std::string, std::string>> out;
    if (PQconninfoOption* options = PQconndefaults()) {
      for (auto* o = options; o->keyword != nullptr; ++o) out.emplace_back(o->keyword, o->val != nullptr ? o->val : "");
      PQconninfoFree(options);
    }
    return out;
  }

  // The URL rebuilt from libpq's parse with its password as ***; when it cannot be read, with
  // everything that could be a password hidden.

  [[nodiscard]] std::string first_line(std::string_view message) const {
    std::string line(message.substr(0, message.find('\n')));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    // libpq never shows a password (it never sees one outside the password keyword); should a message
    // ever hold the parsed password, it is masked here. (Two characters or fewer would mask words.)
    if (password_.size() >= 3)
      for (auto at = line.find(password_); at != std::string::npos; at = line.find(password_, at + 3)) line.replace(at, password_.size(), "***");
    return line;
  }

  // The server's message: its first line, the DETAIL if any, and the SQLSTATE. libpqxx raises some
  // server errors (deadlock_detected, serialization_failure) as pqxx::failure, not pqxx::sql_error.
  [[nodiscard]] std::string server_message(const pqxx::failure& e) const {
    const std::string what = e.what();
    std::string out = first_line(what);
    if (out.starts_with("ERROR:  ") || out.starts_with("FATAL:  ")) out.erase(0, 8);
    if (const auto d = what.find("\nDETAIL:  "); d != std::string::npos) {
      auto detail = first_line(std::string_view(what).substr(d + 10));
      while (!detail.empty() && detail.back() == '.') detail.pop_back();
      out += ": " + detail;
    }
    if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr && !sql->sqlstate().empty())
      out += " (SQLSTATE " + sql->sqlstate() + ")";
    return out;
  }

  // Right after connecting: where it is (for messages), and the schema's search_path.
  void connected() {
    try {
      if (const char* h = conn_->hostname()) endpoint_.host = h;
      if (const char* p = conn_->port()) endpoint_.port = p;
      if (const char* u = conn_->username()) endpoint_.user = u;
      if (const char* d = conn_->dbname()) endpoint_.database = d;
      if (endpoint_.host.empty()) endpoint_.host = "localhost";
      // set_variable: libpqxx restores it should it ever reconnect.
      if (!options_.schema.empty()) conn_->set_variable("search_path", quote(options_.schema));
    } catch (const pqxx::broken_connection& e) {
      lost("setting the search_path", e);
    } catch (const pqxx::sql_error& e) {
      throw error("PostgreSQL failed while setting the search_path to '" + options_.schema + "' on " + endpoint_.where() + ": " +
                  server_message(e));
    }
  }

  [[noreturn]] void lost(const std::string& what, const pqxx::broken_connection& e) {
    broken_ = true;
    throw database_unavailable("lost the connection to PostgreSQL at " + endpoint_.where() + " while " + what + " (" + first_line(e.what()) +
                               "); the server rolled back what was not committed: check that the server runs and run the migration again");
  }

  // SQLSTATEs that say the database, not the statement, is the problem: a connection exception
  // (class 08), the server shutting the session down (57P01-57P03), a read-only server (25006).
  void raise_unavailable(const pqxx::sql_error& e, const std::string& what) {
    const auto& state = e.sqlstate();
    if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03") {
      broken_ = true;
      throw database_unavailable("lost the connection to PostgreSQL at " + endpoint_.where() + " while " + what + " (" + server_message(e) +
                                 "); the server rolled back what was not committed: check that the server runs and run the migration again");
    }
    if (state == "25006")
      throw database_unavailable("PostgreSQL at " + endpoint_.where() + " cannot be written (" + server_message(e) + ", while " + what +
                                 "); connect to the primary server, or as a user that may write");
  }

  // For a privilege the user lacks (SQLSTATE 42501): the GRANT that gives it, or what else to do;
  // "" for any other error. The server names what it refused: "permission denied for schema public",
  // "... for database app", "... for table stocks", "must be owner of table stocks".
  [[nodiscard]] std::string privilege_advice(const pqxx::sql_error& e) const {
    // libpqxx 6 leaves sqlstate() empty on the exception classes of some codes: the class tells.
    if (e.sqlstate() != "42501" && dynamic_cast<const pqxx::insufficient_privilege*>(&e) == nullptr) return "";
    const std::string message = first_line(e.what());
    const std::string user = quote(endpoint_.user.empty() ? std::string("CURRENT_USER") : endpoint_.user);
    auto object_after = [&](std::string_view marker) -> std::optional<std::string> {
      const auto at = message.find(marker);
      if (at == std::string::npos) return std::nullopt;
      auto name = message.substr(at + marker.size());
      while (!name.empty() && (name.back() == ' ' || name.back() == '.')) name.pop_back();
      return name;
    };
    const std::string who = "the database user '" + endpoint_.user + "' lacks a privilege: ";
    if (auto schema = object_after("permission denied for schema "))
      return who + "have the schema's owner run GRANT USAGE, CREATE ON SCHEMA " + quote(*schema) + " TO " + user +
             ", or connect as a user that may create there, then run the migration again";
    if (auto database = object_after("permission denied for database "))
      return who + "have the database's owner run GRANT CREATE ON DATABASE " + quote(*database) + " TO " + user +
             " (CREATE SCHEMA needs it), or create the schema beforehand, then run the migration again";
    for (std::string_view kind : {"table", "sequence", "view", "materialized view"}) {
      if (auto object = object_after("must be owner of " + std::string(kind) + " "))
        return who + "only the owner of " + std::string(kind) + " " + quote(*object) + " may alter or drop it: run the migration as that " +
               "owner, or have the owner give it to " + user + " (ALTER ... OWNER TO), then run the migration again";
      if (auto object = object_after("permission denied for " + std::string(kind) + " "))
        return who + "have the owner of " + std::string(kind) + " " + quote(*object) + " run GRANT ALL ON " +
               (kind == "sequence" ? "SEQUENCE " : "TABLE ") + quote(*object) + " TO " + user + ", then run the migration again";
    }
    return who + "grant it (the message above names the object), or connect as a user that has it, then run the migration again";
  }

  template <class F>
  auto guarded(const std::string& what, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const pqxx::broken_connection& e) {
      lost(what, e);
    } catch (const pqxx::in_doubt_error& e) {
      broken_ = true;
      throw database_unavailable("lost the connection to PostgreSQL at " + endpoint_.where() + " while " + what + " (" +
                                 first_line(e.what()) + "), so whether it committed is unknown: check the version table before running "
                                 "the migration again");
    } catch (const pqxx::sql_error& e) {
      raise_unavailable(e, what);
      if (const auto advice = privilege_advice(e); !advice.empty())
        throw error("PostgreSQL refused " + what + " at " + endpoint_.where() + " (" + server_message(e) + "); " + advice);
      throw error("PostgreSQL failed while " + what + " at " + endpoint_.where() + ": " + server_message(e));
    } catch (const pqxx::failure& e) {
      throw error("PostgreSQL failed while " + what + " at " + endpoint_.where() + ": " + server_message(e));
    }
  }

  // f(transaction) in the current transaction, or else in an autocommit one of its own.
  template <class F>
  void with_transaction(F&& f) {
    if (tx_ != nullptr) {
      send_pending();
      f(*tx_);
    } else {
      pqxx::nontransaction n(*conn_);
      f(n);
    }
  }

  // f(transaction) in the current transaction, or else in one of its own, committed: f's
  // statements take effect together.
  template <class F>
  void atomically(F&& f) {
    if (tx_ != nullptr) {
      send_pending();
      f(*tx_);
    } else {
      pqxx::work w(*conn_);
      try {
        f(w);
        w.commit();
      } catch (...) {
        forget_known();
        throw;
      }
    }
  }

  // Whether strata's table (the version table, its history table) exists. Under the migration lock
  // a table once seen stays known until a rollback or the lock's release (no other migration can
  // create or drop it meanwhile), and so does one seen missing until strata creates it, so that the
  // revisions of one run do not ask the catalogue again: a fresh database's upgrade asks once per
  // table, then creates it.
  bool relation_exists(pqxx::transaction_base& t, std::string_view table) {
    if (held_) {
      if (std::find(known_.begin(), known_.end(), table) != known_.end()) return true;
      if (std::find(missing_.begin(), missing_.end(), table) != missing_.end()) return false;
    }
    const bool exists = !t.exec_params("SELECT 1 WHERE to_regclass($1) IS NOT NULL", qualified(table)).empty();
    if (exists) known(table);
    else if (held_) missing_.emplace_back(table);
    return exists;
  }
  // Created (or seen) under the lock.
  void known(std::string_view table) {
    if (!held_) return;
    std::erase(missing_, table);
    known_.emplace_back(table);
  }
  void forget_known() noexcept {
    known_.clear();
    missing_.clear();
    schema_known_ = false;
  }

  // The schema migrated: the option's, else the connection's current_schema().
  std::string schema_name(pqxx::transaction_base& t) {
    if (!options_.schema.empty()) return options_.schema;
    return t.exec("SELECT coalesce(current_schema(), '')")[0][0].c_str();
  }

  // The history table, created when missing.
  void ensure_history_table(pqxx::transaction_base& t, const std::string& table) {
    ensure_schema(t);
    if (relation_exists(t, table)) return;
    t.exec("CREATE TABLE " + qualified(table) + " (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, " +
           std::string(detail::history_columns) + ")");
    known(table);
  }

  // The schema option's schema is created under the lock before a migration's first write.
  [[nodiscard]] bool schema_ready() const { return options_.schema.empty() || (held_ && schema_known_); }
  void ensure_schema(pqxx::transaction_base& t) {
    if (schema_ready()) return;
    if (t.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", options_.schema).empty())
      t.exec("CREATE SCHEMA IF NOT EXISTS " + quote(options_.schema));
    schema_known_ = held_.has_value();
  }

  // ---- the advisory lock -------------------------------------------------------------------------------

  // f() under the advisory lock that guards the version table, with the options' lock_timeout and
  // statement_timeout; when hold_migration_lock() holds that lock already, f() as it is.
  template <class F>
  void locked(std::string_view version_table, F&& f) {
    if (held_ && *held_ == version_table) {
      f();
      return;
    }
    broken_ = false;  // libpqxx reconnects a broken connection when it is used again
    const auto [schema, key] = guarded("finding the schema for the migration lock", [&] {
      std::string s;
      with_transaction([&](pqxx::transaction_base& t) { s = schema_name(t); });
      return std::pair<std::string, std::int64_t>{s, lock_key(s, version_table)};
    });
    acquire(key, schema + "." + std::string(version_table));
    session_settings previous;
    auto outer = held_;  // another version table's lock held around this one
    try {
      previous = guarded("setting lock_timeout and statement_timeout", [&] {
        pqxx::nontransaction n(*conn_);
        // The current values first (OFFSET 0 keeps the subquery apart), to restore them after.
        const auto r = n.exec_params("SELECT o.l, o.s, set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false) "
                                     "FROM (SELECT current_setting('lock_timeout') l, current_setting('statement_timeout') s OFFSET 0) o",
                                     std::to_string(options_.statement_lock_timeout.count()), std::to_string(options_.statement_timeout.count()));
        return session_settings{r[0][0].c_str(), r[0][1].c_str()};
      });
      held_ = std::string(version_table);
      f();
    } catch (...) {
      held_ = std::move(outer);
      forget_known();
      release(key, previous);
      throw;
    }
    held_ = std::move(outer);
    forget_known();
    release(key, previous);
  }

  // A session's lock_timeout and statement_timeout, as the server shows them ("5s", "0").
  struct session_settings {
    std::string lock_timeout, statement_timeout;
  };

  // Each attempt is one autocommit statement, so no snapshot is held while waiting.
  void acquire(std::int64_t key, const std::string& guarded_table) {
    using namespace std::chrono;
    const auto start = steady_clock::now();
    auto pause = milliseconds(20);
    while (true) {
      const bool taken = guarded("taking the migration lock (pg_try_advisory_lock)", [&] {
        pqxx::nontransaction n(*conn_);
        return std::string_view(n.exec_params("SELECT pg_try_advisory_lock($1)", key)[0][0].c_str()) == "t";
      });
      if (taken) return;
      const auto waited = duration_cast<milliseconds>(steady_clock::now() - start);
      if (waited >= options_.migration_lock_wait) {
        const auto bits = std::bit_cast<std::uint64_t>(key);
        throw database_locked("the PostgreSQL database at " + endpoint_.where() + " is locked: another migration is running (the advisory lock " +
                              std::to_string(key) + " that guards '" + guarded_table + "' was held by another session for the " +
                              std::to_string(waited.count()) + " ms waited); let it finish and run again, find its session with "
                              "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = " + std::to_string(bits >> 32) +
                              " AND objid = " + std::to_string(bits & 0xffffffffU) +
                              ", or wait longer with migration_lock_wait=<seconds> (in the URL or strata.ini)");
      }
      std::this_thread::sleep_for(std::min<milliseconds>(pause, options_.migration_lock_wait - waited));
      pause = std::min<milliseconds>(pause * 3 / 2, milliseconds(250));
    }
  }

  // Lets go of the lock and restores the session's settings (none read: left as they are). If the
  // connection broke, the server released the lock with the session.
  void release(std::int64_t key, const session_settings& previous) noexcept {
    if (broken_) return;
    try {
      pqxx::nontransaction n(*conn_);
      if (previous.lock_timeout.empty())
        n.exec_params("SELECT pg_advisory_unlock($1)", key);
      else
        n.exec_params("SELECT pg_advisory_unlock($1), set_config('lock_timeout', $2, false), set_config('statement_timeout', $3, false)", key,
                      previous.lock_timeout, previous.statement_timeout);
    } catch (...) {  // NOLINT: the lock goes with the session at worst
    }
  }

  // ---- lock and statement timeouts ---------------------------------------------------------------------

  // Remembers a statement_lock_timeout (SQLSTATE 55P03) for transaction()'s retries and the
  // messages: the server's message, and the table waited for: the operation's, or, for execute()
  // and run(), found by locked_table() (in an aborted transaction the catalog cannot be read: then
  // transaction() looks once it has rolled back).
  void lock_timed_out(const operation& o, const pqxx::sql_error& e) {
    lock_timeout_server_message_ = server_message(e);
    lock_timed_out_ = std::string(table_of(o));
    if (lock_timed_out_.empty()) lock_timed_out_ = tx_ == nullptr ? locked_table() : "?";
  }

  // The one table of the schema that other sessions hold locks on, or "?" (none, or several).
  std::string locked_table() {
    try {
      pqxx::nontransaction n(*conn_);
      const auto r = n.exec("SELECT DISTINCT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                            "WHERE l.granted AND l.pid <> pg_backend_pid() AND l.database = (SELECT oid FROM pg_database "
                            "WHERE datname = current_database()) AND c.relkind IN ('r', 'p') AND c.relnamespace = "
                            "to_regnamespace(" + (options_.schema.empty() ? std::string("current_schema()") : n.quote(options_.schema)) +
                            ") LIMIT 2");
      if (r.size() == 1) return r[0][0].c_str();
    } catch (...) {  // NOLINT: the message then names no table
    }
    return "?";
  }

  [[nodiscard]] std::string lock_timeout_message() const {
    const auto table = lock_timed_out_ == "?" ? std::string("a table") : "table '" + lock_timed_out_ + "'";
    return "it waited longer than statement_lock_timeout (" + std::to_string(options_.statement_lock_timeout.count()) +
           " ms) for a lock on " + table + " that another session holds (" + lock_timeout_server_message_ + ")";
  }

  // What to do after a lock timeout: find the session that holds the lock, or wait longer.
  [[nodiscard]] std::string lock_advice() const {
    const std::string holders = lock_timed_out_ == "?" || lock_timed_out_.empty()
                                    ? "SELECT l.relation::regclass, a.pid, a.state, a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                                      "WHERE l.granted AND l.relation IS NOT NULL AND a.pid <> pg_backend_pid()"
                                    : "SELECT pid, state, query FROM pg_stat_activity WHERE pid IN (SELECT pid FROM pg_locks WHERE relation = " +
                                          detail::postgresql_sql::literal(qualified(lock_timed_out_)) + "::regclass)";
    return "let the session that holds the lock finish (" + holders + ") and run it again, or let the revision wait longer with "
           "statement_lock_timeout=<seconds> or lock_retries=<count> (in the URL or strata.ini)";
  }

  [[nodiscard]] static bool statement_timed_out(const pqxx::sql_error& e) {
    return e.sqlstate() == "57014" && std::string_view(e.what()).find("statement timeout") != std::string_view::npos;
  }
  [[nodiscard]] std::string statement_timeout_message(const pqxx::sql_error& e) const {
    return "it ran longer than statement_timeout (" + std::to_string(options_.statement_timeout.count()) + " ms; " + server_message(e) + ")";
  }
  static constexpr std::string_view statement_timeout_advice =
      "if the statement needs that long, raise statement_timeout=<seconds> (in the URL or strata.ini; 0: no limit) and run it again";

  // BEGIN, body, COMMIT; any exception rolls back and is rethrown.
  void in_transaction(const std::function<void()>& body) {
    std::optional<pqxx::work> work;
    guarded("beginning a transaction", [&] {
      work.emplace(*conn_);
      return 0;
    });
    tx_ = &*work;
    struct reset {
      postgresql& d;
      ~reset() {
        d.tx_ = nullptr;
        d.pending_.clear();
        d.holding_.reset();
      }
    } reset_tx{*this};
    held_failed_at_.reset();
    try {
      body();
      send_pending();
    } catch (...) {
      forget_known();  // what the transaction created is gone
      try {
        work->abort();
      } catch (...) {  // NOLINT: a broken connection rolls back on the server
      }
      throw;
    }
    try {
      guarded("committing", [&] {
        work->commit();
        return 0;
      });
    } catch (...) {
      forget_known();
      throw;
    }
  }

  // ---- applying operations -------------------------------------------------------------------------------

  // What a data migration (op.run) sees: the revision's transaction, or, outside one, autocommit.
  class connection_view final : public connection {
   public:
    connection_view(pqxx::connection& c, pqxx::transaction_base* tx) : conn_(c), tx_(tx) {}
    void execute(std::string_view sql) override {
      run([&](pqxx::transaction_base& t) { t.exec(std::string(sql)); });
    }
    std::vector<row> query(std::string_view sql, const std::vector<std::optional<std::string>>& params) override {
      std::vector<row> rows;
      run([&](pqxx::transaction_base& t) {
        const auto result = params.empty() ? t.exec(std::string(sql)) : t.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(params));
        for (const auto& r : result) {
          row out;
          for (const auto& f : r) {
            if (f.is_null()) out.emplace_back(std::nullopt);
            else out.emplace_back(std::string(f.c_str(), f.size()));
          }
          rows.push_back(std::move(out));
        }
      });
      return rows;
    }
    [[nodiscard]] std::string_view dialect() const override { return "postgresql"; }

   protected:
    void* native_handle(const std::type_info& type) override {
      if (type == typeid(pqxx::connection)) return &conn_;
      if (type == typeid(pqxx::connection_base)) return static_cast<pqxx::connection_base*>(&conn_);
      if (type == typeid(pqxx::transaction_base)) return &current();
      return nullptr;
    }

   private:
    pqxx::transaction_base& current() {
      if (tx_ != nullptr) return *tx_;
      if (!own_) own_ = std::make_unique<pqxx::nontransaction>(conn_);
      return *own_;
    }
    template <class F>
    void run(F&& f) {
      if (tx_ != nullptr || own_) {
        f(current());
      } else {  // autocommit, and the connection free for the caller's own transactions in between
        pqxx::nontransaction n(conn_);
        f(n);
      }
    }
    pqxx::connection& conn_;
    pqxx::transaction_base* tx_;
    std::unique_ptr<pqxx::nontransaction> own_;
  };

  // The backfill's batches (detail::run_backfill), each in a transaction of its own unless one is
  // open; the table's primary key read from the catalogue first.
  void backfill(const op::backfill& x) {
    backfill_reached_.reset();
    auto resume = std::exchange(resume_after_, std::nullopt);
    std::vector<std::string> key;
    bool exists = false;
    with_transaction([&](pqxx::transaction_base& t) {
      const auto r = t.exec_params("SELECT to_regclass($1) IS NOT NULL, (SELECT array_agg(a.attname::text ORDER BY k.n) FROM pg_index i, "
                                   "unnest(i.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attnum = k.attnum WHERE "
                                   "i.indrelid = to_regclass($1) AND i.indisprimary AND a.attrelid = i.indrelid)",
                                   qualified(x.table));
      exists = r[0][0].as<bool>();
      if (!r[0][1].is_null()) {
        auto names = r[0][1].as_array();
        for (auto e = names.get_next(); e.first != pqxx::array_parser::juncture::done; e = names.get_next())
          if (e.first == pqxx::array_parser::juncture::string_value) key.push_back(e.second);
      }
    });
    if (!exists) throw operation_failed(strata::describe(operation{x}), "table " + qualified(x.table) + " does not exist, so nothing was changed");
    if (key.size() != 1) throw operation_failed(strata::describe(operation{x}), detail::backfill_key_problem(x, key));
    if (statement_listener_) statement_listener_(postgresql_sql::backfill(x, {.schema = options_.schema}));
    detail::backfill_session session;
    session.value = [&](const std::string& sql, const std::vector<std::string>& params) -> std::optional<std::string> {
      std::optional<std::string> out;
      with_transaction([&](pqxx::transaction_base& t) {
        const auto r = t.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
        if (!r.empty() && !r[0][0].is_null()) out = r[0][0].c_str();
      });
      return out;
    };
    session.update = [&](const std::string& sql, const std::vector<std::string>& params) {
      std::uint64_t n = 0;
      with_transaction([&](pqxx::transaction_base& t) { n = t.exec_params(sql, pqxx::prepare::make_dynamic_params(params)).affected_rows(); });
      return n;
    };
    session.batch = [&](const std::function<void()>& f) {
      if (tx_ != nullptr) return f();
      pqxx::work w(*conn_);
      tx_ = &w;
      struct reset {
        pqxx::transaction_base*& tx;
        ~reset() { tx = nullptr; }
      } reset_tx{tx_};
      f();
      w.commit();
    };
    session.reached = [&](std::string_view last) {
      if (batch_listener_) batch_listener_(last);
      reached_in_batch_ = std::string(last);
    };
    session.progress = progress_;
    // A key is reached once its batch has committed (outside a transaction) for the failure's note.
    auto committed = session.batch;
    session.batch = [&, committed](const std::function<void()>& f) {
      reached_in_batch_.reset();
      committed(f);
      if (reached_in_batch_) backfill_reached_ = reached_in_batch_;
    };
    if (resume) backfill_reached_ = resume;
    detail::run_backfill<postgresql_sql>(x, key.front(), std::move(resume), session, {.schema = options_.schema});
  }

  // A failure outside a transaction leaves what ran before it: say what to look for.
  [[nodiscard]] std::string outside_note(const operation& o) const {
    if (!outside_transaction_) return "";
    if (strata::holds_alternative<op::backfill>(o))
      return backfill_reached_ ? "; outside a transaction, its batches up to key " + *backfill_reached_ +
                                     " stayed committed, and running it again once the cause is fixed resumes after them"
                               : "; outside a transaction, no batch of it had committed";
    const std::string note = "; outside a transaction, the statements before it stayed applied and the version table names the revision before";
    if (const auto* x = strata::get_if<op::create_index>(&o); x != nullptr && x->options.concurrently)
      return note + ", and a failed CREATE INDEX CONCURRENTLY may leave an INVALID index: DROP INDEX IF EXISTS " + qualified(x->name) +
             " before running the revision again";
    return note + ": look for what they left, such as an INVALID index (SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid), "
                  "and drop it before running the revision again";
  }

  void apply_one(const operation& o) {
    if (const auto* x = strata::get_if<op::create_index>(&o); x != nullptr && x->options.concurrently && tx_ != nullptr)
      throw operation_failed(strata::describe(o), "CREATE INDEX CONCURRENTLY cannot run inside a transaction; declare the revision "
                                                  "non-transactional (static constexpr bool transactional = false;) so that it runs "
                                                  "alone, outside one");
    if (holding_ && !strata::holds_alternative<op::run>(o) && !strata::holds_alternative<op::backfill>(o)) {
      for (auto& statement : postgresql_sql::statements(o, {.schema = options_.schema})) {
        if (statement_listener_) statement_listener_(statement);
        pending_.push_back({std::move(statement), &o, *holding_});
      }
      return;
    }
    failing_as(o, [&] {
      if (const auto* x = strata::get_if<op::run>(&o)) {
        send_pending();
        connection_view view(*conn_, tx_);
        x->function(view);
      } else if (const auto* b = strata::get_if<op::backfill>(&o)) {
        backfill(*b);
      } else {
        for (const auto& statement : postgresql_sql::statements(o, {.schema = options_.schema})) {
          if (statement_listener_) statement_listener_(statement);
          with_transaction([&](pqxx::transaction_base& t) { t.exec(statement); });
        }
      }
    });
  }

  // The held statements in one query string (see hold_statements()), in a pqxx::subtransaction: its
  // SAVEPOINT, the string, its RELEASE. A failed statement rolls libpqxx's transaction back, and the
  // subtransaction's only to its savepoint, so that the statements can run again one at a time. Each
  // ends with a line break before its semicolon, so that one that ends in a -- comment does not
  // swallow the next.
  void send_pending() {
    if (pending_.empty() || tx_ == nullptr) return;
    const auto batch = std::exchange(pending_, {});
    held_failed_at_ = batch.front().revision;
    auto* parent = dynamic_cast<pqxx::dbtransaction*>(tx_);
    bool sent = false;
    // Three statements or fewer go one at a time: as many round trips as the savepoint's three.
    if (batch.size() > 3 && parent != nullptr) {
      std::size_t size = 0;
      for (const auto& h : batch) size += h.sql.size() + 3;
      std::string sql;
      sql.reserve(size);
      for (const auto& h : batch) {
        sql += h.sql;
        sql += "\n;\n";
      }
      failing_as(*batch.front().o, [&] {
        pqxx::subtransaction held(*parent, "strata_held");
        try {
          held.exec(sql);
        } catch (const pqxx::broken_connection&) {
          throw;
        } catch (const pqxx::sql_error&) {
          return;  // rolled back to its savepoint: each alone, below
        }
        held.commit();
        sent = true;
      });
    }
    for (std::size_t i = 0; !sent && i < batch.size(); ++i) {
      held_failed_at_ = batch[i].revision;
      failing_as(*batch[i].o, [&] { tx_->exec(batch[i].sql); });
    }
    held_failed_at_.reset();
  }

  // f(), its exceptions made operation_failed for operation o.
  template <class F>
  void failing_as(const operation& o, F&& f) {
    try {
      f();
    } catch (const pqxx::broken_connection& e) {
      lost(strata::describe(o), e);
    } catch (const pqxx::sql_error& e) {
      raise_unavailable(e, strata::describe(o));
      if (e.sqlstate() == "55P03") {  // lock_not_available: statement_lock_timeout
        lock_timed_out(o, e);
        throw operation_failed(strata::describe(o), lock_timeout_message() + outside_note(o), lock_advice());
      }
      if (statement_timed_out(e))
        throw operation_failed(strata::describe(o), statement_timeout_message(e) + outside_note(o), std::string(statement_timeout_advice));
      throw operation_failed(strata::describe(o), server_message(e) + outside_note(o), privilege_advice(e));
    } catch (const pqxx::failure& e) {
      throw operation_failed(strata::describe(o), server_message(e) + outside_note(o));
    } catch (const strata::error&) {
      throw;
    } catch (const std::exception& e) {
      throw operation_failed(strata::describe(o), e.what() + outside_note(o));
    }
  }

  postgresql_options options_;
  std::string shown_;  // the URL it was opened with, its password as *** (empty: opened on a connection)
  std::vector<std::pair<std::string, std::string>> keywords_;  // the URL's libpq keywords (empty: opened on a connection)
  std::string password_;
  endpoint endpoint_;
  std::unique_ptr<pqxx::connection> owned_;
  pqxx::connection* conn_ = nullptr;
  pqxx::transaction_base* tx_ = nullptr;  // the open transaction, if any
  std::unique_ptr<pqxx::work> test_work_;               // begin_test_transaction()'s, and
  std::unique_ptr<pqxx::subtransaction> test_savepoint_;  // the savepoint in it that the test writes through
  bool outside_transaction_ = false;      // running a non-transactional revision
  bool broken_ = false;                   // the connection was lost during this migration
  std::optional<std::string> held_;       // the version table whose lock hold_migration_lock() holds
  std::vector<std::string> known_;        // strata's tables seen to exist under that lock (relation_exists)
  std::vector<std::string> missing_;      // ... and seen missing, not created since
  bool schema_known_ = false;             // and the schema option's schema
  std::string lock_timed_out_;            // the table the last statement_lock_timeout was on ("?": unknown)
  std::string lock_timeout_server_message_;  // and what the server said
  std::function<void(std::string_view)> statement_listener_;
  std::function<void(const progress&)> progress_;
  std::function<void(std::string_view)> batch_listener_;
  std::optional<std::string> resume_after_;       // resume_backfill_after()'s key, for the next backfill
  std::optional<std::string> backfill_reached_;   // the running backfill's last committed key
  std::optional<std::string> reached_in_batch_;   // and the batch's running
  struct pending_statement {
    std::string sql;
    const operation* o;    // the operation it renders, alive until the transaction ends
    std::size_t revision;  // hold_statements()'s k
  };
  std::vector<pending_statement> pending_;   // statements held, not sent yet
  std::optional<std::size_t> holding_;       // hold_statements()'s k, while holding
  std::optional<std::size_t> held_failed_at_;
};

static_assert(Dialect<postgresql>);
static_assert(Inspectable<postgresql>);
static_assert(ExecutesSql<postgresql>);
static_assert(ReportsStatements<postgresql>);
static_assert(BacksUp<postgresql>);
static_assert(HoldsMigrationLock<postgresql>);
static_assert(KeepsHistory<postgresql>);
static_assert(WritesHistoryRows<postgresql>);
static_assert(HoldsStatements<postgresql>);
static_assert(FindsLeftovers<postgresql>);
static_assert(ReportsProgress<postgresql>);
static_assert(ResumesBackfills<postgresql>);

}  // namespace strata

#include <strata/dialect/postgresql_provisioning.hpp>
