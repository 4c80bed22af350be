// strata::cli::main: the manage_db command line (Alembic's commands) for one history, on CLI11.
//
//   int main(int argc, char** argv) { return strata::cli::main<migrations::history, strata::sqlite>(argc, argv); }
//
// The configuration comes from strata.ini, DATABASE_URL and .env (see <strata/config.hpp>); the
// URL's scheme picks the dialect among those listed. Exit status: 0 success, 1 failure, 2 usage.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <strata/dialect.hpp>
#include <strata/config.hpp>
#include <strata/detail/versions_folder.hpp>
#include <strata/errors.hpp>
#include <strata/graph.hpp>
#include <strata/history.hpp>
#include <strata/migrator.hpp>
#include <strata/schema.hpp>
#include <strata/url.hpp>

namespace strata::cli {

inline constexpr int exit_success = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

namespace detail {

// A command line that cannot be carried out as written (exit status 2).
class usage_error : public strata::error {
 public:
  using error::error;
};

inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

template <class Range>
std::string json_list(const Range& items) {
  std::string out = "[";
  for (const auto& i : items) out += (out.size() > 1 ? ", " : "") + json_string(i);
  return out + "]";
}

inline bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Prints a rebuild's progress on one terminal line of stderr, at most ten times a second.
class progress_line {
 public:
  void operator()(const progress& p) {
    const auto now = std::chrono::steady_clock::now();
    const bool last = p.total != 0 && p.done >= p.total;
    if (!last && p.done != 0 && now - shown_ < std::chrono::milliseconds(100)) return;
    shown_ = now;
    std::string line = "\r  " + std::string(p.task) + ": ";
    if (p.total != 0)
      line += std::to_string(p.done * 100 / p.total) + "% (" + std::to_string(p.done) + " of " + std::to_string(p.total) + " rows)";
    else
      line += std::to_string(p.done) + " rows";
    std::fputs(line.c_str(), stderr);
    std::fputs(last ? "\n" : "\x1b[K", stderr);
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point shown_{};
};

// The command line for one history and its dialects.
template <History H, Dialect... Ds>
class application {
 public:
  application(std::ostream& out, std::ostream& err) : out_(out), err_(err), graph_(H::revisions) {}

  int run(int argc, const char* const* argv) {
    program_ = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "manage_db";
    CLI::App app{"Database migrations: create revisions, upgrade, downgrade and inspect the database.", program_};
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("-c,--config", config_file_, "The configuration file (default: $STRATA_CONFIG, else ./strata.ini)");
    app.add_option("--url", url_, "The database URL, overriding DATABASE_URL and the configuration file");

    auto* migrate = app.add_subcommand("migrate", "Write a new revision into the versions folder (down revision: the current heads)");
    migrate->add_option("message", message_, "What the revision does")->required();
    migrate->add_flag("--no-autogenerate", no_autogenerate_, "Write an empty revision (autogenerate is not available yet, so it always is)");
    auto* upgrade = app.add_subcommand("upgrade", "Apply revisions up to a target");
    upgrade->add_option("target", target_, "head (the default), heads, a revision id or prefix, or +N");
    auto* downgrade = app.add_subcommand("downgrade", "Revert revisions down to a target");
    downgrade->add_option("target", target_, "A revision id or prefix (which stays applied), base, or -N");
    auto* stamp = app.add_subcommand("stamp", "Set the version table to a target without running any migration");
    stamp->add_option("target", target_, "head, heads, base, or a revision id or prefix");
    auto* current = app.add_subcommand("current", "Show the database's current revision(s)");
    auto* heads = app.add_subcommand("heads", "Show the history's head revision(s)");
    auto* history = app.add_subcommand("history", "List the revisions in dependency order, marking current, heads, branch and merge points");
    history->add_flag("-v,--verbose", verbose_, "Show every revision in full, with its operations");
    auto* show = app.add_subcommand("show", "Show one revision in full, with its operations");
    show->add_option("revision", target_, "A revision id or prefix, or head");
    auto* status = app.add_subcommand("status", "Show current revision(s), heads, pending revisions and whether an upgrade is needed");
    auto* validate = app.add_subcommand("validate", "Check the version table, the schema objects the history expects, and the versions folder");
    auto* merge = app.add_subcommand("merge", "Write a merge revision whose down revisions are the given ones");
    merge->add_option("-m,--message", message_, "What the merge is")->required();
    merge->add_option("revisions", revisions_, "Two or more revision ids or prefixes, or heads")->required()->expected(1, -1);
    auto* reset = app.add_subcommand("reset", "Drop every table, index, view and trigger, and the version table");
    reset->add_flag("--confirm", confirm_, "Really drop them (without it, reset only lists them)");
    for (auto* sub : {current, heads, history, status}) sub->add_flag("--json", json_, "Print JSON for scripts");

    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {
      return app.exit(e, out_, err_);
    } catch (const CLI::ParseError& e) {
      std::string what = e.what();
      if (app.get_subcommands().empty()) {
        const std::string commands = "migrate, upgrade, downgrade, stamp, current, heads, history, show, status, validate, merge or reset";
        std::string word;  // the first argument that is neither an option nor an option's value
        for (int i = 1; i < argc && word.empty(); ++i) {
          const std::string_view a = argv[i];
          if (a == "-c" || a == "--config" || a == "--url") ++i;
          else if (!a.starts_with('-')) word = a;
        }
        if (!word.empty())
          what = "'" + word + "' is not a command; name one of " + commands;
        else if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr)
          what = "name a command: " + commands;
      }
      err_ << program_ << ": " << (what.empty() ? "the command line cannot be read" : what) << "; see '" << program_
           << " --help'\n";
      return exit_usage;
    }

