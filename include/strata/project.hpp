// strata::cli::project: what a manage_db knows of its program at run time (the revisions, the models,
// how to rebuild it), so that the command line is compiled apart from the history.
//
//   // manage_db_project.cpp, the one unit that sees the history (recompiled after `migrate`):
//   #define STRATA_REVISIONS_ONLY
//   #include <strata/project.hpp>
//   #include "migrations/history.hpp"
//   strata::model manage_db_models();  // manage_db_models.cpp, if the program has models
//   strata::cli::project manage_db_project() { return strata::cli::project_of<migrations::history>({}, &manage_db_models); }
//
//   // manage_db_models.cpp, the models (recompiled when they change, not after `migrate`):
//   #include <strata/model.hpp>
//   #include "models.hpp"
//   strata::model manage_db_models() { return strata::declared<app::models>(); }
//
//   // manage_db.cpp, the command line (CLI11, the configuration, the dialects), compiled once:
//   #include <strata/cli.hpp>
//   #include <strata/dialect/sqlite.hpp>
//   strata::cli::project manage_db_project();
//   int main(int argc, char** argv) { return strata::cli::run<strata::sqlite>(argc, argv, manage_db_project()); }
//
// strata_add_manage_db() in CMake (cmake/strataManageDb.cmake) writes these units.
#pragma once

#include <array>
#include <span>
#include <string_view>

#include <strata/history.hpp>
#include <strata/review.hpp>

namespace strata {
class model;  // <strata/model.hpp>: the project holds only a function that returns the models
}  // namespace strata

namespace strata::detail {

// The upgrade() and downgrade() of revision R, frozen: `frozen_revision<R>::upgrade`. The room they
// take was counted when the history's check recorded them (revision_facts::frozen); one more
// recording of both fills it.
template <class R>
struct frozen_revision {
  static constexpr frozen_sizes sizes = facts_of<R>.frozen;
  static constexpr frozen_arrays<sizes> arrays = frozen_arrays_of<sizes>(&R::upgrade, &downgrade_of<R>);
  static constexpr frozen_ops upgrade = arrays.upgrade();
  static constexpr frozen_ops downgrade = arrays.downgrade();
};

// The checksum of R's frozen upgrade (revision_info::upgrade_checksum), hashed once per process.
// (Not constexpr: see checksum_at_run_time.)
inline std::uint64_t frozen_checksum_at_run_time(const frozen_ops& upgrade) { return checksum_value(upgrade.thaw()); }
template <class R>
std::uint64_t frozen_checksum_once() {
  static const std::uint64_t value = frozen_checksum_at_run_time(frozen_revision<R>::upgrade);
  return value;
}

template <class R>
constexpr revision_info frozen_info_of() {
  if constexpr (Revision<R>) {
    return {R::id, R::down_revisions, R::message, nullptr, nullptr, R::transactional, &frozen_revision<R>::upgrade,
            &frozen_revision<R>::downgrade, &frozen_checksum_once<R>};
  } else {
    return {};
  }
}

template <class H>
struct frozen_history;
// The revisions of a history with their operations frozen (detail::frozen_ops): a unit that hands
// these over emits no code for the revisions. Where operations cannot be recorded at compile time
// (clang 14 with libstdc++ 12), the history's own revisions, with their functions.
template <class... R>
struct frozen_history<history<R...>> {
  // history<R...>::size: the history's checks run first.
  static constexpr std::array<revision_info, history<R...>::size> revisions = [] {
    if constexpr (records_at_compile_time) return std::array<revision_info, sizeof...(R)>{frozen_info_of<R>()...};
    else return history<R...>::revisions;
  }();
};

}  // namespace strata::detail

namespace strata::cli {

struct project {
  // The program's revisions, oldest first, which live as long as the program (project_of: with
  // their operations frozen, detail::frozen_history; or a history's static `revisions`).
  std::span<const revision_info> revisions;
  // The application's models (strata::declared<M>), for autogenerate and `check`; null: none. A
  // function, which may live in a unit of its own: the one that sees the history then needs neither
  // <strata/model.hpp> nor the models' header (strata_add_manage_db() does so).
  model (*models)() = nullptr;
  // The command that rebuilds this program, said when it is stale (its revisions differ from the
  // versions folder's): "cmake --build build --target manage_db". Empty: "rebuild <program>".
  std::string_view rebuild_command = {};
};

// The project of history H, and of the models `models` returns (`&strata::declared<M>`, or a
// function defined in another unit). With the models in the same unit, <strata/cli.hpp> has
// project_of<H, M>().
template <History H>
constexpr project project_of(std::string_view rebuild_command = {}, model (*models)() = nullptr) {
  static_assert(reviewed<H>);
  return project{std::span<const revision_info>(strata::detail::frozen_history<H>::revisions), models, rebuild_command};
}

}  // namespace strata::cli
