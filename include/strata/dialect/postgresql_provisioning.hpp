// strata::postgresql::provisioner: PostgreSQL databases for tests, on the server libpq's PG* variables name.
//
// Included by strata/dialect/postgresql.hpp: the dialect's Provisionable and ClonesDatabases
// capabilities (strata/dialect.hpp). The provisioner's statements run on its own connection to the
// maintenance database ($PGDATABASE, else "postgres"); a session is that connection's server
// process id. A copy is CREATE DATABASE ... TEMPLATE, a template a database marked IS_TEMPLATE
// that allows no connection, a note its COMMENT, a lock a session advisory lock.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

#include <pqxx/pqxx>

#include <strata/detail/graph_check.hpp>
#include <strata/detail/postgresql_sql.hpp>
#include <strata/detail/sql_identifiers.hpp>
#include <strata/dialect/postgresql.hpp>
#include <strata/errors.hpp>

namespace strata {

class postgresql::provisioner {
 public:
  // Connects to the maintenance database: strata::database_unavailable when the server cannot be reached.
  provisioner() : provisioner(maintenance_database()) {}
  explicit provisioner(const std::string& maintenance) : admin_(connect(maintenance)) {}

  // A server that is not there skips the test, unless STRATA_REQUIRE_POSTGRESQL is set (non-empty),
  // as in CI: then it fails.
  static bool unreachable_fails() {
    const char* v = std::getenv("STRATA_REQUIRE_POSTGRESQL");
    return v != nullptr && *v != '\0';
  }

  [[nodiscard]] std::string session() const { return std::to_string(admin_->backendpid()); }

  // postgresql:///<name>: the rest (host, port, user, password) comes from the PG* variables, for
  // strata::postgresql and libpq alike.
  [[nodiscard]] static std::string url(std::string_view name) { return "postgresql:///" + std::string(name); }
  postgresql open(std::string_view name) { return postgresql(url(name)); }

  // ClaimsInPlace (strata/dialect.hpp). The server as this process reaches it: the PG* variables that
  // say where and as whom libpq connects (a password is not among them), and the maintenance database.
  [[nodiscard]] static std::string place() {
    std::string out = "postgresql";
    for (const char* variable : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGSERVICE"}) {
      const char* v = std::getenv(variable);
      out += std::string(" ") + variable + "=" + (v != nullptr ? v : "");
    }
    return out + " maintenance=" + maintenance_database();
  }

  // A connection to `name`, its first statement the note `note` followed by the connection's server
  // process id, committed without waiting for the WAL to reach the disk (SET LOCAL: the session keeps
  // its setting): the client's crash cannot lose it, and a commit of the test's own waits for it.
  // None when it cannot connect (the database is gone, or still being copied) or note.
  [[nodiscard]] static std::optional<postgresql> claim_in_place(std::string_view name, std::string_view note) {
    try {
      postgresql d(url(name));
      const auto text = std::string(note) + std::to_string(d.database().backendpid());
      pqxx::nontransaction n(d.database());
      n.exec("BEGIN; SET LOCAL synchronous_commit TO off; COMMENT ON DATABASE " + quote(name) + " IS " +
             detail::postgresql_sql::literal(text) + "; COMMIT");
      return d;
    } catch (const std::exception&) {  // NOLINT: the caller takes a spare another way
      return std::nullopt;
    }
  }

  // Renames `from` when no session is on it and it has no note (one that claim_in_place() noted is
  // in use, or was by a process that died), without waiting: false when it is not so, or gone.
  bool claim(std::string_view from, std::string_view to) {
    const std::string what = "claim the database '" + std::string(from) + "' as '" + std::string(to) + "'";
    const auto free = run(what, "SELECT shobj_description(oid, 'pg_database') IS NULL AND pg_stat_get_db_numbackends(oid) = 0 FROM pg_database "
                                "WHERE datname = " + detail::postgresql_sql::literal(from));
    if (free.empty() || !free[0][0].as<bool>()) return false;
    try {
      run(what, "ALTER DATABASE " + quote(from) + " RENAME TO " + quote(to));
      return true;
    } catch (const database_unavailable&) {
      throw;
    } catch (const error&) {  // NOLINT: claimed or connected to meanwhile
      return false;
    }
  }

