// Models (strata/model.hpp), their binding to row structs, and strata::diff (strata/diff.hpp): every
// kind of change, its inverse through real replays (strata::schema::apply), renames, the order
// foreign keys need, destructive operations, and the same at compile time.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <boost/hana/define_struct.hpp>
#include <gtest/gtest.h>

#include <strata/dialect/sqlite.hpp>
#include <strata/diff.hpp>
#include <strata/hana.hpp>
#include <strata/model.hpp>
#include <strata/schema_diff.hpp>

#include <insightbull/migrations/history.hpp>
#include <insightbull/models.hpp>

#include "support/sqlite_scratch.hpp"

namespace {

using strata::column;
using strata::schema;

template <class F>
constexpr schema build(F record) {
  strata::ops o;
  record(o);
  schema s;
  s.apply(o);
  return s;
}

// The kind of each operation: "create_table", "add_column" ...
std::vector<std::string> kinds(const strata::ops& o) {
  std::vector<std::string> out;
  for (const auto& x : o.operations()) {
    const auto text = strata::describe(x);
    out.push_back(text.substr(0, text.find(' ')));
  }
  return out;
}

// Whether two schemas hold the same tables, columns, constraints and indexes, whatever their order and
// wherever a constraint is written (a column's .unique() or strata::unique).
bool equivalent(const schema& a, const schema& b) { return strata::diff(a, b).empty() && strata::diff(b, a).empty(); }

// upgrade takes `from` to `to`, downgrade takes that back to `from`: exactly (same_as) where `exact`,
// else up to where the constraints are written. Returns the diff for more checks.
strata::migration_ops round_trip(const schema& from, const schema& to, const std::vector<strata::table_rename>& renamed = {}, bool exact = true) {
  auto d = strata::diff(from, to, renamed);
  schema up = from;
  up.apply(d.upgrade);
  EXPECT_TRUE(equivalent(up, to)) << "upgrade does not reach `to`";
  EXPECT_TRUE(strata::diff(up, to, renamed).empty()) << "a second diff after upgrading is not empty";
  schema down = up;
  down.apply(d.downgrade);
  EXPECT_TRUE(equivalent(down, from)) << "downgrade does not come back to `from`";
  if (exact) {
    EXPECT_TRUE(up.same_as(to)) << "upgrade reaches `to` only up to order";
    EXPECT_TRUE(down.same_as(from)) << "downgrade comes back only up to order";
  }
  return d;
}

// The destructive flag of each upgrade operation, each judged on the schema before it.
std::vector<bool> destructive_flags(const schema& from, const strata::ops& o) {
  std::vector<bool> out;
  schema s = from;
  for (const auto& x : o.operations()) {
    out.push_back(strata::destructive(x, s));
    s.apply(x);
  }
  return out;
}

constexpr auto stocks_v1 = [](strata::ops& op) {
  op.create_table("stocks", {column("id", strata::integer).primary_key(), column("symbol", strata::varchar(10)).not_null(),
                             column("name", strata::varchar(255)), strata::unique("uq_stocks_symbol", {"symbol"})});
  op.create_index("ix_stocks_name", "stocks", {"name"});
};

// ---- Models ---------------------------------------------------------------------------------------

struct Account {
  BOOST_HANA_DEFINE_STRUCT(Account, (std::int64_t, id), (std::string, email), (std::optional<std::string>, nickname));
};
struct Plain {  // not reflected: bound, not checked
  int anything = 0;
};

struct shop_models {
  static constexpr void declare(strata::model& m) {
    m.table("orders", {column("id", strata::integer).primary_key(), column("account_id", strata::integer).not_null(),
                       strata::foreign_key("fk_orders_account", {"account_id"}, "accounts", {"id"}, strata::referential_action::cascade)});
    m.table<Account>("accounts", {column("id", strata::integer).primary_key(), column("email", strata::text).not_null().renamed_from("mail"),
                                  column("nickname", strata::varchar(40))},
                     {.renamed_from = "users"});
    m.table<Plain>("plain", {column("x", strata::text)});
    m.index("ix_orders_account_id", "orders", {"account_id"});
  }
};

TEST(Models, DeclareASchemaInTheVocabularyOfOps) {
  const auto m = strata::declared<shop_models>();
  EXPECT_TRUE(m.faults().empty());
  EXPECT_TRUE(m.mismatches().empty());
  const auto& s = m.schema();
  ASSERT_EQ(s.tables.size(), 3u);
  ASSERT_NE(s.find_table("accounts"), nullptr);
  EXPECT_EQ(s.find_table("accounts")->find_column("email")->previous_name.from, "mail");
  ASSERT_NE(s.find_index("ix_orders_account_id"), nullptr);
  ASSERT_EQ(m.renamed_tables().size(), 1u);
  EXPECT_EQ(m.renamed_tables()[0].from, "users");
  EXPECT_EQ(m.renamed_tables()[0].to, "accounts");
  // The rename hint is no part of the column: a model's column equals its replayed twin.
  EXPECT_EQ(column("email", strata::text).renamed_from("mail"), column("email", strata::text));
}

static_assert(strata::model_schema<shop_models>().tables.size() == 3);
static_assert(strata::model_schema<shop_models>().find_table("orders")->constraints[0].referenced_table == "accounts");

struct faulty_models {
  static constexpr void declare(strata::model& m) {
    m.table("a", {column("id", strata::integer), column("id", strata::text)});
    m.table("b", {column("id", strata::integer), strata::unique({"nope"})});
    m.table("c", {column("id", strata::integer).references("missing", "id")});
    m.table("c", {column("id", strata::integer)});
    m.index("ix_d", "d", {"id"});
    m.index("ix_c", "c", {"nope"});
  }
};

TEST(Models, RecordWhatTheyCannotHoldAsValues) {
  std::vector<strata::model_fault_kind> found;
  const auto m = strata::declared<faulty_models>();
  for (const auto& f : m.faults()) found.push_back(f.kind);
  using k = strata::model_fault_kind;
  EXPECT_EQ(found, (std::vector{k::duplicate_column, k::unknown_column, k::duplicate_table, k::index_on_unknown_table,
                                k::index_on_unknown_column, k::unknown_referenced_table}));
}

// ---- Binding to row structs --------------------------------------------------------------------------

struct Wide {
  BOOST_HANA_DEFINE_STRUCT(Wide, (std::int64_t, id), (std::optional<std::int32_t>, big), (std::optional<std::string>, label),
                           (double, ratio), (std::string, extra), (float, precise));
};

struct wide_models {
  static constexpr void declare(strata::model& m) {
    m.table<Wide>("wide", {column("id", strata::integer), column("big", strata::big_integer), column("label", strata::text).not_null(),
                           column("ratio", strata::real).not_null(), column("missing", strata::boolean), column("precise", strata::float_).not_null(),
                           strata::primary_key({"id"})});
  }
};

TEST(Binding, ChecksEachMemberAgainstItsColumn) {
  const auto m = strata::declared<wide_models>();
  std::vector<std::pair<strata::binding_fault, std::string_view>> found;
  for (const auto& b : m.mismatches()) found.emplace_back(b.fault, b.column);
  using f = strata::binding_fault;
  // id: NOT NULL through the table's primary key, so a plain std::int64_t fits.
  EXPECT_EQ(found, (std::vector<std::pair<f, std::string_view>>{
                       {f::type, "big"}, {f::nullability, "label"}, {f::no_column, "extra"}, {f::type, "precise"}, {f::no_member, "missing"}}));
  EXPECT_EQ(m.mismatches()[0].member_type, "std::optional<std::int32_t>");
  EXPECT_EQ(m.mismatches()[0].row, "{anonymous}::Wide");
}

TEST(Binding, KnowsWhichTypesHoldWhichColumns) {
  static_assert(strata::column_value<std::int64_t>::holds(strata::big_integer));
  static_assert(!strata::column_value<std::int32_t>::holds(strata::big_integer));
  static_assert(strata::column_value<std::int32_t>::holds(strata::integer));
  static_assert(!strata::column_value<std::uint32_t>::holds(strata::integer));
  static_assert(!strata::column_value<std::int16_t>::holds(strata::integer));
  static_assert(strata::column_value<std::string>::holds(strata::datetime) && strata::column_value<std::string>::holds(strata::varchar(3)));
  static_assert(!strata::column_value<std::string>::holds(strata::integer));
  static_assert(strata::column_value<double>::holds(strata::float_) && strata::column_value<double>::holds(strata::real));
  static_assert(!strata::column_value<float>::holds(strata::float_));
  static_assert(strata::column_value<bool>::holds(strata::boolean));
  static_assert(strata::column_value<std::vector<std::byte>>::holds(strata::blob));
  static_assert(strata::column_value<double>::holds(strata::sql_type("NUMERIC(12, 2)")));
  SUCCEED();
}

// ---- diff: every kind of change, and back ---------------------------------------------------------

TEST(Diff, OfASchemaAndItselfIsEmpty) {
  const auto s = build(stocks_v1);
  EXPECT_TRUE(strata::diff(s, s).empty());
  EXPECT_TRUE(strata::diff(schema{}, schema{}).empty());
}

TEST(Diff, CreatesAndDropsTablesReferencedOnesFirst) {
  // The model lists the referencing table first; the referenced one is created first.
  const auto to = build([](strata::ops& op) {
    op.create_table("lines", {column("id", strata::integer).primary_key(), column("order_id", strata::integer).references("orders", "id")});
    op.create_table("orders", {column("id", strata::integer).primary_key(), column("customer_id", strata::integer),
                               strata::foreign_key("fk_orders_customer", {"customer_id"}, "customers", {"id"})});
    op.create_table("customers", {column("id", strata::integer).primary_key()});
    op.create_index("ix_lines_order_id", "lines", {"order_id"});
  });
  const auto d = round_trip(schema{}, to);
  std::vector<std::string> order;
  for (const auto& o : d.upgrade.operations()) order.push_back(std::string(strata::table_of(o)));
  EXPECT_EQ(order, (std::vector<std::string>{"customers", "orders", "lines", "lines"}));
  EXPECT_EQ(kinds(d.downgrade), (std::vector<std::string>{"drop_index", "drop_table", "drop_table", "drop_table"}));
  order.clear();
  for (const auto& o : d.downgrade.operations()) order.push_back(std::string(strata::table_of(o)));
  EXPECT_EQ(order, (std::vector<std::string>{"lines", "lines", "orders", "customers"}));

  // Dropping them all: indexes, then the referencing tables first.
  const auto back = round_trip(to, schema{});
  EXPECT_EQ(kinds(back.upgrade), (std::vector<std::string>{"drop_index", "drop_table", "drop_table", "drop_table"}));
  EXPECT_EQ(strata::table_of(back.upgrade.operations()[1]), "lines");
  EXPECT_EQ(strata::table_of(back.upgrade.operations()[3]), "customers");
  EXPECT_EQ(destructive_flags(to, back.upgrade), (std::vector{false, true, true, true}));
}

TEST(Diff, AddsColumnsWhereTheModelPutsThem) {
  const auto from = build(stocks_v1);
  const auto to = build([](strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key(), column("symbol", strata::varchar(10)).not_null(),
                               column("exchange", strata::text), column("name", strata::varchar(255)), column("market_cap", strata::big_integer),
                               strata::unique("uq_stocks_symbol", {"symbol"})});
    op.create_index("ix_stocks_name", "stocks", {"name"});
  });
  const auto d = round_trip(from, to);
  ASSERT_EQ(d.upgrade.size(), 2u);
  const auto& placed = strata::get<strata::op::add_column>(d.upgrade.operations()[0]);
  EXPECT_EQ(placed.definition.name, "exchange");
  EXPECT_EQ(placed.placement.insert_after, "symbol");
  const auto& last = strata::get<strata::op::add_column>(d.upgrade.operations()[1]);
  EXPECT_EQ(last.definition.name, "market_cap");
  EXPECT_TRUE(last.placement.empty());
  EXPECT_EQ(kinds(d.downgrade), (std::vector<std::string>{"drop_column", "drop_column"}));
  EXPECT_EQ(destructive_flags(from, d.upgrade), (std::vector{false, false}));
}

