// strata::cli: the manage_db command line (Alembic's commands), on CLI11: it parses argv, calls
// strata::commands, and renders what they return as text or JSON.
//
//   int main(int argc, char** argv) { return strata::cli::main<migrations::history, strata::sqlite>(argc, argv); }
//
// or, with the command line compiled apart from the history (strata_add_manage_db() in CMake does it;
// see <strata/project.hpp>), so that a new revision recompiles only the small unit that sees it:
//
//   int main(int argc, char** argv) { return strata::cli::run<strata::sqlite>(argc, argv, manage_db_project()); }
//
// The configuration comes from strata.ini, DATABASE_URL and .env (see <strata/config.hpp>); the
// URL's scheme picks the dialect among those listed. Exit status: 0 success, 1 failure, 2 usage.
#pragma once

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <strata/commands.hpp>
#include <strata/config.hpp>
#include <strata/dialect.hpp>
#include <strata/errors.hpp>
#include <strata/graph.hpp>
#include <strata/history.hpp>
#include <strata/many_databases.hpp>
#include <strata/migrator.hpp>
#include <strata/model.hpp>
#include <strata/offline.hpp>
#include <strata/ops.hpp>
#include <strata/project.hpp>
#include <strata/revision_files.hpp>

namespace strata::cli {

inline constexpr int exit_success = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

namespace detail {
inline constexpr std::string_view empty_url =
    "--url is empty (an unset variable?); give the database URL, or leave --url out to use DATABASE_URL or strata.ini";
}  // namespace detail

namespace detail {

using commands::detail::join;

// A command line that cannot be carried out as written (exit status 2).
using usage_error = commands::usage_error;

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

// Prints long work's progress (a rebuild, a backfill) on one terminal line of stderr, at most ten
// times a second: "backfilling table 'stocks': 42% (420000 of 1000000 rows), 85000 rows/s, 7 s left".
class progress_line {
 public:
  void operator()(const progress& p) {
    const auto now = std::chrono::steady_clock::now();
    const bool last = p.total != 0 && p.done >= p.total;
    if (!last && p.done != 0 && now - shown_ < std::chrono::milliseconds(100)) return;
    shown_ = now;
    const auto line = "\r  " + text(p);
    std::fputs(line.c_str(), stderr);
    std::fputs(last ? "\n" : "\x1b[K", stderr);
    std::fflush(stderr);
  }

  // The line's text.
  static std::string text(const progress& p) {
    std::string line = std::string(p.task) + ": ";
    if (p.total != 0)
      line += std::to_string(p.done * 100 / p.total) + "% (" + std::to_string(p.done) + " of " + std::to_string(p.total) + " rows)";
    else
      line += std::to_string(p.done) + " rows";
    if (const auto rate = p.rate(); rate > 0) line += ", " + std::to_string(static_cast<std::uint64_t>(rate + 0.5)) + " rows/s";
    if (const auto left = p.remaining(); left && p.done < p.total) line += ", " + duration_text(*left) + " left";
    return line;
  }

 private:
  // "7 s", "3 min 05 s", "2 h 04 min"
  static std::string duration_text(std::chrono::seconds left) {
    const auto s = left.count();
    const auto two = [](long long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    if (s < 60) return std::to_string(s) + " s";
    if (s < 3600) return std::to_string(s / 60) + " min " + two(s % 60) + " s";
    return std::to_string(s / 3600) + " h " + two(s / 60 % 60) + " min";
  }

  std::chrono::steady_clock::time_point shown_{};
};

// The command line for one program's revisions and its dialects.
template <Dialect... Ds>
class application {
 public:
  application(const project& p, std::ostream& out, std::ostream& err) : out_(out), err_(err), project_(p), graph_(p.revisions) {}

