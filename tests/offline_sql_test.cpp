// Offline SQL (strata::offline, manage_db upgrade/downgrade --sql): the script, run through the
// database's own shell (sqlite3, psql), leaves the schema, the rows and the version table as the
// online run does, for InsightBull's history and for one with every operation; upgrades and
// downgrades, whole and in part. Read back through the backends' own clients.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <insightbull/migrations/history.hpp>
#include <strata/offline.hpp>
#include <strata/strata.hpp>

#include "support/databases.hpp"
#include "support/process.hpp"
#include "support/sqlite_scratch.hpp"

namespace {

using strata::column;
using strata::direction;

void count_rows(strata::connection&) {}

// Every kind of operation a revision records, in revisions both dialects run.
struct library : strata::revision<"e0a000000001", strata::base> {
  static constexpr std::string_view message = "authors and books";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("authors", {column("id", strata::integer).primary_key(), column("name", strata::varchar(50)).not_null().unique()});
    op.create_table("books", {column("id", strata::integer).primary_key(), column("author_id", strata::integer).references("authors", "id"),
                              column("title", strata::text).not_null(), column("price", strata::real).server_default("0").check("price >= 0"),
                              column("isbn", strata::varchar(13))});
    op.create_index("ix_books_title", "books", {"title"});
    op.execute("INSERT INTO authors (id, name) VALUES (1, 'Le Guin'), (2, 'Lem');\n"
               "INSERT INTO books (id, author_id, title, price) VALUES (1, 1, 'Earthsea', 9.5), (2, 2, 'Solaris', 7) -- two books");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_books_title", "books");
    op.drop_table("books");
    op.drop_table("authors");
  }
};
struct editions : strata::revision<"e0a000000002", "e0a000000001"> {
  static constexpr std::string_view message = "editions, it's \"quoted\"";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("books", column("pages", strata::integer));
    op.add_column("books", column("edition", strata::integer).not_null().server_default("1"));
    op.execute("UPDATE books SET isbn = 'isbn-' || id");
    op.alter_column("books", "isbn", {.nullable = false});
    op.alter_column("books", "title", {.server_default = "'untitled'"});
    op.rename_column("books", "pages", "page_count");
    op.add_constraint("books", strata::unique("uq_books_isbn", {"isbn"}));
    op.add_constraint("books", strata::check("ck_books_edition", "edition > 0"));
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_constraint("books", "ck_books_edition");
    op.drop_constraint("books", "uq_books_isbn");
    op.rename_column("books", "page_count", "pages");
    op.alter_column("books", "title", {.drop_default = true});
    op.alter_column("books", "isbn", {.nullable = true});
    op.drop_column("books", "edition");
    op.drop_column("books", "pages");
  }
};
struct volumes : strata::revision<"e0a000000003", "e0a000000002"> {
  static constexpr std::string_view message = "books become volumes";
  // The downgrade puts isbn's uniqueness back as a named table constraint, not the column's own.
  static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) {
    op.drop_index("ix_books_title", "books");
    op.rename_table("books", "volumes");
    op.alter_column("volumes", "edition", {.type = strata::big_integer});
    op.drop_constraint("volumes", strata::constraint_kind::unique, {"isbn"});
    op.create_index("ix_volumes_isbn", "volumes", {"isbn"}, {.unique = true});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_volumes_isbn", "volumes");
    op.add_constraint("volumes", strata::unique("uq_books_isbn", {"isbn"}));
    op.alter_column("volumes", "edition", {.type = strata::integer});
    op.rename_table("volumes", "books");
    op.create_index("ix_books_title", "books", {"title"});
  }
};
struct by_author : strata::revision<"e0a000000004", "e0a000000003"> {
  static constexpr std::string_view message = "index volumes by author, concurrently";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) { op.create_index("ix_volumes_author", "volumes", {"author_id"}, {.concurrently = true}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_index("ix_volumes_author", "volumes"); }
};
struct notes : strata::revision<"e0a000000005", "e0a000000004"> {
  static constexpr std::string_view message = "notes; no page counts";
  // The downgrade adds page_count back at the end of volumes, not where it was.
  static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("notes", {column("id", strata::integer).primary_key(), column("body", strata::text).not_null()});
    op.execute("INSERT INTO notes (id, body) VALUES (1, 'it''s a note')");
    op.drop_column("volumes", "page_count");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.add_column("volumes", column("page_count", strata::integer));
    op.drop_table("notes");
  }
};
using every_operation = strata::history<library, editions, volumes, by_author, notes>;

