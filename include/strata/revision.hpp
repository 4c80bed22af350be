// strata::revision: the base a user's revision struct derives from, and the Revision concept.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <strata/detail/recorded_names.hpp>
#include <strata/fixed_string.hpp>
#include <strata/ops.hpp>

namespace strata {

namespace detail {
template <fixed_string... Down>
consteval std::size_t count_down_ids() {
  return ((Down.size() == 0 ? 0 : 1) + ... + 0);
}
template <fixed_string... Down>
consteval auto down_id_array() {
  std::array<std::string_view, count_down_ids<Down...>()> ids{};
  std::size_t i = 0;
  ((Down.size() == 0 ? void() : void(ids[i++] = Down.view())), ...);
  return ids;
}
}  // namespace detail

// A revision's identity and place in the graph: its id and the ids of the revisions it follows.
// `strata::base` (or no down id at all) makes it the root; several down ids make it a merge.
template <fixed_string Id, fixed_string... Down>
struct revision {
  static constexpr std::string_view id = Id.view();
  static constexpr auto down_revisions = detail::down_id_array<Down...>();
  // A revision that must run outside a transaction (PostgreSQL's CREATE INDEX CONCURRENTLY)
  // hides this with `static constexpr bool transactional = false;`.
  static constexpr bool transactional = true;
};

namespace detail {
// The members a revision has.
template <class R>
concept revision_shape = requires(ops& op) {
  { R::id } -> std::convertible_to<std::string_view>;
  { R::down_revisions.size() } -> std::convertible_to<std::size_t>;
  { R::message } -> std::convertible_to<std::string_view>;
  { R::transactional } -> std::convertible_to<bool>;
  R::upgrade(op);
  // downgrade(op) too, unless strata derives it (detail::downgrade_of)
};

// Whether R says its downgrade does not undo its upgrade (`static constexpr bool irreversible = true;`):
// strata::reviewed then does not ask it to.
template <class R>
constexpr bool declares_irreversible() {
  if constexpr (requires { { R::irreversible } -> std::convertible_to<bool>; }) return R::irreversible;
  else return false;
}

// upgrade() and downgrade() run in constant evaluation and every name they record can be read
// after they return. (Where the checks do not run in constant evaluation, see
// records_at_compile_time, only the shape is checked.)
template <class R>
concept records_lasting_names =
    !records_at_compile_time || requires { typename std::integral_constant<std::size_t, record_names<R>().count>; };
}  // namespace detail

// What a revision struct must provide: an id and down revisions (from strata::revision), a
// message, and upgrade/downgrade functions that record operations (downgrade may be left out when
// upgrade only creates tables, columns, indexes and named constraints, and renames: strata derives it). Both functions are
// `static constexpr` and can run at compile time, so that a history can be replayed by the
// compiler, and each name they record outlives them (string literals, never a std::string: ops
// keeps string_views). Laws, checked by strata::history: every recorded name points to storage
// that lives as long as the program (a literal, a static constexpr array).
template <class R>
concept Revision = detail::revision_shape<R> && detail::records_lasting_names<R>;

namespace detail {

// What strata::history's checks, strata::reviewed and the replay's plan need of a revision, read
// off its one recording (record_names) into one constexpr variable per revision, of which each takes
// a field. (A call of record_names<R>() hands each caller a copy of the whole recording: GCC copies
// a memoised result for every call.) Zero for a type that is not a revision, and where the
// operations are not recorded at compile time (records_at_compile_time). It holds no name: a
// constexpr variable with a name that points into a std::string gone is an error, which is
// names_outlive_the_call's to give, once.
struct revision_facts {
  std::size_t names = 0;            // how many names upgrade() and downgrade() record (recorded_names::count)
  schema_sizes created{};           // what the upgrade creates
  bool inverse = false;             // the downgrade undoes_by_its_operations the upgrade
  bool declared_irreversible = false;
  std::size_t longest_bytes = 0;    // of the longest identifier (strata::names_fit; detail::longest_name_of)
  rule_findings findings{};         // the safety rules the upgrade breaks (strata::review_policy)
  frozen_sizes frozen{};            // the room its two recordings take frozen (detail::frozen_revision)
};

template <class R>
constexpr revision_facts facts_from() {
  if constexpr (records_at_compile_time && Revision<R>) {
    const recorded_names r = record_names<R>();
    return {r.count, r.created, r.inverse, declares_irreversible<R>(), r.longest.bytes, r.findings, r.frozen};
  } else {
    return {.declared_irreversible = declares_irreversible<R>()};
  }
}
template <class R>
inline constexpr revision_facts facts_of = facts_from<R>();

}  // namespace detail

}  // namespace strata
