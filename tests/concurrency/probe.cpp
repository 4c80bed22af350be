// A manage_db whose revisions log themselves in `migration_log`, for the concurrent-deploy test:
// eight of these run `upgrade` at once on one database, and every revision must be logged once.
#include <chrono>
#include <thread>

#include <strata/cli.hpp>
#include <strata/dialect/sqlite.hpp>
#ifdef STRATA_HAVE_POSTGRESQL
#include <strata/dialect/postgresql.hpp>
#endif

namespace probe {

struct create_log : strata::revision<"ccc000000001", strata::base> {
  static constexpr std::string_view message = "create the log";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("migration_log", {strata::column("id", strata::integer).primary_key(),
                                      strata::column("revision", strata::varchar(32)).not_null()});
    op.execute("INSERT INTO migration_log (revision) VALUES ('ccc000000001')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("migration_log"); }
};

// Slow on purpose, so that the other processes arrive while it holds the lock.
struct slow_items : strata::revision<"ccc000000002", "ccc000000001"> {
  static constexpr std::string_view message = "create items, slowly";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {strata::column("id", strata::integer).primary_key(), strata::column("name", strata::text)});
    op.run([](strata::connection&) { std::this_thread::sleep_for(std::chrono::milliseconds(200)); }, "wait 200 ms");
    op.execute("INSERT INTO items (name) VALUES ('first'); INSERT INTO migration_log (revision) VALUES ('ccc000000002')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};

struct required_name : strata::revision<"ccc000000003", "ccc000000002"> {
  static constexpr std::string_view message = "items.name NOT NULL";
  static constexpr void upgrade(strata::ops& op) {
    op.alter_column("items", "name", {.nullable = false});
    op.execute("INSERT INTO migration_log (revision) VALUES ('ccc000000003')");
  }
  static constexpr void downgrade(strata::ops& op) { op.alter_column("items", "name", {.nullable = true}); }
};

struct add_price : strata::revision<"ccc000000004", "ccc000000003"> {
  static constexpr std::string_view message = "add items.price";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", strata::column("price", strata::integer));
    op.execute("UPDATE items SET price = 1; INSERT INTO migration_log (revision) VALUES ('ccc000000004')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "price"); }
};

using history = strata::history<create_log, slow_items, required_name, add_price>;

}  // namespace probe

int main(int argc, char** argv) {
#ifdef STRATA_HAVE_POSTGRESQL
  return strata::cli::main<probe::history, strata::sqlite, strata::postgresql>(argc, argv);
#else
  return strata::cli::main<probe::history, strata::sqlite>(argc, argv);
#endif
}
