// strata::load_configuration and strata::sqlite::prepare_location on real files: strata.ini read with
// Boost.PropertyTree, DATABASE_URL from the environment and from .env, and errors that name where a
// value came from in one line.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include <strata/config.hpp>
#include <strata/dialect/sqlite.hpp>

#include "support/sqlite_scratch.hpp"

namespace {

namespace fs = std::filesystem;

// Saves environment variables and restores (or unsets) them on destruction, so that a test that
// sets DATABASE_URL, or a .env that load_configuration copies into the environment, leaves no trace.
class environment_guard {
 public:
  environment_guard() = default;
  environment_guard(const environment_guard&) = delete;
  environment_guard& operator=(const environment_guard&) = delete;
  ~environment_guard() {
    for (const auto& [name, value] : saved_) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }
  // Starts watching a variable and unsets it.
  void unset(const std::string& name) {
    watch(name);
    ::unsetenv(name.c_str());
  }
  void set(const std::string& name, const std::string& value) {
    watch(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  void watch(const std::string& name) {
    if (saved_.contains(name)) return;
    const char* v = std::getenv(name.c_str());
    saved_.emplace(name, v ? std::optional<std::string>(v) : std::nullopt);
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

// Enters a folder and returns to the previous working directory on destruction.
class working_directory {
 public:
  explicit working_directory(const fs::path& folder) : previous_(fs::current_path()) { fs::current_path(folder); }
  working_directory(const working_directory&) = delete;
  working_directory& operator=(const working_directory&) = delete;
  ~working_directory() {
    std::error_code ignored;
    fs::current_path(previous_, ignored);
  }

 private:
  fs::path previous_;
};

std::optional<std::string> getenv_string(const char* name) {
  if (const char* v = std::getenv(name)) return std::string(v);
  return std::nullopt;
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << file;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Options by field (designated initializers that skip fields warn under -Wextra).
strata::configuration_options with_files(fs::path file, fs::path env_file) {
  strata::configuration_options o;
  o.file = std::move(file);
  o.env_file = std::move(env_file);
  return o;
}
strata::configuration_options url_not_required() {
  strata::configuration_options o;
  o.require_url = false;
  return o;
}

// Every variable a test here (or a .env it writes) may set.
const std::vector<std::string> watched_variables = {"DATABASE_URL", "STRATA_CONFIG", "STRATA_TEST_X", "STRATA_TEST_Y",
                                                    "STRATA_TEST_Z", "STRATA_TEST_W", "STRATA_TEST_V", "STRATA_TEST_U",
                                                    "STRATA_TEST_T", "STRATA_TEST_S"};

class Configuration : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& name : watched_variables) env_.unset(name);
  }

  [[nodiscard]] fs::path dir() const { return scratch_.path(); }
  [[nodiscard]] fs::path ini() const { return dir() / "strata.ini"; }
  [[nodiscard]] fs::path dotenv() const { return dir() / ".env"; }
  // An env file that does not exist: the working directory's .env must not leak into a test.
  [[nodiscard]] fs::path no_dotenv() const { return dir() / "absent.env"; }

  // The options for the scratch folder's strata.ini and .env.
  [[nodiscard]] strata::configuration_options options() const { return with_files(ini(), dotenv()); }

  // "<ini> line N", the source load_configuration names for a value of the ini file.
  [[nodiscard]] std::string ini_line(int n) const { return ini().string() + " line " + std::to_string(n); }
  [[nodiscard]] std::string dotenv_line(int n) const { return dotenv().string() + " line " + std::to_string(n); }

  // Loads, expecting a configuration_error; returns its message (checked to be one line).
  std::string configuration_error_of(const strata::configuration_options& o) {
    try {
      (void)strata::load_configuration(o);
    } catch (const strata::configuration_error& e) {
      const std::string what = e.what();
      EXPECT_FALSE(contains(what, "\n")) << "not one line: " << what;
      return what;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected strata::configuration_error, got " << typeid(e).name() << ": " << e.what();
      return {};
    }
    ADD_FAILURE() << "expected strata::configuration_error, got a configuration";
    return {};
  }

  std::string malformed_url_of(const strata::configuration_options& o) {
    try {
      (void)strata::load_configuration(o);
    } catch (const strata::malformed_url& e) {
      const std::string what = e.what();
      EXPECT_FALSE(contains(what, "\n")) << "not one line: " << what;
      return what;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected strata::malformed_url, got " << typeid(e).name() << ": " << e.what();
      return {};
    }
    ADD_FAILURE() << "expected strata::malformed_url, got a configuration";
    return {};
  }

  strata_test::scratch_folder scratch_;
  environment_guard env_;
};

// --- strata.ini ------------------------------------------------------------------------------------

TEST_F(Configuration, IniValuesAreRead) {
  write(ini(),
        "; strata's settings\n"
        "[strata]\n"
        "url = sqlite:///app.db\n"
        "version_table = my_versions\n"
        "versions_dir = db/versions\n");
  const auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///app.db");
  EXPECT_EQ(c.url_source, ini_line(3));
  EXPECT_EQ(c.version_table, "my_versions");
  EXPECT_EQ(c.versions_dir, dir() / "db" / "versions");
  EXPECT_TRUE(c.versions_dir.is_absolute());
  EXPECT_EQ(c.file, ini());
}

TEST_F(Configuration, VersionsDirIsRelativeToTheIniFolderNotTheWorkingDirectory) {
  const auto sub = dir() / "deploy" / "conf";
  write(sub / "strata.ini", "[strata]\nurl = sqlite:///app.db\nversions_dir = ../versions\n");
  fs::create_directories(dir() / "elsewhere");
  working_directory cwd(dir() / "elsewhere");
  const auto c = strata::load_configuration(with_files(sub / "strata.ini", no_dotenv()));
  EXPECT_EQ(c.versions_dir, dir() / "deploy" / "versions");
  EXPECT_EQ(c.file, sub / "strata.ini");
}

TEST_F(Configuration, VersionsDirDefaultsToMigrationsBesideTheIniAndVersionTableToAlembicVersion) {
  const auto sub = dir() / "conf";
  write(sub / "strata.ini", "[strata]\nurl = sqlite:///app.db\n");
  const auto c = strata::load_configuration(with_files(sub / "strata.ini", no_dotenv()));
  EXPECT_EQ(c.versions_dir, sub / "migrations");
  EXPECT_EQ(c.version_table, "alembic_version");
}

TEST_F(Configuration, AnAbsoluteVersionsDirIsKept) {
  const auto elsewhere = dir() / "absolute" / "versions";
  write(ini(), "[strata]\nurl = sqlite:///app.db\nversions_dir = " + elsewhere.string() + "\n");
  EXPECT_EQ(strata::load_configuration(options()).versions_dir, elsewhere);
}

// The schemas `manage_db upgrade --all-schemas` upgrades: a comma-separated list of names and patterns.
TEST_F(Configuration, SchemasAreAListOfNamesAndPatterns) {
  write(ini(), "[strata]\nurl = postgresql://app@db/app\nschemas = tenant_*, shared ,,billing\n");
  EXPECT_EQ(strata::load_configuration(options()).schemas, (std::vector<std::string>{"tenant_*", "shared", "billing"}));
  write(ini(), "[strata]\nurl = postgresql://app@db/app\n");
  EXPECT_TRUE(strata::load_configuration(options()).schemas.empty());
  write(ini(), "[strata]\nurl = postgresql://app@db/app\nschemas = , \n");
  EXPECT_EQ(configuration_error_of(options()),
            ini_line(3) + ": schemas is empty; name the schemas --all-schemas upgrades, for example schemas = tenant_*, or remove the line "
                          "for every schema");
}

TEST_F(Configuration, OtherSectionsAreIgnored) {
  write(ini(),
        "[loggers]\n"
        "keys = root\n"
        "[strata]\n"
        "url = sqlite:///app.db\n"
        "[post_write_hooks]\n"
        "hooks = clang_format\n");
  const auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///app.db");
  EXPECT_EQ(c.url_source, ini_line(4));
}

TEST_F(Configuration, UrlSourceNamesTheRightLineWhenOtherSectionsHaveAUrlKey) {
  write(ini(),
        "[other]\n"
        "url = postgresql://elsewhere/db\n"
        "\n"
        "[strata]\n"
        "url = sqlite:///app.db\n");
  const auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///app.db");
  EXPECT_EQ(c.url_source, ini_line(5));
}

// Boost.PropertyTree accepts `[ strata ]` and `[strata]  ; comment` as the section strata (so does
// Python's configparser for the second); the line named in messages must still be the right one.
TEST_F(Configuration, UrlSourceNamesTheRightLineWhenTheSectionHeaderHasSpacesOrAComment) {
  write(ini(), "[strata]   ; database settings\nversion_table = v\nurl = sqlite:///app.db\n");
  auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///app.db");
  EXPECT_EQ(c.url_source, ini_line(3));

  write(ini(), "[ strata ]\n\nurl = sqlite:///app.db\n");
  c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///app.db");
  EXPECT_EQ(c.url_source, ini_line(3));
}

TEST_F(Configuration, AnUnknownKeyNamesItsLine) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\nversoin_table = v\n");
  const auto what = configuration_error_of(options());
  EXPECT_TRUE(contains(what, ini_line(3))) << what;
  EXPECT_TRUE(contains(what, "versoin_table")) << what;
}

TEST_F(Configuration, ProtectedComesFromTheIniOrTheEnvironment) {
  env_.unset("STRATA_PROTECTED");
  write(ini(), "[strata]\nurl = sqlite:///app.db\n");
  auto c = strata::load_configuration(options());
  EXPECT_FALSE(c.protected_database);

  write(ini(), "[strata]\nurl = sqlite:///app.db\nprotected = Yes\n");
  c = strata::load_configuration(options());
  EXPECT_TRUE(c.protected_database);
  EXPECT_EQ(c.protected_source, "protected = Yes in " + ini_line(3));

  write(ini(), "[strata]\nurl = sqlite:///app.db\nprotected = false\n");
  EXPECT_FALSE(strata::load_configuration(options()).protected_database);
  env_.set("STRATA_PROTECTED", "1");  // either one marks it
  c = strata::load_configuration(options());
  EXPECT_TRUE(c.protected_database);
  EXPECT_EQ(c.protected_source, "STRATA_PROTECTED=1 in the environment");

  env_.set("STRATA_PROTECTED", "sure");
  auto what = configuration_error_of(options());
  EXPECT_TRUE(contains(what, "STRATA_PROTECTED in the environment is 'sure'")) << what;

  env_.set("STRATA_PROTECTED", "0");
  write(ini(), "[strata]\nurl = sqlite:///app.db\nprotected = maybe\n");
  what = configuration_error_of(options());
  EXPECT_TRUE(contains(what, ini_line(3))) << what;
  EXPECT_TRUE(contains(what, "protected = true or false")) << what;
}

TEST_F(Configuration, LockAndTimeoutSettingsGoToTheUrlUnlessItSetsThemItself) {
  write(ini(),
        "[strata]\n"
        "url = postgresql://app@db.example/stock?sslmode=require&statement_timeout=900\n"
        "migration_lock_wait = 120\n"
        "statement_lock_timeout = 2.5\n"
        "lock_retries = 0\n"
        "statement_timeout = 60\n");
  auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "postgresql://app@db.example/stock?sslmode=require&statement_timeout=900&migration_lock_wait=120&statement_lock_timeout=2.5"
                   "&lock_retries=0");
  EXPECT_EQ(c.url_source, ini_line(2));
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"migration_lock_wait", "120"}, {"statement_lock_timeout", "2.5"}, {"lock_retries", "0"}, {"statement_timeout", "60"}};
  EXPECT_EQ(c.connection_settings, settings);

  // From DATABASE_URL too, which has no query.
  env_.set("DATABASE_URL", "sqlite:///app.db");
  write(ini(), "[strata]\nmigration_lock_wait = 0.5\n");
  c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///app.db?migration_lock_wait=0.5");
}

