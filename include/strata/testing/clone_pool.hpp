// strata::testing::clone_pool: copies of a template database, made ahead and dropped by background threads.
//
// For any dialect whose place copies a database itself (ClonesDatabases, strata/dialect.hpp:
// PostgreSQL's CREATE DATABASE ... TEMPLATE, a SQLite file copy). A copy can take tens of
// milliseconds of server work, so from a process's first take() on, worker threads keep copies
// ready and connected while the tests run (one after the first take(), make_ahead() from the
// second on) and drop released ones; take() then only hands one over. The default is 2 ahead, or
// $STRATA_TESTING_POOL; 0 makes each copy inside take() and drops it in release().
// The first take() (of all, or after make_ahead()) claims or makes its clone itself, with nobody
// else's connection in the way (each costs the client a SCRAM exchange and the server a process):
// - once it has the clone's name, the first worker starts, borrowing the pool's own provisioner,
//   idle by then, for each of its statements: it starts the copy that a short test process leaves
//   as a spare for the next one while this one connects to its clone, with no connection of its own;
// - once that clone is connected, the others start, each with a provisioner (a connection) of its
//   own: as many as make_ahead() asks for, and a second one while there is work for when they are
//   idle (a template's housekeeping).
//
// Names, all on the place: clones are strata_clone_<session>_<n>, <session> being the pool's own
// provisioner's session(); drop_orphans() drops the clones (and STRATA_MIGRATION_TESTS' databases,
// strata_mt_<session>_<n>) of sessions that no longer live (a test process that was killed, or
// one that exited before dropping its released clones). At exit (stop(true)), nothing is waited
// for: up to two clones made ahead and not used stay as spares of the template,
// strata_spare_<template identity>_<session>_<n>, the workers are abandoned (AbandonsStatements:
// the copy in progress, made under a spare's name, is finished by the place) and released clones
// are left to the next process. A process's take() claims a spare when there is one (rename()):
// a test process that needs one database (ctest running each test in a process of its own) finds
// it made by one before it. Spares of templates that are gone are orphans too.
// Where the dialect ClaimsInPlace (strata/dialect.hpp), the spares a process leaves are also noted
// on the machine (spare_record), and the next process's first clone is one of them, taken with one
// connection: to the spare itself, noted in use by that process's session (its note; its name stays
// a spare's), before the pool's connection is made (pooled_template). Such a spare is a clone of
// that process: never claimed by another (claim() refuses a noted one, or one with a session),
// dropped when released, or as an orphan once the session its note names is gone.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <strata/detail/graph_check.hpp>
#include <strata/dialect.hpp>
#include <strata/errors.hpp>

