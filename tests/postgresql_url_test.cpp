// PostgreSQL URLs whose password holds '/', '?', '@', '%', ':', '#', '&', '=' or spaces: read by
// libpq's own parser (strata/detail/postgresql_url.hpp), and the password never shown, on every path:
// a malformed URL, an unknown or misspelt parameter, a bad lock_timeout or schema, a refused
// connection, a failed authentication, a missing database, a lost connection, the configuration's
// errors naming their source, manage_db's output and errors, strata::manager's strings and
// strata::testing's messages. What needs a server runs on the one the PG* variables name.
#include <strata/config.hpp>
#include <strata/dialect/postgresql.hpp>
#include <strata/manager.hpp>
#include <strata/strata.hpp>
#include <strata/testing/gtest.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/error_messages.hpp"
#include "support/postgresql_scratch.hpp"
#include "support/process.hpp"
#include "support/sqlite_scratch.hpp"

namespace {

namespace fs = std::filesystem;
using strata_test::message_of;
using strata_test::url_encode;

// Each password holds the fragments Zq7, Kv9 and Xw5 around the characters a URL may misread; no
// message may show any of them.
const std::vector<std::string> passwords = {"Zq7/Kv9/Xw5", "Zq7?Kv9?Xw5", "Zq7@Kv9@Xw5", "Zq7%Kv9%Xw5", "Zq7:Kv9:Xw5",
                                            "Zq7#Kv9#Xw5", "Zq7 Kv9 Xw5", "Zq7&Kv9=Xw5", "Zq7/Kv9?Xw5@"};

// Each password as a user may write it: as it is, and percent-encoded (the right way).
std::vector<std::string> written(const std::string& password) { return {password, url_encode(password)}; }

::testing::AssertionResult hides_the_password(const std::string& text) {
  for (const char* fragment : {"Zq7", "Kv9", "Xw5"})
    if (text.find(fragment) != std::string::npos) return ::testing::AssertionFailure() << "'" << fragment << "' is shown in: " << text;
  return ::testing::AssertionSuccess();
}

// A local TCP port nothing listens on (bound, then released).
int unused_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(s);
  return ntohs(address.sin_port);
}