TEST_F(Configuration, ABadLockOrTimeoutSettingNamesItsLineAndWhatToWrite) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"migration_lock_wait = soon", {"migration_lock_wait = 'soon' is not a number of seconds", "migration_lock_wait = 5"}},
      {"statement_lock_timeout = -1", {"statement_lock_timeout = '-1' is not a number of seconds"}},
      {"statement_timeout = 10min", {"statement_timeout = '10min'", "statement_timeout = 5"}},
      {"statement_timeout =", {"statement_timeout = ''"}},
      {"lock_retries = 2.5", {"lock_retries = '2.5' is not a whole number from 0 to 100", "lock_retries = 3"}},
      {"lock_retries = 101", {"lock_retries = '101'"}},
  };
  for (const auto& [line, words] : cases) {
    SCOPED_TRACE(line);
    write(ini(), "[strata]\nurl = sqlite:///app.db\n" + line + "\n");
    const auto what = configuration_error_of(options());
    EXPECT_TRUE(contains(what, ini_line(3))) << what;
    for (const auto& w : words) EXPECT_TRUE(contains(what, w)) << what;
  }
}

TEST_F(Configuration, AnIniSyntaxErrorNamesItsLine) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\nthis line has no equals sign\n");
  auto what = configuration_error_of(options());
  EXPECT_TRUE(contains(what, ini_line(3))) << what;

  write(ini(), "[strata]\nurl = sqlite:///app.db\n\n[broken\n");
  what = configuration_error_of(options());
  EXPECT_TRUE(contains(what, ini_line(4))) << what;

  write(ini(), "[strata]\nurl = sqlite:///app.db\nurl = sqlite:///other.db\n");  // a duplicate key
  what = configuration_error_of(options());
  EXPECT_TRUE(contains(what, ini_line(3))) << what;
}

