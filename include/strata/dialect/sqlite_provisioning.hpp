// strata::sqlite::provisioner: SQLite databases for tests, as files of a folder, and as bytes in memory.
//
// Included by strata/dialect/sqlite.hpp: the dialect's Provisionable, ClonesDatabases and
// SnapshotsDatabases capabilities (strata/dialect.hpp). A database named n is the file n.db of the
// folder (the temporary folder unless told), its note the file n.note, and a lock on a key the
// file strata_lock_<key>.lock, held open. A session is a process: its id. The templates
// strata::testing keeps across processes (KeepsSnapshots) are files of for_templates()' folder.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <process.h>
#include <share.h>
#include <sys/stat.h>
#else
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif
#if defined(__linux__)
#include <sys/sendfile.h>
#endif

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <strata/byte_image.hpp>
#include <strata/detail/replace_file.hpp>
#include <strata/dialect/sqlite.hpp>
#include <strata/errors.hpp>

namespace strata {

namespace detail::sqlite_files {

// What the provisioner asks of the operating system. A file descriptor is -1 on failure, with errno set.
#if defined(_WIN32)
inline long process_id() { return _getpid(); }
// No cheap check without <windows.h>: every process is taken to live, so no file is dropped as an orphan.
inline bool process_alive(long) { return true; }
inline int open_new(const std::filesystem::path& path) {
  int fd = -1;
  if (const int e = _wsopen_s(&fd, path.c_str(), _O_WRONLY | _O_CREAT | _O_EXCL | _O_BINARY, _SH_DENYNO, _S_IREAD | _S_IWRITE); e != 0) {
    errno = e;
    return -1;
  }
  return fd;
}
inline long write_some(int fd, const unsigned char* data, std::size_t size) {
  return _write(fd, data, static_cast<unsigned>(std::min<std::size_t>(size, std::size_t{1} << 30)));
}
inline void close_file(int fd) { _close(fd); }
// The lock file opened with no sharing: another handle on it makes `busy`.
inline int lock_file(const std::filesystem::path& path, bool& busy) {
  int fd = -1;
  const int e = _wsopen_s(&fd, path.c_str(), _O_RDWR | _O_CREAT | _O_BINARY, _SH_DENYRW, _S_IREAD | _S_IWRITE);
  busy = e == EACCES;
  errno = e;
  return e == 0 ? fd : -1;
}
// Removed once closed, unless another handle has it open by then (then it stays; no harm).
inline void unlock_file(const std::filesystem::path& path, int fd) {
  _close(fd);
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}
#else
inline long process_id() { return static_cast<long>(::getpid()); }
// kill(pid, 0): EPERM means it lives, under another user.
inline bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }
inline int open_new(const std::filesystem::path& path) { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644); }
inline long write_some(int fd, const unsigned char* data, std::size_t size) { return static_cast<long>(::write(fd, data, size)); }
inline void close_file(int fd) { ::close(fd); }
// flock(): held until the descriptor is closed, or the process dies. The holder removes the file
// before it lets go, so a lock taken on a file that is no longer the one at `path` is let go and
// taken again on the file that is.
inline int lock_file(const std::filesystem::path& path, bool& busy) {
  busy = false;
  for (;;) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      busy = errno == EWOULDBLOCK;
      ::close(fd);
      return -1;
    }
    struct ::stat held {}, named {};
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino && held.st_dev == named.st_dev) return fd;
    ::close(fd);
  }
}
inline void unlock_file(const std::filesystem::path& path, int fd) {
  ::unlink(path.c_str());
  ::close(fd);
}
#endif

}  // namespace detail::sqlite_files

class sqlite::provisioner {
 public:
  // The temporary folder (TMPDIR); strata::database_unavailable when there is none.
  provisioner() : provisioner(temporary_folder()) {}
  explicit provisioner(std::filesystem::path folder) : folder_(std::move(folder)) {}
  provisioner(provisioner&& other) noexcept : folder_(std::move(other.folder_)), locks_(std::exchange(other.locks_, {})) {}
  provisioner& operator=(provisioner&&) = delete;
  provisioner(const provisioner&) = delete;
  provisioner& operator=(const provisioner&) = delete;
  ~provisioner() {
    for (const auto& [key, fd] : locks_) detail::sqlite_files::unlock_file(lock_path(key), fd);
  }

