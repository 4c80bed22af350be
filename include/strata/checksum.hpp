// strata::checksum: a revision's checksum, from the operations its upgrade() records (never its
// source text), in a canonical form that is versioned and frozen. docs/revisions.md ("Checksums")
// gives the form byte by byte; tests/checksum_test.cpp pins a fixed revision's value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <strata/ops.hpp>
#include <strata/types.hpp>

namespace strata {

namespace detail {

// Version 1 of the canonical form, hashed with 64-bit FNV-1a as it is written. Each text is a field
// `<byte length>:<bytes>` (a CR LF pair counts as one LF, so line endings do not matter); an absent
// optional is `~`; a list is `[` its items `]`; an operation is `(` its name and fields `)`. Enums
// are written by their names, numbers in decimal, booleans as the texts "0" and "1". Frozen: a change
// to what is written, or how, is a new version ("v2:"), never an edit of this one.
class checksum_v1 {
 public:
  static constexpr std::string_view prefix = "v1:";

  [[nodiscard]] constexpr std::uint64_t value() const { return hash_; }

  constexpr void operations(const ops& recorded) {
    for (const auto& o : recorded.operations()) operation_of(o);
  }

 private:
  constexpr void byte(char c) {
    hash_ ^= static_cast<unsigned char>(c);
    hash_ *= 0x100000001b3ULL;
  }
  constexpr void mark(char c) { byte(c); }
  constexpr void number(std::uint64_t n) {
    char digits[20]{};
    std::size_t first = sizeof(digits);
    do digits[--first] = static_cast<char>('0' + n % 10);
    while ((n /= 10) != 0);
    for (auto i = first; i < sizeof(digits); ++i) byte(digits[i]);
  }
  constexpr void text(std::string_view s) {
    // Through a raw pointer, in as few statements as can be: constant evaluation (a revision's
    // checksum is computed with the history's check) pays for each call and each statement, and a
    // string_view's iterators and find() are calls.
    const char* p = s.data();
    const std::size_t n = s.size();
    std::size_t carriage_returns = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) carriage_returns += (p[i] == '\r' && p[i + 1] == '\n') ? 1 : 0;
    const std::size_t length = n - carriage_returns;
    if (length < 10) hash_ = (hash_ ^ static_cast<unsigned char>('0' + length)) * 0x100000001b3ULL;
    else number(length);
    auto h = (hash_ ^ static_cast<unsigned char>(':')) * 0x100000001b3ULL;
    if (carriage_returns == 0) {
      for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 0x100000001b3ULL;
    } else {
      for (std::size_t i = 0; i < n; ++i)
        if (!(p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')) h = (h ^ static_cast<unsigned char>(p[i])) * 0x100000001b3ULL;
    }
    hash_ = h;
  }
  constexpr void flag(bool b) {  // text(b ? "1" : "0"), inline
    constexpr auto prime = 0x100000001b3ULL;
    hash_ = (((((hash_ ^ static_cast<unsigned char>('1')) * prime) ^ static_cast<unsigned char>(':')) * prime) ^ static_cast<unsigned char>(b ? '1' : '0')) * prime;
  }
  constexpr void count(std::uint64_t n) {  // a number as a text field
    char digits[20]{};
    std::size_t first = sizeof(digits);
    do digits[--first] = static_cast<char>('0' + n % 10);
    while ((n /= 10) != 0);
    text(std::string_view(digits + first, sizeof(digits) - first));
  }
  constexpr void optional_text(const std::optional<std::string_view>& s) {
    if (s) text(*s);
    else mark('~');
  }
  constexpr void names(const std::vector<std::string_view>& list) {
    mark('[');
    for (auto n : list) text(n);
    mark(']');
  }
  constexpr void type(const column_type& t) {
    text(to_string(t.kind));
    count(t.length);
    text(t.sql);
  }
  constexpr void action(referential_action a) { text(to_sql(a)); }
  constexpr void naming(const naming_convention& n) {
    text(n.primary_key);
    text(n.unique);
    text(n.check);
    text(n.foreign_key);
  }
  // A column's renamed_from() is a hint for strata::diff, not part of its definition: left out.
  constexpr void column_of(const column& c) {
    text(c.name);
    type(c.type);
    flag(c.nullable);
    flag(c.is_primary_key);
    flag(c.autoincrement);
    flag(c.is_unique);
    optional_text(c.default_sql);
    if (c.foreign_key) {
      mark('[');
      text(c.foreign_key->table);
      text(c.foreign_key->column);
      action(c.foreign_key->on_delete);
      action(c.foreign_key->on_update);
      mark(']');
    } else {
      mark('~');
    }
    optional_text(c.check_sql);
    optional_text(c.generated_sql);
    text(to_string(c.generated_storage));
  }
  constexpr void constraint_of(const constraint& k) {
    text(to_string(k.kind));
    text(k.name);
    names(k.columns);
    text(k.referenced_table);
    names(k.referenced_columns);
    action(k.on_delete);
    action(k.on_update);
    text(k.check_sql);
  }

  constexpr void fields(const op::create_table& x) {
    text(x.table);
    mark('[');
    for (const auto& c : x.columns) column_of(c);
    mark(']');
    mark('[');
    for (const auto& k : x.constraints) constraint_of(k);
    mark(']');
    naming(x.naming);
  }
  constexpr void fields(const op::drop_table& x) { text(x.table); }
  constexpr void fields(const op::rename_table& x) {
    text(x.table);
    text(x.new_name);
  }
  constexpr void fields(const op::add_column& x) {
    text(x.table);
    column_of(x.definition);
    text(x.placement.insert_before);
    text(x.placement.insert_after);
    naming(x.naming);
  }
  constexpr void fields(const op::drop_column& x) {
    text(x.table);
    text(x.column);
    naming(x.naming);
  }
  constexpr void fields(const op::rename_column& x) {
    text(x.table);
    text(x.column);
    text(x.new_name);
  }
  constexpr void fields(const op::alter_column& x) {
    text(x.table);
    text(x.column);
    if (x.change.type) type(*x.change.type);
    else mark('~');
    if (x.change.nullable) flag(*x.change.nullable);
    else mark('~');
    optional_text(x.change.server_default);
    flag(x.change.drop_default);
    optional_text(x.change.using_sql);
    naming(x.naming);
  }
  constexpr void fields(const op::add_constraint& x) {
    text(x.table);
    constraint_of(x.definition);
    naming(x.naming);
  }
  constexpr void fields(const op::drop_constraint& x) {
    text(x.table);
    text(x.name);
    text(to_string(x.kind));
    names(x.columns);
    naming(x.naming);
  }
  constexpr void fields(const op::create_index& x) {
    text(x.name);
    text(x.table);
    names(x.columns);
    flag(x.options.unique);
    text(x.options.where);
    flag(x.options.concurrently);
  }
  constexpr void fields(const op::drop_index& x) {
    text(x.name);
    text(x.table);
  }
  constexpr void fields(const op::execute& x) { text(x.sql); }
  // A data migration's code cannot be read: its description stands for it.
  constexpr void fields(const op::run& x) { text(x.description); }
  // Not its batch size: tuning it changes no row's outcome (and a resumed backfill may use another).
  constexpr void fields(const op::backfill& x) {
    text(x.table);
    text(x.set);
    text(x.where);
  }

  static constexpr std::string_view names_of[] = {"create_table",  "drop_table",     "rename_table",   "add_column",   "drop_column",
                                                  "rename_column", "alter_column",   "add_constraint", "drop_constraint", "create_index",
                                                  "drop_index",    "execute",        "run",          "backfill"};
  static_assert(sizeof(names_of) / sizeof(names_of[0]) == operation::alternatives, "a new operation needs a name in the canonical form (a new version)");
  constexpr void operation_of(const strata::operation& o) {
    mark('(');
    text(names_of[o.index()]);
    o.visit([this](const auto& x) { fields(x); });
    mark(')');
  }

  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace detail

// The checksum of a revision's upgrade() operations, as a number (the current version's).
constexpr std::uint64_t checksum_value(const ops& upgrade) {
  detail::checksum_v1 c;
  c.operations(upgrade);
  return c.value();
}

// The checksum as it is stored and shown: "v1:" and 16 lower-case hex digits.
inline std::string checksum_text(std::uint64_t value) {
  std::string out(detail::checksum_v1::prefix);
  for (int shift = 60; shift >= 0; shift -= 4) out += "0123456789abcdef"[(value >> shift) & 0xf];
  return out;
}

}  // namespace strata