    try {
      // Checked here rather than by CLI11, for a message that says what the target can be.
      if (*downgrade && target_.empty())
        throw usage_error("downgrade needs a target: a revision id or prefix (which stays applied), 'base', or -N such as -1");
      if (*stamp && target_.empty())
        throw usage_error("stamp needs a target: 'head', 'heads', 'base', or a revision id or prefix");
      if (*show && target_.empty()) throw usage_error("show needs a revision: an id or prefix, or 'head'");
      if (*migrate) return do_migrate();
      if (*merge) return do_merge();
      if (*heads) return do_heads();
      if (*show) return do_show();
      if (*upgrade) return with_database([&](auto& m) { return do_move(m, direction::upgrade); });
      if (*downgrade) return with_database([&](auto& m) { return do_move(m, direction::downgrade); });
      if (*stamp) return with_database([&](auto& m) { return do_stamp(m); });
      if (*current) return with_database([&](auto& m) { return do_current(m); });
      if (*history) return with_database([&](auto& m) { return do_history(m); });
      if (*status) return with_database([&](auto& m) { return do_status(m); });
      if (*validate) return with_database([&](auto& m) { return do_validate(m); });
      if (*reset) return with_database([&](auto& m) { return do_reset(m); });
      return exit_usage;
    } catch (const usage_error& e) {
      err_ << program_ << ": " << e.what() << "\n";
      return exit_usage;
    } catch (const strata::error& e) {
      err_ << program_ << ": " << e.what() << "\n";
      return exit_failure;
    } catch (const std::exception& e) {
      err_ << program_ << ": unexpected error from a library strata uses (" << e.what()
           << "); nothing more is known about it, so please report it with the command that caused it\n";
      return exit_failure;
    }
  }

 private:
  // ---- configuration and connection

  const configuration& config(bool require_url = true) {
    if (!config_ || (require_url && config_->url.empty()))
      config_ = load_configuration({.file = config_file_, .env_file = ".env", .url_override = url_, .require_url = require_url});
    return *config_;
  }

  template <class F>
  int with_database(F&& f) {
    const auto& c = config();
    const auto scheme = database_url::parse(c.url).scheme;
    std::optional<int> result;
    auto try_one = [&]<class D>() {
      if (result || !handles_scheme<D>(scheme)) return;
      std::optional<strata::migrator<D>> m;
      try {
        try {
          m.emplace(H{}, migrator_options{c.version_table}, c.url);
        } catch (const database_unavailable&) {
          // Only once the dialect has accepted the URL: what its location lacks is made (a SQLite
          // file's folder), and it is opened again.
          if constexpr (PreparesLocation<D>) {
            if (!D::prepare_location(c.url)) throw;
            m.emplace(H{}, migrator_options{c.version_table}, c.url);
          } else {
            throw;
          }
        }
      } catch (const malformed_url& e) {
        throw malformed_url(c.url_source + ": " + e.what());
      }
      if constexpr (ReportsProgress<D>)
        if (::isatty(STDERR_FILENO)) m->dialect().on_progress(progress_line{});
      result = f(*m);
    };
    (try_one.template operator()<Ds>(), ...);
    if (!result) {
      std::string known;
      ((known += (known.empty() ? "" : ", ") + std::string(Ds::name) + "://"), ...);
      throw malformed_url(c.url_source + ": the URL's scheme '" + scheme + "' is not one " + program_ +
                          " was built for; use one of " + known);
    }
    return *result;
  }