struct with_code : strata::revision<"e0a000000006", "e0a000000005"> {
  static constexpr std::string_view message = "count the rows in C++";
  static constexpr void upgrade(strata::ops& op) { op.run(&count_rows, "count the rows"); }
  static constexpr void downgrade(strata::ops&) {}
};
using with_a_data_migration = strata::history<library, editions, volumes, by_author, notes, with_code>;

struct virtual_column : strata::revision<"e0a000000007", "e0a000000005"> {
  static constexpr std::string_view message = "a virtual generated column";
  static constexpr void upgrade(strata::ops& op) { op.add_column("notes", column("length", strata::integer).generated("length(body)")); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("notes", "length"); }
};
using with_a_virtual_column = strata::history<library, editions, volumes, by_author, notes, virtual_column>;

template <class B>
class OfflineSql : public ::testing::Test {
 protected:
  void SetUp() override {
    strata_test::open_backend(online_);
    if (this->IsSkipped() || this->HasFatalFailure()) return;
    strata_test::open_backend(offline_);
  }

  B& online() { return *online_; }
  B& offline() { return *offline_; }

  template <class H>
  strata::offline::sql_script script(const B& db, direction way, std::string_view range) {
    return strata::offline::script<typename B::dialect>(std::span<const strata::revision_info>(H::revisions), db.url(), way, range);
  }

