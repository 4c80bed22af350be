// `.server_default(0)` once compiled (0 read as a null const char*) and crashed when the column was
// rendered; a number is refused at compile time with a message saying to write SQL text.
// expect-error: strata::column::server_default takes SQL text: write .server_default\("0"\), not .server_default\(0\)
#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(),
                               strata::column("volume", strata::integer).not_null().server_default(0)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};

int main() { return static_cast<int>(strata::history<initial>::size); }
