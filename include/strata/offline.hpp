// strata::offline: the SQL script an upgrade or downgrade would run, written without a database (manage_db upgrade --sql).
//
//   const auto s = strata::offline::script<strata::sqlite, strata::postgresql>(history::revisions, url,
//                                                                              strata::direction::upgrade, "base:head");
//   std::cout << s.text;
//
// The script is what the migrator runs, because it is the migrator that runs: a migrator<D> over
// detail::offline_dialect<D>, a Dialect that connects to nothing. It starts at the version rows the
// range names, renders each revision's operations with D::sql against the schema the history's
// replay gives at that point (SQLite's table rebuilds planned from it, as sqlite_plan plans them
// from a live table), and frames the units of work as D's transaction() does (D::sql::frame_unit).
// So the revisions, their order and their grouping into transactions are the online run's: a change
// to how the migrator groups them changes the script with it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <strata/commands.hpp>
#include <strata/detail/sql_identifiers.hpp>
#include <strata/dialect.hpp>
#include <strata/errors.hpp>
#include <strata/graph.hpp>
#include <strata/history.hpp>
#include <strata/migrator.hpp>
#include <strata/ops.hpp>
#include <strata/render.hpp>
#include <strata/schema.hpp>
#include <strata/url.hpp>

namespace strata {

// A revision whose operations cannot be written as SQL (a data migration in C++, op.run): no
// script is given for a range that holds it.
class not_renderable : public error {
 public:
  using error::error;
};

namespace offline {

// What script() returns.
struct sql_script {
  std::string dialect;                 // the name of the dialect the URL's scheme chose
  std::vector<std::string> from;       // the version rows the script starts at; empty at base
  std::vector<std::string> revisions;  // the revisions it upgrades or downgrades, in order
  std::string text;                    // the script: statements ending with ';', comments starting with "--"
};

// "[from:]to" split: `from` is empty when the range has no ':'.
struct range {
  std::string from;
  std::string to;
};

// Reads an offline range as Alembic writes it. An upgrade without `from` starts at base (Alembic's
// offline mode never connects, so it cannot start at the database's revision); a downgrade needs
// both ends.
inline range parse_range(direction way, std::string_view text) {
  const auto colon = text.find(':');
  range r;
  if (colon == std::string_view::npos) {
    if (way == direction::downgrade)
      throw commands::usage_error("downgrade --sql needs the revision to start from and the target, as from:to (for example head:base), "
                                  "since the script is written without reading the database");
    r.from = "base";
    r.to = text.empty() ? "head" : std::string(text);
    return r;
  }
  r.from = std::string(text.substr(0, colon));
  r.to = std::string(text.substr(colon + 1));
  if (r.from.empty() || r.to.empty() || r.to.find(':') != std::string::npos)
    throw commands::usage_error("'" + std::string(text) + "' is not a range; write from:to with a revision id or prefix, base, head or heads "
                                "on each side (for example base:head, or " + std::string(way == direction::upgrade ? "3b1f:head" : "head:base") +
                                ")");
  return r;
}

// The version rows `from` stands for: none for base, the heads for heads, else one revision.
inline std::vector<std::string> rows_of(const revision_graph& g, std::string_view from) {
  std::vector<std::string> rows;
  if (from == "base") return rows;
  if (from == "head" || from == "heads") {
    if (from == "head" && g.heads().size() > 1) {
      std::string which;
      for (auto h : g.heads()) which += (which.empty() ? "'" : ", '") + std::string(g[h].id) + "'";
      throw multiple_heads("cannot start from 'head': the history has several heads (" + which + "); start from 'heads' or name one");
    }
    for (auto h : g.heads()) rows.emplace_back(g[h].id);
    std::sort(rows.begin(), rows.end());
    return rows;
  }
  rows.emplace_back(g[g.resolve(from)].id);
  return rows;
}

// "base" or the down revisions, as "Running upgrade <downs> -> <id>" names them.
inline std::string downs_text(const revision_info& r) {
  if (r.down_revisions.empty()) return "base";
  std::string s;
  for (auto d : r.down_revisions) s += (s.empty() ? "" : ", ") + std::string(d);
  return s;
}

}  // namespace offline

namespace detail {

// A Dialect over no database: its version rows are those it was given, then those written; what it
// would run is appended to a script. D gives its SQL (D::sql), its name and its schemes only.
template <Dialect D>
class offline_dialect {
 public:
  using sql = typename D::sql;
  static constexpr std::string_view name = D::name;
  static constexpr const auto& schemes = D::schemes;