  int run(int argc, const char* const* argv) {
    program_ = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "manage_db";
    CLI::App app{"Database migrations: create revisions, upgrade, downgrade and inspect the database.", program_};
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("-c,--config", config_file_, "The configuration file (default: $STRATA_CONFIG, else ./strata.ini)");
    app.add_option("--url", urls_, "The database URL, overriding DATABASE_URL and the configuration file "
                                                      "(upgrade: give it again for each database to upgrade)")
                           ->allow_extra_args(false);

    auto* init = app.add_subcommand("init", "Set up the versions folder: create it with an empty history.hpp, so that a new project builds before its first revision");
    auto* migrate = app.add_subcommand("migrate", "Write a new revision into the versions folder (down revision: the current heads)");
    migrate->add_option("message", positional_message_, "What the revision does (or -m)");
    migrate->add_option("-m,--message", message_, "What the revision does");
    migrate->add_flag("--no-autogenerate", no_autogenerate_, "Write an empty revision instead of one diffed from the models");
    migrate->add_flag("--empty", empty_, "Write the revision even when the models match (an empty one)");
    migrate->add_flag("--from-database", from_database_, "Diff the models against the live database's schema instead of the history at head");
    auto* check = app.add_subcommand("check", "Compare the models with the history at head: exit 0 when they match, 1 listing each difference");
    auto* upgrade = app.add_subcommand("upgrade", "Apply revisions up to a target");
    upgrade->add_option("target", target_, "head (the default), heads, a revision id or prefix, or +N");
    auto* downgrade = app.add_subcommand("downgrade", "Revert revisions down to a target");
    downgrade->add_option("target", target_, "A revision id or prefix (which stays applied), base, or -N");
    for (auto* sub : {upgrade, downgrade}) {
      sub->add_flag("--backup", backup_, "Back the database up first, when there is something to run (SQLite: a .bak file beside it; PostgreSQL: pg_dump)");
      sub->add_option("--backup-dir", backup_dir_, "The folder the backup goes in (default: beside a SQLite file, the working directory for pg_dump)");
      sub->add_flag("--sql", sql_, "Print the SQL script instead of running it, without connecting; the target is then from:to "
                                   "(upgrade: to alone starts at base)");
      sub->add_option("--tx-mode", tx_mode_, "revision: a transaction per revision (the default); all: one for all the pending revisions, "
                                             "all or nothing (tx_mode in strata.ini)")
          ->check(CLI::IsMember({"revision", "all"}));
    }
    upgrade->add_flag("--all-schemas", all_schemas_, "Upgrade each schema of the database, each with its own version table "
                                                      "(those that schemas in strata.ini names; default: every schema)");
    upgrade->add_option("--schemas", schemas_, "The schemas to upgrade, as names or shell patterns, comma-separated: --schemas 'tenant_*'")
        ->delimiter(',')
        ->allow_extra_args(false);
    upgrade->add_option("--urls-from", urls_from_, "A file of database URLs, one a line (# starts a comment): upgrade each");
    auto* jobs = upgrade->add_option("--jobs", jobs_, "How many databases or schemas are upgraded at once, each on its own connection "
                                                      "(default 4)")
                     ->check(CLI::Range(1, 64));
    upgrade->add_flag("--keep-going", keep_going_, "After a database or schema fails, upgrade the others still (default: start no other)");
    auto* stamp = app.add_subcommand("stamp", "Set the version table to a target without running any migration");
    stamp->add_option("target", target_, "head, heads, base, or a revision id or prefix");
    auto* current = app.add_subcommand("current", "Show the database's current revision(s)");
    auto* heads = app.add_subcommand("heads", "Show the history's head revision(s)");
    auto* history = app.add_subcommand("history", "List the revisions in dependency order, marking current, heads, branch and merge points");
    history->add_flag("-v,--verbose", verbose_, "Show every revision in full, with its operations");
    history->add_flag("--applied", applied_, "Show the database's history table: every upgrade, downgrade, stamp and repair that ran, with its outcome");
    auto* show = app.add_subcommand("show", "Show one revision in full, with its operations");
    show->add_option("revision", target_, "A revision id or prefix, or head");
    auto* status = app.add_subcommand("status", "Show current revision(s), heads, pending revisions and whether an upgrade is needed");
    auto* validate = app.add_subcommand("validate", "Check the version table, the schema objects the history expects, and the versions folder");
    auto* merge = app.add_subcommand("merge", "Write a merge revision whose down revisions are the given ones");
    merge->add_option("-m,--message", message_, "What the merge is")->required();
    merge->add_option("revisions", revisions_, "Two or more revision ids or prefixes, or heads")->required()->expected(1, -1);
    auto* reset = app.add_subcommand("reset", "Drop every table, index, view and trigger, and the version table");
    reset->add_flag("--confirm", confirm_, "Really drop them (without it, reset only lists them)");
    reset->add_flag("--force-protected", force_protected_, "Reset a database the configuration marks protected (protected = true, STRATA_PROTECTED=1)");
    auto* repair = app.add_subcommand("repair", "Accept the database as it is: record the current checksums of applied revisions that changed, "
                                                "and close the record of a revision left unfinished");
    for (auto* sub : {current, heads, history, status}) sub->add_flag("--json", json_, "Print JSON for scripts");

    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {
      return app.exit(e, out_, err_);
    } catch (const CLI::ParseError& e) {
      std::string what = e.what();
      for (int i = 1; i < argc; ++i)  // CLI11 takes no empty value after '='
        if (std::string_view(argv[i]) == "--url=") what = empty_url;
      if (what != empty_url && app.get_subcommands().empty()) {
        const std::string verbs = "init, migrate, check, upgrade, downgrade, stamp, current, heads, history, show, status, validate, merge, reset or repair";
        std::string word;  // the first argument that is neither an option nor an option's value
        for (int i = 1; i < argc && word.empty(); ++i) {
          const std::string_view a = argv[i];
          if (a == "-c" || a == "--config" || a == "--url") ++i;
          else if (!a.starts_with('-')) word = a;
        }
        if (!word.empty())
          what = "'" + word + "' is not a command; name one of " + verbs;
        else if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr)
          what = "name a command: " + verbs;
      }
      err_ << program_ << ": " << (what.empty() ? "the command line cannot be read" : what) << "; see '" << program_
           << " --help'\n";
      return exit_usage;
    }

