// strata::testing::database_template: a history migrated once, cloned for each test, on any Provisionable dialect.
//
// database_template<H, D> is one of two kinds, chosen by what the dialect can do (strata/dialect.hpp):
//   snapshot_template<H, D>  (SnapshotsDatabases: SQLite) the history migrated into a private
//                            in-memory database, kept as bytes; clone() writes them as a new
//                            database of the place (SQLite: one file write), clone_in_memory() loads
//                            them into a copy only its connection sees (sqlite3_deserialize: no SQL).
//                            A dialect that KeepsSnapshots keeps the bytes across processes, as the
//                            database kept_template_name<H, D>() of for_templates()' place (SQLite:
//                            $STRATA_TEMPLATE_DIR, else the temporary folder): built once under the
//                            place's lock, written under another name, noted with the digest of
//                            its bytes and its file's identity and renamed into place, and checked
//                            by each process that reads it (whole, the bytes its builder noted: the
//                            identity unchanged, else the digest; opening it to ask its revision
//                            would parse its whole schema); built again when it is not. Its name
//                            is remembered in the temporary folder for the next process of the
//                            same build (remembered_name). Where that place is the clones' place,
//                            a process's clones are copies the place makes of the kept template
//                            (SQLite: the kernel copies the file) while its identity is as noted,
//                            and the process reads the bytes only when it needs them (another
//                            identity, clone_in_memory(), image()). Migrated once per process
//                            otherwise.
//   pooled_template<H, D>    (ClonesDatabases: PostgreSQL) the history migrated once per place into a
//                            template database named by a hash of the history (template_name), shared
//                            by test processes; clones are the place's own copies of it, made ahead by
//                            a clone_pool (strata/testing/clone_pool.hpp). It is built under a lock
//                            across processes, as <name>_building_<session>, then marked a template
//                            and renamed into place, so a concurrent process never sees half of one.
//                            Each template is noted with the (UTC) date it was last used, once a day;
//                            a template's housekeeping drops the templates of other histories unused
//                            for 14 days, so that a long-lived server does not collect one per edit
//                            of the history. A process's exit waits for nothing (clone_pool::stop).
// Both drop what test processes that ended left on the place (see clone_pool.hpp): a snapshot
// template at the process's exit (off the first clone's path: the place is a folder, maybe the
// whole temporary folder, listed); a pooled one in its housekeeping, done by an idle worker (at
// once when there are no workers, or more than 16 clones and spares of its template on the place).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <strata/byte_image.hpp>
#include <strata/detail/graph_check.hpp>
#include <strata/detail/loaded_code.hpp>
#include <strata/dialect.hpp>
#include <strata/errors.hpp>
#include <strata/history.hpp>
#include <strata/migrator.hpp>
#include <strata/ops.hpp>
#include <strata/render.hpp>
#include <strata/schema.hpp>
#include <strata/testing/clone_pool.hpp>

namespace strata::testing {

// How the tests of a suite are kept apart: each inside a transaction rolled back at its end (one
// database for the suite), or each on a fresh clone of the template.
enum class isolation { transaction, fresh_database };

constexpr std::string_view to_string(isolation i) { return i == isolation::transaction ? "transaction" : "fresh_database"; }
inline std::ostream& operator<<(std::ostream& out, isolation i) { return out << to_string(i); }

// A database at the head of a history, with its connection; dropped when destroyed (by the
// template's workers while they run, else at once). Move-only.
template <Provisionable D>
class cloned_database {
 public:
  // `owner` drops the database `name` when this is destroyed; none (and no name) for a database
  // that goes with its connection (in memory).
  cloned_database(std::shared_ptr<detail::clone_owner> owner, std::string name, std::string url, D connection)
      : owner_(std::move(owner)), name_(std::move(name)), url_(std::move(url)), dialect_(std::move(connection)) {}
  cloned_database(cloned_database&& other) noexcept
      : owner_(std::move(other.owner_)), name_(std::exchange(other.name_, {})), url_(std::exchange(other.url_, {})), dialect_(std::move(other.dialect_)) {
    other.dialect_.reset();
  }
  cloned_database& operator=(cloned_database&& other) noexcept {
    if (this != &other) {
      drop();
      owner_ = std::move(other.owner_);
      name_ = std::exchange(other.name_, {});
      url_ = std::exchange(other.url_, {});
      dialect_ = std::move(other.dialect_);
      other.dialect_.reset();
    }
    return *this;
  }
  cloned_database(const cloned_database&) = delete;
  cloned_database& operator=(const cloned_database&) = delete;
  ~cloned_database() { drop(); }

  // A URL that D, and code under test, open a connection of their own with (PostgreSQL:
  // postgresql:///<name>, the rest from the PG* variables; SQLite: sqlite:////tmp/<name>.db).
  // An in-memory clone has none: this throws.
  [[nodiscard]] const std::string& url() const {
    if (url_.empty())
      throw std::logic_error("strata::testing: an in-memory clone has no URL another connection could open; make it with "
                             "database_template::clone()");
    return url_;
  }
  // The database's name on its place; empty for an in-memory clone.
  [[nodiscard]] const std::string& name() const { return name_; }
  // The dialect on the open connection, and the native connection (SQLite::Database&, pqxx::connection&).
  [[nodiscard]] D& dialect() { return *dialect_; }
  [[nodiscard]] auto& connection() { return dialect_->database(); }
  void execute(std::string_view sql) { dialect_->execute(sql); }

 private:
  void drop() noexcept {
    dialect_.reset();  // the connection closes first
    if (owner_ && !name_.empty()) owner_->release(std::move(name_));
    owner_.reset();
    name_.clear();
  }

