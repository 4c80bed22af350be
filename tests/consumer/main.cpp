// A user's program: one revision, migrated to head on a SQLite file; exits 1 unless it is current.
#include <strata/strata.hpp>
#if __has_include(<strata/dialect/sqlite.hpp>)  // strata's headers; the single header holds the dialect already
#include <strata/dialect/sqlite.hpp>
#endif

#include <iostream>
#include <string>
#include <vector>

struct create_notes : strata::revision<"a1b2c3d4e5f6", strata::base> {
  static constexpr std::string_view message = "create notes";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("notes", {strata::column("id", strata::integer).primary_key(),
                              strata::column("body", strata::text).not_null()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("notes"); }
};

using history = strata::history<create_notes>;

int main(int argc, char** argv) {
  strata::migrator<strata::sqlite> m{history{}, argc > 1 ? argv[1] : "sqlite:///consumer.db"};
  m.upgrade();
  const std::vector<std::string> current = m.current();
  for (const auto& rev : current) std::cout << rev << '\n';
  if (current != std::vector<std::string>{"a1b2c3d4e5f6"}) {
    std::cerr << "strata_consumer: expected the database at revision a1b2c3d4e5f6\n";
    return 1;
  }
  return 0;
}
