// strata::naming_convention: names for the constraints a revision creates without one (SQLAlchemy's naming_convention).
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace strata {

// One pattern per kind of constraint, in SQLAlchemy's syntax:
//   {.check = "ck_%(table_name)s_%(column_0_name)s",
//    .foreign_key = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
// Tokens: %(table_name)s; %(column_0_name)s, the constraint's first column (a CHECK's first column
// of the table named in its expression); %(column_0N_name)s and %(column_0_N_name)s, all of them
// joined (with nothing, with "_"); %(referred_table_name)s, a foreign key's target table;
// %(constraint_name)s, the name the constraint was given. As in SQLAlchemy, a pattern without
// %(constraint_name)s names the constraints that have no name, and a pattern with it renames the
// named ones (and leaves unnamed ones unnamed). An empty pattern names nothing.
//
// A revision sets it for the operations it records after: `op.use_naming_convention(convention);`.
// It names constraints where they are created (both dialects), names the unnamed constraints of a
// table SQLite rebuilds so that drop_constraint can find them by that name (Alembic's
// batch_alter_table(naming_convention=...)), and the schema model (strata::replay) resolves
// drop_constraint's names with it too. Use one convention for the whole history.
struct naming_convention {
  std::string_view primary_key{};
  std::string_view unique{};
  std::string_view check{};
  std::string_view foreign_key{};

  [[nodiscard]] constexpr bool empty() const {
    return primary_key.empty() && unique.empty() && check.empty() && foreign_key.empty();
  }
  friend constexpr bool operator==(const naming_convention&, const naming_convention&) = default;
};

namespace detail {

// What a pattern's tokens stand for, for one constraint.
struct naming_values {
  std::string_view table;
  std::span<const std::string_view> columns{};
  std::string_view referred_table{};
  std::string_view constraint_name{};
};

// Calls piece(text) for each piece of the name `pattern` gives, in order, and says whether it gives
// one: not for an empty pattern, a constraint already named when the pattern has no
// %(constraint_name)s, an unnamed one when it has, or a %(column_0_name)s with no column.
// An unknown token is an error in the pattern: std::invalid_argument (a compile error in replay).
template <class Piece>
constexpr bool expand_pattern(std::string_view pattern, const naming_values& v, Piece&& piece) {
  if (pattern.empty()) return false;
  const bool renames = pattern.find("%(constraint_name)s") != std::string_view::npos;
  if (renames == v.constraint_name.empty()) return false;
  for (std::size_t i = 0; i < pattern.size();) {
    const auto open = pattern.find("%(", i);
    if (open == std::string_view::npos) {
      piece(pattern.substr(i));
      break;
    }
    if (open > i) piece(pattern.substr(i, open - i));
    const auto close = pattern.find(")s", open);
    if (close == std::string_view::npos)
      throw std::invalid_argument("strata::naming_convention: a pattern has '%(' without ')s'; write tokens as %(table_name)s");
    const auto token = pattern.substr(open + 2, close - open - 2);
    if (token == "table_name") {
      piece(v.table);
    } else if (token == "referred_table_name") {
      piece(v.referred_table);
    } else if (token == "constraint_name") {
      piece(v.constraint_name);
    } else if (token == "column_0_name" || token == "column_0N_name" || token == "column_0_N_name") {
      if (v.columns.empty()) return false;
      for (std::size_t c = 0; c < v.columns.size(); ++c) {
        if (c > 0 && token == "column_0_N_name") piece("_");
        piece(v.columns[c]);
        if (token == "column_0_name") break;
      }
    } else {
      throw std::invalid_argument(
          "strata::naming_convention: a pattern has an unknown token; use %(table_name)s, %(column_0_name)s, %(column_0N_name)s, "
          "%(column_0_N_name)s, %(referred_table_name)s or %(constraint_name)s");
    }
    i = close + 2;
  }
  return true;
}

// The name the pattern gives, or "" when it gives none.
inline std::string convention_name(std::string_view pattern, const naming_values& v) {
  std::string out;
  if (!expand_pattern(pattern, v, [&](std::string_view piece) { out += piece; })) return {};
  return out;
}

// Whether the pattern gives exactly `name`; in constant evaluation too (no allocation).
constexpr bool convention_gives(std::string_view pattern, const naming_values& v, std::string_view name) {
  std::size_t at = 0;
  bool same = true;
  const bool gives = expand_pattern(pattern, v, [&](std::string_view piece) {
    if (!same || at > name.size() || name.substr(at, piece.size()) != piece) same = false;
    at += piece.size();
  });
  return gives && same && at == name.size();
}

}  // namespace detail

}  // namespace strata
