// strata::testing for SQLite: a history migrated once into an in-memory template, cloned by sqlite3_deserialize.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>
#include <unistd.h>

#include <strata/dialect/sqlite.hpp>
#include <strata/errors.hpp>
#include <strata/migrator.hpp>
#include <strata/testing/database_template.hpp>

namespace strata::testing {

namespace detail {

inline std::atomic<unsigned long> sqlite_clone_counter{0};

// SQLite's message for a failed call on the connection, as a strata::database_unavailable.
inline void check_sqlite(SQLite::Database& db, int rc, std::string_view what) {
  if (rc != SQLITE_OK)
    throw database_unavailable("strata::testing could not " + std::string(what) + " (" + sqlite3_errstr(rc) + ": " +
                               sqlite3_errmsg(db.getHandle()) + ")");
}

}  // namespace detail

// A clone of a SQLite template: in memory (clone()), or a temporary file (clone_file()) that a
// second connection can open through url(). The file is deleted when the clone is destroyed.
template <>
class cloned_database<sqlite> {
 public:
  cloned_database(std::unique_ptr<SQLite::Database> db, std::filesystem::path file)
      : db_(std::move(db)), file_(std::move(file)), url_(file_.empty() ? std::string() : "sqlite:///" + file_.string()) {}
  cloned_database(cloned_database&& other) noexcept
      : db_(std::move(other.db_)), file_(std::exchange(other.file_, {})), url_(std::exchange(other.url_, {})) {}
  cloned_database& operator=(cloned_database&& other) noexcept {
    if (this != &other) {
      remove();
      db_ = std::move(other.db_);
      file_ = std::exchange(other.file_, {});
      url_ = std::exchange(other.url_, {});
    }
    return *this;
  }
  cloned_database(const cloned_database&) = delete;
  cloned_database& operator=(const cloned_database&) = delete;
  ~cloned_database() { remove(); }

  // sqlite:////tmp/strata_clone_<pid>_<n>.db for a file clone. An in-memory clone cannot be opened
  // by a second connection: url() then throws (use clone_file()).
  [[nodiscard]] const std::string& url() const {
    if (url_.empty())
      throw std::logic_error("strata::testing: an in-memory SQLite clone has no URL another connection could open; "
                             "make it with database_template::clone_file()");
    return url_;
  }
  [[nodiscard]] SQLite::Database& connection() { return *db_; }
  // The clone's file; empty for an in-memory clone.
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }
  void execute(const std::string& sql) { db_->exec(sql); }

 private:
  void remove() noexcept {
    db_.reset();
    if (file_.empty()) return;
    std::error_code ignored;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(file_.string() + suffix, ignored);
    file_.clear();
  }

  std::unique_ptr<SQLite::Database> db_;
  std::filesystem::path file_;
  std::string url_;
};

// The history migrated to its heads once, in an in-memory database, kept as its serialized image
// (sqlite3_serialize); a clone is a deserialized copy of that image: no SQL runs.
template <History H>
class database_template<H, sqlite> {
 public:
  // Built on first use; thread-safe (a function-local static).
  static database_template& instance() {
    static database_template t;
    return t;
  }

  // An in-memory database at head, with PRAGMA foreign_keys = ON. Its url() throws.
  [[nodiscard]] cloned_database<sqlite> clone() const {
    auto db = std::make_unique<SQLite::Database>(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    auto* buffer = static_cast<unsigned char*>(sqlite3_malloc64(image_.size()));
    if (buffer == nullptr) throw std::bad_alloc();
    std::memcpy(buffer, image_.data(), image_.size());
    const auto size = static_cast<sqlite3_int64>(image_.size());
    // FREEONCLOSE: SQLite owns the buffer from here on, even when the call fails.
    detail::check_sqlite(*db,
                         sqlite3_deserialize(db->getHandle(), "main", buffer, size, size,
                                             SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE),
                         "load the template into an in-memory database");
    db->exec("PRAGMA foreign_keys = ON");
    return cloned_database<sqlite>(std::move(db), {});
  }

  // A database at head in a new file of the temporary folder (one write of the image), opened
  // with PRAGMA foreign_keys = ON, synchronous = OFF and a 5 s busy timeout; url() opens it again.
  [[nodiscard]] cloned_database<sqlite> clone_file() const {
    const auto file = std::filesystem::temp_directory_path() /
                      ("strata_clone_" + std::to_string(::getpid()) + "_" + std::to_string(detail::sqlite_clone_counter++) + ".db");
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(image_.data()), static_cast<std::streamsize>(image_.size()));
      if (!out.flush())
        throw database_unavailable("strata::testing could not write the SQLite clone '" + file.string() +
                                   "'; check that the temporary folder (TMPDIR) is writable");
    }
    auto db = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READWRITE, 5000);
    // A throwaway database: no fsync on this connection's commits and rollbacks.
    db->exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = OFF");
    return cloned_database<sqlite>(std::move(db), file);
  }

  // The template's bytes: a SQLite database file.
  [[nodiscard]] std::span<const unsigned char> image() const { return image_; }

 private:
  database_template() {
    SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA foreign_keys = ON");
    migrator<sqlite>(H{}, db).upgrade("heads");
    sqlite3_int64 size = 0;
    unsigned char* bytes = sqlite3_serialize(db.getHandle(), "main", &size, 0);
    if (bytes == nullptr) throw std::bad_alloc();
    image_.assign(bytes, bytes + size);
    sqlite3_free(bytes);
  }

  std::vector<unsigned char> image_;
};

}  // namespace strata::testing