TEST(Diff, DropsColumnsAndPutsThemBackInPlace) {
  const auto from = build(stocks_v1);
  const auto to = build([](strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key(), column("name", strata::varchar(255))});
    op.create_index("ix_stocks_name", "stocks", {"name"});
  });
  // The table's unique constraint on symbol goes first, then the column; both come back in downgrade.
  const auto d = round_trip(from, to);
  EXPECT_EQ(kinds(d.upgrade), (std::vector<std::string>{"drop_constraint", "drop_column"}));
  EXPECT_EQ(destructive_flags(from, d.upgrade), (std::vector{false, true}));
  EXPECT_EQ(kinds(d.downgrade), (std::vector<std::string>{"add_column", "add_constraint"}));
  EXPECT_EQ(strata::get<strata::op::add_column>(d.downgrade.operations()[0]).placement.insert_after, "id");
}

TEST(Diff, RenamesAColumnTheModelSaysWasRenamed) {
  const auto from = build(stocks_v1);
  const auto to = build([](strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key(), column("ticker", strata::varchar(10)).not_null().renamed_from("symbol"),
                               column("name", strata::varchar(255)), strata::unique("uq_stocks_symbol", {"ticker"})});
    op.create_index("ix_stocks_name", "stocks", {"name"});
  });
  const auto d = round_trip(from, to);
  ASSERT_EQ(kinds(d.upgrade), std::vector<std::string>{"rename_column"});
  EXPECT_EQ(strata::describe(d.upgrade.operations()[0]), "rename_column stocks.symbol to ticker");
  EXPECT_EQ(strata::describe(d.downgrade.operations()[0]), "rename_column stocks.ticker to symbol");
  EXPECT_EQ(destructive_flags(from, d.upgrade), std::vector{false});
  // Without the hint it is a drop and an add (and the constraint on it goes and comes).
  const auto unhinted = build([](strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key(), column("ticker", strata::varchar(10)).not_null(),
                               column("name", strata::varchar(255)), strata::unique("uq_stocks_symbol", {"ticker"})});
    op.create_index("ix_stocks_name", "stocks", {"name"});
  });
  EXPECT_EQ(kinds(strata::diff(from, unhinted).upgrade),
            (std::vector<std::string>{"drop_constraint", "drop_column", "add_column", "add_constraint"}));
}

