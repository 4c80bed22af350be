// strata::sqlite: the SQLite dialect on SQLiteCpp: runs strata::sqlite_sql's statements and plans, transactions.
// Client: <SQLiteCpp/SQLiteCpp.h> (the single header carries this dialect when it can be found).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>
#include <utility>
#include <vector>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <strata/dialect.hpp>
#include <strata/connection.hpp>
#include <strata/detail/backfill.hpp>
#include <strata/detail/backup_file.hpp>
#include <strata/detail/sqlite_inspect.hpp>
#include <strata/detail/sqlite_plan.hpp>
#include <strata/detail/sqlite_table.hpp>
#include <strata/dialect/sqlite_sql.hpp>
#include <strata/errors.hpp>
#include <strata/migrator.hpp>
#include <strata/ops.hpp>
#include <strata/url.hpp>

namespace strata {

struct sqlite_options {
  // How long a migration waits for another connection's write lock before giving up: SQLite's busy
  // timeout (URL: migration_lock_wait=<seconds>, as PostgreSQL's wait for its migration lock, which
  // the write lock is here; timeout=, its older name, still works).
  std::chrono::milliseconds busy_timeout{5000};
  // Alterations that only remove constraints (a column made nullable, a CHECK or a foreign key
  // dropped) edit the table's definition in sqlite_master, as SQLite's documentation describes,
  // instead of copying the table; false: they rebuild it, as a script does (strata/offline.hpp).
  // A connection in SQLITE_DBCONFIG_DEFENSIVE mode, which refuses such edits, rebuilds too.
  bool edit_schema = true;
};

// The SQLite dialect. Opens `sqlite:///relative.db`, `sqlite:////absolute/path.db` or
// `sqlite:///:memory:` (with `?migration_lock_wait=<seconds>` for the busy timeout), or works on an open
// SQLite::Database. A database it opens itself has `PRAGMA foreign_keys = ON`.
class sqlite {
 public:
  static constexpr std::string_view name = "sqlite";
  using sql = sqlite_sql;
  // The URL schemes a front end routes to this dialect.
  static constexpr std::array<std::string_view, 1> schemes{"sqlite"};

  explicit sqlite(std::string_view url, sqlite_options options = {}) : options_(options), url_(url) {
    const auto u = database_url::parse(url);
    if (u.scheme != "sqlite")
      throw malformed_url("'" + database_url::mask(url) +
                          "' is not a SQLite URL; write sqlite:///relative.db, sqlite:////absolute/path.db or sqlite:///:memory:");
    if (!u.host.empty() || !u.user.empty() || !u.port.empty())
      throw malformed_url("'" + database_url::mask(url) + "' names a host, but a SQLite URL has none; write sqlite:///relative.db "
                          "(three slashes) or sqlite:////absolute/path.db (four)");
    for (const auto& [key, value] : u.query) {
      if (key == "statement_lock_timeout" || key == "lock_retries" || key == "statement_timeout")
        throw malformed_url("'" + database_url::mask(url) + "' has parameter '" + key + "', a PostgreSQL setting that SQLite has "
                            "no counterpart for (a SQLite migration waits only for the database's write lock: migration_lock_wait); "
                            "remove it, or set it for a PostgreSQL URL only");
      if (key != "timeout" && key != "migration_lock_wait")
        throw malformed_url("'" + database_url::mask(url) + "' has parameter '" + key + "', which strata's SQLite dialect does "
                            "not know; remove it (the only parameter is migration_lock_wait=<seconds>, or timeout=, its older name)");
      // SQLite takes the wait as an int of milliseconds: up to about 24 days.
      const auto seconds = database_url::seconds(value);
      if (!seconds)
        throw malformed_url("'" + database_url::mask(url) + "' has " + key + "='" + value +
                            "'; write how long to wait for another connection's write lock in seconds, for example "
                            "?migration_lock_wait=5 or ?migration_lock_wait=0.5");
      options_.busy_timeout = *seconds;
    }
    path_ = u.path.empty() ? ":memory:" : u.path;
    try {
      owned_ = std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                                  static_cast<int>(options_.busy_timeout.count()));
      owned_->exec("PRAGMA foreign_keys = ON");
    } catch (const SQLite::Exception& e) {
      if (const int code = e.getErrorCode() & 0xff; code == SQLITE_NOTADB || code == SQLITE_CORRUPT) raise(e, "opening it");
      throw database_unavailable("cannot open the SQLite database '" + path_ + "' (" + e.what() +
                                 "); check that its folder exists and is writable, or fix the URL");
    }
    db_ = owned_.get();
  }

  // Works on the caller's connection as it is: its busy timeout, its PRAGMA foreign_keys.
  explicit sqlite(SQLite::Database& db)
      : path_(db.getFilename().empty() ? ":memory:" : db.getFilename()), url_("sqlite:///" + path_), db_(&db) {}

  sqlite(sqlite&&) noexcept = default;
  sqlite& operator=(sqlite&&) noexcept = default;
  ~sqlite() = default;

  [[nodiscard]] SQLite::Database& database() { return *db_; }
  [[nodiscard]] std::string location() const { return database_url::mask(url_); }

  // Test databases: files of a folder, and snapshots in memory (strata/dialect/sqlite_provisioning.hpp).
  class provisioner;

  std::vector<std::string> read_versions(std::string_view table) {
    return guarded("reading the version table", [&] {
      std::vector<std::string> rows;
      if (!table_exists(table)) return rows;
      check_version_layout(table);
      SQLite::Statement q(*db_, "SELECT version_num FROM " + quote(table) + " ORDER BY version_num");
      while (q.executeStep()) rows.push_back(q.getColumn(0).getString());
      return rows;
    });
  }