  // The script run through the database's own shell, which stops at the first error.
  strata_test::process_result run_shell(const B& db, const std::string& text) {
    const auto file = folder_.path() / ("script" + std::to_string(++scripts_) + ".sql");
    std::ofstream(file) << text;
    const auto io = folder_.path() / ("shell" + std::to_string(scripts_));
    if constexpr (B::name == "sqlite")
      return strata_test::child_process("/usr/bin/sqlite3", {"-bail", db.where(), ".read " + file.string()}, {}, folder_.path(), io).wait();
    else
      return strata_test::child_process("/usr/bin/psql", {"-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.where(), "-f", file.string()}, {},
                                        folder_.path(), io)
          .wait();
  }

  void run_script(const B& db, const strata::offline::sql_script& s) {
    const auto r = run_shell(db, s.text);
    EXPECT_EQ(r.status, 0) << r.err << "\nthe script:\n" << s.text;
  }

  // Schema, rows and version table, without strata's history table, which only online runs keep.
  std::string state(const B& db) {
    if (contains(db.tables(), "alembic_version_history")) db.execute("DROP TABLE alembic_version_history");
    return db.snapshot();
  }

  // Online with the migrator, offline with the script of the same range: the same state after.
  template <class H>
  void expect_same(direction way, std::string_view target, std::string_view range) {
    auto m = strata::migrator<typename B::dialect>(H{}, online().url());
    const auto ran = way == direction::upgrade ? m.upgrade(target) : m.downgrade(target);
    const auto s = script<H>(offline(), way, range);
    EXPECT_EQ(s.revisions, ran) << range;
    run_script(offline(), s);
    EXPECT_EQ(state(offline()), state(online())) << "after " << to_string(way) << " " << range << ", the script:\n" << s.text;
  }

  strata_test::scratch_folder& folder() { return folder_; }
  int runs = 0;

  static bool contains(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  }

 private:
  std::optional<B> online_, offline_;
  strata_test::scratch_folder folder_;
  int scripts_ = 0;
};

TYPED_TEST_SUITE(OfflineSql, strata_test::backends);

TYPED_TEST(OfflineSql, InsightBullUpgradesAndDowngradesAsOnline) {
  using H = migrations::history;
  this->template expect_same<H>(direction::upgrade, "3b1f0c2d4e5a", "3b1f0c2d4e5a");  // from base, as Alembic
  this->template expect_same<H>(direction::upgrade, "head", "3b1f:head");
  this->template expect_same<H>(direction::downgrade, "8653cc238299", "head:8653cc238299");
  this->template expect_same<H>(direction::downgrade, "base", "8653cc238299:base");
}

TYPED_TEST(OfflineSql, EveryOperationUpgradesAndDowngradesAsOnline) {
  using H = every_operation;
  this->template expect_same<H>(direction::upgrade, "e0a000000002", "base:e0a000000002");
  this->template expect_same<H>(direction::upgrade, "heads", "e0a000000002:heads");
  this->template expect_same<H>(direction::downgrade, "-1", "head:-1");
  this->template expect_same<H>(direction::upgrade, "+1", "e0a000000004:+1");
  // One script through several downgrades: notes' puts page_count back at the end of volumes, which
  // volumes' rebuild then keeps there, as the live table has it.
  this->template expect_same<H>(direction::downgrade, "e0a000000002", "head:e0a000000002");
  this->template expect_same<H>(direction::downgrade, "base", "e0a000000002:base");
}

// One transaction per transactional revision, the version row written in it; the revision outside
// a transaction where the dialect runs one so (PostgreSQL), its version row in a transaction of its own.
TYPED_TEST(OfflineSql, GroupsTransactionsAsTheOnlineRun) {
  const auto s = this->template script<every_operation>(this->offline(), direction::upgrade, "e0a000000003:e0a000000004");
  const std::string begin = TypeParam::name == "sqlite" ? "BEGIN IMMEDIATE;\n" : "BEGIN;\n";
  const std::string index = TypeParam::name == "sqlite" ? "CREATE INDEX \"ix_volumes_author\"" : "CREATE INDEX CONCURRENTLY \"ix_volumes_author\"";
  const auto at = s.text.find(index);
  ASSERT_NE(at, std::string::npos) << s.text;
  const auto opened = s.text.rfind(begin, at);
  if (TypeParam::name == "sqlite") {
    EXPECT_NE(opened, std::string::npos) << s.text;  // strata::sqlite runs every revision in a transaction
  } else {
    EXPECT_EQ(opened, std::string::npos) << s.text;
    const auto row = s.text.find("INSERT INTO \"alembic_version\"", at);
    ASSERT_NE(row, std::string::npos) << s.text;
    EXPECT_NE(s.text.rfind(begin, row), std::string::npos) << s.text;
    EXPECT_GT(s.text.rfind(begin, row), at) << s.text;
  }
  const auto full = this->template script<every_operation>(this->offline(), direction::upgrade, "head");
  std::size_t commits = 0;
  for (auto i = full.text.find("COMMIT;"); i != std::string::npos; i = full.text.find("COMMIT;", i + 1)) ++commits;
  EXPECT_EQ(commits, 5u) << full.text;  // one a revision (PostgreSQL: the one outside a transaction, for its version row)
}

// tx_mode all: the script groups the revisions as the online run does: one transaction for the
// revisions before the non-transactional one, which splits the group (strata::transaction_groups),
// one for it (PostgreSQL: for its version row), one for the revision after it.
TYPED_TEST(OfflineSql, GroupsAllRevisionsInOneTransactionInTxModeAll) {
  strata::migrator_options all;
  all.transactions = strata::transaction_mode::all;
  const auto s = strata::offline::script<typename TypeParam::dialect>(std::span<const strata::revision_info>(every_operation::revisions),
                                                                    this->offline().url(), direction::upgrade, "head", all);
  std::size_t commits = 0;
  for (auto i = s.text.find("COMMIT;"); i != std::string::npos; i = s.text.find("COMMIT;", i + 1)) ++commits;
  EXPECT_EQ(commits, 3u) << s.text;
  // Per revision, one a revision.
  const auto each = strata::offline::script<typename TypeParam::dialect>(std::span<const strata::revision_info>(every_operation::revisions),
                                                                       this->offline().url(), direction::upgrade, "head");
  std::size_t revision_commits = 0;
  for (auto i = each.text.find("COMMIT;"); i != std::string::npos; i = each.text.find("COMMIT;", i + 1)) ++revision_commits;
  EXPECT_EQ(revision_commits, 5u) << each.text;
}

// A URL's ?schema= (PostgreSQL): the script makes the schema and qualifies the names, as online.
TYPED_TEST(OfflineSql, WritesInTheUrlsSchema) {
  if constexpr (TypeParam::name != "postgresql") {
    GTEST_SKIP() << "a schema option is PostgreSQL's";
  } else {
    using H = every_operation;
    auto m = strata::migrator<typename TypeParam::dialect>(H{}, this->online().url() + "?schema=app");
    m.upgrade("head");
    const auto s = strata::offline::script<typename TypeParam::dialect>(std::span<const strata::revision_info>(H::revisions),
                                                                        this->offline().url() + "?schema=app", direction::upgrade, "head");
    this->run_script(this->offline(), s);
    const std::string columns =
        "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_schema = 'app' AND table_name <> 'alembic_version_history' ORDER BY table_name, ordinal_position";
    EXPECT_EQ(this->offline().rows(columns), this->online().rows(columns)) << s.text;
    const std::string versions = "SELECT version_num FROM app.alembic_version";
    EXPECT_EQ(this->offline().rows(versions), this->online().rows(versions));
    EXPECT_EQ(this->offline().rows("SELECT body FROM app.notes"), this->online().rows("SELECT body FROM app.notes"));
    EXPECT_EQ(this->offline().tables(), std::vector<std::string>{}) << "nothing in the public schema";
  }
}

TYPED_TEST(OfflineSql, CodeCannotBeWrittenAsSql) {
  try {
    (void)this->template script<with_a_data_migration>(this->offline(), direction::upgrade, "head");
    FAIL() << "a revision with op.run gave a script";
  } catch (const strata::not_renderable& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("revision 'e0a000000006' (count the rows in C++) runs C++ code in its upgrade"), std::string::npos) << what;
    EXPECT_NE(what.find("no script was printed"), std::string::npos) << what;
  }
  // Up to the revision before it, the script is there.
  EXPECT_EQ(this->template script<with_a_data_migration>(this->offline(), direction::upgrade, "e0a000000005").revisions.size(), 5u);
}