  std::shared_ptr<detail::clone_owner> owner_;
  std::string name_;
  std::string url_;
  std::optional<D> dialect_;
};

namespace detail {

// ` name=<length>:<value>`: no value can be mistaken for the fields after it.
inline void add_field(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += '=' + std::to_string(value.size()) + ':';
  out += value;
}
inline void add_field(std::string& out, std::string_view name, bool value) { add_field(out, name, std::string_view(value ? "1" : "0")); }
inline void add_field(std::string& out, std::string_view name, const column_type& t) {
  add_field(out, name, std::string(to_string(t.kind)) + "(" + std::to_string(t.length) + ")" + std::string(t.sql));
}
inline void add_field(std::string& out, std::string_view name, referential_action a) { add_field(out, name, to_sql(a)); }
inline void add_names(std::string& out, std::string_view name, const std::vector<std::string_view>& names) {
  add_field(out, name, std::to_string(names.size()));
  for (auto n : names) add_field(out, name, n);
}
template <class Optional>
  requires std::same_as<Optional, std::optional<typename Optional::value_type>> || std::same_as<Optional, plain_optional<typename Optional::value_type>>
void add_field(std::string& out, std::string_view name, const Optional& value) {
  if (value) add_field(out, name, *value);
  else add_field(out, name, std::string_view("(none)"));
}
inline void add_column(std::string& out, const column& c) {
  add_field(out, "column", c.name);
  add_field(out, "type", c.type);
  add_field(out, "nullable", c.nullable);
  add_field(out, "primary_key", c.is_primary_key);
  add_field(out, "autoincrement", c.autoincrement);
  add_field(out, "unique", c.is_unique);
  add_field(out, "default", c.default_sql);
  add_field(out, "check", c.check_sql);
  add_field(out, "generated", c.generated_sql);
  add_field(out, "stored", c.generated_storage == generated_kind::stored);
  add_field(out, "references", c.foreign_key.has_value());
  if (c.foreign_key) {
    add_field(out, "table", c.foreign_key->table);
    add_field(out, "column", c.foreign_key->column);
    add_field(out, "on_delete", c.foreign_key->on_delete);
    add_field(out, "on_update", c.foreign_key->on_update);
  }
}
inline void add_constraint(std::string& out, const constraint& k) {
  add_field(out, "constraint", std::to_string(static_cast<int>(k.kind)));
  add_field(out, "name", k.name);
  add_names(out, "columns", k.columns);
  add_field(out, "referenced_table", k.referenced_table);
  add_names(out, "referenced_columns", k.referenced_columns);
  add_field(out, "on_delete", k.on_delete);
  add_field(out, "on_update", k.on_update);
  add_field(out, "check", k.check_sql);
}

inline void add_naming(std::string& out, const naming_convention& n) {
  add_field(out, "naming_pk", n.primary_key);
  add_field(out, "naming_uq", n.unique);
  add_field(out, "naming_ck", n.check);
  add_field(out, "naming_fk", n.foreign_key);
}

// One operation, every field of it, as text.
inline std::string operation_text(const operation& o) {
  std::string out = describe(o);
  strata::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (requires { x.naming; }) add_naming(out, x.naming);
        if constexpr (std::is_same_v<T, op::create_table>) {
          for (const auto& c : x.columns) add_column(out, c);
          for (const auto& k : x.constraints) add_constraint(out, k);
        } else if constexpr (std::is_same_v<T, op::add_column>) {
          add_column(out, x.definition);
          add_field(out, "before", x.placement.insert_before);
          add_field(out, "after", x.placement.insert_after);
        } else if constexpr (std::is_same_v<T, op::alter_column>) {
          add_field(out, "type", x.change.type);
          add_field(out, "nullable", x.change.nullable);
          add_field(out, "default", x.change.server_default);
          add_field(out, "drop_default", x.change.drop_default);
          add_field(out, "using", x.change.using_sql);
        } else if constexpr (std::is_same_v<T, op::add_constraint>) {
          add_constraint(out, x.definition);
        } else if constexpr (std::is_same_v<T, op::drop_constraint>) {
          add_field(out, "kind", to_string(x.kind));
          add_names(out, "columns", x.columns);
        } else if constexpr (std::is_same_v<T, op::create_index>) {
          add_names(out, "columns", x.columns);
          add_field(out, "unique", x.options.unique);
          add_field(out, "where", x.options.where);
          add_field(out, "concurrently", x.options.concurrently);
        } else if constexpr (std::is_same_v<T, op::execute>) {
          add_field(out, "sql", x.sql);
        } else if constexpr (std::is_same_v<T, op::backfill>) {
          add_field(out, "set", x.set);
          add_field(out, "where", x.where);
        }
      },
      o);
  return out;
}

// What a template's name hashes: each revision's id, down ids and transactional flag, and the SQL
// its upgrade renders to for D (strata::render), so that a changed history gets a template of its
// own and test processes of one history share one. Where the history cannot be replayed offline
// (a table made by execute() and then altered), the rest is hashed as its operations' every field.
template <History H, Dialect D>
std::string history_fingerprint() {
  std::string text;
  schema before;
  bool rendering = true;
  for (const auto& r : H::revisions) {
    text += "revision ";
    text += r.id;
    for (auto d : r.down_revisions) (text += " down ") += d;
    text += r.transactional ? " transactional\n" : " not transactional\n";
    const ops recorded = r.record_upgrade();  // kept: a temporary's operations() would dangle
    if (rendering) {
      try {
        for (const auto& statement : render<typename D::sql>(recorded.operations(), before)) text += statement + "\n";
        before.apply(recorded);
      } catch (const std::exception&) {
        rendering = false;
        text += "(not rendered)\n";
      }
    }
    if (!rendering)
      for (const auto& o : recorded.operations()) text += operation_text(o) + "\n";
  }
  return text;
}

// Today's date (UTC) as YYYY-MM-DD; `days_ago` days before it.
inline std::string utc_date(int days_ago = 0) {
  using namespace std::chrono;
  const year_month_day d{floor<days>(system_clock::now()) - days(days_ago)};
  const auto two = [](unsigned n) { return std::string{static_cast<char>('0' + n / 10 % 10), static_cast<char>('0' + n % 10)}; };
  const auto year = static_cast<unsigned>(static_cast<int>(d.year()));
  return two(year / 100) + two(year % 100) + "-" + two(static_cast<unsigned>(d.month())) + "-" + two(static_cast<unsigned>(d.day()));
}