    try {
      // An empty --url (an unset variable in a script) must not fall back to another database.
      for (const auto& u : urls_)
        if (strata::detail::trim(u).empty()) throw usage_error(std::string(empty_url));
      if (urls_.size() == 1) url_ = urls_.front();
      if (urls_.size() > 1 && !*upgrade)
        throw usage_error("only upgrade takes several --url; give " + std::string(app.get_subcommands().front()->get_name()) + " one database URL");
      const bool many = *upgrade && (all_schemas_ || !schemas_.empty() || !urls_from_.empty() || urls_.size() > 1);
      if (!many && (jobs->count() > 0 || keep_going_))
        throw usage_error(std::string(jobs->count() > 0 ? "--jobs" : "--keep-going") + " is for several databases or schemas; add --all-schemas, "
                          "--schemas, --urls-from or more --url, or leave it out");
      if (many && sql_) throw usage_error("--sql prints the script of one database; leave it out to upgrade several, or give one --url");
      if (many && backup_)
        throw usage_error("--backup backs up one database; back several up with the database's own tools, then upgrade them without --backup");
      if (!backup_dir_.empty() && !backup_) throw usage_error("--backup-dir names where --backup writes; add --backup, or leave --backup-dir out");
      if (sql_ && backup_) throw usage_error("--sql prints a script and touches no database, so there is nothing to back up; leave --backup out");
      // Checked here rather than by CLI11, for a message that says what the target can be.
      if (*downgrade && target_.empty() && !sql_)
        throw usage_error("downgrade needs a target: a revision id or prefix (which stays applied), 'base', or -N such as -1");
      if (*stamp && target_.empty())
        throw usage_error("stamp needs a target: 'head', 'heads', 'base', or a revision id or prefix");
      if (*show && target_.empty()) throw usage_error("show needs a revision: an id or prefix, or 'head'");
      if (*migrate) {
        if (!positional_message_.empty() && !message_.empty())
          throw usage_error("migrate takes one message, either as its argument or after -m; give only one");
        if (message_.empty()) message_ = positional_message_;
      }
      if ((*migrate || *merge) && message_.find_first_not_of(" \t\r\n") == std::string::npos)
        throw usage_error(std::string(*migrate ? "migrate" : "merge") + " needs a message saying what the revision does: " + program_ +
                          (*migrate ? " migrate \"add watchlist\"" : " merge -m \"merge branches\" heads"));
      if (*init) return do_init();
      if (*migrate) {
        if (no_autogenerate_ && from_database_) throw usage_error("--from-database diffs the models, which --no-autogenerate does not; give one of them");
        // --empty without models has nothing to diff: the empty revision, as --no-autogenerate.
        if (no_autogenerate_ || (empty_ && !from_database_ && project_.models == nullptr)) return write_revision({});
        const auto wanted = models();
        // A stale program would diff against a history that lacks the folder's newest revisions,
        // and write their changes a second time.
        refuse_if_stale(", so its history is not the folder's; ", ", then migrate again");
        if (from_database_) return with_database([&](auto& m) { return autogenerate_from_database(m, wanted); });
        return autogenerate(commands::head_schema(graph_), wanted,
                            graph_.heads().empty() ? std::string("the history (no revisions yet)") : "the history at " + head_name());
      }
      if (*check) return do_check();
      if (*merge) return do_merge();
      if (*heads) return do_heads();
      if (*show) return do_show();
      if ((*upgrade || *downgrade) && sql_) {
        refuse_if_stale(", so it prints no script; ", " and run it again");
        return do_script(*upgrade ? direction::upgrade : direction::downgrade);
      }
      if (*upgrade) {
        refuse_if_stale(", so it upgrades nothing; ", " and upgrade again");
        if (many) return do_upgrade_each();
        return with_database([&](auto& m) { return do_move(m, direction::upgrade); });
      }
      if (*downgrade) return with_database([&](auto& m) { return do_move(m, direction::downgrade); });
      if (*stamp) return with_database([&](auto& m) { return do_stamp(m); });
      // These say so when the program is stale, in one line on stderr, and go on.
      if (*current || *history || *status) {
        config();
        warn_if_stale();
      }
      if (*current) return with_database([&](auto& m) { return do_current(m); });
      if (*history && applied_) return with_database([&](auto& m) { return do_applied(m); });
      if (*history) return with_database([&](auto& m) { return do_history(m); });
      if (*status) return with_database([&](auto& m) { return do_status(m); });
      if (*validate) return with_database([&](auto& m) { return do_validate(m); });
      if (*reset) return with_database([&](auto& m) { return do_reset(m); });
      if (*repair) return with_database([&](auto& m) { return do_repair(m); });
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

  // What the migrator is told, online or writing a script: the version table, who runs it, and the
  // transaction mode (--tx-mode, else tx_mode in the configuration).
  migrator_options migrator_options_of(const configuration& c) const {
    migrator_options options{c.version_table, program_};
    if (auto mode = tx_mode_.empty() ? c.transactions : transaction_mode_named(tx_mode_)) options.transactions = *mode;
    return options;
  }

  // f(migrator<D>&) on the configuration's database, D the dialect among Ds its URL's scheme names.
  template <class F>
  int with_database(F&& f) {
    const auto& c = config();
    auto opened = [&] {
      try {
        return commands::open<Ds...>(project_.revisions, c.url, migrator_options_of(c));
      } catch (const malformed_url& e) {
        throw malformed_url(c.url_source + ": " + e.what());
      }
    }();
    return std::visit(
        [&](auto& m) {
          using D = std::remove_reference_t<decltype(m.dialect())>;
          if constexpr (ReportsProgress<D>)
            if (::isatty(STDERR_FILENO)) m.dialect().on_progress(progress_line{});
          return f(m);
        },
        opened);
  }

  // ---- a program built before the versions folder changed

  // The versions folder compared with this program's revisions (is it stale?), read once.
  const commands::versions_folder_comparison& folder() {
    if (!folder_) folder_ = commands::compare_versions_folder(graph_, config(false).versions_dir);
    return *folder_;
  }

  // "this manage_db is stale: it lacks revision 'ab12' (ab12_x.hpp) of /app/migrations", or "" when
  // its revisions are the folder's (or there is no folder to compare with, as where it is deployed).
  std::string stale_sentence() {
    const auto& c = folder();
    if (!c.stale()) return "";
    auto ids = [](const auto& list, auto id_of) {
      std::string s;
      for (const auto& x : list) s += (s.empty() ? "'" : ", '") + id_of(x) + "'";
      return s;
    };
    const auto dir = c.versions_dir.string();
    std::string what;
    if (!c.not_in_program.empty())
      what = "it lacks " + count(c.not_in_program.size(), "revision") + " of " + dir + " (" +
             ids(c.not_in_program, [](const auto& f) { return f.id + " in " + f.file.filename().string(); }) + ")";
    if (!c.not_in_folder.empty())
      what += (what.empty() ? "it has " : ", and has ") + count(c.not_in_folder.size(), "revision") + " that " + dir + " lacks (" +
              ids(c.not_in_folder, [](const auto& id) { return id; }) + ")";
    return "this " + program_ + " is stale: " + what;
  }

  std::string rebuild_advice() const {
    if (project_.rebuild_command.empty()) return "rebuild " + program_;
    return "rebuild it with '" + std::string(project_.rebuild_command) + "'";
  }
  // A stale program says so in one line on stderr and goes on (status, current ...) ...
  void warn_if_stale() {
    if (const auto stale = stale_sentence(); !stale.empty()) err_ << program_ << ": warning: " << stale << "; " << rebuild_advice() << "\n" << std::flush;
  }
  // ... or refuses: "<stale sentence><why>rebuild it with '...'<then>".
  void refuse_if_stale(std::string_view why, std::string_view then) {
    if (const auto stale = stale_sentence(); !stale.empty()) throw error(stale + std::string(why) + rebuild_advice() + std::string(then));
  }

  // ---- how revisions read

  // "base", or "c7d2a9e1f0b3 (head), 3b1f0c2d4e5a".
  static std::string id_list(const std::vector<commands::revision_entry>& entries) {
    if (entries.empty()) return "base";
    std::string s;
    for (const auto& e : entries) s += (s.empty() ? "" : ", ") + e.id + (e.head ? " (head)" : "");
    return s;
  }

  static std::string downs_of(const revision_info& r) { return offline::downs_text(r); }

  static std::string downs_of(const commands::revision_node& r) { return r.down_revisions.empty() ? "base" : join(r.down_revisions); }

  static std::string markers(const commands::revision_node& r, bool current) {
    std::string s;
    if (r.head) s += " (head)";
    if (current) s += " (current)";
    if (r.branch_point) s += " (branchpoint)";
    if (r.merge_point) s += " (mergepoint)";
    return s;
  }

  template <class M>
  void announce(M& m) {
    m.on_event([this](const migration_event& e) {
      const auto& r = *e.revision;
      if (e.what == migration_event::kind::skipped)
        out_ << "Skipping " << e.way << " of " << r.id
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
    if (backup_) {
      const auto b = commands::backup_before(m, way, up && target_.empty() ? "head" : target_, backup_dir_);
      if (b.made) out_ << "Backed up " << m.dialect().location() << " to " << b.made->file << " (" << b.made->tool << ").\n" << std::flush;
      else out_ << "No backup: there is nothing to " << (up ? "upgrade" : "downgrade") << ".\n";
    }
    const auto change = up ? commands::upgrade(m, target_.empty() ? "head" : target_) : commands::downgrade(m, target_);
    if (change.applied.empty())
      out_ << "Nothing to " << (up ? "upgrade" : "downgrade") << ": the database is at " << id_list(change.to) << ".\n";
    else
      out_ << (up ? "Upgraded " : "Downgraded ") << count(change.applied.size(), "revision") << "; the database is at "
           << id_list(change.to) << ".\n";
    return exit_success;
  }

  // ---- upgrade over several databases or schemas (strata/many_databases.hpp)

  // The URLs of a --urls-from file: one a line, blank lines and # comments skipped.
  static std::vector<std::string> url_list(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw usage_error("cannot read the URL list '" + file + "' (--urls-from); name a readable file of database URLs, one a line");
    std::vector<std::string> out;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      auto text = strata::detail::trim(line);
      if (text.empty() || text.front() == '#') continue;
      try {
        (void)database_url::parse(text);
      } catch (const malformed_url& e) {
        throw malformed_url(file + " line " + std::to_string(number) + ": " + e.what());
      }
      out.push_back(std::move(text));
    }
    if (out.empty()) throw usage_error("the URL list '" + file + "' (--urls-from) names no database; write one URL a line");
    return out;
  }

  // The schemas of the database at `url` that `patterns` select, as targets named `prefix` + schema.
  std::vector<commands::upgrade_target> schema_targets(const std::string& url, const std::vector<std::string>& patterns, const std::string& prefix) {
    const auto scheme = database_url::parse(url).scheme;
    std::optional<std::vector<commands::upgrade_target>> out;
    auto try_one = [&]<class D>() {
      if (out || !handles_scheme<D>(scheme)) return;
      if constexpr (HasSchemas<D>) {
        auto opened = commands::open<D>(project_.revisions, url);
        out.emplace();
        for (const auto& s : commands::select_schemas(std::get<0>(opened).dialect().schemas(), patterns))
          out->push_back({prefix + s, url, s});
      } else {
        throw usage_error("--all-schemas and --schemas need a database with schemas, and the " + std::string(D::name) +
                          " dialect has none; name each database to upgrade with --url or --urls-from instead");
      }
    };
    (try_one.template operator()<Ds>(), ...);
    if (!out) throw malformed_url(commands::detail::unknown_scheme<Ds...>(scheme));
    return std::move(*out);
  }

  // upgrade --all-schemas, --schemas, --urls-from or several --url: each target on a connection of
  // its own, --jobs at a time, a line each as it finishes, then a summary.
  int do_upgrade_each() {
    std::vector<std::string> urls = urls_;
    if (!urls_from_.empty())
      for (auto& u : url_list(urls_from_)) urls.push_back(std::move(u));
    const auto& c = config(urls.empty());
    if (urls.empty()) urls.push_back(c.url);
    for (auto& u : urls) u = with_connection_settings(c, std::move(u));
    const bool by_schema = all_schemas_ || !schemas_.empty();
    const std::string noun = by_schema ? "schema" : "database";
    std::vector<commands::upgrade_target> targets;
    for (const auto& url : urls) {
      if (!by_schema) {
        targets.push_back({database_url::mask(url), url, {}});
        continue;
      }
      auto found = schema_targets(url, schemas_.empty() ? c.schemas : schemas_, urls.size() == 1 ? "" : database_url::mask(url) + " schema ");
      if (found.empty())
        out_ << "No schema of " << database_url::mask(url) << " is named by " << join(schemas_.empty() ? c.schemas : schemas_) << ".\n";
      for (auto& t : found) targets.push_back(std::move(t));
    }
    if (targets.empty()) {
      out_ << "Nothing to upgrade.\n";
      return exit_success;
    }
    const auto target = target_.empty() ? std::string("head") : target_;
    out_ << "Upgrading " << count(targets.size(), noun) << (by_schema && urls.size() == 1 ? " of " + database_url::mask(urls.front()) : "")
         << " to " << target << ", " << std::min<std::size_t>(jobs_, targets.size()) << " at a time:\n"
         << std::flush;
    const auto report = commands::upgrade_each<Ds...>(
        project_.revisions, targets, {.target = target, .jobs = jobs_, .keep_going = keep_going_, .migrator = migrator_options_of(c)},
        [&](const commands::target_report& r) { out_ << target_line(r) << std::flush; });
    for (const auto& r : report.targets)
      if (r.outcome == commands::target_outcome::not_started) out_ << target_line(r);
    const auto failed = report.count(commands::target_outcome::failed), not_started = report.count(commands::target_outcome::not_started);
    const auto seconds = static_cast<double>(report.duration.count()) / 1000.0;
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.2f s (%.1f %ss a second)", seconds, seconds > 0 ? static_cast<double>(targets.size() - not_started) / seconds : 0.0,
                  noun.c_str());
    out_ << "Done with " << (targets.size() - not_started) << " of " << count(targets.size(), noun) << " in " << rate << ": "
         << report.count(commands::target_outcome::upgraded) << " upgraded, " << report.count(commands::target_outcome::up_to_date)
         << " up to date, " << failed << " failed" << (not_started == 0 ? "" : ", " + std::to_string(not_started) + " not started") << ".\n"
         << std::flush;
    if (report.ok()) return exit_success;
    std::vector<std::string> names;
    for (const auto& r : report.targets)
      if (r.outcome == commands::target_outcome::failed) names.push_back(r.name);
    err_ << program_ << ": " << failed << " of " << count(targets.size(), noun) << " failed to upgrade (" << join(names) << ")"
         << (not_started == 0 ? "" : ", so " + count(not_started, noun) + " did not start (--keep-going upgrades them still)")
         << "; the lines above say why: fix it and upgrade again\n";
    return exit_failure;
  }

  // "  tenant_01: base -> c7d2a9e1f0b3 (head), 2 revisions in 41 ms"
  static std::string target_line(const commands::target_report& r) {
    using commands::target_outcome;
    const auto ms = std::to_string(r.duration.count()) + " ms";
    std::string line = "  " + r.name + ": ";
    switch (r.outcome) {
      case target_outcome::upgraded: line += id_list(r.from) + " -> " + id_list(r.to) + ", " + count(r.applied, "revision") + " in " + ms; break;
      case target_outcome::up_to_date: line += "up to date at " + id_list(r.to) + " (" + ms + ")"; break;
      case target_outcome::failed:
        line += "FAILED after " + ms + (r.to_known ? ", left at " + id_list(r.to) : std::string()) + ": " + r.error;
        break;
      case target_outcome::not_started: line += "not started: an earlier one failed"; break;
    }
    return line + "\n";
  }

  // upgrade/downgrade --sql: the script, on stdout; no database is opened.
  int do_script(direction way) {
    const auto& c = config();
    const auto s = [&] {
      try {
        return offline::script<Ds...>(project_.revisions, c.url, way, target_, migrator_options_of(c));
      } catch (const malformed_url& e) {
        throw malformed_url(c.url_source + ": " + e.what());
      }
    }();
    out_ << s.text << std::flush;
    return exit_success;
  }

  template <class M>
  int do_stamp(M& m) {
    const auto change = commands::stamp(m, target_);
    out_ << "Stamped the database at " << id_list(change.to) << " (it was at " << id_list(change.from) << "); no migration ran.\n";
    return exit_success;
  }

  template <class M>
  int do_reset(M& m) {
    using D = std::remove_reference_t<decltype(m.dialect())>;
    if constexpr (!Inspectable<D>) {
      throw strata::error("the " + std::string(D::name) + " dialect cannot list the objects of its schema, so " + program_ +
                          " cannot reset it; drop them with the database's own tools");
    } else {
      if (const auto& c = config(); c.protected_database && !force_protected_)
        throw error("the database " + m.dialect().location() + " is protected (" + c.protected_source + "), so reset drops nothing; if you "
                    "really mean to drop every table and row in it, run '" + program_ + " reset --confirm --force-protected'");
      const auto plan = commands::plan_reset(m);
      const auto where = plan.location + " (at " + id_list(plan.current) + ")";
      const auto n = plan.objects.size();
      if (n == 0) {
        out_ << "The database " << where << " has no tables, indexes, views or triggers; nothing to reset.\n";
        return exit_success;
      }
      out_ << (confirm_ ? "Dropping " : "Would drop ") << count(n, "object") << " of " << where << ":\n";
      for (const auto& o : plan.objects)
        out_ << "  " << o.type << " " << o.name << (o.table.empty() || o.table == o.name ? "" : " (on " + o.table + ")") << "\n";
      if (!confirm_) {
        out_ << std::flush;
        err_ << program_ << ": reset dropped nothing; run '" << program_ << " reset --confirm' to drop the " << count(n, "object")
             << " listed and every row in them\n";
        return exit_failure;
      }
      commands::reset(m, plan);
      out_ << "Dropped " << count(n, "object") << "; the database is empty (at base).\n";
      return exit_success;
    }
  }

  // ---- commands that read the database

  template <class M>
  int do_current(M& m) {
    const auto rows = commands::current(m);
    if (json_) {
      out_ << "{\"current\": " << json_list(commands::ids(rows)) << "}\n";
      return exit_success;
    }
    if (rows.empty()) out_ << "base\n";
    for (const auto& r : rows)
      out_ << r.id << (r.head ? " (head)" : "") << (r.in_history ? ", " + r.message : " (not in this history)") << "\n";
    return exit_success;
  }

  template <class M>
  int do_status(M& m) {
    const auto s = commands::status(m);
    const auto heads = commands::ids(s.heads);
    const auto head_list = heads.empty() ? std::string("none (the history has no revisions yet)") : join(heads);
    if (json_) {
      out_ << "{\"url\": " << json_string(s.location) << ", \"version_table\": " << json_string(s.version_table)
           << ", \"current\": " << json_list(commands::ids(s.current)) << ", \"heads\": " << json_list(heads) << ", \"pending\": [";
      for (std::size_t i = 0; i < s.pending.size(); ++i)
        out_ << (i ? ", " : "") << "{\"id\": " << json_string(s.pending[i].id) << ", \"message\": " << json_string(s.pending[i].message) << "}";
      const auto& f = folder();  // stale: what its stderr line says, as data
      out_ << "], \"needs_upgrade\": " << bool_text(s.needs_upgrade) << ", \"stale\": " << bool_text(f.stale()) << ", \"not_in_program\": [";
      for (std::size_t i = 0; i < f.not_in_program.size(); ++i)
        out_ << (i ? ", " : "") << "{\"id\": " << json_string(f.not_in_program[i].id) << ", \"file\": " << json_string(f.not_in_program[i].file.string()) << "}";
      out_ << "], \"not_in_folder\": " << json_list(f.not_in_folder)
           << ", \"unfinished\": " << (s.unfinished ? json_string(*s.unfinished) : std::string("null")) << "}\n";
      return exit_success;
    }
    out_ << "Database:       " << s.location << "\n"
         << "Version table:  " << s.version_table << "\n"
         << "Current:        " << id_list(s.current) << "\n"
         << "Head" << (heads.size() == 1 ? ":           " : "s:          ") << head_list << "\n"
         << "Pending:        " << count(s.pending.size(), "revision") << "\n";
    for (const auto& p : s.pending) out_ << "  " << p.id << "  " << p.message << "\n";
    if (s.unfinished) out_ << "Unfinished:     " << *s.unfinished << "\n";
    if (s.needs_upgrade)
      out_ << "Upgrade needed: run '" << program_ << " upgrade'.\n";
    else
      out_ << "Up to date: no upgrade needed.\n";
    return exit_success;
  }

  template <class M>
  int do_history(M& m) {
    const auto rows = commands::history(m);
    if (json_) {
      out_ << "{\"revisions\": [";
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i].revision;
        out_ << (i ? ", " : "") << "{\"id\": " << json_string(r.id) << ", \"down_revisions\": " << json_list(r.down_revisions)
             << ", \"message\": " << json_string(r.message) << ", \"head\": " << bool_text(r.head)
             << ", \"current\": " << bool_text(rows[i].current) << ", \"applied\": " << bool_text(rows[i].applied)
             << ", \"branch_point\": " << bool_text(r.branch_point) << ", \"merge_point\": " << bool_text(r.merge_point) << "}";
      }
      out_ << "]}\n";
      return exit_success;
    }
    for (const auto& row : rows) {
      if (verbose_) show_revision(commands::show(graph_, row.revision.id), row.current);
      else out_ << downs_of(row.revision) << " -> " << row.revision.id << markers(row.revision, row.current) << ", " << row.revision.message << "\n";
    }
    return exit_success;
  }

