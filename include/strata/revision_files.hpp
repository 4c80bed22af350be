// strata::commands on the versions folder, the revision files of a project (the manage_db verbs that
// read or write files): validate with the folder compared to the history, the folder compared with a
// program's revisions (is it stale?), init, migrate, merge.
//
//   const auto report = strata::commands::validate(m, "db/versions", {.program = "manage_db"});
//   const auto written = strata::commands::migrate("db/versions", m.graph(), "add market cap");
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <strata/commands.hpp>
#include <strata/detail/versions_folder.hpp>
#include <strata/errors.hpp>
#include <strata/graph.hpp>
#include <strata/migrator.hpp>

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

// Writes an empty revision whose down revisions are the folder's heads, with a fresh id that neither
// the folder nor the history `g` uses, and regenerates the folder's history.hpp.
inline written_revision migrate(const std::filesystem::path& versions_dir, const revision_graph& g, std::string_view message) {
  strata::detail::versions_folder folder(versions_dir);
  auto downs = folder.heads();
  const auto id = folder.new_id(detail::revision_ids(g));
  auto file = folder.write_revision(id, downs, message);
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