TEST_F(Configuration, AnEmptyUrlOrVersionTableNamesItsLine) {
  write(ini(), "[strata]\nversions_dir = v\nurl =\n");
  auto what = configuration_error_of(options());
  EXPECT_TRUE(contains(what, ini_line(3))) << what;

  write(ini(), "[strata]\nurl = sqlite:///app.db\nversion_table =\n");
  what = configuration_error_of(options());
  EXPECT_TRUE(contains(what, ini_line(3))) << what;
}

TEST_F(Configuration, AMissingExplicitFileIsAnError) {
  const auto missing = dir() / "nope" / "strata.ini";
  const auto what = configuration_error_of(with_files(missing, no_dotenv()));
  EXPECT_TRUE(contains(what, missing.string())) << what;
}

TEST_F(Configuration, StrataConfigNamesTheFile) {
  const auto named = dir() / "conf" / "production.ini";
  write(named, "[strata]\nurl = sqlite:///prod.db\n");
  write(ini(), "[strata]\nurl = sqlite:///wrong.db\n");  // in the working directory: STRATA_CONFIG wins
  working_directory cwd(dir());
  env_.set("STRATA_CONFIG", named.string());
  const auto c = strata::load_configuration(with_files({}, no_dotenv()));
  EXPECT_EQ(c.url, "sqlite:///prod.db");
  EXPECT_EQ(c.file, named);
  EXPECT_EQ(c.url_source, named.string() + " line 2");
  EXPECT_EQ(c.versions_dir, dir() / "conf" / "migrations");
}