  // Where strata::testing keeps the histories' templates across processes: $STRATA_TEMPLATE_DIR
  // (made when missing), else the temporary folder.
  static provisioner for_templates() {
    const char* dir = std::getenv("STRATA_TEMPLATE_DIR");
    if (dir == nullptr || *dir == '\0') return provisioner();
    std::filesystem::path folder(dir);
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec || !std::filesystem::is_directory(folder, ec))
      throw database_unavailable("cannot use the folder STRATA_TEMPLATE_DIR='" + folder.string() + "' for SQLite test templates (" +
                                 (ec ? ec.message() : std::string("not a folder")) + "); set it to a writable folder, or unset it to use the temporary folder");
    return provisioner(std::move(folder));
  }

  // A local folder: a test that cannot use it has nothing to wait for, so it fails.
  static bool unreachable_fails() { return true; }

  [[nodiscard]] std::string session() const { return std::to_string(detail::sqlite_files::process_id()); }
  [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }
  [[nodiscard]] std::filesystem::path file(std::string_view name) const { return folder_ / (std::string(name) + ".db"); }
  // sqlite:////tmp/<name>.db: an absolute path, so four slashes.
  [[nodiscard]] std::string url(std::string_view name) const { return "sqlite:///" + file(name).string(); }

  // With PRAGMA foreign_keys = ON (the dialect's), and synchronous = OFF: a throwaway database
  // needs no fsync on commit.
  sqlite open(std::string_view name) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file(name), ec))
      throw database_unavailable("there is no SQLite test database '" + file(name).string() + "'; create it first");
    sqlite d(url(name));
    d.execute("PRAGMA synchronous = OFF");
    return d;
  }

  // An empty file is an empty SQLite database.
  void create(std::string_view name) { write(name, {}); }

  void write(std::string_view name, std::span<const unsigned char> image) {
    const auto path = file(name);
    const int fd = detail::sqlite_files::open_new(path);
    if (fd < 0) {
      const int e = errno;
      if (e == EEXIST) throw error("the SQLite test database '" + path.string() + "' exists already; drop it first or choose another name");
      throw database_unavailable("cannot create the SQLite test database '" + path.string() + "' (" + std::strerror(e) +
                                 "); check that the folder (TMPDIR) exists and is writable");
    }
    std::size_t done = 0;
    while (done < image.size()) {
      const auto n = detail::sqlite_files::write_some(fd, image.data() + done, image.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int e = errno;
        detail::sqlite_files::close_file(fd);
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
        throw database_unavailable("cannot write the SQLite test database '" + path.string() + "' (" + std::strerror(e) +
                                   "); check that the disk has room");
      }
      done += static_cast<std::size_t>(n);
    }
    detail::sqlite_files::close_file(fd);
    stamp(path);
  }

  // A copy of the file, a new file (as write() makes one: writable even when the source is a
  // read-only template). On Linux the kernel copies it (copy_file_range, else sendfile): no byte
  // passes through this process, and a 458 KB template took 0.25-0.35 ms against 0.45-0.55 ms
  // mapped and written, in a fresh process on the project VM.
  void copy(std::string_view source, std::string_view name) {
    const auto from = file(source), to = file(name);
    auto failed = [&](const std::string& why) {
      return error("cannot copy the SQLite database '" + from.string() + "' to '" + to.string() + "' (" + why +
                   "); check that the source exists and the folder is writable");
    };
#if defined(__linux__)
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    struct ::stat info {};
    if (in < 0 || ::fstat(in, &info) != 0) {
      const int e = errno;
      if (in >= 0) ::close(in);
      throw failed(std::strerror(e));
    }
    const int out = detail::sqlite_files::open_new(to);
    if (out < 0) {
      const int e = errno;
      ::close(in);
      throw failed(std::strerror(e));
    }
    auto left = static_cast<std::size_t>(info.st_size);
    bool kernel_copy = true;  // copy_file_range, until it says it cannot (another file system, an old kernel)
    int e = 0;
    while (left > 0) {
      const ssize_t n = kernel_copy ? ::copy_file_range(in, nullptr, out, nullptr, left, 0) : ::sendfile(out, in, nullptr, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && kernel_copy && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        kernel_copy = false;
        continue;
      }
      if (n <= 0) {
        e = n < 0 ? errno : EIO;  // 0: the source was cut short meanwhile
        break;
      }
      left -= static_cast<std::size_t>(n);
    }
    ::close(in);
    if (::close(out) != 0 && e == 0) e = errno;
    if (e != 0) {
      std::error_code ignored;
      std::filesystem::remove(to, ignored);
      throw failed(std::strerror(e));
    }
    stamp(to);
#else
    std::error_code ec;
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::none, ec);
    if (!ec) std::filesystem::permissions(to, std::filesystem::perms::owner_write, std::filesystem::perm_options::add, ec);
    if (!ec) stamp(to);
    if (ec) throw failed(ec.message());
