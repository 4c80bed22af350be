// strata::revision_source: recorded operations written back as the C++ a revision's upgrade() or
// downgrade() would hold (`op.add_column("stocks", strata::column("market_cap", strata::big_integer));`),
// for the revision files `manage_db migrate` generates.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <strata/naming.hpp>
#include <strata/ops.hpp>
#include <strata/types.hpp>

namespace strata {

namespace detail::source {

// Text as a C++ string literal: quotes, backslashes and control characters escaped (octal, which
// takes at most three digits, unlike \x); SQL with quotes or backslashes and nothing else to escape
// as a raw string, which reads as the SQL does: R"(UPDATE "stocks" SET "email" = '')".
inline std::string literal(std::string_view text) {
  const bool plain = std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if (plain && text.find_first_of("\"\\") != std::string_view::npos && text.find(")\"") == std::string_view::npos)
    return "R\"(" + std::string(text) + ")\"";
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += '\\';
          out += static_cast<char>('0' + ((c >> 6) & 7));
          out += static_cast<char>('0' + ((c >> 3) & 7));
          out += static_cast<char>('0' + (c & 7));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Text for a // comment: on one line.
inline std::string comment(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

// {"a", "b"}
inline std::string names(const std::vector<std::string_view>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + literal(items[i]);
  return out + "}";
}

inline std::string type(const column_type& t) {
  switch (t.kind) {
    case type_kind::integer: return "strata::integer";
    case type_kind::big_integer: return "strata::big_integer";
    case type_kind::real: return "strata::real";
    case type_kind::float_: return "strata::float_";
    case type_kind::text: return "strata::text";
    case type_kind::varchar: return "strata::varchar(" + std::to_string(t.length) + ")";
    case type_kind::boolean: return "strata::boolean";
    case type_kind::date: return "strata::date";
    case type_kind::datetime: return "strata::datetime";
    case type_kind::blob: return "strata::blob";
    case type_kind::custom: return "strata::sql_type(" + literal(t.sql) + ")";
  }
  return "strata::text";
}

inline std::string action(referential_action a) {
  switch (a) {
    case referential_action::no_action: return "strata::referential_action::no_action";
    case referential_action::restrict: return "strata::referential_action::restrict";
    case referential_action::cascade: return "strata::referential_action::cascade";
    case referential_action::set_null: return "strata::referential_action::set_null";
    case referential_action::set_default: return "strata::referential_action::set_default";
  }
  return "strata::referential_action::no_action";
}

// ", on_delete[, on_update]" when they are not the defaults.
inline std::string actions(referential_action on_delete, referential_action on_update) {
  if (on_update != referential_action::no_action) return ", " + action(on_delete) + ", " + action(on_update);
  if (on_delete != referential_action::no_action) return ", " + action(on_delete);
  return "";
}

inline std::string kind(constraint_kind k) {
  switch (k) {
    case constraint_kind::primary_key: return "strata::constraint_kind::primary_key";
    case constraint_kind::unique: return "strata::constraint_kind::unique";
    case constraint_kind::foreign_key: return "strata::constraint_kind::foreign_key";
    case constraint_kind::check: return "strata::constraint_kind::check";
  }
  return "strata::constraint_kind::check";
}

inline std::string column_text(const column& c) {
  std::string out = "strata::column(" + literal(c.name) + ", " + type(c.type) + ")";
  if (c.is_primary_key) {
    out += ".primary_key()";
    if (c.nullable) out += ".null()";
  } else if (!c.nullable) {
    out += ".not_null()";
  }
  if (c.autoincrement) out += ".auto_increment()";
  if (c.is_unique) out += ".unique()";
  if (c.default_sql) out += ".server_default(" + literal(*c.default_sql) + ")";
  if (c.foreign_key)
    out += ".references(" + literal(c.foreign_key->table) + ", " + literal(c.foreign_key->column) +
           actions(c.foreign_key->on_delete, c.foreign_key->on_update) + ")";
  if (c.check_sql) out += ".check(" + literal(*c.check_sql) + ")";
  if (c.generated_sql)
    out += ".generated(" + literal(*c.generated_sql) + (c.generated_storage == generated_kind::stored ? ", strata::stored)" : ")");
  return out;
}

inline std::string constraint_text(const constraint& k) {
  // An unnamed constraint is written without a name where the function has that form.
  const auto named = k.name.empty() ? std::string() : literal(k.name) + ", ";
  switch (k.kind) {
    case constraint_kind::primary_key: return "strata::primary_key(" + named + names(k.columns) + ")";
    case constraint_kind::unique: return "strata::unique(" + named + names(k.columns) + ")";
    case constraint_kind::check: return "strata::check(" + named + literal(k.check_sql) + ")";
    case constraint_kind::foreign_key:
      return "strata::foreign_key(" + literal(k.name) + ", " + names(k.columns) + ", " + literal(k.referenced_table) + ", " +
             names(k.referenced_columns) + actions(k.on_delete, k.on_update) + ")";
  }
  return {};
}

// The designated initializers of an aggregate, in declaration order: {.a = x, .b = y}; "" when none.
class initializer {
 public:
  initializer& set(std::string_view field, const std::string& value) {
    text_ += (text_.empty() ? "{." : ", .") + std::string(field) + " = " + value;
    return *this;
  }
  [[nodiscard]] std::string str() const { return text_.empty() ? std::string() : text_ + "}"; }

 private:
  std::string text_;
};

inline std::string change_text(const column_change& c) {
  initializer out;
  if (c.type) out.set("type", type(*c.type));
  if (c.nullable) out.set("nullable", *c.nullable ? "true" : "false");
  if (c.server_default) out.set("server_default", literal(*c.server_default));
  if (c.drop_default) out.set("drop_default", "true");
  if (c.using_sql) out.set("using_sql", literal(*c.using_sql));
  const auto text = out.str();
  return text.empty() ? "{}" : text;
}

inline std::string convention_text(const naming_convention& n) {
  initializer out;
  if (!n.primary_key.empty()) out.set("primary_key", literal(n.primary_key));
  if (!n.unique.empty()) out.set("unique", literal(n.unique));
  if (!n.check.empty()) out.set("check", literal(n.check));
  if (!n.foreign_key.empty()) out.set("foreign_key", literal(n.foreign_key));
  const auto text = out.str();
  return text.empty() ? "{}" : text;
}

// The naming convention an operation was recorded under, if it carries one.
inline const naming_convention* naming_of(const operation& o) {
  return strata::visit(
      [](const auto& x) -> const naming_convention* {
        if constexpr (requires { x.naming; }) return &x.naming;
        else return nullptr;
      },
      o);
}

}  // namespace detail::source

// One operation as the statement that records it, without indentation or newline; a statement that
// spans lines continues them with `indent` + two spaces. `op.run` holds a C++ function, which cannot
// be written back: it comes out as a comment saying so.
inline std::string cpp_statement(const operation& o, std::string_view indent = {}) {
  namespace s = detail::source;
  const auto L = [](std::string_view v) { return s::literal(v); };
  return strata::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, op::create_table>) {
          std::string out = "op.create_table(" + L(x.table) + ",\n" + std::string(indent) + "                {";
          const auto next = ",\n" + std::string(indent) + "                 ";
          bool first = true;
          for (const auto& c : x.columns) out += (std::exchange(first, false) ? "" : next) + s::column_text(c);
          for (const auto& k : x.constraints) out += (std::exchange(first, false) ? "" : next) + s::constraint_text(k);
          return out + "});";
        } else if constexpr (std::is_same_v<T, op::drop_table>) {
          return "op.drop_table(" + L(x.table) + ");";
        } else if constexpr (std::is_same_v<T, op::rename_table>) {
          return "op.rename_table(" + L(x.table) + ", " + L(x.new_name) + ");";
        } else if constexpr (std::is_same_v<T, op::add_column>) {
          s::initializer placement;
          if (!x.placement.insert_before.empty()) placement.set("insert_before", L(x.placement.insert_before));
          if (!x.placement.insert_after.empty()) placement.set("insert_after", L(x.placement.insert_after));
          const auto p = placement.str();
          return "op.add_column(" + L(x.table) + ", " + s::column_text(x.definition) + (p.empty() ? "" : ", " + p) + ");";
        } else if constexpr (std::is_same_v<T, op::drop_column>) {
          return "op.drop_column(" + L(x.table) + ", " + L(x.column) + ");";
        } else if constexpr (std::is_same_v<T, op::rename_column>) {
          return "op.rename_column(" + L(x.table) + ", " + L(x.column) + ", " + L(x.new_name) + ");";
        } else if constexpr (std::is_same_v<T, op::alter_column>) {
          return "op.alter_column(" + L(x.table) + ", " + L(x.column) + ", " + s::change_text(x.change) + ");";
        } else if constexpr (std::is_same_v<T, op::add_constraint>) {
          return "op.add_constraint(" + L(x.table) + ", " + s::constraint_text(x.definition) + ");";
        } else if constexpr (std::is_same_v<T, op::drop_constraint>) {
          if (!x.name.empty()) return "op.drop_constraint(" + L(x.table) + ", " + L(x.name) + ");";
          return "op.drop_constraint(" + L(x.table) + ", " + s::kind(x.kind) + ", " + s::names(x.columns) + ");";
        } else if constexpr (std::is_same_v<T, op::create_index>) {
          s::initializer options;
          if (x.options.unique) options.set("unique", "true");
          if (!x.options.where.empty()) options.set("where", L(x.options.where));
          if (x.options.concurrently) options.set("concurrently", "true");
          const auto o2 = options.str();
          return "op.create_index(" + L(x.name) + ", " + L(x.table) + ", " + s::names(x.columns) + (o2.empty() ? "" : ", " + o2) + ");";
        } else if constexpr (std::is_same_v<T, op::drop_index>) {
          return "op.drop_index(" + L(x.name) + (x.table.empty() ? "" : ", " + L(x.table)) + ");";
        } else if constexpr (std::is_same_v<T, op::execute>) {
          return "op.execute(" + L(x.sql) + ");";
        } else if constexpr (std::is_same_v<T, op::backfill>) {
          return "op.backfill(" + L(x.table) + ", " + L(x.set) + ", " + L(x.where) + ", " + std::to_string(x.batch_rows) + ");";
        } else {
          return "// op.run(" + (x.description.empty() ? std::string("a data migration") : s::comment(x.description)) +
                 "): C++ code, which cannot be written back; write it again here";
        }
      },
      o);
}

