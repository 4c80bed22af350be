// strata::testing for PostgreSQL: a template database per history, cloned with CREATE DATABASE ... TEMPLATE.
//
// The server is the one libpq's PG* environment variables name; administrative statements run on
// the maintenance database $PGDATABASE (else "postgres"). The template is named "strata_tpl_" and
// 16 hex digits of a hash over the history (each revision's id, down ids, transactional flag, and
// the description and SQL of each upgrade operation), so a changed history gets a template of its
// own, and test processes running the same history share one. It is built once: under an
// advisory lock, as <name>_building_<pid>, then marked a template and renamed into place, so a
// concurrent process never sees a half-built one. Each template is stamped with the
// date it was last used (a comment on the database, once a day); a template starting drops those of
// other histories unused for 14 days.
//
// Clones are made ahead. A CREATE DATABASE copies every file of the template (some 300 for an
// empty database, more for each table and index), which takes tens of milliseconds. From a
// process's first clone() on, background threads (one connection each) keep clones ready,
// connected, while the tests run (one after the first clone(), make_ahead() from the second on),
// and drop released clones; clone() then only takes one. The default is 2 ahead, or
// $STRATA_TESTING_POOL; 0 makes each clone inside clone() and drops it in its destructor.
// At exit, up to two clones made ahead and not used are kept on the server as spares of the
// template (strata_spare_<template oid>_...), and a process's clone() takes a spare when there is
// one (ALTER DATABASE ... RENAME): a test process that needs one database (ctest running each test
// in a process of its own) finds it made by the process before it.
// Clones are named strata_clone_<b>_<n>, <b> being the server process id of the template's own
// connection: a template drops, when it starts, the clones of processes whose connection the
// server no longer has (a test process that was killed), and spares of templates that are gone.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

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

// Database names are identifiers, quoted as everywhere else in strata.
using strata::detail::sql::quote;

