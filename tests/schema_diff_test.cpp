// strata::diff without a database: two schemas built from recorded operations, each kind of
// difference found (and only it), its sentence, and the forms that mean the same key (a column's own
// primary_key()/unique()/references() and a table constraint) found equal. Also strata::owned_schema.
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <strata/owned_schema.hpp>
#include <strata/schema_diff.hpp>
#include <strata/strata.hpp>

namespace {

using strata::column;
using strata::difference_kind;
using strata::schema_difference;

strata::schema build(void (*record)(strata::ops&)) {
  strata::ops op;
  record(op);
  strata::schema s;
  s.apply(op);
  return s;
}

// stocks (id, symbol UNIQUE, name NOT NULL, market_cap BIGINT) and prices referencing it, with indexes.
void shop(strata::ops& op) {
  op.create_table("stocks", {column("id", strata::integer).primary_key(), column("symbol", strata::varchar(10)).not_null().unique(),
                             column("name", strata::text).not_null(), column("market_cap", strata::big_integer)});
  op.create_table("prices", {column("stock_id", strata::integer).not_null().references("stocks", "id", strata::referential_action::cascade),
                             column("ts", strata::datetime).not_null(), column("close", strata::float_),
                             strata::primary_key({"stock_id", "ts"})});
  op.create_index("ix_prices_ts", "prices", {"ts"});
  op.create_index("ix_stocks_name", "stocks", {"name"}, {.unique = true});
}

std::vector<difference_kind> kinds(const std::vector<schema_difference>& differences) {
  std::vector<difference_kind> out;
  for (const auto& d : differences) out.push_back(d.kind);
  return out;
}

// The shop with `change` applied on top, compared with the shop.
std::vector<schema_difference> after(void (*change)(strata::ops&)) {
  auto actual = build(shop);
  strata::ops op;
  change(op);
  actual.apply(op);
  return strata::differences(build(shop), actual);
}

TEST(SchemaDiff, ASchemaEqualsItself) { EXPECT_EQ(strata::differences(build(shop), build(shop)), std::vector<schema_difference>{}); }

TEST(SchemaDiff, MissingAndUnexpectedTables) {
  const auto d = after([](strata::ops& op) {
    op.drop_table("prices");
    op.create_table("audit", {column("id", strata::integer)});
    op.create_index("ix_audit_id", "audit", {"id"});
  });
  // A table one side lacks is one difference: its columns and indexes are not listed again.
  EXPECT_EQ(kinds(d), (std::vector{difference_kind::missing_table, difference_kind::unexpected_table}));
  EXPECT_EQ(strata::to_string(d.at(0)), "table 'prices' is missing");
  EXPECT_EQ(strata::to_string(d.at(1)), "table 'audit' exists but is not expected");
}

TEST(SchemaDiff, MissingAndUnexpectedColumns) {
  const auto d = after([](strata::ops& op) {
    op.drop_column("stocks", "market_cap");
    op.add_column("stocks", column("note", strata::text));
  });
  ASSERT_EQ(kinds(d), (std::vector{difference_kind::missing_column, difference_kind::unexpected_column}));
  EXPECT_EQ(d[0], (schema_difference{difference_kind::missing_column, "stocks", "market_cap", "big_integer", ""}));
  EXPECT_EQ(strata::to_string(d[0]), "column 'stocks.market_cap' is missing");
  EXPECT_EQ(strata::to_string(d[1]), "column 'stocks.note' exists but is not expected");
}

TEST(SchemaDiff, ColumnTypeAndNullability) {
  const auto d = after([](strata::ops& op) {
    op.alter_column("stocks", "market_cap", {.type = strata::integer, .nullable = false});
    op.alter_column("stocks", "symbol", {.type = strata::varchar(12)});
  });
  ASSERT_EQ(kinds(d), (std::vector{difference_kind::column_type, difference_kind::column_type, difference_kind::column_nullability}));
  EXPECT_EQ(strata::to_string(d[0]), "column 'stocks.symbol' has type varchar(12), expected varchar(10)");
  EXPECT_EQ(strata::to_string(d[1]), "column 'stocks.market_cap' has type integer, expected big_integer");
  EXPECT_EQ(strata::to_string(d[2]), "column 'stocks.market_cap' is NOT NULL, expected nullable");
}

TEST(SchemaDiff, ATypeGivenAsSqlIsNotCompared) {
  const auto expected = build([](strata::ops& op) { op.create_table("t", {column("amount", strata::sql_type("NUMERIC(12, 2)"))}); });
  const auto actual = build([](strata::ops& op) { op.create_table("t", {column("amount", strata::sql_type("numeric(12,2)"))}); });
  EXPECT_EQ(strata::differences(expected, actual), std::vector<schema_difference>{});
  // The other way round it is: the expected type is strata's own, and the database has another.
  EXPECT_EQ(kinds(strata::differences(build([](strata::ops& op) { op.create_table("t", {column("amount", strata::integer)}); }), actual)),
            std::vector{difference_kind::column_type});
}

TEST(SchemaDiff, PrimaryKeyColumnsAreNotNullWhateverTheDatabaseSays) {
  // SQLite reports a composite key's columns as nullable unless declared NOT NULL; PostgreSQL as NOT NULL.
  const auto expected = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer), column("b", strata::integer), strata::primary_key({"a", "b"})});
  });
  const auto actual = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer).not_null(), column("b", strata::integer).not_null(), strata::primary_key({"a", "b"})});
  });
  EXPECT_EQ(strata::differences(expected, actual), std::vector<schema_difference>{});
}