// Drops the database `name` of a place when a clone is released (a snapshot template's clones).
template <Provisionable D>
class provisioned_owner final : public clone_owner {
 public:
  template <class F>
  decltype(auto) with(F&& f) {
    const std::lock_guard lock(mutex_);
    return std::forward<F>(f)(provisioner_);
  }
  void release(std::string name) noexcept override {
    const std::lock_guard lock(mutex_);
    drop_quietly<D>(provisioner_, name);
  }

 private:
  std::mutex mutex_;
  typename D::provisioner provisioner_;
};

// The place's lock of the template `name`.
inline std::string template_lock_key(const std::string& name) { return "strata::testing:" + name; }
// f() with the lock `key` taken, released after f, or when f throws.
template <ClonesDatabases D, class F>
void holding_lock(typename D::provisioner& p, const std::string& key, F&& f) {
  try {
    std::forward<F>(f)();
  } catch (...) {
    try {
      p.unlock(key);
    } catch (...) {  // NOLINT: the lock goes with the session
    }
    throw;
  }
  p.unlock(key);
}
// Whether the lock `key` was taken within `wait` (tried every 20 ms).
template <ClonesDatabases D>
bool lock_within(typename D::provisioner& p, const std::string& key, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!p.try_lock(key)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}
// f() under the place's lock "strata::testing:<name>", taken within 10 minutes (another process
// building the template `name` holds it meanwhile), released after f, or when f throws.
template <ClonesDatabases D, class F>
void under_template_lock(typename D::provisioner& p, const std::string& name, F&& f) {
  const auto key = template_lock_key(name);
  if (!lock_within<D>(p, key, std::chrono::minutes(10)))
    throw database_locked("strata::testing waited 10 minutes for another process to build the template database '" + name +
                          "'; look for a stuck test process holding its lock '" + key + "'");
  holding_lock<D>(p, key, std::forward<F>(f));
}

// Templates are noted "last used <date>" (once a day, by the first process that uses them); those
// of other histories not used for 14 days are dropped (unnoted ones are noted, to age from now).
// Best effort: a template in use or being noted by another process is left alone.
inline constexpr int unused_days = 14;
// A kept snapshot template's note also carries the digest of its bytes ("...; image <16 hex>"), and
// the identity() of the file that digest was taken of ("; file <identity>"): written before it is
// renamed into place, kept by each later note, and added by a process that found the bytes whole by
// their digest. A process that finds the file's identity as noted trusts its bytes without reading
// them all (a KeepsSnapshots identity changes whenever the bytes do; the digest of 458 KB read for
// the first time in a process took 0.2-0.35 ms on a VM).
inline constexpr std::string_view used_stamp = "strata::testing template; last used ";
inline constexpr std::string_view digest_stamp = "; image ";
inline constexpr std::string_view file_stamp = "; file ";
inline std::optional<std::string> stamped_date(const std::optional<std::string>& note) {
  if (!note || !note->starts_with(used_stamp) || note->size() < used_stamp.size() + 10) return std::nullopt;
  const auto rest = std::string_view(*note).substr(used_stamp.size() + 10);
  if (!rest.empty() && !rest.starts_with(digest_stamp)) return std::nullopt;
  return note->substr(used_stamp.size(), 10);
}
inline std::optional<std::string> stamped_digest(const std::optional<std::string>& note) {
  if (!stamped_date(note)) return std::nullopt;
  const auto rest = std::string_view(*note).substr(used_stamp.size() + 10);
  if (!rest.starts_with(digest_stamp) || rest.size() < digest_stamp.size() + 16) return std::nullopt;
  if (const auto after = rest.substr(digest_stamp.size() + 16); !after.empty() && !after.starts_with(file_stamp)) return std::nullopt;
  return std::string(rest.substr(digest_stamp.size(), 16));
}
inline std::optional<std::string> stamped_file(const std::optional<std::string>& note) {
  if (!stamped_digest(note)) return std::nullopt;
  const auto after = std::string_view(*note).substr(used_stamp.size() + 10 + digest_stamp.size() + 16);
  if (after.size() <= file_stamp.size()) return std::nullopt;
  return std::string(after.substr(file_stamp.size()));
}
inline std::string used_note(const std::optional<std::string>& digest, const std::optional<std::string>& file = std::nullopt) {
  auto out = std::string(used_stamp) + utc_date();
  if (digest) {
    out += std::string(digest_stamp) + *digest;
    if (file) out += std::string(file_stamp) + *file;
  }
  return out;
}
// `note`: the template's note as the caller read it. Written under the template's lock, under which
// another process's housekeeping reads the note again before it drops an unused template
// (drop_unused_templates): a template noted as used today is not dropped, even by a process that
// read its old note a moment before. `file`: the identity of the file the caller found whole by its
// digest, noted when the note has another (not when the file is no longer that one: a process built
// it again meanwhile, and noted it). False when it could not be noted: another process noted it at
// the same moment, or dropped it (its housekeeping held the lock while this one waited for it).
template <ClonesDatabases D>
bool mark_used(typename D::provisioner& p, const std::string& name, const std::optional<std::string>& note,
               const std::optional<std::string>& file = std::nullopt) {
  try {
    const auto noted = stamped_file(note);
    const bool refile = file && stamped_digest(note) && file != noted;
    if (stamped_date(note) != utc_date() || refile)
      under_template_lock<D>(p, name, [&] {
        if (file && p.identity(name) != *file) return;
        p.note(name, used_note(stamped_digest(note), refile ? file : noted));
      });
    return true;
  } catch (const std::exception&) {  // NOLINT: the caller's to judge
    return false;
  }
}
template <ClonesDatabases D>
bool mark_used(typename D::provisioner& p, const std::string& name) {
  try {
    return mark_used<D>(p, name, p.note(name));
  } catch (const std::exception&) {  // NOLINT: the caller's to judge
    return false;
  }
}