struct items : strata::revision<"f10000000001", strata::base> {
  static constexpr std::string_view message = "items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {strata::column("id", strata::integer).primary_key(), strata::column("name", strata::text)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};
void terminate_own_session(strata::connection& db) { db.execute("SELECT pg_terminate_backend(pg_backend_pid())"); }
struct lost_midway : strata::revision<"f10000000002", "f10000000001"> {
  static constexpr std::string_view message = "connection lost";
  static constexpr void upgrade(strata::ops& op) { op.run(&terminate_own_session, "terminate the session"); }
  static constexpr void downgrade(strata::ops&) {}
};
using history = strata::history<items>;
using pg = strata::migrator<strata::postgresql>;

// ---- reading: libpq's parse, the password exact -------------------------------------------------------------

TEST(PostgresqlUrl, EncodedPasswordsAreReadExactlyAndShownAsStars) {
  for (const auto& password : passwords) {
    SCOPED_TRACE(password);
    const auto u = strata::detail::postgresql_url::parse(
        "postgresql://app:" + url_encode(password) + "@db.example:5433/stock?sslmode=require&schema=app", strata::postgresql::schemes);
    EXPECT_EQ(u.value("password"), password);
    EXPECT_EQ(u.value("user"), "app");
    EXPECT_EQ(u.value("host"), "db.example");
    EXPECT_EQ(u.value("port"), "5433");
    EXPECT_EQ(u.value("dbname"), "stock");
    EXPECT_EQ(u.value("sslmode"), "require");
    EXPECT_EQ(u.schema, "app");
    EXPECT_EQ(u.shown, "postgresql://app:***@db.example:5433/stock?sslmode=require&schema=app");

    const auto q = strata::detail::postgresql_url::parse("postgres://app@db.example/stock?password=" + url_encode(password) +
                                                             "&application_name=x",
                                                         strata::postgresql::schemes);
    EXPECT_EQ(q.value("password"), password);
    EXPECT_EQ(q.shown, "postgres://app@db.example/stock?password=***&application_name=x");
  }
}

// libpq reads ':', '?', '#' and spaces in a password as they are; so does strata.
TEST(PostgresqlUrl, ColonQuestionMarkHashAndSpaceNeedNoEncoding) {
  for (const std::string password : {"Zq7:Kv9:Xw5", "Zq7?Kv9?Xw5", "Zq7#Kv9#Xw5", "Zq7 Kv9 Xw5", "Zq7?Kv9:Xw5#"}) {
    SCOPED_TRACE(password);
    const auto u = strata::detail::postgresql_url::parse("postgresql://app:" + password + "@localhost:1/app?connect_timeout=5",
                                                         strata::postgresql::schemes);
    EXPECT_EQ(u.value("password"), password);
    EXPECT_EQ(u.value("host"), "localhost");
    EXPECT_EQ(u.value("dbname"), "app");
    EXPECT_EQ(u.shown, "postgresql://app:***@localhost:1/app?connect_timeout=5");
  }
}

// The URL of issue 10, which printed the password: refused before libpq sees it, saying how to write it.
TEST(PostgresqlUrl, ARawSlashOrAtInThePasswordIsRefusedSayingHowToEncodeIt) {
  for (const std::string url : {"postgresql://app:Slash/Pw@localhost:1/app", "postgresql://app:At@Pw@localhost:1/app"}) {
    const auto what = message_of<strata::malformed_url>([&] { strata::postgresql d{url}; });
    strata_test::expect_words(what, {"'postgresql://app:***@localhost:1/app'", "percent-encode '@' as %40 and '/' as %2F"});
    EXPECT_EQ(what.find("Slash"), std::string::npos) << what;
    EXPECT_EQ(what.find("Pw@"), std::string::npos) << what;
  }
}

// Every way a URL can be refused before connecting, with each password as it is and encoded.
TEST(PostgresqlUrl, EveryRefusedUrlHidesThePassword) {
  const std::vector<std::pair<std::string, std::string>> templates = {
      // {before the password, after it}: each URL has one fault besides whatever the password does.
      {"app:", "@127.0.0.1:1/app"},                                       // no scheme
      {"mysql://app:", "@127.0.0.1:1/app"},                               // another database's scheme
      {"postgresql://app:", "@127.0.0.1:1/app?colour=blue"},              // an unknown parameter
      {"postgresql://app:", "@127.0.0.1:1/app?lock_timeout=soon"},        // a bad lock_timeout
      {"postgresql://app:", "@127.0.0.1:1/app?schema="},                  // an empty schema
      {"postgresql://app:", "@127.0.0.1:54x/app"},                        // a port that is no number
      {"postgresql://app:", "@127.0.0.1:1/app?sslmode"},                  // a parameter without a value
      {"postgresql://app:", "@127.0.0.1:1/d%zz"},                         // a database name libpq cannot decode
      {"postgresql://app:", "@[::1/app"},                                 // an unclosed IPv6 host
      {"postgresql://app@127.0.0.1:1/app?pasword=", ""},                  // a misspelt password parameter
      {"postgresql://app@127.0.0.1:1/app?password=", "&colour=blue"},     // an unknown one after a password
      {"postgresql://app@127.0.0.1:1/app?colour=blue&password=", ""},     // and before it
      {"postgresql://app@127.0.0.1:1/app?lock_timeout=x&password=", ""},  // strata's own after a password
  };
  for (const auto& password : passwords) {
    for (const auto& form : written(password)) {
      for (const auto& [before, after] : templates) {
        const auto url = before + form + after;
        SCOPED_TRACE(url);
        const auto what = message_of<strata::malformed_url>([&] { strata::postgresql d{url}; });
        EXPECT_TRUE(hides_the_password(what));
        strata_test::expect_words(what, {});
        EXPECT_TRUE(hides_the_password(strata::detail::postgresql_url::shown(url, strata::postgresql::schemes)));
        EXPECT_TRUE(hides_the_password(strata::database_url::mask(url)));
        try {
          (void)strata::database_url::parse(url);
        } catch (const strata::malformed_url& e) {
          EXPECT_TRUE(hides_the_password(e.what()));
        }
      }
    }
  }
}

// ---- the configuration: its errors name the source, never the password ---------------------------------------

// Restores DATABASE_URL and forgets what a .env file supplied.
class configuration_scope {
 public:
  configuration_scope() {
    if (const char* v = std::getenv("DATABASE_URL")) old_ = v;
    ::unsetenv("DATABASE_URL");
    ::unsetenv("STRATA_CONFIG");
  }
  configuration_scope(const configuration_scope&) = delete;
  configuration_scope& operator=(const configuration_scope&) = delete;
  ~configuration_scope() {
    if (old_) ::setenv("DATABASE_URL", old_->c_str(), 1);
    else ::unsetenv("DATABASE_URL");
    strata::detail::supplied_by_env_file().clear();
  }