  // The history table, oldest first.
  template <class M>
  int do_applied(M& m) {
    using D = std::remove_reference_t<decltype(m.dialect())>;
    const auto rows = commands::applied(m);
    if (json_) {
      out_ << "{\"applied\": [";
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        out_ << (i ? ", " : "") << "{\"id\": " << r.id << ", \"revision\": " << json_string(r.revision) << ", \"direction\": "
             << json_string(r.direction) << ", \"started_at\": " << json_string(r.started_at) << ", \"duration_ms\": " << r.duration_ms
             << ", \"outcome\": " << json_string(r.outcome) << ", \"error\": " << json_string(r.error) << ", \"checksum\": "
             << json_string(r.checksum) << ", \"progress\": " << json_string(r.progress) << ", \"application\": " << json_string(r.application)
             << ", \"host\": " << json_string(r.host) << ", \"database_user\": " << json_string(r.database_user) << "}";
      }
      out_ << "]}\n";
      return exit_success;
    }
    if constexpr (!KeepsHistory<D>) {
      out_ << "The " << D::name << " dialect keeps no history table.\n";
    } else if (rows.empty()) {
      out_ << "The history table " << history_table(m.options().version_table) << " has no rows yet: nothing has run since it exists.\n";
    }
    for (const auto& r : rows) {
      out_ << r.started_at << "  " << r.direction << " " << r.revision << "  " << r.outcome << " (" << r.duration_ms << " ms)"
           << (r.checksum.empty() ? "" : "  " + r.checksum) << "  by " << r.application << (r.host.empty() ? "" : " on " + r.host)
           << (r.database_user.empty() ? "" : " as " + r.database_user) << "\n";
      if (!r.error.empty()) out_ << "    error: " << r.error << "\n";
      if (!r.progress.empty()) {
        auto done = r.progress;
        for (auto at = done.find('\n'); at != std::string::npos; at = done.find('\n', at)) done.replace(at, 1, "; ");
        out_ << "    completed outside a transaction: " << done << "\n";
      }
    }
    return exit_success;
  }

