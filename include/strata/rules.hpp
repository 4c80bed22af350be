// strata::rule: the safety rules the compiler reviews each revision's upgrade() against, and what a
// database (a review target) can honour. The review itself is <strata/review.hpp>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string_view>

namespace strata {

// A change that is risky on a live database, as squawk and strong_migrations list them, that strata
// can see in the recorded operations. Operations on a table or column created in the same upgrade
// are exempt. A policy (strata::review_policy) makes each rule an error or leaves it off; one
// operation acknowledges a rule with `op.allow(strata::rule::<name>).<operation>(...)`.
enum class rule : std::uint8_t {
  not_null_without_default,       // add_column NOT NULL without a server default to an existing table
  index_without_concurrently,     // create_index on an existing table without `concurrently` (a target that has it)
  column_type_change,             // alter_column changing a type: a table rewrite under an exclusive lock
  rename_column,                  // the running application may still use the old name
  rename_table,                   // likewise
  drop_table,                     // data loss
  drop_column,                    // data loss
  constraint_without_not_valid,   // a foreign key or check on an existing table, validated under a lock
  set_not_null,                   // alter_column to NOT NULL on an existing column: a full scan under a lock
  concurrently_in_transaction,    // create_index concurrently inside a transactional revision
  option_not_honoured,            // an option a target database cannot honour (concurrently, using on SQLite)
  backfill_in_transaction,        // a backfill inside a transactional revision: its batches commit as one
};
inline constexpr std::size_t rule_count = 12;

constexpr std::uint32_t bit(rule r) { return std::uint32_t{1} << static_cast<unsigned>(r); }

constexpr std::string_view to_string(rule r) {
  switch (r) {
    case rule::not_null_without_default: return "not_null_without_default";
    case rule::index_without_concurrently: return "index_without_concurrently";
    case rule::column_type_change: return "column_type_change";
    case rule::rename_column: return "rename_column";
    case rule::rename_table: return "rename_table";
    case rule::drop_table: return "drop_table";
    case rule::drop_column: return "drop_column";
    case rule::constraint_without_not_valid: return "constraint_without_not_valid";
    case rule::set_not_null: return "set_not_null";
    case rule::concurrently_in_transaction: return "concurrently_in_transaction";
    case rule::option_not_honoured: return "option_not_honoured";
    case rule::backfill_in_transaction: return "backfill_in_transaction";
  }
  return "rule";
}
inline std::ostream& operator<<(std::ostream& out, rule r) { return out << to_string(r); }

// What a database can do that the rules ask of a revision; a policy lists the databases a history
// targets by their SQL traits (strata::strict_policy<strata::postgresql_sql>()).
struct review_target {
  std::string_view name{};
  bool builds_indexes_concurrently = false;   // CREATE INDEX CONCURRENTLY
  bool validates_constraints_later = false;   // ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT
  bool converts_with_using = false;           // ALTER COLUMN ... TYPE ... USING <expression>
  bool scans_to_set_not_null = false;         // SET NOT NULL scans the table under an exclusive lock
};

// The review target of the database whose SQL traits are Traits. Each dialect specialises it in a
// header of its own, <strata/dialect/<dialect>_target.hpp>, for its traits declared but not defined:
// a unit that only compiles a history (STRATA_REVISIONS_ONLY) names the traits in its policy without
// parsing the renderer they derive from (a third of that unit's header). Unspecialised: the traits'
// own `static constexpr review_target review_target`.
template <class Traits>
inline constexpr review_target review_target_for = Traits::review_target;

}  // namespace strata
