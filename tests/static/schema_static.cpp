// The schema model at compile time for the operation options of issue 10: add_column's placement,
// generated columns, a composite key losing a column, constraints dropped by kind and columns or
// by a naming convention's name, a boolean's CHECK going with its type.
#include <strata/strata.hpp>

namespace {

using strata::column;

constexpr strata::naming_convention convention{.check = "ck_%(table_name)s_%(column_0_name)s",
                                               .foreign_key = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"};

struct create : strata::revision<"d10000000001", strata::base> {
  static constexpr std::string_view message = "tables";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("owners", {column("id", strata::integer).primary_key()});
    op.create_table("pets", {column("a", strata::integer).not_null(), column("b", strata::text).not_null(),
                             column("owner_id", strata::integer).references("owners", "id"), column("legs", strata::integer).check("legs >= 0"),
                             column("flag", strata::boolean), strata::primary_key({"a", "b"}), strata::check("flag IN (0, 1)"),
                             strata::check("legs < 100 AND b <> ''"), strata::unique({"legs", "owner_id"})});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("pets");
    op.drop_table("owners");
  }
};

struct alter : strata::revision<"d10000000002", "d10000000001"> {
  static constexpr std::string_view message = "alterations";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("pets", column("name", strata::text), {.insert_after = "a"});
    op.add_column("pets", column("first", strata::text), {.insert_before = "a"});
    op.add_column("pets", column("twice", strata::integer).generated("legs * 2", strata::stored));
    op.drop_column("pets", "b");                                                   // PRIMARY KEY (a, b) -> (a); the CHECK naming b goes
    op.alter_column("pets", "flag", {.type = strata::integer});                    // its CHECK (flag IN (0, 1)) goes
    op.drop_constraint("pets", strata::constraint_kind::unique, {"owner_id", "legs"});
    op.use_naming_convention(convention);
    op.drop_constraint("pets", "ck_pets_legs");                                    // the column's unnamed CHECK
    op.drop_constraint("pets", "fk_pets_owner_id_owners");                         // the column's unnamed foreign key
  }
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<create, alter>;

constexpr const strata::table_schema& pets(const strata::schema& s) { return *s.find_table("pets"); }

static_assert([] {
  const auto s = strata::replay<history>();
  const auto& t = pets(s);
  return t.columns.size() == 7 && t.columns[0].name == "first" && t.columns[1].name == "a" && t.columns[2].name == "name" &&
         t.columns[6].name == "twice" && t.columns[6].generated_sql == "legs * 2" && t.columns[6].generated_storage == strata::stored;
}());

static_assert([] {
  const auto s = strata::replay<history>();
  const auto& t = pets(s);
  // What is left: PRIMARY KEY (a), and no CHECK, UNIQUE or foreign key.
  return t.constraints.size() == 1 && t.constraints[0].kind == strata::constraint_kind::primary_key && t.constraints[0].columns.size() == 1 &&
         t.constraints[0].columns[0] == "a" && !t.find_column("legs")->check_sql && !t.find_column("owner_id")->foreign_key &&
         t.find_column("flag")->type == strata::integer;
}());

// The views of a table's constraints: a CHECK's columns are those its expression names, in order.
static_assert([] {
  const auto s = strata::replay<strata::history<create>>();
  const auto views = strata::constraints_of(pets(s));
  return views.size() == 6 && views[0].kind == strata::constraint_kind::foreign_key && views[0].referenced_table == "owners" &&
         views[1].kind == strata::constraint_kind::check && views[1].columns.size() == 1 && views[4].columns.size() == 2 &&
         views[4].columns[0] == "legs" && views[4].columns[1] == "b" && views[0].named("pets", convention, "fk_pets_owner_id_owners") &&
         !views[0].named("pets", {}, "fk_pets_owner_id_owners");
}());

static_assert(strata::is_boolean_check("flag IN (0, 1)", "flag") && strata::is_boolean_check("\"Flag\" in(0,1)", "flag") &&
              !strata::is_boolean_check("flag IN (0, 1, 2)", "flag") && !strata::is_boolean_check("other IN (0, 1)", "flag"));

// Naming conventions at compile time: whether a pattern gives a name, without allocating one.
constexpr std::string_view one_column[] = {"legs"};
static_assert(strata::detail::convention_gives("ck_%(table_name)s_%(column_0_name)s", {"pets", one_column}, "ck_pets_legs"));
static_assert(!strata::detail::convention_gives("ck_%(table_name)s_%(column_0_name)s", {"pets", one_column}, "ck_pets_leg"));
static_assert(!strata::detail::convention_gives("ck_%(table_name)s_%(constraint_name)s", {"pets", one_column}, "ck_pets_"),
              "a pattern with %(constraint_name)s names no unnamed constraint");

}  // namespace