  offline_dialect(const revision_graph& graph, direction way, std::vector<std::string> rows, render_options options)
      : graph_(&graph), way_(way), rows_(std::move(rows)), options_(options) {
    std::sort(rows_.begin(), rows_.end());
    for (const auto& s : sql::script_prologue(options_)) statement(s);
  }

  [[nodiscard]] std::string location() const { return "an offline script (" + std::string(name) + ")"; }

  std::vector<std::string> read_versions(std::string_view) { return rows_; }

  // As the dialects do: the table created when missing (written once: it is there after that), its
  // rows replaced. Outside a unit's transaction, in one of its own.
  void write_versions(std::string_view table, const std::vector<std::string>& rows) {
    const auto frame = in_transaction_ ? unit_frame{} : sql::frame_unit({}, true);
    for (const auto& s : frame.before) statement(s);
    if (!version_table_written_) statement(sql::create_version_table(table, options_));
    version_table_written_ = true;
    const auto qualified = sql::qualified(options_, table);
    statement("DELETE FROM " + qualified);
    for (const auto& r : rows) statement("INSERT INTO " + qualified + " (version_num) VALUES (" + detail::sql::literal(r) + ")");
    for (const auto& s : frame.after) statement(s);
    rows_ = rows;
    std::sort(rows_.begin(), rows_.end());
  }

  void transaction(const unit_of_work& unit, const std::function<void()>& body) {
    const auto frame = sql::frame_unit(unit.operations, unit.transactional);
    text_ += "\n";
    for (const auto& s : frame.before) statement(s);
    in_transaction_ = frame.transaction;
    revision_ = unit.revision;
    body();
    in_transaction_ = false;
    for (const auto& s : frame.after) statement(s);
  }

  // The operations' statements, rendered against the schema they apply to: the history's replay at
  // the rows the script starts from, with the operations of the script's units applied to it since
  // (so that a downgrade's columns land where the database puts them, at the end).
  void apply(std::span<const operation> operations) {
    for (const auto& o : operations)
      if (strata::holds_alternative<op::run>(o))
        throw not_renderable(revision_named() + " runs C++ code in its " + std::string(to_string(way_)) + " (" + describe(o) +
                             "), which cannot be written as SQL, so no script was printed; run that " + std::string(to_string(way_)) +
                             " online (without --sql), or print the script of the revisions before or after it");
    if (!schema_) {
      std::vector<std::size_t> tips;
      for (const auto& r : rows_) tips.push_back(graph_->find(r));
      schema_ = commands::replay(*graph_, tips);
    }
    try {
      for (const auto& s : sql::render_revision(operations, *schema_, options_)) statement(s);
    } catch (const operation_failed& e) {  // not "rolled back", as the migrator would say of a run
      throw not_renderable(revision_named() + " cannot be written as " + std::string(name) + " SQL: its " + std::string(to_string(way_)) +
                           " at " + e.operation() + ": " + e.database_message() + ", so no script was printed");
    }
    // The schema keeps views of the operations' names: they stay here as long as it does.
    const auto& kept = kept_.emplace_back(operations.begin(), operations.end());
    try {
      for (const auto& o : kept) schema_->apply(o);
    } catch (const std::logic_error&) {
      schema_.reset();  // a downgrade that does not undo its upgrade: the replay at the rows then
    }
  }