// A line of review attached to an operation: "drops column 'stocks.name' and its data".
struct reviewed_operation {
  const operation* what = nullptr;
  std::string review{};  // empty: nothing to review
};

// The body of upgrade() or downgrade(): one statement a line, each indented by `indent`, a review
// note written above its operation as a comment, and `op.use_naming_convention(...)` wherever the
// operations' naming convention changes (from none).
inline std::string cpp_body(std::span<const reviewed_operation> operations, std::string_view indent = "    ") {
  std::string out;
  naming_convention in_force{};
  for (const auto& [o, review] : operations) {
    if (const auto* n = detail::source::naming_of(*o); n != nullptr && !(*n == in_force)) {
      out += std::string(indent) + "op.use_naming_convention(" + detail::source::convention_text(*n) + ");\n";
      in_force = *n;
    }
    if (!review.empty()) out += std::string(indent) + "// REVIEW: " + detail::source::comment(review) + "\n";
    out += std::string(indent) + cpp_statement(*o, indent) + "\n";
  }
  return out;
}

inline std::string cpp_body(const std::vector<operation>& operations, std::string_view indent = "    ") {
  std::vector<reviewed_operation> all;
  all.reserve(operations.size());
  for (const auto& o : operations) all.push_back({&o, {}});
  return cpp_body(all, indent);
}

}  // namespace strata