  void create(std::string_view name) { run("create the database '" + std::string(name) + "'", "CREATE DATABASE " + quote(name), creates); }

  // PostgreSQL 15's WAL_LOG strategy (its default, named so that a server configured otherwise
  // does the same) copies a database block by block through the WAL; FILE_COPY copies its files
  // but makes the server checkpoint twice. Measured on a 200-revision template (docs/benchmarks.md),
  // WAL_LOG was the faster here. A copy keeps the
  // owners of the source's tables: a source another role owns (a template built by another role
  // on a shared server) would give copies whose tables this role may not use, so it is refused.
  void copy(std::string_view source, std::string_view name) {
    if (!usable(source)) check_owner(source);
    run("create the database '" + std::string(name) + "' from '" + std::string(source) + "'",
        "CREATE DATABASE " + quote(name) + " TEMPLATE " + quote(source) + (admin_->server_version() >= 150000 ? " STRATEGY WAL_LOG" : ""),
        creates);
  }

  // A template loses its mark first. Connections just closed may not have ended in the server yet
  // (see postgresql_sql::wait_for_no_sessions); any still open are ended (WITH (FORCE)).
  // Two sessions dropping one database at once (test processes' housekeeping) take turns, under a
  // session advisory lock on its name: while DROP DATABASE runs, PostgreSQL (15.4 on) marks the
  // database invalid, and an ALTER DATABASE of an invalid one is FATAL ("cannot alter invalid
  // database"), which ends the session that tries. A database left invalid by an interrupted DROP is
  // dropped without the ALTER. PostgreSQL may still refuse one of two updates of the database's
  // catalog row (by another client, or autovacuum: "tuple concurrently updated"): the steps are
  // idempotent and taken again, up to three times.
  void drop(std::string_view name) {
    const std::string what = "drop the database '" + std::string(name) + "'";
    const auto key = lock_key("strata::drop " + std::string(name));
    run(what, "SELECT pg_advisory_lock(" + key + ")");
    try {
      drop_locked(name, what);
    } catch (...) {
      try {
        run(what, "SELECT pg_advisory_unlock(" + key + ")");
      } catch (const error&) {  // NOLINT: the connection is lost, and the lock with it; the first error says why
      }
      throw;
    }
    run(what, "SELECT pg_advisory_unlock(" + key + ")");
  }

  [[nodiscard]] std::vector<std::string> list(std::string_view prefix) {
    std::vector<std::string> out;
    for (const auto& row : run("list the databases", "SELECT datname FROM pg_database WHERE left(datname, " + std::to_string(prefix.size()) +
                                                         ") = " + detail::postgresql_sql::literal(prefix) + " ORDER BY datname"))
      out.push_back(row[0].as<std::string>());
    return out;
  }

  // No connection from now on, and none left: CREATE DATABASE ... TEMPLATE refuses a template that
  // has any (those just closed may not have ended in the server yet).
  void mark_template(std::string_view name) {
    const std::string what = "mark the database '" + std::string(name) + "' a template";
    run(what, "ALTER DATABASE " + quote(name) + " WITH ALLOW_CONNECTIONS false IS_TEMPLATE true");
    run(what, detail::postgresql_sql::wait_for_no_sessions(name));
  }

  // RENAME refuses a database with sessions, after waiting for them in steps of 100 ms: those of
  // connections just closed, which may not have ended in the server yet (a clone kept as a spare at
  // exit), are waited for here in steps of 1 ms. A database nobody used lately (a spare claimed) has
  // none: one look (the backends the server counts on it) and the rename.
  void rename(std::string_view from, std::string_view to) {
    const std::string what = "rename the database '" + std::string(from) + "' to '" + std::string(to) + "'";
    const auto sessions = run(what, "SELECT pg_stat_get_db_numbackends(oid) FROM pg_database WHERE datname = " + detail::postgresql_sql::literal(from));
    if (!sessions.empty() && !sessions[0][0].is_null() && sessions[0][0].as<long>() > 0) run(what, detail::postgresql_sql::wait_for_no_sessions(from));
    run(what, "ALTER DATABASE " + quote(from) + " RENAME TO " + quote(to));
  }

