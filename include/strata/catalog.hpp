// strata::database_object and strata::progress: what a dialect tells the front ends beyond migrating,
// the objects a live database holds (for validate and reset) and how far long work has got.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
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