TEST_F(Configuration, StrataConfigNamingAMissingFileIsAnError) {
  const auto missing = dir() / "missing.ini";
  working_directory cwd(dir());
  env_.set("STRATA_CONFIG", missing.string());
  const auto what = configuration_error_of(with_files({}, no_dotenv()));
  EXPECT_TRUE(contains(what, missing.string())) << what;
}

TEST_F(Configuration, StrataIniInTheWorkingDirectoryIsFoundWithoutOptions) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\n");
  working_directory cwd(dir());
  const auto c = strata::load_configuration();
  EXPECT_EQ(c.url, "sqlite:///app.db");
  EXPECT_EQ(c.file, ini());
  EXPECT_EQ(c.url_source, ini_line(2));
  EXPECT_EQ(c.versions_dir, dir() / "migrations");
}

TEST_F(Configuration, NoUrlAnywhereIsAnError) {
  working_directory cwd(dir());  // no strata.ini, no .env
  auto what = configuration_error_of(strata::configuration_options{});
  EXPECT_TRUE(contains(what, "DATABASE_URL")) << what;

  write(ini(), "[strata]\nversion_table = v\n");  // an ini without url
  what = configuration_error_of(strata::configuration_options{});
  EXPECT_TRUE(contains(what, ini().string())) << what;
}

TEST_F(Configuration, NoUrlIsFineWhenNotRequired) {
  working_directory cwd(dir());
  auto c = strata::load_configuration(url_not_required());
  EXPECT_EQ(c.url, "");
  EXPECT_EQ(c.file, fs::path());
  EXPECT_EQ(c.versions_dir, dir() / "migrations");  // the working directory's, without an ini

  write(ini(), "[strata]\nversions_dir = revisions\n");
  c = strata::load_configuration(url_not_required());
  EXPECT_EQ(c.url, "");
  EXPECT_EQ(c.versions_dir, dir() / "revisions");
}