  // Also whether this role may use the tables of its copies (copy()), so that a copy of it is one
  // statement, on any provisioner of the process: a copy that a process's exit abandons, for the
  // server to finish, is then one that was sent.
  [[nodiscard]] std::string identity(std::string_view name) {
    const auto r = run("read the oid of the database '" + std::string(name) + "'",
                       "SELECT oid::text, pg_has_role(datdba, 'USAGE') FROM pg_database WHERE datname = " + detail::postgresql_sql::literal(name));
    if (r.empty()) throw error("there is no PostgreSQL database '" + std::string(name) + "'");
    if (r[0][1].as<bool>()) usable(name, true);
    return r[0][0].as<std::string>();
  }

  // Whether the server still has that process. A session that is not a process id is taken to
  // live: nothing of it is dropped.
  [[nodiscard]] bool alive(std::string_view session) {
    if (session.empty() || session.size() > 9 || session.find_first_not_of("0123456789") != std::string_view::npos) return true;
    return !run("look for the session " + std::string(session), "SELECT 1 FROM pg_stat_activity WHERE pid = " + std::string(session)).empty();
  }

  [[nodiscard]] std::optional<std::string> note(std::string_view name) {
    const auto r = run("read the comment on the database '" + std::string(name) + "'",
                       "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = " + detail::postgresql_sql::literal(name));
    if (r.empty() || r[0][0].is_null()) return std::nullopt;
    return r[0][0].as<std::string>();
  }
  // Throws when there is no such database (PostgreSQL only warns of a COMMENT on one that is gone).
  void note(std::string_view name, std::string_view text) {
    run("comment on the database '" + std::string(name) + "'",
        "DO $strata$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = " + detail::postgresql_sql::literal(name) +
            ") THEN RAISE EXCEPTION 'there is no such database'; END IF; EXECUTE " +
            detail::postgresql_sql::literal("COMMENT ON DATABASE " + quote(name) + " IS " + detail::postgresql_sql::literal(text)) +
            "; END $strata$");
  }

  // From another thread: the connection's socket is shut down, so that the statement running on it
  // returns at once (a lost connection) and every later one fails; the server still finishes that
  // statement (a CREATE or DROP DATABASE is committed before the server answers).
  void abandon() noexcept {
#if defined(_WIN32)
    ::shutdown(static_cast<SOCKET>(admin_->sock()), SD_BOTH);
#else
    ::shutdown(admin_->sock(), SHUT_RDWR);
#endif
  }

  // A session advisory lock whose key is the hash of `key` (strata's FNV-1a).
  bool try_lock(std::string_view key) {
    return run("take the advisory lock for '" + std::string(key) + "'", "SELECT pg_try_advisory_lock(" + lock_key(key) + ")")[0][0].as<bool>();
  }
  void unlock(std::string_view key) {
    run("release the advisory lock for '" + std::string(key) + "'", "SELECT pg_advisory_unlock(" + lock_key(key) + ")");
  }

 private:
  static std::string quote(std::string_view name) { return detail::sql::quote(name); }

  // drop(), under its lock.
  void drop_locked(std::string_view name, const std::string& what) {
    for (int attempt = 1;; ++attempt) {
      try {
        run(what, "DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_database WHERE datname = " + detail::postgresql_sql::literal(name) +
                      " AND datistemplate AND datconnlimit <> -2) THEN EXECUTE " +
                      detail::postgresql_sql::literal("ALTER DATABASE " + quote(name) + " WITH IS_TEMPLATE false") + "; END IF; END $strata$; " +
                      detail::postgresql_sql::wait_for_no_sessions(name));
        run(what, "DROP DATABASE IF EXISTS " + quote(name) + " WITH (FORCE)");
        return;
      } catch (const database_unavailable&) {
        throw;
      } catch (const error&) {
        if (attempt == 3) throw;
      }
    }
  }