// An operation the dialect cannot render (PostgreSQL has STORED generated columns only): no script,
// and the revision named, without the "rolled back" of an online failure.
TYPED_TEST(OfflineSql, WhatTheDialectCannotRenderIsNamed) {
  if constexpr (TypeParam::name == "sqlite") {
    const auto s = this->template script<with_a_virtual_column>(this->offline(), direction::upgrade, "e0a000000005:head");
    EXPECT_NE(s.text.find("GENERATED ALWAYS AS (length(body)) VIRTUAL"), std::string::npos) << s.text;
  } else {
    try {
      (void)this->template script<with_a_virtual_column>(this->offline(), direction::upgrade, "e0a000000005:head");
      FAIL() << "a virtual generated column was written for PostgreSQL";
    } catch (const strata::not_renderable& e) {
      const std::string what = e.what();
      EXPECT_TRUE(what.starts_with("revision 'e0a000000007' (a virtual generated column) cannot be written as postgresql SQL: its upgrade at "))
          << what;
      EXPECT_NE(what.find("STORED generated columns only"), std::string::npos) << what;
      EXPECT_EQ(what.find("rolled back"), std::string::npos) << what;
    }
  }
}

TYPED_TEST(OfflineSql, OpensNoDatabase) {
  // A server that does not exist and a file in a folder that does not: nothing is opened, nothing made.
  const std::string url = TypeParam::name == "sqlite" ? "sqlite:///" + (std::filesystem::temp_directory_path() / "strata-no-such-dir" / "x.db").string()
                                                        : "postgresql://user:secret@nowhere.invalid:1/none";
  const auto s = strata::offline::script<typename TypeParam::dialect>(std::span<const strata::revision_info>(every_operation::revisions), url,
                                                                      direction::upgrade, "head");
  EXPECT_EQ(s.revisions.size(), 5u);
  EXPECT_EQ(s.text.find("secret"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::temp_directory_path() / "strata-no-such-dir"));
}