// --- DATABASE_URL and .env ------------------------------------------------------------------------

TEST_F(Configuration, DatabaseUrlInTheEnvironmentOverridesTheIni) {
  write(ini(), "[strata]\nurl = sqlite:///from_ini.db\n");
  env_.set("DATABASE_URL", "sqlite:///from_env.db");
  const auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///from_env.db");
  EXPECT_EQ(c.url_source, "DATABASE_URL in the environment");
}

TEST_F(Configuration, DatabaseUrlInTheEnvironmentIsEnoughWithoutAnIni) {
  working_directory cwd(dir());
  env_.set("DATABASE_URL", "sqlite:///from_env.db");
  const auto c = strata::load_configuration();
  EXPECT_EQ(c.url, "sqlite:///from_env.db");
  EXPECT_EQ(c.url_source, "DATABASE_URL in the environment");
  EXPECT_EQ(c.file, fs::path());
}

TEST_F(Configuration, EnvFileSuppliesDatabaseUrlWhenTheEnvironmentLacksIt) {
  write(ini(), "[strata]\nurl = sqlite:///from_ini.db\n");
  write(dotenv(), "# local settings\n\nDATABASE_URL=sqlite:///from_dotenv.db\n");
  const auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///from_dotenv.db");
  EXPECT_TRUE(c.url_source.ends_with(dotenv_line(3))) << c.url_source;
  EXPECT_EQ(getenv_string("DATABASE_URL"), "sqlite:///from_dotenv.db");  // put into the environment too
}

// A variable the .env file supplied stays the file's on a later load only while it holds the value
// the file put there: set by the program since, it is the environment's and the file yields to it.
TEST_F(Configuration, AVariableTheProgramSetAfterTheEnvFileSuppliedItIsTheEnvironments) {
  write(ini(), "[strata]\nurl = sqlite:///from_ini.db\n");
  write(dotenv(), "DATABASE_URL=sqlite:///from_dotenv.db\n");
  env_.unset("DATABASE_URL");
  EXPECT_EQ(strata::load_configuration(options()).url, "sqlite:///from_dotenv.db");
  env_.set("DATABASE_URL", "sqlite:///set_by_the_program.db");
  const auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///set_by_the_program.db");
  EXPECT_EQ(c.url_source, "DATABASE_URL in the environment");
  EXPECT_EQ(getenv_string("DATABASE_URL"), "sqlite:///set_by_the_program.db");
}

TEST_F(Configuration, EnvFileDoesNotOverrideTheEnvironment) {
  write(ini(), "[strata]\nurl = sqlite:///from_ini.db\n");
  write(dotenv(), "DATABASE_URL=sqlite:///from_dotenv.db\nSTRATA_TEST_X=from_dotenv\n");
  env_.set("DATABASE_URL", "sqlite:///from_env.db");
  env_.set("STRATA_TEST_X", "from_env");
  const auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///from_env.db");
  EXPECT_EQ(c.url_source, "DATABASE_URL in the environment");
  EXPECT_EQ(getenv_string("DATABASE_URL"), "sqlite:///from_env.db");
  EXPECT_EQ(getenv_string("STRATA_TEST_X"), "from_env");
}

TEST_F(Configuration, EnvFilePutsOtherVariablesIntoTheEnvironmentWhenMissing) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\n");
  write(dotenv(), "STRATA_TEST_X=supplied\nSTRATA_TEST_Y=not_used\n");
  env_.set("STRATA_TEST_Y", "kept");
  const auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url_source, ini_line(2));  // no DATABASE_URL in .env: the ini's url stays
  EXPECT_EQ(getenv_string("STRATA_TEST_X"), "supplied");
  EXPECT_EQ(getenv_string("STRATA_TEST_Y"), "kept");
}

TEST_F(Configuration, EnvFileInTheWorkingDirectoryIsReadByDefault) {
  write(dotenv(), "DATABASE_URL=sqlite:///from_dotenv.db\n");
  working_directory cwd(dir());
  const auto c = strata::load_configuration();
  EXPECT_EQ(c.url, "sqlite:///from_dotenv.db");
  EXPECT_EQ(c.url_source, "DATABASE_URL in " + dotenv_line(1));
}

