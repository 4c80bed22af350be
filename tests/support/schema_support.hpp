// Test support: reading a strata::schema in assertions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <strata/schema.hpp>

namespace strata_test {

inline std::vector<std::string> names(const std::vector<std::string_view>& views) { return {views.begin(), views.end()}; }

// The table's nth constraint of that kind, or nullptr.
inline const strata::constraint* constraint_of(const strata::table_schema& t, strata::constraint_kind kind, std::size_t nth = 0) {
  for (const auto& k : t.constraints)
    if (k.kind == kind && nth-- == 0) return &k;
  return nullptr;
}

}  // namespace strata_test