  // A "-- " line (each line of text commented).
  void comment(std::string_view text) {
    for (std::size_t at = 0; at <= text.size();) {
      auto end = text.find('\n', at);
      if (end == std::string_view::npos) end = text.size();
      text_ += "-- " + std::string(text.substr(at, end - at)) + "\n";
      at = end + 1;
    }
  }

  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  // "revision 'id' (message)"
  [[nodiscard]] std::string revision_named() const {
    const auto i = graph_->find(revision_);
    return "revision '" + std::string(revision_) + "'" + (i < graph_->size() ? " (" + std::string((*graph_)[i].message) + ")" : std::string());
  }

  // A statement as written, ended with ';' (on a line of its own after a trailing "--" comment).
  void statement(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    if (s.empty()) return;
    text_ += std::string(s);
    if (s.back() != ';') {
      const auto last_line = s.substr(s.rfind('\n') == std::string_view::npos ? 0 : s.rfind('\n'));
      text_ += last_line.find("--") != std::string_view::npos ? "\n;" : ";";
    }
    text_ += "\n";
  }

  const revision_graph* graph_;
  direction way_;
  std::vector<std::string> rows_;
  render_options options_;
  std::string_view revision_;
  std::optional<schema> schema_;
  std::deque<std::vector<operation>> kept_;
  std::string text_;
  bool in_transaction_ = false;
  bool version_table_written_ = false;
};

}  // namespace detail

namespace offline {

// The script that upgrading (or downgrading) from `range`'s from to its to would run, for the
// first of Ds whose schemes hold the URL's scheme; nothing connects. Revisions, order, transactions
// and checks (targets, names the database would cut) are the migrator's. Throws
// commands::usage_error for a malformed range, strata::malformed_url for a URL none of Ds takes,
// strata::not_renderable for a revision with C++ code (op.run) in the range, and what the migrator
// throws for its targets.
template <Dialect... Ds>
  requires(sizeof...(Ds) > 0)
sql_script script(std::span<const revision_info> revisions, std::string_view url, direction way, std::string_view range_text,
                  const migrator_options& options = {}) {
  const auto parsed = database_url::parse(url);
  const auto r = parse_range(way, range_text);
  const revision_graph graph(revisions);
  render_options rendering{};
  for (const auto& [key, value] : parsed.query)
    if (key == "schema") rendering.schema = value;
  std::optional<sql_script> out;
  auto try_one = [&]<class D>() {
    if (out || !handles_scheme<D>(parsed.scheme)) return;
    sql_script s;
    s.dialect = std::string(D::name);
    s.from = rows_of(graph, r.from);
    migrator<detail::offline_dialect<D>> m(revisions, options, graph, way, s.from, rendering);
    m.on_event([&](const migration_event& e) {
      if (e.what != migration_event::kind::starting) return;
      const auto& rev = *e.revision;
      m.dialect().comment(e.way == direction::upgrade ? "Running upgrade " + downs_text(rev) + " -> " + std::string(rev.id) + ", " + std::string(rev.message)
                                                      : "Running downgrade " + std::string(rev.id) + " -> " + downs_text(rev) + ", " +
                                                            std::string(rev.message));
    });
    s.revisions = way == direction::upgrade ? m.upgrade(r.to) : m.downgrade(r.to);
    s.text = "-- strata: " + std::string(to_string(way)) + " " + r.from + ":" + r.to + " for " + s.dialect + ", " +
             (s.revisions.empty() ? std::string("nothing to run") : std::to_string(s.revisions.size()) + " revision(s)") +
             "; the version table is " + options.version_table + "\n" + m.dialect().text();
    out = std::move(s);
  };
  (try_one.template operator()<Ds>(), ...);
  if (!out) throw malformed_url(commands::detail::unknown_scheme<Ds...>(parsed.scheme));
  return std::move(*out);
}

}  // namespace offline

}  // namespace strata