TEST_F(Configuration, EnvFileSyntax) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\n");
  write(dotenv(),
        "# a comment\n"
        "   # an indented comment\n"
        "\n"
        "export STRATA_TEST_X=exported\n"
        "STRATA_TEST_Y=\"double quoted # not a comment\"\n"
        "STRATA_TEST_Z='single quoted'\n"
        "STRATA_TEST_W=plain value # a trailing comment\n"
        "STRATA_TEST_V=a#b\n"
        "  STRATA_TEST_U = spaced  \r\n"
        "STRATA_TEST_T=\n"
        "STRATA_TEST_S=x=y\n");
  (void)strata::load_configuration(options());
  EXPECT_EQ(getenv_string("STRATA_TEST_X"), "exported");
  EXPECT_EQ(getenv_string("STRATA_TEST_Y"), "double quoted # not a comment");
  EXPECT_EQ(getenv_string("STRATA_TEST_Z"), "single quoted");
  EXPECT_EQ(getenv_string("STRATA_TEST_W"), "plain value");
  EXPECT_EQ(getenv_string("STRATA_TEST_V"), "a#b");
  EXPECT_EQ(getenv_string("STRATA_TEST_U"), "spaced");
  EXPECT_EQ(getenv_string("STRATA_TEST_T"), "");
  EXPECT_EQ(getenv_string("STRATA_TEST_S"), "x=y");
}

TEST_F(Configuration, EnvFileExportedQuotedDatabaseUrlNamesItsLine) {
  write(ini(), "[strata]\nurl = sqlite:///from_ini.db\n");
  write(dotenv(), "# db\nexport DATABASE_URL=\"sqlite:///quoted.db\"\n");
  const auto c = strata::load_configuration(options());
  EXPECT_EQ(c.url, "sqlite:///quoted.db");
  EXPECT_TRUE(c.url_source.ends_with(dotenv_line(2))) << c.url_source;
}

// python-dotenv, docker compose and shells all accept a comment after a quoted value.
TEST_F(Configuration, EnvFileQuotedValueFollowedByAComment) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\n");
  write(dotenv(), "STRATA_TEST_X=\"quoted\" # a comment\nSTRATA_TEST_Y='single' # another\n");
  try {
    (void)strata::load_configuration(options());
  } catch (const std::exception& e) {
    FAIL() << "a quoted value followed by a comment was refused: " << e.what();
  }
  EXPECT_EQ(getenv_string("STRATA_TEST_X"), "quoted");
  EXPECT_EQ(getenv_string("STRATA_TEST_Y"), "single");
}

TEST_F(Configuration, EnvFileMalformedLinesNameFileAndLine) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\n");
  const std::vector<std::string> bad_lines = {
      "this is not a key value line",
      "=no_key",
      "1STRATA_TEST_X=starts with a digit",
      "STRATA TEST=space in the key",
      "STRATA_TEST_X=\"never closed",
      "STRATA_TEST_X='never closed",
  };
  for (const auto& bad : bad_lines) {
    write(dotenv(), "# comment\nSTRATA_TEST_Y=fine\n" + bad + "\n");
    const auto what = configuration_error_of(options());
    EXPECT_TRUE(contains(what, dotenv_line(3))) << "for `" << bad << "`: " << what;
  }
}

TEST_F(Configuration, UrlOverrideWinsOverEverything) {
  write(ini(), "[strata]\nurl = sqlite:///from_ini.db\n");
  write(dotenv(), "DATABASE_URL=sqlite:///from_dotenv.db\n");
  auto o = options();
  o.url_override = "sqlite:///from_flag.db";
  auto c = strata::load_configuration(o);
  EXPECT_EQ(c.url, "sqlite:///from_flag.db");
  EXPECT_EQ(c.url_source, "--url");

  env_.set("DATABASE_URL", "sqlite:///from_env.db");
  c = strata::load_configuration(o);
  EXPECT_EQ(c.url, "sqlite:///from_flag.db");
  EXPECT_EQ(c.url_source, "--url");
}

// --- Malformed URLs name their source ---------------------------------------------------------------

TEST_F(Configuration, AMalformedUrlInTheIniNamesItsLine) {
  write(ini(), "[strata]\nversion_table = v\n\nurl = not a url\n");
  const auto what = malformed_url_of(options());
  EXPECT_TRUE(what.starts_with(ini_line(4))) << what;
  EXPECT_TRUE(contains(what, "not a url")) << what;
}