namespace strata::testing {

namespace detail {

inline constexpr std::string_view clone_prefix = "strata_clone_";
inline constexpr std::string_view empty_prefix = "strata_mt_";  // STRATA_MIGRATION_TESTS' databases
inline constexpr std::string_view spare_prefix = "strata_spare_";
inline constexpr std::string_view template_prefix = "strata_tpl_";
inline constexpr std::string_view names_prefix = "strata_";  // the four above

// The first line of a message.
inline std::string first_line(std::string message) {
  if (auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
  return message;
}

// "<prefix><field>_...": the field, or empty when `name` is not of that form.
inline std::string_view field_after(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return {};
  name.remove_prefix(prefix.size());
  const auto end = name.find('_');
  return end == std::string_view::npos ? std::string_view{} : name.substr(0, end);
}

// strata_tpl_ and 16 lowercase hex digits: a template of strata::testing (not one being built).
inline bool is_template_name(std::string_view name) {
  if (!name.starts_with(template_prefix) || name.size() != template_prefix.size() + 16) return false;
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(template_prefix.size()), name.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Drops `name`, reporting a failure on stderr: it is left for a later process to drop. A lost
// connection is not reported (a provisioner abandoned at exit; else what follows reports it).
template <Provisionable D>
void drop_quietly(typename D::provisioner& p, const std::string& name) noexcept {
  try {
    p.drop(name);
  } catch (const database_unavailable&) {  // NOLINT: see above
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata::testing: could not drop the database %s: %s\n", name.c_str(), first_line(e.what()).c_str());
  }
}

// 16 lowercase hex digits of a 64-bit value (names and digests of strata::testing).
inline std::string hex_of(std::uint64_t value) {
  std::string hex(16, '0');
  for (auto at = hex.rbegin(); at != hex.rend(); ++at, value >>= 4) *at = "0123456789abcdef"[value & 0xF];
  return hex;
}

// A spare a process leaves: a clone made ahead, renamed (ready), or a copy the place was still
// making, begun then.
struct left_spare {
  std::string name;
  std::optional<std::chrono::steady_clock::time_point> began;
};

// The note of a spare a process claimed in place (ClaimsInPlace): in use by the session that follows.
inline constexpr std::string_view in_use_stamp = "strata::testing: in use by session ";
// The session a note says a spare is in use by; none when it says nothing of the kind.
inline std::optional<std::string> in_use_session(const std::optional<std::string>& note) {
  if (!note || !note->starts_with(in_use_stamp) || note->size() == in_use_stamp.size()) return std::nullopt;
  return note->substr(in_use_stamp.size());
}

// A name for a database this session is about to drop: strata_clone_<session>_gone_<n>, an orphan
// of this session should it die first.
template <Provisionable D>
std::string doomed_name(typename D::provisioner& p) {
  static std::atomic<unsigned long> counter{0};
  return std::string(clone_prefix) + p.session() + "_gone_" + std::to_string(counter++);
}

// Drops a spare nobody uses: claimed first (renamed away, so that no process connects to it by its
// name meanwhile), unless a session is on it or it is noted (in use).
template <ClaimsInPlace D>
void claim_and_drop(typename D::provisioner& p, std::string_view spare) {
  const auto doomed = doomed_name<D>(p);
  try {
    if (!p.claim(spare, doomed)) return;
  } catch (const database_unavailable&) {
    throw;
  } catch (const std::exception&) {  // NOLINT: left to the next process
    return;
  }
  drop_quietly<D>(p, doomed);
}

#if !defined(_WIN32)
// A file of strata::testing's in the machine's temporary folder, which is everybody's: opened with
// `flags` (O_CREAT makes it 0600), not through a link, and only when it is a regular file of this
// user's; -1 otherwise.
inline int open_own_file(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return -1;
  if (struct stat info {}; ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_uid == ::getuid()) return fd;
  ::close(fd);
  return -1;
}
#endif

// The spares this machine's test processes left on one place for one template, so that the next
// process takes one with one connection (ClaimsInPlace): a file in the temporary folder, named by a
// hash of the place, the template and the user, read and written under a lock (flock). Each spare
// has the time (steady_clock, which every process of the machine shares) when it is ready: 0 for one
// made, the time its copy began and the time a copy takes for one the place was still making. A
// name in it may be stale (taken by a process of another machine, dropped): the connection to it
// then fails, and the process takes a spare the other way. Nothing on Windows.
class spare_record {
 public:
  static constexpr std::size_t most = 4;
  struct entry {
    std::string name;
    long long ready_at = 0;  // steady_clock's nanoseconds
  };

  spare_record(std::string_view place, std::string_view template_name) {
    std::string key = "strata::testing spares 2\n";
    key += place;
    key += '\n';
    key += template_name;
#if !defined(_WIN32)
    key += "\n" + std::to_string(::getuid());
    std::error_code ec;  // no temporary folder: no record
    const auto folder = std::filesystem::temp_directory_path(ec);
    if (!ec) path_ = (folder / ("strata_spares_" + hex_of(strata::detail::hash_id(key)))).string();
#endif
  }

  [[nodiscard]] const std::string& path() const { return path_; }

  // Before any process timed a copy, how long one is taken to take (nanoseconds).
  static constexpr long long untimed_copy_ns = 250'000'000;

  // What the record held besides the spare pop() took: how many others, and how long a copy takes
  // (nanoseconds: as a process last timed one, else untimed_copy_ns).
  struct rest {
    std::size_t others = 0;
    long long copy_ns = untimed_copy_ns;
  };

  // The spare ready first, taken out of the record; none when it is empty (or cannot be read).
  std::optional<entry> pop(rest& left) {
    std::optional<entry> out;
    left = {};
    update([&](std::vector<entry>& entries, long long& copy) {
      left.copy_ns = takes(copy);
      if (entries.empty()) return;
      const auto first = std::min_element(entries.begin(), entries.end(), [](const entry& a, const entry& b) { return a.ready_at < b.ready_at; });
      out = std::move(*first);
      entries.erase(first);
      left.others = entries.size();
    });
    return out;
  }
  std::optional<entry> pop() {
    rest ignored;
    return pop(ignored);
  }

  // Adds the spares not in it yet; beyond `most` in all, those ready first go (the likeliest to be
  // stale: taken meanwhile by a process that did not read the record). `copy_ns`, when known, is how
  // long a copy took.
  void push(const std::vector<entry>& added, std::optional<long long> copy_ns = std::nullopt) {
    update([&](std::vector<entry>& entries, long long& copy) {
      if (copy_ns) copy = *copy_ns;
      add(entries, added);
    });
  }
  // The spares a process left, in the same read and write: one still being made is ready when the
  // time a copy takes has passed since it began (`copy_ns` when this process timed one, above 0,
  // else the record's, else untimed_copy_ns).
  void push(const std::vector<left_spare>& left, long long copy_ns) {
    update([&](std::vector<entry>& entries, long long& copy) {
      if (copy_ns > 0) copy = copy_ns;
      std::vector<entry> added;
      for (const auto& l : left) added.push_back({l.name, l.began ? l.began->time_since_epoch().count() + takes(copy) : 0});
      add(entries, added);
    });
  }

  // Takes `name` out of the record: a spare this machine's process claimed another way.
  void erase(std::string_view name) {
    update([&](std::vector<entry>& entries, long long&) { std::erase_if(entries, [&](const entry& e) { return e.name == name; }); });
  }

  // How long a copy took when a process last timed one (nanoseconds); none before.
  std::optional<long long> copy_time() {
    long long out = 0;
    update([&](std::vector<entry>&, long long& copy) { out = copy; });
    return out > 0 ? std::optional<long long>(out) : std::nullopt;
  }

 private:
  static long long takes(long long copy) { return copy > 0 ? copy : untimed_copy_ns; }

  static void add(std::vector<entry>& entries, const std::vector<entry>& added) {
    for (const auto& e : added)
      if (std::none_of(entries.begin(), entries.end(), [&](const entry& x) { return x.name == e.name; })) entries.push_back(e);
    std::stable_sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) { return a.ready_at < b.ready_at; });
    if (entries.size() > most) entries.erase(entries.begin(), entries.end() - static_cast<std::ptrdiff_t>(most));
  }

  // f(entries, copy time) under the file's lock, and what it changed written back. Best effort: an
  // error leaves the file as it was. Its lines: "copy <ns>", then "<name> <ready at>" per spare.
  template <class F>
  void update(F&& f) noexcept {
#if !defined(_WIN32)
    if (path_.empty()) return;
    const int fd = open_own_file(path_, O_RDWR | O_CREAT);
    if (fd < 0) return;
    if (::flock(fd, LOCK_EX) == 0) {
      try {
        std::string text;
        char buffer[512];
        for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
        std::vector<entry> entries;
        long long copy = 0;
        for (std::size_t at = 0; at < text.size();) {
          const auto end = std::min(text.find('\n', at), text.size());
          const auto line = std::string_view(text).substr(at, end - at);
          at = end + 1;
          const auto space = line.find(' ');
          if (space == std::string_view::npos || space == 0) continue;
          const long long value = std::strtoll(std::string(line.substr(space + 1)).c_str(), nullptr, 10);
          if (line.substr(0, space) == "copy") copy = value;
          else entries.push_back({std::string(line.substr(0, space)), value});
        }
        const auto before = text;
        std::forward<F>(f)(entries, copy);
        std::string out = "copy " + std::to_string(copy) + "\n";
        for (const auto& e : entries) out += e.name + " " + std::to_string(e.ready_at) + "\n";
        if (out != before && ::ftruncate(fd, 0) == 0 && ::pwrite(fd, out.data(), out.size(), 0) != static_cast<ssize_t>(out.size()))
          (void)::ftruncate(fd, 0);
      } catch (const std::exception&) {  // NOLINT: best effort
      }
      ::flock(fd, LOCK_UN);
    }
    ::close(fd);
#else
    (void)f;
#endif
  }

  std::string path_;
};

// Drops the clones and empty test databases of sessions that no longer live, the spares of
// templates that are gone, and the spares whose names start with `trimmed` beyond `kept` of them
// (more are left when processes abandon their copies). Best effort: another process may be
// dropping the same ones. A spare claimed in place (ClaimsInPlace) is a clone of the session its
// note names, not a spare: dropped once that session is gone, never while it lives; a spare is
// claimed before it is dropped.
template <Provisionable D>
void drop_orphans(typename D::provisioner& p, std::string_view trimmed = {}, std::size_t kept = 0) {
  const auto own = p.session();
  // One listing of what strata::testing names (the prefixes below all start with "strata_"): the
  // place is read once (SQLite: a folder, maybe the whole temporary folder; PostgreSQL: a query).
  const auto names = p.list(names_prefix);
  std::map<std::string, bool, std::less<>> alive;
  auto gone = [&](std::string_view session) {  // another session, no longer alive (asked once each)
    if (session == own) return false;
    auto it = alive.find(session);
    if (it == alive.end()) it = alive.emplace(std::string(session), p.alive(session)).first;
    return !it->second;
  };
  std::vector<std::string_view> spares;
  std::vector<std::string_view> templates;
  for (const auto& name : names) {
    if (name.starts_with(spare_prefix)) spares.push_back(name);
    else if (is_template_name(name)) templates.push_back(name);
    for (auto prefix : {clone_prefix, empty_prefix}) {
      const auto session = field_after(name, prefix);
      if (!session.empty() && gone(session)) drop_quietly<D>(p, name);
    }
  }
  if constexpr (ClonesDatabases<D>) {
    if (spares.empty()) return;
    std::set<std::string, std::less<>> identities;
    for (auto name : templates) {
      try {
        identities.insert(p.identity(name));
      } catch (const database_unavailable&) {
        throw;
      } catch (const std::exception&) {  // NOLINT: dropped meanwhile
      }
    }
    std::size_t trimmed_seen = 0;
    for (auto name : spares) {
      if constexpr (ClaimsInPlace<D>) {
        std::optional<std::string> note;
        try {
          note = p.note(name);
        } catch (const database_unavailable&) {
          throw;
        } catch (const std::exception&) {  // NOLINT: dropped meanwhile
          continue;
        }
        if (const auto session = in_use_session(note)) {
          if (gone(*session)) drop_quietly<D>(p, std::string(name));
          continue;
        }
      }
      const bool orphan = !identities.contains(field_after(name, spare_prefix));
      const bool extra = !orphan && !trimmed.empty() && name.starts_with(trimmed) && ++trimmed_seen > kept;
      if (!orphan && !extra) continue;
      if constexpr (ClaimsInPlace<D>) claim_and_drop<D>(p, name);
      else drop_quietly<D>(p, std::string(name));
    }
  }
}

inline std::size_t default_make_ahead() {
  const char* v = std::getenv("STRATA_TESTING_POOL");
  if (v == nullptr || *v == '\0') return 2;
  char* end = nullptr;
  const unsigned long n = std::strtoul(v, &end, 10);
  return *end == '\0' && n <= 16 ? n : 2;
}

// What hands out clones and takes them back (a pool, a template): release() drops the database
// `name`, whose connection is closed, now or later.
class clone_owner {
 public:
  virtual ~clone_owner() = default;
  virtual void release(std::string name) noexcept = 0;