  void write_versions(std::string_view table, const std::vector<std::string>& rows) {
    guarded("writing the version table", [&] {
      // Alembic's exact layout, so that Alembic and strata can take turns on one database.
      db_->exec(sqlite_sql::create_version_table(table, {}));
      check_version_layout(table);
      db_->exec("DELETE FROM " + quote(table));
      SQLite::Statement insert(*db_, "INSERT INTO " + quote(table) + " (version_num) VALUES (?)");
      for (const auto& r : rows) {
        insert.bind(1, r);
        insert.exec();
        insert.reset();
      }
      return 0;
    });
  }

  // The history table: its id is the rowid; the database has no user.
  std::vector<history_record> read_history(std::string_view version_table) {
    return guarded("reading the history table", [&] {
      std::vector<history_record> rows;
      const auto table = history_table(version_table);
      if (!table_exists(table)) return rows;
      SQLite::Statement q(*db_, std::string(detail::history_select) + quote(table) + " ORDER BY id");
      while (q.executeStep()) {
        history_record r;
        r.id = q.getColumn(0).getInt64();
        r.duration_ms = q.getColumn(4).getInt64();
        for (auto [field, column] : {std::pair{&r.revision, 1}, {&r.direction, 2}, {&r.started_at, 3}, {&r.outcome, 5}, {&r.error, 6},
                                     {&r.checksum, 7}, {&r.progress, 8}, {&r.application, 9}, {&r.host, 10}, {&r.database_user, 11}})
          *field = q.getColumn(column).getString();
        rows.push_back(std::move(r));
      }
      return rows;
    });
  }

  std::int64_t write_history(std::string_view version_table, const history_record& record) {
    return guarded("writing the history table", [&] {
      const auto table = quote(history_table(version_table));
      if (record.id != 0) {
        if (!table_exists(history_table(version_table))) return std::int64_t{0};
        SQLite::Statement update(*db_, "UPDATE " + table + " SET duration_ms = ?, outcome = ?, error = ?, progress = ? WHERE id = ?");
        update.bind(1, static_cast<std::int64_t>(record.duration_ms));
        update.bind(2, record.outcome);
        update.bind(3, record.error);
        update.bind(4, record.progress);
        update.bind(5, static_cast<std::int64_t>(record.id));
        return update.exec() == 0 ? std::int64_t{0} : record.id;
      }
      insert_history(version_table, std::span<const history_record>(&record, 1));
      return static_cast<std::int64_t>(db_->getLastInsertRowid());
    });
  }

  // New rows through one prepared statement (WritesHistoryRows): a group's, in its transaction.
  void write_history_rows(std::string_view version_table, std::span<const history_record> records) {
    if (records.empty()) return;
    guarded("writing the history table", [&] {
      insert_history(version_table, records);
      return 0;
    });
  }

  // The history table (created when missing) gets the records as new rows.
  void insert_history(std::string_view version_table, std::span<const history_record> records) {
    const auto table = quote(history_table(version_table));
    db_->exec("CREATE TABLE IF NOT EXISTS " + table + " (id INTEGER NOT NULL PRIMARY KEY, " + std::string(detail::history_columns) + ")");
    SQLite::Statement insert(*db_, "INSERT INTO " + table +
                                       " (revision, direction, started_at, duration_ms, outcome, error, checksum, progress, application, host, "
                                       "database_user) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')");
    for (const auto& record : records) {
      int i = 0;
      for (const auto* field : {&record.revision, &record.direction, &record.started_at}) insert.bind(++i, *field);
      insert.bind(++i, static_cast<std::int64_t>(record.duration_ms));
      for (const auto* field : {&record.outcome, &record.error, &record.checksum, &record.progress, &record.application, &record.host})
        insert.bind(++i, *field);
      insert.exec();
      insert.reset();
    }
  }

  // BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so two
  // migrating processes serialize instead of failing half-way. A revision that may rebuild tables
  // switches foreign keys off around the transaction (PRAGMA foreign_keys is a no-op inside one;
  // with them on, dropping the old table would cascade to its children), and its rebuilds check the
  // foreign keys of the tables they rebuilt (and of those that reference them) before commit. For
  // that whole revision, ON DELETE actions do not fire for its own statements either.
  void transaction(const unit_of_work& unit, const std::function<void()>& body) {
    write_transaction(sqlite_sql::switches_foreign_keys_off(unit.operations), body);
  }

  // Runs sqlite_sql's plans: one operation, or one table's run of alterations planned from its
  // definition in sqlite_master, in place or as one rebuild; then PRAGMA foreign_key_check of the
  // tables the rebuilds name, when this revision switched foreign keys off. Besides the plans'
  // statements (which on_statement reports), a rebuild counts the copied rows for on_progress,
  // carries the table's sqlite_sequence over, restores the connection's legacy_alter_table, and
  // checks that the views and triggers that worked before still do.
  void apply(std::span<const operation> operations) {
    const render_options options{.server_version = static_cast<std::uint32_t>(sqlite3_libversion_number())};
    sqlite_sql::foreign_key_checks checks;
    for (const auto& unit : sqlite_sql::units(operations)) {
      bool rebuild = false;
      run_guarded(unit, rebuild, [&] {
        if (const auto* x = strata::get_if<op::run>(&unit.front())) {
          connection_view view(*db_);
          x->function(view);
        } else if (const auto* b = strata::get_if<op::backfill>(&unit.front())) {
          backfill(*b);
        } else if (!sqlite_sql::is_table_alteration(unit.front())) {
          for (const auto& statement : sqlite_sql::statements(unit.front(), options)) run(statement);
        } else if (!dropped_in_place(unit, options)) {
          const auto plan = plan_of(unit, options);
          rebuild = plan.rebuild;
          if (rebuild) execute_rebuild(plan, unit);
          else if (plan.schema_edit) edit_schema(plan);
          else
            for (const auto& step : plan.steps) run(step.sql);
          checks.add(plan);
        }
      });
      for (const auto& o : unit) checks.follow(o);
    }
    if (checking_foreign_keys_) {
      try {
        check_foreign_keys(checks.tables());
      } catch (const SQLite::Exception& e) {
        raise(e, "checking foreign keys after the table rebuild");
      }
    }
  }

