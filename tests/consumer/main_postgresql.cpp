// A user's program on PostgreSQL: one revision, migrated to head in a database of its own on the
// server libpq's PG* variables name (pg_virtualenv sets them), dropped at the end. Exits 1 unless
// the database ends at that revision; without a server it prints "no PostgreSQL server" (the test
// is then skipped) and exits 0, or fails when STRATA_REQUIRE_POSTGRESQL is set.
#include <strata/strata.hpp>

#include <cstdlib>
#include <memory>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

struct create_notes : strata::revision<"a1b2c3d4e5f6", strata::base> {
  static constexpr std::string_view message = "create notes";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("notes", {strata::column("id", strata::integer).primary_key(),
                              strata::column("body", strata::text).not_null()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("notes"); }
};

using history = strata::history<create_notes>;

int main() {
  std::unique_ptr<pqxx::connection> admin;
  try {
    admin = std::make_unique<pqxx::connection>();
  } catch (const pqxx::broken_connection& e) {
    const char* required = std::getenv("STRATA_REQUIRE_POSTGRESQL");
    if (required != nullptr && *required != '\0') {
      std::cerr << "strata_consumer: cannot reach the PostgreSQL server of the PG* variables: " << e.what();
      return 1;
    }
    std::cout << "no PostgreSQL server\n";
    return 0;
  }
  const std::string name = "strata_consumer_" + std::to_string(::getpid());
  pqxx::nontransaction(*admin).exec0("CREATE DATABASE " + name);
  std::vector<std::string> current;
  {
    strata::migrator<strata::postgresql> m{history{}, "postgresql:///" + name};
    m.upgrade();
    current = m.current();
  }
  pqxx::nontransaction(*admin).exec0("DROP DATABASE " + name);
  for (const auto& rev : current) std::cout << rev << '\n';
  if (current != std::vector<std::string>{"a1b2c3d4e5f6"}) {
    std::cerr << "strata_consumer: expected the database at revision a1b2c3d4e5f6\n";
    return 1;
  }
  return 0;
}
