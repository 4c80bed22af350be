// strata::Dialect and its optional capabilities: the whole contract between strata and a database.
//
// A dialect is a class bound to one open connection (strata::sqlite, strata::postgresql). Generic
// code (the migrator, the command line, strata::testing) talks to a database only through what this
// header names, and asks for an optional capability with its concept (`if constexpr
// (Inspectable<D>)`), never by the dialect's name. docs/dialects.md walks through writing one.
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <strata/ops.hpp>
#include <strata/owned_schema.hpp>
#include <strata/render.hpp>

namespace strata {

// One revision's work (or a stamp's), handed to Dialect::transaction; in transaction_mode::all, a
// group's: the operations of its revisions one after another (apply() is then called once per
// revision inside body), `revision` the first one's id.
struct unit_of_work {
  std::string_view revision;
  std::span<const operation> operations;
  bool transactional = true;
  std::string_view version_table = "alembic_version";  // what the migration lock guards
};

// ---- Dialect ----------------------------------------------------------------------------------------
//
// Minimal complete definition: every member below.
//   static constexpr std::string_view name;          // "sqlite", "postgresql": for messages and file names
//   using sql = <SqlTraits>;                         // its SQL, rendered with no connection (strata/render.hpp):
//       // strata::render<D::sql>(operations, schema) shows what apply() runs
//   static constexpr <range of std::string_view> schemes;
//       // the URL schemes a front end routes to this dialect ("sqlite"; "postgresql", "postgres")
//   std::vector<std::string> read_versions(std::string_view version_table);
//       // the version table's rows, sorted; empty when the table does not exist
//   void write_versions(std::string_view version_table, const std::vector<std::string>& rows);
//       // replaces the rows, creating the table in Alembic's layout when missing
//       // (version_num VARCHAR(32) NOT NULL, CONSTRAINT <table>_pkc PRIMARY KEY (version_num));
//       // called inside transaction()
//   void transaction(const unit_of_work& unit, const std::function<void()>& body);
//       // takes the migration lock that guards unit.version_table, begins a transaction (none when
//       // !unit.transactional), runs body, commits; on any exception rolls back and rethrows.
//       // A lock not had in time throws strata::database_locked. A dialect may roll back and run
//       // body again (PostgreSQL, after its lock_timeout): body is repeatable.
//   void apply(std::span<const operation> operations);
//       // runs the operations inside transaction()'s body: the statements D::sql renders for them
//       // (planned with the live tables where the traits need them), plus what only the running
//       // database knows, which the dialect documents; a failure throws strata::operation_failed
//       // naming the operation and the database's message
//   std::string location() const;
//       // where the dialect points, for messages: its URL with any password masked
// and, for the command layer (strata::commands::open, manage_db), which opens a database by URL:
//   explicit D(std::string_view url);
//       // connects to the database the URL names (one of D::schemes); strata::malformed_url for a
//       // URL it does not take, strata::database_unavailable when it cannot connect
//
// Laws:
//   - Everything an operation needs is passed to it: no call depends on an earlier one (the version
//     table a lock guards comes with the unit of work, not from a previous read).
//   - What runs is what renders: for operations applied to the schema a history replays,
//     apply() executes the statements strata::render<D::sql> gives, in order.
//   - read_versions inside body() sees the rows as of the lock: another process may have migrated
//     while this one waited, and the migrator skips what it finds done.
//   - write_versions and apply inside one transactional unit commit or roll back together: a failed
//     revision leaves every row and the version table as they were.
//   - Errors are strata exceptions whose what() is one sentence saying what to do, and never shows a
//     password: malformed_url, database_unavailable (cannot connect or write), database_locked,
//     operation_failed.
// Models: strata::sqlite (strata/dialect/sqlite.hpp), strata::postgresql (strata/dialect/postgresql.hpp).
template <class D>
concept Dialect = SqlTraits<typename D::sql> &&
                  requires(D& d, const D& cd, std::string_view table, const std::vector<std::string>& rows,
                           const unit_of_work& unit, const std::function<void()>& body, std::span<const operation> ops) {
  { D::name } -> std::convertible_to<std::string_view>;
  { *std::begin(D::schemes) } -> std::convertible_to<std::string_view>;
  { d.read_versions(table) } -> std::same_as<std::vector<std::string>>;
  d.write_versions(table, rows);
  d.transaction(unit, body);
  d.apply(ops);
  { cd.location() } -> std::convertible_to<std::string>;
};

// Whether a URL scheme ("sqlite", "postgres") is one of D's.
template <Dialect D>
constexpr bool handles_scheme(std::string_view scheme) {
  return std::any_of(std::begin(D::schemes), std::end(D::schemes), [&](std::string_view s) { return s == scheme; });
}

// ---- HoldsMigrationLock: one lock for several units of work ---------------------------------------------

// A model keeps the migration lock that guards a version table across several units of work (the
// revisions of one upgrade), so that each costs no round trips for it:
//   void hold_migration_lock(std::string_view version_table, const std::function<void()>& body);
//       // takes the lock as transaction() would (strata::database_locked when not had in time), runs
//       // body, and releases it, also when body throws
// Laws:
//   - transaction() (and drop_objects) for that version table inside body do not take the lock
//     again; for another table they take its lock as usual.
//   - Between units no transaction is open, and waiting for the lock holds no snapshot, so a
//     non-transactional unit inside body (CREATE INDEX CONCURRENTLY) waits for nobody who waits for
//     it; read_versions inside each unit's body sees the rows as of the lock, as before.
// The migrator holds it for the steps of one upgrade or downgrade. Models: strata::postgresql.
template <class D>
concept HoldsMigrationLock = Dialect<D> && requires(D& d, std::string_view version_table, const std::function<void()>& body) {
  d.hold_migration_lock(version_table, body);
};

// ---- Inspectable: the live schema, as a strata::schema and as a list of objects ----------------------

// One object of a live database's schema.
struct database_object {
  std::string type;                  // "table", "index", "view", "trigger" (a dialect may add its own kinds)
  std::string name;
  std::string table;                 // the table an index or trigger belongs to; empty otherwise
  std::vector<std::string> columns;  // a table's columns in order; empty otherwise
  friend bool operator==(const database_object&, const database_object&) = default;
};

// A model provides, besides Dialect:
//   owned_schema inspect();
//       // the schema the connection migrates, as a strata::schema that owns its text: every table
//       // (the version table included; the database's own, such as sqlite_sequence, left out) with
//       // its columns in order (the type strata declares for a type_kind maps back to it, any other
//       // is a strata::sql_type of the database's name for it; NULL; default; autoincrement for a
//       // column a sequence or the rowid feeds, then without its default), its primary key, unique
//       // constraints and foreign keys as table constraints (named if the database keeps names), and
//       // every index that backs no constraint
//   Law: a history migrated by the dialect inspects as its replay (strata::differences(replay, inspect())
//   lists strata's own tables only: the version table, and its history table where the dialect keeps
//   one): manage_db validate relies on it.
//   std::vector<database_object> objects();
//       // every table, index, view and trigger of the schema the connection migrates, the version
//       // table included, in an order in which they can be dropped (dependents first); objects the
//       // database manages itself (SQLite's sqlite_sequence and automatic indexes) are left out
//   void drop_objects(const std::vector<database_object>& objects, std::string_view version_table);
//       // drops them, in the given order, in one transaction under the migration lock that guards
//       // version_table; on failure nothing is dropped and strata::operation_failed names the object
// Models: strata::sqlite, strata::postgresql.
template <class D>
concept Inspectable = Dialect<D> && requires(D& d, const std::vector<database_object>& objects, std::string_view version_table) {
  { d.inspect() } -> std::same_as<owned_schema>;
  { d.objects() } -> std::same_as<std::vector<database_object>>;
  d.drop_objects(objects, version_table);
};

// ---- KeepsHistory: strata's history table, the audit of every upgrade, downgrade and stamp -----------

// The name of the table of strata's own that keeps the history of a version table's database: the
// version table keeps Alembic's exact layout, so strata's records live beside it.
inline std::string history_table(std::string_view version_table) { return std::string(version_table) + "_history"; }
// Whether a table is one of strata's own for that version table (the version table, its history table).
inline bool is_strata_table(std::string_view table, std::string_view version_table) {
  return table == version_table || table == history_table(version_table);
}

// One row of the history table: one upgrade, downgrade, stamp, repair or adoption of a revision.
struct history_record {
  std::int64_t id = 0;            // the row's number, in the order rows were written
  std::string revision;           // the revision's id; a stamp's target rows, joined with ", " ("base": none)
  std::string direction;          // "upgrade", "downgrade", "stamp", "repair", "adopt"
  std::string started_at;         // UTC, ISO 8601 to the millisecond: "2026-12-02T09:30:00.123Z"
  std::int64_t duration_ms = 0;
  std::string outcome;            // "started" (never finished, or still running), "succeeded", "failed"
  std::string error;              // a failure's one sentence
  std::string checksum;           // the revision's checksum ("v1:..."), for upgrade, repair and adopt
  std::string progress;           // a revision outside a transaction: the operations done, one a line
  std::string application;        // who ran it: the program, the host, the database's user
  std::string host;
  std::string database_user;      // written by the dialect: the connection's user (empty where there is none)