  // ---- how revisions read

  std::string id_list(const std::vector<std::string>& ids) const {
    if (ids.empty()) return "base";
    std::string s;
    for (const auto& id : ids) s += (s.empty() ? "" : ", ") + id + (is_head(id) ? " (head)" : "");
    return s;
  }

  static std::string downs_of(const revision_info& r) {
    if (r.down_revisions.empty()) return "base";
    std::string s;
    for (auto d : r.down_revisions) s += (s.empty() ? "" : ", ") + std::string(d);
    return s;
  }

  bool is_head(std::string_view id) const {
    const auto heads = graph_.heads();
    return std::any_of(heads.begin(), heads.end(), [&](std::size_t h) { return graph_[h].id == id; });
  }

  std::size_t children(std::size_t i) const {
    std::size_t n = 0;
    for (std::size_t j = 0; j < graph_.size(); ++j) n += static_cast<std::size_t>(std::count(graph_.downs(j).begin(), graph_.downs(j).end(), i));
    return n;
  }

  // The revisions the version rows stand for, known ones only.
  std::vector<bool> applied_set(const std::vector<std::string>& rows) const {
    std::vector<std::size_t> known;
    for (const auto& r : rows)
      if (auto i = graph_.find(r); i < graph_.size()) known.push_back(i);
    return graph_.ancestors(known);
  }

  template <class M>
  void announce(M& m) {
    m.on_event([this](const migration_event& e) {
      const auto& r = *e.revision;
      if (e.what == migration_event::kind::skipped)
        out_ << "Skipping " << (e.way == direction::upgrade ? "upgrade" : "downgrade") << " of " << r.id
             << ": another process has already done it\n"
             << std::flush;
      if (e.what != migration_event::kind::starting) return;
      if (e.way == direction::upgrade)
        out_ << "Running upgrade " << downs_of(r) << " -> " << r.id << ", " << r.message << "\n" << std::flush;
      else
        out_ << "Running downgrade " << r.id << " -> " << downs_of(r) << ", " << r.message << "\n" << std::flush;
    });
  }

  // ---- commands that change the database

  template <class M>
  int do_move(M& m, direction way) {
    announce(m);
    const bool up = way == direction::upgrade;
    const auto done = up ? m.upgrade(target_.empty() ? "head" : target_) : m.downgrade(target_);
    const auto now = m.current();
    if (done.empty())
      out_ << "Nothing to " << (up ? "upgrade" : "downgrade") << ": the database is at " << id_list(now) << ".\n";
    else
      out_ << (up ? "Upgraded " : "Downgraded ") << count(done.size(), "revision") << "; the database is at " << id_list(now)
           << ".\n";
    return exit_success;
  }

  template <class M>
  int do_stamp(M& m) {
    const auto before = m.current();
    m.stamp(target_);
    out_ << "Stamped the database at " << id_list(m.current()) << " (it was at " << id_list(before)
         << "); no migration ran.\n";
    return exit_success;
  }

  template <class M>
  int do_reset(M& m) {
    using D = std::remove_reference_t<decltype(m.dialect())>;
    if constexpr (!Inspectable<D>) {
      throw strata::error("the " + std::string(D::name) + " dialect cannot list the objects of its schema, so " + program_ +
                          " cannot reset it; drop them with the database's own tools");
    } else {
      const auto at = m.current();
      const auto objects = m.dialect().objects();
      const auto where = m.dialect().location() + " (at " + id_list(at) + ")";
      if (objects.empty()) {
        out_ << "The database " << where << " has no tables, indexes, views or triggers; nothing to reset.\n";
        return exit_success;
      }
      out_ << (confirm_ ? "Dropping " : "Would drop ") << count(objects.size(), "object") << " of " << where << ":\n";
      for (const auto& o : objects)
        out_ << "  " << o.type << " " << o.name << (o.table.empty() || o.table == o.name ? "" : " (on " + o.table + ")") << "\n";
      if (!confirm_) {
        out_ << std::flush;
        err_ << program_ << ": reset dropped nothing; run '" << program_ << " reset --confirm' to drop the "
             << count(objects.size(), "object") << " listed and every row in them\n";
        return exit_failure;
      }
      m.dialect().drop_objects(objects, m.options().version_table);
      out_ << "Dropped " << count(objects.size(), "object") << "; the database is empty (at base).\n";
      return exit_success;
    }
  }

