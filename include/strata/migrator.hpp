// strata::migrator<Dialect>: upgrade, downgrade and stamp a database, one transaction per revision.
#pragma once

#include <algorithm>
#include <charconv>
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

#include <strata/dialect.hpp>
#include <strata/errors.hpp>
#include <strata/graph.hpp>
#include <strata/history.hpp>
#include <strata/ops.hpp>

namespace strata {

struct migrator_options {
  // Alembic's name by default, so that Alembic and strata agree on the same database.
  std::string version_table = "alembic_version";
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
  template <History H, class... Args>
    requires std::constructible_from<D, Args&&...>
  explicit migrator(H, Args&&... dialect_args) : migrator(std::span<const revision_info>(H::revisions), std::forward<Args>(dialect_args)...) {}

  template <History H, class... Args>
    requires std::constructible_from<D, Args&&...>
  migrator(H, migrator_options options, Args&&... dialect_args)
      : migrator(std::span<const revision_info>(H::revisions), std::move(options), std::forward<Args>(dialect_args)...) {}

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
    const auto plan = upgrade_plan(target);
    if (plan.empty()) return {};  // no lock to take
    std::vector<std::string> done;
    holding_lock([&] {
      for (auto i : plan)
        if (step(i, direction::upgrade)) done.emplace_back(graph_[i].id);
    });
    return done;
  }

  // Reverts down to the target and returns the ids reverted, in order. Targets: an id or a
  // unique prefix (which stays applied), "base", "-N".
  std::vector<std::string> downgrade(std::string_view target) {
    const auto plan = downgrade_plan(target);
    if (plan.empty()) return {};  // no lock to take
    std::vector<std::string> done;
    holding_lock([&] {
      for (auto i : plan)
        if (step(i, direction::downgrade)) done.emplace_back(graph_[i].id);
    });
    return done;
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
    dialect_.transaction(unit, [&] { dialect_.write_versions(options_.version_table, rows); });
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

  // The steps of one upgrade or downgrade under one migration lock, when the dialect can hold it
  // across units (each step's transaction() then does not take it again).
  template <class F>
  void holding_lock(F&& steps) {
    if constexpr (HoldsMigrationLock<D>) dialect_.hold_migration_lock(options_.version_table, steps);
    else steps();
  }

  // Runs one revision in its own transaction; false when another process had already done it.
  // transaction() may run the body again (a dialect's retry after a lock timeout): it is repeatable.
  bool step(std::size_t i, direction way) {
    const auto& rev = graph_[i];
    const ops recorded = way == direction::upgrade ? rev.record_upgrade() : rev.record_downgrade();
    const unit_of_work unit{rev.id, recorded.operations(), rev.transactional, options_.version_table};
    bool skipped = false;
    std::string before = "base";
    try {
      dialect_.transaction(unit, [&] {
        auto rows = rows_to_indexes(dialect_.read_versions(options_.version_table));
        before = describe_rows(rows);
        const auto applied = graph_.ancestors(rows);
        if ((way == direction::upgrade) == applied[i]) {
          skipped = true;  // someone else migrated while we waited for the lock
          return;
        }
        notify(migration_event::kind::starting, way, i);  // with the lock held: a locked database starts nothing
        dialect_.apply(unit.operations);
        dialect_.write_versions(options_.version_table, next_rows(rows, i, way));
      });
    } catch (const operation_failed& e) {
      throw failure(rev, way, before, e.operation(), e.database_message(), e.advice());
    } catch (const strata::error&) {
      throw;
    } catch (const std::exception& e) {
      throw failure(rev, way, before, "", e.what());
    }
    notify(skipped ? migration_event::kind::skipped : migration_event::kind::finished, way, i);
    return !skipped;
  }

  // `advice`: what to do when the revision is not at fault (the dialect's operation_failed::advice()).
  migration_failed failure(const revision_info& rev, direction way, const std::string& before, const std::string& operation,
                           const std::string& message, const std::string& advice = {}) const {
    const std::string fix = advice.empty() ? "fix the revision and run it again" : advice;
    std::string text = std::string(to_string(way)) + " of revision '" +
                       std::string(rev.id) + "' (" + std::string(rev.message) + ") failed" +
                       (operation.empty() ? "" : " at " + operation) + ": " + message +
                       (rev.transactional
                            ? "; it was rolled back, so the database is still at " + before + ": " + fix
                            : "; it ran outside a transaction, so what ran before the failure stayed applied, while the version "
                              "table still says " + before + ": clean up what it left, " + (advice.empty() ? "" : "then ") + fix);
    return migration_failed(std::string(rev.id), operation, message, text);
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
    std::vector<std::string> out;
    for (auto r : next) out.emplace_back(graph_[r].id);
    return out;
  }

  migrator_options options_;
  revision_graph graph_;
  D dialect_;
  std::function<void(const migration_event&)> listener_;
};

}  // namespace strata