 protected:
  clone_owner() = default;
  clone_owner(const clone_owner&) = default;
  clone_owner& operator=(const clone_owner&) = default;
};

}  // namespace detail

// A database the pool made from its template, with its connection.
template <ClonesDatabases D>
struct pooled_clone {
  std::string name;
  std::optional<D> connection;
  std::string url;  // the provisioner's url(name)
};

// The clones of one template: made on demand, or ahead by worker threads; dropped on release.
// Thread-safe. stop() (or the destructor) ends the workers and drops what they made and were
// given, or keeps some of what they made as spares for the next process. Hold it in a shared_ptr
// when clones outlive the scope that made the pool (cloned_database does).
template <ClonesDatabases D>
class clone_pool final : public detail::clone_owner {
 public:
  using provisioner = typename D::provisioner;
  // At most this many spares per template are kept on the place.
  static constexpr std::size_t spares_kept = 2;

  // Its own provisioner (strata::database_unavailable when the place cannot be reached) runs the
  // statements that are not a worker's.
  explicit clone_pool(std::string template_name)
      : template_(std::move(template_name)), prefix_(std::string(detail::clone_prefix) + admin_.session() + "_"), ahead_(detail::default_make_ahead()) {}
  clone_pool(const clone_pool&) = delete;
  clone_pool& operator=(const clone_pool&) = delete;
  ~clone_pool() override { stop(true); }