  friend bool operator==(const history_record&, const history_record&) = default;
};

namespace detail {
// The history table's columns after its id (which each dialect declares its own way), in order.
inline constexpr std::string_view history_columns =
    "revision TEXT NOT NULL, direction VARCHAR(16) NOT NULL, started_at VARCHAR(32) NOT NULL, duration_ms BIGINT NOT NULL, "
    "outcome VARCHAR(16) NOT NULL, error TEXT NOT NULL, checksum VARCHAR(64) NOT NULL, progress TEXT NOT NULL, "
    "application TEXT NOT NULL, host TEXT NOT NULL, database_user TEXT NOT NULL";
inline constexpr std::string_view history_select =
    "SELECT id, revision, direction, started_at, duration_ms, outcome, error, checksum, progress, application, host, database_user FROM ";
}  // namespace detail

// A model keeps the history table (strata::history_table(version_table)):
//   std::vector<history_record> read_history(std::string_view version_table);
//       // its rows, oldest first; empty when the table does not exist
//   std::int64_t write_history(std::string_view version_table, const history_record& record);
//       // record.id 0: inserts it (the database's user filled in) and returns its id; otherwise
//       // updates that row's duration_ms, outcome, error and progress and returns the id, or 0 when
//       // there is no such row (the transaction that wrote it was rolled back). Creates the
//       // table when missing. Inside transaction()'s body it writes in the unit's transaction (none for
//       // a non-transactional unit: it commits at once), so that a revision rolled back leaves no row
//       // (nor a table it created); outside, in a transaction of its own.
// Laws: a row written is read back field for field; never a password in any of them.
// Models: strata::sqlite, strata::postgresql.
template <class D>
concept KeepsHistory = Dialect<D> && requires(D& d, std::string_view version_table, const history_record& record) {
  { d.read_history(version_table) } -> std::same_as<std::vector<history_record>>;
  { d.write_history(version_table, record) } -> std::same_as<std::int64_t>;
};

// ---- WritesHistoryRows: a group's history rows at once ----------------------------------------------

// A model of KeepsHistory that inserts several new rows (each with id 0) together:
//   void write_history_rows(std::string_view version_table, std::span<const history_record> records);
//       // inside transaction()'s body, in the unit's transaction, together (PostgreSQL: one INSERT,
//       // one round trip; SQLite: one prepared INSERT);
//       // creates the table when missing; the rows get ids in the given order
// The migrator writes the rows of a group of revisions (transaction_mode::all) with it, instead of
// one write_history() a revision. Models: strata::sqlite, strata::postgresql.
template <class D>
concept WritesHistoryRows = KeepsHistory<D> && requires(D& d, std::string_view version_table, std::span<const history_record> records) {
  d.write_history_rows(version_table, records);
};

// ---- HoldsStatements: the statements of a group sent together -------------------------------------------

// A dialect whose every statement is a round trip may hold the statements that operations render in a
// transaction and send several revisions' in one (its next read or write sends what it holds):
//   void hold_statements(std::size_t k);   // inside transaction()'s body, before apply(): what apply()
//                                          // renders from here on is the group's k-th revision's, held
//   void send_held();                      // sends what is held and holds no more
//   std::optional<std::size_t> held_failed_at() const;
//       // after an exception out of the body: the k of the revision whose held statement failed
//       // (none when the failure was elsewhere); the exception is the one that statement run alone
//       // would have thrown, so that a failure names its revision, operation and statement exactly
// A held statement is not sent before the body's next read or write, so a data migration
// (op::run) and the revision's bookkeeping see it applied. Model: strata::postgresql.
template <class D>
concept HoldsStatements = Dialect<D> && requires(D& d, const D& cd, std::size_t k) {
  d.hold_statements(k);
  d.send_held();
  { cd.held_failed_at() } -> std::same_as<std::optional<std::size_t>>;
};

// ---- FindsLeftovers: what an interrupted revision left ------------------------------------------------

// An index that operations create, found in the live database.
struct leftover_index {
  std::string name;
  bool valid = false;       // complete (PostgreSQL: pg_index.indisvalid); false: a failed CREATE INDEX CONCURRENTLY's
  std::string drop_sql;     // the statement that removes it
};

// A model says which indexes the operations create exist, and whether each is complete:
//   std::vector<leftover_index> leftover_indexes(std::span<const operation> operations);
// Models: strata::postgresql.
template <class D>
concept FindsLeftovers = Dialect<D> && requires(D& d, std::span<const operation> operations) {
  { d.leftover_indexes(operations) } -> std::same_as<std::vector<leftover_index>>;
};

// ---- ReportsProgress: long work reported as it goes ----------------------------------------------------

// How far one piece of long work (a table rebuild, a backfill) has got. `total` is 0 when unknown.
struct progress {
  std::string_view task;  // "rebuilding table 'stocks'"
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  std::chrono::steady_clock::duration elapsed{};  // since the work started

