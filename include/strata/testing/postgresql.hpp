// strata::testing for PostgreSQL: a template database per history, cloned with CREATE DATABASE ... TEMPLATE.
//
// The server is the one libpq's PG* environment variables name; administrative statements run on
// the maintenance database $PGDATABASE (else "postgres"). The template is named "strata_tpl_" and
// 16 hex digits of a hash over the history (each revision's id, down ids, transactional flag, and
// the description and SQL of each upgrade operation), so a changed history gets a template of its
// own, and test processes running the same history share one. It is built once: under an
// advisory lock, as <name>_building_<pid>, then marked a template and renamed into place, so a
// concurrent process never sees a half-built one. Old templates are not removed (drop them with
// ALTER DATABASE ... IS_TEMPLATE false; DROP DATABASE ...).
#pragma once

#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <pqxx/pqxx>
#include <unistd.h>

#include <strata/detail/graph_check.hpp>
#include <strata/detail/postgresql_sql.hpp>
#include <strata/dialect/postgresql.hpp>
#include <strata/errors.hpp>
#include <strata/history.hpp>
#include <strata/migrator.hpp>
#include <strata/ops.hpp>
#include <strata/testing/database_template.hpp>

namespace strata::testing {

namespace detail {

inline std::atomic<unsigned long> postgresql_clone_counter{0};

inline std::string quote_name(std::string_view name) { return "\"" + std::string(name) + "\""; }

// A connection to one database of the PG* server; an unreachable server is a database_unavailable.
inline std::unique_ptr<pqxx::connection> connect_postgresql(const std::string& database) {
  try {
    return std::make_unique<pqxx::connection>("dbname=" + strata::detail::postgresql_sql::conninfo_value(database));
  } catch (const pqxx::broken_connection& e) {
    std::string reason = e.what();
    if (auto nl = reason.find('\n'); nl != std::string::npos) reason.resize(nl);
    throw database_unavailable("strata::testing cannot connect to the PostgreSQL database '" + database + "' (" + reason +
                               "); start the server or set PGHOST, PGPORT, PGUSER and PGPASSWORD to one that runs");
  }
}

// The connection to the maintenance database, shared by a template and its clones (which drop
// themselves through it). One statement at a time: it is guarded by a mutex.
struct postgresql_admin {
  std::mutex mutex;
  std::unique_ptr<pqxx::connection> connection;

  static std::string maintenance_database() {
    const char* db = std::getenv("PGDATABASE");
    return db != nullptr && *db != '\0' ? db : "postgres";
  }
  postgresql_admin() : connection(connect_postgresql(maintenance_database())) {
    // PostgreSQL 15's default WAL_LOG strategy copies a small database block by block through the
    // WAL (about 130 ms for an empty one); FILE_COPY copies its files (about 30 ms).
    if (connection->server_version() >= 150000) clone_strategy = " STRATEGY FILE_COPY";
  }
  std::string clone_strategy;  // appended to CREATE DATABASE ... TEMPLATE

  pqxx::result exec(const std::string& sql) {
    const std::lock_guard lock(mutex);
    pqxx::nontransaction n(*connection);
    return n.exec(sql);
  }
  bool database_exists(const std::string& name) {
    return !exec("SELECT 1 FROM pg_database WHERE datname = " + connection->quote(name)).empty();
  }
};

}  // namespace detail

// A database created from a template, dropped (WITH (FORCE)) when destroyed. Its connection is
// opened by the first connection() (or execute()).
template <>
class cloned_database<postgresql> {
 public:
  cloned_database(std::shared_ptr<detail::postgresql_admin> admin, std::string name)
      : admin_(std::move(admin)), name_(std::move(name)), url_("postgresql:///" + name_) {}
  cloned_database(cloned_database&& other) noexcept
      : admin_(std::move(other.admin_)),
        name_(std::exchange(other.name_, {})),
        url_(std::exchange(other.url_, {})),
        connection_(std::move(other.connection_)) {}
  cloned_database& operator=(cloned_database&& other) noexcept {
    if (this != &other) {
      drop();
      admin_ = std::move(other.admin_);
      name_ = std::exchange(other.name_, {});
      url_ = std::exchange(other.url_, {});
      connection_ = std::move(other.connection_);
    }
    return *this;
  }
  cloned_database(const cloned_database&) = delete;
  cloned_database& operator=(const cloned_database&) = delete;
  ~cloned_database() { drop(); }

  // postgresql:///<name>: the rest (host, port, user, password) comes from the PG* variables, for
  // strata::postgresql and libpq alike.
  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  // Opened on first use: a new database's first connection costs as much as its creation.
  [[nodiscard]] pqxx::connection& connection() {
    if (!connection_) connection_ = detail::connect_postgresql(name_);
    return *connection_;
  }
  void execute(const std::string& sql) {
    pqxx::nontransaction n(connection());
    n.exec(sql);
  }