#endif
  }

  // The file's bytes, mapped (byte_image::of_file); none when there is no such file, or it is not a
  // whole SQLite database (its header's page count and size do not match the file's: cut short, or
  // not one).
  [[nodiscard]] std::optional<byte_image> read(std::string_view name) const {
    std::optional<byte_image> out;
    try {
      out = byte_image::of_file(file(name));
    } catch (const std::system_error& e) {
      throw error("cannot read the SQLite database '" + file(name).string() + "' (" + e.code().message() + "); check the file's permissions");
    }
    if (!out || !whole_database(out->bytes())) return std::nullopt;
    return out;
  }

  // The database's files (and its note) are removed; connections other processes still have keep
  // reading the unlinked file until they close it.
  void drop(std::string_view name) {
    for (const auto& path : {file(name).string(), file(name).string() + "-journal", file(name).string() + "-wal",
                             file(name).string() + "-shm", note_file(name).string()}) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      if (ec && ec != std::errc::no_such_file_or_directory)
        throw error("cannot remove the SQLite test database file '" + path + "' (" + ec.message() + "); check the folder's permissions");
    }
  }

  [[nodiscard]] std::vector<std::string> list(std::string_view prefix) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(folder_, ec), end; !ec && it != end; it.increment(ec)) {
      const auto& path = it->path();
      if (path.extension() != ".db") continue;
      auto stem = path.stem().string();
      if (stem.starts_with(prefix)) out.push_back(std::move(stem));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Read-only from now on.
  void mark_template(std::string_view name) {
    std::error_code ec;
    std::filesystem::permissions(file(name),
                                 std::filesystem::perms::owner_read | std::filesystem::perms::group_read | std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::replace, ec);
    if (ec) throw error("cannot mark the SQLite database '" + file(name).string() + "' read-only (" + ec.message() + ")");
    stamp(file(name));
  }

  // rename() is atomic: of two processes renaming one file, the second finds it gone.
  void rename(std::string_view from, std::string_view to) {
    std::error_code ec;
    if (std::filesystem::exists(file(to), ec))
      throw error("cannot rename the SQLite database '" + file(from).string() + "': '" + file(to).string() + "' exists already");
    std::filesystem::rename(file(from), file(to), ec);
    if (ec) throw error("cannot rename the SQLite database '" + file(from).string() + "' to '" + file(to).string() + "' (" + ec.message() + ")");
    std::filesystem::rename(note_file(from), note_file(to), ec);  // usually there is none
  }

  // The file's modification time, which create(), write(), copy() and mark_template() set to the
  // clock's now, to the clock's full precision (a template is not written after it is marked), and
  // its size: "<time>s<bytes>".
  [[nodiscard]] std::string identity(std::string_view name) const {
    auto number = [](long long n) { return n < 0 ? "m" + std::to_string(-n) : std::to_string(n); };
#if !defined(__linux__)
    std::error_code ec;
    const auto time = std::filesystem::last_write_time(file(name), ec);
    const auto size = ec ? 0 : std::filesystem::file_size(file(name), ec);
    if (ec) throw error("cannot read the SQLite database '" + file(name).string() + "' (" + ec.message() + ")");
    return number(static_cast<long long>(time.time_since_epoch().count())) + "s" + std::to_string(size);
#else
    struct ::stat info {};
    if (::stat(file(name).c_str(), &info) != 0)
      throw error("cannot read the SQLite database '" + file(name).string() + "' (" + std::strerror(errno) + ")");
    return number(static_cast<long long>(info.st_mtim.tv_sec)) + "n" + std::to_string(info.st_mtim.tv_nsec) + "s" +
           std::to_string(static_cast<long long>(info.st_size));
#endif
  }

  // Whether that process lives. A session that is not a process id is taken to live: nothing of it
  // is dropped.
  [[nodiscard]] bool alive(std::string_view session) const {
    if (session.empty() || session.size() > 9 || !std::all_of(session.begin(), session.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return true;
    const long pid = std::stol(std::string(session));
    return pid > 0 && detail::sqlite_files::process_alive(pid);
  }

  [[nodiscard]] std::optional<std::string> note(std::string_view name) const {
    std::ifstream in(note_file(name));
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    return line;
  }
  // Written whole under another name and renamed over the note, so that a reader never sees half of
  // one. Throws when there is no such database (one dropped meanwhile by another process).
  void note(std::string_view name, std::string_view text) {
    if (std::error_code ec; !std::filesystem::exists(file(name), ec))
      throw error("there is no SQLite database '" + file(name).string() + "' to note");
    if (!detail::replace_file(note_file(name), std::string(text) + "\n", "." + session() + ".tmp"))
      throw error("cannot write the note of the SQLite database '" + file(name).string() + "'");
  }

  // A lock file held open (flock; on Windows, opened with no sharing), and removed when this
  // provisioner unlocks or is destroyed; released too when its process dies.
  bool try_lock(std::string_view key) {
    if (locks_.contains(std::string(key))) return true;
    const auto path = lock_path(key);
    bool busy = false;
    const int fd = detail::sqlite_files::lock_file(path, busy);
    if (fd >= 0) {
      locks_.emplace(std::string(key), fd);
      return true;
    }
    if (busy) return false;
    throw database_unavailable("cannot open the lock file '" + path.string() + "' (" + std::strerror(errno) +
                               "); check that the folder (TMPDIR) is writable");
  }
  void unlock(std::string_view key) {
    if (auto it = locks_.find(std::string(key)); it != locks_.end()) {
      detail::sqlite_files::unlock_file(lock_path(key), it->second);
      locks_.erase(it);
    }
  }

  // sqlite3_serialize of the main database.
  static std::vector<unsigned char> snapshot(sqlite& d) {
    sqlite3_int64 size = 0;
    unsigned char* bytes = sqlite3_serialize(d.database().getHandle(), "main", &size, 0);
    if (bytes == nullptr) {
      if (size == 0) return {};  // a database without a page
      throw std::bad_alloc();
    }
    std::vector<unsigned char> out(bytes, bytes + size);
    sqlite3_free(bytes);
    return out;
  }

  // An in-memory database (PRAGMA foreign_keys = ON) into which the image is deserialized: no SQL
  // runs, and the copy grows as it is written.
  static sqlite open_snapshot(std::span<const unsigned char> image) {
    sqlite d("sqlite:///:memory:");
    if (image.empty()) return d;
    auto* buffer = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
    if (buffer == nullptr) throw std::bad_alloc();
    std::memcpy(buffer, image.data(), image.size());
    const auto size = static_cast<sqlite3_int64>(image.size());
    // FREEONCLOSE: SQLite owns the buffer from here on, even when the call fails.
    const int rc = sqlite3_deserialize(d.database().getHandle(), "main", buffer, size, size,
                                       SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
    if (rc != SQLITE_OK)
      throw database_unavailable(std::string("cannot load a SQLite snapshot into an in-memory database (") + sqlite3_errstr(rc) + ": " +
                                 sqlite3_errmsg(d.database().getHandle()) + ")");
    return d;
  }

 private:
  // The modification time set to now at the clock's precision (the file system's own stamp is
  // coarser: two files made within a few milliseconds may share it). Best effort.
  static void stamp(const std::filesystem::path& path) {
    std::error_code ignored;
    std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now(), ignored);
  }

  // SQLite's file format: "SQLite format 3" and a NUL, the page size at offset 16 (1: 65536), and
  // at offset 28 the page count, valid when the change counter (24) and the number at 92 agree.
  static bool whole_database(std::span<const unsigned char> image) {
    static constexpr std::string_view magic{"SQLite format 3\0", 16};
    if (image.size() < 100 || std::string_view(reinterpret_cast<const char*>(image.data()), magic.size()) != magic) return false;
    auto number = [&](std::size_t at, std::size_t bytes) {
      std::uint64_t n = 0;
      for (std::size_t i = 0; i < bytes; ++i) n = (n << 8) | image[at + i];
      return n;
    };
    const std::uint64_t page = number(16, 2) == 1 ? 65536 : number(16, 2);
    if (number(24, 4) != number(92, 4)) return image.size() % page == 0;
    return page * number(28, 4) == image.size();
  }

  static std::filesystem::path temporary_folder() {
    std::error_code ec;
    auto folder = std::filesystem::temp_directory_path(ec);
    if (ec) throw database_unavailable("there is no temporary folder for SQLite test databases (" + ec.message() + "); set TMPDIR to a writable folder");
    return folder;
  }
  [[nodiscard]] std::filesystem::path note_file(std::string_view name) const { return folder_ / (std::string(name) + ".note"); }
  // strata_lock_<key>.lock, with every character of the key but letters, digits and '_' made '_'.
  [[nodiscard]] std::filesystem::path lock_path(std::string_view key) const {
    std::string safe(key);
    for (auto& c : safe)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')) c = '_';
    return folder_ / ("strata_lock_" + safe + ".lock");
  }

  std::filesystem::path folder_;
  std::map<std::string, int> locks_;  // key -> the locked file's descriptor
};

static_assert(Provisionable<sqlite>);
static_assert(ClonesDatabases<sqlite>);
static_assert(SnapshotsDatabases<sqlite>);
static_assert(KeepsSnapshots<sqlite>);

}  // namespace strata