  // The template exists, with this identity: spares of it may be taken and kept from now on.
  void attach(const std::string& template_identity) { spare_prefix_ = std::string(detail::spare_prefix) + template_identity + "_"; }
  [[nodiscard]] const std::string& spare_prefix() const { return spare_prefix_; }
  [[nodiscard]] const std::string& prefix() const { return prefix_; }
  [[nodiscard]] const std::string& template_name() const { return template_; }

  // f(provisioner&) on the pool's own provisioner, one caller at a time.
  template <class F>
  decltype(auto) with_admin(F&& f) {
    const std::lock_guard lock(admin_mutex_);
    return std::forward<F>(f)(admin_);
  }

  void drop_orphans() {
    with_admin([](provisioner& p) { detail::drop_orphans<D>(p); });
  }

  // A fresh clone: one made ahead; else the one a worker is making; else a spare; else made now.
  pooled_clone<D> take() {
    std::unique_lock lock(mutex_);
    ++taken_;
    if (ahead_ > 0 && workers_.empty() && !stopping_) {  // none yet: this one first, then the workers (see the top)
      lock.unlock();
      auto name = name_here();
      lock.lock();
      if (workers_.empty() && !stopping_) start_workers(1);  // the first starts its copy while this one connects
      lock.unlock();
      auto clone = connected(admin_, std::move(name), &admin_mutex_);
      lock.lock();
      if (!stopping_) start_workers(workers_wanted());  // the others once it is connected
      return clone;
    }
    if (ahead_ > 0 && !stopping_) start_workers(workers_wanted());  // one more from the second take() on
    if (ready_.empty() && creating_ > 0) ready_changed_.wait(lock, [&] { return !ready_.empty() || creating_ == 0 || failed_; });
    if (!ready_.empty()) {
      auto clone = std::move(ready_.front());
      ready_.pop_front();
      work_changed_.notify_all();
      return clone;
    }
    failed_ = false;  // a worker failed: try here, so that the error (or the clone) is this call's, and let them try again
    work_changed_.notify_all();
    lock.unlock();
    return connected(admin_, name_here(), &admin_mutex_);
  }