  void check_owner(std::string_view source) {
    const auto owner = run("read the owner of the database '" + std::string(source) + "'",
                           "SELECT pg_get_userbyid(datdba), pg_has_role(datdba, 'USAGE') FROM pg_database WHERE datname = " +
                               detail::postgresql_sql::literal(source));
    if (!owner.empty() && !owner[0][1].as<bool>())
      throw error("the PostgreSQL database '" + std::string(source) + "' belongs to the role " + quote(owner[0][0].as<std::string>()) +
                  ", so the role " + quote(admin_->username()) + " could not use the tables of a copy; run the tests as " +
                  quote(owner[0][0].as<std::string>()) + ", or drop it (ALTER DATABASE " + quote(source) + " IS_TEMPLATE false; DROP DATABASE " +
                  quote(source) + ") so that this role builds its own");
    usable(source, true);
  }

  // Whether this process found that this role may use the tables of copies of `source` (all its
  // provisioners connect as one role, to one server: the PG* variables); `found` notes it.
  // Never destroyed: provisioners of a template's workers may still copy while statics are destroyed at exit.
  static bool usable(std::string_view source, bool found = false) {
    struct noted {
      std::mutex mutex;
      std::vector<std::string> sources;
    };
    static noted& n = *new noted;  // NOLINT(cppcoreguidelines-owning-memory)
    const std::lock_guard lock(n.mutex);
    const bool known = std::find(n.sources.begin(), n.sources.end(), source) != n.sources.end();
    if (found && !known) n.sources.emplace_back(source);
    return known;
  }

  static std::string lock_key(std::string_view key) { return std::to_string(std::bit_cast<std::int64_t>(detail::hash_id(std::string(key)))); }

  static std::string maintenance_database() {
    const char* db = std::getenv("PGDATABASE");
    return db != nullptr && *db != '\0' ? db : "postgres";
  }

  // The first line of a libpq message (its continuation lines repeat the statement), without "ERROR:  ".
  static std::string first_line(std::string message) {
    if (auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
    for (std::string_view level : {"ERROR:  ", "FATAL:  "})
      if (message.starts_with(level)) message.erase(0, level.size());
    while (!message.empty() && (message.back() == ' ' || message.back() == '\r')) message.pop_back();
    return message;
  }

  static std::unique_ptr<pqxx::connection> connect(const std::string& database) {
    try {
      return std::make_unique<pqxx::connection>("dbname=" + detail::postgresql_sql::conninfo_value(database) + " connect_timeout=10");
    } catch (const pqxx::failure& e) {
      throw database_unavailable("cannot connect to the PostgreSQL database '" + database + "' for test databases (" + first_line(e.what()) +
                                 "); start the server or set PGHOST, PGPORT, PGUSER and PGPASSWORD to one that runs (tests then skip, or fail "
                                 "when STRATA_REQUIRE_POSTGRESQL is set)");
    }
  }

  // What a statement does, for the message when the role may not do it.
  enum statement_kind { other, creates };

  pqxx::result run(const std::string& what, const std::string& sql, statement_kind kind = other) {
    try {
      pqxx::nontransaction n(*admin_);
      return n.exec(sql);
    } catch (const pqxx::broken_connection& e) {
      throw database_unavailable("lost the connection to the PostgreSQL server while trying to " + what + " (" + first_line(e.what()) +
                                 "); check that the server runs");
    } catch (const pqxx::insufficient_privilege& e) {
      if (kind == creates)
        throw error("PostgreSQL could not " + what + " (" + first_line(e.what()) + "): strata::testing needs a role that may create databases; " +
                    "run ALTER ROLE " + quote(admin_->username()) + " CREATEDB as a superuser, or set PGUSER to a role that has CREATEDB");
      throw error("PostgreSQL could not " + what + " (" + first_line(e.what()) + ")");
    } catch (const pqxx::failure& e) {
      throw error("PostgreSQL could not " + what + " (" + first_line(e.what()) + ")");
    }
  }

  std::unique_ptr<pqxx::connection> admin_;
};

static_assert(Provisionable<postgresql>);
static_assert(ClonesDatabases<postgresql>);
static_assert(AbandonsStatements<postgresql>);
static_assert(ClaimsInPlace<postgresql>);

}  // namespace strata
