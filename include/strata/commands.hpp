// strata::commands: every manage_db verb as a function that returns a value (Alembic's command.py):
// open, status, current, heads, history, show, validate, plan_reset/reset, upgrade, downgrade and
// stamp; migrate and merge, which write revision files, are in strata/revision_files.hpp (which
// brings <filesystem> and file I/O, so that this header stays light for strata.hpp). Front ends
// (strata::cli, strata::manager) call them and render what they return.
//
//   auto m = strata::migrator<strata::sqlite>(history{}, "sqlite:///app.db");
//   const auto s = strata::commands::status(m);
//   if (s.needs_upgrade) strata::commands::upgrade(m);
//
// The values carry data, not text to print. Errors are exceptions, the migrator's own where it throws
// them (strata::revision_not_found, strata::migration_failed, strata::database_locked ...).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <strata/dialect.hpp>
#include <strata/errors.hpp>
#include <strata/graph.hpp>
#include <strata/history.hpp>
#include <strata/migrator.hpp>
#include <strata/ops.hpp>
#include <strata/schema.hpp>
#include <strata/schema_diff.hpp>
#include <strata/url.hpp>

namespace strata::commands {

// A command called with arguments it cannot work with (merge with fewer than two revisions).
class usage_error : public error {
 public:
  using error::error;
};

// ---- Opening a database -----------------------------------------------------------------------------

namespace detail {
// What to say when none of Ds takes the URL's scheme.
template <Dialect... Ds>
std::string unknown_scheme(std::string_view scheme) {
  std::string known;
  ((known += (known.empty() ? "" : ", ") + std::string(Ds::name) + "://"), ...);
  return "the URL's scheme '" + std::string(scheme) + "' is not one this program was built for; use one of " + known;
}
}  // namespace detail

// A migrator on the database the URL names, of the first of Ds whose schemes hold the URL's scheme,
// over the given revisions (a history's `revisions`, which outlive it). When the dialect cannot open
// it, it makes what the URL's location lacks (PreparesLocation: a SQLite file's folder) and tries
// again. Throws strata::malformed_url for a URL none of Ds takes, and what the dialect throws
// (strata::database_unavailable ...).
template <Dialect... Ds>
  requires(sizeof...(Ds) > 0)
std::variant<migrator<Ds>...> open(std::span<const revision_info> revisions, std::string_view url, const migrator_options& options = {}) {
  const auto scheme = database_url::parse(url).scheme;
  std::optional<std::variant<migrator<Ds>...>> opened;
  auto try_one = [&]<class D>() {
    if (opened || !handles_scheme<D>(scheme)) return;
    try {
      opened.emplace(std::in_place_type<migrator<D>>, revisions, options, url);
    } catch (const database_unavailable&) {
      if constexpr (PreparesLocation<D>) {
        if (!D::prepare_location(url)) throw;
        opened.emplace(std::in_place_type<migrator<D>>, revisions, options, url);
      } else {
        throw;
      }
    }
  };
  (try_one.template operator()<Ds>(), ...);
  if (!opened) throw malformed_url(detail::unknown_scheme<Ds...>(scheme));
  return std::move(*opened);
}

// The same over the revisions of history H.
template <History H, Dialect... Ds>
  requires(sizeof...(Ds) > 0)
std::variant<migrator<Ds>...> open(std::string_view url, const migrator_options& options = {}) {
  static_assert(reviewed<H>);
  return open<Ds...>(std::span<const revision_info>(H::revisions), url, options);
}

// ---- Revisions as the commands list them ----------------------------------------------------------

// One revision as status, current and heads list it, or a version row the history lacks.
struct revision_entry {
  std::string id;
  std::string message;      // empty for a row the history lacks
  bool head = false;        // no revision follows it
  bool in_history = true;   // false for a version row that names no revision of the history

