// strata::load_configuration: the database URL, version table and versions folder, from strata.ini
// (like alembic.ini), overridden by DATABASE_URL from the environment or a .env file.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <strata/errors.hpp>
#include <strata/transactions.hpp>
#include <strata/url.hpp>

namespace strata {

struct configuration {
  std::string url;
  std::string url_source;  // where url came from, for messages: "DATABASE_URL in the environment", "/app/strata.ini line 4"
  std::string version_table = "alembic_version";
  std::filesystem::path versions_dir;  // absolute
  std::filesystem::path file;          // the ini file read; empty when there was none
  // A database `reset` refuses to drop unless forced (as Rails refuses for production): `protected
  // = true` in the ini file, or STRATA_PROTECTED=1 in the environment or .env; either one marks it.
  bool protected_database = false;
  std::string protected_source;  // what marked it, for messages: "/app/strata.ini line 5", "STRATA_PROTECTED in the environment"
  // The [strata] section's lock and timeout settings (connection_settings), as key and value; url
  // carries them as query parameters too, unless it sets them itself.
  std::vector<std::pair<std::string, std::string>> connection_settings;
  // `tx_mode = revision | all` in the ini file (migrator_options::transactions); nullopt: not set,
  // the migrator's default. manage_db's --tx-mode wins over it.
  std::optional<transaction_mode> transactions;
  // `schemas = tenant_*, shared` in the ini file: the schemas `upgrade --all-schemas` upgrades, as
  // names or shell patterns (* and ?); empty: every schema of the database. --schemas wins over it.
  std::vector<std::string> schemas;
};

// The [strata] keys that go to the dialect as the URL's parameters of the same name (a URL's own
// wins): migration_lock_wait (seconds to wait for another migration, both dialects);
// statement_lock_timeout, lock_retries, statement_timeout (PostgreSQL). docs/migrating.md.
inline constexpr std::string_view connection_settings[] = {"migration_lock_wait", "statement_lock_timeout", "lock_retries",
                                                           "statement_timeout"};

struct configuration_options {
  // The ini file. Empty: $STRATA_CONFIG when set, else strata.ini in the working directory when it
  // exists. A file named here (or by STRATA_CONFIG) must exist.
  std::filesystem::path file;
  // KEY=VALUE lines that supply the environment variables it lacks (DATABASE_URL, PGPASSWORD ...).
  std::filesystem::path env_file = ".env";
  // A URL that wins over everything else (manage_db --url).
  std::string url_override;
  // False for work that needs no database (writing a revision file): a missing URL is then no error.
  bool require_url = true;
};

// The URL with the configuration's connection_settings as its parameters, unless it sets them
// itself: what load_configuration does to the configured URL, for a URL given otherwise (a list).
inline std::string with_connection_settings(const configuration& c, std::string url) {
  for (const auto& [key, value] : c.connection_settings) url = database_url::with_parameter(url, key, value);
  return url;
}

namespace detail {

inline std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1));
}

// The items of a comma-separated list, trimmed, the empty ones left out.
inline std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (auto item = trim(text.substr(0, comma)); !item.empty()) out.push_back(std::move(item));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

// The line (1-based) of `key = ...` in `[section]` of an ini file, for messages; 0 when not found.
inline int ini_line(const std::filesystem::path& file, std::string_view section, std::string_view key) {
  std::ifstream in(file);
  std::string line;
  bool inside = false;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto text = trim(line);
    if (text.starts_with('[')) {  // as Boost reads it: the name up to the first ']', trimmed
      const auto close = text.find(']');
      inside = close != std::string::npos && trim(std::string_view(text).substr(1, close - 1)) == section;
    } else if (inside) {
      const auto eq = text.find('=');
      if (eq != std::string::npos && trim(text.substr(0, eq)) == key) return number;
    }
  }
  return 0;
}

// Reads a .env file: KEY=VALUE, optionally `export KEY=VALUE`, values optionally quoted, # comments.
// Returns (key, value, line) in file order.
struct env_entry {
  std::string key;
  std::string value;
  int line;
};