 private:
  std::optional<std::string> old_;
};

TEST(PostgresqlUrl, ConfigurationErrorsNameTheirSourceAndHideThePassword) {
  strata_test::scratch_folder dir;
  const auto ini = dir.path() / "strata.ini";
  const auto env = dir.path() / ".env";
  for (const auto& password : passwords) {
    for (const auto& url : std::vector<std::string>{"postgresql://app:" + password + "@localhost:1/app?sslmode",  // each has a fault
                                                    "app:" + url_encode(password) + "@localhost:1/app"}) {
      SCOPED_TRACE(url);
      for (const std::string source : {"--url", "DATABASE_URL", ".env", "strata.ini"}) {
        configuration_scope scope;
        std::ofstream(ini, std::ios::trunc) << "[strata]\nurl = " << (source == "strata.ini" ? url : "sqlite:///x.db") << "\n";
        fs::remove(env);
        strata::configuration_options options;
        options.file = ini;
        options.env_file = env;
        std::string named;
        if (source == "--url") {
          options.url_override = url;
          named = "--url";
        } else if (source == "DATABASE_URL") {
          ::setenv("DATABASE_URL", url.c_str(), 1);
          named = "DATABASE_URL in the environment";
        } else if (source == ".env") {
          std::ofstream(env, std::ios::trunc) << "# the database\nDATABASE_URL='" << url << "'\n";
          named = "DATABASE_URL in " + fs::absolute(env).lexically_normal().string() + " line 2";
        } else {
          named = ini.string() + " line 2";
        }
        const auto what = message_of<strata::malformed_url>([&] { (void)strata::load_configuration(options); });
        EXPECT_TRUE(what.starts_with(named)) << source << ": " << what;
        EXPECT_TRUE(hides_the_password(what));
      }
    }
  }
}

// ---- connecting: refused, wrong password, missing database, lost connection ----------------------------------

TEST(PostgresqlUrlConnect, ARefusedConnectionHidesThePassword) {
  const auto port = std::to_string(unused_port());
  for (const auto& password : passwords) {
    for (const auto& form : written(password)) {
      const auto url = "postgresql://app:" + form + "@127.0.0.1:" + port + "/inventory?connect_timeout=5";
      SCOPED_TRACE(url);
      if (strata::database_url::split(url).ambiguous) continue;  // refused before connecting: above
      if (form.find('%') != std::string::npos && form == password) continue;  // "%Kv" is no escape: refused above
      const auto what = message_of<strata::database_unavailable>([&] { pg m{history{}, url}; });
      strata_test::expect_words(what, {"cannot connect to PostgreSQL at 127.0.0.1:" + port + ", database 'inventory'"});
      EXPECT_TRUE(hides_the_password(what));

      // strata::manager reports the same as strings.
      strata::manager<strata::postgresql> manager{history{}, url};
      const auto status = manager.check_status();
      EXPECT_FALSE(status.ok);
      EXPECT_TRUE(hides_the_password(status.error));
      const auto result = manager.upgrade();
      EXPECT_FALSE(result.ok);
      EXPECT_FALSE(result.error.empty());
      EXPECT_TRUE(hides_the_password(result.error));
    }
  }
}

class PostgresqlUrlServer : public strata_test::postgresql_test {
 protected:
  // host:port of the server, as the test database's URL names it ("" host for a socket).
  std::string where() {
    const auto u = url();
    const auto at = u.find('@');
    const auto start = at == std::string::npos ? std::string("postgresql://").size() : at + 1;
    return u.substr(start, u.rfind('/') - start);
  }
};

TEST_F(PostgresqlUrlServer, AWrongPasswordHidesIt) {
  const auto user = strata_test::environment("PGUSER").empty() ? std::string("postgres") : strata_test::environment("PGUSER");
  for (const auto& password : passwords) {
    const auto url = "postgresql://" + url_encode(user) + ":" + url_encode(password) + "@" + where() + "/" + db().name();
    SCOPED_TRACE(password);
    try {
      strata::postgresql d{url};
      GTEST_SKIP() << "the server let a wrong password in (trust authentication), so there is nothing to check";
    } catch (const strata::database_unavailable& e) {
      strata_test::expect_words(e.what(), {"cannot connect to PostgreSQL at", "password authentication failed"});
      EXPECT_TRUE(hides_the_password(e.what()));
    }
  }
}

// A login role whose password is one of the passwords, owning the test's database (so that it may
// create tables there); dropped at the end.
class role_with_password {
 public:
  role_with_password(strata_test::postgresql_database& db, std::string password)
      : db_(db), name_("pw_" + db.name().substr(0, 55)), password_(std::move(password)) {
    db_.exec("CREATE ROLE \"" + name_ + "\" LOGIN PASSWORD " + db_.literal(password_));
    db_.exec("ALTER DATABASE \"" + db_.name() + "\" OWNER TO \"" + name_ + "\"");
  }
  role_with_password(const role_with_password&) = delete;
  role_with_password& operator=(const role_with_password&) = delete;
  ~role_with_password() {
    try {
      db_.exec("ALTER DATABASE \"" + db_.name() + "\" OWNER TO CURRENT_USER");
      db_.exec("DROP OWNED BY \"" + name_ + "\"");  // its tables in the test's database
      db_.exec("DROP ROLE \"" + name_ + "\"");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop the role " << name_ << ": " << e.what();
    }
  }
  // The URL of `database` as this role, the password percent-encoded.
  [[nodiscard]] std::string url(const std::string& where, const std::string& database) const {
    return "postgresql://" + name_ + ":" + url_encode(password_) + "@" + where + "/" + database;
  }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  strata_test::postgresql_database& db_;
  std::string name_;
  std::string password_;
};

TEST_F(PostgresqlUrlServer, TheRightPasswordConnectsAndIsNeverShown) {
  for (const std::string password : {"Zq7/Kv9@Xw5?", "Zq7%Kv9:Xw5 &=#"}) {
    SCOPED_TRACE(password);
    role_with_password role(db(), password);
    {
      const auto url = role.url(where(), db().name());
      pg m{strata::history<items, lost_midway>{}, url};
      EXPECT_EQ(m.upgrade("f10000000001"), std::vector<std::string>{"f10000000001"});
      const auto shown = m.dialect().location();
      EXPECT_EQ(shown, "postgresql://" + role.name() + ":***@" + where() + "/" + db().name());
      EXPECT_TRUE(hides_the_password(shown));

      // A lost connection (the revision's session is terminated).
      const auto lost = message_of<strata::database_unavailable>([&] { m.upgrade(); });
      strata_test::expect_words(lost, {"lost the connection to PostgreSQL at", "database '" + db().name() + "'"});
      EXPECT_TRUE(hides_the_password(lost));

      strata::manager<strata::postgresql> manager{strata::history<items, lost_midway>{}, url};
      const auto status = manager.check_status();
      EXPECT_TRUE(status.ok) << status.error;
      EXPECT_EQ(status.location, shown);
      const auto result = manager.upgrade();
      EXPECT_FALSE(result.ok);
      EXPECT_TRUE(hides_the_password(result.error));
      EXPECT_NE(result.error.find("lost the connection"), std::string::npos) << result.error;
    }
    // A database that does not exist.
    const auto missing = message_of<strata::database_unavailable>([&] { strata::postgresql d{role.url(where(), "no_such_database")}; });
    strata_test::expect_words(missing, {"database 'no_such_database'", "does not exist"});
    EXPECT_TRUE(hides_the_password(missing));
  }
}

// ---- manage_db, as a program -----------------------------------------------------------------------------------

struct outcome : strata_test::process_result {};
std::ostream& operator<<(std::ostream& os, const outcome& o) {
  return os << "exit status " << o.status << "\n--- stdout:\n" << o.out << "--- stderr:\n" << o.err << "---";
}

// One line on stderr, exit status 1, no password anywhere.
void expect_refused(const outcome& o) {
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o;
  EXPECT_TRUE(o.err.starts_with("manage_db: ")) << o;
  EXPECT_TRUE(hides_the_password(o.out + o.err));
}

class ManageDbPasswords : public ::testing::Test {
 protected:
  void SetUp() override {
#if !defined(STRATA_MANAGE_DB)
    GTEST_SKIP() << "manage_db is not built (needs STRATA_BUILD_EXAMPLES and CLI11)";
#endif
  }
  outcome run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) const {
#ifdef STRATA_MANAGE_DB
    const std::string program = STRATA_MANAGE_DB;
#else
    const std::string program = "manage_db";
#endif
    const auto io = dir.path().parent_path() / (dir.path().filename().string() + ".io");
    return outcome{strata_test::child_process(program, args, env, dir.path(), io).wait()};
  }
  strata_test::scratch_folder dir;
};