  // ---- commands that read the database

  template <class M>
  int do_current(M& m) {
    const auto rows = m.current();
    if (json_) {
      out_ << "{\"current\": " << json_list(rows) << "}\n";
      return exit_success;
    }
    if (rows.empty()) out_ << "base\n";
    for (const auto& r : rows) {
      const auto i = graph_.find(r);
      out_ << r << (is_head(r) ? " (head)" : "")
           << (i < graph_.size() ? ", " + std::string(graph_[i].message) : " (not in this history)") << "\n";
    }
    return exit_success;
  }

  template <class M>
  int do_status(M& m) {
    const auto rows = m.current();
    const auto pending = m.pending(graph_.heads().size() == 1 ? "head" : "heads");
    std::vector<std::string> heads;
    for (auto h : graph_.heads()) heads.emplace_back(graph_[h].id);
    if (json_) {
      out_ << "{\"url\": " << json_string(m.dialect().location()) << ", \"version_table\": " << json_string(m.options().version_table)
           << ", \"current\": " << json_list(rows) << ", \"heads\": " << json_list(heads) << ", \"pending\": [";
      for (std::size_t i = 0; i < pending.size(); ++i)
        out_ << (i ? ", " : "") << "{\"id\": " << json_string(pending[i])
             << ", \"message\": " << json_string(m.revision(pending[i]).message) << "}";
      out_ << "], \"needs_upgrade\": " << (pending.empty() ? "false" : "true") << "}\n";
      return exit_success;
    }
    out_ << "Database:       " << m.dialect().location() << "\n"
         << "Version table:  " << m.options().version_table << "\n"
         << "Current:        " << id_list(rows) << "\n"
         << "Head" << (heads.size() == 1 ? ":           " : "s:          ") << join(heads) << "\n"
         << "Pending:        " << count(pending.size(), "revision") << "\n";
    for (const auto& p : pending) out_ << "  " << p << "  " << m.revision(p).message << "\n";
    if (pending.empty())
      out_ << "Up to date: no upgrade needed.\n";
    else
      out_ << "Upgrade needed: run '" << program_ << " upgrade'.\n";
    return exit_success;
  }

  template <class M>
  int do_history(M& m) {
    const auto rows = m.current();
    const auto applied = applied_set(rows);
    auto is_current = [&](std::string_view id) { return std::find(rows.begin(), rows.end(), id) != rows.end(); };
    if (json_) {
      out_ << "{\"revisions\": [";
      for (std::size_t i = 0; i < graph_.size(); ++i) {
        const auto& r = graph_[i];
        std::vector<std::string> downs(r.down_revisions.begin(), r.down_revisions.end());
        out_ << (i ? ", " : "") << "{\"id\": " << json_string(r.id) << ", \"down_revisions\": " << json_list(downs)
             << ", \"message\": " << json_string(r.message) << ", \"head\": " << bool_text(is_head(r.id))
             << ", \"current\": " << bool_text(is_current(r.id)) << ", \"applied\": " << bool_text(applied[i])
             << ", \"branch_point\": " << bool_text(children(i) > 1) << ", \"merge_point\": " << bool_text(r.is_merge()) << "}";
      }
      out_ << "]}\n";
      return exit_success;
    }
    for (std::size_t i = 0; i < graph_.size(); ++i) {
      if (verbose_) {
        show_revision(i, is_current(graph_[i].id));
        continue;
      }
      const auto& r = graph_[i];
      out_ << downs_of(r) << " -> " << r.id << markers(i, is_current(r.id)) << ", " << r.message << "\n";
    }
    return exit_success;
  }