TEST(Diff, RenamesATableTheModelSaysWasRenamed) {
  const auto from = build([](strata::ops& op) {
    op.create_table("users", {column("id", strata::integer).primary_key(), column("mail", strata::text)});
    op.create_table("orders", {column("id", strata::integer).primary_key(), column("user_id", strata::integer).references("users", "id")});
    op.create_index("ix_users_mail", "users", {"mail"});
  });
  const auto m = strata::declared<shop_models>();
  const auto d = strata::diff(from, m);
  // users -> accounts, mail -> email, then what else differs.
  ASSERT_GE(d.upgrade.size(), 2u);
  EXPECT_EQ(strata::describe(d.upgrade.operations()[0]), "rename_table users to accounts");
  EXPECT_EQ(strata::describe(d.upgrade.operations()[1]), "rename_column accounts.mail to email");
  round_trip(from, m.schema(), m.renamed_tables(), false);
  // The rename happens once: on the renamed schema the hint matches nothing.
  schema up = from;
  up.apply(d.upgrade);
  EXPECT_TRUE(strata::diff(up, m).empty());
}

TEST(Diff, AltersTypeNullabilityAndDefault) {
  const auto from = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer), column("b", strata::varchar(100)).not_null(), column("c", strata::big_integer),
                          column("d", strata::text).server_default("'x'"), column("e", strata::text)});
  });
  const auto to = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::big_integer), column("b", strata::varchar(10)), column("c", strata::integer),
                          column("d", strata::text).server_default("'y'"), column("e", strata::text).not_null().server_default("''")});
  });
  const auto d = round_trip(from, to);
  EXPECT_EQ(kinds(d.upgrade), (std::vector<std::string>(5, "alter_column")));
  // Widening (integer -> big_integer) keeps every value; narrowing does not.
  EXPECT_EQ(destructive_flags(from, d.upgrade), (std::vector{false, true, true, false, false}));
  const auto& b = strata::get<strata::op::alter_column>(d.upgrade.operations()[1]).change;
  EXPECT_EQ(b.type, strata::varchar(10));
  EXPECT_EQ(b.nullable, true);
  const auto& back = strata::get<strata::op::alter_column>(d.downgrade.operations()[3]).change;  // b, undone
  EXPECT_EQ(back.type, strata::varchar(100));
  EXPECT_EQ(back.nullable, false);
  // A default dropped comes back in downgrade.
  const auto dropped = round_trip(to, from);
  EXPECT_TRUE(strata::get<strata::op::alter_column>(dropped.upgrade.operations()[4]).change.drop_default);
}