// The command of issue 10, which printed the password.
TEST_F(ManageDbPasswords, TheCommandOfTheIssueDoesNotShowThePassword) {
  const auto o = run({"--url", "postgresql://app:Slash/Pw@localhost:1/app", "upgrade"});
  expect_refused(o);
  EXPECT_EQ(o.err.find("Slash"), std::string::npos) << o;
  EXPECT_EQ(o.err.find("Pw@"), std::string::npos) << o;
  EXPECT_NE(o.err.find("--url"), std::string::npos) << o;
  EXPECT_NE(o.err.find("%2F"), std::string::npos) << o;
}

// Each password, as it is and encoded, from each source, to a port nothing listens on.
TEST_F(ManageDbPasswords, EverySourceAndCommandHidesThePassword) {
  const auto port = std::to_string(unused_port());
  for (const auto& password : passwords) {
    for (const auto& form : written(password)) {
      const auto url = "postgresql://app:" + form + "@127.0.0.1:" + port + "/app?connect_timeout=5";
      SCOPED_TRACE(url);
      for (const std::string source : {"--url", "DATABASE_URL", ".env", "strata.ini"}) {
        fs::remove(dir.path() / ".env");
        std::ofstream(dir.path() / "strata.ini", std::ios::trunc)
            << "[strata]\nurl = " << (source == "strata.ini" ? url : "sqlite:///./x.db") << "\n";
        if (source == ".env") std::ofstream(dir.path() / ".env", std::ios::trunc) << "DATABASE_URL='" << url << "'\n";
        for (const std::string command : {"upgrade", "status", "current"}) {
          if (source != "--url" && command != "status") continue;  // every command once, every source once
          std::vector<std::string> args;
          if (source == "--url") args = {"--url", url};
          args.push_back(command);
          const auto o = run(args, source == "DATABASE_URL" ? std::map<std::string, std::string>{{"DATABASE_URL", url}}
                                                            : std::map<std::string, std::string>{});
          expect_refused(o);
        }
      }
    }
  }
}