  template <class M>
  int do_validate(M& m) {
    using D = std::remove_reference_t<decltype(m.dialect())>;
    std::vector<std::string> problems;
    const auto rows = m.current();
    std::vector<std::size_t> known;
    for (const auto& r : rows) {
      const auto i = graph_.find(r);
      if (i == graph_.size())
        problems.push_back("the version table '" + m.options().version_table + "' holds revision '" + r +
                           "', which is not in this history; deploy the code that has it, or stamp the database at the revision it is really at");
      else
        known.push_back(i);
    }
    for (auto a : known)
      for (auto b : known)
        if (a != b && graph_.ancestors(std::vector<std::size_t>{a})[b])
          problems.push_back("the version table holds both '" + std::string(graph_[a].id) + "' and its ancestor '" +
                             std::string(graph_[b].id) + "'; stamp the database at the revision it is really at");
    if (problems.empty()) out_ << "Version table:   ok, at " << id_list(rows) << "\n";

    if constexpr (Inspectable<D>) {
      if (problems.empty()) {
        const auto before = problems.size();
        const auto [tables, indexes] = check_schema(m.dialect().objects(), known, problems);
        if (problems.size() == before)
          out_ << "Schema:          ok, the " << count(tables, "table") << " and " << count(indexes, "index")
               << " that the applied revisions create exist\n";
      }
    } else {
      out_ << "Schema:          not checked (the " << D::name << " dialect cannot list its objects)\n";
    }
    check_folder(problems);

    if (problems.empty()) {
      out_ << "Valid.\n";
      return exit_success;
    }
    out_ << std::flush;
    for (const auto& p : problems) err_ << program_ << ": " << p << "\n";
    return exit_failure;
  }

  std::pair<std::size_t, std::size_t> check_schema(const std::vector<database_object>& objects, const std::vector<std::size_t>& rows,
                                                   std::vector<std::string>& problems) const {
    schema expected;
    const auto applied = graph_.ancestors(rows);
    for (std::size_t i = 0; i < graph_.size(); ++i) {
      if (!applied[i]) continue;
      try {
        expected.apply(graph_[i].record_upgrade());
      } catch (const std::logic_error& e) {
        problems.push_back("revision '" + std::string(graph_[i].id) + "' does not replay onto the revisions before it (" + e.what() +
                           "); fix the revision");
        return {0, 0};
      }
    }
    auto find = [&](std::string_view type, std::string_view name) -> const database_object* {
      for (const auto& o : objects)
        if (o.type == type && same_name(o.name, name)) return &o;
      return nullptr;
    };
    for (const auto& t : expected.tables) {
      const auto* live = find("table", t.name);
      if (live == nullptr) {
        problems.push_back("table '" + std::string(t.name) + "' is missing, though the applied revisions create it; restore it, "
                           "or stamp the database at the revision it is really at");
        continue;
      }
      for (const auto& c : t.columns)
        if (std::none_of(live->columns.begin(), live->columns.end(), [&](const std::string& n) { return same_name(n, c.name); }))
          problems.push_back("column '" + std::string(t.name) + "." + std::string(c.name) +
                             "' is missing, though the applied revisions create it; restore it, or stamp the database at the revision it is really at");
    }
    for (const auto& i : expected.indexes)
      if (find("index", i.name) == nullptr)
        problems.push_back("index '" + std::string(i.name) + "' is missing, though the applied revisions create it; restore it, "
                           "or stamp the database at the revision it is really at");
    return {expected.tables.size(), expected.indexes.size()};
  }

  void check_folder(std::vector<std::string>& problems) {
    const auto& dir = config().versions_dir;
    if (!std::filesystem::exists(dir)) {
      out_ << "Versions folder: not checked (" << dir.string() << " does not exist)\n";
      return;
    }
    try {
      const strata::detail::versions_folder folder(dir);
      const auto before = problems.size();
      for (const auto& f : folder.revisions())
        if (graph_.find(f.id) == graph_.size())
          problems.push_back("revision '" + f.id + "' (" + f.path.filename().string() + ") is in the versions folder but not in this " +
                             program_ + "; rebuild " + program_);
      for (const auto& r : graph_.revisions())
        if (folder.find(r.id) == nullptr)
          problems.push_back("revision '" + std::string(r.id) + "' is in this " + program_ + " but has no file in " + dir.string() +
                             "; restore its file, or point versions_dir at the right folder");
      if (problems.size() == before)
        out_ << "Versions folder: ok, " << folder.revisions().size() << " revision files, the same as this " << program_ << "\n";
    } catch (const strata::error& e) {
      problems.emplace_back(e.what());
    }
  }

  // ---- commands that need no database

  int do_heads() {
    std::vector<std::string> heads;
    for (auto h : graph_.heads()) heads.emplace_back(graph_[h].id);
    if (json_) {
      out_ << "{\"heads\": " << json_list(heads) << "}\n";
      return exit_success;
    }
    for (auto h : graph_.heads()) out_ << graph_[h].id << " (head), " << graph_[h].message << "\n";
    return exit_success;
  }

  int do_show() {
    std::size_t i = 0;
    if (target_ == "head") {
      if (graph_.heads().size() != 1) throw multiple_heads("the history has several heads; name one of them");
      i = graph_.heads().front();
    } else {
      i = graph_.resolve(target_);
    }
    show_revision(i, false);
    return exit_success;
  }

