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
#include <variant>
#include <vector>

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <strata/dialect.hpp>
#include <strata/connection.hpp>
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
  // How long a migration polls for the advisory lock before giving up.
  std::chrono::milliseconds lock_timeout{60000};
};

// The PostgreSQL dialect. Opens `postgresql://user:password@host:port/database?params` (or
// `postgres://`), or, with no URL, what libpq's PG* environment variables name; or works on the
// caller's pqxx::connection. The URL's `schema=<name>` and `lock_timeout=<seconds>` are strata's;
// every other parameter is a libpq keyword (sslmode, connect_timeout, application_name ...).
// A URL field left out (host, port, user, password, database) falls back to libpq's environment.
//
// Each revision runs with its version-table update in one transaction (PostgreSQL's DDL is
// transactional). A revision with `transactional = false` runs with no transaction open, each
// statement committing on its own (CREATE INDEX CONCURRENTLY needs that); its version-table update
// then commits in a transaction of its own once every statement has succeeded (the server runs an
// execute() of several statements as one implicit transaction: give CONCURRENTLY statements an
// execute() each). Every migration holds a session-level advisory lock, taken by polling
// pg_try_advisory_lock: a session blocked in pg_advisory_lock would hold a snapshot that
// CREATE INDEX CONCURRENTLY waits for, a deadlock.
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
      if (u.lock_timeout) options_.lock_timeout = *u.lock_timeout;
    }
    const auto& keywords = u.keywords;
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
      throw database_unavailable("cannot connect to PostgreSQL at " + endpoint_.where() + " (" + first_line(e.what()) +
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
        for (const auto& r : t.exec("SELECT version_num FROM " + qualified(table) + " ORDER BY version_num"))
          rows.emplace_back(r[0].c_str());
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
        if (!relation_exists(t, table))
          t.exec("CREATE TABLE " + qualified(table) + " (version_num VARCHAR(32) NOT NULL, CONSTRAINT " +
                 quote(std::string(table) + "_pkc") + " PRIMARY KEY (version_num))");
        t.exec("DELETE FROM " + qualified(table));
        for (const auto& r : rows) t.exec_params("INSERT INTO " + qualified(table) + " (version_num) VALUES ($1)", r);
      };
      if (tx_ != nullptr) {
        write(*tx_);
      } else {
        pqxx::work w(*conn_);
        write(w);
        w.commit();
      }
      return 0;
    });
  }

  // Takes the advisory lock (polling), then runs body in one transaction, or, for a
  // non-transactional unit, with no transaction open; always releases the lock after.
  void transaction(const unit_of_work& unit, const std::function<void()>& body) {
    locked(unit.version_table, [&] {
      if (unit.transactional) {
        in_transaction(body);
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
  void apply(std::span<const operation> operations) {
    if (operations.empty()) return;
    guarded("creating the schema", [&] {
      with_transaction([&](pqxx::transaction_base& t) { ensure_schema(t); });
      return 0;
    });
    for (const auto& o : operations) apply_one(o);
  }

  // The schema's tables, keys and indexes, read from pg_catalog (detail/postgresql_inspect.hpp).
  owned_schema inspect() {
    return guarded("reading the schema", [&] {
      owned_schema s;
      with_transaction([&](pqxx::transaction_base& t) { s = detail::postgresql_inspect(t, schema_name(t)); });
      return s;
    });
  }

  // Called with each statement apply() runs for the operations, before it runs; none by default.
  void on_statement(std::function<void(std::string_view)> listener) { statement_listener_ = std::move(listener); }

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
        ensure_schema(t);
        if (!relation_exists(t, table))
          t.exec("CREATE TABLE " + qualified(table) + " (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, " +
                 std::string(detail::history_columns) + ")");
        id = t.exec_params("INSERT INTO " + qualified(table) +
                               " (revision, direction, started_at, duration_ms, outcome, error, checksum, progress, application, host, "
                               "database_user) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, current_user) RETURNING id",
                           record.revision, record.direction, record.started_at, record.duration_ms, record.outcome, record.error,
                           record.checksum, record.progress, record.application, record.host)[0][0]
                 .as<std::int64_t>();
      };
      if (tx_ != nullptr) {
        write(*tx_);
      } else {
        pqxx::work w(*conn_);
        write(w);
        w.commit();
      }
      return id;
    });
  }

  // The indexes the operations create that exist, each with whether it is complete (pg_index.indisvalid:
  // false for what a failed or interrupted CREATE INDEX CONCURRENTLY left).
  std::vector<leftover_index> leftover_indexes(std::span<const operation> operations) {
    return guarded("looking for the indexes an interrupted revision left", [&] {
      std::vector<leftover_index> out;
      with_transaction([&](pqxx::transaction_base& t) {
        for (const auto& o : operations) {
          const auto* x = std::get_if<op::create_index>(&o);
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
      throw error("PostgreSQL failed while " + what + " at " + endpoint_.where() + ": " + server_message(e));
    } catch (const pqxx::failure& e) {
      throw error("PostgreSQL failed while " + what + " at " + endpoint_.where() + ": " + server_message(e));
    }
  }

  // f(transaction) in the current transaction, or else in an autocommit one of its own.
  template <class F>
  void with_transaction(F&& f) {
    if (tx_ != nullptr) {
      f(*tx_);
    } else {
      pqxx::nontransaction n(*conn_);
      f(n);
    }
  }

  bool relation_exists(pqxx::transaction_base& t, std::string_view table) {
    return !t.exec_params("SELECT 1 WHERE to_regclass($1) IS NOT NULL", qualified(table)).empty();
  }

  // The schema migrated: the option's, else the connection's current_schema().
  std::string schema_name(pqxx::transaction_base& t) {
    if (!options_.schema.empty()) return options_.schema;
    return t.exec("SELECT coalesce(current_schema(), '')")[0][0].c_str();
  }

  // The schema option's schema is created under the lock before a migration's first write.
  void ensure_schema(pqxx::transaction_base& t) {
    if (options_.schema.empty()) return;
    if (t.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", options_.schema).empty())
      t.exec("CREATE SCHEMA IF NOT EXISTS " + quote(options_.schema));
  }

  // ---- the advisory lock -------------------------------------------------------------------------------

  // f() under the advisory lock that guards the version table.
  template <class F>
  void locked(std::string_view version_table, F&& f) {
    broken_ = false;  // libpqxx reconnects a broken connection when it is used again
    const auto [schema, key] = guarded("finding the schema for the migration lock", [&] {
      std::string s;
      with_transaction([&](pqxx::transaction_base& t) { s = schema_name(t); });
      return std::pair<std::string, std::int64_t>{s, lock_key(s, version_table)};
    });
    acquire(key, schema + "." + std::string(version_table));
    try {
      f();
    } catch (...) {
      release(key);
      throw;
    }
    release(key);
  }

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
      if (waited >= options_.lock_timeout) {
        const auto bits = std::bit_cast<std::uint64_t>(key);
        throw database_locked("the PostgreSQL database at " + endpoint_.where() + " is locked: another migration is running (the advisory lock " +
                              std::to_string(key) + " that guards '" + guarded_table + "' was held by another session for the " +
                              std::to_string(waited.count()) + " ms waited); let it finish and run again, find its session with "
                              "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = " + std::to_string(bits >> 32) +
                              " AND objid = " + std::to_string(bits & 0xffffffffU) + ", or wait longer with ?lock_timeout=<seconds> in the URL");
      }
      std::this_thread::sleep_for(std::min<milliseconds>(pause, options_.lock_timeout - waited));
      pause = std::min<milliseconds>(pause * 3 / 2, milliseconds(250));
    }
  }

  // If the connection broke, the server released the lock with the session.
  void release(std::int64_t key) noexcept {
    if (broken_) return;
    try {
      pqxx::nontransaction n(*conn_);
      n.exec_params("SELECT pg_advisory_unlock($1)", key);
    } catch (...) {  // NOLINT: the lock goes with the session at worst
    }
  }

  // BEGIN, body, COMMIT; any exception rolls back and is rethrown.
  void in_transaction(const std::function<void()>& body) {
    std::optional<pqxx::work> work;
    guarded("beginning a transaction", [&] {
      work.emplace(*conn_);
      return 0;
    });
    tx_ = &*work;
    struct reset {
      pqxx::transaction_base*& tx;
      ~reset() { tx = nullptr; }
    } reset_tx{tx_};
    try {
      body();
    } catch (...) {
      try {
        work->abort();
      } catch (...) {  // NOLINT: a broken connection rolls back on the server
      }
      throw;
    }
    guarded("committing", [&] {
      work->commit();
      return 0;
    });
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

  // A failure outside a transaction leaves what ran before it: say what to look for.
  [[nodiscard]] std::string outside_note(const operation& o) const {
    if (!outside_transaction_) return "";
    const std::string note = "; outside a transaction, the statements before it stayed applied and the version table names the revision before";
    if (const auto* x = std::get_if<op::create_index>(&o); x != nullptr && x->options.concurrently)
      return note + ", and a failed CREATE INDEX CONCURRENTLY may leave an INVALID index: DROP INDEX IF EXISTS " + qualified(x->name) +
             " before running the revision again";
    return note + ": look for what they left, such as an INVALID index (SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid), "
                  "and drop it before running the revision again";
  }

  void apply_one(const operation& o) {
    if (const auto* x = std::get_if<op::create_index>(&o); x != nullptr && x->options.concurrently && tx_ != nullptr)
      throw operation_failed(strata::describe(o), "CREATE INDEX CONCURRENTLY cannot run inside a transaction; declare the revision "
                                                  "non-transactional (static constexpr bool transactional = false;) so that it runs "
                                                  "alone, outside one");
    try {
      if (const auto* x = std::get_if<op::run>(&o)) {
        connection_view view(*conn_, tx_);
        x->function(view);
      } else {
        for (const auto& statement : postgresql_sql::statements(o, {.schema = options_.schema})) {
          if (statement_listener_) statement_listener_(statement);
          with_transaction([&](pqxx::transaction_base& t) { t.exec(statement); });
        }
      }
    } catch (const pqxx::broken_connection& e) {
      lost(strata::describe(o), e);
    } catch (const pqxx::sql_error& e) {
      raise_unavailable(e, strata::describe(o));
      throw operation_failed(strata::describe(o), server_message(e) + outside_note(o));
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
  std::string password_;
  endpoint endpoint_;
  std::unique_ptr<pqxx::connection> owned_;
  pqxx::connection* conn_ = nullptr;
  pqxx::transaction_base* tx_ = nullptr;  // the open transaction, if any
  std::unique_ptr<pqxx::work> test_work_;               // begin_test_transaction()'s, and
  std::unique_ptr<pqxx::subtransaction> test_savepoint_;  // the savepoint in it that the test writes through
  bool outside_transaction_ = false;      // running a non-transactional revision
  bool broken_ = false;                   // the connection was lost during this migration
  std::function<void(std::string_view)> statement_listener_;
};

static_assert(Dialect<postgresql>);
static_assert(Inspectable<postgresql>);
static_assert(ExecutesSql<postgresql>);
static_assert(ReportsStatements<postgresql>);
static_assert(KeepsHistory<postgresql>);
static_assert(FindsLeftovers<postgresql>);

}  // namespace strata

#include <strata/dialect/postgresql_provisioning.hpp>
