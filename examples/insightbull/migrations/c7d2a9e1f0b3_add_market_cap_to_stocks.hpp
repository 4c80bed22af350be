// Add market_cap to stocks
//
// Revision ID: c7d2a9e1f0b3
// Revises: 3b1f0c2d4e5a
// Create Date: 2025-08-14 10:02:00 UTC
#pragma once

#include <strata/strata.hpp>

namespace migrations {

struct add_market_cap_to_stocks : strata::revision<"c7d2a9e1f0b3", "3b1f0c2d4e5a"> {
  static constexpr std::string_view message = "Add market_cap to stocks";

  static constexpr void upgrade(strata::ops& op) {
    op.add_column("stocks", strata::column("market_cap", strata::big_integer));
    op.execute("UPDATE stocks SET market_cap = 0 WHERE market_cap IS NULL");
    op.alter_column("stocks", "market_cap", {.nullable = false});  // a table rebuild on SQLite
  }

  static constexpr void downgrade(strata::ops& op) {
    op.drop_column("stocks", "market_cap");
  }
};

}  // namespace migrations
