// Test support: a history with a branch point (root, with children left and right) and a merge
// point (join), for what history, heads, status and merges report about branches.
#pragma once

#include <string_view>

#include <strata/strata.hpp>

namespace strata_test::branching {

struct root : strata::revision<"aa0000000001", strata::base> {
  static constexpr std::string_view message = "root";
  static constexpr void upgrade(strata::ops& op) { op.create_table("a", {strata::column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("a"); }
};
struct left : strata::revision<"bb0000000002", "aa0000000001"> {
  static constexpr std::string_view message = "left";
  static constexpr void upgrade(strata::ops& op) { op.create_table("b", {strata::column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("b"); }
};
struct right : strata::revision<"cc0000000003", "aa0000000001"> {
  static constexpr std::string_view message = "right";
  static constexpr void upgrade(strata::ops& op) { op.create_table("c", {strata::column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("c"); }
};
struct join : strata::revision<"dd0000000004", "bb0000000002", "cc0000000003"> {
  static constexpr std::string_view message = "join";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
using branched = strata::history<root, left, right>;  // two heads
using merged = strata::history<root, left, right, join>;

}  // namespace strata_test::branching