TEST(Diff, ChangesPrimaryKeys) {
  const auto from = build([](strata::ops& op) { op.create_table("t", {column("a", strata::integer).primary_key(), column("b", strata::integer).not_null()}); });
  const auto to = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer).not_null(), column("b", strata::integer).not_null(), strata::primary_key({"a", "b"})});
  });
  const auto d = round_trip(from, to, {}, false);
  EXPECT_EQ(kinds(d.upgrade), (std::vector<std::string>{"drop_constraint", "add_constraint"}));
  // A new column in a new key: added without .primary_key(), the key comes whole.
  const auto wider = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer).primary_key(), column("b", strata::integer).not_null(), column("c", strata::integer).primary_key()});
  });
  const auto w = round_trip(from, wider, {}, false);
  EXPECT_EQ(kinds(w.upgrade), (std::vector<std::string>{"drop_constraint", "add_column", "add_constraint"}));
}

TEST(Diff, AddsAndDropsUniqueConstraintsChecksAndForeignKeys) {
  const auto from = build([](strata::ops& op) {
    op.create_table("parents", {column("id", strata::integer).primary_key(), column("code", strata::text).not_null()});
    op.create_table("kids", {column("id", strata::integer).primary_key(), column("parent_id", strata::integer), column("age", strata::integer),
                             strata::check("ck_kids_age", "age >= 0")});
  });
  const auto to = build([](strata::ops& op) {
    op.create_table("parents", {column("id", strata::integer).primary_key(), column("code", strata::text).not_null(), strata::unique("uq_parents_code", {"code"})});
    op.create_table("kids", {column("id", strata::integer).primary_key(), column("parent_id", strata::integer), column("age", strata::integer),
                             strata::foreign_key("fk_kids_parent", {"parent_id"}, "parents", {"id"}, strata::referential_action::cascade),
                             strata::check("ck_kids_age", "age >= 0 AND age < 150")});
  });
  const auto d = round_trip(from, to, {}, false);
  // The changed CHECK goes and comes; unique before foreign keys.
  EXPECT_EQ(kinds(d.upgrade), (std::vector<std::string>{"drop_constraint", "add_constraint", "add_constraint", "add_constraint"}));
  EXPECT_EQ(strata::get<strata::op::add_constraint>(d.upgrade.operations()[1]).definition.kind, strata::constraint_kind::unique);
  EXPECT_EQ(strata::get<strata::op::add_constraint>(d.upgrade.operations()[3]).definition.kind, strata::constraint_kind::foreign_key);
  // Back: foreign keys go first.
  const auto back = round_trip(to, from, {}, false);
  EXPECT_EQ(strata::get<strata::op::drop_constraint>(back.upgrade.operations()[0]).name, "fk_kids_parent");

  // An action that changes is the foreign key dropped and added again.
  const auto no_cascade = build([](strata::ops& op) {
    op.create_table("parents", {column("id", strata::integer).primary_key(), column("code", strata::text).not_null(), strata::unique("uq_parents_code", {"code"})});
    op.create_table("kids", {column("id", strata::integer).primary_key(), column("parent_id", strata::integer), column("age", strata::integer),
                             strata::foreign_key("fk_kids_parent", {"parent_id"}, "parents", {"id"}),
                             strata::check("ck_kids_age", "age >= 0 AND age < 150")});
  });
  EXPECT_EQ(kinds(round_trip(to, no_cascade, {}, false).upgrade), (std::vector<std::string>{"drop_constraint", "add_constraint"}));
}

