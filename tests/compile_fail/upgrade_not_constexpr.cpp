// A revision whose upgrade() is not constexpr (here it builds a table name in a std::string, which
// would leave ops holding a string_view into freed memory at run time) is refused, with one message.
// expect-error: In instantiation of 'struct strata::detail::revision_checked<add_archive>'
// expect-error: strata::history: the upgrade\(\) or downgrade\(\) of the revision in 'revision_checked<...>' above cannot run at compile time: add `constexpr`
#include <string>

#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) { op.create_table("stocks", {strata::column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
struct add_archive : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "archive table";
  static void upgrade(strata::ops& op) {
    const std::string table = std::string("stocks") + "_archive_of_delisted_companies";
    op.create_table(table, {strata::column("id", strata::integer).primary_key()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks_archive_of_delisted_companies"); }
};

using history = strata::history<initial, add_archive>;
static_assert(history::size == 2);
