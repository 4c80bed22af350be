// The single header's command line, asked for with STRATA_WITH_CLI: a manage_db built from it alone.
#define STRATA_WITH_CLI
#include <strata/strata.hpp>

struct create_notes : strata::revision<"a1b2c3d4e5f6", strata::base> {
  static constexpr std::string_view message = "create notes";
  static constexpr void upgrade(strata::ops& op) { op.create_table("notes", {strata::column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("notes"); }
};
using history = strata::history<create_notes>;

int main(int argc, char** argv) { return strata::cli::main<history, strata::sqlite>(argc, argv); }