TEST(Diff, ReadsAColumnsConstraintsAsTableConstraints) {
  // .unique() / .references() on a column are the constraints strata::unique / strata::foreign_key write.
  const auto on_columns = build([](strata::ops& op) {
    op.create_table("p", {column("id", strata::integer).primary_key()});
    op.create_table("t", {column("x", strata::integer).unique(), column("p_id", strata::integer).references("p", "id"), column("y", strata::integer).check("y > 0")});
  });
  const auto on_table = build([](strata::ops& op) {
    op.create_table("p", {column("id", strata::integer).not_null(), strata::primary_key({"id"})});
    op.create_table("t", {column("x", strata::integer), column("p_id", strata::integer), column("y", strata::integer), strata::unique({"x"}),
                          strata::foreign_key({}, {"p_id"}, "p", {"id"}), strata::check("y > 0")});
  });
  EXPECT_FALSE(on_columns.same_as(on_table));
  EXPECT_TRUE(strata::diff(on_columns, on_table).empty());
  // An unnamed one added to a column already there, and dropped by kind and columns.
  const auto bare = build([](strata::ops& op) {
    op.create_table("p", {column("id", strata::integer).primary_key()});
    op.create_table("t", {column("x", strata::integer), column("p_id", strata::integer), column("y", strata::integer)});
  });
  const auto d = round_trip(bare, on_columns, {}, false);
  EXPECT_EQ(kinds(d.upgrade), (std::vector<std::string>{"add_constraint", "add_constraint", "add_constraint"}));
  const auto back = round_trip(on_columns, bare, {}, false);  // back as table constraints
  EXPECT_EQ(strata::describe(back.upgrade.operations()[0]), "drop_constraint t foreign key (p_id)");
  schema up = on_columns;
  up.apply(back.upgrade);
  EXPECT_TRUE(up.same_as(bare));  // the columns lose them in place
}