// 16 hex digits of a 64-bit hash of a template's bytes, eight at a time, in four lanes (about
// 50 µs for the 458 KB of 200 tables and their indexes): it tells a template whole and as built
// from a damaged or edited one without opening it, which would parse its whole schema.
inline std::string image_digest(std::span<const unsigned char> bytes) {
  constexpr std::uint64_t prime = 0x9E3779B97F4A7C15ULL;
  std::uint64_t lanes[4] = {0x243F6A8885A308D3ULL, 0x13198A2E03707344ULL, 0xA4093822299F31D0ULL, 0x082EFA98EC4E6C89ULL};
  auto mix = [](std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
  };
  std::size_t i = 0;
  for (; i + 32 <= bytes.size(); i += 32)
    for (std::size_t l = 0; l < 4; ++l) {
      std::uint64_t w = 0;
      std::memcpy(&w, bytes.data() + i + 8 * l, 8);
      lanes[l] = (std::rotl(lanes[l] ^ w, 29)) * prime;
    }
  std::uint64_t h = bytes.size() * prime;
  for (; i < bytes.size(); ++i) h = (h ^ bytes[i]) * prime;
  for (auto lane : lanes) h = mix(h ^ mix(lane));
  return hex_of(h);
}
// An unused template is dropped under its lock, with its note read again there: one that a process
// noted as used again meanwhile (mark_used) is left alone. The lock is waited for a while: another
// process holding it for a moment is noting the template, or dropping it too (it is gone after), or
// was dropping it when its exit abandoned the drop (this one finishes it). One still held after
// that (a process building it) is left alone.
inline constexpr std::chrono::milliseconds unused_drop_wait{2000};
template <ClonesDatabases D>
void drop_if_still_unused(typename D::provisioner& p, const std::string& name, const std::string& oldest_kept) {
  const auto key = template_lock_key(name);
  if (!lock_within<D>(p, key, unused_drop_wait)) return;
  holding_lock<D>(p, key, [&] {
    if (const auto date = stamped_date(p.note(name)); date && *date < oldest_kept) p.drop(name);
  });
}
template <ClonesDatabases D>
void drop_unused_templates(typename D::provisioner& p, const std::string& kept) {
  try {
    const auto oldest_kept = utc_date(unused_days);
    for (const auto& name : p.list(template_prefix)) {
      if (!is_template_name(name) || name == kept) continue;
      try {
        const auto date = stamped_date(p.note(name));
        if (!date) p.note(name, std::string(used_stamp) + utc_date());
        else if (*date < oldest_kept) drop_if_still_unused<D>(p, name, oldest_kept);
      } catch (const database_unavailable&) {
        throw;
      } catch (const std::exception&) {  // NOLINT: left to the next process
      }
    }
  } catch (const database_unavailable&) {
    throw;
  } catch (const std::exception&) {  // NOLINT: pruning is not what the caller asked for
  }
}

// What a kept snapshot template's name hashes: the dialect, and each revision's id, down ids,
// transactional flag and checksum (revision_info::checksum(), computed on first use), in order.
// An edited revision gets a new template; computing it replays nothing. "snapshot 2": the notes
// carry the file's identity, which strata before it took for a damaged note (it would build the
// template again each time a later strata noted it). "snapshot 3": SQLite's identity also holds
// the file's size, in another form, which strata before it would take for a changed file (and
// the two would note the file in turn, each reading it whole).
template <History H, Dialect D>
std::string history_key() {
  std::string text = "strata::testing snapshot 3 ";
  text += D::name;
  for (const auto& r : H::revisions) {
    add_field(text, "revision", r.id);
    for (auto d : r.down_revisions) add_field(text, "down", d);
    add_field(text, "transactional", r.transactional);
    add_field(text, "checksum", r.checksum());
  }
  return text;
}

// How a template is migrated: in one transaction (transaction_mode::all; a non-transactional
// revision splits it). A template that fails is dropped whole, so nothing is gained by committing
// revision by revision, and one commit saves a commit per revision (on PostgreSQL its WAL flush) and
// the round trips of the revisions' statements.
inline migrator_options template_migration() {
  migrator_options options;
  options.transactions = transaction_mode::all;
  return options;
}

// A new in-memory database, migrated to the history's heads, as bytes.
template <History H, SnapshotsDatabases D>
std::vector<unsigned char> migrated_image() {
  migrator<D> m(H{}, template_migration(), D::provisioner::open_snapshot({}));
  m.upgrade("heads");
  return D::provisioner::snapshot(m.dialect());
}

// The identity() of the database `name` now; none when there is none.
template <ClonesDatabases D>
std::optional<std::string> identity_now(typename D::provisioner& p, const std::string& name) {
  try {
    return p.identity(name);
  } catch (const database_unavailable&) {
    throw;
  } catch (const std::exception&) {  // NOLINT: not there
    return std::nullopt;
  }
}