  friend bool operator==(const revision_entry&, const revision_entry&) = default;
};

// What the history says about one revision.
struct revision_node {
  std::string id;
  std::vector<std::string> down_revisions;  // empty for the base
  std::vector<std::string> next;            // the revisions that follow it (name it as a down revision)
  std::string message;
  bool head = false;           // nothing follows it
  bool branch_point = false;   // several revisions follow it
  bool merge_point = false;    // it follows several revisions
  bool transactional = true;
};

namespace detail {

inline bool is_head(const revision_graph& g, std::size_t i) {
  return std::find(g.heads().begin(), g.heads().end(), i) != g.heads().end();
}

// For each revision, the revisions whose down revisions name it.
inline std::vector<std::vector<std::size_t>> children(const revision_graph& g) {
  std::vector<std::vector<std::size_t>> out(g.size());
  for (std::size_t j = 0; j < g.size(); ++j)
    for (auto d : g.downs(j)) out[d].push_back(j);
  return out;
}

inline revision_node node(const revision_graph& g, std::size_t i, const std::vector<std::size_t>& next) {
  const auto& r = g[i];
  revision_node n{std::string(r.id), {}, {}, std::string(r.message), is_head(g, i), next.size() > 1, r.is_merge(), r.transactional};
  for (auto d : r.down_revisions) n.down_revisions.emplace_back(d);
  for (auto j : next) n.next.emplace_back(g[j].id);
  return n;
}

// The revisions the version rows stand for and those below them; rows the history lacks are left out.
inline std::vector<bool> applied(const revision_graph& g, const std::vector<std::string>& rows) {
  std::vector<std::size_t> known;
  for (const auto& r : rows)
    if (auto i = g.find(r); i < g.size()) known.push_back(i);
  return g.ancestors(known);
}

inline std::vector<std::string> revision_ids(const revision_graph& g) {
  std::vector<std::string> out;
  for (const auto& r : g.revisions()) out.emplace_back(r.id);
  return out;
}

inline std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

}  // namespace detail

// The revisions (or version rows) with these ids, in the order given.
inline std::vector<revision_entry> entries(const revision_graph& g, const std::vector<std::string>& ids) {
  std::vector<revision_entry> out;
  for (const auto& id : ids) {
    if (const auto i = g.find(id); i < g.size()) out.push_back({id, std::string(g[i].message), detail::is_head(g, i), true});
    else out.push_back({id, "", false, false});
  }
  return out;
}

// The ids of the entries.
inline std::vector<std::string> ids(const std::vector<revision_entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

// ---- status, current, heads, history, show --------------------------------------------------------

struct status_report {
  std::string location;                  // the dialect's location(): where it points, any password masked
  std::string version_table;
  std::vector<revision_entry> current;   // the version table's rows; empty at base
  std::vector<revision_entry> heads;
  std::vector<revision_entry> pending;   // what an upgrade to the heads would apply, in order
  bool needs_upgrade = false;
  // A revision outside a transaction that started and has not finished (migrator::interrupted()).
  std::optional<std::string> unfinished;
};

// The history's heads, in list order.
inline std::vector<revision_entry> heads(const revision_graph& g) {
  std::vector<revision_entry> out;
  for (auto h : g.heads()) out.push_back({std::string(g[h].id), std::string(g[h].message), true, true});
  return out;
}

// The database's current revision(s): the version table's rows, known to the history or not.
template <Dialect D>
std::vector<revision_entry> current(migrator<D>& m) {
  return entries(m.graph(), m.current());
}

// Where the database is and what an upgrade would do. Throws strata::unknown_database_state when a
// version row is not in the history, strata::checksum_mismatch when an applied revision changed.
template <Dialect D>
status_report status(migrator<D>& m) {
  if (const auto changed = m.changed_checksums(); !changed.empty()) throw checksum_mismatch(migrator<D>::describe_changes(changed));
  status_report s;
  s.location = m.dialect().location();
  s.version_table = m.options().version_table;
  s.current = current(m);
  s.heads = heads(m.graph());
  s.pending = entries(m.graph(), m.pending("heads"));
  s.needs_upgrade = !s.pending.empty();
  s.unfinished = m.interrupted();
  return s;
}

// One revision of the history with where the database stands.
struct history_row {
  revision_node revision;
  bool current = false;  // a row of the version table
  bool applied = false;  // current, or below a current revision
};

// Every revision in dependency order, base first.
template <Dialect D>
std::vector<history_row> history(migrator<D>& m) {
  const auto& g = m.graph();
  const auto rows = m.current();
  const auto applied = detail::applied(g, rows);
  const auto next = detail::children(g);
  std::vector<history_row> out;
  for (std::size_t i = 0; i < g.size(); ++i)
    out.push_back({detail::node(g, i, next[i]), std::find(rows.begin(), rows.end(), g[i].id) != rows.end(), applied[i]});
  return out;
}

// One revision in full: the operations its upgrade() and downgrade() record.
struct revision_details {
  revision_node revision;
  ops upgrade;
  ops downgrade;
};

// The revision with this id or unique prefix, or "head" (the single head). Throws
// strata::revision_not_found, strata::ambiguous_revision, strata::multiple_heads.
inline revision_details show(const revision_graph& g, std::string_view revision) {
  std::size_t i = 0;
  if (revision == "head") {
    if (g.size() == 0) throw revision_not_found("head", "the history has no revisions yet; write the first one with 'migrate'");
    if (g.heads().size() != 1) {
      std::string which;
      for (auto h : g.heads()) which += (which.empty() ? "'" : ", '") + std::string(g[h].id) + "'";
      throw multiple_heads("the history has several heads (" + which + "); name one of them");
    }
    i = g.heads().front();
  } else {
    i = g.resolve(revision);
  }
  return {detail::node(g, i, detail::children(g)[i]), g[i].record_upgrade(), g[i].record_downgrade()};
}

// ---- replay ----------------------------------------------------------------------------------------

// The schema that the revisions `tips` and those below them make: their upgrades, replayed in list
// order (validate: the applied revisions; autogenerate: the head's). Throws strata::replay_failed
// naming the first revision that does not fit the revisions before it.
inline schema replay(const revision_graph& g, const std::vector<std::size_t>& tips) {
  const auto wanted = g.ancestors(tips);
  strata::detail::schema_builder b;
  replay_error e;
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (!wanted[i]) continue;
    const auto recorded = g[i].record_upgrade();  // outlives the error, which views its names
    if (!strata::detail::apply_recorded(b, recorded, g[i].id, false, e)) strata::detail::throw_replay_failed(e);
  }
  return std::move(b).release();
}

// ---- validate --------------------------------------------------------------------------------------

// Whether a part of validate ran.
enum class check_state : std::uint8_t {
  done,
  skipped,      // what it needs is missing: a version table of this history's revisions, the versions folder
  unsupported,  // the dialect cannot inspect its schema
};

constexpr std::string_view to_string(check_state state) {
  switch (state) {
    case check_state::done: return "done";
    case check_state::skipped: return "skipped";
    case check_state::unsupported: return "unsupported";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, check_state state) { return out << to_string(state); }

struct validation_report {
  // The version table: its rows must be revisions of the history, none below another.
  std::string version_table;
  std::vector<revision_entry> current;
  std::vector<std::string> version_problems;  // one sentence each

  // The schema: the applied revisions replayed, compared with the database's (strata::diff).
  check_state schema = check_state::skipped;
  std::size_t expected_tables = 0;            // what the applied revisions create
  std::size_t expected_indexes = 0;
  std::vector<std::string> replay_problems;   // the revision that does not replay onto those before it (replay())
  std::vector<schema_difference> drift;       // what the database has otherwise than the applied revisions make it
  // What the database has on the history's tables that the history does not create (an index a DBA
  // added, a column added by op.execute()): not a problem. Tables the history does not know are the
  // application's business and not listed at all.
  std::vector<schema_difference> unknown;

  // The versions folder: the same revisions as the program (strata/revision_files.hpp checks it).
  check_state folder = check_state::skipped;
  std::string versions_dir;
  std::size_t revision_files = 0;
  std::vector<std::string> folder_problems;

  [[nodiscard]] bool valid() const {
    return version_problems.empty() && replay_problems.empty() && drift.empty() && folder_problems.empty();
  }

  // Every problem as one sentence saying what to do, in order: version table, schema, folder.
  [[nodiscard]] std::vector<std::string> problems() const {
    std::vector<std::string> out = version_problems;
    out.insert(out.end(), replay_problems.begin(), replay_problems.end());
    for (const auto& d : drift)
      out.push_back(to_string(d) + (is_missing(d.kind) ? ", though the applied revisions create it; restore it"
                                                       : ", unlike what the applied revisions make; change it back") +
                    ", or stamp the database at the revision it is really at");
    out.insert(out.end(), folder_problems.begin(), folder_problems.end());
    return out;
  }
};

// Checks the version table, then (when the version table is sound and the dialect is Inspectable) the
// live schema against the applied revisions replayed (validate(m, versions_dir), in
// strata/revision_files.hpp, checks the versions folder too).
// Reads only; a problem is reported, not thrown. Throws what the database throws when it cannot be read.
template <Dialect D>
validation_report validate(migrator<D>& m) {
  const auto& g = m.graph();
  validation_report r;
  r.version_table = m.options().version_table;
  const auto rows = m.current();
  r.current = entries(g, rows);
  std::vector<std::size_t> known;
  for (const auto& row : rows) {
    if (const auto i = g.find(row); i < g.size()) known.push_back(i);
    else
      r.version_problems.push_back("the version table '" + r.version_table + "' holds revision '" + row +
                                   "', which is not in this history; deploy the code that has it, or stamp the database at the revision it is really at");
  }
  for (auto a : known) {
    const auto below = g.ancestors(std::vector<std::size_t>{a});
    for (auto b : known)
      if (a != b && below[b])
        r.version_problems.push_back(strata::detail::overlapping_versions(r.version_table, g[a].id, g[b].id));
  }
  if (r.version_problems.empty()) {
    if (const auto changed = m.changed_checksums(); !changed.empty()) r.version_problems.push_back(migrator<D>::describe_changes(changed));
    if (auto unfinished = m.interrupted()) r.version_problems.push_back(std::move(*unfinished));
  }

  if constexpr (Inspectable<D>) {
    if (r.version_problems.empty()) {
      r.schema = check_state::done;
      std::optional<schema> expected;
      try {
        expected = replay(g, known);
      } catch (const replay_failed& e) {
        r.replay_problems.emplace_back(e.what());
      }
      if (expected) {
        r.expected_tables = expected->tables.size();
        r.expected_indexes = expected->indexes.size();
        const auto live = m.dialect().inspect();
        for (auto& d : differences(*expected, *live)) {
          if (d.kind == difference_kind::unexpected_table) continue;
          (is_unexpected(d.kind) ? r.unknown : r.drift).push_back(std::move(d));
        }
      }
    }
  } else {
    r.schema = check_state::unsupported;
  }

  return r;
}

// ---- reset -----------------------------------------------------------------------------------------

struct reset_plan {
  std::string location;                  // the dialect's location()
  std::vector<revision_entry> current;   // where the database was
  std::vector<database_object> objects;  // every table, index, view, trigger ... in the order they are dropped
};

// What reset() would drop: every object of the schema, the version table included.
template <Inspectable D>
reset_plan plan_reset(migrator<D>& m) {
  reset_plan p;
  p.current = current(m);
  p.objects = m.dialect().objects();
  p.location = m.dialect().location();
  return p;
}

// Drops what the plan lists (what a user was shown), in one transaction under the migration lock:
// every row in them is gone, and the database is at base.
template <Inspectable D>
void reset(migrator<D>& m, const reset_plan& plan) {
  m.dialect().drop_objects(plan.objects, m.options().version_table);
}

// ---- backup ----------------------------------------------------------------------------------------

struct backup_report {
  std::vector<revision_entry> planned;  // what the migration will run; none: no backup was made
  std::optional<backup_made> made;
};

// The current UTC time as a backup's file names carry it: "20261202T091500Z".
inline std::string backup_stamp() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

// Before upgrade(m, target) or downgrade(m, target): a backup of the database (BacksUp) when that
// migration has something to run, checked as it checks it (a bad target or version table throws
// here, before any backup). `directory` empty: the dialect's default place. Throws
// strata::backup_failed when the backup cannot be made (or the dialect cannot make one).
template <Dialect D>
backup_report backup_before(migrator<D>& m, direction way, std::string_view target, const std::string& directory = {}) {
  backup_report r;
  r.planned = entries(m.graph(), m.planned(way, target));
  if (r.planned.empty()) return r;
  if constexpr (BacksUp<D>) {
    r.made = m.dialect().backup({backup_stamp(), directory});
  } else {
    throw backup_failed("the " + std::string(D::name) + " dialect cannot back a database up, so nothing ran; back it up with the "
                        "database's own tools and run again without --backup");
  }
  return r;
}

// ---- the history table: applied, repair --------------------------------------------------------------

// The history table's rows, oldest first (empty when the dialect keeps none: KeepsHistory).
template <Dialect D>
std::vector<history_record> applied(migrator<D>& m) {
  return m.applied_history();
}

struct repair_report {
  std::vector<revision_entry> recorded;  // the applied revisions whose current checksum was recorded
  std::optional<std::string> closed;     // the unfinished revision whose record was closed, as interrupted() said it
};

// Accepts the database as it is (migrator::repair): records the checksums of the applied revisions
// that changed (or were never recorded) and closes an unfinished revision's record.
template <Dialect D>
repair_report repair(migrator<D>& m) {
  repair_report r;
  r.closed = m.interrupted();
  r.recorded = entries(m.graph(), m.repair());
  return r;
}

// ---- upgrade, downgrade, stamp ---------------------------------------------------------------------

struct version_change {
  std::vector<revision_entry> from;     // the version rows before
  std::vector<revision_entry> to;       // the version rows after
  std::vector<revision_entry> applied;  // the revisions upgraded or downgraded, in order; none for stamp
};

// Upgrades to the target: "head" (the single head), "heads", an id or unique prefix, "+N". Revisions
// another process applied meanwhile are skipped, and not in `applied`.
template <Dialect D>
version_change upgrade(migrator<D>& m, std::string_view target = "head") {
  version_change c;
  c.from = current(m);
  c.applied = entries(m.graph(), m.upgrade(target));
  c.to = current(m);
  return c;
}

// Downgrades to the target: an id or unique prefix (which stays applied), "base", "-N".
template <Dialect D>
version_change downgrade(migrator<D>& m, std::string_view target) {
  version_change c;
  c.from = current(m);
  c.applied = entries(m.graph(), m.downgrade(target));
  c.to = current(m);
  return c;
}

// Sets the version table to the target ("head", "heads", "base", an id or prefix); no migration runs.
template <Dialect D>
version_change stamp(migrator<D>& m, std::string_view target) {
  version_change c;
  c.from = current(m);
  m.stamp(target);
  c.to = current(m);
  return c;
}

}  // namespace strata::commands
