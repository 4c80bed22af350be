// InsightBull's repositories tested on a database at head: strata::testing::migrated_database clones
// the migrated history for the suite, and each test's writes are rolled back at its end.
#include <strata/dialect/sqlite.hpp>
#include <strata/testing/gtest.hpp>

#include <string>

#include <SQLiteCpp/Exception.h>
#include <gtest/gtest.h>

#include "migrations/history.hpp"
#include "models.hpp"
#include "repositories.hpp"

namespace {

using insightbull::SentimentData;
using insightbull::SentimentDataRepository;
using insightbull::Stock;
using insightbull::StockRepository;

Stock stock(std::string symbol, std::string name, std::int64_t market_cap = 0) {
  Stock s{};
  s.symbol = std::move(symbol);
  s.name = std::move(name);
  s.sector = "Technology";
  s.market_cap = market_cap;
  return s;
}

SentimentData sentiment(std::int64_t stock_id, std::string source, double score, std::optional<double> confidence = {}) {
  SentimentData d{};
  d.stock_id = stock_id;
  d.source = std::move(source);
  d.score = score;
  d.sentiment_confidence = confidence;
  return d;
}

class Repositories : public strata::testing::migrated_database<migrations::history, strata::sqlite> {
 protected:
  StockRepository stocks{database()};
  SentimentDataRepository sentiments{database()};
};

TEST_F(Repositories, StartAtHeadAndEmpty) {
  EXPECT_EQ(database().execAndGet("SELECT version_num FROM alembic_version").getString(), "c7d2a9e1f0b3");
  EXPECT_TRUE(stocks.get_all().empty());
  EXPECT_TRUE(sentiments.get_all().empty());
}

TEST_F(Repositories, AddsAndReadsStocks) {
  const auto aapl = stocks.add(stock("AAPL", "Apple Inc.", 3'000'000'000'000));
  const auto msft = stocks.add(stock("MSFT", "Microsoft"));
  const auto all = stocks.get_all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, aapl);
  EXPECT_EQ(all[0].symbol, "AAPL");
  EXPECT_EQ(all[0].name, "Apple Inc.");
  EXPECT_EQ(all[0].market_cap, 3'000'000'000'000);
  EXPECT_FALSE(all[0].created_at.empty());  // the server default
  EXPECT_EQ(all[1].id, msft);
}

// The previous test's stocks are gone: AAPL can be added again.
TEST_F(Repositories, FindsAStockBySymbol) {
  EXPECT_FALSE(stocks.find_by_symbol("AAPL").has_value());
  stocks.add(stock("AAPL", "Apple Inc."));
  const auto found = stocks.find_by_symbol("AAPL");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "Apple Inc.");
  EXPECT_EQ(found->sector, "Technology");
  EXPECT_FALSE(stocks.find_by_symbol("NOPE").has_value());
}

TEST_F(Repositories, RejectsADuplicateSymbol) {
  stocks.add(stock("TSLA", "Tesla"));
  EXPECT_THROW(stocks.add(stock("TSLA", "Tesla again")), SQLite::Exception);
  EXPECT_EQ(stocks.get_all().size(), 1u);
}

TEST_F(Repositories, AddsAndFindsSentimentBySymbol) {
  const auto aapl = stocks.add(stock("AAPL", "Apple Inc."));
  const auto msft = stocks.add(stock("MSFT", "Microsoft"));
  sentiments.add(sentiment(aapl, "news", 0.8, 0.9));
  sentiments.add(sentiment(msft, "reddit", -0.2));
  sentiments.add(sentiment(aapl, "twitter", 0.1));
  EXPECT_EQ(sentiments.get_all().size(), 3u);
  const auto apple = sentiments.find_by_symbol("AAPL");
  ASSERT_EQ(apple.size(), 2u);
  EXPECT_EQ(apple[0].source, "news");
  EXPECT_DOUBLE_EQ(apple[0].score, 0.8);
  EXPECT_EQ(apple[0].sentiment_confidence, 0.9);
  EXPECT_EQ(apple[1].source, "twitter");
  EXPECT_FALSE(apple[1].sentiment_confidence.has_value());
}

TEST_F(Repositories, SentimentNeedsAnExistingStock) {
  EXPECT_THROW(sentiments.add(sentiment(12345, "news", 0.5)), SQLite::Exception);
}

TEST_F(Repositories, DeletingAStockCascadesToItsSentiment) {
  const auto aapl = stocks.add(stock("AAPL", "Apple Inc."));
  const auto msft = stocks.add(stock("MSFT", "Microsoft"));
  sentiments.add(sentiment(aapl, "news", 0.8));
  sentiments.add(sentiment(msft, "news", 0.3));
  database().exec("DELETE FROM stocks WHERE symbol = 'AAPL'");
  EXPECT_TRUE(sentiments.find_by_symbol("AAPL").empty());
  const auto left = sentiments.get_all();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].stock_id, msft);
}

// Code that opens its own connection gets the suite's database through url(), at head.
TEST_F(Repositories, UrlOpensTheSuitesDatabase) {
  strata::migrator<strata::sqlite> other(migrations::history{}, url());
  EXPECT_TRUE(other.pending().empty());
  StockRepository own(other.dialect().database());
  EXPECT_TRUE(own.get_all().empty());
}

}  // namespace
