// strata::database_url: parses SQLAlchemy-style database URLs (scheme://user:pass@host:port/path?k=v).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <strata/errors.hpp>

namespace strata {

struct database_url {
  std::string scheme;     // "sqlite", "postgresql" (a "+driver" suffix is dropped)
  std::string user;
  std::string password;
  std::string host;
  std::string port;
  std::string path;       // what follows the slash after the authority: "app.db", "/abs/app.db", "dbname"
  std::vector<std::pair<std::string, std::string>> query;

  // The raw text of a URL's parts, split where libpq splits it: the user and password end at the
  // first '@' or '/' after "scheme://", so a password may hold ':', '?', '#' or spaces as they are,
  // but a '/' or '@' must be percent-encoded (%2F, %40). Where they are not, libpq, SQLAlchemy and
  // RFC 3986 each split the URL in another place; parse() refuses such a URL (see ambiguous).
  struct raw_parts {
    std::string_view scheme;     // as written, "+driver" included
    std::string_view userinfo;   // "user:password", without the '@'
    bool has_userinfo = false;
    std::string_view location;   // host, port and path: "localhost:5432/app"
    std::string_view query;      // without the '?'
    bool has_query = false;
    // An '@' after the user and password, or after a '/' that follows a "host:port" that could
    // be a user and password: no reading of the URL is sure.
    bool ambiguous = false;
  };

  // npos-free: a text without "://" gives an empty scheme.
  static raw_parts split(std::string_view text) {
    raw_parts p;
    const auto sep = text.find("://");
    if (sep == std::string_view::npos) return p;
    p.scheme = text.substr(0, sep);
    auto rest = text.substr(sep + 3);
    if (const auto end = rest.find_first_of("@/"); end != std::string_view::npos && rest[end] == '@') {
      p.userinfo = rest.substr(0, end);
      p.has_userinfo = true;
      rest = rest.substr(end + 1);
    }
    p.ambiguous = rest.find('@') != std::string_view::npos &&
                  (p.has_userinfo || rest.substr(0, rest.find_first_of("/?")).find(':') != std::string_view::npos);
    const auto q = rest.find('?');
    p.location = rest.substr(0, q);
    if (q != std::string_view::npos) {
      p.query = rest.substr(q + 1);
      p.has_query = true;
    }
    return p;
  }

  // The key=value items of a query, raw (npos-free: an item without '=' has no value).
  static std::vector<std::string_view> query_items(std::string_view query) {
    std::vector<std::string_view> items;
    while (!query.empty()) {
      const auto amp = query.find('&');
      items.push_back(query.substr(0, amp));
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    }
    return items;
  }

  // Parses; a malformed URL throws strata::malformed_url (the message never shows a password).
  static database_url parse(std::string_view text) {
    database_url u;
    const auto p = split(text);
    if (p.scheme.empty())
      throw malformed_url("'" + mask(text) + "' is not a database URL; write scheme://..., for example sqlite:///app.db");
    u.scheme = std::string(p.scheme.substr(0, p.scheme.find('+')));
    for (char c : u.scheme)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
        throw malformed_url("'" + mask(text) + "' has a malformed scheme" +
                            (u.scheme.find_first_of(":@") == std::string::npos ? " '" + u.scheme + "'" : std::string()) +
                            "; use sqlite:// or postgresql://");
    if (p.ambiguous) throw malformed_url("'" + mask(text) + "' " + std::string(ambiguous_at));
    if (p.has_userinfo) {
      const auto colon = p.userinfo.find(':');
      u.user = decode(p.userinfo.substr(0, colon));
      if (colon != std::string_view::npos) u.password = decode(p.userinfo.substr(colon + 1));
    }
    bool after_secret = false;  // a raw '&' in a password makes the rest of it look like parameters
    for (const auto item : query_items(p.query)) {
      const auto eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0)
        throw malformed_url("'" + mask(text) + "' has a malformed query parameter" +
                            (after_secret || secret_parameter(item) ? std::string() : " '" + std::string(item) + "'") +
                            "; write key=value" + (after_secret ? ", and '&' in a password as %26" : ""));
      u.query.emplace_back(decode(item.substr(0, eq)), decode(item.substr(eq + 1)));
      after_secret = after_secret || secret_parameter(item.substr(0, eq));
    }
    const auto slash = p.location.find('/');
    auto authority = p.location.substr(0, slash);
    if (slash != std::string_view::npos) u.path = decode(p.location.substr(slash + 1));
    if (!authority.empty() && authority.front() == '[') {  // [ipv6]:port
      auto close = authority.find(']');
      if (close == std::string_view::npos) throw malformed_url("'" + mask(text) + "' has an unclosed '[' in its host");
      u.host = std::string(authority.substr(1, close - 1));
      authority = authority.substr(close + 1);
      if (!authority.empty() && authority.front() == ':') u.port = std::string(authority.substr(1));
    } else {
      auto colon = authority.rfind(':');
      u.host = decode(authority.substr(0, colon));
      if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
    }
    for (char c : u.port)
      if (c < '0' || c > '9') throw malformed_url("'" + mask(text) + "' has a port that is not a number: '" + u.port + "'");
    return u;
  }