// One constraint whatever its name (what --from-database needs, with CHECKs compared as a database
// spells them back); == also wants the name, and a CHECK on the same columns.
TEST(Diff, AConstraintIsTheSameWhateverItsName) {
  const auto keys = [](const schema& s, std::string_view table) { return strata::constraint_keys(*s.find_table(table)); };
  const auto models = build([](strata::ops& op) {
    op.create_table("p", {column("id", strata::integer).primary_key()});
    op.create_table("t", {column("low", strata::integer), column("high", strata::integer).check("low < high"),
                          column("p_id", strata::integer).references("p", "id", strata::referential_action::cascade)});
  });
  const auto live = build([](strata::ops& op) {
    op.create_table("p", {column("id", strata::integer).primary_key()});
    op.create_table("t", {column("low", strata::integer), column("high", strata::integer), column("p_id", strata::integer),
                          strata::check("t_high_check", "(low < high)"),
                          strata::foreign_key("t_p_id_fkey", {"p_id"}, "p", {"id"}, strata::referential_action::cascade),
                          strata::foreign_key("t_p_id_fkey2", {"p_id"}, "p", {"id"})});
  });
  const auto wanted = keys(models, "t"), found = keys(live, "t");  // wanted: the CHECK, the foreign key
  ASSERT_EQ(wanted.size(), 2u);
  ASSERT_EQ(found.size(), 3u);
  const auto as_written = [](std::string_view a, std::string_view b) { return a == b; };
  EXPECT_TRUE(strata::same_constraint(found[0], wanted[0], strata::detail::sql::same_shape));  // wherever the CHECK is written
  EXPECT_FALSE(strata::same_constraint(found[0], wanted[0], as_written));                      // "(low < high)" as written
  EXPECT_TRUE(strata::same_constraint(found[1], wanted[1], as_written));                       // whatever its name
  EXPECT_FALSE(strata::same_constraint(found[2], wanted[1], as_written));                      // but not its actions
  EXPECT_FALSE(strata::same_constraint(found[0], wanted[1], strata::detail::sql::same_shape));
  EXPECT_NE(found[1], wanted[1]);
  auto renamed = found[1];
  renamed.name = wanted[1].name;
  EXPECT_EQ(renamed, wanted[1]);
  auto check = wanted[0];
  check.columns = {"low", "high"};  // the same CHECK on the table
  EXPECT_NE(check, wanted[0]);
  EXPECT_TRUE(strata::same_constraint(check, wanted[0], as_written));
}

TEST(Diff, ChangesIndexes) {
  const auto from = build(stocks_v1);
  const auto to = build([](strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key(), column("symbol", strata::varchar(10)).not_null(),
                               column("name", strata::varchar(255)), strata::unique("uq_stocks_symbol", {"symbol"})});
    op.create_index("ix_stocks_name", "stocks", {"name"}, {.unique = true});
    op.create_index("ix_stocks_symbol_name", "stocks", {"symbol", "name"}, {.where = "name IS NOT NULL"});
  });
  const auto d = round_trip(from, to);
  EXPECT_EQ(kinds(d.upgrade), (std::vector<std::string>{"drop_index", "create_index", "create_index"}));
  EXPECT_EQ(kinds(d.downgrade), (std::vector<std::string>{"drop_index", "drop_index", "create_index"}));
  // How an index is built is no part of it.
  const auto concurrently = build([](strata::ops& op) {
    stocks_v1(op);
    op.drop_index("ix_stocks_name");
    op.create_index("ix_stocks_name", "stocks", {"name"}, {.concurrently = true});
  });
  EXPECT_TRUE(strata::diff(from, concurrently).empty());
}

