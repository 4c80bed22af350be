// strata::bench::history_of<N>: a synthetic history of N revisions (tables, columns, indexes), built
// by templates rather than generated source, for the benchmarks.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include <strata/strata.hpp>

namespace strata::bench {

// "<prefix>" followed by N in Digits decimal digits: numbered<11>('s', 7) is "s00000000007".
template <std::size_t Digits>
constexpr fixed_string<Digits + 2> numbered(char prefix, std::size_t n) {
  fixed_string<Digits + 2> out;
  out.data[0] = prefix;
  for (std::size_t i = Digits; i > 0; --i, n /= 10) out.data[i] = static_cast<char>('0' + n % 10);
  return out;
}

// Static storage for the names, so that the string_views the ops record outlive the revision.
template <std::size_t N>
inline constexpr auto synthetic_id = numbered<11>('s', N);   // 12 characters, [0-9a-z]
template <std::size_t N>
inline constexpr auto synthetic_down = synthetic_id<N - 1>;
template <>
inline constexpr auto synthetic_down<0> = strata::base;
template <std::size_t K>
inline constexpr auto table_name = numbered<4>('t', K);
template <std::size_t N>
inline constexpr auto column_name = numbered<4>('c', N);
template <std::size_t N>
inline constexpr auto index_name = numbered<4>('i', N);

// Revision N, in a cycle of four on table t<N/4>: create it (id, name), add an integer column, add a
// text column, index the two added columns. So N revisions give about N/4 tables and indexes and
// N/2 columns; each downgrade undoes its upgrade.
template <std::size_t N>
struct synthetic : revision<synthetic_id<N>, synthetic_down<N>> {
  static constexpr std::string_view message = "synthetic revision";
  static constexpr std::string_view table = table_name<N / 4>.view();

  static constexpr void upgrade(ops& op) {
    if constexpr (N % 4 == 0) {
      op.create_table(table, {column("id", integer).primary_key(), column("name", varchar(50)).not_null()});
    } else if constexpr (N % 4 == 1) {
      op.add_column(table, column(column_name<N>.view(), integer));
    } else if constexpr (N % 4 == 2) {
      op.add_column(table, column(column_name<N>.view(), text));
    } else {
      op.create_index(index_name<N>.view(), table, {column_name<N - 2>.view(), column_name<N - 1>.view()});
    }
  }
  static constexpr void downgrade(ops& op) {
    if constexpr (N % 4 == 0) op.drop_table(table);
    else if constexpr (N % 4 == 3) op.drop_index(index_name<N>.view(), table);
    else op.drop_column(table, column_name<N>.view());
  }
};

namespace detail {
template <class Indexes>
struct history_of;
template <std::size_t... N>
struct history_of<std::index_sequence<N...>> {
  using type = strata::history<synthetic<N>...>;
};
}  // namespace detail

// strata::history<synthetic<0>, ..., synthetic<N - 1>>.
template <std::size_t N>
using history_of = typename detail::history_of<std::make_index_sequence<N>>::type;

}  // namespace strata::bench