// The history's template kept on the place across processes (KeepsSnapshots), as bytes: read
// when it is there and its bytes are those its builder noted (its file's identity as noted, else
// their image_digest); else built (migrated in memory, written as <name>_building_<session>,
// marked, noted with its digest and identity and renamed into place) under the place's lock, after
// which a damaged or edited one is dropped. Its name hashes the history (kept_template_name), so
// bytes as built are the history at its heads.
template <History H, KeepsSnapshots D>
byte_image kept_image(typename D::provisioner& p, const std::string& name) {
  std::optional<std::string> note;  // as found() read it
  std::optional<std::string> file;  // the identity of the file it found whole, when it did not change meanwhile
  auto identity = [&] { return identity_now<D>(p, name); };
  auto found = [&]() -> std::optional<byte_image> {
    file.reset();
    const auto before = identity();
    auto image = p.read(name);
    if (!image) return std::nullopt;
    note = p.note(name);
    const auto digest = stamped_digest(note);
    if (!digest) return std::nullopt;
    const bool steady = before && identity() == before;  // the file read is the one of that identity
    if (steady && stamped_file(note) == before) {
      file = before;
      return image;
    }
    if (*digest != image_digest(image->bytes())) return std::nullopt;
    if (steady) file = before;
    return image;
  };
  if (auto image = found()) {
    mark_used<D>(p, name, note, file);
    return std::move(*image);
  }
  byte_image out;
  under_template_lock<D>(p, name, [&] {
    if (auto image = found()) {  // another process built it while this one waited
      out = std::move(*image);
      return;
    }
    for (const auto& leftover : p.list(name + "_building_")) p.drop(leftover);  // of a process that died building it
    p.drop(name);  // damaged, or not at heads
    out = byte_image(migrated_image<H, D>());
    const auto building = name + "_building_" + p.session();
    try {
      p.write(building, out);
      p.mark_template(building);
      p.note(building, used_note(image_digest(out), p.identity(building)));  // a rename keeps it
      p.rename(building, name);
    } catch (...) {
      drop_quietly<D>(p, building);
      throw;
    }
  });
  mark_used<D>(p, name);
  drop_unused_templates<D>(p, name);
  return out;
}

// The kept template `name` copied by its place as `clone` (SQLite: the file, copied by the kernel),
// its bytes never read into this process: only when its file's identity is the one noted with its
// digest (what kept_image trusts without reading it), and still that after the copy (not edited or
// replaced meanwhile). `trusted`: the identity an earlier copy of this process found noted, empty
// before the first; set by the first, after which the note is not read again (nor marked used:
// once a process, as kept_image). False, with no copy left, otherwise: not there yet, noted
// otherwise, changed.
template <KeepsSnapshots D>
bool copy_kept_template(typename D::provisioner& p, const std::string& name, const std::string& clone, std::string& trusted) {
  const auto before = identity_now<D>(p, name);
  if (!before) return false;
  std::optional<std::string> note;
  if (trusted.empty()) {
    note = p.note(name);
    if (stamped_file(note) != before) return false;
  } else if (*before != trusted) {
    return false;
  }
  try {
    p.copy(name, clone);
  } catch (const database_unavailable&) {
    drop_quietly<D>(p, clone);
    throw;
  } catch (const std::exception&) {  // NOLINT: dropped meanwhile
    drop_quietly<D>(p, clone);
    return false;
  }
  if (identity_now<D>(p, name) != before) {
    drop_quietly<D>(p, clone);
    return false;
  }
  if (trusted.empty()) {
    mark_used<D>(p, name, note);
    trusted = *before;
  }
  return true;
}

}  // namespace detail

namespace detail {
// "strata_tpl_" + 16 hex digits of the hash of `key`.
inline std::string template_name_of(const std::string& key) { return std::string(template_prefix) + hex_of(strata::detail::hash_id(key)); }

// The files of remembered names (remembered_name), in the temporary folder.
inline constexpr std::string_view remembered_names_prefix = "strata_names_";

// Where the process before left a template's name, computed from the code and data at `sources`
// (their code_identity): strata_names_<hash> in the temporary folder, this user's; empty when there
// is no identity (or no such folder).
inline std::string remembered_name_path(std::string_view kind, std::span<const std::uintptr_t> sources) {
#if !defined(_WIN32)
  const auto identity = strata::detail::code_identity(sources);
  if (!identity) return {};
  std::error_code ec;
  const auto folder = std::filesystem::temp_directory_path(ec);
  if (ec) return {};
  std::string key = "strata::testing names 1\n";
  ((key += kind) += '\n') += *identity;
  key += std::to_string(::getuid());
  return (folder / (std::string(remembered_names_prefix) + hex_of(strata::detail::hash_id(key)))).string();
#else
  (void)kind;
  (void)sources;
  return {};
#endif
}

// The name in that file, when it is one (a template's name, in a regular file of this user's); none
// otherwise.
inline std::optional<std::string> read_remembered_name(const std::string& path) {
#if !defined(_WIN32)
  const int fd = open_own_file(path, O_RDONLY);
  if (fd < 0) return std::nullopt;
  char text[64];
  const ssize_t n = ::read(fd, text, sizeof text);
  ::close(fd);
  if (n <= 1 || text[n - 1] != '\n') return std::nullopt;
  std::string name(text, static_cast<std::size_t>(n - 1));
  if (!is_template_name(name)) return std::nullopt;
  return name;
#else
  (void)path;
  return std::nullopt;
#endif
}

// Writes it, whole (a new file renamed over the old), for the next process. Best effort. Also
// removes this user's files of names not written for a week (of builds gone since), which a
// process does only here: when the code has changed, or once a week.
inline void remember_name(const std::string& path, const std::string& name) noexcept {
#if !defined(_WIN32)
  try {
    const auto temporary = path + "." + std::to_string(::getpid()) + ".tmp";
    const int fd = open_own_file(temporary, O_WRONLY | O_CREAT | O_EXCL);
    if (fd < 0) return;
    const auto text = name + "\n";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (::close(fd) != 0 || !written || ::rename(temporary.c_str(), path.c_str()) != 0) {
      ::unlink(temporary.c_str());
      return;
    }
    const auto folder = std::filesystem::path(path).parent_path();
    const auto week_ago = ::time(nullptr) - 7 * 24 * 3600;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->path().filename().string().starts_with(remembered_names_prefix)) continue;
      struct stat info {};
      if (::lstat(it->path().c_str(), &info) == 0 && S_ISREG(info.st_mode) && info.st_uid == ::getuid() && info.st_mtime < week_ago)
        ::unlink(it->path().c_str());
    }
  } catch (const std::exception&) {  // NOLINT: best effort
  }
#else
  (void)path;
  (void)name;
#endif
}