  // The main schema's tables, keys and indexes, read through SQLite's pragmas (detail/sqlite_inspect.hpp).
  owned_schema inspect() {
    return guarded("reading the schema", [&] { return detail::sqlite_inspect(*db_); });
  }

  // Every table, index, view and trigger of the main schema (the version table included, SQLite's
  // own sqlite_* objects left out), in an order in which they can be dropped: triggers, views,
  // indexes, then tables with each one before the tables its foreign keys reference.
  std::vector<database_object> objects() {
    return guarded("listing the schema's objects", [&] {
      std::vector<database_object> triggers, views, indexes, tables;
      SQLite::Statement q(*db_, "SELECT type, name, tbl_name FROM main.sqlite_master WHERE type IN ('table', 'index', 'view', 'trigger') "
                                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
      while (q.executeStep()) {
        database_object o{q.getColumn(0).getString(), q.getColumn(1).getString(), "", {}};
        if (o.type == "index" || o.type == "trigger") o.table = q.getColumn(2).getString();
        (o.type == "trigger" ? triggers : o.type == "view" ? views : o.type == "index" ? indexes : tables).push_back(std::move(o));
      }
      for (auto& t : tables) {
        // hidden = 1 marks a virtual table's hidden columns; generated columns (2, 3) are real ones.
        SQLite::Statement columns(*db_, "SELECT name FROM pragma_table_xinfo(?, 'main') WHERE hidden <> 1 ORDER BY cid");
        columns.bind(1, t.name);
        while (columns.executeStep()) t.columns.push_back(columns.getColumn(0).getString());
      }
      std::vector<database_object> out;
      for (auto* group : {&triggers, &views, &indexes})
        for (auto& o : *group) out.push_back(std::move(o));
      for (auto& t : drop_order(std::move(tables))) out.push_back(std::move(t));
      return out;
    });
  }

  // Drops the objects in the given order, in one transaction under the migration lock, with
  // foreign keys off: with them on, dropping a parent table deletes its rows first, which fails or
  // cascades. An index or trigger that went with its table is no error. On failure nothing is dropped.
  void drop_objects(const std::vector<database_object>& objects, [[maybe_unused]] std::string_view version_table) {
    write_transaction(true, [&] {
      for (const auto& o : objects) {
        const std::string what = o.type + " '" + o.name + "'";
        const std::string_view keyword = o.type == "table" ? "TABLE" : o.type == "index" ? "INDEX" : o.type == "view" ? "VIEW"
                                         : o.type == "trigger" ? "TRIGGER" : "";
        if (keyword.empty())
          throw operation_failed("dropping " + what, "strata's SQLite dialect drops tables, indexes, views and triggers only, "
                                                     "so nothing was dropped; leave this object out of the list");
        try {
          db_->exec("DROP " + std::string(keyword) + " IF EXISTS main." + quote(o.name));
        } catch (const SQLite::Exception& e) {
          const int code = e.getErrorCode() & 0xff;
          if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_READONLY) raise(e, "dropping " + what);
          throw operation_failed("dropping " + what, std::string(e.what()) + ", so nothing was dropped (the transaction was rolled back)");
        }
      }
      // A dropped AUTOINCREMENT table starts again from 1 if it is created anew.
      guarded("resetting AUTOINCREMENT sequences", [&] {
        if (table_exists("sqlite_sequence"))
          db_->exec("DELETE FROM main.sqlite_sequence WHERE name NOT IN (SELECT name FROM main.sqlite_master WHERE type = 'table')");
        return 0;
      });
    });
  }

