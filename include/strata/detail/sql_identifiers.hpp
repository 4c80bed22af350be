// strata::detail::sql: quoted SQL identifiers, the same in every dialect strata renders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strata::detail::sql {

// "name" with any " doubled: every identifier is quoted, so spaces, quotes and keywords work.
inline std::string quote(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

inline std::string quote_list(const std::vector<std::string_view>& identifiers) {
  std::string out;
  for (auto id : identifiers) out += (out.empty() ? "" : ", ") + quote(id);
  return out;
}

}  // namespace strata::detail::sql