// compute(), or the name the process before computed from the same builds of the code and data at
// `sources` (remembered_name_path). Computing a history's name runs every revision's upgrade():
// 0.5-1 ms in a fresh process at 200 revisions, mostly page faults on that code's first touch.
template <class Compute>
std::string remembered_name(std::string_view kind, std::span<const std::uintptr_t> sources, Compute&& compute) {
  const auto path = remembered_name_path(kind, sources);
  if (path.empty()) return std::forward<Compute>(compute)();
  if (auto name = read_remembered_name(path)) return std::move(*name);
  auto name = std::forward<Compute>(compute)();
  remember_name(path, name);
  return name;
}

// What a history's names are computed from: `tag` (a variable of the naming function's own, which
// tells its instances apart), the history's revisions, and each one's upgrade() or its operations
// recorded at compile time.
template <History H>
std::vector<std::uintptr_t> history_sources(const void* tag) {
  std::vector<std::uintptr_t> out{reinterpret_cast<std::uintptr_t>(tag), reinterpret_cast<std::uintptr_t>(H::revisions.data())};
  for (const auto& r : H::revisions) {
    if (r.upgrade != nullptr) out.push_back(reinterpret_cast<std::uintptr_t>(r.upgrade));
    if (r.frozen_upgrade != nullptr) out.push_back(reinterpret_cast<std::uintptr_t>(r.frozen_upgrade));
  }
  return out;
}
}  // namespace detail

// "strata_tpl_" + 16 hex digits of the hash of the history (detail::history_fingerprint). A process
// reads it from where an earlier process of the same build left it (detail::remembered_name).
template <History H, Dialect D>
std::string template_name() {
  static char tag = 0;
  return detail::remembered_name("template " + std::string(D::name), detail::history_sources<H>(&tag),
                                 [] { return detail::template_name_of(detail::history_fingerprint<H, D>()); });
}

// "strata_tpl_" + 16 hex digits of the hash of the history's ids and checksums (detail::history_key):
// the name of a snapshot template kept across processes. Remembered as template_name() is.
template <History H, Dialect D>
std::string kept_template_name() {
  static char tag = 0;
  return detail::remembered_name("kept " + std::string(D::name), detail::history_sources<H>(&tag),
                                 [] { return detail::template_name_of(detail::history_key<H, D>()); });
}

// The history migrated to its heads once per process, in a private in-memory database, kept as its
// bytes; a clone is a copy of them (no SQL runs).
template <History H, SnapshotsDatabases D>
class snapshot_template {
 public:
  using provisioner = typename D::provisioner;

  // Built on first use; thread-safe (a function-local static).
  static snapshot_template& instance() {
    static snapshot_template t;
    return t;
  }
  snapshot_template(const snapshot_template&) = delete;
  snapshot_template& operator=(const snapshot_template&) = delete;
  // At exit: what processes that ended left on the place (clones of killed test processes) is
  // dropped. Best effort: the next process's exit tries again.
  ~snapshot_template() {
    try {
      owner_->with([](provisioner& p) { detail::drop_orphans<D>(p); });
    } catch (const std::exception&) {  // NOLINT: see above
    }
  }

  // A new database of the place at head (SQLite: /tmp/strata_clone_<pid>_<n>.db), written from the
  // bytes, or, while the process has not read them, a copy the place makes of the kept template
  // (copy_kept_template: SQLite's file copied by the kernel); connected as provisioner::open
  // connects (SQLite: foreign keys on, synchronous off); url() opens it again.
  [[nodiscard]] cloned_database<D> clone() {
    auto name = prefix_ + std::to_string(counter_++);
    bool copied = false;
    if constexpr (KeepsSnapshots<D>)
      if (copies_kept_ && !read_.load(std::memory_order_acquire))
        copied = owner_->with([&](provisioner& p) { return detail::copy_kept_template<D>(p, name_, name, trusted_); });
    const auto image = copied ? std::span<const unsigned char>() : loaded().bytes();
    return owner_->with([&](provisioner& p) {
      if (!copied) p.write(name, image);
      try {
        auto url = p.url(name);
        return cloned_database<D>(owner_, name, std::move(url), p.open(name));
      } catch (...) {
        detail::drop_quietly<D>(p, name);
        throw;
      }
    });
  }

  // A copy only its connection sees (SQLite: an in-memory database, with foreign keys on): the
  // fastest, but url() throws.
  [[nodiscard]] cloned_database<D> clone_in_memory() const { return cloned_database<D>(nullptr, {}, {}, provisioner::open_snapshot(loaded())); }

  // The template's bytes (SQLite: a database file).
  [[nodiscard]] std::span<const unsigned char> image() const { return loaded(); }

 private:
  snapshot_template() : owner_(std::make_shared<detail::provisioned_owner<D>>()) {
    prefix_ = owner_->with([](provisioner& p) { return std::string(detail::clone_prefix) + p.session() + "_"; });
    if constexpr (KeepsSnapshots<D>) {
      kept_.emplace(provisioner::for_templates());
      name_ = kept_template_name<H, D>();
      copies_kept_ = owner_->with([&](provisioner& p) { return p.url(name_) == kept_->url(name_); });
    } else {
      image_ = byte_image(detail::migrated_image<H, D>());
    }
  }

  // The bytes; a kept template's read (or built) the first time they are asked for.
  const byte_image& loaded() const {
    if constexpr (KeepsSnapshots<D>)
      std::call_once(read_once_, [this] {
        image_ = detail::kept_image<H, D>(*kept_, name_);
        read_.store(true, std::memory_order_release);
      });
    return image_;
  }

  std::shared_ptr<detail::provisioned_owner<D>> owner_;
  std::string prefix_;
  std::atomic<unsigned long> counter_{0};
  mutable byte_image image_;  // SQLite: the kept template's file, mapped
  // KeepsSnapshots:
  mutable std::optional<provisioner> kept_;  // for_templates(), used by loaded() only
  std::string name_;                         // kept_template_name()
  bool copies_kept_ = false;                 // the kept template is on the clones' place: the place copies it
  std::string trusted_;                      // the template's identity its note named (copy_kept_template), under owner_'s lock
  mutable std::once_flag read_once_;
  mutable std::atomic<bool> read_{false};
};

