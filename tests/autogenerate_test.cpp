// strata::commands::generate, head_schema, check and migrate with a body: the revision autogenerate
// writes for models that differ from the history (tests/workflows compiles and runs such files).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <strata/revision_files.hpp>
#include <strata/strata.hpp>

namespace {

struct initial : strata::revision<"a1a1a1a1a1a1", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::varchar(10)).not_null(),
                               strata::column("name", strata::varchar(100))});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
using history = strata::history<initial>;

struct same_models {
  static constexpr void declare(strata::model& m) {
    m.table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::varchar(10)).not_null(),
                       strata::column("name", strata::varchar(100))});
  }
};

struct changed_models {
  static constexpr void declare(strata::model& m) {
    m.table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::varchar(5)).not_null(),
                       strata::column("market_cap", strata::big_integer)});
    m.table("watchlists", {strata::column("id", strata::integer).primary_key(),
                           strata::column("stock_id", strata::integer).not_null().references("stocks", "id", strata::referential_action::cascade)});
    m.index("ix_watchlists_stock_id", "watchlists", {"stock_id"});
  }
};

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Autogenerate, NoChangeGivesNothingToWrite) {
  const strata::revision_graph g(history::revisions);
  const auto generated = strata::commands::generate(strata::commands::head_schema(g), strata::declared<same_models>());
  EXPECT_TRUE(generated.empty());
  EXPECT_TRUE(generated.body.upgrade.empty());
  EXPECT_TRUE(strata::commands::check(strata::declared<same_models>(), g).empty());
}

TEST(Autogenerate, WritesTheDiffAsARevisionWithReviewsForWhatDestroysData) {
  const strata::revision_graph g(history::revisions);
  const auto models = strata::declared<changed_models>();
  const auto generated = strata::commands::generate(strata::commands::head_schema(g), models);
  ASSERT_FALSE(generated.empty());
  // The upgrade reaches the models, the downgrade comes back.
  auto up = strata::commands::head_schema(g);
  up.apply(generated.operations.upgrade);
  EXPECT_TRUE(strata::differences(models.schema(), up, strata::difference_options::strata_text()).empty());
  auto down = up;
  down.apply(generated.operations.downgrade);
  EXPECT_TRUE(down.same_as(strata::commands::head_schema(g)));

  // Dropping name and narrowing symbol are marked; nothing else is.
  ASSERT_EQ(generated.reviews.size(), 2u);
  const auto& up_text = generated.body.upgrade;
  EXPECT_NE(up_text.find("    // REVIEW: drops column 'stocks.name' and its data"), std::string::npos) << up_text;
  EXPECT_NE(up_text.find("    // REVIEW: narrows 'stocks.symbol' from varchar(10) to varchar(5)"), std::string::npos) << up_text;
  EXPECT_NE(up_text.find("op.create_table(\"watchlists\""), std::string::npos) << up_text;
  EXPECT_NE(up_text.find("op.create_index(\"ix_watchlists_stock_id\", \"watchlists\", {\"stock_id\"});"), std::string::npos) << up_text;
  EXPECT_EQ(generated.body.downgrade.find("REVIEW"), std::string::npos);

  const auto differences = strata::commands::check(models, g);
  EXPECT_FALSE(differences.empty());

  const auto folder = std::filesystem::path(STRATA_TEST_SCRATCH) / "autogenerate_versions";
  std::filesystem::remove_all(folder);
  const auto written = strata::commands::migrate(folder, strata::revision_graph(std::span<const strata::revision_info>{}), "add watchlists", generated.body);
  const auto text = read(written.file);
  EXPECT_NE(text.find("  static constexpr void upgrade(strata::ops& op) {\n    // REVIEW:"), std::string::npos) << text;
  EXPECT_NE(text.find("  static constexpr void downgrade(strata::ops& op) {\n    op."), std::string::npos) << text;
  EXPECT_NE(text.find("#include <strata/strata.hpp>"), std::string::npos);
}

struct required_models {
  static constexpr void declare(strata::model& m) {
    m.table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::varchar(10)).not_null(),
                       strata::column("name", strata::varchar(100)).not_null().server_default("'?'"),
                       strata::column("isin", strata::varchar(12)).not_null()});
  }
};