inline std::vector<env_entry> read_env_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw configuration_error("cannot read '" + file.string() + "'; make it readable, or remove it");
  std::vector<env_entry> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    auto text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    if (text.starts_with("export ")) text = trim(std::string_view(text).substr(7));
    const auto eq = text.find('=');
    auto key = trim(std::string_view(text).substr(0, eq == std::string::npos ? text.size() : eq));
    bool valid_key = !key.empty() && !(key.front() >= '0' && key.front() <= '9');
    for (char c : key) valid_key = valid_key && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (eq == std::string::npos || !valid_key)
      throw configuration_error(file.string() + " line " + std::to_string(number) +
                                " is not a KEY=VALUE line; write for example DATABASE_URL=sqlite:///app.db");
    auto value = trim(std::string_view(text).substr(eq + 1));
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      // A quoted value ends at its closing quote; only a comment may follow.
      const auto close = value.find(value.front(), 1);
      const auto rest = close == std::string::npos ? std::string() : trim(std::string_view(value).substr(close + 1));
      if (close == std::string::npos || !(rest.empty() || rest.front() == '#'))
        throw configuration_error(file.string() + " line " + std::to_string(number) +
                                  (close == std::string::npos ? " opens a quote it does not close; close it"
                                                              : " has text after its quoted value; remove it or start it with #"));
      value = value.substr(1, close - 1);
    } else if (auto hash = value.find(" #"); hash != std::string::npos) {
      value = trim(std::string_view(value).substr(0, hash));  // an unquoted value ends at a comment
    }
    out.push_back({std::move(key), std::move(value), number});
  }
  return out;
}

// The variables a .env file put into this process's environment, with the values it put there: a
// later load reads the file again (it may have changed) and still names it as their source, unless
// the environment's value has changed since (set by the program: the environment's own again).
inline std::map<std::string, std::string>& supplied_by_env_file() {
  static std::map<std::string, std::string> values;
  return values;
}

inline std::optional<std::string> environment(const char* name) {
  if (const char* v = std::getenv(name)) return std::string(v);
  return std::nullopt;
}

// A yes/no setting: true, yes, on, 1 / false, no, off, 0 (any case); nullopt for anything else.
inline std::optional<bool> flag_value(std::string_view text) {
  std::string v = trim(text);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  return std::nullopt;
}

}  // namespace detail