// The history migrated to its heads once per place, into a template database, which the place
// copies; a clone_pool makes the copies ahead. Where the dialect ClaimsInPlace, a process's first
// clone is a spare an earlier process of this machine left (detail::spare_record), taken with one
// connection; the pool (its own connection, the template's checks, the workers) then starts on a
// thread of its own, and clone() and the rest wait for it from the second clone on.
template <History H, ClonesDatabases D>
class pooled_template {
 public:
  using provisioner = typename D::provisioner;

  // Built (or found) on first use; thread-safe (a function-local static).
  static pooled_template& instance() {
    static pooled_template t;
    return t;
  }
  pooled_template(const pooled_template&) = delete;
  pooled_template& operator=(const pooled_template&) = delete;
  // At exit, without waiting for copies and drops (clone_pool::stop(true)): up to two clones made
  // ahead stay as spares, copies in progress are finished by the server as spares, and what is left
  // to drop is dropped by the next process's housekeeping. The spares are noted on this machine for
  // the next process. A pool still starting (its connection, a few statements) is waited for.
  ~pooled_template() {
    if (starter_.joinable()) starter_.join();
    if (const auto pool = slot_->pool()) {
      pool->stop(true);
      if constexpr (ClaimsInPlace<D>) {
        record_->push(pool->left_spares(), pool->copy_time());
      }
    }
  }

  // strata_tpl_ and 16 hex digits of the history's hash (template_name).
  [[nodiscard]] static std::string name() { return template_name<H, D>(); }

  // A new database at head (strata_clone_<session>_<n>, or the name of the spare it was), connected.
  // Released to the pool (pool_slot).
  [[nodiscard]] cloned_database<D> clone() {
    auto c = [&] {
      if constexpr (ClaimsInPlace<D>) {
        const std::lock_guard lock(first_mutex_);
        if (first_) return *std::exchange(first_, std::nullopt);
      }
      return pool().take();
    }();
    return cloned_database<D>(slot_, std::move(c.name), std::move(c.url), std::move(*c.connection));
  }

  // How many clones are kept ready ahead of clone() once a second one was asked for (2, or
  // $STRATA_TESTING_POOL; one before); setting it drops those made so far.
  [[nodiscard]] std::size_t make_ahead() { return pool().make_ahead(); }
  void make_ahead(std::size_t n) { pool().make_ahead(n); }
  // Waits until the workers are idle: every released clone dropped, and the clones made ahead ready.
  void settle() { pool().settle(); }
  // The names of this process's clones start with it: "strata_clone_<session>_".
  [[nodiscard]] const std::string& clone_prefix() { return pool().prefix(); }
  // The template's identity on its place (PostgreSQL: its oid).
  [[nodiscard]] const std::string& identity() {
    (void)pool();
    return identity_;
  }
  // The names of the template's spares start with it: "strata_spare_<identity>_".
  [[nodiscard]] const std::string& spare_prefix() { return pool().spare_prefix(); }