TEST(Diff, ReplacesAColumnWhoseExpressionChanges) {
  const auto from = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer), column("twice", strata::integer).generated("a * 2"), column("b", strata::integer)});
  });
  const auto to = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer), column("twice", strata::integer).generated("a + a"), column("b", strata::integer)});
  });
  const auto d = round_trip(from, to);
  EXPECT_EQ(kinds(d.upgrade), (std::vector<std::string>{"drop_column", "add_column"}));
  EXPECT_EQ(destructive_flags(from, d.upgrade), (std::vector{false, false}));  // computed again
}

TEST(Diff, TakesAnyStepOfInsightBullToItsModels) {
  using history = migrations::history;
  const auto models = strata::declared<insightbull::models>();
  EXPECT_TRUE(strata::replay<history>().same_as(models.schema()));
  EXPECT_TRUE(strata::diff(strata::replay<history>(), models).empty());
  // From nothing: the whole schema, stocks before the tables that reference it.
  const auto all = round_trip(schema{}, models.schema());
  EXPECT_EQ(kinds(all.upgrade), (std::vector<std::string>{"create_table", "create_table", "create_table", "create_index", "create_index"}));
  EXPECT_EQ(strata::table_of(all.upgrade.operations()[0]), "stocks");
  // From the first revision: the two columns the later ones add (market_cap NOT NULL, as the model says).
  const auto first = strata::replay<history>("8653cc238299");
  const auto d = round_trip(first, models.schema());
  EXPECT_EQ(kinds(d.upgrade), (std::vector<std::string>{"add_column", "add_column"}));
  EXPECT_EQ(strata::describe(d.upgrade.operations()[0]), "add_column stocks.market_cap");
  EXPECT_EQ(strata::describe(d.upgrade.operations()[1]), "add_column sentiment_data.sentiment_confidence");
}

TEST(Diff, DowngradeUndoesUpgradeOnManyCombinedChanges) {
  const std::vector<schema> schemas{
      schema{},
      build(stocks_v1),
      strata::replay<migrations::history>(),
      strata::replay<migrations::history>("8653cc238299"),
      strata::declared<shop_models>().schema(),
      build([](strata::ops& op) {
        op.create_table("stocks", {column("id", strata::big_integer).primary_key(), column("symbol", strata::text),
                                   column("created_at", strata::datetime).server_default("CURRENT_TIMESTAMP"), strata::check("length(symbol) > 0")});
        op.create_table("orders", {column("id", strata::integer).primary_key(), column("stock_id", strata::big_integer).references("stocks", "id")});
        op.create_index("ix_stocks_symbol", "stocks", {"symbol"}, {.unique = true});
      }),
  };
  for (std::size_t i = 0; i < schemas.size(); ++i)
    for (std::size_t j = 0; j < schemas.size(); ++j) {
      SCOPED_TRACE("from schema " + std::to_string(i) + " to schema " + std::to_string(j));
      round_trip(schemas[i], schemas[j], {}, false);
    }
}

// ---- On a real database --------------------------------------------------------------------------

// A diff runs on SQLite as it replays: each step reads back (strata::differences) as the schema it
// replays to, there and back.
TEST(Diff, RunsOnSqliteThereAndBack) {
  strata_test::scratch_folder dir;
  SQLite::Database db = strata_test::open(dir.file());
  strata::sqlite dialect{db};
  const auto models = strata::model_schema<insightbull::models>();
  const auto changed = build([](strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key(), column("ticker", strata::varchar(12)).not_null().renamed_from("symbol"),
                               column("name", strata::varchar(255)), column("sector", strata::varchar(100)),
                               column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                               column("market_cap", strata::big_integer).not_null(), column("exchange", strata::text).server_default("'NYSE'"),
                               strata::unique("uq_stocks_symbol", {"ticker"}), strata::check("ck_stocks_market_cap", "market_cap >= 0")});
    op.create_table("sentiment_data", {column("id", strata::integer).primary_key(), column("stock_id", strata::integer).not_null(),
                                       column("source", strata::varchar(50)).not_null(), column("score", strata::float_).not_null(),
                                       column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                                       strata::foreign_key("fk_sentiment_data_stock_id_stocks", {"stock_id"}, "stocks", {"id"})});
    op.create_index("ix_sentiment_data_source", "sentiment_data", {"source"});
  });
  const std::vector<schema> steps{schema{}, models, changed, schema{}};
  for (std::size_t i = 0; i + 1 < steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    const auto d = strata::diff(steps[i], steps[i + 1]);
    dialect.apply(d.upgrade.operations());
    EXPECT_EQ(strata::differences(steps[i + 1], *dialect.inspect()), std::vector<strata::schema_difference>{});
    dialect.apply(d.downgrade.operations());
    EXPECT_EQ(strata::differences(steps[i], *dialect.inspect()), std::vector<strata::schema_difference>{});
    dialect.apply(d.upgrade.operations());
  }
}