  // What the message of an ambiguous URL says after the URL.
  static constexpr std::string_view ambiguous_at =
      "has an '@' where no reading of the URL is sure (a password that holds '@' or '/'?); percent-encode '@' as %40 and '/' as "
      "%2F in the user name, password and parameters, for example postgresql://app:pa%2Fss%40word@host/database";

  // The URL as text for messages, with what could be a password replaced by ***. It works on text
  // that may not parse, so when unsure it hides too much rather than too little: everything from
  // the first ':' after "scheme://" to the last '@' (a password may hold ':', '/', '?' or '@'), and
  // from the value of the first parameter whose name suggests a secret (password, sslpassword,
  // passwd ...) to the end.
  static std::string mask(std::string_view text) {
    std::string out(text);
    for (std::size_t at = out.find_first_of("?&"); at != std::string::npos; at = out.find_first_of("?&", at + 1)) {
      const auto end = std::min(out.find('&', at + 1), out.size());
      const auto item = std::string_view(out).substr(at + 1, end - at - 1);
      const auto eq = item.find('=');
      if (!secret_parameter(item.substr(0, eq))) continue;
      // The rest goes too: a raw '&' in a password makes its end look like more parameters.
      out.replace(eq == std::string_view::npos ? at + 1 : at + 2 + eq, std::string::npos, "***");
      break;
    }
    const auto start = out.find("://") == std::string::npos ? 0 : out.find("://") + 3;
    const auto last_at = out.rfind('@');
    if (last_at == std::string::npos || last_at < start) return out;
    const auto colon = out.find(':', start);
    if (colon == std::string::npos || colon > last_at) return out;
    return out.substr(0, colon + 1) + "***" + out.substr(last_at);
  }

  // A query parameter whose value strata never shows: its name holds "pas", "pw", "secret", "token"
  // or "auth" (password, sslpassword, passwd, a misspelt pasword ...).
  static bool secret_parameter(std::string_view key) {
    std::string lower(key);
    for (auto& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (std::string_view word : {"pas", "pw", "secret", "token", "auth"})
      if (lower.find(word) != std::string::npos) return true;
    return false;
  }

  // A duration written in seconds ("5", "0.5") between 0 and 2,000,000 (about 23 days: what the
  // databases' millisecond ints hold), as the settings of a URL and of strata.ini take it; nullopt
  // for anything else.
  static std::optional<std::chrono::milliseconds> seconds(const std::string& value) {
    char* end = nullptr;
    const double s = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !(s >= 0 && s <= 2'000'000)) return std::nullopt;
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
  }

  // A whole number from 0 to `most`; nullopt for anything else.
  static std::optional<int> count(const std::string& value, int most) {
    if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const int n = std::atoi(value.c_str());
    if (n > most) return std::nullopt;
    return n;
  }

  // The URL with key=value added to its query, unless its query has that key already.
  static std::string with_parameter(std::string_view text, std::string_view key, std::string_view value) {
    const auto p = split(text);
    for (const auto item : query_items(p.query))
      if (decode(item.substr(0, item.find('='))) == key) return std::string(text);
    return std::string(text) + (p.has_query ? (p.query.empty() ? "" : "&") : "?") + std::string(key) + "=" + std::string(value);
  }

  // Percent-decoding, leaving a '%' that is not followed by two hex digits as it is.
  static std::string decode(std::string_view s) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
        out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  }
};

}  // namespace strata
