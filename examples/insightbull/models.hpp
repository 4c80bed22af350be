// InsightBull's models: the schema the application wants, declared once and bound to the row
// structs its repositories use (reflected with Boost.Hana: a member is the column of the same name,
// a nullable column is a std::optional, and `table` names the table). insightbull.cpp proves at
// compile time that the migrations build exactly this (strata::in_sync).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/hana/define_struct.hpp>

#include <strata/hana.hpp>  // the binding check of m.table<Row>(...) reads the rows' Hana members
#include <strata/model.hpp>

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

struct models {
  static constexpr void declare(strata::model& m) {
    using strata::column;
    m.table<Stock>(Stock::table,
                   {column("id", strata::integer).primary_key(),
                    column("symbol", strata::varchar(10)).not_null(),
                    column("name", strata::varchar(255)),
                    column("sector", strata::varchar(100)),
                    column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                    column("market_cap", strata::big_integer).not_null(),
                    strata::unique("uq_stocks_symbol", {"symbol"})});
    m.table<SentimentData>(SentimentData::table,
                           {column("id", strata::integer).primary_key(),
                            column("stock_id", strata::integer).not_null(),
                            column("source", strata::varchar(50)).not_null(),
                            column("score", strata::float_).not_null(),
                            column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                            column("sentiment_confidence", strata::float_),
                            strata::foreign_key("fk_sentiment_data_stock_id_stocks", {"stock_id"}, "stocks", {"id"},
                                                strata::referential_action::cascade)});
    m.index("ix_sentiment_data_stock_id", SentimentData::table, {"stock_id"});
    m.table<StockPrice>(StockPrice::table,
                        {column("id", strata::integer).primary_key(),
                         column("stock_id", strata::integer).not_null(),
                         column("ts", strata::datetime).not_null(),
                         column("open", strata::float_),
                         column("high", strata::float_),
                         column("low", strata::float_),
                         column("close", strata::float_),
                         column("volume", strata::big_integer),
                         strata::foreign_key("fk_stock_prices_stock_id_stocks", {"stock_id"}, "stocks", {"id"},
                                             strata::referential_action::cascade)});
    m.index("ix_stock_prices_stock_id_ts", StockPrice::table, {"stock_id", "ts"}, {.unique = true});
  }
};

}  // namespace insightbull
