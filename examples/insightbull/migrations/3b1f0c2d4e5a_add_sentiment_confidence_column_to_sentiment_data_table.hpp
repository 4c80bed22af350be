// Add sentiment_confidence column to sentiment_data table
//
// Revision ID: 3b1f0c2d4e5a
// Revises: 8653cc238299
// Create Date: 2025-08-12 16:40:00 UTC
#pragma once

#include <strata/strata.hpp>

namespace migrations {

struct add_sentiment_confidence_column_to_sentiment_data_table : strata::revision<"3b1f0c2d4e5a", "8653cc238299"> {
  static constexpr std::string_view message = "Add sentiment_confidence column to sentiment_data table";

  static constexpr void upgrade(strata::ops& op) {
    op.add_column("sentiment_data", strata::column("sentiment_confidence", strata::float_));
  }

  static constexpr void downgrade(strata::ops& op) {
    op.drop_column("sentiment_data", "sentiment_confidence");
  }
};

}  // namespace migrations