  // f(provisioner&) once, on a worker's provisioner when the workers have nothing else to do
  // (the housekeeping a template leaves off its first clone's path). Not run if the process ends first.
  void when_idle(std::function<void(provisioner&)> f) {
    const std::lock_guard lock(mutex_);
    idle_work_ = std::move(f);
    work_changed_.notify_all();
  }

  // A clone that is no longer used (its connection closed): dropped by a worker, or now.
  void release(std::string clone) noexcept override {
    {
      const std::lock_guard lock(mutex_);
      if ((live_ > 0 || starting_ > 0) && !stopping_) {
        released_.push_back(std::move(clone));
        work_changed_.notify_all();
        return;
      }
      if (exited_) return;  // an orphan now: the next process drops it
    }
    const std::lock_guard admin_lock(admin_mutex_);
    detail::drop_quietly<D>(admin_, clone);
  }

  // Waits until the workers are idle: every released clone dropped, and as many clones ready as
  // they keep (or one failed to be made). At once when no workers run.
  void settle() {
    std::unique_lock lock(mutex_);
    ready_changed_.wait(lock, [&] {
      return starting_ == 0 &&
             (live_ == 0 || (released_.empty() && dropping_ == 0 && creating_ == 0 && !idle_work_ && idle_working_ == 0 &&
                             (ready_.size() >= target() || failed_)));
    });
  }

  [[nodiscard]] std::size_t make_ahead() const {
    const std::lock_guard lock(mutex_);
    return ahead_;
  }
  // Stops the workers (dropping what they made) and sets how many they keep ready when they start again.
  void make_ahead(std::size_t n) {
    stop(false);
    const std::lock_guard lock(mutex_);
    ahead_ = n;
  }