TEST(SchemaDiff, ThePrimaryKeysColumnsInOrder) {
  const auto expected = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer).primary_key(), column("b", strata::integer).primary_key()});
  });
  const auto same = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer).not_null(), column("b", strata::integer).not_null(), strata::primary_key({"a", "b"})});
  });
  EXPECT_EQ(strata::differences(expected, same), std::vector<schema_difference>{});
  const auto reversed = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer).not_null(), column("b", strata::integer).not_null(), strata::primary_key({"b", "a"})});
  });
  auto d = strata::differences(expected, reversed);
  ASSERT_EQ(kinds(d), std::vector{difference_kind::primary_key});
  EXPECT_EQ(strata::to_string(d[0]), "table 't' has primary key (b, a), expected (a, b)");
  const auto none = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer).not_null(), column("b", strata::integer).not_null()});
  });
  d = strata::differences(expected, none);
  ASSERT_EQ(kinds(d), std::vector{difference_kind::primary_key});
  EXPECT_EQ(strata::to_string(d[0]), "table 't' has no primary key, expected (a, b)");
}

TEST(SchemaDiff, UniqueConstraintsAsColumnSets) {
  const auto expected = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer).unique(), column("b", strata::integer), column("c", strata::integer),
                          strata::unique("uq_t_b_c", {"b", "c"})});
  });
  const auto same = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer), column("b", strata::integer), column("c", strata::integer), strata::unique({"a"}),
                          strata::unique({"c", "b"})});
  });
  EXPECT_EQ(strata::differences(expected, same), std::vector<schema_difference>{});
  const auto other = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer), column("b", strata::integer).unique(), column("c", strata::integer),
                          strata::unique({"c", "b"})});
  });
  const auto d = strata::differences(expected, other);
  ASSERT_EQ(kinds(d), (std::vector{difference_kind::missing_unique, difference_kind::unexpected_unique}));
  EXPECT_EQ(strata::to_string(d[0]), "unique constraint on 't' (a) is missing");
  EXPECT_EQ(strata::to_string(d[1]), "unique constraint on 't' (b) exists but is not expected");
}

