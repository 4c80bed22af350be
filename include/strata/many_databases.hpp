// strata::commands::upgrade_each: one upgrade over many databases (one per shard) or schemas (one per
// tenant), a bounded number at a time, each on a connection of its own, with a report per target.
//
//   const auto report = strata::commands::upgrade_each<strata::postgresql>(history::revisions, targets, {.jobs = 4});
//   for (const auto& t : report.targets) if (t.outcome == strata::commands::target_outcome::failed) ...
//
// manage_db's `upgrade --all-schemas`, `--schemas`, `--urls-from` and repeated `--url` are this.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <fnmatch.h>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <strata/commands.hpp>
#include <strata/dialect.hpp>
#include <strata/errors.hpp>
#include <strata/migrator.hpp>
#include <strata/url.hpp>

namespace strata::commands {

// One database or schema to upgrade.
struct upgrade_target {
  std::string name;    // how reports name it: a schema's name, a URL with its password masked; never a password
  std::string url;     // what opens it (commands::open)
  // A schema of that database (HasSchemas: use_schema), or empty for the database as the URL names it.
  // A worker upgrades the schemas of one URL one after another on one connection.
  std::string schema;
};

struct upgrade_each_options {
  std::string target = "head";  // as upgrade() takes it
  unsigned jobs = 4;            // how many targets are upgraded at once, each on its own connection (at least 1)
  // After a target fails: false (the default) starts no other, and those already running finish;
  // true goes on with the rest.
  bool keep_going = false;
  migrator_options migrator;
};

enum class target_outcome : std::uint8_t {
  upgraded,     // revisions ran
  up_to_date,   // nothing to run
  failed,       // it threw: `error` says what; the target is at `to` when it could be read
  not_started,  // an earlier failure stopped the run before its turn (upgrade_each_options::keep_going)
};

constexpr std::string_view to_string(target_outcome o) {
  switch (o) {
    case target_outcome::upgraded: return "upgraded";
    case target_outcome::up_to_date: return "up to date";
    case target_outcome::failed: return "failed";
    case target_outcome::not_started: return "not started";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, target_outcome o) { return out << to_string(o); }

// What happened to one target.
struct target_report {
  std::string name;
  target_outcome outcome = target_outcome::not_started;
  std::vector<revision_entry> from;     // the version rows before
  std::vector<revision_entry> to;       // after: for a failed target, where it stopped (empty and `to_known` false when unreadable)
  bool to_known = false;
  std::size_t applied = 0;              // revisions run
  std::chrono::milliseconds duration{};
  std::string error;                    // one line: the exception's sentence
};

struct upgrade_each_report {
  std::vector<target_report> targets;  // in the order given
  std::chrono::milliseconds duration{};
  unsigned jobs = 0;                   // connections used at most

  [[nodiscard]] std::size_t count(target_outcome o) const {
    return static_cast<std::size_t>(std::count_if(targets.begin(), targets.end(), [&](const auto& t) { return t.outcome == o; }));
  }
  [[nodiscard]] bool ok() const { return count(target_outcome::failed) == 0 && count(target_outcome::not_started) == 0; }
};

namespace detail {

// An exception's message on one line (a server's DETAIL and HINT lines joined with "; ").
inline std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (auto at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) text.replace(at, 1, "; ");
  return text;
}

// A worker's connection, kept from one schema of a database to the next.
template <Dialect... Ds>
struct kept_connection {
  std::optional<std::variant<migrator<Ds>...>> opened;
  std::string url;
};

// Upgrades one target on the worker's connection (a new one unless it is the next schema of the
// same database); never throws.
template <Dialect... Ds>
target_report upgrade_one(std::span<const revision_info> revisions, const upgrade_target& target, const upgrade_each_options& options,
                          kept_connection<Ds...>& kept) {
  target_report r;
  r.name = target.name;
  const auto started = std::chrono::steady_clock::now();
  try {
    if (!kept.opened || target.schema.empty() || kept.url != target.url) {
      kept.opened.reset();
      kept.opened.emplace(open<Ds...>(revisions, target.url, options.migrator));
      kept.url = target.url;
    }
    std::visit(
        [&](auto& m) {
          using D = std::remove_reference_t<decltype(m.dialect())>;
          if (!target.schema.empty()) {
            if constexpr (HasSchemas<D>)
              m.dialect().use_schema(target.schema);
            else
              throw error("the " + std::string(D::name) + " dialect has no schemas, so schema '" + target.schema + "' cannot be upgraded");
          }
          try {
            r.from = current(m);
            r.applied = m.upgrade(options.target).size();
            r.outcome = r.applied == 0 ? target_outcome::up_to_date : target_outcome::upgraded;
          } catch (const std::exception& e) {
            r.outcome = target_outcome::failed;
            r.error = one_line(dynamic_cast<const strata::error*>(&e) != nullptr
                                   ? std::string(e.what())
                                   : "unexpected error from a library strata uses (" + std::string(e.what()) + ")");
          }
          try {  // where it is now; a failed target too, when its connection still answers
            r.to = current(m);
            r.to_known = true;
          } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): `to_known` says it was not read
          }
        },
        *kept.opened);
  } catch (const std::exception& e) {  // it could not be opened
    r.outcome = target_outcome::failed;
    r.error = one_line(e.what());
  }
  if (r.outcome == target_outcome::failed || target.schema.empty()) kept.opened.reset();  // a failure's connection is not trusted again
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return r;
}

}  // namespace detail

// Upgrades each target with `options.jobs` threads, each with one connection at a time (of the
// first of Ds whose schemes hold its URL), kept from one schema of a database to the next. `done` is called once per target that ran, as it
// finishes, one call at a time (from the worker threads). Never throws for a target's failure: the
// report says which failed and why.
template <Dialect... Ds>
  requires(sizeof...(Ds) > 0)
upgrade_each_report upgrade_each(std::span<const revision_info> revisions, const std::vector<upgrade_target>& targets,
                                 const upgrade_each_options& options, const std::function<void(const target_report&)>& done = {}) {
  upgrade_each_report report;
  report.targets.resize(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) report.targets[i].name = targets[i].name;
  report.jobs = static_cast<unsigned>(std::min<std::size_t>(std::max(options.jobs, 1U), targets.size()));
  const auto started = std::chrono::steady_clock::now();
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex reporting;
  auto work = [&] {
    detail::kept_connection<Ds...> kept;
    for (std::size_t i = next++; i < targets.size() && !stop; i = next++) {
      auto r = detail::upgrade_one<Ds...>(revisions, targets[i], options, kept);
      if (r.outcome == target_outcome::failed && !options.keep_going) stop = true;
      const std::lock_guard lock(reporting);
      report.targets[i] = std::move(r);
      if (done) done(report.targets[i]);
    }
  };
  {
    std::vector<std::jthread> workers;
    for (unsigned j = 1; j < report.jobs; ++j) workers.emplace_back(work);
    work();
  }
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return report;
}

// The schemas among `available` that `patterns` name, in that order: each that matches one of them
// (shell patterns: * and ?, as fnmatch), and each pattern without * or ? that is in no list of
// `available` (it is created when upgraded). No patterns: every schema available.
inline std::vector<std::string> select_schemas(const std::vector<std::string>& available, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return available;
  std::vector<std::string> out;
  for (const auto& s : available)
    if (std::any_of(patterns.begin(), patterns.end(), [&](const auto& p) { return ::fnmatch(p.c_str(), s.c_str(), 0) == 0; })) out.push_back(s);
  for (const auto& p : patterns)
    if (p.find_first_of("*?[") == std::string::npos && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  return out;
}

}  // namespace strata::commands
