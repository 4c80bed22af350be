// strata::detail: a revision's downgrade, called for what it records. A revision made only of
// operations strata can reverse may leave downgrade() out, and strata derives it from upgrade() (as
// Rails derives `down` from `change`): each operation reversed, newest first.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <strata/ops.hpp>

namespace strata::detail {

// The operation that undoes `o`, when strata can write it from `o` alone: nothing for execute(),
// run(), a drop or an alter_column (what they undo is not in the operation), nor for an unnamed
// check constraint (nothing to drop it by).
constexpr std::optional<operation> inverse_of(const operation& o) {
  if (const auto* t = strata::get_if<op::create_table>(&o)) return op::drop_table{t->table};
  if (const auto* c = strata::get_if<op::add_column>(&o)) return op::drop_column{c->table, c->definition.name, c->naming};
  if (const auto* i = strata::get_if<op::create_index>(&o)) return op::drop_index{i->name, i->table};
  if (const auto* r = strata::get_if<op::rename_table>(&o)) return op::rename_table{r->new_name, r->table};
  if (const auto* r = strata::get_if<op::rename_column>(&o)) return op::rename_column{r->table, r->new_name, r->column};
  if (const auto* k = strata::get_if<op::add_constraint>(&o)) {
    const auto& d = k->definition;
    if (d.name.empty() && d.kind == constraint_kind::check) return std::nullopt;
    return op::drop_constraint{k->table, d.name, d.kind, d.columns, k->naming};
  }
  return std::nullopt;
}

// A backfill changes rows, not the schema: a derived downgrade has nothing to undo for it (the
// column it filled goes with the add_column's inverse).
constexpr bool needs_no_inverse(const operation& o) { return strata::holds_alternative<op::backfill>(o); }

// The position of the first operation of `up` that inverse_of cannot reverse, or up.size().
constexpr std::size_t first_underivable(const ops& up) {
  const auto& list = up.operations();
  for (std::size_t k = 0; k < list.size(); ++k)
    if (!needs_no_inverse(list[k]) && !inverse_of(list[k])) return k;
  return list.size();
}

template <class R>
concept writes_downgrade = requires(ops& op) { R::downgrade(op); };

// R's downgrade(), or the one derived from its upgrade().
template <class R>
constexpr void downgrade_of(ops& out) {
  if constexpr (writes_downgrade<R>) {
    R::downgrade(out);
  } else {
    ops up;
    R::upgrade(up);
    const auto& list = up.operations();
    for (std::size_t k = list.size(); k-- > 0;)
      if (needs_no_inverse(list[k])) continue;
      else if (auto inverse = inverse_of(list[k])) out.append(std::move(*inverse));
      // At compile time strata::history says so, naming the revision (revision_fault::not_derivable).
      else if (!std::is_constant_evaluated())
        throw std::logic_error("strata: a revision without downgrade() records an operation strata cannot reverse: write its downgrade()");
  }
}

// Whether R, without a downgrade() of its own, records only operations strata can reverse.
template <class R>
constexpr bool downgrade_derivable() {
  if constexpr (writes_downgrade<R>) {
    return true;
  } else {
    ops up;
    R::upgrade(up);
    return first_underivable(up) == up.size();
  }
}

}  // namespace strata::detail
