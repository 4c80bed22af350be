// strata::detail::postgresql_url: a PostgreSQL URL read by libpq's own parser, and shown with its password as ***.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <libpq-fe.h>

#include <strata/errors.hpp>
#include <strata/url.hpp>

namespace strata::detail::postgresql_url {

// A URL as strata reads it. libpq's URI parser (PQconninfoParse) reads the parts; strata splits the
// text only where libpq does, to keep the secrets (the user and password, and the password= and
// sslpassword= parameters) out of what libpq may quote in an error, and to take out its own
// parameters (schema, migration_lock_wait, statement_lock_timeout, lock_retries, statement_timeout,
// and lock_timeout, the old name of migration_lock_wait), which libpq refuses.
//
// A password is written as libpq reads it: ':', '?', '#' and spaces may stand as they are, but a
// '/' or '@' must be percent-encoded (%2F, %40), and a '%' must start a %XX escape (write '%' as
// %25). SQLAlchemy reads postgresql://app:Slash/Pw@host/db as the password "Slash/Pw"; libpq reads
// the host "app", the port "Slash" and the database "Pw@host/db", and then quotes "Slash" in its
// error. Rather than guess, strata refuses a URL with an '@' that either reading could put in a
// password (database_url::raw_parts::ambiguous), saying how to encode it, and shows the URL with
// everything that could be a password hidden.
struct url {
  std::string scheme;                                          // as written: "postgresql" or "postgres"
  std::vector<std::pair<std::string, std::string>> keywords;  // libpq's keywords with the values libpq parsed
  std::string schema;                                          // strata's ?schema=
  // strata's settings, when the URL has them (see postgresql_options):
  std::optional<std::chrono::milliseconds> migration_lock_wait;     // ?migration_lock_wait=<seconds> (or ?lock_timeout=)
  std::optional<std::chrono::milliseconds> statement_lock_timeout;  // ?statement_lock_timeout=<seconds>
  std::optional<int> lock_retries;                                  // ?lock_retries=<count>
  std::optional<std::chrono::milliseconds> statement_timeout;       // ?statement_timeout=<seconds>
  // The URL for messages, rebuilt from its parts: the user libpq parsed, the password (and
  // sslpassword) as ***, the host, port, database and parameters as written.
  std::string shown;

  [[nodiscard]] std::string value(std::string_view keyword) const {
    for (const auto& [k, v] : keywords)
      if (k == keyword) return v;
    return {};
  }
};

namespace detail {

// A percent-encoded value for the shown URL: what is not unreserved (RFC 3986) is escaped.
inline std::string encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') out += c;
    else out += std::string("%") + hex[u >> 4] + hex[u & 15];
  }
  return out;
}

struct options_deleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};
using options = std::unique_ptr<PQconninfoOption, options_deleter>;

// libpq's parse of a URI; on failure, libpq's message (first line) in `error`.
inline options libpq_parse(const std::string& uri, std::string& error) {
  char* message = nullptr;
  options parsed(PQconninfoParse(uri.c_str(), &message));
  if (!parsed) {
    error = message != nullptr ? message : "out of memory";
    if (auto nl = error.find('\n'); nl != std::string::npos) error.resize(nl);
    while (!error.empty() && (error.back() == '.' || error.back() == ' ')) error.pop_back();
  }
  if (message != nullptr) PQfreemem(message);
  return parsed;
}

// The keywords libpq knows (from the parse of an empty string: every option, no value, no
// environment read).
inline bool libpq_keyword(std::string_view key) {
  static const std::vector<std::string> keywords = [] {
    std::vector<std::string> out;
    std::string ignored;
    const auto all = libpq_parse("", ignored);
    for (auto* o = all.get(); o != nullptr && o->keyword != nullptr; ++o) out.emplace_back(o->keyword);
    return out;
  }();
  return std::find(keywords.begin(), keywords.end(), key) != keywords.end();
}

inline bool secret_keyword(std::string_view key) { return key == "password" || key == "sslpassword"; }

}  // namespace detail

// The parameters strata takes out of a URL before libpq reads it.
inline constexpr std::string_view own_parameters = "schema, migration_lock_wait, statement_lock_timeout, lock_retries, statement_timeout";
inline bool own_parameter(std::string_view key) {
  for (std::string_view k : {"schema", "migration_lock_wait", "statement_lock_timeout", "lock_retries", "statement_timeout", "lock_timeout"})
    if (k == key) return true;
  return false;
}

namespace detail {

}  // namespace detail