 private:
  void drop() noexcept {
    connection_.reset();
    if (!admin_ || name_.empty()) return;
    try {
      admin_->exec("DROP DATABASE IF EXISTS " + detail::quote_name(name_) + " WITH (FORCE)");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "strata::testing: could not drop the database %s: %s\n", name_.c_str(), e.what());
    }
    name_.clear();
  }

  std::shared_ptr<detail::postgresql_admin> admin_;
  std::string name_;
  std::string url_;
  std::unique_ptr<pqxx::connection> connection_;
};

template <History H>
class database_template<H, postgresql> {
 public:
  // Built (or found) on first use; thread-safe (a function-local static).
  static database_template& instance() {
    static database_template t;
    return t;
  }

  // "strata_tpl_" + 16 hex digits of the history's hash.
  [[nodiscard]] static std::string name() {
    std::string text;
    for (const auto& r : H::revisions) {
      text += "revision ";
      text += r.id;
      for (auto d : r.down_revisions) (text += " down ") += d;
      text += r.transactional ? " transactional\n" : " not transactional\n";
      const ops recorded = r.record_upgrade();
      for (const auto& o : recorded.operations()) {
        text += describe(o) + "\n";
        if (auto sql = strata::detail::postgresql_sql::render("s", o)) text += *sql + "\n";
      }
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(strata::detail::hash_id(text)));
    return "strata_tpl_" + std::string(hex);
  }

  // A new database at head: strata_clone_<pid>_<n>, created from the template.
  [[nodiscard]] cloned_database<postgresql> clone() {
    auto clone = "strata_clone_" + std::to_string(::getpid()) + "_" + std::to_string(detail::postgresql_clone_counter++);
    admin_->exec("CREATE DATABASE " + detail::quote_name(clone) + " TEMPLATE " + detail::quote_name(name_) + admin_->clone_strategy);
    return cloned_database<postgresql>(admin_, clone);
  }

 private:
  database_template() : admin_(std::make_shared<detail::postgresql_admin>()), name_(name()) {
    if (admin_->database_exists(name_)) return;
    const auto key = std::bit_cast<std::int64_t>(strata::detail::hash_id("strata::testing:" + name_));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    while (admin_->exec("SELECT pg_try_advisory_lock(" + std::to_string(key) + ")")[0][0].as<bool>() == false) {
      if (std::chrono::steady_clock::now() > deadline)
        throw database_locked("strata::testing waited 10 minutes for another process to build the template database '" + name_ +
                              "'; look for a stuck test process holding advisory lock " + std::to_string(key));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto building = name_ + "_building_" + std::to_string(::getpid());
    try {
      if (!admin_->database_exists(name_)) {  // another process may have built it while we waited
        // Leftovers of a process that died while building: nobody else builds under this lock.
        for (const auto& row : admin_->exec("SELECT datname FROM pg_database WHERE datname LIKE " +
                                            admin_->connection->quote(name_ + "\\_building\\_%")))
          drop_database(row[0].as<std::string>());
        admin_->exec("CREATE DATABASE " + detail::quote_name(building));
        {
          auto c = detail::connect_postgresql(building);
          migrator<postgresql>(H{}, *c).upgrade("heads");
        }
        // No connections: CREATE DATABASE ... TEMPLATE refuses a template that has any.
        admin_->exec("ALTER DATABASE " + detail::quote_name(building) + " WITH ALLOW_CONNECTIONS false IS_TEMPLATE true");
        admin_->exec("ALTER DATABASE " + detail::quote_name(building) + " RENAME TO " + detail::quote_name(name_));
      }
    } catch (...) {
      try {
        drop_database(building);
        admin_->exec("SELECT pg_advisory_unlock(" + std::to_string(key) + ")");
      } catch (...) {  // NOLINT: the lock goes with the connection
      }
      throw;
    }
    admin_->exec("SELECT pg_advisory_unlock(" + std::to_string(key) + ")");
  }

  // Drops a database that may be marked a template (a builder that died after marking it).
  void drop_database(const std::string& name) {
    if (!admin_->database_exists(name)) return;
    admin_->exec("ALTER DATABASE " + detail::quote_name(name) + " WITH IS_TEMPLATE false");
    admin_->exec("DROP DATABASE IF EXISTS " + detail::quote_name(name) + " WITH (FORCE)");
  }

  std::shared_ptr<detail::postgresql_admin> admin_;
  std::string name_;
};

}  // namespace strata::testing