  // Runs SQL (several statements allowed) on the connection as it is, outside strata's transactions.
  void execute(std::string_view sql) {
    try {
      db_->exec(std::string(sql));
    } catch (const SQLite::Exception& e) {
      const int code = e.getErrorCode() & 0xff;
      if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_READONLY) raise(e, "running SQL");
      throw operation_failed("execute \"" + std::string(sql.substr(0, 60)) + (sql.size() > 60 ? "...\"" : "\""), e.what());
    }
  }
  // A test's changes go into a savepoint that rollback_test_transaction() undoes. The test writes
  // through the connection itself (test_transaction()): all its statements run in the savepoint, and
  // a SQLite::Transaction there fails (SQLite has no BEGIN inside a savepoint).
  void begin_test_transaction() { execute("SAVEPOINT strata_test"); }
  void rollback_test_transaction() { execute("ROLLBACK TO SAVEPOINT strata_test; RELEASE SAVEPOINT strata_test"); }
  [[nodiscard]] SQLite::Database& test_transaction() { return database(); }

  // Creates the missing folder of a SQLite file URL (sqlite:///./data/app.db needs data/) and says
  // whether it did; nothing for :memory: or a file URI. Throws strata::malformed_url for a URL that
  // is not SQLite's, strata::database_unavailable when the folder cannot be made.
  static bool prepare_location(std::string_view url) {
    const auto u = database_url::parse(url);
    if (u.scheme != "sqlite")
      throw malformed_url("'" + database_url::mask(url) + "' is not a SQLite URL; write sqlite:///relative.db or sqlite:////absolute/path.db");
    if (u.path.empty() || u.path == ":memory:" || u.path.starts_with("file:")) return false;
    const auto folder = std::filesystem::path(u.path).parent_path();
    if (folder.empty()) return false;
    std::error_code ec;
    if (std::filesystem::is_directory(folder, ec)) return false;
    std::filesystem::create_directories(folder, ec);
    if (ec)
      throw database_unavailable("cannot create the folder '" + folder.string() + "' for the SQLite database (" + ec.message() +
                                 "); fix the path in the URL, or create the folder yourself");
    return true;
  }

  // Called during table rebuilds' row copies and backfills' batches (on the migrating thread); none by default.
  void on_progress(std::function<void(const progress&)> listener) { progress_ = std::move(listener); }

  // Called with each statement apply() runs for the operations, before it runs; none by default.
  void on_statement(std::function<void(std::string_view)> listener) { statement_listener_ = std::move(listener); }

  // A copy of the database by SQLite's online backup API, a consistent snapshot even while others
  // write: <database>.<stamp>.bak beside the database file (or in options.directory).
  backup_made backup(const backup_options& options) {
    namespace fs = std::filesystem;
    if (path_ == ":memory:" || path_.empty())
      throw backup_failed("the SQLite database is in memory, so there is no file to back up, and nothing ran; migrate without --backup");
    const fs::path source(path_);
    const auto file = detail::unused_backup_path(options.directory.empty() ? source.parent_path() : fs::path(options.directory),
                                                 source.filename().string(), options.stamp, ".bak");
    try {
      SQLite::Database copy(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      SQLite::Backup pages(copy, *db_);
      if (const int done = pages.executeStep(); done != SQLITE_DONE)
        throw SQLite::Exception("the database stayed locked by another connection", done);
    } catch (const SQLite::Exception& e) {
      std::error_code ec;
      fs::remove(file, ec);
      throw backup_failed("cannot back up the SQLite database '" + path_ + "' to '" + file.string() + "' (" + e.what() +
                          "), so nothing ran; make that folder writable (or name another with --backup-dir) and run again");
    }
    return {fs::absolute(file).lexically_normal().string(), "SQLite's online backup API"};
  }

 private:
  static std::string quote(std::string_view identifier) { return detail::sql::quote(identifier); }
  static constexpr std::string_view temporary_prefix = detail::sqlite_plan::temporary_prefix;

  // What a data migration (op.run) sees: this connection, inside the revision's transaction.
  class connection_view final : public connection {
   public:
    explicit connection_view(SQLite::Database& db) : db_(db) {}
    void execute(std::string_view sql) override { db_.exec(std::string(sql)); }
    std::vector<row> query(std::string_view sql, const std::vector<std::optional<std::string>>& params) override {
      SQLite::Statement q(db_, std::string(sql));
      for (std::size_t i = 0; i < params.size(); ++i) {
        if (params[i]) q.bind(static_cast<int>(i + 1), *params[i]);
        else q.bind(static_cast<int>(i + 1));
      }
      std::vector<row> rows;
      while (q.executeStep()) {
        row r;
        for (int c = 0; c < q.getColumnCount(); ++c) {
          auto v = q.getColumn(c);
          if (v.isNull()) r.emplace_back(std::nullopt);
          else r.emplace_back(v.getString());
        }
        rows.push_back(std::move(r));
      }
      return rows;
    }
    [[nodiscard]] std::string_view dialect() const override { return "sqlite"; }

   protected:
    void* native_handle(const std::type_info& type) override { return type == typeid(SQLite::Database) ? &db_ : nullptr; }

   private:
    SQLite::Database& db_;
  };

  [[noreturn]] void raise(const SQLite::Exception& e, const std::string& what) const {
    const int code = e.getErrorCode() & 0xff;  // the primary code, should the connection report extended ones
    const std::string database = "the SQLite database '" + path_ + "'";
    switch (code) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        if (owned_)
          throw database_locked(database + " is locked by another connection (waited " + std::to_string(options_.busy_timeout.count()) +
                                " ms while " + what + "); retry when the other writer is done, or wait longer with "
                                "migration_lock_wait=<seconds> (in the URL or strata.ini)");
        throw database_locked(database + " is locked by another connection (while " + what + ", when the connection's busy "
                              "timeout ran out); retry when the other writer is done, or give the connection a longer busy "
                              "timeout with SQLite::Database::setBusyTimeout");
      case SQLITE_READONLY:
        throw database_unavailable(database + " cannot be written (" + e.what() + ", while " + what + "); open it read-write, "
                                   "and make the file and its folder writable");
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT:
        throw database_unavailable("'" + path_ + "' is not a usable SQLite database (" + e.what() + ", while " + what +
                                   "); point the URL at a SQLite database file, or move this file away to start a new one");
      case SQLITE_CANTOPEN:
      case SQLITE_PERM:
      case SQLITE_IOERR:
      case SQLITE_FULL:
        throw database_unavailable("cannot use " + database + " (" + e.what() + ", while " + what + "); check that its folder "
                                   "exists, that the file and its folder are writable, and that the disk has room");
      default:
        throw error("SQLite failed while " + what + " on '" + path_ + "': " + e.what());
    }
  }

  template <class F>
  auto guarded(const std::string& what, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const SQLite::Exception& e) {
      raise(e, what);
    }
  }

  // A table of the version table's name without Alembic's version_num column is someone else's.
  void check_version_layout(std::string_view table) {
    SQLite::Statement q(*db_, "SELECT 1 FROM pragma_table_info(?) WHERE name = 'version_num'");
    q.bind(1, std::string(table));
    if (!q.executeStep()) throw unknown_database_state(detail::version_table_of_another_layout(table));
  }

  bool table_exists(std::string_view table) {
    SQLite::Statement q(*db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    q.bind(1, std::string(table));
    return q.executeStep();
  }

  int pragma_int(std::string_view pragma) {
    return guarded("reading PRAGMA " + std::string(pragma), [&] {
      SQLite::Statement q(*db_, "PRAGMA " + std::string(pragma));
      return q.executeStep() ? q.getColumn(0).getInt() : 0;
    });
  }

  void begin() {
    guarded("taking the write lock (BEGIN IMMEDIATE)", [&] { return db_->exec(std::string(sqlite_sql::begin_statement)); });
  }
  void commit() {
    guarded("committing", [&] { return db_->exec("COMMIT"); });
  }

  // BEGIN IMMEDIATE ... COMMIT around body, rolled back on any exception. PRAGMA foreign_keys is a
  // no-op inside a transaction, so switching them off happens before BEGIN and is undone after.
  void write_transaction(bool foreign_keys_off, const std::function<void()>& body) {
    const bool foreign_keys = foreign_keys_off && pragma_int("foreign_keys") == 1;
    if (foreign_keys) guarded("switching foreign keys off", [&] { return db_->exec("PRAGMA foreign_keys = OFF"); });
    struct restore {
      SQLite::Database* db;
      bool on;
      bool& checking;
      ~restore() {
        checking = false;
        if (on) sqlite3_exec(db->getHandle(), "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
      }
    } restore_foreign_keys{db_, foreign_keys, checking_foreign_keys_};
    begin();
    checking_foreign_keys_ = foreign_keys;
    try {
      body();
      commit();
    } catch (...) {
      sqlite3_exec(db_->getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  // Tables ordered so that each comes before the tables its foreign keys reference.
  std::vector<database_object> drop_order(std::vector<database_object> tables) {
    std::vector<std::pair<std::string, std::string>> references;
    for (const auto& t : tables) {
      SQLite::Statement q(*db_, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?, 'main')");
      q.bind(1, t.name);
      while (q.executeStep()) references.emplace_back(t.name, q.getColumn(0).getString());
    }
    return detail::children_first(std::move(tables), references,
                                  [](const std::string& a, const std::string& b) { return detail::sqlite_table::same_name(a, b); });
  }

  // PRAGMA foreign_key_check of the tables a revision's rebuilds name (a table dropped since is skipped).
  void check_foreign_keys(const std::vector<std::string>& tables) {
    std::size_t n = 0;
    std::string first;
    for (const auto& table : tables) {
      if (!table_exists(table)) continue;
      const auto statement = sqlite_sql::foreign_key_checks::statement(table);
      if (statement_listener_) statement_listener_(statement);
      SQLite::Statement q(*db_, statement);
      while (q.executeStep()) {
        if (n++ == 0)  // WITHOUT ROWID tables report no rowid
          first = "table '" + q.getColumn(0).getString() + "'" + (q.getColumn(1).isNull() ? "" : " (rowid " + q.getColumn(1).getString() + ")") +
                  " references missing rows of '" + q.getColumn(2).getString() + "'";
      }
    }
    if (n != 0)
      throw operation_failed("the foreign key check after the table rebuild",
                             std::to_string(n) + " row(s) break a foreign key, the first: " + first +
                                 "; add the missing rows or fix the references before this revision");
  }

  static std::string describe_batch(std::span<const operation> batch, bool rebuild) {
    std::string out;
    for (const auto& o : batch) out += (out.empty() ? "" : ", ") + strata::describe(o);
    return rebuild ? out + " (table rebuild)" : out;
  }

  // The rebuild's temporary table is no name the user knows: SQLite's messages get the real one.
  static std::string without_temporary_names(std::string message) {
    for (auto at = message.find(temporary_prefix); at != std::string::npos; at = message.find(temporary_prefix, at))
      message.erase(at, temporary_prefix.size());
    return message;
  }

  // f() for one unit of a revision; `rebuild` (set by f) says whether it rebuilt, for the message.
  template <class F>
  void run_guarded(std::span<const operation> unit, const bool& rebuild, F&& f) {
    try {
      f();
    } catch (const SQLite::Exception& e) {
      const int code = e.getErrorCode() & 0xff;
      if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_READONLY) raise(e, describe_batch(unit, rebuild));
      throw operation_failed(describe_batch(unit, rebuild), without_temporary_names(e.what()));
    } catch (const operation_failed& e) {
      if (unit.size() == 1) throw;
      throw operation_failed(describe_batch(unit, rebuild), e.database_message());
    } catch (const strata::error&) {
      throw;
    } catch (const std::exception& e) {
      throw operation_failed(describe_batch(unit, rebuild), e.what());
    }
  }

  // One statement of a plan, told to the listener first.
  void run(const std::string& statement) {
    if (statement_listener_) statement_listener_(statement);
    db_->exec(statement);
  }

  // A lone drop_column, tried first as SQLite's own ALTER TABLE ... DROP COLUMN, without reading the
  // catalogue (live_inputs, which costs more than the drop in a schema of many tables): SQLite
  // refuses a column that a key, a UNIQUE, an index, a CHECK, a foreign key, a generated column, a
  // view or a trigger uses (sqlite.org/lang_altertable.html), as the planner's droppable() does
  // (which is stricter: any mention counts), and a refused statement leaves the transaction as it
  // was. Refused (SQLITE_ERROR, a missing table or column included), the operation is planned as
  // before, from the live table; the listener hears only the statement that ran. Not before SQLite
  // 3.35, nor with legacy_alter_table on (SQLite then checks no view or trigger), nor in a run of
  // several alterations, which one read of the table plans together.
  bool dropped_in_place(std::span<const operation> unit, const render_options& options) {
    const auto* d = unit.size() == 1 ? strata::get_if<op::drop_column>(&unit.front()) : nullptr;
    if (d == nullptr || !detail::sqlite_plan::has_native_drop_column(options) || legacy_alter_table()) return false;
    const auto statement = sqlite_sql::drop_column(*d, options);
    try {
      db_->exec(statement);
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() & 0xff) == SQLITE_ERROR) return false;
      throw;
    }
    if (statement_listener_) statement_listener_(statement);
    return true;
  }

  // The connection's legacy_alter_table, read without a statement.
  bool legacy_alter_table() const {
    int on = 0;
    sqlite3_db_config(db_->getHandle(), SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, -1, &on);
    return on != 0;
  }

  // The plan of a run of alterations of one table. A run of ADD COLUMNs that SQLite makes in place
  // (sqlite_sql::may_rebuild says none needs a rebuild) reads nothing first: SQLite itself refuses
  // a missing table or a column that is there already, with its own message. The others are planned
  // from what live_inputs reads, and so would such a run be if the planner wanted a rebuild after
  // all: a rebuild is never planned from a table that was not read.
  detail::sqlite_plan::plan plan_of(std::span<const operation> unit, const render_options& options) {
    const auto table = table_of(unit.front());
    const bool adds_in_place = std::all_of(unit.begin(), unit.end(), [](const operation& o) {
      return strata::holds_alternative<op::add_column>(o) && !sqlite_sql::may_rebuild(o);
    });
    if (adds_in_place) {
      detail::sqlite_plan::table_inputs unread;
      unread.table.name = std::string(table);
      if (auto plan = sqlite_sql::plan(unit, unread, options); !plan.rebuild) return plan;
    }
    return sqlite_sql::plan(unit, live_inputs(table, unit), options, edits_schema());
  }

  // Whether this connection may edit sqlite_master (sqlite_options::edit_schema; not in defensive mode).
  bool edits_schema() {
    if (!options_.edit_schema) return false;
    int defensive = 0;
    sqlite3_db_config(db_->getHandle(), SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
    return defensive == 0;
  }

  // SQLite's procedure for a change of a table's definition that leaves every stored row as it is
  // (sqlite.org/lang_altertable.html): sqlite_master written with writable_schema on, the schema
  // version moved on by one (other connections read the schema again), writable_schema off. Inside
  // the revision's transaction: a failure rolls the definition back with it. The procedure ends with
  // PRAGMA integrity_check, which reads every page of the database, as slow as the copy this
  // avoids; what it would catch here, a definition SQLite cannot parse, the next statement catches
  // (the schema is read again), and removing a constraint cannot make a stored row invalid.
  void edit_schema(const detail::sqlite_plan::plan& plan) {
    const auto version = pragma_int("schema_version");
    run("PRAGMA writable_schema = ON");
    try {
      for (const auto& step : plan.steps) run(step.sql);
      run("PRAGMA schema_version = " + std::to_string(static_cast<long long>(version) + 1));
    } catch (...) {
      sqlite3_exec(db_->getHandle(), "PRAGMA writable_schema = OFF", nullptr, nullptr, nullptr);
      throw;
    }
    run("PRAGMA writable_schema = OFF");
    run("SELECT * FROM " + sqlite_sql::quote(plan.table) + " LIMIT 0");
  }

  // "(<column> names the table ?1)": its SQL holds the name as written, or with its quotes doubled
  // (as a quoted identifier writes it), in any case. A superset of the objects that use it.
  static std::string names_table(std::string_view sql_column) {
    const auto c = std::string(sql_column);
    return "(instr(lower(" + c + "), lower(?1)) > 0 OR instr(lower(" + c + "), lower(replace(?1, '\"', '\"\"'))) > 0)";
  }

  // The table as the planner sees it, from sqlite_master: its CREATE TABLE parsed, its indexes and
  // triggers, the views and other tables' triggers that name it, the tables that reference it.
  detail::sqlite_plan::table_inputs live_inputs(std::string_view table_name, std::span<const operation> unit) {
    detail::sqlite_plan::table_inputs in;
    SQLite::Statement find(*db_, "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE");
    find.bind(1, std::string(table_name));
    if (!find.executeStep()) throw operation_failed(describe_batch(unit, false), "no such table: " + std::string(table_name));
    const std::string table = find.getColumn(0).getString();
    in.table = detail::sqlite_table::parse_create_table(find.getColumn(1).getString());
    in.table.name = table;
    auto objects = [&](const std::string& where, std::vector<detail::sqlite_plan::named_sql>& out) {
      SQLite::Statement q(*db_, "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND " + where + " ORDER BY rowid");
      q.bind(1, table);
      while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString()});
    };
    objects("type = 'index' AND tbl_name = ?1", in.indexes);
    objects("type = 'trigger' AND tbl_name = ?1", in.triggers);
    objects("(type = 'view' OR (type = 'trigger' AND tbl_name <> ?1)) AND " + names_table("sql"), in.dependents);
    // Only the tables whose SQL names it (a REFERENCES clause does) have their foreign keys listed,
    // not every table's.
    SQLite::Statement referencing(*db_, "SELECT m.name, f.\"to\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
                                        "WHERE m.type = 'table' AND " + names_table("m.sql") +
                                        " AND f.\"table\" = ?1 COLLATE NOCASE ORDER BY m.name");
    referencing.bind(1, table);
    while (referencing.executeStep()) {
      const auto name = referencing.getColumn(0).getString();
      if (!detail::sqlite_table::same_name(name, table) && (in.referencing.empty() || in.referencing.back() != name)) in.referencing.push_back(name);
      if (!referencing.getColumn(1).isNull()) in.referenced_columns.push_back(referencing.getColumn(1).getString());
    }
    return in;
  }

  // A view, or the triggers of a table, probed by preparing a statement that compiles them.
  struct dependent {
    std::string name;
    bool is_view = false;
  };

  std::optional<std::string> probe(const dependent& d) {
    std::vector<std::string> statements;
    if (d.is_view) {
      statements.push_back("SELECT * FROM " + quote(d.name));
    } else {  // triggers are compiled into the statements that fire them
      std::string set;
      SQLite::Statement columns(*db_, "SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0");
      columns.bind(1, d.name);
      while (columns.executeStep()) set += (set.empty() ? "" : ", ") + quote(columns.getColumn(0).getString()) + " = " + quote(columns.getColumn(0).getString());
      statements.push_back("INSERT INTO " + quote(d.name) + " DEFAULT VALUES");
      if (!set.empty()) statements.push_back("UPDATE " + quote(d.name) + " SET " + set);
      statements.push_back("DELETE FROM " + quote(d.name));
    }
    for (const auto& sql : statements) {
      try {
        SQLite::Statement compiled(*db_, sql);
      } catch (const SQLite::Exception& e) {
        return std::string(e.what());
      }
    }
    return std::nullopt;
  }

  // The views and triggered tables that work now (a rebuild must not break them; SQLite's own
  // DROP COLUMN refuses to, but a rebuild recreates triggers and leaves views unchecked).
  // Only those whose SQL names the table can break, so only those are probed.
  std::vector<dependent> working_dependents(const std::string& table) {
    std::vector<dependent> out;
    SQLite::Statement q(*db_, "SELECT DISTINCT type = 'view', CASE type WHEN 'view' THEN name ELSE tbl_name END FROM sqlite_master "
                              "WHERE (type = 'view' OR type = 'trigger') AND (instr(lower(sql), lower(?1)) > 0 OR "
                              "instr(lower(sql), lower(replace(?1, '\"', '\"\"'))) > 0)");
    q.bind(1, table);
    while (q.executeStep()) out.push_back({q.getColumn(1).getString(), q.getColumn(0).getInt() == 1});
    q.reset();
    std::erase_if(out, [&](const dependent& d) { return probe(d).has_value(); });
    return out;
  }

  void check_dependents(const std::vector<dependent>& dependents, const std::string& table, std::span<const operation> batch) {
    for (const auto& d : dependents) {
      if (auto failure = probe(d)) {
        const auto what = d.is_view ? "view '" + d.name + "'" : "a trigger on '" + d.name + "'";
        throw operation_failed(describe_batch(batch, true), what + " no longer works after the rebuild of '" + table + "' (" +
                                                          without_temporary_names(*failure) + "); drop it before this alteration "
                                                          "and create it again after");
      }
    }
  }

  // An index (a partial one, say) or trigger can name a column the rebuild dropped.
  void recreate(const detail::sqlite_plan::step& object, const std::string& table, std::span<const operation> batch) {
    try {
      run(object.sql);
    } catch (const SQLite::Exception& e) {
      const std::string type = object.kind == detail::sqlite_plan::step::role::index ? "index" : "trigger";
      throw operation_failed(describe_batch(batch, true), type + " '" + object.name + "' no longer works after the rebuild of '" + table + "' (" +
                                                              without_temporary_names(e.what()) + "); drop it before this alteration and "
                                                              "create it again after");
    }
  }

  // The backfill's batches (detail::run_backfill) in the revision's transaction, keyed on the
  // table's primary key (PRAGMA table_info). A revision is one transaction on SQLite (the only
  // writer, so no lock is held longer than by one UPDATE): the batches commit or roll back with it,
  // and there is nothing to resume (no ResumesBackfills).
  void backfill(const op::backfill& x) {
    if (!table_exists(std::string(x.table))) throw operation_failed(describe(operation{x}), "no such table: " + std::string(x.table));
    std::vector<std::string> key;
    {
      SQLite::Statement q(*db_, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk");
      q.bind(1, std::string(x.table));
      while (q.executeStep()) key.push_back(q.getColumn(0).getString());
    }
    if (key.size() != 1) throw operation_failed(describe(operation{x}), detail::backfill_key_problem(x, key));
    if (statement_listener_) statement_listener_(sqlite_sql::backfill(x, {}));
    const auto prepared = [&](const std::string& sql, const std::vector<std::string>& params) {
      SQLite::Statement q(*db_, sql);
      for (std::size_t i = 0; i < params.size(); ++i) q.bind(static_cast<int>(i + 1), params[i]);
      return q;
    };
    detail::backfill_session session;
    session.value = [&](const std::string& sql, const std::vector<std::string>& params) -> std::optional<std::string> {
      auto q = prepared(sql, params);
      if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
      return q.getColumn(0).getString();
    };
    session.update = [&](const std::string& sql, const std::vector<std::string>& params) {
      auto q = prepared(sql, params);
      return static_cast<std::uint64_t>(q.exec());
    };
    session.batch = [](const std::function<void()>& f) { f(); };
    session.progress = progress_;
    detail::run_backfill<sqlite_sql>(x, key.front(), std::nullopt, session, {});
  }

  // What the strata_progress() SQL function counts with during one row copy. SQLite owns it (and
  // frees it when the function is unregistered), so a function left registered never dangles.
  struct copy_counter {
    static constexpr std::uint64_t interval = 16384;
    const std::function<void(const progress&)>* listener;  // null once the copy is over
    std::string task;
    std::uint64_t total = 0;
    std::uint64_t done = 0;
    std::exception_ptr failure;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    // Returns 1 for every row; no exception may cross SQLite's C frames, so a listener's one is
    // kept for the caller and the statement is failed instead.
    static void step(sqlite3_context* context, int, sqlite3_value**) {
      auto* self = static_cast<copy_counter*>(sqlite3_user_data(context));
      if (self->listener != nullptr && ++self->done % interval == 0) {
        try {
          (*self->listener)(progress{self->task, self->done, self->total, std::chrono::steady_clock::now() - self->started});
        } catch (...) {
          self->failure = std::current_exception();
          self->listener = nullptr;
          sqlite3_result_error(context, "the progress listener failed", -1);
          return;
        }
      }
      sqlite3_result_int(context, 1);
    }
    static void destroy(void* self) { delete static_cast<copy_counter*>(self); }
  };

  // The rebuild's row copy, reporting to the listener: done = 0, every copy_counter::interval rows,
  // then done = total. Not SQLITE_DETERMINISTIC, so SQLite calls the function once per row.
  void copy_with_progress(const std::string& copy, const std::string& table) {
    static constexpr const char* function = "strata_progress";
    std::uint64_t total = 0;
    {
      SQLite::Statement count(*db_, "SELECT count(*) FROM " + quote(table));
      if (count.executeStep()) total = static_cast<std::uint64_t>(count.getColumn(0).getInt64());
    }
    const std::string task = "rebuilding table '" + table + "'";
    const auto started = std::chrono::steady_clock::now();
    progress_(progress{task, 0, total, {}});

    auto* counter = new copy_counter{&progress_, task, total, 0, nullptr, started};
    // On failure SQLite calls destroy itself.
    const int created = sqlite3_create_function_v2(db_->getHandle(), function, 0, SQLITE_UTF8, counter, &copy_counter::step, nullptr,
                                                   nullptr, &copy_counter::destroy);
    if (created != SQLITE_OK) throw SQLite::Exception(db_->getHandle(), created);
    struct unregister {
      sqlite3* db;
      copy_counter* counter;
      ~unregister() {
        counter->listener = nullptr;
        sqlite3_create_function_v2(db, function, 0, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr, nullptr);
      }
    } unregister_function{db_->getHandle(), counter};
    try {
      db_->exec(copy + " WHERE " + function + "()");
    } catch (const SQLite::Exception&) {
      if (counter->failure) std::rethrow_exception(counter->failure);
      throw;
    }
    progress_(progress{task, total, total, std::chrono::steady_clock::now() - started});
  }

  // The 12-step rebuild of sqlite.org/lang_altertable.html, inside the revision's transaction: the
  // plan's statements (create the new table, copy the rows, drop the old one, rename, recreate
  // indexes and triggers), with the row copy counted and its failures explained.
  void execute_rebuild(const detail::sqlite_plan::plan& plan, std::span<const operation> batch) {
    using role = detail::sqlite_plan::step::role;
    const std::string& table = plan.table;
    const auto dependents = working_dependents(table);
    std::optional<long long> sequence;
    if (table_exists("sqlite_sequence")) {
      SQLite::Statement seq(*db_, "SELECT seq FROM sqlite_sequence WHERE name = ?");
      seq.bind(1, table);
      if (seq.executeStep()) sequence = seq.getColumn(0).getInt64();
    }
    const bool legacy = legacy_alter_table();
    for (const auto& step : plan.steps) {
      switch (step.kind) {
        case role::copy:
          try {
            if (progress_) {
              if (statement_listener_) statement_listener_(step.sql);
              copy_with_progress(step.sql, table);
            } else {
              run(step.sql);
            }
          } catch (const SQLite::Exception& e) {
            if ((e.getErrorCode() & 0xff) != SQLITE_CONSTRAINT) throw;
            throw operation_failed(describe_batch(batch, true), without_temporary_names(e.what()) + " (rows of '" + table +
                                                                    "' break the new definition: update or delete them first, for "
                                                                    "instance with op.execute() before the alteration)");
          }
          break;
        case role::rename:
          try {
            run(step.sql);
          } catch (...) {
            if (!legacy) sqlite3_exec(db_->getHandle(), "PRAGMA legacy_alter_table = OFF", nullptr, nullptr, nullptr);
            throw;
          }
          break;
        case role::restore:
          run(step.sql);
          if (legacy) db_->exec("PRAGMA legacy_alter_table = ON");  // the connection's own setting
          break;
        case role::index:
        case role::trigger:
          recreate(step, table, batch);
          break;
        default:
          run(step.sql);
      }
    }
    check_dependents(dependents, table, batch);
    if (sequence) {  // AUTOINCREMENT never reuses an id, even of rows deleted before the rebuild
      SQLite::Statement seq(*db_, "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?");
      seq.bind(1, static_cast<std::int64_t>(*sequence));
      seq.bind(2, table);
      if (seq.exec() == 0 && table_exists("sqlite_sequence")) {
        SQLite::Statement insert(*db_, "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)");
        insert.bind(1, table);
        insert.bind(2, static_cast<std::int64_t>(*sequence));
        insert.exec();
      }
    }
  }

  sqlite_options options_{};
  std::string path_;
  std::string url_;
  std::unique_ptr<SQLite::Database> owned_;
  SQLite::Database* db_ = nullptr;
  std::function<void(const progress&)> progress_;
  std::function<void(std::string_view)> statement_listener_;
  bool checking_foreign_keys_ = false;  // this revision switched foreign keys off: its rebuilds check them
};

static_assert(Dialect<sqlite>);
static_assert(Inspectable<sqlite>);
static_assert(ExecutesSql<sqlite>);
static_assert(PreparesLocation<sqlite>);
static_assert(ReportsProgress<sqlite>);
static_assert(ReportsStatements<sqlite>);
static_assert(BacksUp<sqlite>);
static_assert(KeepsHistory<sqlite>);
static_assert(WritesHistoryRows<sqlite>);

}  // namespace strata

#include <strata/dialect/sqlite_provisioning.hpp>
