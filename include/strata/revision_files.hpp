// strata::commands on the versions folder, the revision files of a project (the manage_db verbs that
// read or write files): validate with the folder compared to the history, the folder compared with a
// program's revisions (is it stale?), init, migrate, merge.
//
//   const auto report = strata::commands::validate(m, "db/versions", {.program = "manage_db"});
//   const auto written = strata::commands::migrate("db/versions", m.graph(), "add market cap");
#pragma once

#include <algorithm>
#include <optional>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <strata/commands.hpp>
#include <strata/detail/sql_identifiers.hpp>
#include <strata/detail/versions_folder.hpp>
#include <strata/diff.hpp>
#include <strata/errors.hpp>
#include <strata/graph.hpp>
#include <strata/migrator.hpp>
#include <strata/model.hpp>
#include <strata/revision_source.hpp>
#include <strata/schema.hpp>
#include <strata/schema_diff.hpp>

namespace strata::commands {

// ---- validate, with the versions folder --------------------------------------------------------------

struct validate_options {
  std::string program = "this program";  // what the revisions are built into, for the sentences: "manage_db"
};

// The versions folder compared with the revisions a program was built with: a program that lacks a
// revision of the folder (built before `migrate`) or has one the folder lacks is stale.
struct versions_folder_comparison {
  struct file_entry {
    std::string id;
    std::filesystem::path file;
  };
  check_state state = check_state::skipped;     // skipped: the folder does not exist (a deployed program)
  std::filesystem::path versions_dir;
  std::size_t revision_files = 0;
  std::vector<file_entry> not_in_program;       // revision files the program was not built with
  std::vector<std::string> not_in_folder;       // the program's revisions that have no file in the folder
  std::string unreadable;                       // why the folder could not be read, when it could not