  template <class M>
  int do_repair(M& m) {
    using D = std::remove_reference_t<decltype(m.dialect())>;
    if constexpr (!KeepsHistory<D>) {
      throw strata::error("the " + std::string(D::name) + " dialect keeps no history table, so there is nothing to repair");
    } else {
      const auto report = commands::repair(m);
      if (report.closed) out_ << "Closed the record of an unfinished revision: " << *report.closed << "\n";
      for (const auto& r : report.recorded) out_ << "Recorded the current checksum of " << r.id << ", " << r.message << "\n";
      if (!report.closed && report.recorded.empty()) out_ << "Nothing to repair: every applied revision's checksum matches its record.\n";
      else out_ << "Repaired.\n";
      return exit_success;
    }
  }

  template <class M>
  int do_validate(M& m) {
    using D = std::remove_reference_t<decltype(m.dialect())>;
    const auto report = commands::validate(m, config().versions_dir, {.program = program_});
    if (report.version_problems.empty()) out_ << "Version table:   ok, at " << id_list(report.current) << "\n";
    if (report.schema == commands::check_state::unsupported)
      out_ << "Schema:          not checked (the " << D::name << " dialect cannot inspect its schema)\n";
    if (report.schema == commands::check_state::done && report.replay_problems.empty() && report.drift.empty())
      out_ << "Schema:          ok, the " << count(report.expected_tables, "table") << " and " << count(report.expected_indexes, "index")
           << " that the applied revisions create match the database\n";
    for (const auto& d : report.unknown) out_ << "Schema:          note: " << d << " (the history does not create it; not a problem)\n";
    if (report.folder == commands::check_state::skipped)
      out_ << "Versions folder: not checked (" << report.versions_dir << " does not exist)\n";
    else if (report.folder_problems.empty())
      out_ << "Versions folder: ok, " << report.revision_files << " revision files, the same as this " << program_ << "\n";

    if (report.valid()) {
      out_ << "Valid.\n";
      return exit_success;
    }
    out_ << std::flush;
    for (const auto& p : report.problems()) err_ << program_ << ": " << p << "\n";
    return exit_failure;
  }