// The first line of a libpq message (its continuation lines repeat the statement).
inline std::string first_line(std::string message) {
  if (auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
  return message;
}

// A connection to one database of the PG* server; an unreachable server is a database_unavailable.
inline std::unique_ptr<pqxx::connection> connect_postgresql(const std::string& database) {
  try {
    return std::make_unique<pqxx::connection>("dbname=" + strata::detail::postgresql_sql::conninfo_value(database));
  } catch (const pqxx::broken_connection& e) {
    throw database_unavailable("strata::testing cannot connect to the PostgreSQL database '" + database + "' (" + first_line(e.what()) +
                               "); start the server or set PGHOST, PGPORT, PGUSER and PGPASSWORD to one that runs");
  }
}

// $PGDATABASE, else "postgres": where strata::testing's administrative statements run.
inline std::string maintenance_database() {
  const char* db = std::getenv("PGDATABASE");
  return db != nullptr && *db != '\0' ? db : "postgres";
}

inline pqxx::result run(pqxx::connection& c, const std::string& sql) {
  pqxx::nontransaction n(c);
  return n.exec(sql);
}

// How CREATE DATABASE copies the template: PostgreSQL 15's default WAL_LOG strategy copies a small
// database block by block through the WAL (about 130 ms for an empty one); FILE_COPY copies its
// files (about 30 ms).
inline std::string clone_strategy(const pqxx::connection& c) { return c.server_version() >= 150000 ? " STRATEGY FILE_COPY" : ""; }

// A database created from the template, with its connection.
struct postgresql_clone {
  std::string name;
  std::unique_ptr<pqxx::connection> connection;
};

// The clones of one template: made on demand or ahead by worker threads, dropped on release.
// Thread-safe. stop() (or the destructor) ends the workers and drops what they made and were given,
// or keeps some of what they made as spares for the next process.
class postgresql_clone_pool {
 public:
  explicit postgresql_clone_pool(std::string template_name)
      : admin_(connect_postgresql(maintenance_database())),
        template_(std::move(template_name)),
        strategy_(clone_strategy(*admin_)),
        prefix_("strata_clone_" + std::to_string(admin_->backendpid()) + "_"),
        ahead_(default_ahead()) {}
  // At most this many spares per template are kept on the server.
  static constexpr std::size_t spares_kept = 2;
  postgresql_clone_pool(const postgresql_clone_pool&) = delete;
  postgresql_clone_pool& operator=(const postgresql_clone_pool&) = delete;
  ~postgresql_clone_pool() { stop(true); }

  // The template exists, with this oid: spares of it may be taken and kept from now on.
  void attach(const std::string& template_oid) { spare_prefix_ = "strata_spare_" + template_oid + "_"; }
  [[nodiscard]] const std::string& spare_prefix() const { return spare_prefix_; }

  // The statements that build the template run here (one at a time).
  pqxx::result admin(const std::string& sql) {
    const std::lock_guard lock(admin_mutex_);
    return run(*admin_, sql);
  }
  // A string literal for the admin's statements.
  std::string literal(const std::string& text) {
    const std::lock_guard lock(admin_mutex_);
    return admin_->quote(text);
  }
  [[nodiscard]] const std::string& prefix() const { return prefix_; }

  // Drops the clones of processes whose template connection the server no longer has. Best effort:
  // another process may be dropping the same ones.
  void drop_orphans() {
    const auto orphans = admin(
        "SELECT datname FROM pg_database WHERE (datname ~ '^strata_clone_[0-9]{1,9}_[0-9]+$' "
        "AND split_part(datname, '_', 3)::integer NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)) "
        "OR (datname ~ '^strata_spare_[0-9]{1,10}_' AND split_part(datname, '_', 3)::oid NOT IN "
        "(SELECT oid FROM pg_database WHERE datistemplate AND datname LIKE 'strata\\_tpl\\_%'))");
    for (const auto& row : orphans) {
      try {
        admin("DROP DATABASE IF EXISTS " + quote(row[0].as<std::string>()) + " WITH (FORCE)");
      } catch (const std::exception&) {  // NOLINT: left for the next process to drop
      }
    }
  }

  // A fresh clone: one made ahead; else the one a worker is making; else a spare; else made now.
  postgresql_clone take() {
    std::unique_lock lock(mutex_);
    ++taken_;
    if (ahead_ > 0 && workers_.empty() && !stopping_) start_workers();
    if (ready_.empty() && creating_ > 0) ready_changed_.wait(lock, [&] { return !ready_.empty() || creating_ == 0 || failed_; });
    if (!ready_.empty()) {
      auto clone = std::move(ready_.front());
      ready_.pop_front();
      work_changed_.notify_all();
      return clone;
    }
    failed_ = false;  // a worker failed: try here, so that the error (or the clone) is this call's, and let them try again
    work_changed_.notify_all();
    lock.unlock();
    const std::lock_guard admin_lock(admin_mutex_);
    if (auto spare = claim_spare()) return std::move(*spare);
    return create(*admin_);
  }

  // A clone that is no longer used: dropped by a worker, or now.
  void release(std::string clone) noexcept {
    {
      const std::lock_guard lock(mutex_);
      if (live_ > 0 && !stopping_) {
        released_.push_back(std::move(clone));
        work_changed_.notify_all();
        return;
      }
    }
    const std::lock_guard admin_lock(admin_mutex_);
    drop(*admin_, clone);
  }

  // Waits until the workers are idle: every released clone dropped, and as many clones ready as
  // they keep (or one failed to be made). At once when no workers run.
  void settle() {
    std::unique_lock lock(mutex_);
    ready_changed_.wait(lock, [&] {
      return starting_ == 0 &&
             (live_ == 0 || (released_.empty() && dropping_ == 0 && creating_ == 0 && (ready_.size() >= target() || failed_)));
    });
  }

  [[nodiscard]] std::size_t make_ahead() const {
    const std::lock_guard lock(mutex_);
    return ahead_;
  }
  // Stops the workers (dropping what they made) and sets how many they keep ready when they start again.
  void make_ahead(std::size_t n) {
    stop(false);
    const std::lock_guard lock(mutex_);
    ahead_ = n;
  }

  // keep_spares: up to spares_kept of the clones made ahead stay on the server, for the next process.
  void stop(bool keep_spares) noexcept {
    std::vector<std::thread> workers;
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
      workers.swap(workers_);
    }
    work_changed_.notify_all();
    for (auto& w : workers) w.join();
    std::deque<postgresql_clone> ready;
    std::deque<std::string> released;
    {
      const std::lock_guard lock(mutex_);
      ready.swap(ready_);
      released.swap(released_);
      stopping_ = false;
      failed_ = false;
    }
    ready_changed_.notify_all();  // settle() and take() waiters
    const std::lock_guard admin_lock(admin_mutex_);
    for (auto& c : ready) {
      c.connection.reset();
      if (!keep_spares || !keep_as_spare(c.name)) drop(*admin_, c.name);
    }
    for (const auto& c : released) drop(*admin_, c);
  }

 private:
  static std::size_t default_ahead() {
    const char* v = std::getenv("STRATA_TESTING_POOL");
    if (v == nullptr || *v == '\0') return 2;
    char* end = nullptr;
    const unsigned long n = std::strtoul(v, &end, 10);
    return *end == '\0' && n <= 16 ? n : 2;
  }

  postgresql_clone create(pqxx::connection& c) {
    const auto name = prefix_ + std::to_string(counter_++);
    try {
      run(c, "CREATE DATABASE " + quote(name) + " TEMPLATE " + quote(template_) + strategy_);
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const std::exception& e) {
      throw error("strata::testing could not create a database from the template '" + template_ + "' (" + first_line(e.what()) +
                           "); if the template was dropped or renamed, the next test process builds it again");
    }
    try {
      return {name, connect_postgresql(name)};
    } catch (...) {
      drop(c, name);
      throw;
    }
  }

  // Before DROP or RENAME: the clone's connections, just closed, may not have ended yet in the
  // server (see postgresql_sql::wait_for_no_sessions).
  static void wait_for_no_sessions(pqxx::connection& c, const std::string& database) {
    run(c, strata::detail::postgresql_sql::wait_for_no_sessions(database));
  }
  static void drop(pqxx::connection& c, const std::string& clone) noexcept {
    try {
      wait_for_no_sessions(c, clone);
      run(c, "DROP DATABASE IF EXISTS " + quote(clone) + " WITH (FORCE)");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "strata::testing: could not drop the database %s: %s\n", clone.c_str(), first_line(e.what()).c_str());
    }
  }

  // Names of this template's spares (as many as the query returns), or none before attach().
  std::vector<std::string> spares(std::size_t most) {
    std::vector<std::string> out;
    if (spare_prefix_.empty()) return out;
    for (const auto& row : run(*admin_, "SELECT datname FROM pg_database WHERE left(datname, " + std::to_string(spare_prefix_.size()) +
                                            ") = " + admin_->quote(spare_prefix_) + " ORDER BY datname LIMIT " + std::to_string(most)))
      out.push_back(row[0].as<std::string>());
    return out;
  }

  // A spare renamed to one of this process's clones (another process may take the same one first:
  // then its rename fails, and the next is tried). Called with admin_mutex_ held.
  std::optional<postgresql_clone> claim_spare() {
    std::vector<std::string> candidates;
    try {
      candidates = spares(4);
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const std::exception&) {  // NOLINT: then make one
    }
    for (const auto& spare : candidates) {
      const auto name = prefix_ + std::to_string(counter_++);
      try {
        run(*admin_, "ALTER DATABASE " + quote(spare) + " RENAME TO " + quote(name));
      } catch (const pqxx::sql_error&) {
        continue;  // taken by another process
      }
      try {
        return postgresql_clone{name, connect_postgresql(name)};
      } catch (...) {
        drop(*admin_, name);
        throw;
      }
    }
    return std::nullopt;
  }

  // Renames a clone made ahead (its connection closed) to a spare, unless there are enough.
  // Called with admin_mutex_ held.
  bool keep_as_spare(const std::string& clone) noexcept {
    try {
      if (spare_prefix_.empty() || spares(spares_kept).size() >= spares_kept) return false;
      wait_for_no_sessions(*admin_, clone);  // RENAME refuses a database with connections
      run(*admin_, "ALTER DATABASE " + quote(clone) + " RENAME TO " +
                       quote(spare_prefix_ + std::to_string(admin_->backendpid()) + "_" + std::to_string(counter_++)));
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  // Called with mutex_ held. Each worker connects on its own thread.
  void start_workers() {
    for (std::size_t i = 0; i < ahead_; ++i) {
      ++starting_;
      workers_.emplace_back([this] { work(); });
    }
  }

  void work() {
    std::unique_ptr<pqxx::connection> connection;
    try {
      connection = connect_postgresql(maintenance_database());
    } catch (const std::exception&) {  // NOLINT: take() then makes its clones itself, and reports the error
    }
    std::unique_lock lock(mutex_);
    --starting_;
    if (!connection) {
      failed_ = true;
      ready_changed_.notify_all();
      return;
    }
    ++live_;
    ready_changed_.notify_all();
    auto& c = *connection;
    struct leaving {
      postgresql_clone_pool& pool;
      ~leaving() { --pool.live_; }
    } on_exit{*this};  // runs with mutex_ held: the loop returns holding it
    for (;;) {
      work_changed_.wait(lock, [&] { return stopping_ || wants_clone() || !released_.empty(); });
      if (stopping_) return;
      if (wants_clone()) {
        ++creating_;
        lock.unlock();
        std::optional<postgresql_clone> made;
        try {
          made = create(c);
        } catch (const std::exception&) {  // NOLINT: take() tries again itself and reports its own error
        }
        lock.lock();
        --creating_;
        if (made) ready_.push_back(std::move(*made));
        else failed_ = true;
        ready_changed_.notify_all();
      } else {
        auto clone = std::move(released_.front());
        released_.pop_front();
        ++dropping_;
        lock.unlock();
        drop(c, clone);
        lock.lock();
        --dropping_;
        ready_changed_.notify_all();
      }
    }
  }
  // How many clones are kept ready: one after the first clone(), make_ahead() from the second on.
  std::size_t target() const { return taken_ >= 2 ? ahead_ : std::min<std::size_t>(ahead_, 1); }
  bool wants_clone() const { return !failed_ && ready_.size() + creating_ < target(); }

  std::mutex admin_mutex_;  // guards admin_
  std::unique_ptr<pqxx::connection> admin_;
  const std::string template_;
  const std::string strategy_;
  const std::string prefix_;
  std::string spare_prefix_;  // set by attach(), before any clone is taken
  std::atomic<unsigned long> counter_{0};

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable work_changed_;   // workers wait on it
  std::condition_variable ready_changed_;  // take() and settle() wait on it
  std::size_t ahead_;
  std::size_t taken_ = 0;
  std::size_t creating_ = 0;
  std::size_t dropping_ = 0;
  std::size_t starting_ = 0;  // workers connecting
  std::size_t live_ = 0;      // workers connected and working
  bool stopping_ = false;
  bool failed_ = false;  // a worker could not make a clone; they wait for take() to try again
  std::deque<postgresql_clone> ready_;
  std::deque<std::string> released_;
  std::vector<std::thread> workers_;
};

}  // namespace detail