  [[nodiscard]] bool stale() const { return !not_in_program.empty() || !not_in_folder.empty(); }
};

// Reads the folder's revision files and compares their ids with the history `g`.
inline versions_folder_comparison compare_versions_folder(const revision_graph& g, const std::filesystem::path& versions_dir) {
  versions_folder_comparison c;
  c.versions_dir = versions_dir;
  std::error_code ec;
  if (versions_dir.empty() || !std::filesystem::exists(versions_dir, ec)) return c;
  c.state = check_state::done;
  try {
    const strata::detail::versions_folder folder(versions_dir);
    c.revision_files = folder.revisions().size();
    for (const auto& f : folder.revisions())
      if (g.find(f.id) == g.size()) c.not_in_program.push_back({f.id, f.path});
    for (const auto& rev : g.revisions())
      if (folder.find(rev.id) == nullptr) c.not_in_folder.emplace_back(rev.id);
  } catch (const strata::error& e) {
    c.unreadable = e.what();
  }
  return c;
}

// Compares the folder's revision files with the history `g` into the report (folder, versions_dir,
// revision_files, folder_problems); a folder that does not exist is not checked.
inline void check_versions_folder(validation_report& r, const revision_graph& g, const std::filesystem::path& versions_dir,
                                  std::string_view program) {
  const auto c = compare_versions_folder(g, versions_dir);
  r.versions_dir = versions_dir.string();
  r.folder = c.state;
  r.revision_files = c.revision_files;
  if (!c.unreadable.empty()) r.folder_problems.push_back(c.unreadable);
  for (const auto& f : c.not_in_program)
    r.folder_problems.push_back("revision '" + f.id + "' (" + f.file.filename().string() + ") is in the versions folder but not in " +
                                std::string(program) + "; rebuild " + std::string(program));
  for (const auto& id : c.not_in_folder)
    r.folder_problems.push_back("revision '" + id + "' is in " + std::string(program) + " but has no file in " + versions_dir.string() +
                                "; restore its file, or point versions_dir at the right folder");
}

// validate(m), then the versions folder against the history.
template <Dialect D>
validation_report validate(migrator<D>& m, const std::filesystem::path& versions_dir, const validate_options& options = {}) {
  auto r = validate(m);
  check_versions_folder(r, m.graph(), versions_dir, options.program);
  return r;
}

// ---- autogenerate: the models against the history (or a live database) -------------------------------

// The schema at the history's head (replay()). Throws usage_error when the history has several heads
// (autogenerate would not know which one to follow), strata::replay_failed when a revision does not
// replay.
inline schema head_schema(const revision_graph& g) {
  if (g.heads().size() > 1) {
    std::vector<std::string> heads;
    for (auto h : g.heads()) heads.emplace_back(g[h].id);
    throw usage_error("the history has " + std::to_string(heads.size()) + " heads (" + detail::join(heads) +
                      "); merge them first with 'merge heads -m \"merge\"', then migrate");
  }
  return replay(g, g.heads());
}

// A live database's schema without the version table, which no model declares.
inline schema without_table(schema s, std::string_view table) {
  std::erase_if(s.tables, [&](const table_schema& t) { return t.name == table; });
  std::erase_if(s.indexes, [&](const index_schema& i) { return i.table == table; });
  return s;
}

namespace detail {

// Both there, and one expression as a database spells it back.
inline bool same_sql(std::optional<std::string_view> a, std::optional<std::string_view> b) {
  return a && b && strata::detail::sql::same_shape(*a, *b);
}

}  // namespace detail

// A live database's schema with what the models say the same way spelled as the models spell it:
// a DEFAULT, CHECK or index predicate the database gave back rewritten ('x'::character varying for
// 'x'), a type the models pass through as SQL, a constraint's name the database does not keep. Diffing
// the models against it then finds what differs in the database, not in the spelling.
inline schema spelled_as(schema live, const schema& models) {
  for (auto& t : live.tables) {
    const auto* m = models.find_table(t.name);
    if (m == nullptr) continue;
    for (auto& c : t.columns) {
      const auto* mc = m->find_column(c.name);
      if (mc == nullptr) continue;
      if (mc->type.kind == type_kind::custom) c.type = mc->type;
      if (detail::same_sql(c.default_sql, mc->default_sql)) c.default_sql = mc->default_sql;
      if (detail::same_sql(c.check_sql, mc->check_sql)) c.check_sql = mc->check_sql;
      if (detail::same_sql(c.generated_sql, mc->generated_sql)) c.generated_sql = mc->generated_sql;
    }
    // A table constraint the models write on a column (.primary_key(), .unique(), .check(),
    // .references()) goes onto that column; one they write as a table constraint takes their name.
    std::vector<std::string_view> model_key;
    for (const auto& c : m->columns)
      if (c.is_primary_key) model_key.push_back(c.name);
    const auto wanted = constraint_keys(*m);
    const auto live_keys = constraint_keys(t);  // the table constraints last, in their order
    const auto first_table_key = live_keys.size() - t.constraints.size();
    auto column_named = [&](std::string_view name) {
      return std::find_if(t.columns.begin(), t.columns.end(), [&](const column& c) { return c.name == name; });
    };
    std::vector<constraint> kept;
    for (std::size_t i = 0; i < t.constraints.size(); ++i) {
      auto& k = t.constraints[i];
      bool moved = false;
      if (k.kind == constraint_kind::primary_key && !model_key.empty() && k.columns == model_key) {
        for (auto& c : t.columns) c.is_primary_key = std::find(model_key.begin(), model_key.end(), c.name) != model_key.end();
        moved = true;
      }
      for (const auto& w : wanted) {
        if (moved) break;
        if (!same_constraint(live_keys[first_table_key + i], w, strata::detail::sql::same_shape)) continue;
        if (const auto c = column_named(w.on_column); !w.on_column.empty() && c != t.columns.end()) {
          if (k.kind == constraint_kind::unique) c->is_unique = true;
          else if (k.kind == constraint_kind::check) c->check_sql = w.check_sql;
          else if (k.kind == constraint_kind::foreign_key)
            c->foreign_key = foreign_key_target{w.referenced_table, w.referenced_columns.front(), w.on_delete, w.on_update};
          moved = true;
        } else {
          k.name = w.name;
          k.check_sql = w.check_sql;
        }
        break;
      }
      if (!moved) kept.push_back(std::move(k));
    }
    t.constraints = std::move(kept);
  }
  for (auto& i : live.indexes)
    if (const auto* w = models.find_index(i.name); w != nullptr && detail::same_sql(i.options.where, w->options.where)) i.options.where = w->options.where;
  return live;
}

// A revision's operations, found by strata::diff, and their C++.
struct generated_revision {
  migration_ops operations;
  strata::detail::revision_body body;
  std::vector<std::string> reviews;  // what each upgrade operation that may destroy data does

