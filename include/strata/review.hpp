// strata::reviewed: the compiler as migration reviewer. Using a history (a migrator, manage_db's
// project, a test fixture, or `static_assert(strata::reviewed<history>)`) replays it at compile time
// and stops compilation with one line when
//   - an operation does not fit the schema before it (a missing table, column, index ...);
//   - a downgrade does not fit the schema its upgrade leaves, or does not undo the upgrade (unless
//     the revision declares `static constexpr bool irreversible = true;`);
//   - an upgrade breaks a safety rule (strata::rule) its history's policy makes an error, on an
//     operation that does not acknowledge it (`op.allow(strata::rule::drop_column).drop_column(...)`);
//   - the policy requires a single head and the history has several.
// A history chooses its policy by specialising strata::review_policy_for:
//   template <> inline constexpr strata::review_policy strata::review_policy_for<app::history> =
//       strata::strict_policy<strata::postgresql_sql>();
// (where the checks do not run in constant evaluation, as with clang 14, only the graph is checked:
// see detail::records_at_compile_time).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <strata/detail/graph_check.hpp>
#include <strata/detail/recorded_names.hpp>
#include <strata/history.hpp>
#include <strata/ops.hpp>
#include <strata/revision.hpp>
#include <strata/rules.hpp>
#include <strata/schema.hpp>

namespace strata {

// Which rules are errors for a history, the databases it targets, and whether it must have one head.
struct review_policy {
  static constexpr std::size_t max_targets = 4;
  std::uint32_t errors = 0;   // bit(rule) for each rule that is an error
  std::array<review_target, max_targets> targets{};
  std::size_t target_count = 0;
  bool single_head = false;
  bool replays = true;      // an operation that does not fit the schema before it is an error
  bool reversible = true;   // a downgrade that does not undo its upgrade is an error (unless declared)