  // keep_spares (the process's exit): nothing is waited for. Up to spares_kept of the clones made
  // ahead stay on the place as spares, for the next process; the workers are abandoned (a dialect
  // that AbandonsStatements): a copy in progress is finished by the place under a spare's name, a
  // drop in progress too; released clones, and those made ahead beyond the spares, are left as
  // orphans of this session, which the next process's housekeeping drops (when_idle).
  // Else (make_ahead()): the workers finish, and every clone they made or were given is dropped.
  void stop(bool keep_spares) noexcept {
    std::vector<std::thread> workers;
    std::vector<detail::left_spare> abandoned;  // copies the place finishes as spares
    if (keep_spares) {
      // A short process exits right after its first worker started (it borrows admin_, so it needs
      // no connection first): its copy is waited for to begin, and given 2 ms to reach the server,
      // for the server to finish it as the next process's spare. With first_ahead() above one (a
      // process that found too few spares), so are the other workers' (each makes its connection
      // first), up to 100 ms in all.
      std::unique_lock lock(mutex_);
      ready_changed_.wait_for(lock, std::chrono::milliseconds(first_ahead_ > 1 ? 100 : 50), [&] {
        return (live_ == 0 && starting_ == 0) || !wants_clone() || (first_ahead_ <= 1 && creating_ > 0);
      });
      if (creating_ > 0) {
        const auto sent_by = copy_began_ + std::chrono::milliseconds(2);
        lock.unlock();
        std::this_thread::sleep_until(sent_by);
      }
    }
    if (keep_spares) {  // before a copy abandoned below returns (and forgets its name)
      const std::lock_guard lock(copying_mutex_);
      abandoned = copying_;
    }
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
      exited_ = keep_spares;
      if constexpr (AbandonsStatements<D>)
        if (keep_spares) {
          for (auto* place : places_) place->abandon();
          // The pool's own too, when the worker that borrows it runs a statement on it: then
          // nothing is kept as a spare below (a copy in progress is one).
          if (borrowed_busy_) admin_.abandon();
        }
      workers.swap(workers_);
    }
    work_changed_.notify_all();
    for (auto& w : workers) w.join();
    std::deque<pooled_clone<D>> ready;
    std::deque<std::string> released;
    {
      const std::lock_guard lock(mutex_);
      ready.swap(ready_);
      released.swap(released_);
      stopping_ = false;
      failed_ = false;
    }
    ready_changed_.notify_all();  // settle() and take() waiters
    const std::lock_guard admin_lock(admin_mutex_);
    for (auto& c : ready) {
      c.connection.reset();
      if (!keep_spares) detail::drop_quietly<D>(admin_, c.name);
      else keep_as_spare(c.name);
    }
    if (!keep_spares)
      for (const auto& c : released) detail::drop_quietly<D>(admin_, c);
    left_.insert(left_.end(), abandoned.begin(), abandoned.end());
  }

  // The spares stop(true) left on the place.
  [[nodiscard]] std::vector<detail::left_spare> left_spares() const {
    const std::lock_guard lock(admin_mutex_);
    return left_;
  }
  // How long this process's latest copy took (nanoseconds), 0 before one was made.
  [[nodiscard]] long long copy_time() const { return copy_ns_; }

  // f(spare) when take() claimed a spare (renamed it to a clone): the template takes it out of the
  // machine's record (spare_record). Set before the first take().
  void on_claim(std::function<void(const std::string&)> f) { claimed_ = std::move(f); }

  // How many clones are made ahead after the first take() (1; at most make_ahead()): a process
  // that found too few spares leaves more, each begun by a worker of its own.
  void first_ahead(std::size_t n) {
    const std::lock_guard lock(mutex_);
    first_ahead_ = n;
  }

  // A clone this process took without the pool (a spare claimed in place) counts as its first
  // take(): the workers start, to keep one ready (or leave it as a spare at exit).
  void took_one() {
    const std::lock_guard lock(mutex_);
    ++taken_;
    if (ahead_ > 0 && !stopping_) start_workers(workers_wanted());
  }

 private:
  // The name of a clone take() makes itself: a spare claimed, else a copy made now.
  std::string name_here() {
    const std::lock_guard admin_lock(admin_mutex_);
    if (auto spare = claim_spare()) return std::move(*spare);
    return copied(admin_);
  }

  // The clone `name`, connected through p (dropped when it cannot be). open() and url() use none
  // of p's session (strata/dialect.hpp): take() calls them on admin_ without admin_mutex_, which the
  // worker that borrows admin_ may hold for a statement; `guard`, when given, is taken to drop.
  static pooled_clone<D> connected(provisioner& p, std::string name, std::mutex* guard = nullptr) {
    try {
      auto connection = p.open(name);
      auto url = p.url(name);
      return {std::move(name), std::move(connection), std::move(url)};
    } catch (...) {
      std::unique_lock<std::mutex> dropping;
      if (guard != nullptr) dropping = std::unique_lock(*guard);
      detail::drop_quietly<D>(p, name);
      throw;
    }
  }

