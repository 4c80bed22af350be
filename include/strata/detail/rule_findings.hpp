// strata::detail: which safety rules (strata::rule) a revision's upgrade() breaks, read off its
// recorded operations once, with the history's check of the revision (record_names).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <strata/ops.hpp>
#include <strata/rules.hpp>

namespace strata::detail {

// Besides the rules, what a target may not honour: these two count as rule::option_not_honoured
// when a target of the policy lacks the option.
inline constexpr std::size_t uses_concurrently = rule_count;
inline constexpr std::size_t uses_using = rule_count + 1;

struct rule_findings {
  static constexpr std::uint16_t none = 0xffff;
  std::uint32_t found = 0;   // bit k: finding k (a rule, or uses_concurrently / uses_using)
  std::array<std::uint16_t, rule_count + 2> at{};   // the operation of the first of each finding

  constexpr void note(std::size_t finding, std::size_t operation) {
    const auto b = std::uint32_t{1} << finding;
    if ((found & b) != 0) return;
    found |= b;
    at[finding] = static_cast<std::uint16_t>(operation < none ? operation : none - 1);
  }
  [[nodiscard]] constexpr bool has(std::size_t finding) const { return (found & (std::uint32_t{1} << finding)) != 0; }
};

// Whether an upgrade's operations before operation k create `table`. Objects created so are exempt
// from the rules (nobody uses them yet); the replay asks it of a whole upgrade (k = its size).
constexpr bool created_before(pointer_range<const operation> list, std::size_t k, std::string_view table) {
  for (std::size_t i = 0; i < k; ++i)
    if (const auto* t = strata::get_if<op::create_table>(&list[i]); t != nullptr && t->table == table) return true;
  return false;
}
constexpr bool added_before(pointer_range<const operation> list, std::size_t k, std::string_view table, std::string_view column) {
  if (created_before(list, k, table)) return true;
  for (std::size_t i = 0; i < k; ++i)
    if (const auto* c = strata::get_if<op::add_column>(&list[i]); c != nullptr && c->table == table && c->definition.name == column) return true;
  return false;
}

// The rules `up` (an upgrade's operations) breaks, each without its operation's allow().
constexpr rule_findings find_rule_breaks(const ops& up, bool transactional) {
  rule_findings out;
  const auto list = each(up.operations());
  for (std::size_t k = 0; k < list.size(); ++k) {
    const auto allowed = up.allowed(k);
    auto note = [&](rule r) {
      if ((allowed & bit(r)) == 0) out.note(static_cast<std::size_t>(r), k);
    };
    const auto& o = list[k];
    if (const auto* c = strata::get_if<op::add_column>(&o)) {
      const auto& d = c->definition;
      if (!created_before(list, k, c->table) && !d.nullable && !d.default_sql && !d.generated_sql) note(rule::not_null_without_default);
    } else if (const auto* i = strata::get_if<op::create_index>(&o)) {
      if (i->options.concurrently) {
        if ((allowed & bit(rule::option_not_honoured)) == 0) out.note(uses_concurrently, k);
        if (transactional) note(rule::concurrently_in_transaction);
      } else if (!created_before(list, k, i->table)) {
        note(rule::index_without_concurrently);
      }
    } else if (const auto* a = strata::get_if<op::alter_column>(&o)) {
      const bool existing = !added_before(list, k, a->table, a->column);
      if (a->change.type && existing) note(rule::column_type_change);
      if (a->change.nullable && !*a->change.nullable && existing) note(rule::set_not_null);
      if (a->change.using_sql && (allowed & bit(rule::option_not_honoured)) == 0) out.note(uses_using, k);
    } else if (const auto* rc = strata::get_if<op::rename_column>(&o)) {
      if (!added_before(list, k, rc->table, rc->column)) note(rule::rename_column);
    } else if (const auto* rt = strata::get_if<op::rename_table>(&o)) {
      if (!created_before(list, k, rt->table)) note(rule::rename_table);
    } else if (const auto* dt = strata::get_if<op::drop_table>(&o)) {
      if (!created_before(list, k, dt->table)) note(rule::drop_table);
    } else if (const auto* dc = strata::get_if<op::drop_column>(&o)) {
      if (!added_before(list, k, dc->table, dc->column)) note(rule::drop_column);
    } else if (strata::holds_alternative<op::backfill>(o)) {
      if (transactional) note(rule::backfill_in_transaction);
    } else if (const auto* ac = strata::get_if<op::add_constraint>(&o)) {
      const auto kind = ac->definition.kind;
      if ((kind == constraint_kind::foreign_key || kind == constraint_kind::check) && !created_before(list, k, ac->table))
        note(rule::constraint_without_not_valid);
    }
  }
  return out;
}

}  // namespace strata::detail