TEST_F(Configuration, AMalformedUrlInTheEnvironmentNamesTheVariable) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\n");
  env_.set("DATABASE_URL", "Sqlite:///app.db");  // a malformed scheme
  const auto what = malformed_url_of(options());
  EXPECT_TRUE(what.starts_with("DATABASE_URL in the environment")) << what;
}

TEST_F(Configuration, AMalformedUrlInTheEnvFileNamesItsLine) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\n");
  write(dotenv(), "STRATA_TEST_X=1\nDATABASE_URL=postgresql://host:port/db\n");
  const auto what = malformed_url_of(options());
  EXPECT_TRUE(contains(what, dotenv_line(2))) << what;
  EXPECT_FALSE(contains(what, ini().string())) << what;
}

TEST_F(Configuration, AMalformedUrlOverrideNamesTheFlag) {
  write(ini(), "[strata]\nurl = sqlite:///app.db\n");
  auto o = options();
  o.url_override = "app.db";
  const auto what = malformed_url_of(o);
  EXPECT_TRUE(what.starts_with("--url")) << what;
}

TEST_F(Configuration, AMalformedUrlNeverShowsItsPassword) {
  write(ini(), "[strata]\nurl = postgresql://admin:s3cr3t@db.example.com:54x2/app\n");
  auto what = malformed_url_of(options());
  EXPECT_TRUE(what.starts_with(ini_line(2))) << what;
  EXPECT_FALSE(contains(what, "s3cr3t")) << what;

  env_.set("DATABASE_URL", "postgresql://admin:s3cr3t@db.example.com/app?sslmode");
  what = malformed_url_of(options());
  EXPECT_TRUE(what.starts_with("DATABASE_URL in the environment")) << what;
  EXPECT_FALSE(contains(what, "s3cr3t")) << what;
}

// --- sqlite::prepare_location ---------------------------------------------------------------------------

TEST_F(Configuration, PrepareLocationMakesNestedFolders) {
  working_directory cwd(dir());
  strata::sqlite::prepare_location("sqlite:///./a/b/x.db");
  EXPECT_TRUE(fs::is_directory(dir() / "a" / "b"));
  EXPECT_FALSE(fs::exists(dir() / "a" / "b" / "x.db"));  // the folder only, not the database
  strata::sqlite::prepare_location("sqlite:///./a/b/x.db");  // already there: nothing to do

  const auto absolute = dir() / "abs" / "c" / "y.db";
  strata::sqlite::prepare_location("sqlite:///" + absolute.string());
  EXPECT_TRUE(fs::is_directory(absolute.parent_path()));

  strata::sqlite::prepare_location("sqlite:///./q/r/z.db?timeout=2");  // the query is no part of the path
  EXPECT_TRUE(fs::is_directory(dir() / "q" / "r"));
  EXPECT_THROW(strata::sqlite::prepare_location("./no/scheme.db"), strata::malformed_url);
  EXPECT_FALSE(fs::exists(dir() / "no"));
}

TEST_F(Configuration, PrepareLocationLeavesOtherUrlsAlone) {
  working_directory cwd(dir());
  const auto before = std::distance(fs::directory_iterator(dir()), fs::directory_iterator());
  strata::sqlite::prepare_location("sqlite:///:memory:");
  strata::sqlite::prepare_location("sqlite://");
  strata::sqlite::prepare_location("sqlite:///plain.db");
  EXPECT_THROW(strata::sqlite::prepare_location("postgresql://user:pw@localhost/d1/d2"), strata::malformed_url);
  EXPECT_THROW(strata::sqlite::prepare_location("postgresql:///pg/app"), strata::malformed_url);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir()), fs::directory_iterator()), before);
  EXPECT_FALSE(fs::exists(dir() / "d1"));
  EXPECT_FALSE(fs::exists(dir() / "pg"));
}

TEST_F(Configuration, PrepareLocationThrowsWhenTheParentIsAFile) {
  write(dir() / "a", "a regular file\n");
  working_directory cwd(dir());
  try {
    strata::sqlite::prepare_location("sqlite:///./a/b/x.db");
    FAIL() << "expected strata::database_unavailable";
  } catch (const strata::database_unavailable& e) {
    const std::string what = e.what();
    EXPECT_FALSE(contains(what, "\n")) << what;
    EXPECT_TRUE(contains(what, "a/b")) << what;
  }
  EXPECT_TRUE(fs::is_regular_file(dir() / "a"));
}

}  // namespace
