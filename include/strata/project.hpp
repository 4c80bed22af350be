// strata::cli::project: what a manage_db knows of its program at run time (the revisions, the models,
// how to rebuild it), so that the command line is compiled apart from the history.
//
//   // manage_db_project.cpp, the one unit that sees the history (recompiled after `migrate`):
//   #include <strata/project.hpp>
//   #include "migrations/history.hpp"
//   strata::cli::project manage_db_project() { return strata::cli::project_of<migrations::history>(); }
//
//   // manage_db.cpp, the command line (CLI11, the configuration, the dialects), compiled once:
//   #include <strata/cli.hpp>
//   #include <strata/dialect/sqlite.hpp>
//   strata::cli::project manage_db_project();
//   int main(int argc, char** argv) { return strata::cli::run<strata::sqlite>(argc, argv, manage_db_project()); }
//
// strata_add_manage_db() in CMake (cmake/strataManageDb.cmake) writes both units.
#pragma once

#include <span>
#include <string_view>

#include <strata/history.hpp>
#include <strata/model.hpp>

namespace strata::cli {

struct project {
  // The program's revisions, oldest first (a history's static `revisions`, which live as long as
  // the program).
  std::span<const revision_info> revisions;
  // The application's models (strata::declared<M>), for autogenerate and `check`; null: none.
  model (*models)() = nullptr;
  // The command that rebuilds this program, said when it is stale (its revisions differ from the
  // versions folder's): "cmake --build build --target manage_db". Empty: "rebuild <program>".
  std::string_view rebuild_command = {};
};

// The project of history H.
template <History H>
constexpr project project_of(std::string_view rebuild_command = {}) {
  return project{std::span<const revision_info>(H::revisions), nullptr, rebuild_command};
}

// The project of history H and the models M (`struct models { static constexpr void declare(strata::model&); }`).
template <History H, Models M>
constexpr project project_of(std::string_view rebuild_command = {}) {
  return project{std::span<const revision_info>(H::revisions), &declared<M>, rebuild_command};
}

}  // namespace strata::cli
