// strata::detail::run_backfill: an op::backfill's batches, the same loop on every database; the
// dialect says how a statement runs and what a batch's transaction is.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <strata/dialect.hpp>
#include <strata/ops.hpp>
#include <strata/render.hpp>

namespace strata::detail {

// How a dialect runs a backfill's statements (each with its $n parameters, as text).
struct backfill_session {
  // The first field of the first row; none when it is NULL.
  std::function<std::optional<std::string>(const std::string& sql, const std::vector<std::string>& params)> value;
  // Runs an UPDATE; the rows it changed.
  std::function<std::uint64_t(const std::string& sql, const std::vector<std::string>& params)> update;
  // Runs f in one batch's transaction (its own, committed, or the one already open).
  std::function<void(const std::function<void()>& f)> batch;
  // Inside that transaction, after the batch's UPDATE: the last key it reached.
  std::function<void(std::string_view last_key)> reached;
  // Rows done of the total, as the batches commit (may be empty).
  std::function<void(const progress&)> progress;
};

// "backfilling table 'stocks'"
inline std::string backfill_task(const op::backfill& x) { return "backfilling table '" + std::string(x.table) + "'"; }

// The batches of x on the primary key column `key`, after `last` (a resumed run) or from the first
// row, until no row is left: each batch the next batch_rows rows in key order that `where` selects,
// updated by one range UPDATE (key > last AND key <= the batch's last key). Rows inserted meanwhile
// beyond the last key are picked up by the next batch; the loop ends when none is left.
// Returns the rows updated.
template <class Sql>
std::uint64_t run_backfill(const op::backfill& x, std::string_view key, std::optional<std::string> last, const backfill_session& s,
                           const render_options& options) {
  const auto started = std::chrono::steady_clock::now();
  const auto task = backfill_task(x);
  auto sql = Sql::backfill_batches(x, key, last.has_value(), options);
  const auto after = [&] { return last ? std::vector<std::string>{*last} : std::vector<std::string>{}; };
  std::uint64_t total = 0, done = 0;
  const auto report = [&] {
    if (s.progress) s.progress(strata::progress{task, done, total, std::chrono::steady_clock::now() - started});
  };
  if (s.progress) {
    total = std::stoull(s.value(sql.count, after()).value_or("0"));
    report();
  }
  for (;;) {
    std::optional<std::string> next;
    std::uint64_t changed = 0;
    s.batch([&] {
      next = s.value(sql.keyed, after());
      if (!next) return;
      auto params = after();
      params.push_back(*next);
      changed = s.update(sql.update, params);
      if (s.reached) s.reached(*next);
    });
    if (!next) break;
    if (!last) sql = Sql::backfill_batches(x, key, true, options);
    last = std::move(next);
    done += changed;
    total = std::max(total, done);
    report();
  }
  total = done;  // rows deleted meanwhile were counted but not updated
  report();
  return done;
}

// What a dialect says of a table it cannot batch on: `key_columns` its primary key's columns.
inline std::string backfill_key_problem(const op::backfill& x, const std::vector<std::string>& key_columns) {
  std::string has = "no primary key";
  if (key_columns.size() > 1) {
    has = "a primary key of " + std::to_string(key_columns.size()) + " columns (";
    for (std::size_t i = 0; i < key_columns.size(); ++i) has += (i == 0 ? "" : ", ") + key_columns[i];
    has += ")";
  }
  return "a backfill runs in batches keyed on its table's primary key, and table '" + std::string(x.table) + "' has " + has +
         ", so nothing was changed; give the table a primary key of one column, or update its rows with op.execute(\"UPDATE ...\")";
}

}  // namespace strata::detail
