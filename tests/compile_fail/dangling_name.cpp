// A constexpr upgrade() that records a name held by a std::string of its own: the string is gone
// when upgrade() returns, and reading the name then is caught at compile time, with one message.
// expect-error: In instantiation of 'struct strata::detail::revision_checked<add_archive>'
// expect-error: strata::history: the revision in 'revision_checked<...>' above records a name that does not outlive its upgrade\(\) or downgrade\(\)
#include <string>

#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) { op.create_table("stocks", {strata::column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
struct add_archive : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "archive table";
  static constexpr void upgrade(strata::ops& op) {
    const std::string table = std::string("stocks") + "_archive_of_delisted_companies";
    op.create_table(table, {strata::column("id", strata::integer).primary_key()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks_archive_of_delisted_companies"); }
};

using history = strata::history<initial, add_archive>;
static_assert(history::size == 2);
