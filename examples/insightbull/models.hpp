// InsightBull's rows as plain structs, reflected with Boost.Hana: a member is the column of the same
// name, a nullable column is a std::optional, and `table` names the table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/hana/define_struct.hpp>

namespace insightbull {

struct Stock {
  static constexpr std::string_view table = "stocks";
  BOOST_HANA_DEFINE_STRUCT(Stock,
                           (std::int64_t, id),
                           (std::string, symbol),
                           (std::optional<std::string>, name),
                           (std::optional<std::string>, sector),
                           (std::string, created_at),
                           (std::int64_t, market_cap));
};

struct SentimentData {
  static constexpr std::string_view table = "sentiment_data";
  BOOST_HANA_DEFINE_STRUCT(SentimentData,
                           (std::int64_t, id),
                           (std::int64_t, stock_id),
                           (std::string, source),
                           (double, score),
                           (std::string, created_at),
                           (std::optional<double>, sentiment_confidence));
};

struct StockPrice {
  static constexpr std::string_view table = "stock_prices";
  BOOST_HANA_DEFINE_STRUCT(StockPrice,
                           (std::int64_t, id),
                           (std::int64_t, stock_id),
                           (std::string, ts),
                           (std::optional<double>, open),
                           (std::optional<double>, high),
                           (std::optional<double>, low),
                           (std::optional<double>, close),
                           (std::optional<std::int64_t>, volume));
};

}  // namespace insightbull
