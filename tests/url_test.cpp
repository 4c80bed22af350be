// strata::database_url: SQLAlchemy-style URLs, parsed without ever showing a password.
#include <string>

#include <gtest/gtest.h>

#include <strata/url.hpp>

namespace {

TEST(DatabaseUrl, SqliteForms) {
  EXPECT_EQ(strata::database_url::parse("sqlite:///relative/app.db").path, "relative/app.db");
  EXPECT_EQ(strata::database_url::parse("sqlite:////abs/app.db").path, "/abs/app.db");
  EXPECT_EQ(strata::database_url::parse("sqlite:///:memory:").path, ":memory:");
  const auto u = strata::database_url::parse("sqlite:///app.db");
  EXPECT_EQ(u.scheme, "sqlite");
  EXPECT_TRUE(u.host.empty());
  EXPECT_TRUE(strata::database_url::parse("sqlite://").path.empty());
}

TEST(DatabaseUrl, ServerForms) {
  const auto u = strata::database_url::parse("postgresql+psycopg2://insight:s%40cret@db.example:5433/insight_stock_db?sslmode=require&x=1");
  EXPECT_EQ(u.scheme, "postgresql");
  EXPECT_EQ(u.user, "insight");
  EXPECT_EQ(u.password, "s@cret");
  EXPECT_EQ(u.host, "db.example");
  EXPECT_EQ(u.port, "5433");
  EXPECT_EQ(u.path, "insight_stock_db");
  ASSERT_EQ(u.query.size(), 2u);
  EXPECT_EQ(u.query[0], (std::pair<std::string, std::string>{"sslmode", "require"}));
  const auto v6 = strata::database_url::parse("postgresql://[::1]:5432/db");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, "5432");
  const auto bare = strata::database_url::parse("postgresql://localhost/db");
  EXPECT_EQ(bare.host, "localhost");
  EXPECT_TRUE(bare.port.empty());
  EXPECT_TRUE(bare.user.empty());
}

TEST(DatabaseUrl, MaskHidesThePassword) {
  EXPECT_EQ(strata::database_url::mask("postgresql://insight:hunter2@db:5432/app"), "postgresql://insight:***@db:5432/app");
  EXPECT_EQ(strata::database_url::mask("postgresql://insight@db/app"), "postgresql://insight@db/app");
  EXPECT_EQ(strata::database_url::mask("sqlite:///app.db"), "sqlite:///app.db");
  EXPECT_EQ(strata::database_url::mask("postgresql://u:p@ss@db/app"), "postgresql://u:***@db/app");
}

TEST(DatabaseUrl, MalformedUrlsSayWhatToWriteAndHideThePassword) {
  for (const char* bad : {"app.db", "://x", "Postgres QL://u:hunter2@h/db", "postgresql://u:hunter2@h:port/db",
                          "postgresql://u:hunter2@h/db?novalue", "postgresql://u:hunter2@[::1/db"}) {
    try {
      (void)strata::database_url::parse(bad);
      ADD_FAILURE() << "parsed: " << bad;
    } catch (const strata::malformed_url& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
      EXPECT_FALSE(what.empty());
    }
  }
  try {
    (void)strata::database_url::parse("app.db");
  } catch (const strata::malformed_url& e) {
    EXPECT_NE(std::string(e.what()).find("sqlite:///app.db"), std::string::npos) << e.what();
  }
}

}  // namespace