  // A copy of the template, made on p; its name. A worker's (as_spare) is made under a spare's
  // name, then renamed to the clone's: one that the process's exit abandons is finished by the
  // place as a spare. Another process may claim it in between: then one more is made.
  std::string copied(provisioner& p, bool as_spare = false) {
    auto name = prefix_ + std::to_string(counter_++);
    const auto made_as = as_spare && !spare_prefix_.empty() ? spare_prefix_ + p.session() + "_" + std::to_string(counter_++) : name;
    const auto began = std::chrono::steady_clock::now();
    // What an exit meanwhile leaves as a spare (left_spares()).
    struct in_progress {
      clone_pool& pool;
      const std::string& name;
      bool on;
      in_progress(clone_pool& pl, const std::string& n, std::chrono::steady_clock::time_point t, bool o) : pool(pl), name(n), on(o) {
        if (!on) return;
        const std::lock_guard lock(pool.copying_mutex_);
        pool.copying_.push_back({name, t});
      }
      ~in_progress() {
        if (!on) return;
        const std::lock_guard lock(pool.copying_mutex_);
        std::erase_if(pool.copying_, [&](const detail::left_spare& c) { return c.name == name; });
      }
    } noted{*this, made_as, began, made_as != name};
    try {
      p.copy(template_, made_as);
      copy_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began).count();
      if (made_as != name) {
        try {
          p.rename(made_as, name);
        } catch (const database_unavailable&) {
          throw;
        } catch (const std::exception&) {
          return copied(p, false);  // claimed meanwhile by another process: it is theirs
        }
      }
    } catch (const database_unavailable&) {
      throw;
    } catch (const std::exception& e) {
      throw error("strata::testing could not create a database from the template '" + template_ + "' (" + detail::first_line(e.what()) +
                  "); if the template was dropped or renamed, the next test process builds it again");
    }
    return name;
  }

  // Names of this template's spares (at most `most`), or none before attach().
  std::vector<std::string> spares(std::size_t most) {
    if (spare_prefix_.empty()) return {};
    auto out = admin_.list(spare_prefix_);
    if (out.size() > most) out.resize(most);
    return out;
  }

  // How many of this template's spares nobody uses (those claimed in place are clones of the
  // process that did). Called with admin_mutex_ held.
  std::size_t free_spares() {
    const auto all = spares(16);
    if constexpr (ClaimsInPlace<D>)
      return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const std::string& s) { return !detail::in_use_session(admin_.note(s)); }));
    return all.size();
  }

  // A spare renamed to one of this process's clones, its new name (another process may take the
  // same one first: then its rename fails, and the next is tried). Called with admin_mutex_ held.
  std::optional<std::string> claim_spare() {
    std::vector<std::string> candidates;
    try {
      candidates = spares(4);
    } catch (const database_unavailable&) {
      throw;
    } catch (const std::exception&) {  // NOLINT: then make one
    }
    for (const auto& spare : candidates) {
      auto name = prefix_ + std::to_string(counter_++);
      try {
        if constexpr (ClaimsInPlace<D>) {
          if (!admin_.claim(spare, name)) continue;  // in use: claimed in place by a process
        } else {
          admin_.rename(spare, name);
        }
      } catch (const database_unavailable&) {
        throw;
      } catch (const std::exception&) {
        continue;  // taken by another process
      }
      if (claimed_) claimed_(spare);
      return name;
    }
    return std::nullopt;
  }

  // Renames a clone made ahead (its connection closed) to a spare, unless there are enough.
  // Called with admin_mutex_ held.
  bool keep_as_spare(const std::string& clone) noexcept {
    try {
      if (spare_prefix_.empty() || free_spares() >= spares_kept) return false;
      auto spare = spare_prefix_ + admin_.session() + "_" + std::to_string(counter_++);
      admin_.rename(clone, spare);
      left_.push_back({std::move(spare), std::nullopt});
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  // Called with mutex_ held: as many workers as target(), and two while there is work for when they
  // are idle (a template's housekeeping, which the first, making a copy, would reach only once that
  // copy is made: too late in a short process).
  std::size_t workers_wanted() const { return std::max<std::size_t>(target(), idle_work_ ? 2 : 1); }
  // Called with mutex_ held: workers up to `wanted`. The first borrows admin_ and starts at once;
  // each other makes its provisioner (a connection) on its own thread.
  void start_workers(std::size_t wanted) {
    for (std::size_t i = workers_.size(); i < wanted; ++i) {
      ++starting_;
      workers_.emplace_back([this, borrows = i == 0] { work(borrows); });
    }
  }

  void work(bool borrows) {
    std::optional<provisioner> own;
    if (!borrows) try {
        own.emplace();
      } catch (const std::exception&) {  // NOLINT: take() then makes its clones itself, and reports the error
      }
    std::unique_lock lock(mutex_);
    --starting_;
    if (!borrows && !own) {
      failed_ = true;
      ready_changed_.notify_all();
      return;
    }
    ++live_;
    provisioner* const place = own ? &*own : nullptr;
    if (place != nullptr) places_.push_back(place);
    ready_changed_.notify_all();
    struct leaving {
      clone_pool& pool;
      provisioner* place;
      ~leaving() {
        --pool.live_;
        if (place != nullptr) std::erase(pool.places_, place);
      }
    } on_exit{*this, place};  // runs with mutex_ held: the loop returns holding it
    // f(provisioner&) with mutex_ unlocked, on the worker's own provisioner or on admin_ (under admin_mutex_).
    auto unlocked = [&](auto&& f) {
      if (borrows) borrowed_busy_ = true;
      lock.unlock();
      if (borrows) {
        const std::lock_guard admin_lock(admin_mutex_);
        f(admin_);
      } else {
        f(*own);
      }
      lock.lock();
      borrowed_busy_ = false;
    };
    for (;;) {
      work_changed_.wait(lock, [&] { return stopping_ || wants_clone() || !released_.empty() || idle_work_; });
      if (stopping_) return;
      if (wants_clone()) {
        ++creating_;
        copy_began_ = std::chrono::steady_clock::now();
        ready_changed_.notify_all();  // stop(true) waits for a copy to begin
        std::optional<pooled_clone<D>> made;
        unlocked([&](provisioner& p) {
          try {
            made = connected(p, copied(p, true));
          } catch (const std::exception&) {  // NOLINT: take() tries again itself and reports its own error
          }
        });
        --creating_;
        if (made) ready_.push_back(std::move(*made));
        else failed_ = true;
        ready_changed_.notify_all();
      } else if (!released_.empty()) {
        auto clone = std::move(released_.front());
        released_.pop_front();
        ++dropping_;
        unlocked([&](provisioner& p) { detail::drop_quietly<D>(p, clone); });
        --dropping_;
        ready_changed_.notify_all();
      } else {
        auto f = std::exchange(idle_work_, nullptr);
        ++idle_working_;
        unlocked([&](provisioner& p) {
          try {
            f(p);
          } catch (const std::exception&) {  // NOLINT: housekeeping; the next process tries again
          }
        });
        --idle_working_;
        ready_changed_.notify_all();
      }
    }
  }
  // How many clones are kept ready: one after the first take() (first_ahead()), make_ahead() from the second on.
  std::size_t target() const { return taken_ >= 2 ? ahead_ : std::min<std::size_t>(ahead_, first_ahead_); }
  bool wants_clone() const { return !failed_ && ready_.size() + creating_ < target(); }

  mutable std::mutex admin_mutex_;  // guards admin_ and left_
  provisioner admin_;
  std::vector<detail::left_spare> left_;  // stop(true)'s spares
  std::mutex copying_mutex_;
  std::vector<detail::left_spare> copying_;  // copies being made under a spare's name
  std::atomic<long long> copy_ns_{0};
  std::function<void(const std::string&)> claimed_;  // on_claim()
  const std::string template_;
  const std::string prefix_;
  std::string spare_prefix_;  // set by attach(), before any clone is taken
  std::atomic<unsigned long> counter_{0};

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable work_changed_;   // workers wait on it
  std::condition_variable ready_changed_;  // take() and settle() wait on it
  std::size_t ahead_;
  std::size_t first_ahead_ = 1;
  std::size_t taken_ = 0;
  std::size_t creating_ = 0;
  std::chrono::steady_clock::time_point copy_began_;  // the latest
  std::size_t dropping_ = 0;
  std::size_t starting_ = 0;  // workers making their provisioner
  std::size_t live_ = 0;      // workers working
  bool stopping_ = false;
  bool failed_ = false;  // a worker could not make a clone; they wait for take() to try again
  bool exited_ = false;  // stop(true): released clones are left to the next process
  bool borrowed_busy_ = false;  // the worker that borrows admin_ runs a statement on it
  std::function<void(provisioner&)> idle_work_;  // when_idle()
  std::size_t idle_working_ = 0;
  std::vector<provisioner*> places_;  // the live workers' provisioners, which stop(true) abandons
  std::deque<pooled_clone<D>> ready_;
  std::deque<std::string> released_;
  std::vector<std::thread> workers_;
};

}  // namespace strata::testing
