// strata::migrator<Dialect>: upgrade, downgrade and stamp a database, one transaction per revision or
// one for all the revisions of a run (migrator_options::transactions).
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#include <strata/dialect.hpp>
#include <strata/errors.hpp>
#include <strata/graph.hpp>
#include <strata/history.hpp>
#include <strata/ops.hpp>
#include <strata/review.hpp>
#include <strata/transactions.hpp>

namespace strata {

struct migrator_options {
  // Alembic's name by default, so that Alembic and strata agree on the same database.
  std::string version_table = "alembic_version";
  // Who runs the migrations, as the history table records it (with the host and the database user).
  std::string application = "strata";
  // One transaction per revision, or one for all the pending revisions (strata/transactions.hpp;
  // docs/migrating.md says why revision is the default).
  transaction_mode transactions = transaction_mode::revision;
};

// An applied revision whose operations are no longer those it was applied with.
struct checksum_change {
  std::string id;
  std::string message;
  std::string recorded;  // the checksum its last upgrade (or repair) recorded
  std::string current;   // the checksum of its operations now
};

enum class direction { upgrade, downgrade };

constexpr std::string_view to_string(direction way) { return way == direction::upgrade ? "upgrade" : "downgrade"; }
inline std::ostream& operator<<(std::ostream& out, direction way) { return out << to_string(way); }

// What a migrator reports as it goes (for progress output): per revision, starting (the lock is
// held and it was not yet applied) then finished; or skipped (another process had applied it).
struct migration_event {
  enum class kind { starting, finished, skipped } what;
  direction way;
  const revision_info* revision;
};

constexpr std::string_view to_string(migration_event::kind what) {
  switch (what) {
    case migration_event::kind::starting: return "starting";
    case migration_event::kind::finished: return "finished";
    case migration_event::kind::skipped: return "skipped";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, migration_event::kind what) { return out << to_string(what); }

namespace detail {

// The version table holds a revision and one of its ancestors: what to say, here and in validate.
inline std::string overlapping_versions(std::string_view table, std::string_view revision, std::string_view ancestor) {
  return "the version table '" + std::string(table) + "' holds both '" + std::string(revision) + "' and its ancestor '" +
         std::string(ancestor) + "', which overlap, so it is unclear where the database is; 'stamp' it at the revision it is really at";
}

}  // namespace detail

template <Dialect D>
class migrator {
 public:
  // The compiler reviews H first (strata::reviewed).
  template <History H, class... Args>
    requires std::constructible_from<D, Args&&...>
  explicit migrator(H, Args&&... dialect_args) : migrator(std::span<const revision_info>(H::revisions), std::forward<Args>(dialect_args)...) {
    static_assert(reviewed<H>);
  }

  template <History H, class... Args>
    requires std::constructible_from<D, Args&&...>
  migrator(H, migrator_options options, Args&&... dialect_args)
      : migrator(std::span<const revision_info>(H::revisions), std::move(options), std::forward<Args>(dialect_args)...) {
    static_assert(reviewed<H>);
  }

  // On revisions known at run time (a history's `revisions`, passed on from another translation
  // unit): they must outlive the migrator, as a history's static array does.
  template <class... Args>
    requires std::constructible_from<D, Args&&...>
  explicit migrator(std::span<const revision_info> revisions, Args&&... dialect_args)
      : graph_(revisions), dialect_(std::forward<Args>(dialect_args)...) {}

  template <class... Args>
    requires std::constructible_from<D, Args&&...>
  migrator(std::span<const revision_info> revisions, migrator_options options, Args&&... dialect_args)
      : options_(std::move(options)), graph_(revisions), dialect_(std::forward<Args>(dialect_args)...) {}

  [[nodiscard]] D& dialect() { return dialect_; }
  [[nodiscard]] const revision_graph& graph() const { return graph_; }
  [[nodiscard]] const migrator_options& options() const { return options_; }
  void on_event(std::function<void(const migration_event&)> listener) { listener_ = std::move(listener); }

  // Applies what the target needs and returns the ids applied, in order. Targets: "head" (the
  // single head), "heads", an id, a unique prefix, "+N".
  std::vector<std::string> upgrade(std::string_view target = "head") {
    return run(upgrade_plan(target), direction::upgrade);
  }

  // Reverts down to the target and returns the ids reverted, in order. Targets: an id or a
  // unique prefix (which stays applied), "base", "-N".
  std::vector<std::string> downgrade(std::string_view target) {
    return run(downgrade_plan(target), direction::downgrade);
  }

  // The ids upgrade(target) or downgrade(target) would run now, in order, checked as they check
  // them (the version table, the targets, names the database would cut); runs nothing.
  [[nodiscard]] std::vector<std::string> planned(direction way, std::string_view target) {
    std::vector<std::string> out;
    for (auto i : way == direction::upgrade ? upgrade_plan(target) : downgrade_plan(target)) out.emplace_back(graph_[i].id);
    return out;
  }

 private:
  std::vector<std::size_t> upgrade_plan(std::string_view target) {
    auto rows = checked_rows();
    refuse_changed_checksums(rows);
    history_read_ = false;
    auto applied = graph_.ancestors(rows);
    std::vector<std::size_t> plan;
    if (auto steps = relative(target, '+')) {
      plan = pending_for(upgrade_tips("head"), applied);
      if (*steps > plan.size())
        throw invalid_target("cannot upgrade " + std::string(target) + ": only " + std::to_string(plan.size()) +
                             " revision(s) are pending; use 'head' to apply them all");
      plan.resize(*steps);
    } else {
      plan = pending_for(upgrade_tips(target), applied);
    }
    check_names(plan, direction::upgrade);
    return plan;
  }

  std::vector<std::size_t> downgrade_plan(std::string_view target) {
    auto rows = checked_rows();
    history_read_ = false;
    auto applied = graph_.ancestors(rows);
    std::vector<std::size_t> applied_list;
    for (std::size_t i = 0; i < graph_.size(); ++i)
      if (applied[i]) applied_list.push_back(i);
    std::vector<std::size_t> plan;
    if (target == "base") {
      plan = applied_list;
    } else if (auto steps = relative(target, '-')) {
      if (*steps > applied_list.size())
        throw invalid_target("cannot downgrade " + std::string(target) + ": that goes below base, and only " +
                             std::to_string(applied_list.size()) + " revision(s) are applied; use 'base' to revert them all");
      plan = steps_down(target, *steps, rows);
    } else {
      if (target.empty() || target == "head" || target == "heads" || target.front() == '+')
        throw invalid_target("downgrade needs a target below the current revision: an id, a prefix, 'base' or '-N'");
      const auto t = graph_.resolve(target);
      if (!applied[t])
        throw invalid_target("cannot downgrade to '" + std::string(graph_[t].id) + "': it is not applied (the database is at " +
                             describe_rows(rows) + "); use 'upgrade' to move forward");
      const auto above = graph_.descendants(t);
      for (auto i : applied_list)
        if (above[i] && i != t) plan.push_back(i);
    }
    if (!relative(target, '-')) std::reverse(plan.begin(), plan.end());
    check_names(plan, direction::downgrade);
    return plan;
  }

  // A name longer than the database keeps (D::sql::max_identifier_bytes) in a revision about to
  // run: refused before anything runs, as the database would cut it and validate then miss it.
  void check_names(const std::vector<std::size_t>& plan, direction way) const {
    constexpr std::size_t limit = D::sql::max_identifier_bytes;
    if constexpr (limit != 0) {
      for (auto i : plan) {
        const auto& rev = graph_[i];
        const ops recorded = way == direction::upgrade ? rev.record_upgrade() : rev.record_downgrade();
        detail::first_long_name finder{limit};
        for (const auto& o : recorded.operations()) detail::for_each_name(o, finder);
        if (finder.found.bytes != 0)
          throw name_too_long(std::string(rev.id), std::string(finder.found.name),
                              "revision '" + std::string(rev.id) + "' (" + std::string(rev.message) + ") names '" +
                                  std::string(finder.found.name) + "', " + std::to_string(finder.found.bytes) + " bytes long, in its " +
                                  std::string(to_string(way)) + "; " + std::string(D::name) + " keeps names of at most " +
                                  std::to_string(limit) + " bytes and would cut it, so nothing ran: shorten the name in the revision");
      }
    }
  }

 public:
  // Sets the version table to the target without running any migration.
  void stamp(std::string_view target) {
    std::vector<std::string> rows;
    if (target == "head" || target == "heads") {
      if (target == "head" && graph_.size() != 0) single_head("head");
      for (auto h : graph_.heads()) rows.emplace_back(graph_[h].id);
    } else if (target != "base") {
      rows.emplace_back(graph_[graph_.resolve(target)].id);
    }
    const unit_of_work unit{"stamp", {}, true, options_.version_table};
    auto record = new_record(rows.empty() ? std::string("base") : join(rows), "stamp", "");
    const auto started = std::chrono::steady_clock::now();
    dialect_.transaction(unit, [&] {
      dialect_.write_versions(options_.version_table, rows);
      finish(record, started, "succeeded", "");
    });
  }

  // ---- the history table (when the dialect keeps one: KeepsHistory) ----

  // Its rows, oldest first: every upgrade, downgrade, stamp and repair; empty when the dialect keeps
  // none or the table does not exist yet.
  [[nodiscard]] std::vector<history_record> applied_history() {
    if constexpr (KeepsHistory<D>) return dialect_.read_history(options_.version_table);
    else return {};
  }

  // The applied revisions whose checksum differs from the one their last upgrade (or repair)
  // recorded, in history order. A revision with no record (applied before the history table existed,
  // or stamped) has nothing to differ from: it is adopted by the next upgrade or repair.
  [[nodiscard]] std::vector<checksum_change> changed_checksums() { return changed_checksums(checked_rows(), applied_history()); }

  // A sentence saying what the last run left unfinished, when the history table's last row is a
  // revision started outside a transaction that never finished: what it ran, what it did not, the
  // indexes it left (FindsLeftovers) and what to do. Without the migration lock it may still be
  // running: status says so.
  [[nodiscard]] std::optional<std::string> interrupted(bool still_running_possible = true) {
    return interrupted(applied_history(), still_running_possible);
  }

  // Accepts the database as it is: under the migration lock, in one transaction, records the current
  // checksum of every applied revision whose checksum changed or was never recorded, and closes an
  // interrupted revision's record (outcome "failed"), once its leftovers were dealt with. Returns the
  // ids whose checksum it recorded.
  std::vector<std::string> repair() {
    std::vector<std::string> done;
    if constexpr (KeepsHistory<D>) {
      const unit_of_work unit{"repair", {}, true, options_.version_table};
      dialect_.transaction(unit, [&] {
        const auto rows = rows_to_indexes(dialect_.read_versions(options_.version_table));
        const auto records = dialect_.read_history(options_.version_table);
        const auto started = std::chrono::steady_clock::now();
        if (!records.empty() && records.back().outcome == "started") {
          auto open = records.back();
          open.outcome = "failed";
          open.error = (open.error.empty() ? "" : open.error + "; ") + "interrupted, and closed by repair";
          dialect_.write_history(options_.version_table, open);
        }
        for (const auto& c : changed_checksums(rows, records)) {
          auto record = new_record(c.id, "repair", c.current);
          finish(record, started, "succeeded", "");
          done.push_back(c.id);
        }
        adopt(rows, records);
      });
    }
    return done;
  }

  // The version table's rows (the database's current revision(s)); empty at base.
  [[nodiscard]] std::vector<std::string> current() { return dialect_.read_versions(options_.version_table); }

  [[nodiscard]] std::vector<std::string> heads() const {
    std::vector<std::string> out;
    for (auto h : graph_.heads()) out.emplace_back(graph_[h].id);
    return out;
  }

  // The revision with this id or unique prefix; throws revision_not_found / ambiguous_revision.
  [[nodiscard]] const revision_info& revision(std::string_view id_or_prefix) const { return graph_[graph_.resolve(id_or_prefix)]; }

  // Every revision, oldest first (dependency order).
  [[nodiscard]] std::span<const revision_info> history() const { return graph_.revisions(); }

  // The ids an upgrade to the target would apply, in order.
  [[nodiscard]] std::vector<std::string> pending(std::string_view target = "head") {
    auto rows = checked_rows();
    std::vector<std::string> out;
    for (auto i : pending_for(upgrade_tips(target), graph_.ancestors(rows))) out.emplace_back(graph_[i].id);
    return out;
  }

 private:
  static std::optional<std::size_t> relative(std::string_view target, char sign) {
    if (target.size() < 2 || target.front() != sign) return std::nullopt;
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(target.data() + 1, target.data() + target.size(), n);
    if (ec != std::errc{} || end != target.data() + target.size() || n == 0)
      throw invalid_target("'" + std::string(target) + "' is not a relative target; write " + sign + "N with N a positive number");
    return n;
  }

  // The revisions "-N" reverts, newest first: one step reverts the single version row, as long as
  // there is one; at two rows (two applied heads, or a merge just reverted) a step is ambiguous, as
  // in Alembic, and refused with the targets that say which branch to go down.
  std::vector<std::size_t> steps_down(std::string_view target, std::size_t steps, std::vector<std::size_t> rows) const {
    std::vector<std::size_t> plan;
    while (plan.size() < steps) {
      if (rows.size() != 1) {
        std::string heads, instead;
        std::vector<std::size_t> offered;
        const auto applied = graph_.ancestors(rows);
        for (auto r : rows) {
          heads += (heads.empty() ? "'" : ", '") + std::string(graph_[r].id) + "'";
          for (auto d : graph_.downs(r)) {
            if (std::find(offered.begin(), offered.end(), d) != offered.end()) continue;
            offered.push_back(d);
            const auto above = graph_.descendants(d);
            std::string reverts;
            for (std::size_t i = graph_.size(); i-- > 0;)
              if (applied[i] && above[i] && i != d) reverts += (reverts.empty() ? "'" : ", '") + std::string(graph_[i].id) + "'";
            instead += (instead.empty() ? "'" : "; '") + std::string(graph_[d].id) + "' reverts " + reverts;
          }
        }
        throw invalid_target("cannot downgrade " + std::string(target) + ": " +
                             (plan.empty() ? "the database is at " : "after reverting " + describe_rows(plan) + " the database would be at ") +
                             std::to_string(rows.size()) + " heads (" + heads +
                             "), so a step down is ambiguous; downgrade to a revision by id instead (" + instead + ")");
      }
      plan.push_back(rows.front());
      const auto next = next_rows(rows, rows.front(), direction::downgrade);
      rows.clear();
      for (const auto& id : next) rows.push_back(graph_.find(id));
      if (rows.empty()) break;
    }
    return plan;
  }

  std::size_t single_head(std::string_view target) const {
    if (graph_.heads().size() != 1) {
      std::string which;
      for (auto h : graph_.heads()) which += (which.empty() ? "'" : ", '") + std::string(graph_[h].id) + "'";
      throw multiple_heads("cannot use '" + std::string(target) + "': the history has several heads (" + which +
                           "); write a merge revision whose down revisions are those heads, or name one target");
    }
    return graph_.heads().front();
  }

  std::vector<std::size_t> upgrade_tips(std::string_view target) const {
    if (graph_.size() == 0 && (target == "head" || target == "heads")) return {};  // a history before its first revision
    if (target == "head") return {single_head(target)};
    if (target == "heads") return graph_.heads();
    if (target == "base") return {};
    if (target.empty() || target.front() == '-')
      throw invalid_target("upgrade needs a target above the current revision: 'head', an id, a prefix or '+N'");
    return {graph_.resolve(target)};
  }

  std::vector<std::size_t> pending_for(const std::vector<std::size_t>& tips, const std::vector<bool>& applied) const {
    auto needed = graph_.ancestors(tips);
    std::vector<std::size_t> plan;
    for (std::size_t i = 0; i < graph_.size(); ++i)
      if (needed[i] && !applied[i]) plan.push_back(i);
    return plan;
  }

  // The version rows as graph indexes; rows unknown to the history stop everything.
  std::vector<std::size_t> rows_to_indexes(const std::vector<std::string>& rows) const {
    std::vector<std::size_t> out;
    for (const auto& r : rows) {
      auto i = graph_.find(r);
      if (i == graph_.size())
        throw unknown_database_state("the database's version table '" + options_.version_table + "' holds revision '" + r +
                                     "', which is not in this history; deploy the code that has it, or 'stamp' the "
                                     "database to a revision it really is at");
      out.push_back(i);
    }
    return out;
  }

  // The version rows, refused when one is below another (Alembic: "overlaps with other requested
  // revisions"): the database is not at a revision a migration can start from.
  std::vector<std::size_t> checked_rows() {
    auto rows = rows_to_indexes(dialect_.read_versions(options_.version_table));
    for (auto a : rows) {
      const auto below = graph_.ancestors(std::vector<std::size_t>{a});
      for (auto b : rows)
        if (a != b && below[b])
          throw unknown_database_state(detail::overlapping_versions(options_.version_table, graph_[a].id, graph_[b].id));
    }
    return rows;
  }

  std::string describe_rows(const std::vector<std::size_t>& rows) const {
    if (rows.empty()) return "base";
    std::string s;
    for (auto r : rows) s += (s.empty() ? "'" : ", '") + std::string(graph_[r].id) + "'";
    return s;
  }

  void notify(migration_event::kind what, direction way, std::size_t i) {
    if (listener_) listener_(migration_event{what, way, &graph_[i]});
  }

  // Runs the plan's revisions in order, in the transaction groups options().transactions makes of
  // them (strata::transaction_groups), under one migration lock (none taken for an empty plan), and
  // returns the ids it ran (not those another process had run meanwhile).
  std::vector<std::string> run(const std::vector<std::size_t>& plan, direction way) {
    std::vector<std::string> done;
    if (plan.empty()) return done;
    holding_lock([&] {
      held_rows_.reset();
      struct forget {
        std::optional<std::vector<std::size_t>>& rows;
        ~forget() { rows.reset(); }
      } forget_rows{held_rows_};
      const auto groups = transaction_groups(plan.size(), options_.transactions, [&](std::size_t k) { return graph_[plan[k]].transactional; });
      for (const auto& g : groups)
        step(std::span<const std::size_t>(plan).subspan(g.begin, g.end - g.begin), way, done);
    });
    return done;
  }

  // The steps of one upgrade or downgrade under one migration lock, when the dialect can hold it
  // across units (each step's transaction() then does not take it again).
  template <class F>
  void holding_lock(F&& steps) {
    if constexpr (HoldsMigrationLock<D>) dialect_.hold_migration_lock(options_.version_table, steps);
    else steps();
  }

  // Runs one group of revisions (one, or in transaction_mode::all several) in one transaction, and
  // appends to `done` those it ran, not those another process had already done. The history table
  // gets each revision's row in the same transaction; a revision outside a transaction (always
  // alone) first records itself as started (committed at once) and its progress after each
  // operation, so that an interrupted run can be told apart; a failed revision's row is written
  // after the rollback, which takes the group's other rows with it. The version table is written
  // once, after the group's last revision. transaction() may run the body again (a dialect's retry
  // after a lock timeout): it is repeatable.
  void step(std::span<const std::size_t> group, direction way, std::vector<std::string>& done) {
    // The group's recordings, then its operations, each allocated once at its size rather than grown
    // (a grown buffer churns the heap that the database client works in), and the recordings freed
    // before the transaction starts.
    std::vector<ops> recorded;
    recorded.reserve(group.size());
    std::vector<std::size_t> starts;  // where each revision's begin in `operations`
    starts.reserve(group.size() + 1);
    std::size_t count = 0;
    for (auto i : group) {
      recorded.push_back(way == direction::upgrade ? graph_[i].record_upgrade() : graph_[i].record_downgrade());
      starts.push_back(count);
      count += recorded.back().operations().size();
    }
    starts.push_back(count);
    std::vector<operation> operations;  // the group's, one revision after another
    operations.reserve(count);
    for (auto& r : recorded) operations.insert(operations.end(), r.operations().begin(), r.operations().end());
    recorded.clear();
    const auto& first = graph_[group.front()];
    const unit_of_work unit{first.id, operations, first.transactional, options_.version_table};
    const auto operations_of = [&](std::size_t k) {
      return std::span<const operation>(operations).subspan(starts[k], starts[k + 1] - starts[k]);
    };

    const bool history_read = history_read_;
    std::vector<bool> ran(group.size(), false);
    std::vector<std::size_t> rows_after;
    std::optional<std::size_t> running;  // the position in the group of the revision that started last
    std::string before = "base";
    std::optional<history_record> record;  // the running revision's
    auto started = std::chrono::steady_clock::now();
    // A statement held (HoldsStatements) fails after later revisions started: the failure is its
    // revision's, and the revisions after it did not run.
    const auto failed_where_held = [&] {
      if constexpr (HoldsStatements<D>) {
        const auto k = dialect_.held_failed_at();
        if (!k || !running || *k >= *running) return;
        running = *k;
        std::fill(ran.begin() + static_cast<std::ptrdiff_t>(*k), ran.end(), false);
        record = new_record(std::string(graph_[group[*k]].id), std::string(to_string(way)), history_checksum(graph_[group[*k]]));
      }
    };
    const auto rolled_back_with = [&] {
      return running ? static_cast<std::size_t>(std::count(ran.begin(), ran.begin() + static_cast<std::ptrdiff_t>(*running), true)) : 0;
    };
    try {
      dialect_.transaction(unit, [&] {
        history_read_ = history_read;  // a retry reads the history table again: its adoptions were rolled back
        std::fill(ran.begin(), ran.end(), false);
        running.reset();
        auto rows = held_rows_ ? *held_rows_ : rows_to_indexes(dialect_.read_versions(options_.version_table));
        before = describe_rows(rows);
        std::vector<history_record> records;
        records.reserve(group.size());
        auto applied = graph_.ancestors(rows);  // kept up to date below, rather than computed again per revision
        for (std::size_t k = 0; k < group.size(); ++k) {
          const auto i = group[k];
          if ((way == direction::upgrade) == applied[i]) continue;  // someone else migrated while we waited for the lock
          read_history_once(rows, way);
          running = k;
          started = std::chrono::steady_clock::now();
          record = new_record(std::string(graph_[i].id), std::string(to_string(way)), history_checksum(graph_[i]));
          notify(migration_event::kind::starting, way, i);  // with the lock held: a locked database starts nothing
          if constexpr (HoldsStatements<D>)
            if (unit.transactional) dialect_.hold_statements(k);
          apply(unit_of_work{graph_[i].id, operations_of(k), graph_[i].transactional, options_.version_table}, *record, started);
          record->duration_ms = elapsed_ms(started);
          records.push_back(*record);
          rows = rows_to_indexes(next_rows(rows, i, way));
          applied[i] = way == direction::upgrade;  // joins the rows' ancestors, or leaves them (it was a head)
          ran[k] = true;
        }
        if constexpr (HoldsStatements<D>) {
          // What the group's statements take in the server is the last revision's duration.
          const auto sending = std::chrono::steady_clock::now();
          dialect_.send_held();
          if (!records.empty()) records.back().duration_ms += elapsed_ms(sending);
        }
        if (running) dialect_.write_versions(options_.version_table, ids_of(rows));
        for (auto& r : records) r.outcome = "succeeded";
        if constexpr (WritesHistoryRows<D>) {
          if (unit.transactional && records.size() > 1) {
            dialect_.write_history_rows(options_.version_table, records);  // one statement for the group
            records.clear();
          }
        }
        for (auto& r : records) finish(r, "succeeded", "");
        rows_after = rows;
      });
    } catch (const operation_failed& e) {
      failed_where_held();
      const auto& rev = graph_[group[running.value_or(0)]];
      auto f = failure(rev, way, before, e.operation(), e.database_message(), e.advice(), rolled_back_with());
      if (running) record_failure(*record, started, f.what());
      throw f;
    } catch (const strata::error& e) {
      failed_where_held();
      if (running) record_failure(*record, started, e.what());
      throw;
    } catch (const std::exception& e) {
      failed_where_held();
      auto f = failure(graph_[group[running.value_or(0)]], way, before, "", e.what(), {}, rolled_back_with());
      if (running) record_failure(*record, started, f.what());
      throw f;
    }
    if constexpr (HoldsMigrationLock<D>) held_rows_ = rows_after;  // nobody else writes them while the lock is held
    for (std::size_t k = 0; k < group.size(); ++k) {
      notify(ran[k] ? migration_event::kind::finished : migration_event::kind::skipped, way, group[k]);
      if (ran[k]) done.emplace_back(graph_[group[k]].id);
    }
  }

  // The operations, all at once; outside a transaction (where the history table is kept), one at a
  // time, after a "started" row, with the progress recorded after each.
  // A backfill (ResumesBackfills) also records, after each batch and in its transaction, the key it
  // reached as the progress's last line; a revision that an earlier run left at a backfill
  // (resume_) starts there, after that key.
  void apply(const unit_of_work& unit, history_record& record, std::chrono::steady_clock::time_point started) {
    if constexpr (KeepsHistory<D>) {
      if (!unit.transactional) {
        std::size_t from = 0;
        std::string resumed_key;  // where the backfill goes on, recorded at once: a failure before its first batch keeps it
        if (resume_ && resume_->record.revision == record.revision && resume_->record.direction == record.direction) {
          from = resume_->done;
          record.progress = resume_->progress;
          resumed_key = resume_->key;
          if constexpr (ResumesBackfills<D>)
            if (!resumed_key.empty()) dialect_.resume_backfill_after(resumed_key);
          if (resume_->record.outcome == "started") {  // its process died: close its row
            resume_->record.outcome = "failed";
            resume_->record.error = "interrupted; resumed by the run started at " + record.started_at;
            dialect_.write_history(options_.version_table, resume_->record);
          }
        }
        resume_.reset();
        record.outcome = "started";
        if (resumed_key.empty()) {
          record.id = dialect_.write_history(options_.version_table, record);
        } else {
          auto first = record;
          if (!first.progress.empty()) first.progress += '\n';
          first.progress += backfill_checkpoint(unit.operations[from], resumed_key);
          record.id = dialect_.write_history(options_.version_table, first);
        }
        for (std::size_t k = from; k < unit.operations.size(); ++k) {
          if constexpr (ResumesBackfills<D>) {
            if (strata::holds_alternative<op::backfill>(unit.operations[k])) {
              dialect_.on_backfill_batch([&, k](std::string_view key) {
                auto at = record;
                if (!at.progress.empty()) at.progress += '\n';
                at.progress += backfill_checkpoint(unit.operations[k], key);
                at.duration_ms = elapsed_ms(started);
                dialect_.write_history(options_.version_table, at);
              });
            }
          }
          struct forget {
            D& d;
            ~forget() {
              if constexpr (ResumesBackfills<D>) d.on_backfill_batch({});
            }
          } forget_listener{dialect_};
          try {
            dialect_.apply(unit.operations.subspan(k, 1));
          } catch (...) {
            // A failed backfill's row keeps the key its committed batches reached (written with them).
            if (strata::holds_alternative<op::backfill>(unit.operations[k])) committed_progress(record);
            throw;
          }
          // Appended piece by piece: GCC 12's -Wrestrict misfires on "..." + std::string&& at -O2.
          if (!record.progress.empty()) record.progress += '\n';
          record.progress += describe(unit.operations[k]);
          record.duration_ms = elapsed_ms(started);
          dialect_.write_history(options_.version_table, record);
        }
        return;
      }
    }
    dialect_.apply(unit.operations);
  }

  // Inside the first revision's transaction of an upgrade or downgrade: a revision left unfinished
  // by an earlier run stops everything (the lock is held, so it is not running); an upgrade adopts
  // the applied revisions the history table has no checksum of.
  void read_history_once(const std::vector<std::size_t>& rows, direction way) {
    if constexpr (KeepsHistory<D>) {
      if (history_read_) return;
      history_read_ = true;
      const auto records = dialect_.read_history(options_.version_table);
      resume_ = resumable(records);
      if (auto left = interrupted(records, false); left && !resume_) throw interrupted_migration(*left);
      if (way == direction::upgrade) adopt(rows, records);
    } else {
      (void)rows;
      (void)way;
    }
  }

  // A row for the history table, to be written by finish() (or as "started" by apply()).
  history_record new_record(std::string revision, std::string direction_name, std::string checksum) const {
    history_record r;
    r.revision = std::move(revision);
    r.direction = std::move(direction_name);
    r.started_at = utc_now();
    r.checksum = std::move(checksum);
    r.application = options_.application;
    r.host = host_;
    return r;
  }

  void finish(history_record& record, std::chrono::steady_clock::time_point started, std::string_view outcome, std::string_view error) {
    record.duration_ms = elapsed_ms(started);
    finish(record, outcome, error);
  }
  // With the record's duration_ms as it is.
  void finish(history_record& record, std::string_view outcome, std::string_view error) {
    if constexpr (KeepsHistory<D>) {
      record.outcome = outcome;
      record.error = error;
      record.id = dialect_.write_history(options_.version_table, record);
      if (record.id == 0) record.id = dialect_.write_history(options_.version_table, record);  // its row was rolled back
    } else {
      (void)record, (void)outcome, (void)error;
    }
  }

  // After the rollback, in a transaction of its own; a failure to write it hides nothing of the
  // revision's own error, which is what the caller sees.
  void record_failure(history_record& record, std::chrono::steady_clock::time_point started, std::string_view error) noexcept {
    try {
      finish(record, started, "failed", error);
    } catch (...) {  // NOLINT: the revision's error goes on
    }
  }

  std::string history_checksum(const revision_info& rev) const {
    if constexpr (KeepsHistory<D>) return rev.checksum();
    else return {};
  }

  // Records the current checksum of each applied revision the history table has none of.
  void adopt(const std::vector<std::size_t>& rows, const std::vector<history_record>& records) {
    const auto applied = graph_.ancestors(rows);
    const auto recorded = recorded_checksums(records);
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < graph_.size(); ++i) {
      if (!applied[i] || recorded[i] != nullptr) continue;
      auto record = new_record(std::string(graph_[i].id), "adopt", graph_[i].checksum());
      finish(record, started, "succeeded", "");
    }
  }

  // For each revision (by index), the checksum its last successful upgrade, repair or adoption
  // recorded (null: none), in one pass over the history table's rows.
  std::vector<const std::string*> recorded_checksums(const std::vector<history_record>& records) const {
    std::vector<const std::string*> out(graph_.size(), nullptr);
    for (const auto& r : records)
      if (r.outcome == "succeeded" && !r.checksum.empty() && (r.direction == "upgrade" || r.direction == "repair" || r.direction == "adopt"))
        if (const auto i = graph_.find(r.revision); i < graph_.size()) out[i] = &r.checksum;
    return out;
  }

  std::vector<checksum_change> changed_checksums(const std::vector<std::size_t>& rows, const std::vector<history_record>& records) const {
    std::vector<checksum_change> out;
    if (records.empty()) return out;
    const auto applied = graph_.ancestors(rows);
    const auto checksums = recorded_checksums(records);
    for (std::size_t i = 0; i < graph_.size(); ++i) {
      if (!applied[i]) continue;
      const auto* recorded = checksums[i];
      if (recorded == nullptr) continue;
      if (auto now = graph_[i].checksum(); now != *recorded)
        out.push_back({std::string(graph_[i].id), std::string(graph_[i].message), *recorded, std::move(now)});
    }
    return out;
  }

  void refuse_changed_checksums(const std::vector<std::size_t>& rows) {
    if constexpr (KeepsHistory<D>) {
      if (rows.empty()) return;  // at base nothing is applied, so nothing has changed: the table is not read
      const auto changed = changed_checksums(rows, dialect_.read_history(options_.version_table));
      if (!changed.empty()) throw checksum_mismatch(describe_changes(changed));
    } else {
      (void)rows;
    }
  }

 public:
  // "applied revision 'a' (message) has changed since it was applied (checksum ... then, ... now); ..."
  static std::string describe_changes(const std::vector<checksum_change>& changed) {
    std::string which;
    for (const auto& c : changed)
      which += (which.empty() ? "'" : ", '") + c.id + "' (" + c.message + "; recorded " + c.recorded + ", now " + c.current + ")";
    return std::string(changed.size() == 1 ? "the applied revision " : "the applied revisions ") + which +
           (changed.size() == 1 ? " has" : " have") +
           " changed since the database was migrated with it: restore the revision as it was, or accept the change with "
           "'manage_db repair' (strata::commands::repair)";
  }

 private:
  // The progress the history table holds for record, as the transactions that wrote it committed.
  void committed_progress(history_record& record) noexcept {
    try {
      for (const auto& r : dialect_.read_history(options_.version_table))
        if (r.id == record.id) record.progress = r.progress;
    } catch (...) {  // NOLINT: the operation's own error goes on
    }
  }

  // The progress line of a backfill under way: "in progress: backfill stocks, committed through key 41".
  static constexpr std::string_view in_progress = "in progress: ";
  static std::string backfill_checkpoint(const operation& o, std::string_view key) {
    std::string line(in_progress);
    line += describe(o);
    line += ", committed through key ";
    line += key;
    return line;
  }

  // Where a non-transactional revision that an earlier run left (its process died, or it failed)
  // at a backfill goes on: the history table's last row is its, its checksum is the revision's
  // now, the operations before the backfill completed, and the batches up to `key` committed.
  struct resume_point {
    history_record record;
    std::size_t done = 0;    // its operations completed
    std::string progress;    // their lines
    std::string key;         // the backfill's last key committed; empty: none
  };
  std::optional<resume_point> resumable(const std::vector<history_record>& records) const {
    if constexpr (ResumesBackfills<D>) {
      if (records.empty()) return std::nullopt;
      const auto& r = records.back();
      if (r.outcome != "started" && r.outcome != "failed") return std::nullopt;
      const auto i = graph_.find(r.revision);
      if (i >= graph_.size() || graph_[i].transactional || r.checksum != history_checksum(graph_[i])) return std::nullopt;
      if (r.direction != "upgrade" && r.direction != "downgrade") return std::nullopt;
      const auto recorded = r.direction == "downgrade" ? graph_[i].record_downgrade() : graph_[i].record_upgrade();
      const auto& list = recorded.operations();
      resume_point p{r, 0, {}, {}};
      for (std::size_t at = 0; at < r.progress.size();) {
        auto end = r.progress.find('\n', at);
        if (end == std::string::npos) end = r.progress.size();
        const auto line = std::string_view(r.progress).substr(at, end - at);
        if (line.starts_with(in_progress)) {
          if (p.done >= list.size()) return std::nullopt;
          const auto head = backfill_checkpoint(list[p.done], "");
          if (!r.progress.substr(at).starts_with(head)) return std::nullopt;
          p.key = r.progress.substr(at + head.size());  // the rest: a text key may hold a line break
          break;
        }
        if (p.done >= list.size() || line != describe(list[p.done])) return std::nullopt;
        p.progress += (p.progress.empty() ? "" : "\n") + std::string(line);
        ++p.done;
        at = end + 1;
      }
      if (p.done >= list.size() || !strata::holds_alternative<op::backfill>(list[p.done])) return std::nullopt;
      return p;
    } else {
      (void)records;
      return std::nullopt;
    }
  }

  // What interrupted() says, from the history table's rows.
  std::optional<std::string> interrupted(const std::vector<history_record>& records, bool still_running_possible) {
    if (records.empty() || records.back().outcome != "started") return std::nullopt;
    const auto& r = records.back();
    const auto i = graph_.find(r.revision);
    std::string text = "revision '" + r.revision + "'";
    if (i < graph_.size()) text += " (" + std::string(graph_[i].message) + ")";
    text += ", run outside a transaction, " + r.direction + " started at " + r.started_at + " by " + r.application +
            (r.host.empty() ? "" : " on " + r.host) + (r.database_user.empty() ? "" : " as " + r.database_user) +
            (still_running_possible ? " and has not finished (it is still running, or it was interrupted)"
                                    : " and never finished (its process died or lost the connection)");
    std::size_t done = 0;
    std::string ran;
    std::string under_way;
    for (std::size_t at = 0; at < r.progress.size();) {
      auto end = r.progress.find('\n', at);
      if (end == std::string::npos) end = r.progress.size();
      if (std::string_view(r.progress).substr(at).starts_with(in_progress)) {
        under_way = r.progress.substr(at + in_progress.size());
        break;
      }
      ran += (ran.empty() ? "" : ", ") + r.progress.substr(at, end - at);
      ++done;
      at = end + 1;
    }
    text += done == 0 ? ": none of its operations completed" : ": it completed " + ran;
    if (!under_way.empty()) text += "; its " + under_way;
    if (resumable(records)) return text + "; running it again resumes there";
    if (i >= graph_.size()) return text + "; deploy the code that has the revision, clean up what it left and run 'manage_db repair'";
    const auto recorded = r.direction == "downgrade" ? graph_[i].record_downgrade() : graph_[i].record_upgrade();
    const auto& ops_list = recorded.operations();
    std::string left;
    for (std::size_t k = done; k < ops_list.size(); ++k) left += (left.empty() ? "" : ", ") + describe(ops_list[k]);
    if (!left.empty()) text += "; not completed: " + left;
    bool all_valid = true, any = false;
    if constexpr (FindsLeftovers<D>) {
      if (done < ops_list.size()) {
        for (const auto& x : dialect_.leftover_indexes(std::span<const operation>(ops_list).subspan(done))) {
          any = true;
          all_valid = all_valid && x.valid;
          text += x.valid ? "; index '" + x.name + "' exists and is VALID (its statement did complete)"
                          : "; index '" + x.name + "' is INVALID (left by the interrupted statement): remove it with " + x.drop_sql;
        }
      }
    }
    const auto rest_done = done + 1 == ops_list.size() && any && all_valid;
    if (rest_done)
      return text + "; its last operation did complete, so the revision is done: record it with 'manage_db stamp " + r.revision +
             "' instead of running it again";
    return text + "; then undo what it completed (or finish the rest by hand and 'manage_db stamp " + r.revision +
           "'), and run 'manage_db repair' to close its record before migrating again";
  }

  static std::int64_t elapsed_ms(std::chrono::steady_clock::time_point started) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  }