// ---- At compile time ----------------------------------------------------------------------------------

static_assert(strata::diff(strata::schema{}, strata::model_schema<insightbull::models>()).upgrade.size() == 5);
static_assert(strata::diff(strata::replay<migrations::history>(), strata::declared<insightbull::models>()).empty());
static_assert([] {
  const auto from = build(stocks_v1);
  const auto d = strata::diff(from, schema{});
  schema s = from;
  s.apply(d.upgrade);
  const bool gone = s.tables.empty() && s.indexes.empty();
  s.apply(d.downgrade);
  return gone && s.same_as(from) && strata::destructive(d.upgrade.operations()[1], schema(build(stocks_v1)));
}());
static_assert(strata::in_sync<migrations::history, insightbull::models>());
static_assert(strata::sync_problem<migrations::history, insightbull::models>().empty());

// The models one revision behind the migrations: what in_sync would say.
struct behind_models {
  static constexpr void declare(strata::model& m) {
    m.table("stocks", {column("id", strata::integer).primary_key(), column("symbol", strata::varchar(10)).not_null(),
                       column("name", strata::varchar(255)), column("sector", strata::varchar(100)),
                       column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                       column("market_cap", strata::integer).not_null(), strata::unique("uq_stocks_symbol", {"symbol"})});
  }
};

TEST(InSync, NamesTheFirstDifferenceAndTheFix) {
  using history = migrations::history;
  // The indexes and tables the models lack come first (they would be dropped first), then the column.
  EXPECT_EQ((strata::sync_problem<history, behind_models>()),
            "strata::in_sync: index ix_sentiment_data_stock_id (an index on sentiment_data (stock_id)) is in the migrations, not in the models; "
            "build manage_db and run 'manage_db migrate \"message\"' to write the revision");
  EXPECT_EQ((strata::sync_problem<history, wide_models>()),
            "strata::in_sync: wide.big is big_integer in the models, but {anonymous}::Wide::big is std::optional<std::int32_t>, which cannot hold it; "
            "make the member std::optional<std::int64_t>");
  EXPECT_EQ((strata::sync_problem<history, faulty_models>()),
            "strata::in_sync: the models declare column a.id twice; declare it once");
}

// ---- differences() between the models and the migrations -------------------------------------------

TEST(Differences, ListsTheModelsAgainstTheMigrationsOneLineEach) {
  const auto models = strata::model_schema<behind_models>();
  const auto migrations = strata::replay<migrations::history>();
  std::vector<std::string> lines;
  for (const auto& d : strata::differences(models, migrations, strata::difference_options::strata_text())) lines.push_back(strata::to_line(d));
  EXPECT_EQ(lines, (std::vector<std::string>{"stocks.market_cap: integer in the models, big_integer in the migrations",
                                             "sentiment_data: a table in the migrations, not in the models",
                                             "stock_prices: a table in the migrations, not in the models"}));
  const auto with_default = build([](strata::ops& op) { op.create_table("t", {column("a", strata::integer).server_default("0"), strata::check("a < 9")}); });
  const auto without = build([](strata::ops& op) { op.create_table("t", {column("a", strata::integer)}); });
  EXPECT_TRUE(strata::differences(with_default, without).empty());  // a database rewrites both: not compared by default
  lines.clear();
  for (const auto& d : strata::differences(with_default, without, strata::difference_options::strata_text()))
    lines.push_back(strata::to_line(d, {"the models", "the database"}));
  EXPECT_EQ(lines, (std::vector<std::string>{"t.a: DEFAULT 0 in the models, no default in the database", "t: CHECK (a < 9) in the models, not in the database"}));
}

}  // namespace
