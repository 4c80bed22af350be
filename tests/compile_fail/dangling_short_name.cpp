// The same with a short name, which std::string keeps inline: GCC 12 reads it without complaint
// after the string is gone, but refuses it as the value of a constexpr variable, which names the
// revision (one error).
// expect-error: In instantiation of 'constexpr const strata::detail::recorded_names strata::detail::names_outlive_the_call<add_archive
// expect-error: strata::history: a name recorded by the upgrade\(\) or downgrade\(\) of the revision above points into a std::string or another local that is gone
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
    const std::string table = "archive";
    op.create_table(table, {strata::column("id", strata::integer).primary_key()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("archive"); }
};

using history = strata::history<initial, add_archive>;
static_assert(history::size == 2);
