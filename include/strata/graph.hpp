// strata::revision_graph: run-time queries over a history's revisions (lookup, ancestry, heads).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <strata/errors.hpp>
#include <strata/history.hpp>

namespace strata {

class revision_graph {
 public:
  explicit revision_graph(std::span<const revision_info> revisions) : revisions_(revisions), downs_(revisions.size()) {
    for (std::size_t i = 0; i < revisions_.size(); ++i) by_id_.emplace(revisions_[i].id, i);
    std::vector<bool> followed(revisions_.size(), false);
    for (std::size_t i = 0; i < revisions_.size(); ++i)
      for (auto d : revisions_[i].down_revisions)
        if (auto j = find(d); j < revisions_.size()) {
          downs_[i].push_back(j);
          followed[j] = true;
        }
    for (std::size_t i = 0; i < revisions_.size(); ++i)
      if (!followed[i]) heads_.push_back(i);
  }

  [[nodiscard]] std::size_t size() const { return revisions_.size(); }
  [[nodiscard]] const revision_info& operator[](std::size_t i) const { return revisions_[i]; }
  [[nodiscard]] std::span<const revision_info> revisions() const { return revisions_; }
  [[nodiscard]] const std::vector<std::size_t>& heads() const { return heads_; }
  [[nodiscard]] const std::vector<std::size_t>& downs(std::size_t i) const { return downs_[i]; }

  // Index of the revision with exactly this id, or size().
  [[nodiscard]] std::size_t find(std::string_view id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? revisions_.size() : it->second;
  }

  // An exact id or a unique prefix of one.
  [[nodiscard]] std::size_t resolve(std::string_view id_or_prefix) const {
    if (auto i = find(id_or_prefix); i < size()) return i;
    std::vector<std::size_t> matches;
    if (!id_or_prefix.empty())
      for (std::size_t i = 0; i < size(); ++i)
        if (revisions_[i].id.starts_with(id_or_prefix)) matches.push_back(i);
    if (matches.size() == 1) return matches.front();
    if (matches.empty())
      throw revision_not_found(std::string(id_or_prefix),
                               "no revision '" + std::string(id_or_prefix) +
                                   "' in the history; use one of its revision ids (or a unique prefix of one), 'head' or 'base'");
    std::string which;
    for (auto i : matches) which += (which.empty() ? "'" : ", '") + std::string(revisions_[i].id) + "'";
    throw ambiguous_revision("revision prefix '" + std::string(id_or_prefix) + "' matches " + which +
                             "; give more characters of the id");
  }

  // The revisions at or below the given ones (a revision is applied when it is an ancestor of,
  // or equal to, a row of the version table).
  [[nodiscard]] std::vector<bool> ancestors(const std::vector<std::size_t>& tips) const {
    std::vector<bool> mark(size(), false);
    for (auto t : tips) mark[t] = true;
    for (std::size_t i = size(); i-- > 0;)
      if (mark[i])
        for (auto d : downs_[i]) mark[d] = true;
    return mark;
  }

  // The revisions at or above the given one.
  [[nodiscard]] std::vector<bool> descendants(std::size_t root) const {
    std::vector<bool> mark(size(), false);
    mark[root] = true;
    for (std::size_t i = root + 1; i < size(); ++i)
      for (auto d : downs_[i])
        if (mark[d]) mark[i] = true;
    return mark;
  }

 private:
  std::span<const revision_info> revisions_;
  std::unordered_map<std::string_view, std::size_t> by_id_;
  std::vector<std::vector<std::size_t>> downs_;
  std::vector<std::size_t> heads_;
};

}  // namespace strata
