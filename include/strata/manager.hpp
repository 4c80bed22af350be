// strata::manager<Dialect>: status, upgrade and downgrade for application code, reported as values
// instead of exceptions (the seed system's MigrationManager).
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <strata/errors.hpp>
#include <strata/history.hpp>
#include <strata/migrator.hpp>

namespace strata {

struct migration_status {
  bool ok = false;                   // false when the database could not be read; see error
  std::vector<std::string> current;  // the version rows; empty at base
  std::vector<std::string> heads;
  std::vector<std::string> pending;  // what upgrade() would apply, in order
  bool needs_upgrade = false;
  std::string url;                   // where the manager points, any password masked
  std::string error;                 // one sentence when !ok
};

struct migration_result {
  bool success = false;
  std::vector<std::string> from;     // the version rows before
  std::vector<std::string> to;       // the version rows after (also after a failure: where it stopped)
  std::vector<std::string> applied;  // the revisions upgraded or downgraded, in order
  std::string error;                 // one sentence when !success
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
      s.heads = migrator().heads();
      s.url = migrator().dialect().location();
      s.current = migrator().current();
      s.pending = migrator().pending("heads");
      s.needs_upgrade = !s.pending.empty();
      s.ok = true;
    } catch (const std::exception& e) {
      s.error = e.what();
    }
    return s;
  }

  [[nodiscard]] migration_result upgrade(std::string_view target = "head") noexcept {
    return run([&](auto& m) { return m.upgrade(target); });
  }

  [[nodiscard]] migration_result downgrade(std::string_view target) noexcept {
    return run([&](auto& m) { return m.downgrade(target); });
  }

  // The migrator itself, for what the manager does not offer; rethrows the open error if any.
  [[nodiscard]] strata::migrator<D>& migrator() {
    if (!migrator_) std::rethrow_exception(open_error_);
    return *migrator_;
  }

 private:
  template <class F>
  migration_result run(F&& f) noexcept {
    migration_result r;
    try {
      auto& m = migrator();
      r.from = m.current();
      // Record what finished even if a later revision fails, so that the result says how far it got.
      m.on_event([&](const migration_event& e) {
        if (e.what == migration_event::kind::finished) r.applied.emplace_back(e.revision->id);
      });
      struct forget {
        strata::migrator<D>& m;
        ~forget() { m.on_event(nullptr); }
      } forget_listener{m};
      f(m);
      r.success = true;
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    try {
      if (migrator_) r.to = migrator_->current();
    } catch (const std::exception& e) {
      if (r.success) {
        r.success = false;
        r.error = e.what();
      }
    }
    return r;
  }

  std::optional<strata::migrator<D>> migrator_;
  std::exception_ptr open_error_;
};

}  // namespace strata
