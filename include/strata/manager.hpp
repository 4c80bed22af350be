// strata::manager<Dialect>: status, upgrade and downgrade for application code, reported as values
// instead of exceptions (the seed system's MigrationManager), on strata::commands.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <strata/commands.hpp>
#include <strata/errors.hpp>
#include <strata/history.hpp>
#include <strata/migrator.hpp>

namespace strata {

// manage_db status's facts (strata::commands::status), as ids.
struct migration_status {
  bool ok = false;                   // false when the database could not be read; see error
  std::vector<std::string> current;  // the version rows; empty at base
  std::vector<std::string> heads;
  std::vector<std::string> pending;  // what upgrade() would apply, in order
  bool needs_upgrade = false;
  std::string location;              // where the manager points: its URL, any password masked
  std::string error;                 // one sentence when !ok
};

struct migration_result {
  bool ok = false;                   // false when it failed or could not start; see error
  std::vector<std::string> from;     // the version rows before
  std::vector<std::string> to;       // the version rows after (also after a failure: where it stopped)
  std::vector<std::string> applied;  // the revisions upgraded or downgraded, in order
  std::string error;                 // one sentence when !ok
};

// Opens its connection on construction; a failure to open is kept and reported by every call.
// upgrade() and downgrade() use the migrator's event listener while they run (and clear it after).
// Not thread-safe: one manager per thread, like the connection it owns.
template <Dialect D>
class manager {
 public:
  template <History H, class... Args>
    requires std::constructible_from<D, Args&&...>
  explicit manager(H h, Args&&... dialect_args) : manager(h, migrator_options{}, std::forward<Args>(dialect_args)...) {}

  template <History H, class... Args>
    requires std::constructible_from<D, Args&&...>
  manager(H h, migrator_options options, Args&&... dialect_args) noexcept {
    try {
      migrator_.emplace(h, std::move(options), std::forward<Args>(dialect_args)...);
    } catch (...) {
      open_error_ = std::current_exception();
    }
  }

  [[nodiscard]] migration_status check_status() noexcept {
    migration_status s;
    try {
      const auto report = commands::status(migrator());
      s.current = commands::ids(report.current);
      s.heads = commands::ids(report.heads);
      s.pending = commands::ids(report.pending);
      s.needs_upgrade = report.needs_upgrade;
      s.location = report.location;
      s.ok = true;
    } catch (const std::exception& e) {
      s.error = e.what();
    }
    return s;
  }

  [[nodiscard]] migration_result upgrade(std::string_view target = "head") noexcept {
    return run([&](auto& m) { return commands::upgrade(m, target); });
  }

  [[nodiscard]] migration_result downgrade(std::string_view target) noexcept {
    return run([&](auto& m) { return commands::downgrade(m, target); });
  }

  // The migrator itself, for what the manager does not offer; rethrows the open error if any.
  [[nodiscard]] strata::migrator<D>& migrator() {
    if (!migrator_) std::rethrow_exception(open_error_);
    return *migrator_;
  }

 private:
  // The command's version_change; after a failure, how far it got: the revisions that finished
  // (recorded as they do) and the version rows read again.
  template <class F>
  migration_result run(F&& command) noexcept {
    migration_result r;
    try {
      auto& m = migrator();
      r.from = m.current();
      m.on_event([&](const migration_event& e) {
        if (e.what == migration_event::kind::finished) r.applied.emplace_back(e.revision->id);
      });
      struct forget {
        strata::migrator<D>& m;
        ~forget() { m.on_event(nullptr); }
      } forget_listener{m};
      const auto change = command(m);
      r.from = commands::ids(change.from);
      r.applied = commands::ids(change.applied);
      r.to = commands::ids(change.to);
      r.ok = true;
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    if (!r.ok && migrator_) {
      try {
        r.to = migrator_->current();
      } catch (const std::exception&) {  // NOLINT: the error already says what went wrong
      }
    }
    return r;
  }

  std::optional<strata::migrator<D>> migrator_;
  std::exception_ptr open_error_;
};

}  // namespace strata