  // ---- commands that need no database

  int do_heads() {
    const auto heads = commands::heads(graph_);
    if (json_) {
      out_ << "{\"heads\": " << json_list(commands::ids(heads)) << "}\n";
      return exit_success;
    }
    for (const auto& h : heads) out_ << h.id << " (head), " << h.message << "\n";
    return exit_success;
  }

  int do_show() {
    show_revision(commands::show(graph_, target_), false);
    return exit_success;
  }

  void show_revision(const commands::revision_details& details, bool current) {
    const auto& r = details.revision;
    out_ << "Rev: " << r.id << markers(r, current) << "\n"
         << "Parent: " << downs_of(r) << "\n";
    if (!r.next.empty()) out_ << (r.branch_point ? "Branches into: " : "Next: ") << join(r.next) << "\n";
    out_ << "Transactional: " << (r.transactional ? "yes" : "no") << "\n\n"
         << "    " << r.message << "\n\n";
    auto list = [&](const char* title, const ops& recorded) {
      out_ << "  " << title << ":\n";
      if (recorded.operations().empty()) out_ << "    (nothing)\n";
      for (const auto& o : recorded.operations()) out_ << "    " << describe(o) << "\n";
    };
    list("upgrade", details.upgrade);
    list("downgrade", details.downgrade);
    out_ << "\n";
  }