// manage_db upgrade/downgrade --sql: InsightBull's script on stdout, which the shell runs to the
// state manage_db's online upgrade and downgrade leave; no database opened.
TYPED_TEST(OfflineSql, ManageDbPrintsTheScript) {
#ifndef STRATA_MANAGE_DB
  GTEST_SKIP() << "manage_db is not built (needs STRATA_BUILD_EXAMPLES and CLI11)";
#else
  auto manage_db = [&](const std::vector<std::string>& args) {
    const auto io = this->folder().path() / ("manage_db" + std::to_string(++this->runs));
    return strata_test::child_process(STRATA_MANAGE_DB, args, {}, this->folder().path(), io).wait();
  };
  for (const auto& [online, offline] : {std::pair<std::vector<std::string>, std::vector<std::string>>{{"upgrade"}, {"upgrade", "--sql"}},
                                        {{"downgrade", "8653cc238299"}, {"downgrade", "--sql", "head:8653"}}}) {
    auto args = std::vector<std::string>{"--url", this->online().url()};
    args.insert(args.end(), online.begin(), online.end());
    const auto o = manage_db(args);
    ASSERT_EQ(o.status, 0) << o.err;
    args = std::vector<std::string>{"--url", this->offline().url()};
    args.insert(args.end(), offline.begin(), offline.end());
    const auto script = manage_db(args);
    ASSERT_EQ(script.status, 0) << script.err;
    EXPECT_EQ(script.err, "");
    const auto r = this->run_shell(this->offline(), script.out);
    EXPECT_EQ(r.status, 0) << r.err << "\n" << script.out;
    EXPECT_EQ(this->state(this->offline()), this->state(this->online())) << script.out;
  }

  // Nothing opened: a SQLite file that is not there stays so, a server that is not there is not asked.
  const auto nowhere = this->folder().path() / "nowhere" / "app.db";
  for (const std::string& url : {"sqlite:///" + nowhere.string(), std::string("postgresql://me:s3cret@nowhere.invalid:1/app")}) {
    const auto o = manage_db({"--url", url, "upgrade", "--sql", "base:head"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_NE(o.out.find("INSERT INTO \"alembic_version\" (version_num) VALUES ('c7d2a9e1f0b3');"), std::string::npos) << o.out;
    EXPECT_EQ((o.out + o.err).find("s3cret"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(nowhere.parent_path()));

  // What cannot be done: one line on stderr, saying what to do.
  const auto url = this->offline().url();
  for (const auto& [args, status, says] :
       {std::tuple<std::vector<std::string>, int, std::string>{{"downgrade", "--sql"}, 2, "downgrade --sql needs the revision to start from"},
        {{"downgrade", "--sql", "base"}, 2, "downgrade --sql needs the revision to start from and the target, as from:to"},
        {{"upgrade", "--sql", "--backup"}, 2, "--sql prints a script and touches no database"},
        {{"upgrade", "--sql", "base:nosuch"}, 1, "nosuch"},
        {{"downgrade", "--sql", "8653:head"}, 1, "downgrade"}}) {
    auto full = std::vector<std::string>{"--url", url};
    full.insert(full.end(), args.begin(), args.end());
    const auto o = manage_db(full);
    EXPECT_EQ(o.status, status) << o.err;
    EXPECT_EQ(o.out, "");
    EXPECT_TRUE(o.err.starts_with("manage_db: ")) << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
    EXPECT_NE(o.err.find(says), std::string::npos) << o.err;
  }
#endif
}

TEST(OfflineSqlRange, ReadsAlembicsRanges) {
  using strata::offline::parse_range;
  EXPECT_EQ(parse_range(direction::upgrade, "ab12").from, "base");
  EXPECT_EQ(parse_range(direction::upgrade, "").to, "head");
  EXPECT_EQ(parse_range(direction::upgrade, "ab12:head").from, "ab12");
  EXPECT_EQ(parse_range(direction::downgrade, "head:base").to, "base");
  EXPECT_THROW(parse_range(direction::downgrade, "base"), strata::commands::usage_error);
  EXPECT_THROW(parse_range(direction::upgrade, ":head"), strata::commands::usage_error);
  EXPECT_THROW(parse_range(direction::upgrade, "a:b:c"), strata::commands::usage_error);
}

}  // namespace