  void show_revision(std::size_t i, bool current) {
    const auto& r = graph_[i];
    out_ << "Rev: " << r.id << markers(i, current) << "\n"
         << "Parent: " << downs_of(r) << "\n";
    std::string branches;
    for (std::size_t j = 0; j < graph_.size(); ++j)
      for (auto d : graph_.downs(j))
        if (d == i) branches += (branches.empty() ? "" : ", ") + std::string(graph_[j].id);
    if (!branches.empty()) out_ << (children(i) > 1 ? "Branches into: " : "Next: ") << branches << "\n";
    out_ << "Transactional: " << (r.transactional ? "yes" : "no") << "\n\n"
         << "    " << r.message << "\n\n";
    auto list = [&](const char* title, const ops& recorded) {
      out_ << "  " << title << ":\n";
      if (recorded.operations().empty()) out_ << "    (nothing)\n";
      for (const auto& o : recorded.operations()) out_ << "    " << describe(o) << "\n";
    };
    list("upgrade", r.record_upgrade());
    list("downgrade", r.record_downgrade());
    out_ << "\n";
  }

  std::string markers(std::size_t i, bool current) const {
    std::string s;
    if (is_head(graph_[i].id)) s += " (head)";
    if (current) s += " (current)";
    if (children(i) > 1) s += " (branchpoint)";
    if (graph_[i].is_merge()) s += " (mergepoint)";
    return s;
  }

  static const char* bool_text(bool b) { return b ? "true" : "false"; }

  static std::string count(std::size_t n, std::string_view noun) {
    return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : noun.ends_with('x') ? "es" : "s");
  }

  // ---- writing revision files

  int do_migrate() {
    strata::detail::versions_folder folder(config(false).versions_dir);
    const auto downs = folder.heads();
    const auto id = folder.new_id(ids());
    const auto path = folder.write_revision(id, downs, message_);
    if (!no_autogenerate_)
      err_ << program_ << ": autogenerate is not available yet, so the revision is empty; write its upgrade() and downgrade()\n";
    out_ << "Generated " << path.string() << "\n"
         << "Revision " << id << " (down revision " << (downs.empty() ? std::string("base") : join(downs)) << "). Rebuild "
         << program_ << " to include it: " << (folder.path() / strata::detail::versions_folder::list_file).string()
         << " lists it.\n";
    return exit_success;
  }

  int do_merge() {
    strata::detail::versions_folder folder(config(false).versions_dir);
    std::vector<std::string> downs;
    for (const auto& r : revisions_)
      for (auto& id : folder.resolve(r))
        if (std::find(downs.begin(), downs.end(), id) == downs.end()) downs.push_back(std::move(id));
    if (downs.size() < 2)
      throw usage_error("merge needs two or more different revisions to merge (got " + (downs.empty() ? std::string("none") : join(downs)) +
                        "); name them, or write 'heads'");
    const auto id = folder.new_id(ids());
    const auto path = folder.write_revision(id, downs, message_);
    out_ << "Generated " << path.string() << "\n"
         << "Merge revision " << id << " (down revisions " << join(downs) << "). Rebuild " << program_ << " to include it.\n";
    return exit_success;
  }

  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& r : graph_.revisions()) out.emplace_back(r.id);
    return out;
  }

  static std::string join(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
    return s;
  }

  std::ostream& out_;
  std::ostream& err_;
  revision_graph graph_;
  std::string program_;
  std::optional<configuration> config_;
  std::string config_file_, url_, message_, target_;
  std::vector<std::string> revisions_;
  bool no_autogenerate_ = false, verbose_ = false, json_ = false, confirm_ = false;
};

}  // namespace detail

// Runs the command line: parses argv, reads the configuration, runs one command. Never throws.
template <History H, Dialect... Ds>
  requires(sizeof...(Ds) > 0)
int main(int argc, const char* const* argv, std::ostream& out = std::cout, std::ostream& err = std::cerr) noexcept {
  try {
    return detail::application<H, Ds...>(out, err).run(argc, argv);
  } catch (const std::exception& e) {
    err << "strata: " << e.what() << "\n";
    return exit_failure;
  }
}

template <History H, Dialect... Ds>
  requires(sizeof...(Ds) > 0)
int main(int argc, char** argv) noexcept {
  return main<H, Ds...>(argc, const_cast<const char* const*>(argv));
}

}  // namespace strata::cli