  // "2026-12-02T09:30:00.123Z"
  static std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const auto days = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day ymd{days};
    const auto seconds = (ms / 1000) % 86400;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60), static_cast<long long>(ms % 1000));
    return buffer;
  }

  static std::string host_name() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) return {};
    return buffer;
  }

  static std::string join(const std::vector<std::string>& ids) {
    std::string s;
    for (const auto& id : ids) s += (s.empty() ? "" : ", ") + id;
    return s;
  }

  // `advice`: what to do when the revision is not at fault (the dialect's operation_failed::advice());
  // `rolled_back_with`: how many revisions that ran before it in its transaction were rolled back with it.
  migration_failed failure(const revision_info& rev, direction way, const std::string& before, const std::string& operation,
                           const std::string& message, const std::string& advice = {}, std::size_t rolled_back_with = 0) const {
    const std::string fix = advice.empty() ? "fix the revision and run it again" : advice;
    std::string text = std::string(to_string(way)) + " of revision '" +
                       std::string(rev.id) + "' (" + std::string(rev.message) + ") failed" +
                       (operation.empty() ? "" : " at " + operation) + ": " + message +
                       (rev.transactional
                            ? "; it was rolled back" +
                                  (rolled_back_with == 0 ? std::string()
                                                         : " with the " + std::to_string(rolled_back_with) + " revision(s) before it in the same "
                                                           "transaction (tx_mode all)") +
                                  ", so the database is still at " + before + ": " + fix
                            : "; it ran outside a transaction, so what ran before the failure stayed applied, while the version "
                              "table still says " + before + ": clean up what it left, " + (advice.empty() ? "" : "then ") + fix);
    return migration_failed(std::string(rev.id), operation, message, text);
  }

  std::vector<std::string> ids_of(const std::vector<std::size_t>& rows) const {
    std::vector<std::string> out;
    for (auto r : rows) out.emplace_back(graph_[r].id);
    return out;
  }

  std::vector<std::string> next_rows(const std::vector<std::size_t>& rows, std::size_t i, direction way) const {
    std::vector<std::size_t> next;
    if (way == direction::upgrade) {
      const auto& downs = graph_.downs(i);
      for (auto r : rows)
        if (std::find(downs.begin(), downs.end(), r) == downs.end()) next.push_back(r);
      next.push_back(i);
    } else {
      for (auto r : rows)
        if (r != i) next.push_back(r);
      const auto still = graph_.ancestors(next);
      for (auto d : graph_.downs(i))
        if (!still[d]) next.push_back(d);
    }
    std::sort(next.begin(), next.end());
    return ids_of(next);
  }

  migrator_options options_;
  revision_graph graph_;
  D dialect_;
  std::function<void(const migration_event&)> listener_;
  std::string host_ = host_name();  // for the history table's rows, asked once
  bool history_read_ = false;  // this upgrade or downgrade has checked the history table (read_history_once)
  std::optional<resume_point> resume_;  // where the revision an earlier run left at a backfill goes on
  // The version rows as the last group left them, while hold_migration_lock() keeps others out
  // (HoldsMigrationLock): the groups after the first read no version table.
  std::optional<std::vector<std::size_t>> held_rows_;
};

}  // namespace strata