// Reads the configuration. Precedence for the URL: url_override, then DATABASE_URL from the
// environment, then DATABASE_URL from the .env file, then `url` in the ini file. The .env file's
// variables are put into the environment when it lacks them, so that database clients see them too
// (libpq's PGPASSWORD, for instance). versions_dir is relative to the ini file's folder (the working
// directory without one) and defaults to "migrations". Every problem throws
// strata::configuration_error or strata::malformed_url naming the file and line or the variable.
inline configuration load_configuration(const configuration_options& options = {}) {
  namespace fs = std::filesystem;
  configuration config;

  auto& supplied = detail::supplied_by_env_file();
  auto from_env_file = [&](const std::string& key) {
    const auto it = supplied.find(key);
    return it != supplied.end() && detail::environment(key.c_str()) == it->second;
  };
  std::string env_url_source;
  if (detail::environment("DATABASE_URL") && !from_env_file("DATABASE_URL")) env_url_source = "DATABASE_URL in the environment";
  if (!options.env_file.empty() && fs::exists(options.env_file)) {
    const auto env_path = fs::absolute(options.env_file).lexically_normal();
    for (const auto& e : detail::read_env_file(env_path)) {  // a key given twice: the last one wins
      if (detail::environment(e.key.c_str()) && !from_env_file(e.key)) continue;
      ::setenv(e.key.c_str(), e.value.c_str(), 1);
      supplied[e.key] = e.value;
      if (e.key == "DATABASE_URL") env_url_source = "DATABASE_URL in " + env_path.string() + " line " + std::to_string(e.line);
    }
  }

  fs::path file = options.file;
  bool required = !file.empty();
  if (file.empty()) {
    if (auto named = detail::environment("STRATA_CONFIG"); named && !named->empty()) {
      file = *named;
      required = true;
    } else if (fs::exists("strata.ini")) {
      file = "strata.ini";
    }
  }
  fs::path base = fs::current_path();
  boost::property_tree::ptree ini;
  if (!file.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      if (required)
        throw configuration_error("the configuration file '" + file.string() + "' does not exist; create it with a [strata] "
                                  "section (url, version_table, versions_dir), or name the right file with --config");
      file.clear();
    }
  }
  if (!file.empty()) {
    config.file = fs::absolute(file).lexically_normal();
    base = config.file.parent_path();
    std::ifstream in(config.file);
    if (!in) throw configuration_error("cannot read the configuration file '" + config.file.string() + "'; make it readable");
    try {
      boost::property_tree::ini_parser::read_ini(in, ini);
    } catch (const boost::property_tree::ini_parser_error& e) {
      throw configuration_error(config.file.string() + " line " + std::to_string(e.line()) + " cannot be read as ini (" +
                                e.message() + "); fix that line");
    }
    if (auto section = ini.get_child_optional("strata")) {
      for (const auto& [key, value] : *section) {
        const auto where = config.file.string() + " line " + std::to_string(detail::ini_line(config.file, "strata", key));
        if (!value.empty())
          throw configuration_error(where + ": '" + key + "' has nested values, which strata does not read; write key = value");
        if (key == "url") {
          config.url = value.data();
          config.url_source = where;
        } else if (key == "version_table") {
          config.version_table = value.data();
          if (config.version_table.empty())
            throw configuration_error(where + ": version_table is empty; name the table, or remove the line for alembic_version");
        } else if (key == "versions_dir") {
          config.versions_dir = value.data();
        } else if (key == "protected") {
          const auto on = detail::flag_value(value.data());
          if (!on) throw configuration_error(where + ": protected = '" + value.data() + "' is not a yes or no; write protected = true or false");
          config.protected_database = *on;
          if (*on) config.protected_source = "protected = " + value.data() + " in " + where;
        } else if (key == "tx_mode") {
          config.transactions = transaction_mode_named(detail::trim(value.data()));
          if (!config.transactions)
            throw configuration_error(where + ": tx_mode = '" + value.data() + "' is not a transaction mode; write tx_mode = revision "
                                      "(a transaction per revision) or tx_mode = all (one for all the pending revisions)");
        } else if (key == "schemas") {
          config.schemas = detail::split_list(value.data());
          if (config.schemas.empty())
            throw configuration_error(where + ": schemas is empty; name the schemas --all-schemas upgrades, for example schemas = tenant_*, "
                                      "or remove the line for every schema");
        } else if (std::find(std::begin(connection_settings), std::end(connection_settings), key) != std::end(connection_settings)) {
          const auto& text = value.data();
          if (key == "lock_retries" ? !database_url::count(text, 100) : !database_url::seconds(text))
            throw configuration_error(where + ": " + key + " = '" + text + "' is not " +
                                      (key == "lock_retries" ? "a whole number from 0 to 100; write for example lock_retries = 3"
                                                             : "a number of seconds; write for example " + key + " = 5, or 0.5"));
          config.connection_settings.emplace_back(key, text);
        } else {
          throw configuration_error(where + ": '" + key + "' is not a strata setting; the [strata] section takes url, "
                                    "version_table, versions_dir, protected, tx_mode, schemas, migration_lock_wait, statement_lock_timeout, lock_retries "
                                    "and statement_timeout");
        }
      }
    }
  }

  if (auto marked = detail::environment("STRATA_PROTECTED"); marked && !marked->empty()) {
    const auto on = detail::flag_value(*marked);
    const auto source = std::string("STRATA_PROTECTED") + (from_env_file("STRATA_PROTECTED") ? " in the .env file" : " in the environment");
    if (!on) throw configuration_error(source + " is '" + *marked + "', not a yes or no; set it to 1 to protect the database, or unset it");
    if (*on && !config.protected_database) {
      config.protected_database = true;
      config.protected_source = "STRATA_PROTECTED=" + *marked + " " + source.substr(std::string("STRATA_PROTECTED ").size());
    }
  }
  config.versions_dir = (base / (config.versions_dir.empty() ? fs::path("migrations") : config.versions_dir)).lexically_normal();
  if (!options.url_override.empty()) {
    config.url = options.url_override;
    config.url_source = "--url";
  } else if (!env_url_source.empty()) {
    config.url = *detail::environment("DATABASE_URL");
    config.url_source = env_url_source;
  }
  if (config.url.empty() && !options.require_url) return config;
  if (config.url.empty()) {
    if (!config.url_source.empty())
      throw configuration_error(config.url_source + ": url is empty; write the database URL, for example url = sqlite:///app.db");
    throw configuration_error(config.file.empty()
                                  ? "no database URL: there is no strata.ini in " + fs::current_path().string() +
                                        " and DATABASE_URL is not set; create strata.ini with [strata] url = ..., or set DATABASE_URL"
                                  : "no database URL: " + config.file.string() +
                                        " has no url in its [strata] section and DATABASE_URL is not set; add url = ... there");
  }
  config.url = with_connection_settings(config, std::move(config.url));
  try {
    (void)database_url::parse(config.url);
  } catch (const malformed_url& e) {
    throw malformed_url(config.url_source + ": " + e.what());
  }
  return config;
}

}  // namespace strata
