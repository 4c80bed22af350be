// strata::detail::versions_folder: the revision headers of a versions folder, read back from disk,
// new ones written, and the generated history.hpp that lists them in dependency order.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <strata/detail/replace_file.hpp>
#include <strata/errors.hpp>
#include <strata/revision_source.hpp>

namespace strata::detail {

// What a new revision's upgrade() and downgrade() hold: statements, one a line, each indented by four
// spaces and ending in a newline (strata::cpp_body); empty: an empty function.
struct revision_body {
  std::string upgrade;
  std::string downgrade;
};

// One revision header as found on disk.
struct revision_file {
  std::filesystem::path path;
  std::string id;
  std::vector<std::string> down_revisions;  // empty for a base revision
  std::string type;                         // the struct's qualified name: "::migrations::add_market_cap"
};

class versions_folder {
 public:
  static constexpr std::string_view list_file = "history.hpp";
  static constexpr std::string_view policy_file = "review_policy.hpp";
  static constexpr std::string_view list_namespace = "migrations";

  explicit versions_folder(std::filesystem::path folder) : folder_(std::move(folder)) {
    std::error_code ec;
    if (!std::filesystem::exists(folder_, ec)) return;
    if (!std::filesystem::is_directory(folder_, ec))
      throw configuration_error("the versions folder '" + folder_.string() + "' is not a folder; point versions_dir at a folder");
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(folder_))
      if (entry.is_regular_file() && entry.path().extension() == ".hpp" && entry.path().filename() != list_file &&
          entry.path().filename() != policy_file)
        paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths)
      if (auto r = read(p)) files_.push_back(std::move(*r));
    order();
  }

  [[nodiscard]] const std::filesystem::path& path() const { return folder_; }
  // In dependency order: each revision after its down revisions.
  [[nodiscard]] const std::vector<revision_file>& revisions() const { return files_; }

  [[nodiscard]] const revision_file* find(std::string_view id) const {
    for (const auto& f : files_)
      if (f.id == id) return &f;
    return nullptr;
  }

  // The revision with this id or unique prefix, or "heads" expanded; throws like the run-time graph.
  [[nodiscard]] std::vector<std::string> resolve(std::string_view id_or_prefix) const {
    if (id_or_prefix == "heads" || id_or_prefix == "head") return heads();
    if (const auto* f = find(id_or_prefix)) return {f->id};
    std::vector<std::string> matches;
    if (!id_or_prefix.empty())
      for (const auto& f : files_)
        if (f.id.starts_with(id_or_prefix)) matches.push_back(f.id);
    if (matches.empty())
      throw revision_not_found(std::string(id_or_prefix), "no revision file in " + folder_.string() + " has the id '" +
                                                              std::string(id_or_prefix) + "'; run 'history' to list them");
    if (matches.size() > 1)
      throw ambiguous_revision("revision prefix '" + std::string(id_or_prefix) + "' matches " + std::to_string(matches.size()) +
                               " revision files in " + folder_.string() + "; write more of the id");
    return matches;
  }

  [[nodiscard]] std::vector<std::string> heads() const {
    std::set<std::string> followed;
    for (const auto& f : files_) followed.insert(f.down_revisions.begin(), f.down_revisions.end());
    std::vector<std::string> out;
    for (const auto& f : files_)
      if (!followed.count(f.id)) out.push_back(f.id);
    return out;
  }

  // A fresh Alembic-style id: 12 hex digits, unused in the folder and in `taken`.
  [[nodiscard]] std::string new_id(const std::vector<std::string>& taken = {}) const {
    std::random_device seed;
    std::mt19937_64 random((static_cast<std::uint64_t>(seed()) << 32) ^ seed() ^
                           static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    for (;;) {
      std::string id;
      const auto bits = random();
      for (int i = 0; i < 12; ++i) id += "0123456789abcdef"[(bits >> (4 * i)) & 0xf];
      if (!find(id) && std::find(taken.begin(), taken.end(), id) == taken.end()) return id;
    }
  }

  // Writes a new revision header and the regenerated history.hpp; returns the header's path.
  std::filesystem::path write_revision(const std::string& id, const std::vector<std::string>& downs, std::string_view message,
                                       const revision_body& body = {}) {
    const auto slug = make_slug(message);
    auto name = slug.empty() || (slug.front() >= '0' && slug.front() <= '9') ? "revision_" + slug : slug;
    if (name.back() == '_') name.pop_back();
    const auto qualified = "::" + std::string(list_namespace) + "::" + name;
    if (is_keyword(name) || std::any_of(files_.begin(), files_.end(), [&](const auto& f) { return f.type == qualified; }))
      name += "_" + id;
    const auto path = folder_ / (id + (slug.empty() ? "" : "_" + slug) + ".hpp");

    std::string revises;
    std::string args = "\"" + id + "\"";
    for (const auto& d : downs) {
      revises += (revises.empty() ? "" : ", ") + d;
      args += ", \"" + d + "\"";
    }
    if (downs.empty()) {
      revises = "<base>";
      args += ", strata::base";
    }
    std::ostringstream text;
    text << "// " << first_line(message) << "\n"
         << "//\n"
         << "// Revision ID: " << id << "\n"
         << "// Revises: " << revises << "\n"
         << "// Create Date: " << now_utc() << "\n"
         << "#pragma once\n\n"
         << "#include <strata/strata.hpp>\n\n"
         << "namespace " << list_namespace << " {\n\n"
         << "struct " << name << " : strata::revision<" << args << "> {\n"
         << "  static constexpr std::string_view message = " << source::literal(message) << ";\n\n"
         << function("upgrade", body.upgrade) << "\n"
         << function("downgrade", body.downgrade)
         << "};\n\n"
         << "}  // namespace " << list_namespace << "\n";

    std::error_code ec;
    std::filesystem::create_directories(folder_, ec);
    if (ec)
      throw configuration_error("cannot create the versions folder '" + folder_.string() + "' (" + ec.message() +
                                "); check versions_dir in the configuration");
    write_file(path, text.str());
    files_.push_back({path, id, downs, "::" + std::string(list_namespace) + "::" + name});
    try {
      order();
      write_list();
    } catch (...) {
      std::filesystem::remove(path, ec);
      throw;
    }
    return path;
  }

  // Regenerates history.hpp from the revision files.
  void write_list() const {
    std::ostringstream text;
    text << "// The revisions of this folder in dependency order, generated by `manage_db migrate` and\n"
         << "// `manage_db merge`: edit the revision files, not this list.\n"
         << "#pragma once\n\n"
         << "#include <strata/strata.hpp>\n\n";
    for (const auto& f : files_) text << "#include \"" << f.path.filename().string() << "\"\n";
    text << "\nnamespace " << list_namespace << " {\n\n"
         << "using history = strata::history<";
    for (std::size_t i = 0; i < files_.size(); ++i) text << "\n    " << files_[i].type << (i + 1 < files_.size() ? "," : ">;");
    if (files_.empty()) text << ">;";
    text << "\n\n}  // namespace " << list_namespace << "\n";
    // The compiler reviews the history under the policy the folder's review_policy.hpp gives it
    // (strata::review_policy_for), written by hand: in the list, every use of the history sees it.
    text << "\n#if __has_include(\"" << policy_file << "\")\n#include \"" << policy_file << "\"\n#endif\n";
    write_file(folder_ / list_file, text.str());
  }

 private:
  static void write_file(const std::filesystem::path& path, const std::string& text) {
    if (!replace_file(path, text))
      throw configuration_error("cannot write '" + path.string() + "'; check that the versions folder is writable");
  }

  // Reads `struct NAME : strata::revision<"ID", "DOWN"..., or strata::base>` and the namespace
  // around it; a header without one is not a revision and is left alone.
  std::optional<revision_file> read(const std::filesystem::path& p) const {
    std::ifstream in(p, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find("strata::revision<");
    if (at == std::string::npos) return std::nullopt;
    auto fail = [&](const std::string& what) {
      return configuration_error(p.string() + ": " + what +
                                 "; write it as struct NAME : strata::revision<\"id\", \"down id\"> (or strata::base)");
    };
    revision_file r{p, {}, {}, {}};
    // The struct's name: the identifier after the last "struct" before the base clause.
    const auto s = text.rfind("struct ", at);
    const auto colon = text.rfind(':', at);
    if (s == std::string::npos || colon == std::string::npos || colon < s) throw fail("the revision's struct cannot be read");
    const auto name = trim_view(std::string_view(text).substr(s + 7, colon - s - 7));
    if (name.empty() || !is_identifier(name)) throw fail("the revision's struct name cannot be read");
    // The innermost `namespace a::b {` before it (nested namespace blocks: write them as a::b).
    std::string ns;
    if (const auto n = text.rfind("namespace ", s); n != std::string::npos)
      if (const auto brace = text.find('{', n); brace < s) ns = std::string(trim_view(std::string_view(text).substr(n + 10, brace - n - 10)));
    r.type = (ns.empty() ? "" : "::" + ns) + "::" + std::string(name);
    std::size_t i = at + 17;
    bool first = true;
    for (;;) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i >= text.size()) throw fail("the revision's template arguments are not closed");
      if (text[i] == '>') break;
      if (!first) {
        if (text[i] != ',') throw fail("the revision's template arguments cannot be read");
        ++i;
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      }
      if (text.compare(i, 12, "strata::base") == 0) {
        i += 12;
      } else if (text.compare(i, 14, "::strata::base") == 0) {
        i += 14;
      } else if (i < text.size() && text[i] == '"') {
        const auto end = text.find('"', i + 1);
        if (end == std::string::npos) throw fail("a revision id is not closed");
        auto id = text.substr(i + 1, end - i - 1);
        if (first) {
          r.id = std::move(id);
        } else {
          r.down_revisions.push_back(std::move(id));
        }
        i = end + 1;
      } else {
        throw fail("the revision's template arguments cannot be read");
      }
      first = false;
    }
    if (r.id.empty()) throw fail("the revision has no id");
    return r;
  }

  // Dependency order (Kahn); among revisions that are ready, the order of the current history.hpp,
  // then file name, so that regenerating the list changes only what changed.
  void order() {
    std::map<std::string, std::size_t> listed;
    {
      std::ifstream in(folder_ / list_file);
      std::string line;
      while (std::getline(in, line))
        if (line.starts_with("#include \"")) listed.emplace(line.substr(10, line.size() - 11), listed.size());
    }
    std::map<std::string, const revision_file*> by_id;
    for (const auto& f : files_) {
      auto [it, fresh] = by_id.emplace(f.id, &f);
      if (!fresh)
        throw configuration_error("revision '" + f.id + "' is declared twice, in " + it->second->path.filename().string() + " and " +
                                  f.path.filename().string() + "; give one of them a new id");
    }
    for (const auto& f : files_)
      for (const auto& d : f.down_revisions)
        if (!by_id.count(d))
          throw configuration_error(f.path.string() + " names down revision '" + d + "', which no file in " + folder_.string() +
                                    " declares; fix the id or restore that revision's file");
    auto rank = [&](const revision_file& f) {
      auto it = listed.find(f.path.filename().string());
      return std::pair(it == listed.end() ? listed.size() : it->second, f.path.filename().string());
    };
    std::vector<revision_file> sorted;
    std::set<std::string> placed;
    std::vector<bool> used(files_.size(), false);
    while (sorted.size() < files_.size()) {
      std::size_t best = files_.size();
      for (std::size_t i = 0; i < files_.size(); ++i) {
        if (used[i]) continue;
        const auto& downs = files_[i].down_revisions;
        if (!std::all_of(downs.begin(), downs.end(), [&](const std::string& d) { return placed.count(d) > 0; })) continue;
        if (best == files_.size() || rank(files_[i]) < rank(files_[best])) best = i;
      }
      if (best == files_.size())
        throw configuration_error("the revisions in " + folder_.string() + " depend on each other in a cycle; fix the down "
                                  "revision of one of them");
      used[best] = true;
      placed.insert(files_[best].id);
      sorted.push_back(files_[best]);
    }
    files_ = std::move(sorted);
  }

  static std::string_view trim_view(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  }

  static bool is_identifier(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  }

  // Alembic's file slug: lower case words joined by '_', at most 40 characters.
  static std::string make_slug(std::string_view message) {
    std::string slug;
    for (char c : message) {
      if (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 128) {
        slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (!slug.empty() && slug.back() != '_') {
        slug += '_';
      }
      if (slug.size() >= 40) break;
    }
    while (!slug.empty() && slug.back() == '_') slug.pop_back();
    return slug;
  }

  static bool is_keyword(std::string_view s) {
    static constexpr std::string_view keywords[] = {
        "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class", "const", "constexpr",
        "continue", "default", "delete", "do", "double", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
        "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "not", "operator", "or", "private",
        "protected", "public", "register", "return", "short", "signed", "sizeof", "static", "struct", "switch", "template",
        "this", "throw", "true", "try", "typedef", "typename", "union", "unsigned", "using", "virtual", "void", "volatile",
        "while", "xor", "history", "migrations"};
    return std::find(std::begin(keywords), std::end(keywords), s) != std::end(keywords);
  }

  static std::string first_line(std::string_view message) {
    auto line = message.substr(0, message.find_first_of("\r\n"));
    return std::string(line);
  }

  // `  static constexpr void upgrade(strata::ops& op) { ... }`, or an empty one.
  static std::string function(std::string_view name, const std::string& statements) {
    if (statements.empty()) return "  static constexpr void " + std::string(name) + "([[maybe_unused]] strata::ops& op) {}\n";
    return "  static constexpr void " + std::string(name) + "(strata::ops& op) {\n" + statements + "  }\n";
  }

  static std::string now_utc() {
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buffer;
  }

  std::filesystem::path folder_;
  std::vector<revision_file> files_;
};

}  // namespace strata::detail