  // Rows (or whatever `done` counts) a second so far; 0 before a millisecond has passed.
  [[nodiscard]] double rate() const {
    const auto seconds = std::chrono::duration<double>(elapsed).count();
    return seconds < 0.001 ? 0.0 : static_cast<double>(done) / seconds;
  }
  // The time left at that rate; none while unknown (no total, nothing done yet).
  [[nodiscard]] std::optional<std::chrono::seconds> remaining() const {
    const auto r = rate();
    if (total == 0 || done == 0 || r <= 0.0) return std::nullopt;
    const auto left = total > done ? static_cast<double>(total - done) : 0.0;
    return std::chrono::seconds(static_cast<std::int64_t>(left / r + 0.5));
  }
};

// A model reports the progress of long work to a listener, which it calls from inside apply() (so
// on the migrating thread): at the start with done = 0, every so often, and at the end with
// done = total. No listener (the default) costs nothing.
// elapsed counts from the start; a listener gets rate() and remaining() from it.
//   void on_progress(std::function<void(const progress&)> listener);
// Models: strata::sqlite (rebuilds, backfills), strata::postgresql (backfills).
template <class D>
concept ReportsProgress = Dialect<D> && requires(D& d, std::function<void(const progress&)> listener) {
  d.on_progress(std::move(listener));
};

// ---- ResumesBackfills: a backfill that commits batch by batch and goes on where it stopped ----------

// A model runs op::backfill in batches keyed on the table's primary key (D::sql's
// backfill_batches), and outside a transaction (a non-transactional unit) commits each batch on
// its own. It says where each batch got to, and starts a backfill where an earlier run stopped:
//   void on_backfill_batch(std::function<void(std::string_view last_key)> listener);
//       // called after each batch's UPDATE, inside the batch's transaction, with the last key it
//       // reached (as text): what the listener writes (the history table's progress) commits with
//       // the batch. None (the default, or an empty function) costs nothing.
//   void resume_backfill_after(std::string last_key);
//       // the next backfill apply() runs starts after that key instead of at the first row
// Laws: a batch's rows and what the listener wrote commit together or not at all; a backfill
// resumed after the key a committed batch reported updates no row that batch updated. A table
// without a primary key of one column is refused (strata::operation_failed) before any change.
// The migrator records the key in the history table and resumes an interrupted or failed
// non-transactional revision at its backfill (docs/large_tables.md).
// Models: strata::postgresql. (strata::sqlite runs a revision in one transaction, batches and all:
// nothing is left to resume.)
template <class D>
concept ResumesBackfills = Dialect<D> && requires(D& d, std::function<void(std::string_view)> listener, std::string key) {
  d.on_backfill_batch(std::move(listener));
  d.resume_backfill_after(std::move(key));
};

// ---- ReportsStatements: the SQL that runs ------------------------------------------------------------

// A model tells a listener each statement it executes for operations, as D::sql rendered it, just
// before running it, or, where it holds statements (HoldsStatements), when it holds it (from inside
// apply(), on the migrating thread). What the dialect runs besides
// (locks, the version table, pragmas that save and restore a connection's settings, SQLite's
// probes of views and triggers and its sqlite_sequence carry-over) is not reported. No listener
// (the default) costs nothing.
//   void on_statement(std::function<void(std::string_view)> listener);
// Models: strata::sqlite, strata::postgresql.
template <class D>
concept ReportsStatements = Dialect<D> && requires(D& d, std::function<void(std::string_view)> listener) {
  d.on_statement(std::move(listener));
};

// ---- ExecutesSql: statements outside the migrator ----------------------------------------------------

// A model runs SQL on its connection as it is, outside any transaction strata opens (tests use it
// to set up rows; a statement error is a strata::operation_failed), and isolates a test in a
// transaction that is rolled back at its end:
//   void execute(std::string_view sql);     // inside the test transaction while one is open
//   void begin_test_transaction();          // a transaction (SQLite: a SAVEPOINT; PostgreSQL: a
//                                           // pqxx::work, and a pqxx::subtransaction in it)
//   void rollback_test_transaction();       // undoes everything since begin_test_transaction()
//   auto& test_transaction();               // between the two: the native object a test writes
//       // through (SQLite: the SQLite::Database, every statement of which runs in the savepoint;
//       // PostgreSQL: the pqxx::subtransaction, as pqxx::dbtransaction&). Code that commits it, or
//       // commits a transaction it nests in it, releases a savepoint and ends nothing: the test
//       // transaction itself is never handed out.
// Laws: after rollback_test_transaction() the database is as it was before
// begin_test_transaction(), whatever was written or committed through test_transaction(), and the
// connection is usable as before.
// Models: strata::sqlite, strata::postgresql.
template <class D>
concept ExecutesSql = Dialect<D> && requires(D& d, std::string_view sql) {
  d.execute(sql);
  d.begin_test_transaction();
  d.rollback_test_transaction();
  d.test_transaction();
};

// ---- PreparesLocation: what a URL needs before it can be opened ---------------------------------------

// A model creates what its URL needs and lacks before a connection can be opened (a SQLite file's
// folder), and says whether it made anything:
//   static bool prepare_location(std::string_view url);
// Throws strata::malformed_url for a URL it does not take, strata::database_unavailable when it
// cannot make what is missing. Models: strata::sqlite.
template <class D>
concept PreparesLocation = Dialect<D> && requires(std::string_view url) {
  { D::prepare_location(url) } -> std::convertible_to<bool>;
};

// ---- HasSchemas: one database, several schemas, each migrated on its own ----------------------------

// A model's database holds schemas (namespaces of tables), and a connection migrates one of them,
// its version table in it (one schema per tenant): `manage_db upgrade --all-schemas` upgrades each.
//   std::vector<std::string> schemas();
//       // the schemas of the connected database, sorted by name, without the database's own
//       // (its catalogue, information schema, temporary and TOAST schemas)
//   void use_schema(std::string_view schema);
//       // migrates `schema` from now on, on the same connection (a worker of
//       // commands::upgrade_each goes from schema to schema without connecting again); called
//       // between migrations only. A schema that does not exist is created by the first migration.
// Law: after d.use_schema(s), d migrates s: its version table and what its revisions create are in
// s, as on a connection opened to s.
// Models: strata::postgresql (use_schema: what the URL's ?schema= does).
template <class D>
concept HasSchemas = Dialect<D> && requires(D& d, std::string_view schema) {
  { d.schemas() } -> std::same_as<std::vector<std::string>>;
  d.use_schema(schema);
};

// ---- BacksUp: a copy of the database before a migration --------------------------------------------

// Where a backup goes and what it is called.
struct backup_options {
  std::string stamp;      // UTC time, "20261202T091500Z": part of the file's name
  std::string directory;  // the folder to write it in; empty: the dialect's default
};

// What a backup wrote.
struct backup_made {
  std::string file;  // the path written
  std::string tool;  // how: "SQLite's online backup", "pg_dump"
};

// A model copies the database it is connected to into one file, before a migration
// (manage_db upgrade --backup), and says where:
//   backup_made backup(const backup_options& options);
// The file's name holds options.stamp and never replaces an existing file. The copy is consistent
// (a snapshot) even while other connections write. A password never appears on a command line the
// dialect runs, nor in a message. Any failure is strata::backup_failed, saying what to do, with no
// file left behind. Models: strata::sqlite (the online backup API: <database>.<stamp>.bak beside
// the database file), strata::postgresql (pg_dump: <database>.<stamp>.sql in the working directory).
template <class D>
concept BacksUp = Dialect<D> && requires(D& d, const backup_options& options) {
  { d.backup(options) } -> std::same_as<backup_made>;
};

// ---- Provisionable: databases made and dropped for tests ----------------------------------------------
//
// strata::testing (the fixtures, STRATA_MIGRATION_TESTS, the clone pool) makes throwaway databases
// through the dialect's member type D::provisioner: a session on the place where the dialect's
// databases live (SQLite: a folder of files; PostgreSQL: a server). Databases are named by the
// caller, with letters, digits and '_' only, at most 63 characters.
//
// Minimal complete definition:
//   D::provisioner();                  // the place tests use (SQLite: the temporary folder; PostgreSQL:
//                                      // the server libpq's PG* variables name), or
//                                      // strata::database_unavailable when it cannot be reached
//   static bool unreachable_fails();   // whether a test whose place cannot be reached fails (true) or
//                                      // is skipped (false)
//   std::string session() const;       // this session's id, letters and digits, unique among the live
//                                      // sessions of the place (a process id, a server process id)
//   std::string url(std::string_view name) const;            // a URL that D (and code under test) opens it with
//   D open(std::string_view name);                           // a connection to it, as tests get it
//   void create(std::string_view name);                      // a new, empty database
//   void drop(std::string_view name);                        // removes it, ending its sessions; none is no error
//   std::vector<std::string> list(std::string_view prefix);  // the names that start with prefix, sorted
// and, on the dialect, the native connection a test is handed: `d.database()` (SQLite::Database&,
// pqxx::connection&).
//
// Laws:
//   - After create(name), open(name) is an empty database (objects() of an Inspectable is empty) and
//     list() names it; after drop(name) list() does not. create() of a name that exists throws.
//   - Not reaching the place is strata::database_unavailable; any other failure is a strata::error
//     whose what() is one sentence, without a password.
//   - A provisioner is used by one thread at a time; each thread may have its own. url() and open()
//     are the exception: they use none of its session (open() makes a connection of its own), so
//     one thread may call them while another runs a statement (strata::testing's clone pool does).
// Models: strata::sqlite (strata/dialect/sqlite_provisioning.hpp), strata::postgresql
// (strata/dialect/postgresql_provisioning.hpp).
template <class D>
concept Provisionable = Dialect<D> && requires(D& d, typename D::provisioner& p, const typename D::provisioner& cp, std::string_view name) {
  requires std::default_initializable<typename D::provisioner>;
  { D::provisioner::unreachable_fails() } -> std::convertible_to<bool>;
  { cp.session() } -> std::convertible_to<std::string>;
  { cp.url(name) } -> std::convertible_to<std::string>;
  { p.open(name) } -> std::same_as<D>;
  p.create(name);
  p.drop(name);
  { p.list(name) } -> std::same_as<std::vector<std::string>>;
  d.database();
};

// ---- ClonesDatabases: copies made by the place itself, and what a clone pool needs around them --------
//
// A Provisionable whose place copies a database itself (PostgreSQL: CREATE DATABASE ... TEMPLATE;
// SQLite: a file copy). strata::testing::clone_pool (strata/testing/clone_pool.hpp) keeps there a
// template per history, shared by test processes, and clones of it made ahead. D::provisioner
// also provides:
//   void copy(std::string_view source, std::string_view name);   // a new database, a copy of source
//   void mark_template(std::string_view name);      // a source of copies from now on, which no session
//                                                   // writes (drop() takes the mark off)
//   void rename(std::string_view from, std::string_view to);     // throws when `from` is not there
//   std::string identity(std::string_view name);    // letters and digits that change when a database of
//                                                   // that name is made anew (PostgreSQL: its oid)
//   bool alive(std::string_view session);           // whether that session() (of any process) still lives
//   std::optional<std::string> note(std::string_view name);       // a line of text kept with a database
//   void note(std::string_view name, std::string_view text);    // throws when there is no such database
//   bool try_lock(std::string_view key);            // a lock across processes, held by this session until
//   void unlock(std::string_view key);              // unlock() or until the session ends
// Laws:
//   - Of two sessions renaming one database at once, one succeeds and the other throws.
//   - When a session ends (its process dies), its locks are released and alive() of it is false.
// Models: strata::sqlite, strata::postgresql.
template <class D>
concept ClonesDatabases = Provisionable<D> && requires(typename D::provisioner& p, std::string_view name) {
  p.copy(name, name);
  p.mark_template(name);
  p.rename(name, name);
  { p.identity(name) } -> std::convertible_to<std::string>;
  { p.alive(name) } -> std::convertible_to<bool>;
  { p.note(name) } -> std::same_as<std::optional<std::string>>;
  p.note(name, name);
  { p.try_lock(name) } -> std::convertible_to<bool>;
  p.unlock(name);
};

// ---- AbandonsStatements: a provisioner let go of without waiting -------------------------------------
//
// A ClonesDatabases whose provisioner can be abandoned from another thread: the statement it runs
// returns at once (with an error) while the place still finishes it, and every later one fails.
// strata::testing's clone pool abandons its workers at exit, so that a process does not wait for
// a copy or a drop in progress (strata/testing/clone_pool.hpp). D::provisioner also provides:
//   void abandon() noexcept;    // from any thread
// Models: strata::postgresql (the connection's socket is shut down; the server process finishes the
// statement and commits it, then finds the client gone).
template <class D>
concept AbandonsStatements = ClonesDatabases<D> && requires(typename D::provisioner& p) {
  { p.abandon() } noexcept;
};

// ---- ClaimsInPlace: a spare copy taken with one connection -------------------------------------------
//
// A ClonesDatabases whose copies a test process can take by connecting to one and noting it in use,
// without a session on the place first. strata::testing's clone pool leaves spare copies at a
// process's exit and notes their names on the machine (clone_pool.hpp); the next process's first
// clone is one of them, opened with one connection where it took two (PostgreSQL: each is an
// authentication and a server process, tens of milliseconds). D::provisioner also provides:
//   static std::string place();         // the place as this process reaches it, read from its
//                                       // environment without connecting (no password): what names
//                                       // the machine's record of spares
//   static std::string url(std::string_view name);          // url() without a provisioner
//   static std::optional<D> claim_in_place(std::string_view name, std::string_view note);
//                                       // a connection to it, the database noted `note` followed by
//                                       // that connection's session id; none when it cannot be (gone,
//                                       // not made yet)
//   bool claim(std::string_view from, std::string_view to); // renames `from` when no session is on it
//                                       // and it has no note, without waiting; false otherwise
// Law: a database noted by claim_in_place() is not claim()ed, and its note's session is alive() while
// that connection is open.
// Models: strata::postgresql.
template <class D>
concept ClaimsInPlace = ClonesDatabases<D> && requires(typename D::provisioner& p, std::string_view name) {
  { D::provisioner::place() } -> std::convertible_to<std::string>;
  { D::provisioner::url(name) } -> std::convertible_to<std::string>;
  { D::provisioner::claim_in_place(name, name) } -> std::same_as<std::optional<D>>;
  { p.claim(name, name) } -> std::same_as<bool>;
};

// ---- SnapshotsDatabases: a database as bytes ---------------------------------------------------------
//
// A Provisionable that copies an open database into bytes and opens a private copy of them without
// the place (SQLite: sqlite3_serialize and sqlite3_deserialize into an in-memory database).
// strata::testing prefers it to copies made by the place: a copy is a memcpy. D::provisioner also
// provides:
//   static std::vector<unsigned char> snapshot(D& d);              // d's database, as bytes
//   static D open_snapshot(std::span<const unsigned char> image);  // a copy of them only this
//                                                                  // connection sees; an empty image
//                                                                  // is an empty database
//   void write(std::string_view name, std::span<const unsigned char> image);   // a new database of them
// Law: open_snapshot(snapshot(d)) and open(name) after write(name, snapshot(d)) hold what d held.
// Models: strata::sqlite.
template <class D>
concept SnapshotsDatabases = Provisionable<D> && requires(D& d, typename D::provisioner& p, std::string_view name,
                                                          std::span<const unsigned char> image) {
  { D::provisioner::snapshot(d) } -> std::same_as<std::vector<unsigned char>>;
  { D::provisioner::open_snapshot(image) } -> std::same_as<D>;
  p.write(name, image);
};

class byte_image;  // strata/byte_image.hpp, which a dialect that KeepsSnapshots includes

// ---- KeepsSnapshots: a snapshot template kept across processes ---------------------------------------
//
// A SnapshotsDatabases whose place also ClonesDatabases and reads a database back as bytes: there
// strata::testing keeps the history's template (strata_tpl_<hash>), built once under the place's
// lock and read by every later test process instead of migrating its own. D::provisioner also
// provides:
//   static provisioner for_templates();      // the place templates are kept (SQLite: $STRATA_TEMPLATE_DIR,
//                                            // else the temporary folder)
//   std::optional<byte_image> read(std::string_view name);   // its bytes (SQLite: the file, mapped);
//                                                            // none when there is no such database
// Laws: read(name) after write(name, image) is the image; a rename() into `name` is seen whole or
// not; identity(name) changes whenever the bytes do (SQLite: the file's modification time, set to
// the clock's full precision, and its size), and a rename keeps it: strata::testing trusts a kept
// template whose identity is the one noted with its digest, without reading all its bytes, and
// where the clones' place is the templates' it has the place copy it (copy()) instead of reading it.
// Models: strata::sqlite.
template <class D>
concept KeepsSnapshots = SnapshotsDatabases<D> && ClonesDatabases<D> && requires(typename D::provisioner& p, std::string_view name) {
  { D::provisioner::for_templates() } -> std::same_as<typename D::provisioner>;
  { p.read(name) } -> std::same_as<std::optional<byte_image>>;
};

namespace detail {

// What a dialect says when a table of the version table's name is not Alembic's version table.
inline std::string version_table_of_another_layout(std::string_view table) {
  return "the table '" + std::string(table) + "' exists with another layout than Alembic's version table (it has no version_num "
         "column), so it cannot say which revision the database is at; if it is the application's own table, keep strata's versions "
         "in another one with version_table = <name> in strata.ini (migrator_options::version_table), else rename or drop it";
}

// Tables ordered so that each comes before the tables it references, for dropping them:
// `references` holds (referencing, referenced) name pairs, compared with `same_name`. Among tables
// free to go, the earliest in the given order goes first; a cycle is broken the same way.
template <class SameName>
std::vector<database_object> children_first(std::vector<database_object> tables,
                                            const std::vector<std::pair<std::string, std::string>>& references, SameName same_name) {
  const auto n = tables.size();
  auto index = [&](const std::string& name) {
    for (std::size_t i = 0; i < n; ++i)
      if (same_name(tables[i].name, name)) return i;
    return n;
  };
  std::vector<std::vector<std::size_t>> parents(n);
  std::vector<std::size_t> children(n, 0);  // referencing tables not placed yet
  for (const auto& [child, parent] : references) {
    const auto c = index(child), p = index(parent);
    if (c == n || p == n || c == p || std::find(parents[c].begin(), parents[c].end(), p) != parents[c].end()) continue;
    parents[c].push_back(p);
    ++children[p];
  }
  std::vector<database_object> out;
  std::vector<bool> placed(n, false);
  while (out.size() < n) {
    std::size_t next = n;
    for (std::size_t i = 0; i < n && next == n; ++i)
      if (!placed[i] && children[i] == 0) next = i;
    for (std::size_t i = 0; i < n && next == n; ++i)  // a cycle
      if (!placed[i]) next = i;
    placed[next] = true;
    for (auto p : parents[next]) --children[p];
    out.push_back(std::move(tables[next]));
  }
  return out;
}

}  // namespace detail

}  // namespace strata