// A database created from a template, dropped (WITH (FORCE)) when destroyed: by the template's
// workers while they run, else at once. Its connection is open.
template <>
class cloned_database<postgresql> {
 public:
  cloned_database(std::shared_ptr<detail::postgresql_clone_pool> pool, detail::postgresql_clone clone)
      : pool_(std::move(pool)), name_(std::move(clone.name)), url_("postgresql:///" + name_), connection_(std::move(clone.connection)) {}
  cloned_database(cloned_database&& other) noexcept
      : pool_(std::move(other.pool_)),
        name_(std::exchange(other.name_, {})),
        url_(std::exchange(other.url_, {})),
        connection_(std::move(other.connection_)) {}
  cloned_database& operator=(cloned_database&& other) noexcept {
    if (this != &other) {
      drop();
      pool_ = std::move(other.pool_);
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
  [[nodiscard]] pqxx::connection& connection() {
    if (!connection_) connection_ = detail::connect_postgresql(name_);
    return *connection_;
  }
  void execute(const std::string& sql) { detail::run(connection(), sql); }

 private:
  void drop() noexcept {
    connection_.reset();
    if (pool_ && !name_.empty()) pool_->release(std::move(name_));
    name_.clear();
  }

  std::shared_ptr<detail::postgresql_clone_pool> pool_;
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
  database_template(const database_template&) = delete;
  database_template& operator=(const database_template&) = delete;
  // At exit: the workers stop; up to two clones made ahead stay as spares, the others are dropped.
  ~database_template() { pool_->stop(true); }

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

  // A new database at head (strata_clone_<b>_<n>), connected.
  [[nodiscard]] cloned_database<postgresql> clone() { return cloned_database<postgresql>(pool_, pool_->take()); }

  // How many clones are kept ready ahead of clone() once a second one was asked for (2, or
  // $STRATA_TESTING_POOL; one before); setting it drops those made so far.
  [[nodiscard]] std::size_t make_ahead() const { return pool_->make_ahead(); }
  void make_ahead(std::size_t n) { pool_->make_ahead(n); }
  // Waits until the workers are idle: every released clone dropped, and the clones made ahead ready.
  void settle() { pool_->settle(); }
  // The names of this process's clones start with it: "strata_clone_<b>_".
  [[nodiscard]] const std::string& clone_prefix() const { return pool_->prefix(); }
  // The template database's oid, as text.
  [[nodiscard]] const std::string& oid() const { return oid_; }
  // The names of the template's spares start with it: "strata_spare_<template oid>_".
  [[nodiscard]] const std::string& spare_prefix() const { return pool_->spare_prefix(); }

 private:
  database_template() : pool_(std::make_shared<detail::postgresql_clone_pool>(name_)) {
    pool_->drop_orphans();
    drop_unused_templates();
    if (!exists(name_)) build();
    mark_used();
    oid_ = pool_->admin("SELECT oid FROM pg_database WHERE datname = " + pool_->literal(name_))[0][0].as<std::string>();
    pool_->attach(oid_);
  }

  void build() {
    const auto key = std::bit_cast<std::int64_t>(strata::detail::hash_id("strata::testing:" + name_));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    while (pool_->admin("SELECT pg_try_advisory_lock(" + std::to_string(key) + ")")[0][0].as<bool>() == false) {
      if (std::chrono::steady_clock::now() > deadline)
        throw database_locked("strata::testing waited 10 minutes for another process to build the template database '" + name_ +
                              "'; look for a stuck test process holding advisory lock " + std::to_string(key));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto building = name_ + "_building_" + std::to_string(::getpid());
    try {
      if (!exists(name_)) {  // another process may have built it while we waited
        // Leftovers of a process that died while building: nobody else builds under this lock.
        for (const auto& row : pool_->admin("SELECT datname FROM pg_database WHERE datname LIKE " + pool_->literal(name_ + "\\_building\\_%")))
          drop_database(row[0].as<std::string>());
        pool_->admin("CREATE DATABASE " + detail::quote(building));
        {
          auto c = detail::connect_postgresql(building);
          migrator<postgresql>(H{}, *c).upgrade("heads");
        }
        // No connections: CREATE DATABASE ... TEMPLATE refuses a template that has any.
        pool_->admin("ALTER DATABASE " + detail::quote(building) + " WITH ALLOW_CONNECTIONS false IS_TEMPLATE true");
        pool_->admin("ALTER DATABASE " + detail::quote(building) + " RENAME TO " + detail::quote(name_));
      }
    } catch (...) {
      try {
        drop_database(building);
        pool_->admin("SELECT pg_advisory_unlock(" + std::to_string(key) + ")");
      } catch (...) {  // NOLINT: the lock goes with the connection
      }
      throw;
    }
    pool_->admin("SELECT pg_advisory_unlock(" + std::to_string(key) + ")");
  }

  // Templates are stamped "last used <date>" (once a day, by the first process that uses them);
  // those of other histories not used for 14 days are dropped (unstamped ones are stamped, to age
  // from now). Best effort: a template in use or being stamped by another process is left alone.
  static constexpr int unused_days = 14;
  static constexpr std::string_view stamp = "strata::testing template; last used ";
  static std::string stamped_date_sql() {
    return "substring(shobj_description(oid, 'pg_database') from 'last used ([0-9]{4}-[0-9]{2}-[0-9]{2})$')";
  }
  void stamp_today(const std::string& database) {
    const auto today = pool_->admin("SELECT current_date::text")[0][0].as<std::string>();
    pool_->admin("COMMENT ON DATABASE " + detail::quote(database) + " IS " + pool_->literal(std::string(stamp) + today));
  }
  void mark_used() {
    try {
      const auto r = pool_->admin("SELECT " + stamped_date_sql() + " = current_date::text FROM pg_database WHERE datname = " + pool_->literal(name_));
      if (!r.empty() && (r[0][0].is_null() || !r[0][0].as<bool>())) stamp_today(name_);
    } catch (const std::exception&) {  // NOLINT: another process stamped it at the same moment
    }
  }
  void drop_unused_templates() {
    try {
      const auto r = pool_->admin("SELECT datname, " + stamped_date_sql() + " IS NULL, " + stamped_date_sql() + "::date < current_date - " +
                                  std::to_string(unused_days) +
                                  " FROM pg_database WHERE datistemplate AND datname ~ '^strata_tpl_[0-9a-f]{16}$' AND datname <> " +
                                  pool_->literal(name_));
      for (const auto& row : r) {
        const auto database = row[0].as<std::string>();
        try {
          if (row[1].as<bool>()) {
            stamp_today(database);
          } else if (row[2].as<bool>()) {
            pool_->admin("ALTER DATABASE " + detail::quote(database) + " WITH IS_TEMPLATE false");
            try {
              pool_->admin("DROP DATABASE IF EXISTS " + detail::quote(database));
            } catch (const std::exception&) {
              pool_->admin("ALTER DATABASE " + detail::quote(database) + " WITH IS_TEMPLATE true");
            }
          }
        } catch (const std::exception&) {  // NOLINT: left to the next process
        }
      }
    } catch (const std::exception&) {  // NOLINT: pruning is not what the caller asked for
    }
  }

  bool exists(const std::string& database) {
    return !pool_->admin("SELECT 1 FROM pg_database WHERE datname = " + pool_->literal(database)).empty();
  }
  // Drops a database that may be marked a template (a builder that died after marking it).
  void drop_database(const std::string& database) {
    if (!exists(database)) return;
    pool_->admin("ALTER DATABASE " + detail::quote(database) + " WITH IS_TEMPLATE false");
    pool_->admin("DROP DATABASE IF EXISTS " + detail::quote(database) + " WITH (FORCE)");
  }

  std::string name_ = name();
  std::shared_ptr<detail::postgresql_clone_pool> pool_;
  std::string oid_;
};

}  // namespace strata::testing