TEST(Autogenerate, NotNullFillsNullsWithTheDefaultOrAsksForReview) {
  const strata::revision_graph g(history::revisions);
  const auto generated = strata::commands::generate(strata::commands::head_schema(g), strata::declared<required_models>());
  const auto& text = generated.body.upgrade;
  EXPECT_NE(text.find("    op.execute(R\"(UPDATE \"stocks\" SET \"name\" = '?' WHERE \"name\" IS NULL)\");\n"
                      "    op.alter_column(\"stocks\", \"name\", {.nullable = false, .server_default = \"'?'\"});"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    // REVIEW: adds 'stocks.isin' NOT NULL without a DEFAULT"), std::string::npos) << text;
  EXPECT_EQ(generated.reviews.size(), 1u);
}

TEST(Autogenerate, SqlShapeComparesWhatDatabasesRewrite) {
  const auto sql_shape = strata::detail::sql::shape;
  EXPECT_EQ(sql_shape("'light'::character varying"), sql_shape("'light'"));
  EXPECT_EQ(sql_shape("(price >= (0)::numeric)"), sql_shape("price >= 0"));
  EXPECT_EQ(sql_shape("((score > (-1)::double precision))"), sql_shape("score > -1"));
  EXPECT_EQ(sql_shape("now()"), sql_shape("NOW ()"));
  EXPECT_EQ(sql_shape("''::text"), "''");
  EXPECT_NE(sql_shape("'A b'"), sql_shape("'a b'"));
  EXPECT_NE(sql_shape("(a) + (b)"), sql_shape("a + b + c"));
  EXPECT_EQ(sql_shape("(a)+(b)"), "a+b");
  EXPECT_TRUE(strata::detail::sql::same_shape("(price >= (0)::numeric)", "price >= 0"));
  EXPECT_FALSE(strata::detail::sql::same_shape("price > 0", "price >= 0"));
}

struct spelled_models {
  static constexpr void declare(strata::model& m) {
    m.table("prefs", {strata::column("id", strata::integer).primary_key(),
                      strata::column("theme", strata::varchar(20)).not_null().server_default("'light'"),
                      strata::column("price", strata::sql_type("NUMERIC(12, 2)")).check("price >= 0"),
                      strata::unique("uq_prefs_theme", {"theme"})});
    m.index("ix_prefs_price", "prefs", {"price"}, {.where = "price > 0"});
  }
};

TEST(Autogenerate, TheDatabasesSpellingIsNotAChange) {
  // What PostgreSQL gives back for spelled_models' table: rewritten defaults, CHECKs, types and
  // predicates, and a unique constraint under another name.
  strata::schema live;
  live.apply([] {
    strata::ops o;
    o.create_table("prefs", {strata::column("id", strata::integer).primary_key(),
                             strata::column("theme", strata::varchar(20)).not_null().server_default("'light'::character varying"),
                             strata::column("price", strata::sql_type("numeric(12,2)")).check("(price >= (0)::numeric)"),
                             strata::unique("prefs_theme_key", {"theme"})});
    o.create_index("ix_prefs_price", "prefs", {"price"}, {.where = "(price > (0)::numeric)"});
    return o;
  }());
  const auto models = strata::declared<spelled_models>();
  EXPECT_FALSE(strata::diff(live, models).empty());
  const auto spelled = strata::commands::spelled_as(live, models.schema());
  const auto generated = strata::commands::generate(spelled, models);
  EXPECT_TRUE(generated.empty()) << generated.body.upgrade;

  // A real difference stays one.
  auto changed = live;
  changed.tables[0].columns[1].default_sql = "'dark'::character varying";
  EXPECT_NE(strata::commands::generate(strata::commands::spelled_as(changed, models.schema()), models).body.upgrade.find(".server_default = \"'light'\""),
            std::string::npos);
}

struct keyed_models {
  static constexpr void declare(strata::model& m) {
    m.table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::varchar(10)).not_null().unique()});
    m.table("prices", {strata::column("id", strata::integer).primary_key(),
                       strata::column("stock_id", strata::integer).not_null().references("stocks", "id", strata::referential_action::cascade),
                       strata::column("price", strata::float_).check("price > 0")});
  }
};

TEST(Autogenerate, ConstraintsTheDatabaseNamesOnItsOwnAreThoseOfTheModelsColumns) {
  // What PostgreSQL gives back: every key a named table constraint.
  strata::schema live;
  live.apply([] {
    strata::ops o;
    o.create_table("stocks", {strata::column("id", strata::integer).not_null(), strata::column("symbol", strata::varchar(10)).not_null(),
                              strata::primary_key("stocks_pkey", {"id"}), strata::unique("stocks_symbol_key", {"symbol"})});
    o.create_table("prices", {strata::column("id", strata::integer).not_null(), strata::column("stock_id", strata::integer).not_null(),
                              strata::column("price", strata::float_), strata::primary_key("prices_pkey", {"id"}),
                              strata::foreign_key("prices_stock_id_fkey", {"stock_id"}, "stocks", {"id"}, strata::referential_action::cascade),
                              strata::check("prices_price_check", "(price > (0)::double precision)")});
    return o;
  }());
  const auto models = strata::declared<keyed_models>();
  const auto generated = strata::commands::generate(strata::commands::spelled_as(live, models.schema()), models);
  EXPECT_TRUE(generated.empty()) << generated.body.upgrade;
}

struct two_heads_a : strata::revision<"b1b1b1b1b1b1", "a1a1a1a1a1a1"> {
  static constexpr std::string_view message = "a";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct two_heads_b : strata::revision<"c1c1c1c1c1c1", "a1a1a1a1a1a1"> {
  static constexpr std::string_view message = "b";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};

TEST(Autogenerate, RefusesSeveralHeads) {
  using branched = strata::history<initial, two_heads_a, two_heads_b>;
  const strata::revision_graph g(branched::revisions);
  try {
    (void)strata::commands::head_schema(g);
    FAIL() << "no error";
  } catch (const strata::commands::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("2 heads (b1b1b1b1b1b1, c1c1c1c1c1c1); merge them first"), std::string::npos) << e.what();
  }
}

struct drops_what_is_not_there : strata::revision<"d1d1d1d1d1d1", "a1a1a1a1a1a1"> {
  static constexpr std::string_view message = "drop a table that does not exist";
  static constexpr void upgrade(strata::ops& op) { op.drop_table("stock"); }
  static constexpr void downgrade(strata::ops&) {}
};

TEST(Autogenerate, AHeadThatDoesNotReplayIsNamed) {
  using broken = strata::history<initial, drops_what_is_not_there>;
  const strata::revision_graph g(broken::revisions);
  try {
    (void)strata::commands::head_schema(g);
    FAIL() << "no error";
  } catch (const strata::replay_failed& e) {
    EXPECT_EQ(e.revision(), "d1d1d1d1d1d1");
    EXPECT_EQ(std::string(e.what()), "strata::replay: revision `d1d1d1d1d1d1` does not fit the revisions before it: drop_table stock: "
                                     "there is no table `stock`; fix the revision or the revisions before it");
  }
}

}  // namespace