  [[nodiscard]] bool empty() const { return operations.empty(); }
};

namespace detail {

// Why an operation is marked for review: what it may destroy, in the schema before it.
inline std::string review_of(const operation& o, const schema& before) {
  if (const auto* d = strata::get_if<op::drop_table>(&o)) return "drops table '" + std::string(d->table) + "' and every row in it; check that this is intended";
  if (const auto* d = strata::get_if<op::drop_column>(&o))
    return "drops column '" + std::string(d->table) + "." + std::string(d->column) + "' and its data; if it was renamed, declare "
           ".renamed_from(\"" + std::string(d->column) + "\") on the new column in the models instead";
  if (const auto* a = strata::get_if<op::alter_column>(&o); a != nullptr && a->change.type) {
    const auto* t = before.find_table(a->table);
    const auto* c = t == nullptr ? nullptr : t->find_column(a->column);
    return "narrows '" + std::string(a->table) + "." + std::string(a->column) + "' from " + (c ? strata::detail::type_text(c->type) : std::string("its type")) +
           " to " + strata::detail::type_text(*a->change.type) + ": values that do not fit are cut or refused; add .using_sql if they need converting";
  }
  return "may destroy data: " + describe(o);
}

// The statement that fills a column's NULLs with its DEFAULT before the column becomes NOT NULL
// (which rows holding NULL would refuse), or "" when the alteration does not do that or the column has
// no DEFAULT to fill them with.
inline std::string fill_nulls_before(const operation& o, const schema& before) {
  const auto* a = strata::get_if<op::alter_column>(&o);
  if (a == nullptr || a->change.nullable != false) return {};
  const auto* t = before.find_table(a->table);
  const auto* c = t == nullptr ? nullptr : t->find_column(a->column);
  if (c == nullptr || !c->nullable) return {};
  std::optional<std::string_view> value = c->default_sql;
  if (a->change.server_default) value = a->change.server_default;
  else if (a->change.drop_default) value.reset();
  if (!value) return {};
  const auto column = strata::detail::sql::quote(a->column);
  return "UPDATE " + strata::detail::sql::quote(a->table) + " SET " + column + " = " + std::string(*value) + " WHERE " + column + " IS NULL";
}

// Why an operation that may fail on a table holding rows is marked for review, or "".
inline std::string review_rows_of(const operation& o, const schema& before) {
  if (const auto* a = strata::get_if<op::alter_column>(&o); a != nullptr && a->change.nullable == false) {
    const auto* t = before.find_table(a->table);
    const auto* c = t == nullptr ? nullptr : t->find_column(a->column);
    if (c != nullptr && c->nullable)
      return "makes '" + std::string(a->table) + "." + std::string(a->column) + "' NOT NULL, which rows holding NULL there refuse: fill them "
             "first with op.execute(\"UPDATE ...\"), or give the column a server_default in the models";
  }
  if (const auto* x = strata::get_if<op::add_column>(&o); x != nullptr && !x->definition.nullable && !x->definition.default_sql &&
                                                        !x->definition.generated_sql)
    return "adds '" + std::string(x->table) + "." + std::string(x->definition.name) + "' NOT NULL without a DEFAULT, which a table holding rows "
           "refuses: give it a server_default in the models, or add it nullable, fill it, then make it NOT NULL";
  return {};
}

// The C++ of the operations, recorded on `before`. With `reviews`, an operation that may destroy
// data or fail on rows gets a REVIEW comment (also added to `reviews`), and a column that becomes
// NOT NULL with a DEFAULT has its NULLs filled first.
inline std::string body_of(const ops& recorded, schema before, std::vector<std::string>* reviews) {
  std::vector<operation> fills;  // the UPDATEs written before their alter_column
  std::vector<std::string> fill_sql;
  fill_sql.reserve(recorded.size());
  fills.reserve(recorded.size());
  std::vector<reviewed_operation> written;
  for (const auto& o : recorded.operations()) {
    std::string review;
    if (reviews != nullptr) {
      if (destructive(o, before)) review = review_of(o, before);
      else if (auto fill = fill_nulls_before(o, before); !fill.empty()) {
        fill_sql.push_back(std::move(fill));
        fills.emplace_back(op::execute{fill_sql.back()});
        written.push_back({&fills.back(), {}});
      } else review = review_rows_of(o, before);
      if (!review.empty()) reviews->push_back(review);
    }
    written.push_back({&o, std::move(review)});
    if (reviews != nullptr) before.apply(o);   // only the reviews read it
  }
  return cpp_body(written);
}

}  // namespace detail

// The revision that takes the schema `from` to the models `to`: strata::diff's operations, written as
// C++ with a review comment above each upgrade operation that may destroy data.
inline generated_revision generate(const schema& from, const model& to) {
  generated_revision g{diff(from, to), {}, {}};
  if (g.empty()) return g;
  g.body.upgrade = detail::body_of(g.operations.upgrade, from, &g.reviews);
  g.body.downgrade = detail::body_of(g.operations.downgrade, to.schema(), nullptr);
  return g;
}

// What `check` reports: how the models differ from the history at its head (empty: in sync).
inline std::vector<schema_difference> check(const model& models, const revision_graph& g) {
  return differences(models.schema(), head_schema(g), difference_options::strata_text());
}

// ---- init, migrate, merge: revision files -------------------------------------------------------------------

struct written_revision {
  std::filesystem::path file;
  std::string id;
  std::vector<std::string> down_revisions;  // empty: a base revision
  std::filesystem::path list_file;          // the folder's history.hpp, which now lists it
};

struct initialized_folder {
  std::filesystem::path list_file;  // the folder's history.hpp
  bool created = false;             // false: it was there already, and is left as it was
  std::size_t revisions = 0;        // the revision files it lists
};

// Sets up a versions folder: creates it when missing, and writes its history.hpp (an empty history,
// `strata::history<>`, for a new project, so that it builds before its first revision; or the list
// of the revision files already there). An existing history.hpp is left alone.
inline initialized_folder init(const std::filesystem::path& versions_dir) {
  const auto list = versions_dir / strata::detail::versions_folder::list_file;
  std::error_code ec;
  if (std::filesystem::exists(list, ec)) return {list, false, strata::detail::versions_folder(versions_dir).revisions().size()};
  std::filesystem::create_directories(versions_dir, ec);
  if (ec)
    throw configuration_error("cannot create the versions folder '" + versions_dir.string() + "' (" + ec.message() +
                              "); check versions_dir in the configuration");
  const strata::detail::versions_folder folder(versions_dir);
  folder.write_list();
  return {list, true, folder.revisions().size()};
}

// Writes a revision whose down revisions are the folder's heads, with a fresh id that neither the
// folder nor the history `g` uses, and regenerates the folder's history.hpp. The revision's
// upgrade() and downgrade() hold `body` (strata::cpp_body); empty: they are empty.
inline written_revision migrate(const std::filesystem::path& versions_dir, const revision_graph& g, std::string_view message,
                                const strata::detail::revision_body& body = {}) {
  strata::detail::versions_folder folder(versions_dir);
  auto downs = folder.heads();
  const auto id = folder.new_id(detail::revision_ids(g));
  auto file = folder.write_revision(id, downs, message, body);
  return {std::move(file), id, std::move(downs), folder.path() / strata::detail::versions_folder::list_file};
}

// Writes a merge revision whose down revisions are the given ones (ids or unique prefixes of the
// folder's revisions, or "heads"). Throws commands::usage_error unless they are two or more.
inline written_revision merge(const std::filesystem::path& versions_dir, const revision_graph& g, const std::vector<std::string>& revisions,
                              std::string_view message) {
  strata::detail::versions_folder folder(versions_dir);
  std::vector<std::string> downs;
  for (const auto& r : revisions)
    for (auto& id : folder.resolve(r))
      if (std::find(downs.begin(), downs.end(), id) == downs.end()) downs.push_back(std::move(id));
  if (downs.size() < 2)
    throw usage_error("merge needs two or more different revisions to merge (got " + (downs.empty() ? std::string("none") : detail::join(downs)) +
                      "); name them, or write 'heads'");
  const auto id = folder.new_id(detail::revision_ids(g));
  auto file = folder.write_revision(id, downs, message);
  return {std::move(file), id, std::move(downs), folder.path() / strata::detail::versions_folder::list_file};
}

}  // namespace strata::commands