TEST(SchemaDiff, ForeignKeys) {
  auto with = [](strata::referential_action on_delete, std::string_view target_column) {
    strata::ops op;
    op.create_table("p", {column("id", strata::integer).primary_key(), column("code", strata::text).unique()});
    op.create_table("c", {column("p_id", strata::integer), strata::foreign_key("fk_c_p", {"p_id"}, "p", {target_column}, on_delete)});
    strata::schema s;
    s.apply(op);
    return s;
  };
  const auto expected = build([](strata::ops& op) {
    op.create_table("p", {column("id", strata::integer).primary_key(), column("code", strata::text).unique()});
    op.create_table("c", {column("p_id", strata::integer).references("p", "id", strata::referential_action::cascade)});
  });
  EXPECT_EQ(strata::differences(expected, with(strata::referential_action::cascade, "id")), std::vector<schema_difference>{});

  auto d = strata::differences(expected, with(strata::referential_action::no_action, "id"));
  ASSERT_EQ(kinds(d), std::vector{difference_kind::foreign_key_actions});
  EXPECT_EQ(strata::to_string(d[0]),
            "foreign key of 'c' (p_id) -> p (id) has ON DELETE NO ACTION, ON UPDATE NO ACTION, expected ON DELETE CASCADE, ON UPDATE NO ACTION");

  d = strata::differences(expected, with(strata::referential_action::cascade, "code"));
  ASSERT_EQ(kinds(d), (std::vector{difference_kind::missing_foreign_key, difference_kind::unexpected_foreign_key}));
  EXPECT_EQ(strata::to_string(d[0]), "foreign key of 'c' (p_id) -> p (id) is missing");
  EXPECT_EQ(strata::to_string(d[1]), "foreign key of 'c' (p_id) -> p (code) exists but is not expected");
}

TEST(SchemaDiff, Indexes) {
  auto d = after([](strata::ops& op) {
    op.drop_index("ix_prices_ts");
    op.create_index("ix_stocks_symbol", "stocks", {"symbol"});
  });
  ASSERT_EQ(kinds(d), (std::vector{difference_kind::missing_index, difference_kind::unexpected_index}));
  EXPECT_EQ(strata::to_string(d[0]), "index 'ix_prices_ts' is missing");
  EXPECT_EQ(d[0].table, "prices");
  EXPECT_EQ(strata::to_string(d[1]), "index 'ix_stocks_symbol' on 'stocks' exists but is not expected");

  d = after([](strata::ops& op) {
    op.drop_index("ix_prices_ts");
    op.create_index("ix_prices_ts", "prices", {"ts", "stock_id"});
    op.drop_index("ix_stocks_name");
    op.create_index("ix_stocks_name", "stocks", {"name"}, {.where = "name <> ''"});
  });
  ASSERT_EQ(kinds(d), (std::vector{difference_kind::index_definition, difference_kind::index_definition}));
  EXPECT_EQ(strata::to_string(d[0]), "index 'ix_prices_ts' is an index on prices (ts, stock_id), expected an index on prices (ts)");
  EXPECT_EQ(strata::to_string(d[1]),
            "index 'ix_stocks_name' is an index on stocks (name) WHERE name <> '', expected a unique index on stocks (name)");

  // Each part alone: uniqueness, partial or not, the table.
  d = after([](strata::ops& op) {
    op.drop_index("ix_prices_ts");
    op.create_index("ix_prices_ts", "prices", {"ts"}, {.unique = true});
  });
  ASSERT_EQ(kinds(d), std::vector{difference_kind::index_definition});
  EXPECT_EQ(strata::to_string(d[0]), "index 'ix_prices_ts' is a unique index on prices (ts), expected an index on prices (ts)");
  d = after([](strata::ops& op) {
    op.drop_index("ix_prices_ts");
    op.create_index("ix_prices_ts", "prices", {"ts"}, {.where = "ts > '2000-01-01'"});
  });
  EXPECT_EQ(kinds(d), std::vector{difference_kind::index_definition});
  d = after([](strata::ops& op) {
    op.drop_index("ix_stocks_name");
    op.add_column("prices", column("name", strata::text));
    op.create_index("ix_stocks_name", "prices", {"name"}, {.unique = true});
  });
  EXPECT_EQ(kinds(d), (std::vector{difference_kind::unexpected_column, difference_kind::index_definition}));
}

TEST(SchemaDiff, APartialIndexsPredicateIsNotCompared) {
  const auto expected = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer)});
    op.create_index("ix", "t", {"a"}, {.where = "a > 0"});
  });
  const auto actual = build([](strata::ops& op) {
    op.create_table("t", {column("a", strata::integer)});
    op.create_index("ix", "t", {"a"}, {.where = "(a > 0)"});
  });
  EXPECT_EQ(strata::differences(expected, actual), std::vector<schema_difference>{});
}

TEST(SchemaDiff, NamesMatchIgnoringCase) {
  const auto expected = build([](strata::ops& op) {
    op.create_table("Stocks", {column("ID", strata::integer).primary_key()});
    op.create_index("IX_Stocks_ID", "Stocks", {"ID"});
  });
  const auto actual = build([](strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key()});
    op.create_index("ix_stocks_id", "stocks", {"id"});
  });
  EXPECT_EQ(strata::differences(expected, actual), std::vector<schema_difference>{});
}