 private:
  // The pool once it has started (none before, or when it could not), and the owner of the clones:
  // released to the pool, once there is one.
  class pool_slot final : public detail::clone_owner {
   public:
    // The pool, or none when it could not start.
    void set(std::shared_ptr<clone_pool<D>> pool) {
      {
        const std::lock_guard lock(mutex_);
        pool_ = std::move(pool);
        done_ = true;
      }
      changed_.notify_all();
    }
    // Waits until the pool started or failed to.
    std::shared_ptr<clone_pool<D>> wait() {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return done_; });
      return pool_;
    }
    // What there is now.
    std::shared_ptr<clone_pool<D>> pool() {
      const std::lock_guard lock(mutex_);
      return pool_;
    }
    // With no pool (it could not start), the clone is left: the next process's housekeeping drops it.
    void release(std::string name) noexcept override {
      if (auto p = wait()) p->release(std::move(name));
    }

   private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool done_ = false;
    std::shared_ptr<clone_pool<D>> pool_;
  };

  pooled_template() {
    if constexpr (ClaimsInPlace<D>) {
      record_.emplace(provisioner::place(), name_);
      detail::spare_record::rest rest;
      const auto spare = record_->pop(rest);
      // Short of spares: this one still being copied, and fewer others on their way than a template
      // keeps (spares_kept, two). (With as many on their way, two more would only double the place's
      // work for processes that come faster than it copies, leaving it more behind.)
      const bool short_of_spares =
          spare && spare->ready_at > std::chrono::steady_clock::now().time_since_epoch().count() && rest.others < clone_pool<D>::spares_kept;
      if (spare)
        if (auto connection = taken_in_place(*spare, rest.copy_ns)) {
          first_.emplace(pooled_clone<D>{spare->name, std::move(connection), provisioner::url(spare->name)});
          starter_ = std::thread([this, claimed = spare->name, short_of_spares] {
            try {
              slot_->set(started(claimed, short_of_spares));
            } catch (const std::exception&) {  // NOLINT: the next pool() starts it again, and throws its own error
              slot_->set(nullptr);
            }
          });
          return;
        }
    }
    slot_->set(started({}, ClaimsInPlace<D>));  // too few spares on this machine: more are left
  }

  // The spare, connected to and noted in use (claim_in_place); none when it is not there. One the
  // place may still be copying is waited for, until the time its copy should end: a connection to it
  // before then would find no such database, and the other way to a clone (the pool's connection,
  // then a copy of its own) takes longer than any copy already begun. Not one more than a few
  // seconds off: its copy was left by a process long gone, or failed. That time is an estimate
  // (copies side by side run slower than the one the record timed): a spare still not there is
  // connected to again every 10 ms until the time is as long past as a copy takes (`copy_ns`).
  static std::optional<D> taken_in_place(const detail::spare_record::entry& spare, long long copy_ns) {
    const auto now = [] { return static_cast<long long>(std::chrono::steady_clock::now().time_since_epoch().count()); };
    const auto wait = spare.ready_at - now();
    if (wait > longest_wait_ns) return std::nullopt;
    if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    auto connection = provisioner::claim_in_place(spare.name, detail::in_use_stamp);
    if (spare.ready_at == 0) return connection;  // made, not being copied: stale when not there
    const long long until = spare.ready_at + copy_ns;  // long past: the copy ended, and someone took it
    while (!connection && now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      connection = provisioner::claim_in_place(spare.name, detail::in_use_stamp);
    }
    return connection;
  }

  // The pool, once it started; started again here when it could not on its thread (its error then).
  clone_pool<D>& pool() {
    if (auto p = slot_->wait()) return *p;
    const std::lock_guard lock(restart_mutex_);
    if (auto p = slot_->pool()) return *p;
    auto p = started({}, false);
    slot_->set(p);
    return *p;
  }

  // A pool on its own connection, for a template that exists, noted as used (built when it is not
  // there), attached to its identity; its housekeeping queued. `claimed`: the spare this process
  // took in place, now noted as in use by the pool's session (which lives as long as the process);
  // the pool's workers then start as after a first take(). `more`: this machine was short of spares
  // (none, or one still being copied and fewer others on their way than spares_kept), so as many
  // as it keeps are made ahead, which a short process leaves as spares: the next processes' spares
  // then have been copying for longer.
  std::shared_ptr<clone_pool<D>> started(const std::string& claimed, bool more) {
    auto pool = std::make_shared<clone_pool<D>>(name_);
    auto admin = [&](auto&& f) { return pool->with_admin(f); };
    if constexpr (ClaimsInPlace<D>)
      if (!claimed.empty()) admin([&](provisioner& p) { p.note(claimed, std::string(detail::in_use_stamp) + p.session()); });
    // Not noted: there is none yet, or another process's housekeeping dropped it while this one
    // waited for its lock to note it (build() finds it there otherwise). Its note is read first
    // (one statement on a test process's first database's path, where a look for it is another).
    if (!mark_used(*pool)) {
      build(*pool);
      mark_used(*pool);
    }
    identity_ = admin([&](provisioner& p) { return p.identity(name_); });
    pool->attach(identity_);
    // Off the first clone's path: by a worker once they are idle (now when there are none).
    auto housekeeping = [name = name_, spares = pool->spare_prefix()](provisioner& p) {
      detail::drop_orphans<D>(p, spares, clone_pool<D>::spares_kept);
      detail::drop_unused_templates<D>(p, name);
    };
    // Now, when there are no workers, or when processes that ended too soon to do theirs left many
    // clones (a bound on what short test processes leave on the server).
    // (This template's spares, of which those processes claimed in place are their clones, count.)
    auto leftovers = [spares = pool->spare_prefix()](provisioner& p) {
      const auto names = p.list(detail::names_prefix);
      return std::count_if(names.begin(), names.end(), [&](const std::string& n) { return n.starts_with(detail::clone_prefix) || n.starts_with(spares); });
    };
    if (pool->make_ahead() == 0 || static_cast<std::size_t>(admin(leftovers)) > leftovers_tolerated)
      admin(housekeeping);
    else
      pool->when_idle(housekeeping);
    if constexpr (ClaimsInPlace<D>) pool->on_claim([record = &*record_](const std::string& spare) { record->erase(spare); });
    if (more) pool->first_ahead(clone_pool<D>::spares_kept);
    if (!claimed.empty()) pool->took_one();
    return pool;
  }

  static bool exists(provisioner& p, const std::string& database) {
    const auto names = p.list(database);
    return std::find(names.begin(), names.end(), database) != names.end();
  }

  void build(clone_pool<D>& pool) {
    pool.with_admin([&](provisioner& p) {
      detail::under_template_lock<D>(p, name_, [&] {
        if (exists(p, name_)) return;  // another process may have built it while this one waited
        const auto building = name_ + "_building_" + p.session();
        // Leftovers of a process that died while building: nobody else builds under this lock.
        for (const auto& leftover : p.list(name_ + "_building_")) p.drop(leftover);
        p.create(building);
        try {
          {
            migrator<D> m(H{}, detail::template_migration(), p.open(building));
            m.upgrade("heads");
          }
          p.mark_template(building);
          p.rename(building, name_);
        } catch (...) {
          detail::drop_quietly<D>(p, building);
          throw;
        }
      });
    });
  }

  bool mark_used(clone_pool<D>& pool) {
    return pool.with_admin([&](provisioner& p) { return detail::mark_used<D>(p, name_); });
  }

  static constexpr std::size_t leftovers_tolerated = 16;
  static constexpr long long longest_wait_ns = 2'000'000'000;
  std::string name_ = name();
  std::shared_ptr<pool_slot> slot_ = std::make_shared<pool_slot>();
  std::mutex restart_mutex_;
  std::string identity_;
  std::optional<detail::spare_record> record_;  // ClaimsInPlace
  std::mutex first_mutex_;
  std::optional<pooled_clone<D>> first_;  // the spare claimed in place, until the first clone()
  std::thread starter_;                   // starts the pool when the first clone was claimed in place
};

namespace detail {

// Which kind of template a dialect gets: copies of bytes when it has them, else the place's copies.
template <History H, Dialect D>
struct template_for {
  static_assert(SnapshotsDatabases<D> || ClonesDatabases<D>,
                "strata::testing: this dialect can neither snapshot a database into bytes nor copy one on its place: give it a "
                "provisioner that models strata::SnapshotsDatabases or strata::ClonesDatabases (see strata/dialect.hpp)");
  using type = void;
};
template <History H, Dialect D>
  requires SnapshotsDatabases<D>
struct template_for<H, D> {
  using type = snapshot_template<H, D>;
};
template <History H, Dialect D>
  requires(ClonesDatabases<D> && !SnapshotsDatabases<D>)
struct template_for<H, D> {
  using type = pooled_template<H, D>;
};

}  // namespace detail

// The database of a history at head on a dialect, built on first use; clone() hands out copies.
template <History H, Dialect D>
using database_template = typename detail::template_for<H, D>::type;

}  // namespace strata::testing