  static const char* bool_text(bool b) { return b ? "true" : "false"; }

  static std::string count(std::size_t n, std::string_view noun) {
    return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : noun.ends_with('x') ? "es" : "s");
  }

  // ---- writing revision files

  int do_init() {
    const auto done = commands::init(config(false).versions_dir);
    const auto folder = done.list_file.parent_path().string();
    if (!done.created) {
      out_ << folder << " is set up already: " << done.list_file.filename().string() << " lists " << count(done.revisions, "revision")
           << "; nothing to do.\n";
      return exit_success;
    }
    out_ << "Created " << done.list_file.string() << ", "
         << (done.revisions == 0 ? std::string("an empty history") : "listing the " + count(done.revisions, "revision file") + " of " + folder)
         << ".\nNext: '" << program_ << " migrate \"message\"' writes " << (done.revisions == 0 ? "the first revision" : "a revision")
         << "; rebuild " << program_ << " to include it.\n";
    return exit_success;
  }

  // ---- autogenerate and check: the models against the history (or the database)

  // The models this program was built with; throws when it has none.
  model models() const {
    if (project_.models == nullptr)
      throw usage_error("this " + program_ + " has no models to compare: give strata_add_manage_db() MODELS <header> MODELS_TYPE <type> "
                        "(or build it with strata::cli::project_of<history, models>()), or write 'migrate --no-autogenerate' for an empty revision");
    auto m = project_.models();
    if (const auto faults = m.faults(); !faults.empty()) {
      strata::detail::message_buffer text;
      strata::detail::explain(text, faults.front());
      throw error("the models cannot be compared: " + std::string(text.data, text.size) + "; fix the models");
    }
    return m;
  }