  [[nodiscard]] constexpr review_policy with(rule r) const {
    auto p = *this;
    p.errors |= bit(r);
    return p;
  }
  [[nodiscard]] constexpr review_policy without(rule r) const {
    auto p = *this;
    p.errors &= ~bit(r);
    return p;
  }
  // The history also runs on `t`: an option `t` cannot honour is an error (rule::option_not_honoured).
  [[nodiscard]] constexpr review_policy targeting(const review_target& t) const {
    auto p = *this;
    if (p.target_count < max_targets) p.targets[p.target_count++] = t;
    return p;
  }
  [[nodiscard]] constexpr review_policy requiring_single_head(bool on = true) const {
    auto p = *this;
    p.single_head = on;
    return p;
  }
  [[nodiscard]] constexpr bool is_error(rule r) const { return (errors & bit(r)) != 0; }
};

namespace policy {
// What every history gets: what would fail at run time anyway, and a backfill whose batches a
// transaction would make one long UPDATE.
inline constexpr review_policy basic =
    review_policy{}.with(rule::concurrently_in_transaction).with(rule::option_not_honoured).with(rule::backfill_in_transaction);
// Every rule an error, and one head.
inline constexpr review_policy strict = [] {
  review_policy p = basic;
  for (std::size_t r = 0; r < rule_count; ++r) p = p.with(static_cast<rule>(r));
  return p.requiring_single_head();
}();
// Nothing checked but the graph: for a history written to fail at run time (a test of the run-time
// errors), never for an application's.
inline constexpr review_policy unchecked = [] {
  review_policy p;
  p.replays = false;
  p.reversible = false;
  return p;
}();
}  // namespace policy

// A policy for the databases whose SQL traits are given (strata::sqlite_sql, strata::postgresql_sql):
// strict (every rule, one head; for a production PostgreSQL database) or relaxed (what fails anyway,
// and options a target cannot honour).
template <class... Traits>
constexpr review_policy strict_policy() {
  review_policy p = policy::strict;
  ((p = p.targeting(review_target_for<Traits>)), ...);
  return p;
}
template <class... Traits>
constexpr review_policy relaxed_policy() {
  review_policy p = policy::basic;
  ((p = p.targeting(review_target_for<Traits>)), ...);
  return p;
}

// The policy of history H: specialise it for yours.
template <class H>
inline constexpr review_policy review_policy_for = policy::basic;

namespace detail {

template <class R>
constexpr rule_findings findings_of() {
  return facts_of<R>.findings;
}

// Whether a rule applies to the policy's targets (all of them: no target listed).
constexpr bool any_target(const review_policy& p, bool review_target::*feature, bool value) {
  if (p.target_count == 0) return value;
  for (std::size_t t = 0; t < p.target_count; ++t)
    if (p.targets[t].*feature == value) return true;
  return false;
}
constexpr std::string_view target_without(const review_policy& p, bool review_target::*feature) {
  for (std::size_t t = 0; t < p.target_count; ++t)
    if (!(p.targets[t].*feature)) return p.targets[t].name;
  return {};
}

// One finding the policy makes an error: which rule, at which operation of the upgrade, and for
// option_not_honoured the target and the option.
struct rule_break {
  std::size_t revision = never;
  rule broken = rule::drop_table;
  std::size_t operation = 0;
  std::string_view target{};
  std::string_view option{};
};

constexpr rule_break first_break(const review_policy& p, const rule_findings& f, std::size_t revision) {
  rule_break best;
  auto consider = [&](rule r, std::size_t finding, std::string_view target = {}, std::string_view option = {}) {
    if (!f.has(finding) || !p.is_error(r)) return;
    if (best.revision == never || f.at[finding] < best.operation) best = {revision, r, f.at[finding], target, option};
  };
  if (f.found == 0) return best;
  for (std::size_t k = 0; k < rule_count; ++k) {
    const auto r = static_cast<rule>(k);
    if (r == rule::option_not_honoured) continue;
    if (r == rule::index_without_concurrently && !any_target(p, &review_target::builds_indexes_concurrently, true)) continue;
    if (r == rule::constraint_without_not_valid && !any_target(p, &review_target::validates_constraints_later, true)) continue;
    if (r == rule::set_not_null && !any_target(p, &review_target::scans_to_set_not_null, true)) continue;
    consider(r, k);
  }
  if (auto t = target_without(p, &review_target::builds_indexes_concurrently); !t.empty())
    consider(rule::option_not_honoured, uses_concurrently, t, "concurrently");
  if (auto t = target_without(p, &review_target::converts_with_using); !t.empty()) consider(rule::option_not_honoured, uses_using, t, "using");
  return best;
}

constexpr std::string_view advice(rule r) {
  switch (r) {
    case rule::not_null_without_default:
      return "a NOT NULL column without a server default cannot be added to a table that has rows; add it nullable, backfill it, "
             "then make it NOT NULL, or give it .server_default(...)";
    case rule::index_without_concurrently:
      return "building an index on an existing table blocks its writes until it is built; create it with {.concurrently = true} "
             "in a revision with `static constexpr bool transactional = false;`";
    case rule::column_type_change:
      return "changing a column's type rewrites the table under an exclusive lock; add a column of the new type, backfill it and "
             "switch to it over later revisions";
    case rule::rename_column:
      return "the running application still reads the old name; add the new column, write both, and drop the old one in a later "
             "release";
    case rule::rename_table:
      return "the running application still reads the old name; create the new table (or a view of the old name) and move over "
             "a later release";
    case rule::drop_table:
    case rule::drop_column:
      return "its rows are lost for good; stop using it in the application first, back the database up";
    case rule::constraint_without_not_valid:
      return "adding a foreign key or check to an existing table checks every row under a lock; add it NOT VALID and "
             "VALIDATE CONSTRAINT in a later revision (op.execute)";
    case rule::set_not_null:
      return "SET NOT NULL scans the whole table under an exclusive lock; first add CHECK (col IS NOT NULL) NOT VALID and "
             "VALIDATE it, which PostgreSQL 12+ then uses to skip the scan";
    case rule::concurrently_in_transaction:
      return "CREATE INDEX CONCURRENTLY cannot run in a transaction; give the revision `static constexpr bool transactional = "
             "false;`";
    case rule::option_not_honoured: return "drop the option, or the target from the history's policy";
    case rule::backfill_in_transaction:
      return "in a transaction its batches commit as one UPDATE, holding their row locks to the end; give the revision "
             "`static constexpr bool transactional = false;` so that each batch commits on its own";
  }
  return {};
}

template <class H>
constexpr message_buffer break_message(const rule_break& b) {
  message_buffer m;
  if (b.revision == never) return m;
  const auto& r = H::revisions[b.revision];
  ops recorded;
  r.upgrade(recorded);
  m << "strata::reviewed: revision `" << r.id << "` breaks rule " << to_string(b.broken) << ": ";
  if (b.operation < recorded.size()) describe_to(m, recorded.operations()[b.operation]);
  if (b.broken == rule::option_not_honoured) m << ": " << b.target << " cannot honour `" << b.option << "`";
  m << "; " << advice(b.broken) << "; or acknowledge it: op.allow(strata::rule::" << to_string(b.broken) << ")";
  return m;
}

// The first upgrade operation of revision i that touches `name` (a table or an index).
template <class H>
constexpr message_buffer not_undone_message(std::size_t i, std::string_view name) {
  message_buffer m;
  if (i == never || i >= H::size) return m;
  const auto& r = H::revisions[i];
  m << "strata::reviewed: the downgrade of revision `" << r.id << "` does not undo its upgrade";
  ops recorded;
  r.upgrade(recorded);
  for (const auto& o : recorded.operations()) {
    const auto* index = strata::get_if<op::create_index>(&o);
    const auto* dropped = strata::get_if<op::drop_index>(&o);
    const auto* renamed = strata::get_if<op::rename_table>(&o);
    if (!name.empty() && (table_of(o) == name || (index != nullptr && index->name == name) || (dropped != nullptr && dropped->name == name) ||
                          (renamed != nullptr && renamed->new_name == name))) {
      m << ": it leaves `" << name << "` other than it was (the upgrade's first change to it: `";
      describe_to(m, o);
      m << "`)";
      break;
    }
  }
  m << "; make downgrade() undo it, or declare the revision irreversible (static constexpr bool irreversible = true;)";
  return m;
}

template <class H>
constexpr message_buffer heads_message() {
  message_buffer m;
  if (H::heads.size() <= 1) return m;
  m << "strata::reviewed: the history has " << H::heads.size() << " heads (";
  for (std::size_t k = 0; k < H::heads.size(); ++k) m << (k == 0 ? "`" : ", `") << H::heads[k] << "`";
  m << ") and its policy requires one; merge them: manage_db merge -m \"merge heads\" heads";
  return m;
}

template <class H>
struct review;
template <class... R>
struct review<history<R...>> {
  using H = history<R...>;
  static constexpr review_policy policy = review_policy_for<H>;
  static constexpr rule_break broken = [] {
    const auto& facts = history_facts<H>::of;
    for (std::size_t i = 0; i < facts.size(); ++i)
      if (auto b = first_break(policy, facts[i].findings, i); b.revision != never) return b;
    return rule_break{};
  }();
};

// Instantiated only for a history that fails the review: GCC prints the Message argument verbatim in
// the "In instantiation of" line above the assertion. `value` is true so that nothing else fails
// after it: one failure, one message.
template <fixed_string Message>
struct revision_breaks_a_rule {
  static_assert(Message.size() == 0, "strata::reviewed: a revision breaks a safety rule: the revision, the operation and the safe way are "
                                     "spelled out in 'revision_breaks_a_rule<...>' above");
  static constexpr bool value = true;
};
template <fixed_string Message>
struct downgrade_does_not_undo_upgrade {
  static_assert(Message.size() == 0, "strata::reviewed: a downgrade does not undo its upgrade: the revision and the operation are spelled out in "
                                     "'downgrade_does_not_undo_upgrade<...>' above");
  static constexpr bool value = true;
};
template <fixed_string Message>
struct history_has_several_heads {
  static_assert(Message.size() == 0, "strata::reviewed: the history has several heads: they are spelled out in 'history_has_several_heads<...>' above");
  static constexpr bool value = true;
};
template <bool Ok, fixed_string Message>
inline constexpr bool rules_kept = true;
template <fixed_string Message>
inline constexpr bool rules_kept<false, Message> = revision_breaks_a_rule<Message>::value;
template <bool Ok, fixed_string Message>
inline constexpr bool reversible_checked = true;
template <fixed_string Message>
inline constexpr bool reversible_checked<false, Message> = downgrade_does_not_undo_upgrade<Message>::value;
template <bool Ok, fixed_string Message>
inline constexpr bool heads_checked = true;
template <fixed_string Message>
inline constexpr bool heads_checked<false, Message> = history_has_several_heads<Message>::value;

// Each check runs only when those before it passed: one fault, one message (and then true, so that
// the static_assert around strata::reviewed does not fail a second time).
template <class H, int Step = 0>
constexpr bool review_step() {
  if constexpr (!H::valid) {
    return true;   // strata::history has said why
  } else if constexpr (Step == 0) {
    constexpr bool ok = !review_policy_for<H>.single_head || H::heads.size() <= 1;
    static_assert(heads_checked<ok, to_fixed_string<heads_message<H>().size>(heads_message<H>())>);
    if constexpr (!ok) return true;
    else return review_step<H, 1>();
  } else if constexpr (Step == 1) {
    constexpr auto& b = review<H>::broken;
    constexpr bool ok = b.revision == never;
    static_assert(rules_kept<ok, to_fixed_string<break_message<H>(b).size>(break_message<H>(b))>);
    if constexpr (!ok) return true;
    else return review_step<H, 2>();
  } else if constexpr (!review_policy_for<H>.replays) {
    return true;
  } else if constexpr (Step == 2) {
    constexpr auto& replayed = replay_of<H>;
    static_assert(replay_checked<!replayed.error, to_fixed_string<replay_message_of<H>.size>(replay_message_of<H>)>);
    if constexpr (replayed.error) return true;
    else return review_step<H, 3>();
  } else if constexpr (Step == 3) {
    constexpr auto& replayed = replay_of<H>;
    static_assert(downgrade_checked<!replayed.downgrade_error, to_fixed_string<downgrade_message_of<H>.size>(downgrade_message_of<H>)>);
    if constexpr (replayed.downgrade_error) return true;
    else return review_step<H, 4>();
  } else {
    constexpr auto& replayed = replay_of<H>;
    constexpr bool ok = replayed.unexpected == never || !review_policy_for<H>.reversible;
    static_assert(reversible_checked<ok, to_fixed_string<not_undone_message<H>(replayed.unexpected, replayed.not_undone).size>(
                                             not_undone_message<H>(replayed.unexpected, replayed.not_undone))>);
    return true;
  }
}

// Where the operations are not recorded at compile time (clang 14: see records_at_compile_time),
// the review is the graph's (by strata::history) and the policy's single head, its fault a named
// type (see strata::history_has_several_heads_to_merge) since clang prints a message argument as
// character codes.
template <class H, class Heads = std::make_index_sequence<H::heads.size()>>
struct named_heads;
template <class... R, std::size_t... K>
struct named_heads<history<R...>, std::index_sequence<K...>> {
  using type = history_has_several_heads_to_merge<std::tuple_element_t<history<R...>::index_of(history<R...>::heads[K]), std::tuple<R...>>...>;
};
template <class H>
constexpr bool review_heads_named() {
  if constexpr (!H::valid || !review_policy_for<H>.single_head || H::heads.size() <= 1) {
    return true;
  } else {
    static_assert(graph_ok<typename named_heads<H>::type>,
                  "strata::reviewed: the history has several heads and its policy requires one: the requirement above names "
                  "them; merge them: manage_db merge -m \"merge heads\" heads");
    return true;
  }
}

template <class H>
constexpr bool review_now() {
  if constexpr (records_at_compile_time) return review_step<H>();
  else return review_heads_named<H>();
}

}  // namespace detail

// Whether history H passes the compiler's review (see the top of this file); using it runs the
// review, and a failure is a compile error naming the revision, the operation and the fix.
template <History H>
inline constexpr bool reviewed = detail::review_now<H>();

}  // namespace strata
