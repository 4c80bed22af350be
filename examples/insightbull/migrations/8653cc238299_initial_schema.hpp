// initial schema
//
// Revision ID: 8653cc238299
// Revises: <base>
// Create Date: 2025-08-10 09:15:00 UTC
#pragma once

#include <strata/strata.hpp>

namespace migrations {

struct initial_schema : strata::revision<"8653cc238299", strata::base> {
  static constexpr std::string_view message = "initial schema";

  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks",
                    {strata::column("id", strata::integer).primary_key(),
                     strata::column("symbol", strata::varchar(10)).not_null(),
                     strata::column("name", strata::varchar(255)),
                     strata::column("sector", strata::varchar(100)),
                     strata::column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                     strata::unique("uq_stocks_symbol", {"symbol"})});
    op.create_table("sentiment_data",
                    {strata::column("id", strata::integer).primary_key(),
                     strata::column("stock_id", strata::integer).not_null(),
                     strata::column("source", strata::varchar(50)).not_null(),
                     strata::column("score", strata::float_).not_null(),
                     strata::column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                     strata::foreign_key("fk_sentiment_data_stock_id_stocks", {"stock_id"}, "stocks", {"id"},
                                         strata::referential_action::cascade)});
    op.create_index("ix_sentiment_data_stock_id", "sentiment_data", {"stock_id"});
    op.create_table("stock_prices",
                    {strata::column("id", strata::integer).primary_key(),
                     strata::column("stock_id", strata::integer).not_null(),
                     strata::column("ts", strata::datetime).not_null(),
                     strata::column("open", strata::float_),
                     strata::column("high", strata::float_),
                     strata::column("low", strata::float_),
                     strata::column("close", strata::float_),
                     strata::column("volume", strata::big_integer),
                     strata::foreign_key("fk_stock_prices_stock_id_stocks", {"stock_id"}, "stocks", {"id"},
                                         strata::referential_action::cascade)});
    op.create_index("ix_stock_prices_stock_id_ts", "stock_prices", {"stock_id", "ts"}, {.unique = true});
  }

  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_stock_prices_stock_id_ts", "stock_prices");
    op.drop_table("stock_prices");
    op.drop_index("ix_sentiment_data_stock_id", "sentiment_data");
    op.drop_table("sentiment_data");
    op.drop_table("stocks");
  }
};

}  // namespace migrations