// Reads a URL of one of the schemes (postgresql://, postgres://; an SQLAlchemy "+driver" suffix is
// dropped). Throws strata::malformed_url with a sentence that says what to write and never shows
// the password.
inline url parse(std::string_view text, std::span<const std::string_view> schemes) {
  const auto unsure = [&] { return "'" + database_url::mask(text) + "'"; };
  const auto p = database_url::split(text);
  const auto scheme = p.scheme.substr(0, p.scheme.find('+'));
  if (scheme.empty())
    throw malformed_url(unsure() + " is not a database URL; write postgresql://user:password@host:port/database, or give no URL to "
                                   "use libpq's PG* environment variables");
  if (std::find(schemes.begin(), schemes.end(), scheme) == schemes.end())
    throw malformed_url(unsure() + " is not a PostgreSQL URL; write postgresql://user:password@host:port/database, or give no URL to "
                                   "use libpq's PG* environment variables");
  (void)database_url::parse(text);  // the checks every URL gets (an '@' that makes it ambiguous, the port, key=value)

  url u;
  u.scheme = std::string(scheme);
  // The query, sorted: strata's own, the secrets, the other libpq keywords, and unknown ones.
  std::vector<std::pair<std::string, std::string>> own;  // decoded
  std::string secrets, rest, shown_query;
  std::optional<std::string> unknown;  // the first unknown parameter: its name, or "" after a secret one
  for (const auto item : database_url::query_items(p.query)) {
    const auto eq = item.find('=');
    const auto key = database_url::decode(item.substr(0, eq));
    if (own_parameter(key)) {
      own.emplace_back(key, database_url::decode(item.substr(eq + 1)));
    } else if (!detail::libpq_keyword(key)) {
      // Neither the name nor the value is shown after a password= (a raw '&' in the password makes
      // its end look like a parameter), nor the value ever (a misspelt password= holds the password).
      if (!unknown) unknown = secrets.empty() ? key : std::string();
      continue;
    } else if (detail::secret_keyword(key)) {
      secrets += (secrets.empty() ? "?" : "&") + std::string(item);
    } else {
      rest += (rest.empty() ? "?" : "&") + std::string(item);
    }
    shown_query += (shown_query.empty() ? "?" : "&") + std::string(item.substr(0, eq + 1)) +
                   (detail::secret_keyword(key) ? std::string("***") : std::string(item.substr(eq + 1)));
  }

  // Host, port, database and the other parameters: no secret is in this text, so libpq's message
  // can be quoted.
  std::string error;
  const auto parsed = detail::libpq_parse("postgresql://" + std::string(p.location) + rest, error);
  if (!parsed)
    throw malformed_url(unsure() + " cannot be read (" + error + "); fix it, percent-encoding what is not a letter or digit in its "
                                   "values (%2F for '/', %40 for '@', %25 for '%')");
  // The user and password, and the password parameters: libpq's message could quote them.
  detail::options credentials;
  std::string user_shown;
  if (p.has_userinfo || !secrets.empty()) {
    credentials = detail::libpq_parse("postgresql://" + std::string(p.userinfo) + (p.has_userinfo ? "@" : "") + "/" + secrets, error);
    if (!credentials)
      throw malformed_url(unsure() + " has a user name or password (before the host, or in password=) that libpq cannot read; "
                                     "percent-encode what is not a letter or digit in it: '%' as %25, '/' as %2F, '@' as %40, "
                                     "'&' as %26, '=' as %3D");
  }
  for (const auto* o = parsed.get(); o->keyword != nullptr; ++o) {
    const char* value = o->val;
    if (credentials && (std::string_view(o->keyword) == "user" || detail::secret_keyword(o->keyword)))
      for (const auto* c = credentials.get(); c->keyword != nullptr; ++c)
        if (std::string_view(c->keyword) == o->keyword && c->val != nullptr) value = c->val;
    if (value != nullptr) u.keywords.emplace_back(o->keyword, value);
  }

  if (p.has_userinfo) {
    const auto colon = p.userinfo.find(':');
    user_shown = detail::encode(u.value("user")) + (colon != std::string_view::npos ? ":***" : "") + "@";
  }
  u.shown = u.scheme + "://" + user_shown + std::string(p.location) + shown_query;

  if (unknown)
    throw malformed_url("'" + u.shown + "' has " + (unknown->empty() ? "a parameter after its password=" : "parameter '" + *unknown + "'") +
                        ", which is neither strata's (" + std::string(own_parameters) + ") nor a libpq connection keyword (sslmode, connect_timeout, "
                        "application_name ...); remove it or fix its spelling" +
                        (unknown->empty() ? ", and write '&' in a password as %26" : ""));
  const auto refuse = [&](const std::string& key, const std::string& value, std::string_view what) {
    throw malformed_url("'" + u.shown + "' has " + key + "='" + value + "'; write " + std::string(what));
  };
  bool old_name = false;
  for (const auto& [key, value] : own) {
    if (key == "schema") {
      if (value.empty())
        throw malformed_url("'" + u.shown + "' has an empty schema=; name the schema to migrate, for example ?schema=app");
      u.schema = value;
    } else if (key == "lock_retries") {
      u.lock_retries = database_url::count(value, 100);
      if (!u.lock_retries) refuse(key, value, "how many times a revision stopped by statement_lock_timeout runs again, from 0 to 100, for example ?lock_retries=3");
    } else {
      const auto seconds = database_url::seconds(value);
      if (key == "statement_lock_timeout") {
        if (!seconds) refuse(key, value, "how long a statement waits for a lock in seconds (0: no limit), for example ?statement_lock_timeout=5");
        u.statement_lock_timeout = seconds;
      } else if (key == "statement_timeout") {
        if (!seconds) refuse(key, value, "how long a statement may run in seconds (0: no limit), for example ?statement_timeout=600");
        u.statement_timeout = seconds;
      } else {  // migration_lock_wait, or lock_timeout, its old name
        if (!seconds)
          refuse(key, value, "how long to wait for the migration lock in seconds, for example ?migration_lock_wait=60 or ?migration_lock_wait=0.5");
        if ((key == "lock_timeout") != old_name && u.migration_lock_wait)
          throw malformed_url("'" + u.shown + "' has both migration_lock_wait and lock_timeout, its old name; remove lock_timeout");
        old_name = old_name || key == "lock_timeout";
        u.migration_lock_wait = seconds;
      }
    }
  }
  return u;
}

// The URL for messages: rebuilt from its parts with the password as ***, or, when it cannot be
// read, database_url::mask's text, which hides everything that could be a password.
inline std::string shown(std::string_view text, std::span<const std::string_view> schemes) {
  try {
    return parse(text, schemes).shown;
  } catch (const malformed_url&) {
    return database_url::mask(text);
  }
}

}  // namespace strata::detail::postgresql_url
