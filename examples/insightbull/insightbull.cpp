// insightbull: the InsightBull backend's start-up, in small. Reads strata.ini, migrates the database
// to head with strata::manager, then stores and reads stocks and sentiment through the repositories,
// checking that what it reads back is what it stored (a mismatch exits 1).
//   insightbull [--config <file>]        (default: strata.ini in the working directory)
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include <strata/config.hpp>
#include <strata/dialect/sqlite.hpp>
#include <strata/manager.hpp>
#ifdef STRATA_HAVE_POSTGRESQL
#include <strata/dialect/postgresql.hpp>
#endif
#include <strata/model.hpp>

#include "migrations/history.hpp"
#include "models.hpp"
#include "repositories.hpp"

namespace insightbull {

// ---- What the compiler proves about the migrations -------------------------------------------

using history = migrations::history;

// The models (models.hpp) are what the revisions of migrations/ build at head, and each row struct
// fits its table; else the build stops naming the first difference.
static_assert(strata::in_sync<history, models>());
static_assert(strata::first_irreversible<history>() == history::size, "insightbull: every downgrade undoes its upgrade");

// ---- The program -------------------------------------------------------------------------------

std::string join(const std::vector<std::string>& ids) {
  if (ids.empty()) return "<base>";
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

template <class T>
std::string show(const T& v) {
  std::ostringstream out;
  if constexpr (detail::is_optional<T>::value) {
    if (!v) return "NULL";
    out << *v;
  } else {
    out << v;
  }
  return out.str();
}

struct seed {
  Stock stock;
  std::vector<SentimentData> sentiment;  // stock_id filled in when stored
};

std::vector<seed> seeds() {
  auto stock = [](std::string symbol, std::optional<std::string> name, std::optional<std::string> sector, std::int64_t cap) {
    return Stock{0, std::move(symbol), std::move(name), std::move(sector), {}, cap};
  };
  auto sentiment = [](std::string source, double score, std::optional<double> confidence) {
    return SentimentData{0, 0, std::move(source), score, {}, confidence};
  };
  return {
      {stock("AAPL", "Apple Inc.", "Technology", 3'400'000'000'000),
       {sentiment("reddit", 0.62, 0.91), sentiment("news", 0.35, std::nullopt)}},
      {stock("MSFT", "Microsoft Corporation", "Technology", 3'100'000'000'000), {sentiment("twitter", -0.125, 0.55)}},
      {stock("NVDA", "NVIDIA Corporation", std::nullopt, 4'200'000'000'000),
       {sentiment("news", 0.8, 0.77), sentiment("reddit", 0.44, std::nullopt), sentiment("twitter", 0.5, 0.6)}},
  };
}

// Collects what differs between what was stored and what was read.
struct checker {
  std::vector<std::string> problems;
  template <class A, class B>
  void equal(const std::string& what, const A& read, const B& expected) {
    if (!(read == expected)) problems.push_back(what + ": read " + show(read) + ", expected " + show(expected));
  }
  void expect(const std::string& what, bool ok) {
    if (!ok) problems.push_back(what);
  }
};

template <strata::Dialect D>
int migrate(const strata::configuration& config) {
  strata::manager<D> manager{history{}, strata::migrator_options{.version_table = config.version_table}, config.url};
  const auto status = manager.check_status();
  if (!status.ok) {
    std::cerr << "insightbull: cannot read the migration status: " << status.error << '\n';
    return 1;
  }
  std::cout << "database: " << status.location << " (from " << config.url_source << ")\n"
            << "current revision: " << join(status.current) << ", head: " << join(status.heads) << '\n';
  if (status.needs_upgrade)
    std::cout << "database needs upgrade: " << status.pending.size() << " pending revision(s): " << join(status.pending) << '\n';
  else
    std::cout << "database is up to date\n";

  const auto result = manager.upgrade();
  if (!result.ok) {
    std::cerr << "insightbull: upgrade failed: " << result.error << "\n  the database is at " << join(result.to) << '\n';
    return 1;
  }
  if (result.applied.empty())
    std::cout << "nothing to upgrade, at " << join(result.to) << '\n';
  else
    std::cout << "upgraded: " << join(result.from) << " -> " << join(result.to) << '\n';
  for (const auto& id : result.applied) std::cout << "  applied " << id << "  " << manager.migrator().revision(id).message << '\n';
  if (result.applied.size() != status.pending.size() || result.to != status.heads) {
    std::cerr << "insightbull: the upgrade applied " << join(result.applied) << " and stopped at " << join(result.to)
              << ", expected " << join(status.pending) << " up to " << join(status.heads) << '\n';
    return 1;
  }
  return 0;
}

int use_repositories(const strata::configuration& config) {
  const auto path = strata::database_url::parse(config.url).path;
  if (path.empty() || path == ":memory:") {
    std::cerr << "insightbull: '" << config.url << "' is an in-memory database, which would be empty here; use a file URL\n";
    return 1;
  }
  SQLite::Database db(path, SQLite::OPEN_READWRITE, 5000);
  db.exec("PRAGMA foreign_keys = ON");
  StockRepository stocks(db);
  SentimentDataRepository sentiment(db);

  auto wanted = seeds();
  {
    SQLite::Transaction transaction(db);
    for (auto& s : wanted) {
      if (stocks.find_by_symbol(s.stock.symbol)) {
        std::cout << "stock " << s.stock.symbol << " exists, not added again\n";
        continue;
      }
      const auto id = stocks.add(s.stock);
      for (auto& row : s.sentiment) {
        row.stock_id = id;
        sentiment.add(row);
      }
      std::cout << "added stock " << s.stock.symbol << " (id " << id << ") with " << s.sentiment.size() << " sentiment row(s)\n";
    }
    transaction.commit();
  }

  checker check;
  const auto all = stocks.get_all();
  std::cout << "stocks:\n";
  for (const auto& s : all)
    std::cout << "  " << s.id << "  " << s.symbol << "  " << show(s.name) << "  " << show(s.sector) << "  market_cap "
              << s.market_cap << "  created " << s.created_at << '\n';
  check.equal("number of stocks", all.size(), wanted.size());
  std::size_t sentiment_rows = 0;
  for (std::size_t i = 0; i < wanted.size() && i < all.size(); ++i) {
    const auto& read = all[i];
    const auto& expected = wanted[i].stock;
    const auto where = "stock " + std::to_string(i + 1) + " (" + expected.symbol + ")";
    check.equal(where + " symbol", read.symbol, expected.symbol);
    check.equal(where + " name", read.name, expected.name);
    check.equal(where + " sector", read.sector, expected.sector);
    check.equal(where + " market_cap", read.market_cap, expected.market_cap);
    check.expect(where + " has no created_at (the column default did not apply)", !read.created_at.empty());

    const auto found = stocks.find_by_symbol(expected.symbol);
    check.expect(where + ": find_by_symbol found nothing", found.has_value());
    if (found) check.equal(where + " id by symbol", found->id, read.id);

    const auto rows = sentiment.find_by_symbol(expected.symbol);
    std::cout << "sentiment of " << expected.symbol << ":\n";
    for (const auto& r : rows)
      std::cout << "  " << r.id << "  " << r.source << "  score " << r.score << "  confidence " << show(r.sentiment_confidence)
                << "  created " << r.created_at << '\n';
    check.equal(where + " number of sentiment rows", rows.size(), wanted[i].sentiment.size());
    for (std::size_t j = 0; j < rows.size() && j < wanted[i].sentiment.size(); ++j) {
      const auto& e = wanted[i].sentiment[j];
      const auto row = where + " sentiment " + std::to_string(j + 1);
      check.equal(row + " stock_id", rows[j].stock_id, read.id);
      check.equal(row + " source", rows[j].source, e.source);
      check.equal(row + " score", rows[j].score, e.score);
      check.equal(row + " sentiment_confidence", rows[j].sentiment_confidence, e.sentiment_confidence);
      check.expect(row + " has no created_at", !rows[j].created_at.empty());
    }
    sentiment_rows += wanted[i].sentiment.size();
  }
  check.equal("number of sentiment rows in all", sentiment.get_all().size(), sentiment_rows);
  check.expect("find_by_symbol of an unknown symbol found a stock", !stocks.find_by_symbol("ZZZZ").has_value());

  // The constraints the migrations declared, tried in a transaction that is rolled back.
  {
    SQLite::Transaction transaction(db);
    bool rejected = false;
    try {
      stocks.add(wanted.front().stock);
    } catch (const SQLite::Exception&) {
      rejected = true;
    }
    check.expect("a second stock " + wanted.front().stock.symbol + " was accepted (uq_stocks_symbol is missing)", rejected);
    rejected = false;
    try {
      sentiment.add(SentimentData{0, -1, "news", 0.0, {}, std::nullopt});
    } catch (const SQLite::Exception&) {
      rejected = true;
    }
    check.expect("sentiment of a stock that does not exist was accepted (fk_sentiment_data_stock_id_stocks is missing)",
                 rejected);
    const auto& symbol = wanted.front().stock.symbol;
    const auto before = sentiment.get_all().size();
    const auto of_symbol = sentiment.find_by_symbol(symbol).size();
    SQLite::Statement remove(db, "DELETE FROM \"stocks\" WHERE \"symbol\" = ?");
    remove.bind(1, symbol);
    remove.exec();
    check.expect("deleting stock " + symbol + " did not delete its sentiment rows (ON DELETE CASCADE is missing)",
                 sentiment.get_all().size() == before - of_symbol);
  }  // rolled back
  check.equal("number of stocks after the rollback", stocks.get_all().size(), wanted.size());

  if (!check.problems.empty()) {
    for (const auto& p : check.problems) std::cerr << "insightbull: mismatch: " << p << '\n';
    return 1;
  }
  std::cout << "read back " << all.size() << " stocks and " << sentiment_rows << " sentiment rows as stored\n";
  return 0;
}

}  // namespace insightbull

int main(int argc, char** argv) try {
  strata::configuration_options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      options.file = argv[++i];
    } else if (arg.starts_with("--config=")) {
      options.file = std::string(arg.substr(9));
    } else {
      std::cerr << (arg == "-h" || arg == "--help" ? "" : "insightbull: unknown argument '" + std::string(arg) + "'\n")
                << "usage: insightbull [--config <file>]   (default: strata.ini in the working directory)\n";
      return arg == "-h" || arg == "--help" ? 0 : 2;
    }
  }
  const auto config = strata::load_configuration(options);
#ifdef STRATA_HAVE_POSTGRESQL
  // The same migrations on PostgreSQL; the repositories of this example are written on SQLiteCpp.
  if (const auto scheme = strata::database_url::parse(config.url).scheme; scheme == "postgresql" || scheme == "postgres") {
    if (const int status = insightbull::migrate<strata::postgresql>(config); status != 0) return status;
    std::cout << "the repositories of this example use SQLiteCpp, so on PostgreSQL it stops after migrating\n";
    return 0;
  }
#endif
  strata::sqlite::prepare_location(config.url);
  if (const int status = insightbull::migrate<strata::sqlite>(config); status != 0) return status;
  return insightbull::use_repositories(config);
} catch (const std::exception& e) {  // strata::error (configuration), SQLite::Exception
  std::cerr << "insightbull: " << e.what() << '\n';
  return 1;
}