class ManageDbOnTheServer : public PostgresqlUrlServer {
 protected:
  outcome run(const std::vector<std::string>& args) const {
#ifdef STRATA_MANAGE_DB
    const std::string program = STRATA_MANAGE_DB;
#else
    const std::string program = "manage_db";
#endif
    const auto io = dir.path().parent_path() / (dir.path().filename().string() + ".io");
    return outcome{strata_test::child_process(program, args, {}, dir.path(), io).wait()};
  }
  strata_test::scratch_folder dir;
};

// With the right password, upgrade, status and current work and show the URL with ***.
TEST_F(ManageDbOnTheServer, OutputShowsTheUrlWithStars) {
#if !defined(STRATA_MANAGE_DB)
  GTEST_SKIP() << "manage_db is not built (needs STRATA_BUILD_EXAMPLES and CLI11)";
#endif
  role_with_password role(db(), "Zq7/Kv9@Xw5?%:");
  const auto url = role.url(where(), db().name());
  for (const std::string command : {"upgrade", "status", "current", "history"}) {
    const auto o = run({"--url", url, command});
    EXPECT_EQ(o.status, 0) << command << ": " << o;
    EXPECT_TRUE(hides_the_password(o.out + o.err)) << command;
  }
  const auto status = run({"--url", url, "status"});
  EXPECT_NE(status.out.find("postgresql://" + role.name() + ":***@"), std::string::npos) << status;
  // A database that does not exist, and a wrong password.
  expect_refused(run({"--url", role.url(where(), "no_such_database"), "upgrade"}));
  expect_refused(run({"--url", "postgresql://" + role.name() + ":" + url_encode("Zq7/Kv9@wrong") + "@" + where() + "/" + db().name(), "status"}));
}

// ---- strata::testing ---------------------------------------------------------------------------------------------

// A suite on a migrated PostgreSQL database. Run normally, it passes; the test below runs it again in
// a child process whose PGPASSWORD is wrong, where strata::testing must fail it without the password.
class TestingFixture : public strata::testing::migrated_database<history, strata::postgresql> {};
TEST_F(TestingFixture, HasItsDatabase) { EXPECT_NO_THROW(transaction().exec("SELECT count(*) FROM items")); }

TEST(PostgresqlUrlTesting, StrataTestingMessagesHideThePassword) {
  if (!strata_test::require_postgresql()) return;
  strata_test::scratch_folder dir;
  for (const std::string password : {"Zq7/Kv9@Xw5?", "Zq7%Kv9 Xw5&="}) {
    const auto io = dir.path() / "child";
    const auto r = strata_test::child_process(fs::read_symlink("/proc/self/exe").string(), {"--gtest_filter=TestingFixture.*"},
                                              {{"PGPASSWORD", password}, {"STRATA_REQUIRE_POSTGRESQL", "1"}, {"STRATA_TESTING_POOL", "0"}},
                                              dir.path(), io)
                       .wait(std::chrono::seconds(120));
    const auto output = r.out + r.err;
    EXPECT_NE(r.status, 0) << output;
    EXPECT_NE(output.find("strata::testing"), std::string::npos) << output;
    EXPECT_TRUE(hides_the_password(output));
  }
}

}  // namespace
