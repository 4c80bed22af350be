// Includes nothing of strata but the generated single header, and migrates a SQLite file with it.
#include <strata/strata.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#ifndef STRATA_TEST_SCRATCH
#define STRATA_TEST_SCRATCH "."
#endif

struct create_notes : strata::revision<"a1b2c3d4e5f6", strata::base> {
  static constexpr std::string_view message = "create notes";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("notes", {strata::column("id", strata::integer).primary_key(), strata::column("body", strata::text).not_null()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("notes"); }
};
struct add_title : strata::revision<"b2c3d4e5f6a1", "a1b2c3d4e5f6"> {
  static constexpr std::string_view message = "add title";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("notes", strata::column("title", strata::varchar(80)).not_null().server_default("''"));
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("notes", "title"); }
};
using history = strata::history<create_notes, add_title>;
static_assert(strata::replay<history>().find_table("notes")->columns.size() == 3);

int main() {
  const auto path = std::filesystem::path(STRATA_TEST_SCRATCH) / "single_header.db";
  std::filesystem::remove(path);
  strata::migrator<strata::sqlite> m{history{}, "sqlite:///" + path.string()};
  if (m.upgrade() != std::vector<std::string>{"a1b2c3d4e5f6", "b2c3d4e5f6a1"} || m.current() != m.heads()) {
    std::cerr << "single header: upgrade did not reach head\n";
    return 1;
  }
  SQLite::Database db(path.string());
  if (!db.tableExists("notes") || db.execAndGet("SELECT count(*) FROM pragma_table_info('notes')").getInt() != 3) {
    std::cerr << "single header: the notes table is not as the history says\n";
    return 1;
  }
  m.downgrade("base");
  if (!m.current().empty() || SQLite::Database(path.string()).tableExists("notes")) {
    std::cerr << "single header: downgrade to base left something behind\n";
    return 1;
  }
  std::cout << "single header: migrated " << path << " to head and back\n";
  return 0;
}
