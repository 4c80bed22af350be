// strata::detail::postgresql_inspect: a PostgreSQL schema read into a strata::owned_schema from
// pg_catalog (pg_class, pg_attribute, pg_constraint, pg_index).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <pqxx/pqxx>

#include <strata/detail/graph_check.hpp>
#include <strata/ops.hpp>
#include <strata/owned_schema.hpp>
#include <strata/schema.hpp>
#include <strata/types.hpp>

namespace strata::detail {

// format_type()'s name for a type strata declares maps back to it; anything else is a
// strata::sql_type holding that name.
inline column_type postgresql_column_type(owned_schema& s, std::string_view name) {
  static constexpr std::pair<std::string_view, type_kind> names[] = {
      {"integer", type_kind::integer}, {"bigint", type_kind::big_integer},  {"real", type_kind::real},
      {"double precision", type_kind::float_}, {"text", type_kind::text}, {"boolean", type_kind::boolean},
      {"date", type_kind::date},       {"timestamp without time zone", type_kind::datetime}, {"bytea", type_kind::blob}};
  for (const auto& [type_name, kind] : names)
    if (name == type_name) return {kind};
  constexpr std::string_view varying = "character varying(";
  if (name.starts_with(varying) && name.ends_with(")") && name.size() > varying.size() + 1) {
    const auto digits = name.substr(varying.size(), name.size() - varying.size() - 1);
    if (digits.size() <= 9 && digits.find_first_not_of("0123456789") == std::string_view::npos)
      return varchar(static_cast<std::uint32_t>(std::stoul(std::string(digits))));
  }
  return sql_type(s.keep(name));
}

inline referential_action postgresql_action(std::string_view code) {
  if (code == "r") return referential_action::restrict;
  if (code == "c") return referential_action::cascade;
  if (code == "n") return referential_action::set_null;
  if (code == "d") return referential_action::set_default;
  return referential_action::no_action;
}

// The tables of one schema (the version table too; partitions left out), their columns with type,
// NOT NULL, default and whether a sequence feeds them (SERIAL, IDENTITY: autoincrement, and then no
// default), primary keys, unique constraints, foreign keys and CHECK constraints as named table
// constraints (a CHECK's text as pg_get_constraintdef shows it), and the indexes that back no
// constraint, with their columns (an expression as PostgreSQL prints it), uniqueness and predicate.
inline owned_schema postgresql_inspect(pqxx::transaction_base& t, const std::string& schema_name) {
  owned_schema out;
  auto& model = out.get();
  auto text = [&](const pqxx::field& f) { return out.keep(std::string_view(f.c_str(), f.size())); };
  // The rows come ordered by table: the last table found is the usual answer.
  std::size_t last_table = 0;
  auto table = [&](std::string_view name) -> table_schema* {
    if (last_table < model.tables.size() && model.tables[last_table].name == name) return &model.tables[last_table];
    for (last_table = 0; last_table < model.tables.size(); ++last_table)
      if (model.tables[last_table].name == name) return &model.tables[last_table];
    return nullptr;
  };

  for (const auto& r : t.exec_params(
           "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
           "a.attidentity <> '' OR pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) IS NOT NULL "
           "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
           "LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
           "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname, a.attnum",
           schema_name)) {
    auto* t_ = table(std::string_view(r[0].c_str(), r[0].size()));
    if (t_ == nullptr) {
      const auto name = text(r[0]);
      t_ = &model.tables.emplace_back(table_schema{name, hash_id(name), {}, {}});
    }
    if (r[1].is_null()) continue;  // a table without columns
    column c(text(r[1]), postgresql_column_type(out, r[2].c_str()));
    c.nullable = std::string_view(r[3].c_str()) != "t";
    c.autoincrement = std::string_view(r[5].c_str()) == "t";
    if (!r[4].is_null() && !c.autoincrement) c.default_sql = text(r[4]);
    t_->columns.push_back(c);
  }

  // One row per column of each constraint, in key order.
  std::string last;
  for (const auto& r : t.exec_params(
           "SELECT k.oid, c.relname, k.conname, k.contype, a.attname, rc.relname, ra.attname, k.confdeltype, k.confupdtype, "
           "CASE WHEN k.contype = 'c' THEN pg_get_constraintdef(k.oid, true) END "
           "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
           "LEFT JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, o) ON true "
           "LEFT JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum "
           "LEFT JOIN pg_class rc ON rc.oid = k.confrelid "
           "LEFT JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[u.o::int] "
           "WHERE n.nspname = $1 AND k.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
           "ORDER BY c.relname, k.conname, k.oid, u.o",
           schema_name)) {
    auto* owner = table(std::string_view(r[1].c_str(), r[1].size()));
    if (owner == nullptr) continue;
    const std::string_view type = r[3].c_str();
    if (std::string(r[0].c_str()) != last) {
      last = r[0].c_str();
      constraint k{.name = text(r[2])};
      if (type == "p") k.kind = constraint_kind::primary_key;
      else if (type == "u") k.kind = constraint_kind::unique;
      else if (type == "c") k.kind = constraint_kind::check;
      else k.kind = constraint_kind::foreign_key;
      if (type == "f") {
        k.referenced_table = text(r[5]);
        k.on_delete = postgresql_action(r[7].c_str());
        k.on_update = postgresql_action(r[8].c_str());
      }
      if (type == "c") {  // "CHECK ((price > 0))": the expression inside
        std::string_view definition(r[9].c_str(), r[9].size());
        if (definition.starts_with("CHECK (")) definition.remove_prefix(7);
        if (const auto close = definition.rfind(')'); close != std::string_view::npos) definition = definition.substr(0, close);
        k.check_sql = out.keep(definition);
      }
      owner->constraints.push_back(std::move(k));
    }
    auto& k = owner->constraints.back();
    if (k.kind == constraint_kind::check || r[4].is_null()) continue;
    k.columns.push_back(text(r[4]));
    if (type == "f" && !r[6].is_null()) k.referenced_columns.push_back(text(r[6]));
  }

  // One row per key column of each index, in order; INCLUDE columns left out.
  std::string index;
  for (const auto& r : t.exec_params(
           "SELECT i.relname, c.relname, x.indisunique, coalesce(pg_get_expr(x.indpred, x.indrelid, true), ''), "
           "CASE WHEN k.attnum = 0 THEN pg_get_indexdef(x.indexrelid, k.o::int, true) ELSE a.attname END "
           "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
           "JOIN pg_namespace n ON n.oid = i.relnamespace "
           "CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, o) "
           "LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
           "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT i.relispartition AND k.o <= x.indnkeyatts "
           "AND NOT EXISTS (SELECT 1 FROM pg_constraint b WHERE b.conindid = x.indexrelid AND b.contype IN ('p', 'u', 'x')) "
           "ORDER BY i.relname, k.o",
           schema_name)) {
    if (std::string(r[0].c_str()) != index) {
      index = r[0].c_str();
      const auto name = text(r[0]);
      const auto* owner = table(std::string_view(r[1].c_str(), r[1].size()));
      model.indexes.push_back(index_schema{name, hash_id(name), owner != nullptr ? owner->name : text(r[1]), {},
                                           index_options{.unique = std::string_view(r[2].c_str()) == "t", .where = text(r[3])}});
    }
    model.indexes.back().columns.push_back(text(r[4]));
  }
  return out;
}

}  // namespace strata::detail
