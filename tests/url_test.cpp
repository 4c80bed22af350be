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
  EXPECT_EQ(strata::database_url::mask("sqlite:///data/user@host.db"), "sqlite:///data/user@host.db");
  EXPECT_EQ(strata::database_url::mask("postgresql://u:p@ss@db/app"), "postgresql://u:***@db/app");
  // Unsure where the password ends (it may hold '/', '?' or '@'): everything up to the last '@' goes.
  EXPECT_EQ(strata::database_url::mask("postgresql://app:Slash/Pw@localhost:1/app"), "postgresql://app:***@localhost:1/app");
  EXPECT_EQ(strata::database_url::mask("postgresql://app:Q?mark@localhost/app?sslmode=require"),
            "postgresql://app:***@localhost/app?sslmode=require");
  EXPECT_EQ(strata::database_url::mask("app:secret@host/db"), "app:***@host/db");  // no scheme: still hidden
  // Parameters that name a secret, wherever the URL would put them.
  EXPECT_EQ(strata::database_url::mask("postgresql://db/app?sslmode=require&password=p@ss&x=1"), "postgresql://db/app?sslmode=require&password=***");
  EXPECT_EQ(strata::database_url::mask("postgresql://u@db/app?application_name=a&PassWord=x"), "postgresql://u@db/app?application_name=a&PassWord=***");
  EXPECT_EQ(strata::database_url::mask("postgresql://u@db/app?sslpassword=k3y&x=1"), "postgresql://u@db/app?sslpassword=***");
  EXPECT_EQ(strata::database_url::mask("postgresql://u@db/app?pasword=typo"), "postgresql://u@db/app?pasword=***");
  EXPECT_EQ(strata::database_url::mask("postgresql://u@db/app?passwordnoequals"), "postgresql://u@db/app?***");
  EXPECT_EQ(strata::database_url::mask("postgresql://u@db/app?password=Zq7&Kv9"), "postgresql://u@db/app?password=***");
}

// A password may hold ':', '?', '#' and spaces as they are (libpq reads them so); '/' and '@' must be
// percent-encoded, and a URL where either reading could put them in the password is refused.
TEST(DatabaseUrl, PasswordsWithSpecialCharacters) {
  for (const char* password : {"Zq7?Kv9", "Zq7:Kv9", "Zq7#Kv9", "Zq7 Kv9", "Zq7?Kv9:Xw5#"}) {
    const auto u = strata::database_url::parse(std::string("postgresql://app:") + password + "@db.example:5433/app?sslmode=require");
    EXPECT_EQ(u.password, password);
    EXPECT_EQ(u.host, "db.example");
    EXPECT_EQ(u.port, "5433");
    EXPECT_EQ(u.path, "app");
    ASSERT_EQ(u.query.size(), 1u);
  }
  EXPECT_EQ(strata::database_url::parse("postgresql://app:Zq7%2FKv9%40Xw5%25@db/app").password, "Zq7/Kv9@Xw5%");
  EXPECT_EQ(strata::database_url::parse("sqlite:///data/user@host.db").path, "data/user@host.db");  // no credentials: a path may hold '@'
  EXPECT_EQ(strata::database_url::parse("postgresql://db/app?application_name=x%40y").query[0].second, "x@y");
}

TEST(DatabaseUrl, AmbiguousUrlsAreRefusedWithoutShowingThePassword) {
  for (const char* bad : {"postgresql://app:Zq7/Kv9@localhost:1/app", "postgresql://app:Zq7@Kv9@localhost:1/app",
                          "postgresql://app:Zq7?Kv9/Xw5@localhost/app", "postgresql://app:Zq7/Kv9?Xw5@localhost/app",
                          "postgresql://app:Zq7@Kv9/Xw5@localhost/app", "postgres://app:Zq7/Kv9@Xw5@localhost:1/app?sslmode=require"}) {
    try {
      (void)strata::database_url::parse(bad);
      ADD_FAILURE() << "parsed: " << bad;
    } catch (const strata::malformed_url& e) {
      const std::string what = e.what();
      for (const char* fragment : {"Zq7", "Kv9", "Xw5"}) EXPECT_EQ(what.find(fragment), std::string::npos) << fragment << " in: " << what;
      EXPECT_NE(what.find("percent-encode '@' as %40 and '/' as %2F"), std::string::npos) << what;
      EXPECT_NE(what.find("app:***@localhost"), std::string::npos) << what;
    }
  }
}

TEST(DatabaseUrl, MalformedUrlsSayWhatToWriteAndHideThePassword) {
  for (const char* bad : {"app.db", "://x", "Postgres QL://u:hunter2@h/db", "postgresql://u:hunter2@h:port/db",
                          "postgresql://u:hunter2@h/db?novalue", "postgresql://u:hunter2@[::1/db", "u:hunter2@h/db",
                          "postgresql://u@h/db?passwordhunter2"}) {
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