// A column type reads the same in a difference (at run time) and in in_sync's message (in constant
// evaluation): one writer, detail::type_text_to.
constexpr bool written_in_constant_evaluation(strata::column_type t, std::string_view text) {
  strata::detail::message_buffer m;
  strata::detail::type_text_to(m, t);
  return std::string_view(m.data, m.size) == text;
}
static_assert(written_in_constant_evaluation(strata::varchar(255), "varchar(255)"));
static_assert(written_in_constant_evaluation(strata::varchar(0), "varchar(0)"));
static_assert(written_in_constant_evaluation(strata::varchar(4294967295U), "varchar(4294967295)"));
static_assert(written_in_constant_evaluation(strata::big_integer, "big_integer"));
static_assert(written_in_constant_evaluation(strata::sql_type("NUMERIC(12, 2)"), "NUMERIC(12, 2)"));
static_assert(written_in_constant_evaluation(strata::sql_type(""), "(no type)"));

TEST(SchemaDiff, ATypeReadsTheSameAtRunTime) {
  EXPECT_EQ(strata::detail::type_text(strata::varchar(255)), "varchar(255)");
  EXPECT_EQ(strata::detail::type_text(strata::varchar(0)), "varchar(0)");
  EXPECT_EQ(strata::detail::type_text(strata::varchar(4294967295U)), "varchar(4294967295)");
  EXPECT_EQ(strata::detail::type_text(strata::big_integer), "big_integer");
  EXPECT_EQ(strata::detail::type_text(strata::sql_type("NUMERIC(12, 2)")), "NUMERIC(12, 2)");
  EXPECT_EQ(strata::detail::type_text(strata::sql_type("")), "(no type)");
}

TEST(SchemaDiff, KindsPrintTheirNames) {
  std::ostringstream out;
  out << difference_kind::column_nullability << " " << difference_kind::missing_index;
  EXPECT_EQ(out.str(), "column_nullability missing_index");
  EXPECT_TRUE(strata::is_missing(difference_kind::missing_unique));
  EXPECT_FALSE(strata::is_missing(difference_kind::unexpected_unique));
  EXPECT_TRUE(strata::is_unexpected(difference_kind::unexpected_foreign_key));
  EXPECT_FALSE(strata::is_unexpected(difference_kind::index_definition));
  std::ostringstream sentence;
  sentence << schema_difference{difference_kind::missing_column, "t", "c", "text", ""};
  EXPECT_EQ(sentence.str(), "column 't.c' is missing");
}

// ---- owned_schema ------------------------------------------------------------------------------------

static_assert(!std::is_copy_constructible_v<strata::owned_schema>);
static_assert(!std::is_copy_assignable_v<strata::owned_schema>);
static_assert(std::is_nothrow_move_constructible_v<strata::owned_schema>);

// "t<i>" (appended: GCC 12's -Wrestrict misfires on "t" + std::to_string(i) in Release builds).
std::string table_name(int i) {
  std::string name = "t";
  name += std::to_string(i);
  return name;
}

strata::owned_schema make_owned() {
  strata::owned_schema s;
  for (int i = 0; i < 50; ++i) {
    // Short names live inside a std::string (SSO): they must not move with the owned_schema.
    const auto name = s.keep(table_name(i));
    s.get().tables.push_back(strata::table_schema{name, strata::detail::hash_id(name), {column(s.keep("c"), strata::integer)}, {}});
  }
  return s;
}

TEST(OwnedSchema, ItsViewsSurviveMovesOfIt) {
  auto first = make_owned();
  strata::owned_schema second(std::move(first));
  strata::owned_schema third;
  third = std::move(second);
  ASSERT_EQ(third->tables.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(third->tables[static_cast<std::size_t>(i)].name, table_name(i));
    EXPECT_EQ(third->tables[static_cast<std::size_t>(i)].columns.at(0).name, "c");
  }
  EXPECT_NE(third->find_table("t7"), nullptr);
  EXPECT_EQ(third.keep(""), std::string_view{});
}

}  // namespace
