// Operations of every kind, with every option a revision can give them: revision_source_test writes
// them back as C++ (strata::cpp_body), compiles what it wrote, and compares what that records with these.
#pragma once

#include <strata/strata.hpp>

namespace strata_test {

struct source_cases {
  static constexpr void record(strata::ops& op) {
    op.create_table("stocks",
                    {strata::column("id", strata::integer).primary_key().auto_increment(),
                     strata::column("symbol", strata::varchar(10)).not_null().unique(),
                     strata::column("name", strata::text),
                     strata::column("price", strata::sql_type("NUMERIC(12, 2)")).server_default("0").check("price >= 0"),
                     strata::column("listed", strata::boolean).not_null().server_default("1"),
                     strata::column("day", strata::date),
                     strata::column("at", strata::datetime).server_default("CURRENT_TIMESTAMP"),
                     strata::column("logo", strata::blob),
                     strata::column("ratio", strata::real),
                     strata::column("score", strata::float_),
                     strata::column("volume", strata::big_integer),
                     strata::column("total", strata::float_).generated("price * 2", strata::stored),
                     strata::column("half", strata::float_).generated("price / 2"),
                     strata::unique("uq_stocks_name", {"name", "day"}),
                     strata::check("ck_stocks_ratio", "ratio < 1"),
                     strata::check("score > -1")});
    op.create_table("prices", {strata::column("stock_id", strata::integer).not_null().references("stocks", "id"),
                               strata::column("day", strata::date).not_null(),
                               strata::column("parent", strata::integer).references("stocks", "id", strata::referential_action::cascade),
                               strata::column("other", strata::integer)
                                   .references("stocks", "id", strata::referential_action::set_null, strata::referential_action::restrict),
                               strata::primary_key({"stock_id", "day"}),
                               strata::foreign_key("fk_prices_other", {"other"}, "stocks", {"id"}),
                               strata::foreign_key("", {"parent"}, "stocks", {"id"}, strata::referential_action::no_action,
                                                   strata::referential_action::set_default)});
    op.create_table("quoted \"name\"\\", {strata::column("tab\there", strata::text).server_default("'it''s'")});
    op.rename_table("prices", "daily_prices");
    op.add_column("stocks", strata::column("market_cap", strata::big_integer).not_null().server_default("0"));
    op.add_column("stocks", strata::column("isin", strata::varchar(12)), {.insert_after = "symbol"});
    op.add_column("stocks", strata::column("cusip", strata::varchar(9)), {.insert_before = "isin"});
    op.drop_column("stocks", "logo");
    op.rename_column("stocks", "name", "full_name");
    op.alter_column("stocks", "volume", {.type = strata::integer, .nullable = false, .server_default = "0", .using_sql = "volume::integer"});
    op.alter_column("stocks", "at", {.drop_default = true});
    op.alter_column("stocks", "full_name", {.nullable = true});
    op.alter_column("stocks", "day", {});
    op.use_naming_convention({.unique = "uq_%(table_name)s_%(column_0_name)s", .foreign_key = "fk_%(table_name)s_%(column_0_name)s"});
    op.add_constraint("stocks", strata::unique({"isin"}));
    op.add_constraint("stocks", strata::check("market_cap >= 0"));
    op.use_naming_convention({});
    op.add_constraint("daily_prices", strata::foreign_key("fk_daily", {"parent"}, "stocks", {"id"}, strata::referential_action::cascade));
    op.drop_constraint("stocks", "uq_stocks_name");
    op.drop_constraint("stocks", strata::constraint_kind::check, {"ratio"});
    op.drop_constraint("daily_prices", strata::constraint_kind::primary_key, {});
    op.create_index("ix_stocks_symbol", "stocks", {"symbol"});
    op.create_index("ix_stocks_sector", "stocks", {"full_name", "day"}, {.unique = true, .where = "day IS NOT NULL"});
    op.create_index("ix_stocks_cap", "stocks", {"market_cap"}, {.concurrently = true});
    op.drop_index("ix_stocks_symbol", "stocks");
    op.drop_index("ix_stocks_cap");
    op.execute("UPDATE stocks SET market_cap = 0;\nDELETE FROM daily_prices WHERE day < '2000-01-01'");
    op.drop_table("daily_prices");
  }
};

}  // namespace strata_test
