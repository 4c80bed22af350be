// strata::transaction_mode and strata::transaction_groups: which revisions of an upgrade or a
// downgrade share a transaction.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

namespace strata {

// How the revisions of one upgrade or downgrade are committed (migrator_options::transactions,
// manage_db --tx-mode, tx_mode in strata.ini):
//   revision  each revision in a transaction of its own (Flyway's default): a failure keeps the
//             revisions before it, and each commit releases what the revision locked
//   all       every pending revision in one transaction (Atlas's --tx-mode all, Flyway's group,
//             Alembic's env.py default): all or nothing, one commit
// A revision declared non-transactional runs alone, outside a transaction, in both.
enum class transaction_mode { revision, all };

constexpr std::string_view to_string(transaction_mode mode) { return mode == transaction_mode::all ? "all" : "revision"; }
inline std::ostream& operator<<(std::ostream& out, transaction_mode mode) { return out << to_string(mode); }

// "revision" or "all"; nullopt for anything else.
constexpr std::optional<transaction_mode> transaction_mode_named(std::string_view name) {
  if (name == "revision") return transaction_mode::revision;
  if (name == "all") return transaction_mode::all;
  return std::nullopt;
}

// A run of consecutive revisions of a plan that commit together: positions [begin, end) of the plan.
struct transaction_group {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool transactional = true;  // false: one non-transactional revision, run outside a transaction
  friend bool operator==(const transaction_group&, const transaction_group&) = default;
};

// The groups a plan of `count` revisions (in the order they run) commits in: in revision mode one
// each; in all mode the transactional revisions between two non-transactional ones form one group,
// and each non-transactional revision is a group of its own, run alone. `transactional(k)` says
// whether the plan's k-th revision is. The migrator runs these groups; offline SQL (upgrade --sql)
// writes BEGIN / COMMIT around the same ones.
template <class Transactional>
std::vector<transaction_group> transaction_groups(std::size_t count, transaction_mode mode, Transactional&& transactional) {
  std::vector<transaction_group> groups;
  for (std::size_t k = 0; k < count; ++k) {
    const bool t = transactional(k);
    if (mode == transaction_mode::all && t && !groups.empty() && groups.back().transactional) ++groups.back().end;
    else groups.push_back({k, k + 1, t});
  }
  return groups;
}

}  // namespace strata