  // "head <id>": the history's head (autogenerate and check have refused several, or there are none).
  std::string head_name() const { return "head " + std::string(graph_[graph_.heads().front()].id); }

  // The revision that takes `from` (called `against` in what it prints) to the models.
  int autogenerate(const schema& from, const model& wanted, const std::string& against) {
    const auto generated = commands::generate(from, wanted);
    if (generated.empty() && !empty_) {
      out_ << "No changes: the models match " << against << "; nothing written ('migrate --empty' writes an empty revision).\n";
      return exit_success;
    }
    for (const auto& o : generated.operations.upgrade.operations()) out_ << "Detected " << describe(o) << "\n";
    const auto status = write_revision(generated.body);
    for (const auto& review : generated.reviews) err_ << program_ << ": review: " << review << "\n";
    return status;
  }

  // --from-database: the live database's schema (without the version table) in place of the history's.
  template <class M>
  int autogenerate_from_database(M& m, const model& wanted) {
    using D = std::remove_reference_t<decltype(m.dialect())>;
    if constexpr (Inspectable<D>) {
      const auto live = m.dialect().inspect();
      return autogenerate(commands::spelled_as(commands::without_table(commands::without_table(*live, m.options().version_table), history_table(m.options().version_table)), wanted.schema()), wanted, "the database " + std::string(m.dialect().location()));
    } else {
      throw error("the " + std::string(D::name) + " dialect cannot read a database's schema, so --from-database is not available; "
                  "migrate without it to diff the models against the history");
    }
  }

  int do_check() {
    const auto wanted = models();
    warn_if_stale();
    const auto found = commands::check(wanted, graph_);
    const auto head = graph_.heads().empty() ? std::string("base") : head_name();
    if (found.empty()) {
      out_ << "The models match the migrations at " << head << ".\n";
      return exit_success;
    }
    for (const auto& d : found) out_ << to_line(d) << "\n";
    err_ << program_ << ": " << count(found.size(), "difference") << " between the models and the migrations at " << head << "; run '" << program_
         << " migrate \"message\"' to write the revision that makes them agree\n";
    return exit_failure;
  }

  int write_revision(const strata::detail::revision_body& body) {
    const auto written = commands::migrate(config(false).versions_dir, graph_, message_, body);
    out_ << "Generated " << written.file.string() << "\n"
         << "Revision " << written.id << " (down revision " << (written.down_revisions.empty() ? std::string("base") : join(written.down_revisions))
         << "). Rebuild " << program_ << " to include it: " << written.list_file.string() << " lists it.\n";
    return exit_success;
  }

  int do_merge() {
    const auto written = commands::merge(config(false).versions_dir, graph_, revisions_, message_);
    out_ << "Generated " << written.file.string() << "\n"
         << "Merge revision " << written.id << " (down revisions " << join(written.down_revisions) << "). Rebuild " << program_
         << " to include it.\n";
    return exit_success;
  }

  std::ostream& out_;
  std::ostream& err_;
  const project& project_;
  revision_graph graph_;
  std::string program_;
  std::optional<configuration> config_;
  std::optional<commands::versions_folder_comparison> folder_;
  std::vector<std::string> urls_, schemas_;  // --url given once or more; --schemas
  std::string urls_from_;
  unsigned jobs_ = 4;
  bool all_schemas_ = false, keep_going_ = false;
  std::string config_file_, url_, message_, positional_message_, target_, backup_dir_, tx_mode_;
  std::vector<std::string> revisions_;
  bool no_autogenerate_ = false, empty_ = false, from_database_ = false, verbose_ = false, json_ = false, confirm_ = false, applied_ = false;
  bool backup_ = false, force_protected_ = false, sql_ = false;
};

}  // namespace detail

// Runs the command line on the program's revisions: parses argv, reads the configuration, runs one
// command. Never throws. Needs no history type, so that a unit calling it is not recompiled when the
// history changes (<strata/project.hpp>).
template <Dialect... Ds>
  requires(sizeof...(Ds) > 0)
int run(int argc, const char* const* argv, const project& p, std::ostream& out = std::cout, std::ostream& err = std::cerr) noexcept {
  try {
    return detail::application<Ds...>(p, out, err).run(argc, argv);
  } catch (const std::exception& e) {
    err << "strata: " << e.what() << "\n";
    return exit_failure;
  }
}

template <Dialect... Ds>
  requires(sizeof...(Ds) > 0)
int run(int argc, char** argv, const project& p) noexcept {
  return run<Ds...>(argc, const_cast<const char* const*>(argv), p);
}

// The project of history H and the models M (`struct models { static constexpr void declare(strata::model&); }`),
// in one unit with them (see <strata/project.hpp> for the models in a unit of their own).
template <History H, Models M>
constexpr project project_of(std::string_view rebuild_command = {}) {
  return project_of<H>(rebuild_command, &declared<M>);
}

// The command line for history H, in one translation unit with it.
template <History H, Dialect... Ds>
  requires(sizeof...(Ds) > 0)
int main(int argc, const char* const* argv, std::ostream& out = std::cout, std::ostream& err = std::cerr) noexcept {
  static constexpr project p = project_of<H>();
  return run<Ds...>(argc, argv, p, out, err);
}

template <History H, Dialect... Ds>
  requires(sizeof...(Ds) > 0)
int main(int argc, char** argv) noexcept {
  return main<H, Ds...>(argc, const_cast<const char* const*>(argv));
}

}  // namespace strata::cli
