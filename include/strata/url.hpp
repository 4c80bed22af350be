// strata::database_url: parses SQLAlchemy-style database URLs (scheme://user:pass@host:port/path?k=v).
#pragma once

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

  // Parses; a malformed URL throws strata::malformed_url (the message never shows a password).
  static database_url parse(std::string_view text) {
    database_url u;
    const auto sep = text.find("://");
    if (sep == std::string_view::npos || sep == 0)
      throw malformed_url("'" + mask(text) + "' is not a database URL; write scheme://..., for example sqlite:///app.db");
    u.scheme = std::string(text.substr(0, sep));
    if (auto plus = u.scheme.find('+'); plus != std::string::npos) u.scheme.resize(plus);
    for (char c : u.scheme)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
        throw malformed_url("'" + mask(text) + "' has a malformed scheme '" + u.scheme + "'; use sqlite:// or postgresql://");
    auto rest = text.substr(sep + 3);
    if (auto q = rest.find('?'); q != std::string_view::npos) {
      auto query = rest.substr(q + 1);
      rest = rest.substr(0, q);
      while (!query.empty()) {
        auto amp = query.find('&');
        auto item = query.substr(0, amp);
        auto eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0)
          throw malformed_url("'" + mask(text) + "' has a malformed query parameter '" + std::string(item) + "'; write key=value");
        u.query.emplace_back(decode(item.substr(0, eq)), decode(item.substr(eq + 1)));
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      }
    }
    const auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) u.path = decode(rest.substr(slash + 1));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      auto credentials = authority.substr(0, at);
      authority = authority.substr(at + 1);
      auto colon = credentials.find(':');
      u.user = decode(credentials.substr(0, colon));
      if (colon != std::string_view::npos) u.password = decode(credentials.substr(colon + 1));
    }
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

  // The URL as text with any password replaced by ***.
  static std::string mask(std::string_view text) {
    const auto sep = text.find("://");
    if (sep == std::string_view::npos) return std::string(text);
    const auto start = sep + 3;
    const auto end = text.find_first_of("/?", start);
    const auto authority = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const auto at = authority.rfind('@');
    if (at == std::string_view::npos) return std::string(text);
    const auto colon = authority.substr(0, at).find(':');
    if (colon == std::string_view::npos) return std::string(text);
    return std::string(text.substr(0, start + colon + 1)) + "***" + std::string(text.substr(start + at));
  }

 private:
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
