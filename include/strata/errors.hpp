// strata's exceptions: one type per kind of failure, each what() a sentence a user can act on.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace strata {

// Base of every strata exception.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A database URL that cannot be parsed or names a scheme this dialect does not handle.
class malformed_url : public error {
 public:
  using error::error;
};

// A configuration that cannot be used: a missing or malformed strata.ini or .env, no database URL,
// an unknown key. The message names the file and line, or the environment variable.
class configuration_error : public error {
 public:
  using error::error;
};

// A revision id or prefix that names no revision of the history.
class revision_not_found : public error {
 public:
  revision_not_found(std::string revision, const std::string& message) : error(message), revision_(std::move(revision)) {}
  [[nodiscard]] const std::string& revision() const { return revision_; }

 private:
  std::string revision_;
};

// A prefix that matches several revisions.
class ambiguous_revision : public error {
 public:
  using error::error;
};

// A target that cannot be reached from where the database stands: below base, above head,
// a downgrade target that is not applied, a relative step that goes too far.
class invalid_target : public error {
 public:
  using error::error;
};

// "head" asked for while the history has several heads (branches not merged yet).
class multiple_heads : public error {
 public:
  using error::error;
};

// The database's version table names revisions that are not in the history, or an inconsistent set.
class unknown_database_state : public error {
 public:
  using error::error;
};

// Another connection holds the write lock longer than the busy timeout.
class database_locked : public error {
 public:
  using error::error;
};

// An applied revision's operations are no longer those it was applied with (its checksum changed).
class checksum_mismatch : public error {
 public:
  using error::error;
};

// A revision that ran outside a transaction was started and never finished (the process died or
// the connection was lost): the database holds part of it.
class interrupted_migration : public error {
 public:
  using error::error;
};

// The database cannot be opened or written (missing folder, read-only file or connection).
class database_unavailable : public error {
 public:
  using error::error;
};

// A revision failed; its transaction was rolled back and the database is at the revision before.
class migration_failed : public error {
 public:
  migration_failed(std::string revision, std::string operation, std::string database_message, const std::string& message)
      : error(message),
        revision_(std::move(revision)),
        operation_(std::move(operation)),
        database_message_(std::move(database_message)) {}
  [[nodiscard]] const std::string& revision() const { return revision_; }
  [[nodiscard]] const std::string& operation() const { return operation_; }
  [[nodiscard]] const std::string& database_message() const { return database_message_; }

 private:
  std::string revision_;
  std::string operation_;
  std::string database_message_;
};

// A revision (or an operation) that does not fit the schema before it: a missing table, column or
// index, a duplicate ... found when replaying a history into a strata::schema (strata::replay_error
// is the same fact as a value; at compile time it is a compile error).
class replay_failed : public error {
 public:
  replay_failed(std::string revision, std::string operation, const std::string& message)
      : error(message), revision_(std::move(revision)), operation_(std::move(operation)) {}
  [[nodiscard]] const std::string& revision() const { return revision_; }  // empty outside a history
  [[nodiscard]] const std::string& operation() const { return operation_; }

 private:
  std::string revision_;
  std::string operation_;
};

// Thrown by a dialect's apply() when one operation fails; the migrator turns it into
// migration_failed, adding the revision.
class operation_failed : public error {
 public:
  operation_failed(std::string operation, std::string database_message)
      : error(operation + ": " + database_message), operation_(std::move(operation)), database_message_(std::move(database_message)) {}
  // With what to do when the revision is not at fault (a lock or statement timeout: which setting
  // to raise; a missing privilege: which GRANT), which the migrator's message then gives instead of
  // "fix the revision". Empty: none.
  operation_failed(std::string operation, std::string database_message, std::string advice)
      : error(operation + ": " + database_message + (advice.empty() ? "" : "; " + advice)),
        operation_(std::move(operation)),
        database_message_(std::move(database_message)),
        advice_(std::move(advice)) {}
  [[nodiscard]] const std::string& operation() const { return operation_; }
  [[nodiscard]] const std::string& database_message() const { return database_message_; }
  [[nodiscard]] const std::string& advice() const { return advice_; }  // empty: fix the revision

 private:
  std::string operation_;
  std::string database_message_;
  std::string advice_;
};

// A revision names a table, column, index or constraint longer than the database keeps (PostgreSQL
// cuts names at 63 bytes): refused before anything runs.
class name_too_long : public error {
 public:
  name_too_long(std::string revision, std::string name, const std::string& message)
      : error(message), revision_(std::move(revision)), name_(std::move(name)) {}
  [[nodiscard]] const std::string& revision() const { return revision_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string revision_;
  std::string name_;
};

// A backup asked for before a migration could not be made; nothing ran.
class backup_failed : public error {
 public:
  using error::error;
};

}  // namespace strata
