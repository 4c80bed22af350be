// strata::database_object and strata::progress: what a dialect tells the front ends beyond migrating,
// the objects a live database holds (for validate and reset) and how far long work has got.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <strata/migrator.hpp>

namespace strata {

// One object of a live database's schema.
struct database_object {
  std::string type;                  // "table", "index", "view", "trigger" (a dialect may add its own kinds)
  std::string name;
  std::string table;                 // the table an index or trigger belongs to; empty otherwise
  std::vector<std::string> columns;  // a table's columns in order; empty otherwise
  friend bool operator==(const database_object&, const database_object&) = default;
};

// How far one piece of long work (a table rebuild) has got. `total` is 0 when unknown.
struct progress {
  std::string_view task;  // "rebuilding table 'stocks'"
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};

namespace detail {

// Tables ordered so that each comes before the tables it references, for dropping them:
// `references` holds (referencing, referenced) name pairs, compared with `same_name`. Among tables
// free to go, the earliest in the given order goes first; a cycle is broken the same way.
template <class SameName>
std::vector<database_object> children_first(std::vector<database_object> tables,
                                            const std::vector<std::pair<std::string, std::string>>& references, SameName same_name) {
  const auto n = tables.size();
  auto index = [&](const std::string& name) {
    for (std::size_t i = 0; i < n; ++i)
      if (same_name(tables[i].name, name)) return i;
    return n;
  };
  std::vector<std::vector<std::size_t>> parents(n);
  std::vector<std::size_t> children(n, 0);  // referencing tables not placed yet
  for (const auto& [child, parent] : references) {
    const auto c = index(child), p = index(parent);
    if (c == n || p == n || c == p || std::find(parents[c].begin(), parents[c].end(), p) != parents[c].end()) continue;
    parents[c].push_back(p);
    ++children[p];
  }
  std::vector<database_object> out;
  std::vector<bool> placed(n, false);
  while (out.size() < n) {
    std::size_t next = n;
    for (std::size_t i = 0; i < n && next == n; ++i)
      if (!placed[i] && children[i] == 0) next = i;
    for (std::size_t i = 0; i < n && next == n; ++i)  // a cycle
      if (!placed[i]) next = i;
    placed[next] = true;
    for (auto p : parents[next]) --children[p];
    out.push_back(std::move(tables[next]));
  }
  return out;
}

}  // namespace detail

// Inspectable: a Dialect that can list and drop the objects of its schema.
//
// A model provides, besides Dialect:
//   std::vector<database_object> objects();
//       // every table, index, view and trigger of the schema the connection migrates, the version
//       // table included, in an order in which they can be dropped (dependents first); objects the
//       // database manages itself (SQLite's sqlite_sequence and automatic indexes) are left out
//   void drop_objects(const std::vector<database_object>& objects);
//       // drops them, in the given order, in one transaction under the migration lock; on failure
//       // nothing is dropped and strata::operation_failed names the object
// Models: strata::sqlite, strata::postgresql.
template <class D>
concept Inspectable = Dialect<D> && requires(D& d, const std::vector<database_object>& objects) {
  { d.objects() } -> std::same_as<std::vector<database_object>>;
  d.drop_objects(objects);
};

// ReportsProgress: a Dialect that reports the progress of long work to a listener, which it calls
// from inside apply() (so on the migrating thread): at the start with done = 0, every so often,
// and at the end with done = total. No listener (the default) costs nothing.
template <class D>
concept ReportsProgress = Dialect<D> && requires(D& d, std::function<void(const progress&)> listener) {
  d.on_progress(std::move(listener));
};

}  // namespace strata
