// strata::testing (strata/testing/gtest.hpp): the migrated_database fixture and the templates it
// clones, on SQLite (a snapshot_template) and (with STRATA_HAVE_POSTGRESQL) on the PostgreSQL server
// of the PG* variables (a pooled_template and its clone_pool).
#include <strata/testing/gtest.hpp>

#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>
#include <thread>

#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#ifdef STRATA_HAVE_POSTGRESQL
#include <pqxx/pqxx>
#include <strata/dialect/postgresql.hpp>
#endif

namespace {

using strata::column;
using strata::testing::isolation;
using strata::testing::migrated_database;

// How many times the revisions' data migration ran, per history (Tag).
template <int Tag>
struct migrations_run {
  static inline int count = 0;
  static void increment(strata::connection&) { ++count; }
};

template <int Tag>
struct create_items : strata::revision<"f1a000000001", strata::base> {
  static constexpr std::string_view message = "items and tags";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {column("id", strata::integer).primary_key(), column("key", strata::varchar(20)).not_null(),
                              strata::unique("uq_items_key", {"key"})});
    op.create_table("tags", {column("id", strata::integer).primary_key(), column("item_id", strata::integer).not_null(),
                             strata::foreign_key("fk_tags_item_id_items", {"item_id"}, "items", {"id"},
                                                 strata::referential_action::cascade)});
    op.run(&migrations_run<Tag>::increment, "count the migrations");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("tags");
    op.drop_table("items");
  }
};

// Width 100 or 200: two histories that differ in one column's type.
template <int Tag, int Width = 100>
struct add_note : strata::revision<"f1a000000002", "f1a000000001"> {
  static constexpr std::string_view message = "a note on items";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", column("note", strata::varchar(Width))); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "note"); }
};

template <int Tag, int Width = 100>
using items_history = strata::history<create_items<Tag>, add_note<Tag, Width>>;

constexpr std::string_view head = "f1a000000002";

// ---- SQLite --------------------------------------------------------------------------------------

using sqlite_history = items_history<0>;

std::string scalar(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getString(); }
int count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt(); }

class SqliteFixture : public migrated_database<sqlite_history, strata::sqlite> {};

TEST_F(SqliteFixture, SuiteDatabaseIsAtHead) {
  EXPECT_EQ(scalar(database(), "SELECT version_num FROM alembic_version"), head);
  EXPECT_EQ(count(database(), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('items', 'tags')"), 2);
  EXPECT_EQ(count(database(), "SELECT count(*) FROM pragma_table_info('items') WHERE name = 'note'"), 1);
  EXPECT_EQ(count(database(), "PRAGMA foreign_keys"), 1);
}

// The two tests insert the same unique key: the second passes only if the first's row is gone.
TEST_F(SqliteFixture, WritesOfOneTest) {
  database().exec("INSERT INTO items (key) VALUES ('a')");
  EXPECT_EQ(count(database(), "SELECT count(*) FROM items"), 1);
}
TEST_F(SqliteFixture, AreGoneInTheNext) {
  EXPECT_EQ(count(database(), "SELECT count(*) FROM items"), 0);
  database().exec("INSERT INTO items (key) VALUES ('a')");
  EXPECT_EQ(count(database(), "SELECT count(*) FROM items"), 1);
}

TEST_F(SqliteFixture, ForeignKeysCascade) {
  database().exec("INSERT INTO items (id, key) VALUES (1, 'a'); INSERT INTO tags (item_id) VALUES (1)");
  database().exec("DELETE FROM items WHERE id = 1");
  EXPECT_EQ(count(database(), "SELECT count(*) FROM tags"), 0);
  EXPECT_THROW(database().exec("INSERT INTO tags (item_id) VALUES (42)"), SQLite::Exception);
}

// Code under test that opens its own connection sees the schema (committed), not the test's rows.
TEST_F(SqliteFixture, UrlOpensTheSameDatabase) {
  database().exec("INSERT INTO items (key) VALUES ('uncommitted')");
  strata::migrator<strata::sqlite> other(sqlite_history{}, url());
  EXPECT_EQ(other.current(), (std::vector<std::string>{std::string(head)}));
  SQLite::Database& native = other.dialect().database();
  EXPECT_EQ(count(native, "SELECT count(*) FROM items"), 0);
}

// A fixture's test run by hand: ctest runs each TEST_F in a process of its own, so the tests that
// need several tests or suites in one process drive the fixture themselves.
template <class Fixture>
struct driven : Fixture {
  void TestBody() override {}
  void set_up() { this->SetUp(); }
  void tear_down() { this->TearDown(); }
};

TEST(SqliteFixtureLifecycle, TestsAndSuitesAreIsolated) {
  using fixture = migrated_database<sqlite_history, strata::sqlite>;
  fixture::SetUpTestSuite();
  const std::string first = fixture::database().getFilename();
  for (int i = 0; i < 2; ++i) {  // both insert the same unique key
    driven<fixture> test;
    test.set_up();
    ASSERT_FALSE(HasFailure());
    SQLite::Database& db = fixture::transaction();  // the connection: its statements run in the test's savepoint
    EXPECT_EQ(&db, &fixture::database());
    EXPECT_EQ(count(db, "SELECT count(*) FROM items"), 0);
    db.exec("INSERT INTO items (key) VALUES ('a')");
    test.tear_down();
  }
  fixture::TearDownTestSuite();
  EXPECT_FALSE(std::filesystem::exists(first));
  fixture::SetUpTestSuite();  // the next suite
  EXPECT_NE(fixture::database().getFilename(), first);
  EXPECT_EQ(count(fixture::database(), "SELECT count(*) FROM items"), 0);
  fixture::TearDownTestSuite();

  using fresh = migrated_database<sqlite_history, strata::sqlite, isolation::fresh_database>;
  fresh::SetUpTestSuite();
  std::set<std::string> files;
  for (int i = 0; i < 2; ++i) {
    driven<fresh> test;
    test.set_up();
    ASSERT_FALSE(HasFailure());
    EXPECT_TRUE(files.insert(fresh::database().getFilename()).second);
    EXPECT_EQ(count(fresh::database(), "SELECT count(*) FROM items"), 0);
    fresh::database().exec("INSERT INTO items (key) VALUES ('a')");
    test.tear_down();
  }
  fresh::TearDownTestSuite();
  EXPECT_LE(migrations_run<0>::count, 1);  // 0 when a process before this one kept the template
}

class SqliteFresh : public migrated_database<sqlite_history, strata::sqlite, isolation::fresh_database> {
 protected:
  static inline std::set<std::string> files;
};

TEST_F(SqliteFresh, EachTestGetsANewClone) {
  EXPECT_TRUE(files.insert(database().getFilename()).second);
  database().exec("INSERT INTO items (key) VALUES ('a')");
}
TEST_F(SqliteFresh, EachTestGetsANewCloneAgain) {
  EXPECT_TRUE(files.insert(database().getFilename()).second);
  EXPECT_EQ(count(database(), "SELECT count(*) FROM items"), 0);
  database().exec("INSERT INTO items (key) VALUES ('a')");
}
// Without a transaction around the test, a second connection sees its rows.
TEST_F(SqliteFresh, UrlSeesTheTestsRows) {
  EXPECT_TRUE(files.insert(database().getFilename()).second);
  database().exec("INSERT INTO items (key) VALUES ('seen')");
  strata::sqlite other(url());
  EXPECT_EQ(scalar(other.database(), "SELECT key FROM items"), "seen");
}

// The machine's record of spares: the one ready first is taken first, a name is kept once, four
// at the most (the newest); the time a copy took is kept. Named by the place, the template and the user.
TEST(SpareRecord, TakesTheSpareReadyFirstAndKeepsFourAtTheMost) {
  using strata::testing::detail::spare_record;
  spare_record record("strata test place " + std::to_string(::getpid()), "strata_tpl_0000000000000001");
  EXPECT_NE(record.path(), spare_record("another place", "strata_tpl_0000000000000001").path());
  EXPECT_NE(record.path(), spare_record("strata test place " + std::to_string(::getpid()), "strata_tpl_0000000000000002").path());
  std::filesystem::remove(record.path());
  EXPECT_FALSE(record.pop());
  EXPECT_FALSE(record.copy_time());
  record.push({{"b", 200}, {"a", 0}, {"c", 300}});
  record.push({{"a", 5}, {"d", 100}, {"e", 50}}, 123456789LL);  // "a" is in it; five in all: "a", ready first, goes
  EXPECT_EQ(record.copy_time(), 123456789LL);
  record.push({{"f", 400}});  // and "e"
  record.erase("b");          // claimed another way
  std::vector<std::string> taken;
  while (auto e = record.pop()) taken.push_back(e->name + "@" + std::to_string(e->ready_at));
  EXPECT_EQ(taken, (std::vector<std::string>{"d@100", "c@300", "f@400"}));
  EXPECT_EQ(std::filesystem::status(record.path()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::remove(record.path());
  // Not through a link another user could have put there: the file it points to is left alone.
  const auto target = std::filesystem::path(STRATA_TEST_SCRATCH) / ("spare_record_target_" + std::to_string(::getpid()));
  std::ofstream(target) << "kept\n";
  std::filesystem::create_symlink(target, record.path());
  record.push({{"x", 0}});
  EXPECT_FALSE(record.pop());
  std::ifstream in(target);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "kept\n");
  std::filesystem::remove(record.path());
  std::filesystem::remove(target);
}

TEST(SqliteTemplate, IsMigratedOncePerProcess) {
  auto& t = strata::testing::database_template<sqlite_history, strata::sqlite>::instance();
  EXPECT_EQ(&t, (&strata::testing::database_template<sqlite_history, strata::sqlite>::instance()));
  for (int i = 0; i < 5; ++i) {
    auto a = t.clone_in_memory();
    auto b = t.clone();
  }
  EXPECT_LE(migrations_run<0>::count, 1);  // after the suites above and ten clones; 0 when a process before kept the template
}

TEST(SqliteTemplate, InMemoryClonesAreIndependent) {
  auto& t = strata::testing::database_template<sqlite_history, strata::sqlite>::instance();
  auto a = t.clone_in_memory();
  auto b = t.clone_in_memory();
  EXPECT_EQ(scalar(a.connection(), "SELECT version_num FROM alembic_version"), head);
  EXPECT_EQ(count(a.connection(), "PRAGMA foreign_keys"), 1);
  a.connection().exec("INSERT INTO items (key) VALUES ('a')");
  // Grows past the image (SQLITE_DESERIALIZE_RESIZEABLE).
  for (int i = 0; i < 200; ++i) a.connection().exec("INSERT INTO items (key) VALUES ('k" + std::to_string(i) + "')");
  EXPECT_EQ(count(a.connection(), "SELECT count(*) FROM items"), 201);
  EXPECT_EQ(count(b.connection(), "SELECT count(*) FROM items"), 0);
  EXPECT_TRUE(a.name().empty());
  EXPECT_THROW((void)a.url(), std::logic_error);
}

TEST(SqliteTemplate, FileClonesAreRemoved) {
  auto& t = strata::testing::database_template<sqlite_history, strata::sqlite>::instance();
  std::filesystem::path file;
  {
    auto c = t.clone();
    file = c.connection().getFilename();
    EXPECT_EQ(c.url(), "sqlite:///" + file.string());
    EXPECT_TRUE(std::filesystem::exists(file));
    auto moved = std::move(c);
    EXPECT_TRUE(std::filesystem::exists(file));
  }
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST(SqliteTemplate, CloneTimings) {
  auto& t = strata::testing::database_template<sqlite_history, strata::sqlite>::instance();
  auto time = [](auto&& f) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i) f();
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / 100;
  };
  const double memory = time([&] { (void)t.clone_in_memory(); });
  const double file = time([&] { (void)t.clone(); });
  std::printf("SQLite clone of a %zu-byte template: in memory %.1f us, to a file %.1f us (clone and drop)\n", t.image().size(), memory, file);
}

// ---- SQLite: the template kept across processes ------------------------------------------------
// The tests start this program again (/proc/self/exe) to run SqliteKeptTemplateChild.Clone, with
// STRATA_TEMPLATE_DIR a folder of the test's own; each child appends to $STRATA_TEST_CHILD_OUT how
// many times it migrated the history and what its clone holds.

using kept_history = items_history<4>;
using edited_history = items_history<5, 200>;  // kept_history's second revision, edited

// A new empty folder under the scratch folder.
std::filesystem::path fresh_folder(const std::string& name) {
  auto dir = std::filesystem::path(STRATA_TEST_SCRATCH) / ("kept_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// `processes` children at once, of `history` ("kept" or "edited"), in `dir`: the lines they wrote.
// `temporary`: the children's temporary folder (where their clones go), else the test's.
// `mapped`: each child also says whether its template's file is mapped in it. `environment`: more
// variables for the children ("NAME=value ...").
std::vector<std::string> run_children(const std::filesystem::path& dir, const std::string& history, int processes = 1,
                                      const std::optional<std::filesystem::path>& temporary = std::nullopt, bool mapped = false,
                                      const std::string& environment = "") {
  const auto out = dir / "children.out";
  std::filesystem::remove(out);
  const auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string command = "cd '" + dir.string() + "' && export STRATA_TEMPLATE_DIR='" + dir.string() + "' STRATA_TEST_CHILD_OUT='" + out.string() +
                        "' STRATA_TEST_CHILD_HISTORY=" + history + (temporary ? " TMPDIR='" + temporary->string() + "'" : std::string()) +
                        (mapped ? " STRATA_TEST_CHILD_MAPPED=1" : "") + (environment.empty() ? "" : " " + environment) + "; failed=0; children=; ";
  for (int i = 0; i < processes; ++i) command += "'" + self + "' --gtest_filter=SqliteKeptTemplateChild.Clone >/dev/null 2>&1 & children=\"$children $!\"; ";
  command += "for child in $children; do wait $child || failed=1; done; exit $failed";
  EXPECT_EQ(std::system(command.c_str()), 0) << "a child failed: " << command;
  std::vector<std::string> lines;
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(processes));
  return lines;
}

// What a child writes: "migrated <n> head <version> note <0|1>", and with STRATA_TEST_CHILD_MAPPED
// " mapped <0|1>": whether a template's file (strata_tpl_*.db) is mapped in it (/proc/self/maps).
// With STRATA_TEST_CHILD_TOUCH, the child takes a clone, moves the template's modification time a
// second on, and reports on a second clone.
template <class History, int Tag>
void child_clone() {
  auto& t = strata::testing::database_template<History, strata::sqlite>::instance();
  auto c = t.clone();
  if (std::getenv("STRATA_TEST_CHILD_TOUCH") != nullptr) {
    const auto file = std::filesystem::path(std::getenv("STRATA_TEMPLATE_DIR")) / (strata::testing::kept_template_name<History, strata::sqlite>() + ".db");
    std::filesystem::last_write_time(file, std::filesystem::last_write_time(file) + std::chrono::seconds(1));
    c = t.clone();
  }
  std::string mapped;
  if (std::getenv("STRATA_TEST_CHILD_MAPPED") != nullptr) {
    std::ifstream maps("/proc/self/maps");
    const std::string text((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
    mapped = text.find("/strata_tpl_") != std::string::npos ? " mapped 1" : " mapped 0";
  }
  std::ofstream(std::getenv("STRATA_TEST_CHILD_OUT"), std::ios::app)
      << "migrated " << migrations_run<Tag>::count << " head " << scalar(c.connection(), "SELECT version_num FROM alembic_version") << " note "
      << count(c.connection(), "SELECT count(*) FROM pragma_table_info('items') WHERE name = 'note'") << mapped << "\n";
}

TEST(SqliteKeptTemplateChild, Clone) {
  const char* history = std::getenv("STRATA_TEST_CHILD_HISTORY");
  if (history == nullptr) GTEST_SKIP() << "run by the SqliteKeptTemplate tests, in a process of its own";
  if (std::string(history) == "kept") child_clone<kept_history, 4>();
  else child_clone<edited_history, 5>();
}

std::vector<std::filesystem::path> templates_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".db" && strata::testing::detail::is_template_name(e.path().stem().string())) out.push_back(e.path());
  return out;
}

// The first process builds the template, a file named by the history's hash; the next one reads
// it (no migration, the file untouched).
TEST(SqliteKeptTemplate, IsBuiltOnceAndReusedByTheNextProcess) {
  const auto dir = fresh_folder("reuse");
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  const auto file = dir / (strata::testing::kept_template_name<kept_history, strata::sqlite>() + ".db");
  ASSERT_EQ(templates_in(dir), std::vector<std::filesystem::path>{file});
  const auto built = std::filesystem::last_write_time(file);
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 0 head f1a000000002 note 1"});
  EXPECT_EQ(std::filesystem::last_write_time(file), built);
  EXPECT_TRUE(std::filesystem::directory_iterator(dir) != std::filesystem::directory_iterator());
  for (const auto& e : std::filesystem::directory_iterator(dir))  // nothing left over: no _building_ file, no lock
    EXPECT_TRUE(e.path() == file || e.path().extension() == ".note" || e.path().filename() == "children.out") << e.path();
  std::filesystem::remove_all(dir);
}

// A clone that a killed process left in the temporary folder is dropped at a later process's exit
// (off its first clone's path); one of a process that lives is left.
TEST(SqliteKeptTemplate, ClonesOfKilledProcessesAreDroppedAtALaterProcesssExit) {
  const auto dir = fresh_folder("orphans");
  const auto temporary = dir / "tmp";
  std::filesystem::create_directories(temporary);
  const auto orphan = temporary / "strata_clone_999999999_0.db";  // beyond any process id
  const auto live = temporary / ("strata_clone_" + std::to_string(::getpid()) + "_999.db");
  for (const auto& f : {orphan, live}) std::ofstream(f) << "left";
  EXPECT_EQ(run_children(dir, "kept", 1, temporary), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  EXPECT_FALSE(std::filesystem::exists(orphan));
  EXPECT_TRUE(std::filesystem::exists(live));
  std::filesystem::remove_all(dir);
}

// An edited revision (another checksum) is another template; the first one stays for its history.
TEST(SqliteKeptTemplate, AnEditedHistoryGetsATemplateOfItsOwn) {
  EXPECT_NE((strata::testing::kept_template_name<kept_history, strata::sqlite>()),
            (strata::testing::kept_template_name<edited_history, strata::sqlite>()));
  EXPECT_EQ((strata::testing::kept_template_name<kept_history, strata::sqlite>()),
            (strata::testing::kept_template_name<items_history<4>, strata::sqlite>()));
  const auto dir = fresh_folder("edited");
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  EXPECT_EQ(run_children(dir, "edited"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  EXPECT_EQ(templates_in(dir).size(), 2U);
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 0 head f1a000000002 note 1"});
  EXPECT_EQ(run_children(dir, "edited"), std::vector<std::string>{"migrated 0 head f1a000000002 note 1"});
  std::filesystem::remove_all(dir);
}

// Eight processes start at once on no template: one builds it, under the lock, and the others
// wait and read it whole (a partial file would fail its check, and be built again).
TEST(SqliteKeptTemplate, ConcurrentFirstUseBuildsItOnce) {
  const auto dir = fresh_folder("concurrent");
  const auto lines = run_children(dir, "kept", 8);
  int built = 0;
  for (const auto& line : lines) {
    EXPECT_TRUE(line == "migrated 0 head f1a000000002 note 1" || line == "migrated 1 head f1a000000002 note 1") << line;
    built += line.starts_with("migrated 1") ? 1 : 0;
  }
  EXPECT_EQ(built, 1);
  EXPECT_EQ(templates_in(dir).size(), 1U);
  std::filesystem::remove_all(dir);
}

// A template file that is damaged, or not at the history's head, is built again.
TEST(SqliteKeptTemplate, ADamagedTemplateIsBuiltAgain) {
  const auto dir = fresh_folder("damaged");
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  const auto file = templates_in(dir).at(0);
  const auto size = std::filesystem::file_size(file);
  auto overwrite = [&](auto&& change) {
    std::filesystem::permissions(file, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
    change();
  };
  overwrite([&] { std::filesystem::resize_file(file, size / 2); });  // cut short
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  EXPECT_EQ(std::filesystem::file_size(file), size);
  overwrite([&] { std::ofstream(file, std::ios::trunc) << "not a database"; });
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  overwrite([&] {  // a database, but at the first revision
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE alembic_version SET version_num = 'f1a000000001'");
  });
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 0 head f1a000000002 note 1"});
  EXPECT_EQ(templates_in(dir).size(), 1U);
  std::filesystem::remove_all(dir);
}

// A kept template is trusted by the digest of its bytes in its note, which its builder wrote: a
// note without one (lost, or of an older strata) has it built again; a later day's note keeps it.
TEST(SqliteKeptTemplate, ItsNoteCarriesTheDigestOfItsBytes) {
  const auto dir = fresh_folder("digest");
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  const auto file = templates_in(dir).at(0);
  auto note_path = file;
  note_path.replace_extension(".note");
  auto read_note = [&] {
    std::string line;
    std::getline(std::ifstream(note_path), line);
    return line;
  };
  const auto built = read_note();
  const auto digest = strata::testing::detail::stamped_digest(built);
  ASSERT_TRUE(digest.has_value()) << built;
  EXPECT_EQ(strata::testing::detail::stamped_file(built), strata::sqlite::provisioner(dir).identity(file.stem().string()));
  std::ifstream in(file, std::ios::binary);
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(*digest, strata::testing::detail::image_digest(bytes));

  std::ofstream(note_path, std::ios::trunc) << "strata::testing template; last used 2026-01-01; image " << *digest << "\n";
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 0 head f1a000000002 note 1"});
  EXPECT_EQ(read_note(), built);  // today's date, the same digest, and the file's identity again

  std::ofstream(note_path, std::ios::trunc) << "strata::testing template; last used 2026-01-01\n";
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  std::filesystem::remove(note_path);
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 0 head f1a000000002 note 1"});
  std::ifstream again(file, std::ios::binary);  // built again: its own bytes (the audit rows' times differ), its own digest
  const std::vector<unsigned char> rebuilt((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  EXPECT_EQ(strata::testing::detail::stamped_digest(read_note()), strata::testing::detail::image_digest(rebuilt));
  std::filesystem::remove_all(dir);
}

// A process trusts a kept template whose file's identity (its modification time, to the clock's
// precision, and its size) is the one noted with its digest, without reading all its bytes. One whose identity
// changed is read whole and checked by its digest, and its note takes the new identity.
TEST(SqliteKeptTemplate, ItsFilesIdentityAsNotedSparesReadingItWhole) {
  const auto dir = fresh_folder("identity");
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  const auto file = templates_in(dir).at(0);
  const auto stem = file.stem().string();
  auto note_path = file;
  note_path.replace_extension(".note");
  auto noted_file = [&] {
    std::string line;
    std::getline(std::ifstream(note_path), line);
    return strata::testing::detail::stamped_file(line);
  };
  strata::sqlite::provisioner p(dir);
  EXPECT_EQ(noted_file(), p.identity(stem));

  // Touched: the same bytes under another identity, found whole by their digest.
  std::filesystem::last_write_time(file, std::filesystem::last_write_time(file) + std::chrono::seconds(1));
  const auto touched = p.identity(stem);
  EXPECT_NE(noted_file(), touched);
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 0 head f1a000000002 note 1"});
  EXPECT_EQ(noted_file(), touched);

  auto edit = [&] {
    std::filesystem::permissions(file, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE alembic_version SET version_num = 'f1a000000001'");
  };
  // Edited, and its modification time put back by hand: what the identity cannot tell, trusted as noted.
  const auto noted_time = std::filesystem::last_write_time(file);
  edit();
  std::filesystem::last_write_time(file, noted_time);
  EXPECT_EQ(p.identity(stem), touched);
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 0 head f1a000000001 note 1"});
  // The same edit, its time left as it was: read whole, and built again.
  edit();
  EXPECT_EQ(run_children(dir, "kept"), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  EXPECT_EQ(noted_file(), p.identity(stem));
  std::filesystem::remove_all(dir);
}

// Where the templates' folder is the clones' (STRATA_TEMPLATE_DIR unset, or the temporary folder),
// a process's first clone is a copy of the template's file made by the kernel, its bytes never
// read into the process, when the file's identity (modification time and size) is the one noted;
// elsewhere the process maps the file and writes the clone from it. A file whose size changed,
// its time put back by hand, is not copied: built again.
TEST(SqliteKeptTemplate, ItsFileIsCopiedByTheKernelWhereClonesAreMadeBesideIt) {
  const auto dir = fresh_folder("copied");
  const auto elsewhere = dir / "tmp";
  std::filesystem::create_directories(elsewhere);
  EXPECT_EQ(run_children(dir, "kept", 1, dir, true).size(), 1U);  // built
  const auto file = templates_in(dir).at(0);
  const auto built = std::filesystem::last_write_time(file);
  EXPECT_EQ(run_children(dir, "kept", 1, dir, true), std::vector<std::string>{"migrated 0 head f1a000000002 note 1 mapped 0"});
  EXPECT_EQ(run_children(dir, "kept", 1, elsewhere, true), std::vector<std::string>{"migrated 0 head f1a000000002 note 1 mapped 1"});
  EXPECT_EQ(std::filesystem::last_write_time(file), built);
  for (const auto& e : std::filesystem::directory_iterator(dir))  // the clones were dropped
    EXPECT_FALSE(e.path().filename().string().starts_with("strata_clone_")) << e.path();

  // A later clone of the process is copied without the note read again, but only while the
  // template's identity is the one the first clone trusted: touched in between, it is read.
  EXPECT_EQ(run_children(dir, "kept", 1, dir, true, "STRATA_TEST_CHILD_TOUCH=1"),
            std::vector<std::string>{"migrated 0 head f1a000000002 note 1 mapped 1"});
  EXPECT_EQ(run_children(dir, "kept", 1, dir, true), std::vector<std::string>{"migrated 0 head f1a000000002 note 1 mapped 0"});
  const auto touched = std::filesystem::last_write_time(file);

  // Cut short, its time put back: another size, so another identity.
  std::filesystem::permissions(file, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  std::filesystem::last_write_time(file, touched);
  EXPECT_EQ(run_children(dir, "kept", 1, dir, true), std::vector<std::string>{"migrated 1 head f1a000000002 note 1 mapped 0"});
  EXPECT_EQ(run_children(dir, "kept", 1, dir, true), std::vector<std::string>{"migrated 0 head f1a000000002 note 1 mapped 0"});
  std::filesystem::remove_all(dir);
}

// A process does not compute its template's name when an earlier process of the same build left it
// in the temporary folder (strata_names_<hash>, this user's): computing it runs every revision's
// upgrade(). A file that does not hold a template's name, or that is another user's, is not read,
// and the name is computed and written again.
TEST(SqliteKeptTemplate, ItsNameIsRememberedForTheNextProcessOfTheSameBuild) {
  const auto dir = fresh_folder("names");
  const auto temporary = dir / "tmp";
  std::filesystem::create_directories(temporary);
  const auto computed = strata::testing::detail::template_name_of(strata::testing::detail::history_key<kept_history, strata::sqlite>());
  EXPECT_EQ((strata::testing::kept_template_name<kept_history, strata::sqlite>()), computed);
  EXPECT_EQ(run_children(dir, "kept", 1, temporary), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  std::vector<std::filesystem::path> remembered;
  for (const auto& e : std::filesystem::directory_iterator(temporary))
    if (e.path().filename().string().starts_with("strata_names_")) remembered.push_back(e.path());
  ASSERT_EQ(remembered.size(), 1U);
  const auto file = remembered.front();
  auto content = [&] {
    std::string line;
    std::getline(std::ifstream(file), line);
    return line;
  };
  EXPECT_EQ(content(), computed);
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  // The next process reads the name there: given another one, it builds (and names) that template.
  const std::string planted = "strata_tpl_00000000000000aa";
  std::ofstream(file, std::ios::trunc) << planted << "\n";
  EXPECT_EQ(run_children(dir, "kept", 1, temporary), std::vector<std::string>{"migrated 1 head f1a000000002 note 1"});
  EXPECT_TRUE(std::filesystem::exists(dir / (planted + ".db")));
  EXPECT_EQ(content(), planted);

  // Not a template's name: computed, the right template found, the file written again.
  std::ofstream(file, std::ios::trunc) << "../../elsewhere\n";
  EXPECT_EQ(run_children(dir, "kept", 1, temporary), std::vector<std::string>{"migrated 0 head f1a000000002 note 1"});
  EXPECT_EQ(content(), computed);
  if (::geteuid() == 0) {  // another user's file is not read (root can make one)
    std::ofstream(file, std::ios::trunc) << planted << "\n";
    ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);
    EXPECT_EQ(run_children(dir, "kept", 1, temporary), std::vector<std::string>{"migrated 0 head f1a000000002 note 1"});
    EXPECT_EQ(content(), computed);
  }
  std::filesystem::remove_all(dir);
}

// What a remembered name is filed under: the build ids of the objects holding the given addresses
// (a line), and where in them each address is (a line each).
TEST(CodeIdentity, TellsObjectsAndPlacesInThemApart) {
  static char first = 0, second = 0;
  const auto at = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p); };
  const auto lines = [](const std::optional<std::string>& text) {
    std::vector<std::string> out;
    if (!text) return out;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  };
  const std::uintptr_t here[] = {at(&first)}, there[] = {at(&second)}, both[] = {at(&first), at(&second)};
  const auto a = strata::detail::code_identity(here);
  ASSERT_TRUE(a.has_value()) << "this test program is position-independent and has a build id (Debian's defaults)";
  EXPECT_EQ(strata::detail::code_identity(here), a);  // the same every time
  const auto b = strata::detail::code_identity(there);
  const auto la = lines(a), lb = lines(b);
  ASSERT_EQ(la.size(), 2U) << *a;
  ASSERT_EQ(lb.size(), 2U);
  EXPECT_EQ(la[0], lb[0]);  // one object (its build id, and a space), two places
  EXPECT_EQ(std::count(la[0].begin(), la[0].end(), ' '), 1) << la[0];
  EXPECT_NE(la[1], lb[1]);
  EXPECT_EQ(lines(strata::detail::code_identity(both)), (std::vector<std::string>{la[0], la[1], lb[1]}));
  const std::uintptr_t with_libc[] = {at(&first), reinterpret_cast<std::uintptr_t>(&::getpid)};
  const auto c = lines(strata::detail::code_identity(with_libc));
  ASSERT_EQ(c.size(), 3U);
  EXPECT_EQ(std::count(c[0].begin(), c[0].end(), ' '), 2) << c[0];  // two objects
  EXPECT_TRUE(c[0].starts_with(la[0])) << c[0];
  EXPECT_TRUE(c[2].starts_with("1+")) << c[2];
  const auto heap = std::make_unique<int>(0);
  const std::uintptr_t on_heap[] = {at(heap.get())};
  EXPECT_EQ(strata::detail::code_identity(on_heap), std::nullopt);  // in no loaded object
}

// STRATA_TEMPLATE_DIR that cannot be a folder is one sentence saying so.
TEST(SqliteKeptTemplate, ATemplateFolderThatCannotBeMadeIsReported) {
  const auto dir = fresh_folder("not_a_folder");
  std::ofstream(dir / "file") << "x";
  ::setenv("STRATA_TEMPLATE_DIR", (dir / "file" / "below").c_str(), 1);
  try {
    (void)strata::sqlite::provisioner::for_templates();
    ADD_FAILURE() << "no error";
  } catch (const strata::database_unavailable& e) {
    EXPECT_NE(std::string(e.what()).find("STRATA_TEMPLATE_DIR"), std::string::npos) << e.what();
  }
  ::unsetenv("STRATA_TEMPLATE_DIR");
  std::filesystem::remove_all(dir);
}

// A temporary folder that cannot be used is strata::database_unavailable, and fails the tests.
TEST(SqliteProvisioner, AFolderThatIsNotThereIsDatabaseUnavailable) {
  strata::sqlite::provisioner p(std::filesystem::temp_directory_path() / "strata_no_such_folder" / "deeper");
  EXPECT_THROW(p.create("strata_clone_1_0"), strata::database_unavailable);
  EXPECT_TRUE(strata::sqlite::provisioner::unreachable_fails());
}

// read() maps the file (a kept template's bytes are not copied); the bytes stay readable after the
// file is dropped, move with the image, and a file that is missing or not a whole database is none.
TEST(SqliteProvisioner, ReadMapsTheFileAndItsBytesOutliveIt) {
  const auto dir = fresh_folder("byte_image");
  strata::sqlite::provisioner p(dir);
  std::vector<unsigned char> image;
  {
    auto d = strata::sqlite::provisioner::open_snapshot({});
    d.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, key TEXT)");
    d.execute("INSERT INTO items (key) VALUES ('a'), ('b')");
    image = strata::sqlite::provisioner::snapshot(d);
  }
  ASSERT_FALSE(image.empty());
  p.write("strata_tpl_read", image);
  auto read = p.read("strata_tpl_read");
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(read->mapped());
  const auto equal = [&](const strata::byte_image& b) { return std::vector<unsigned char>(b.data(), b.data() + b.size()) == image; };
  EXPECT_TRUE(equal(*read));
  p.drop("strata_tpl_read");
  EXPECT_TRUE(equal(*read));
  strata::byte_image moved(std::move(*read));
  EXPECT_TRUE(equal(moved));
  EXPECT_TRUE(read->empty());  // NOLINT(bugprone-use-after-move): a moved-from image is empty
  auto clone = strata::sqlite::provisioner::open_snapshot(moved);
  EXPECT_EQ(clone.database().execAndGet("SELECT count(*) FROM items").getInt(), 2);

  EXPECT_FALSE(p.read("strata_tpl_missing").has_value());
  std::ofstream(dir / "strata_tpl_short.db", std::ios::binary).write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size() / 2));
  EXPECT_FALSE(p.read("strata_tpl_short").has_value());
  strata::byte_image heap{std::vector<unsigned char>(image)};
  EXPECT_FALSE(heap.mapped());
  EXPECT_TRUE(equal(heap));
  strata::byte_image moved_heap(std::move(heap));
  EXPECT_TRUE(equal(moved_heap));
  std::filesystem::remove_all(dir);
}

// ---- PostgreSQL ---------------------------------------------------------------------------------

#ifdef STRATA_HAVE_POSTGRESQL

// An environment variable set (or unset) for one scope.
class scoped_environment {
 public:
  scoped_environment(const char* name, const char* value) : name_(name) {
    if (const char* v = std::getenv(name)) saved_ = v;
    if (value != nullptr) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  scoped_environment(const scoped_environment&) = delete;
  scoped_environment& operator=(const scoped_environment&) = delete;
  ~scoped_environment() {
    if (saved_) ::setenv(name_, saved_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

// Needs no server: a port nobody listens on is strata::database_unavailable, one line saying what to
// do; whether that skips or fails a test follows STRATA_REQUIRE_POSTGRESQL.
TEST(PostgresqlProvisioner, AServerThatIsNotThereIsDatabaseUnavailable) {
  {
    scoped_environment host("PGHOST", "127.0.0.1"), port("PGPORT", "1"), password("PGPASSWORD", "Secret/Pw@1");
    try {
      strata::postgresql::provisioner p;
      FAIL() << "connected to port 1";
    } catch (const strata::database_unavailable& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_NE(what.find("PGHOST"), std::string::npos) << what;
      EXPECT_EQ(what.find("Secret"), std::string::npos) << what;
    }
  }
  {
    scoped_environment required("STRATA_REQUIRE_POSTGRESQL", "1");
    EXPECT_TRUE(strata::postgresql::provisioner::unreachable_fails());
  }
  {
    scoped_environment required("STRATA_REQUIRE_POSTGRESQL", nullptr);
    EXPECT_FALSE(strata::postgresql::provisioner::unreachable_fails());
  }
}

using postgresql_history = items_history<1>;

// On a transaction (a test's: the fixture's transaction()), or on a connection that has none open.
std::string pg_scalar(pqxx::transaction_base& t, const std::string& sql) {
  auto r = t.exec(sql);
  return r.empty() || r[0][0].is_null() ? std::string() : r[0][0].as<std::string>();
}
std::string pg_scalar(pqxx::connection& c, const std::string& sql) {
  pqxx::nontransaction n(c);
  return pg_scalar(n, sql);
}
void pg_exec(pqxx::connection& c, const std::string& sql) {
  pqxx::nontransaction n(c);
  n.exec(sql);
}

// A connection to the PG* variables' database, or none without a server.
std::unique_ptr<pqxx::connection> admin_or_skip() {
  try {
    return std::make_unique<pqxx::connection>();
  } catch (const pqxx::broken_connection&) {
    return nullptr;
  }
}
#define STRATA_ADMIN_OR_SKIP(admin)                                                        \
  auto admin = admin_or_skip();                                                            \
  if (!admin) {                                                                            \
    if (strata::postgresql::provisioner::unreachable_fails()) FAIL() << "no PostgreSQL server"; \
    GTEST_SKIP() << "no PostgreSQL server";                                                \
  }

class PostgresqlFixture : public migrated_database<postgresql_history, strata::postgresql> {};

TEST_F(PostgresqlFixture, SuiteDatabaseIsAtHead) {
  EXPECT_EQ(pg_scalar(transaction(), "SELECT version_num FROM alembic_version"), head);
  EXPECT_EQ(pg_scalar(transaction(), "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('items', 'tags')"), "2");
  EXPECT_EQ(pg_scalar(transaction(), "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'note'"),
            "1");
}

TEST_F(PostgresqlFixture, WritesOfOneTest) {
  transaction().exec0("INSERT INTO items (key) VALUES ('a')");
  EXPECT_EQ(pg_scalar(transaction(), "SELECT count(*) FROM items"), "1");
}
TEST_F(PostgresqlFixture, AreGoneInTheNext) {
  EXPECT_EQ(pg_scalar(transaction(), "SELECT count(*) FROM items"), "0");
  transaction().exec0("INSERT INTO items (key) VALUES ('a')");
  EXPECT_EQ(pg_scalar(transaction(), "SELECT count(*) FROM items"), "1");
}
// A failed statement aborts the test's transaction; the next test is unaffected.
TEST_F(PostgresqlFixture, AFailedStatement) {
  transaction().exec0("INSERT INTO items (key) VALUES ('a')");
  EXPECT_THROW(transaction().exec0("INSERT INTO items (key) VALUES ('a')"), pqxx::unique_violation);
}
TEST_F(PostgresqlFixture, DoesNotSpoilTheNext) { EXPECT_EQ(pg_scalar(transaction(), "SELECT count(*) FROM items"), "0"); }

// A transaction of the test's own on the connection is refused where it is opened, with a message
// that says what to do, instead of committing the fixture's transaction.
TEST_F(PostgresqlFixture, ATransactionOfItsOwnIsRefused) {
  try {
    pqxx::work w(database());
    ADD_FAILURE() << "a second transaction opened on the fixture's connection";
  } catch (const pqxx::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("write through transaction() of the fixture"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pqxx::nontransaction n(database()), pqxx::usage_error);
  EXPECT_EQ(pg_scalar(transaction(), "SELECT count(*) FROM items"), "0");  // the test's transaction goes on
}

TEST_F(PostgresqlFixture, UrlOpensTheSameDatabase) {
  transaction().exec0("INSERT INTO items (key) VALUES ('uncommitted')");
  strata::migrator<strata::postgresql> other(postgresql_history{}, url());
  EXPECT_EQ(other.current(), (std::vector<std::string>{std::string(head)}));
  EXPECT_EQ(pg_scalar(other.dialect().database(), "SELECT count(*) FROM items"), "0");
  pqxx::connection libpq(url());  // a libpq URI too
  EXPECT_EQ(pg_scalar(libpq, "SELECT current_database()"), pg_scalar(transaction(), "SELECT current_database()"));
}

TEST(PostgresqlFixtureLifecycle, TestsAndSuitesAreIsolated) {
  using fixture = migrated_database<postgresql_history, strata::postgresql>;
  fixture::SetUpTestSuite();
  {
    driven<fixture> probe;  // skips or fails (STRATA_REQUIRE_POSTGRESQL) without a server
    probe.set_up();
    if (IsSkipped() || HasFailure()) {
      fixture::TearDownTestSuite();
      return;
    }
    probe.tear_down();
  }
  const std::string first = pg_scalar(fixture::database(), "SELECT current_database()");
  for (int i = 0; i < 2; ++i) {  // both insert the same unique key
    driven<fixture> test;
    test.set_up();
    ASSERT_FALSE(HasFailure());
    EXPECT_EQ(pg_scalar(fixture::transaction(), "SELECT count(*) FROM items"), "0");
    fixture::transaction().exec0("INSERT INTO items (key) VALUES ('a')");
    test.tear_down();
  }
  fixture::TearDownTestSuite();
  strata::testing::database_template<postgresql_history, strata::postgresql>::instance().settle();  // released clones dropped
  auto admin = admin_or_skip();
  ASSERT_TRUE(admin);
  EXPECT_EQ(pg_scalar(*admin, "SELECT count(*) FROM pg_database WHERE datname = '" + first + "'"), "0");
  fixture::SetUpTestSuite();  // the next suite
  EXPECT_NE(pg_scalar(fixture::database(), "SELECT current_database()"), first);
  fixture::TearDownTestSuite();

  using fresh = migrated_database<postgresql_history, strata::postgresql, isolation::fresh_database>;
  fresh::SetUpTestSuite();
  std::set<std::string> names;
  for (int i = 0; i < 2; ++i) {
    driven<fresh> test;
    test.set_up();
    ASSERT_FALSE(HasFailure());
    EXPECT_TRUE(names.insert(pg_scalar(fresh::database(), "SELECT current_database()")).second);
    EXPECT_EQ(pg_scalar(fresh::database(), "SELECT count(*) FROM items"), "0");
    pg_exec(fresh::database(), "INSERT INTO items (key) VALUES ('a')");
    test.tear_down();
  }
  fresh::TearDownTestSuite();
}

// What a test writes through transaction() is seen inside the test and gone after it, however it was
// written: straight, by code that commits a pqxx::subtransaction it nests, by committing what the
// fixture handed out, or around a statement that failed. Tests of one suite, one after the other.
TEST(PostgresqlFixtureLifecycle, WritesThroughTheTransactionAreSeenThenRolledBack) {
  using fixture = migrated_database<postgresql_history, strata::postgresql>;
  fixture::SetUpTestSuite();
  std::string suite_database;
  for (int i = 0; i < 4; ++i) {
    driven<fixture> test;
    test.set_up();
    if (IsSkipped() || HasFailure()) break;  // no server: skipped, or failed under STRATA_REQUIRE_POSTGRESQL
    pqxx::dbtransaction& tx = fixture::transaction();
    EXPECT_EQ(pg_scalar(tx, "SELECT count(*) FROM items"), "0") << "rows of the test before were not rolled back (test " << i << ")";
    tx.exec0("INSERT INTO items (key) VALUES ('straight')");
    {
      pqxx::subtransaction code_that_commits(tx);
      code_that_commits.exec0("INSERT INTO items (key) VALUES ('committed')");
      code_that_commits.commit();
    }
    if (i == 1) {
      EXPECT_THROW(tx.exec0("INSERT INTO items (key) VALUES ('straight')"), pqxx::unique_violation);
    } else {
      EXPECT_EQ(pg_scalar(tx, "SELECT string_agg(key, ',' ORDER BY key) FROM items"), "committed,straight");
      suite_database = pg_scalar(tx, "SELECT current_database()");
    }
    if (i == 2) tx.commit();  // releases the fixture's savepoint, not its transaction
    test.tear_down();
    EXPECT_FALSE(HasFailure()) << "test " << i;
  }
  if (!suite_database.empty()) {  // nothing reached the database: another connection sees no row
    pqxx::connection other("dbname=" + suite_database);
    EXPECT_EQ(pg_scalar(other, "SELECT count(*) FROM items"), "0");
  }
  fixture::TearDownTestSuite();
}

// A role that may not create databases cannot have test databases: the message says what to run
// (docs/testing.md), in one line, without the password.
TEST(PostgresqlProvisioner, ARoleThatMayNotCreateDatabasesIsToldWhatToDo) {
  STRATA_ADMIN_OR_SKIP(admin);
  const std::string role = "strata_no_createdb_" + std::to_string(::getpid());
  pg_exec(*admin, "CREATE ROLE " + role + " LOGIN NOCREATEDB PASSWORD 'Nc7/Pw@42'");
  {
    scoped_environment user("PGUSER", role.c_str()), password("PGPASSWORD", "Nc7/Pw@42");
    try {
      strata::postgresql::provisioner p;
      p.create(role + "_db");
      ADD_FAILURE() << "a role without CREATEDB created a database";
    } catch (const strata::error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("permission denied to create database"), std::string::npos) << what;
      EXPECT_NE(what.find("ALTER ROLE \"" + role + "\" CREATEDB"), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_EQ(what.find("Nc7"), std::string::npos) << what;
    }
  }
  pg_exec(*admin, "DROP ROLE " + role);
}

// A template that another role built is not copied: the copy's tables would belong to that role, and
// the tests would fail on their first statement ("permission denied for table ...").
TEST(PostgresqlProvisioner, AnotherRolesTemplateIsNotCopied) {
  STRATA_ADMIN_OR_SKIP(admin);
  const std::string role = "strata_other_role_" + std::to_string(::getpid());
  const std::string source = role + "_tpl";
  pg_exec(*admin, "CREATE ROLE " + role + " LOGIN CREATEDB PASSWORD 'Ot8/Pw@42'");
  pg_exec(*admin, "CREATE DATABASE " + source);
  pg_exec(*admin, "ALTER DATABASE " + source + " IS_TEMPLATE true");
  {
    scoped_environment user("PGUSER", role.c_str()), password("PGPASSWORD", "Ot8/Pw@42");
    strata::postgresql::provisioner p;
    try {
      p.copy(source, role + "_copy");
      ADD_FAILURE() << "copied a template of another role";
    } catch (const strata::error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("belongs to the role"), std::string::npos) << what;
      EXPECT_NE(what.find("run the tests as"), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_EQ(what.find("Ot8"), std::string::npos) << what;
    }
    EXPECT_TRUE(p.list(role + "_copy").empty());
  }
  strata::postgresql::provisioner(/* as the PG* variables' role */).drop(source);
  pg_exec(*admin, "DROP ROLE " + role);
}

class PostgresqlFresh : public migrated_database<postgresql_history, strata::postgresql, isolation::fresh_database> {
 protected:
  static inline std::set<std::string> names;
};

TEST_F(PostgresqlFresh, EachTestGetsANewClone) {
  EXPECT_TRUE(names.insert(pg_scalar(database(), "SELECT current_database()")).second);
  pqxx::work w(database());  // no fixture transaction: a test may commit
  w.exec("INSERT INTO items (key) VALUES ('a')");
  w.commit();
}
TEST_F(PostgresqlFresh, EachTestGetsANewCloneAgain) {
  EXPECT_TRUE(names.insert(pg_scalar(database(), "SELECT current_database()")).second);
  EXPECT_EQ(pg_scalar(database(), "SELECT count(*) FROM items"), "0");
  pg_exec(database(), "INSERT INTO items (key) VALUES ('seen')");
  pqxx::connection other(url());
  EXPECT_EQ(pg_scalar(other, "SELECT key FROM items"), "seen");
}

// Clones do not migrate: the count is 1 when this process built the template, 0 when another had.
TEST(PostgresqlTemplate, ClonesDoNotMigrate) {
  STRATA_ADMIN_OR_SKIP(admin);
  auto& t = strata::testing::database_template<postgresql_history, strata::postgresql>::instance();
  const int before = migrations_run<1>::count;
  EXPECT_LE(before, 1);
  double clone_ms = 0, connect_ms = 0;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto c = t.clone();
    const auto cloned = std::chrono::steady_clock::now();
    (void)c.connection();
    clone_ms += std::chrono::duration<double, std::milli>(cloned - start).count();
    connect_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - cloned).count();
    EXPECT_EQ(pg_scalar(c.connection(), "SELECT version_num FROM alembic_version"), head);
  }
  std::printf("PostgreSQL clone() %.1f ms (made ahead from the second on), then connection() %.1f ms\n", clone_ms / 5, connect_ms / 5);
  EXPECT_EQ(migrations_run<1>::count, before);
}

TEST(PostgresqlTemplate, NameFollowsTheHistory) {
  using a = strata::testing::database_template<items_history<1, 100>, strata::postgresql>;
  using same = strata::testing::database_template<items_history<7, 100>, strata::postgresql>;
  using wider = strata::testing::database_template<items_history<1, 200>, strata::postgresql>;
  EXPECT_EQ(a::name().size(), std::string("strata_tpl_").size() + 16);
  EXPECT_TRUE(a::name().starts_with("strata_tpl_"));
  EXPECT_EQ(a::name(), same::name());   // the same revisions and operations
  EXPECT_NE(a::name(), wider::name());  // one column's type differs
}

// A history of its own for the tests below: its template is dropped first, so each run builds it.
template <int Tag>
struct own_revision : strata::revision<"f1a000000003", "f1a000000002"> {
  static constexpr std::string_view message = "a table of its own";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table(Tag == 2 ? "built_here" : "prebuilt", {column("id", strata::integer).primary_key()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table(Tag == 2 ? "built_here" : "prebuilt"); }
};
template <int Tag>
using own_history = strata::history<create_items<Tag>, add_note<Tag>, own_revision<Tag>>;

void drop_template(pqxx::connection& admin, const std::string& name) {
  if (pg_scalar(admin, "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "0") return;
  pg_exec(admin, "ALTER DATABASE \"" + name + "\" WITH IS_TEMPLATE false");
  pg_exec(admin, "DROP DATABASE \"" + name + "\" WITH (FORCE)");
}

TEST(PostgresqlTemplate, IsBuiltUnderItsNameWithNothingLeftOver) {
  STRATA_ADMIN_OR_SKIP(admin);
  using t = strata::testing::database_template<own_history<2>, strata::postgresql>;
  drop_template(*admin, t::name());
  auto c = t::instance().clone();
  EXPECT_EQ(migrations_run<2>::count, 1);
  EXPECT_EQ(pg_scalar(c.connection(), "SELECT to_regclass('built_here') IS NOT NULL"), "t");
  EXPECT_EQ(pg_scalar(*admin, "SELECT datistemplate::text || ' ' || datallowconn::text FROM pg_database WHERE datname = '" + t::name() + "'"),
            "true false");
  EXPECT_EQ(pg_scalar(*admin, "SELECT count(*) FROM pg_database WHERE datname LIKE '" + t::name() + "\\_building\\_%'"), "0");
  drop_template(*admin, t::name());
}

// A template another process built (here: by hand, with a marker table) is used as it is.
TEST(PostgresqlTemplate, AnExistingTemplateIsReused) {
  STRATA_ADMIN_OR_SKIP(admin);
  using t = strata::testing::database_template<own_history<3>, strata::postgresql>;
  const auto name = t::name();
  drop_template(*admin, name);
  pg_exec(*admin, "CREATE DATABASE \"" + name + "\"");
  {
    pqxx::connection other("dbname=" + name);
    strata::migrator<strata::postgresql>(own_history<3>{}, other).upgrade();
    pg_exec(other, "CREATE TABLE made_by_another_process (id integer)");
  }
  pg_exec(*admin, "ALTER DATABASE \"" + name + "\" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true");
  ASSERT_EQ(migrations_run<3>::count, 1);
  auto c = t::instance().clone();
  EXPECT_EQ(migrations_run<3>::count, 1);
  EXPECT_EQ(pg_scalar(c.connection(), "SELECT to_regclass('made_by_another_process') IS NOT NULL"), "t");
  drop_template(*admin, name);
}

// This process's clones, counted in pg_database by the prefix of their names.
std::string clones_of(pqxx::connection& admin, const std::string& prefix) {
  return pg_scalar(admin, "SELECT count(*) FROM pg_database WHERE left(datname, " + std::to_string(prefix.size()) + ") = '" + prefix + "'");
}
bool database_exists(pqxx::connection& admin, const std::string& name) {
  return pg_scalar(admin, "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "1";
}

// Waits, up to 2 s, until the server has no session `where` (a pg_stat_activity condition): a
// connection just closed may not have ended there yet.
void wait_for_no_sessions(pqxx::connection& admin, const std::string& where) {
  for (int i = 0; i < 200 && pg_scalar(admin, "SELECT count(*) FROM pg_stat_activity WHERE " + where) != "0"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

std::vector<std::string> spares_of(pqxx::connection& admin, const std::string& prefix) {
  std::vector<std::string> out;
  pqxx::nontransaction n(admin);
  for (const auto& row : n.exec("SELECT datname FROM pg_database WHERE left(datname, " + std::to_string(prefix.size()) + ") = '" + prefix +
                                "' ORDER BY datname"))
    out.push_back(row[0].as<std::string>());
  return out;
}
void drop_spares(pqxx::connection& admin, const std::string& prefix) {
  for (const auto& name : spares_of(admin, prefix)) pg_exec(admin, "DROP DATABASE IF EXISTS \"" + name + "\"");
}

// From the second clone on, make_ahead() clones wait ready; released ones are dropped by the
// workers; make_ahead(0) stops them and drops what they had made.
TEST(PostgresqlTemplate, ClonesAreMadeAheadAndDroppedWhenReleased) {
  STRATA_ADMIN_OR_SKIP(admin);
  auto& t = strata::testing::database_template<items_history<4, 41>, strata::postgresql>::instance();
  t.make_ahead(2);
  const auto prefix = t.clone_prefix();
  ASSERT_TRUE(prefix.starts_with("strata_clone_"));
  std::optional<strata::testing::cloned_database<strata::postgresql>> a(t.clone()), b(t.clone());
  t.settle();
  EXPECT_EQ(clones_of(*admin, prefix), "4");  // a, b and two ready
  auto c = t.clone();
  EXPECT_EQ(pg_scalar(c.connection(), "SELECT version_num FROM alembic_version"), head);
  EXPECT_EQ(pg_scalar(c.connection(), "SELECT count(*) FROM items"), "0");
  std::set<std::string> names{a->name(), b->name(), c.name()};
  EXPECT_EQ(names.size(), 3U);
  const auto a_name = a->name();
  a.reset();
  t.settle();
  EXPECT_FALSE(database_exists(*admin, a_name));
  EXPECT_EQ(clones_of(*admin, prefix), "4");  // b, c and two ready
  t.make_ahead(0);
  EXPECT_EQ(clones_of(*admin, prefix), "2");
  const auto b_name = b->name();
  b.reset();  // no workers: dropped at once
  EXPECT_FALSE(database_exists(*admin, b_name));
  EXPECT_EQ(t.make_ahead(), 0U);
}

// A clone the workers fail to make is clone()'s exception, one sentence naming the template; once
// the cause is gone the next clone() works.
TEST(PostgresqlTemplate, AFailedCloneIsReportedAndTheNextOneWorks) {
  STRATA_ADMIN_OR_SKIP(admin);
  using history = items_history<5, 51>;
  auto& t = strata::testing::database_template<history, strata::postgresql>::instance();
  const auto name = t.name();
  t.make_ahead(2);
  std::vector<strata::testing::cloned_database<strata::postgresql>> kept;
  kept.push_back(t.clone());
  kept.push_back(t.clone());
  t.settle();
  drop_spares(*admin, t.spare_prefix());  // which clone() would take instead of failing
  pg_exec(*admin, "ALTER DATABASE \"" + name + "\" RENAME TO \"" + name + "_away\"");
  std::string message;
  for (int i = 0; i < 3 && message.empty(); ++i) {  // the two made before the rename come first
    try {
      kept.push_back(t.clone());
    } catch (const strata::error& e) {
      message = e.what();
    }
  }
  pg_exec(*admin, "ALTER DATABASE \"" + name + "_away\" RENAME TO \"" + name + "\"");
  EXPECT_NE(message.find("could not create a database from the template '" + name + "'"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  auto again = t.clone();
  EXPECT_EQ(pg_scalar(again.connection(), "SELECT version_num FROM alembic_version"), head);
  kept.clear();
  t.make_ahead(0);
  EXPECT_EQ(clones_of(*admin, t.clone_prefix()), "1");  // again
}

// Clones named after a server process that is gone (a killed test process, or one that left its
// released clones at exit), and spares of a template that is gone, are dropped by the next
// template's housekeeping, off the first clone's path (by a worker once idle: settle() waits for
// it); clones of a live connection are not.
TEST(PostgresqlTemplate, ClonesOfAGoneProcessAreDroppedByTheNextProcess) {
  STRATA_ADMIN_OR_SKIP(admin);
  const std::string orphan = "strata_clone_999999999_0";  // beyond any server's process ids
  const std::string orphan_spare = "strata_spare_4000000000_1_0";  // of a template that is not there
  const std::string live = "strata_clone_" + std::to_string(admin->backendpid()) + "_999";
  for (const auto& n : {orphan, live, orphan_spare}) {
    pg_exec(*admin, "DROP DATABASE IF EXISTS " + n);
    pg_exec(*admin, "CREATE DATABASE " + n);
  }
  auto& t = strata::testing::database_template<items_history<6, 61>, strata::postgresql>::instance();
  t.make_ahead(2);
  (void)t.clone();
  t.settle();
  EXPECT_FALSE(database_exists(*admin, orphan));
  EXPECT_FALSE(database_exists(*admin, orphan_spare));
  EXPECT_TRUE(database_exists(*admin, live));
  pg_exec(*admin, "DROP DATABASE IF EXISTS " + live);
}

// Templates carry the date they were last used; a template's housekeeping drops other histories'
// templates unused for 14 days, and stamps unstamped ones so that they age from now. One whose lock
// another session holds for long (building it) is left alone; one whose lock is released within
// the housekeeping's wait (a process whose exit abandoned its drop of it) is dropped.
TEST(PostgresqlTemplate, TemplatesUnusedFor14DaysAreDropped) {
  STRATA_ADMIN_OR_SKIP(admin);
  const std::string old_one = "strata_tpl_00000000000000a1", recent = "strata_tpl_00000000000000a2", unstamped = "strata_tpl_00000000000000a3",
                    old_but_locked = "strata_tpl_00000000000000a4", old_locked_a_moment = "strata_tpl_00000000000000a0";
  const std::string today = strata::testing::detail::utc_date();  // templates are noted with the UTC date
  const std::map<std::string, std::string> stamps{
      {old_one, "2020-01-02"}, {recent, today}, {unstamped, ""}, {old_but_locked, "2020-01-02"}, {old_locked_a_moment, "2020-01-02"}};
  strata::postgresql::provisioner holder, abandoner;
  const auto lock = strata::testing::detail::template_lock_key(old_but_locked), moment_lock = strata::testing::detail::template_lock_key(old_locked_a_moment);
  ASSERT_TRUE(holder.try_lock(lock));
  ASSERT_TRUE(abandoner.try_lock(moment_lock));
  for (const auto& [name, date] : stamps) {
    // Made under another name and renamed with its note: the housekeeping of a test process running
    // beside this one would otherwise find it unstamped and stamp it with today's date.
    const auto staged = "strata_staged_" + name.substr(name.size() - 2);
    drop_template(*admin, name);
    drop_template(*admin, staged);
    pg_exec(*admin, "CREATE DATABASE " + staged + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false");
    if (!date.empty()) pg_exec(*admin, "COMMENT ON DATABASE " + staged + " IS 'strata::testing template; last used " + date + "'");
    pg_exec(*admin, "ALTER DATABASE " + staged + " RENAME TO " + name);
  }
  using t = strata::testing::database_template<items_history<8, 81>, strata::postgresql>;
  static_assert(strata::testing::detail::unused_drop_wait > std::chrono::milliseconds(1500));
  std::thread abandoning([&] {  // holds its lock while the housekeeping starts, then goes without dropping it
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    abandoner.unlock(moment_lock);
  });
  t::instance().make_ahead(2);
  (void)t::instance().clone();
  t::instance().settle();
  abandoning.join();
  auto stamp_of = [&](const std::string& name) {
    return pg_scalar(*admin, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '" + name + "'");
  };
  EXPECT_FALSE(database_exists(*admin, old_one));
  EXPECT_FALSE(database_exists(*admin, old_locked_a_moment));
  EXPECT_TRUE(database_exists(*admin, old_but_locked));
  holder.unlock(lock);
  drop_template(*admin, old_but_locked);
  EXPECT_TRUE(database_exists(*admin, recent));
  EXPECT_EQ(stamp_of(unstamped), "strata::testing template; last used " + today);
  EXPECT_EQ(stamp_of(t::name()), "strata::testing template; last used " + today);
  drop_template(*admin, recent);
  drop_template(*admin, unstamped);
}

// A process that finds its template just before another process's housekeeping takes the
// template's lock to drop it (unused for 14 days) waits for that lock to note it as used, finds it
// gone, and builds it again: its clones work. A session of the test stands for the housekeeping.
TEST(PostgresqlTemplate, ATemplateDroppedWhileAProcessWaitsToNoteItIsBuiltAgain) {
  STRATA_ADMIN_OR_SKIP(admin);
  using t = strata::testing::database_template<items_history<13, 131>, strata::postgresql>;
  const auto name = t::name();
  const std::string staged = "strata_staged_b1";
  drop_template(*admin, name);
  drop_template(*admin, staged);
  pg_exec(*admin, "CREATE DATABASE " + staged + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false");  // dropped before any clone
  pg_exec(*admin, "COMMENT ON DATABASE " + staged + " IS 'strata::testing template; last used 2020-01-02'");
  strata::postgresql::provisioner housekeeping;
  const auto lock = strata::testing::detail::template_lock_key(name);
  ASSERT_TRUE(housekeeping.try_lock(lock));
  pg_exec(*admin, "ALTER DATABASE " + staged + " RENAME TO \"" + name + "\"");
  std::thread dropping([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the instance has found it, and waits for the lock
    housekeeping.drop(name);
    housekeeping.unlock(lock);
  });
  std::optional<strata::testing::cloned_database<strata::postgresql>> c;
  EXPECT_NO_THROW(c.emplace(t::instance().clone()));
  dropping.join();
  ASSERT_TRUE(c);
  EXPECT_EQ(pg_scalar(c->connection(), "SELECT version_num FROM alembic_version"), head);
  EXPECT_EQ(pg_scalar(*admin, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '" + name + "'"),
            "strata::testing template; last used " + strata::testing::detail::utc_date());
  c.reset();
  t::instance().settle();
  drop_template(*admin, name);
}

// A process's clones made ahead and not used stay on the server as spares (two at the most), and
// the next process's first clone() takes one instead of making one. Two pools on one template stand
// for two processes here.
TEST(PostgresqlTemplate, UnusedClonesAreSparesForTheNextProcess) {
  STRATA_ADMIN_OR_SKIP(admin);
  using t = strata::testing::database_template<items_history<9, 91>, strata::postgresql>;
  auto& tpl = t::instance();
  tpl.make_ahead(0);  // this process's own pool stays out of the way
  const auto spare_prefix = tpl.spare_prefix();
  ASSERT_TRUE(spare_prefix.starts_with("strata_spare_"));
  drop_spares(*admin, spare_prefix);
  const auto& oid = tpl.identity();
  EXPECT_EQ(oid, pg_scalar(*admin, "SELECT oid FROM pg_database WHERE datname = '" + t::name() + "'"));  // PostgreSQL's identity
  EXPECT_EQ(spare_prefix, "strata_spare_" + oid + "_");
  using postgresql_clone_pool = strata::testing::clone_pool<strata::postgresql>;
  auto release = [](postgresql_clone_pool& pool, strata::testing::pooled_clone<strata::postgresql> c) {
    c.connection.reset();
    pool.release(c.name);
  };
  {
    postgresql_clone_pool first(t::name());
    first.attach(oid);
    release(first, first.take());  // its workers make one more meanwhile
    first.settle();
    EXPECT_TRUE(spares_of(*admin, spare_prefix).empty());
  }  // exit: the clone made ahead becomes a spare
  const auto spares = spares_of(*admin, spare_prefix);
  ASSERT_EQ(spares.size(), 1U);
  {
    postgresql_clone_pool second(t::name());
    second.attach(oid);
    second.make_ahead(0);
    auto c = second.take();
    EXPECT_TRUE(c.name.starts_with(second.prefix())) << c.name;
    EXPECT_FALSE(database_exists(*admin, spares[0]));  // renamed: it is c
    EXPECT_TRUE(spares_of(*admin, spare_prefix).empty());
    EXPECT_EQ(pg_scalar(c.connection->database(), "SELECT version_num FROM alembic_version"), head);
    release(second, std::move(c));
    EXPECT_EQ(clones_of(*admin, second.prefix()), "0");
  }
  {  // never more than two spares
    postgresql_clone_pool third(t::name());
    third.attach(oid);
    third.make_ahead(4);
    release(third, third.take());
    release(third, third.take());
    third.settle();
  }
  EXPECT_EQ(spares_of(*admin, spare_prefix).size(), 2U);
  drop_spares(*admin, spare_prefix);
}

// A process's first clone waits for no other connection: the pool's own (the provisioner's) and
// the clone's are all it opens. Its first worker, started after it, borrows the pool's connection
// to make the clone kept ready (or left as a spare at exit); from the second take() on, a second
// worker opens one of its own. The sessions are told apart by $PGAPPNAME, which libpq gives each
// connection opened while it is set.
TEST(PostgresqlTemplate, AFirstCloneOpensNoConnectionButItsOwnAndThePools) {
  STRATA_ADMIN_OR_SKIP(admin);
  using t = strata::testing::database_template<items_history<9, 93>, strata::postgresql>;
  auto& tpl = t::instance();
  tpl.make_ahead(0);
  const auto app = "strata_first_take_" + std::to_string(::getpid());
  auto sessions = [&] { return pg_scalar(*admin, "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'"); };
  const char* before = std::getenv("PGAPPNAME");
  const std::optional<std::string> saved = before != nullptr ? std::optional<std::string>(before) : std::nullopt;
  ::setenv("PGAPPNAME", app.c_str(), 1);
  {
    strata::testing::clone_pool<strata::postgresql> pool(t::name());
    pool.attach(tpl.identity());
    pool.make_ahead(2);
    EXPECT_EQ(sessions(), "1");  // the pool's own
    auto first = pool.take();
    ASSERT_TRUE(first.connection);
    EXPECT_EQ(first.url, "postgresql:///" + first.name);
    EXPECT_EQ(pg_scalar(first.connection->database(), "SELECT version_num FROM alembic_version"), head);
    pool.settle();                // one clone ready, made on the pool's connection
    EXPECT_EQ(sessions(), "3");  // the pool's, the first clone's and the ready one's
    auto second = pool.take();
    pool.settle();                // two ready from now on, by two workers
    EXPECT_EQ(sessions(), "6");  // and the second clone's, the second worker's, one more ready
    for (auto* c : {&first, &second}) {
      c->connection.reset();
      pool.release(c->name);
    }
    pool.make_ahead(0);
  }
  if (saved) ::setenv("PGAPPNAME", saved->c_str(), 1);
  else ::unsetenv("PGAPPNAME");
  for (int i = 0; i < 200 && sessions() != "0"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // closed, maybe not ended yet
  EXPECT_EQ(sessions(), "0");
}

// A database whose last session is ending is renamed once that session is gone: rename() finds
// the session the server counts on it and waits for it (PostgreSQL refuses to rename a database
// that has one), rather than failing with "being accessed by other users".
TEST(PostgresqlProvisioner, ADatabaseWhoseSessionIsEndingIsRenamedOnceItEnds) {
  STRATA_ADMIN_OR_SKIP(admin);
  strata::postgresql::provisioner p;
  const auto from = "strata_conf_" + p.session() + "_ending", to = "strata_conf_" + p.session() + "_renamed";
  for (const auto& n : {from, to}) p.drop(n);
  p.create(from);
  auto session = std::make_unique<strata::postgresql>(p.open(from));
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    session.reset();
  });
  p.rename(from, to);
  closer.join();
  EXPECT_FALSE(database_exists(*admin, from));
  EXPECT_TRUE(database_exists(*admin, to));
  p.drop(to);
}

// A spare claimed in place is noted in use by its connection's session: no other process claims
// it, the housekeeping leaves it while that session lives and drops it once it has ended. A spare
// that has a session on it is not claimed either, and one that has none is.
TEST(PostgresqlProvisioner, ASpareClaimedInPlaceIsTheSessionsUntilItEnds) {
  STRATA_ADMIN_OR_SKIP(admin);
  strata::postgresql::provisioner p;
  const auto taken = "strata_spare_4000000002_" + p.session() + "_0", other = "strata_spare_4000000002_" + p.session() + "_1";
  const auto renamed = "strata_clone_" + p.session() + "_claimed";
  for (const auto& n : {taken, other, renamed}) p.drop(n);
  p.create(taken);
  auto claimed = strata::postgresql::provisioner::claim_in_place(taken, strata::testing::detail::in_use_stamp);
  ASSERT_TRUE(claimed);
  const auto session = std::to_string(claimed->database().backendpid());
  EXPECT_EQ(p.note(taken), std::string(strata::testing::detail::in_use_stamp) + session);
  EXPECT_EQ(pg_scalar(claimed->database(), "SHOW synchronous_commit"), "on");  // SET LOCAL: the session's own is kept
  EXPECT_FALSE(p.claim(taken, renamed));
  strata::testing::detail::drop_orphans<strata::postgresql>(p);
  EXPECT_TRUE(database_exists(*admin, taken));
  EXPECT_FALSE(strata::postgresql::provisioner::claim_in_place("strata_spare_4000000002_none", strata::testing::detail::in_use_stamp));

  p.create(other);  // a spare of no template: drop_orphans() above would have dropped it
  {                 // a session on it: not claimed, at once
    auto connected = p.open(other);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(p.claim(other, renamed));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  }
  wait_for_no_sessions(*admin, "datname = '" + other + "'");
  EXPECT_TRUE(p.claim(other, renamed));
  EXPECT_FALSE(database_exists(*admin, other));
  EXPECT_TRUE(database_exists(*admin, renamed));

  claimed.reset();
  wait_for_no_sessions(*admin, "pid = " + session);
  EXPECT_FALSE(p.claim(taken, renamed + "_2"));  // no session, but its note: a clone of a process, used
  strata::testing::detail::drop_orphans<strata::postgresql>(p);
  EXPECT_FALSE(database_exists(*admin, taken));
  p.drop(renamed);
}

// ---- PostgreSQL: spares across real processes ---------------------------------------------------
// PostgresqlTemplate.SparesOutliveTheProcessAndItsLeftoversAreDroppedByTheNext (and
// ...WaitsForASpareStillBeingCopied) starts this program again to run PostgresqlProcessChild.Clone:
// one clone, whose database's oid, name and the process's clone prefix it appends to
// $STRATA_TEST_CHILD_OUT; with STRATA_TEST_CHILD_SETTLE=1 it waits for its workers (a clone made
// ahead, the housekeeping) before it exits. Of process_history's template, or of waiting_history's
// (supplied_history's) with STRATA_TEST_CHILD_HISTORY=waiting (supplied): each test its own
// template, spares and record.
using process_history = items_history<12, 121>;
using waiting_history = items_history<14, 141>;
using supplied_history = items_history<15, 151>;

template <class H>
void clone_in_child(const char* out) {
  auto& t = strata::testing::database_template<H, strata::postgresql>::instance();
  {
    auto c = t.clone();
    std::ofstream(out, std::ios::app) << pg_scalar(c.connection(), "SELECT oid FROM pg_database WHERE datname = current_database()") << " "
                                      << c.name() << " " << t.clone_prefix() << "\n";
  }
  if (std::string(std::getenv("STRATA_TEST_CHILD_SETTLE")) == "1") t.settle();
}

TEST(PostgresqlProcessChild, Clone) {
  const char* out = std::getenv("STRATA_TEST_CHILD_OUT");
  if (out == nullptr || std::getenv("STRATA_TEST_CHILD_SETTLE") == nullptr) GTEST_SKIP() << "run by a PostgresqlTemplate test, in a process of its own";
  const char* history = std::getenv("STRATA_TEST_CHILD_HISTORY");
  if (history != nullptr && std::string(history) == "waiting") clone_in_child<waiting_history>(out);
  else if (history != nullptr && std::string(history) == "supplied") clone_in_child<supplied_history>(out);
  else clone_in_child<process_history>(out);
}

// Waits until a child's pool session has ended on the server: `clone_prefix` is its clone prefix,
// strata_clone_<session>_.
void wait_for_child_gone(pqxx::connection& admin, const std::string& clone_prefix) {
  const auto from = std::string(strata::testing::detail::clone_prefix).size();
  wait_for_no_sessions(admin, "pid = " + clone_prefix.substr(from, clone_prefix.size() - from - 1));
}

// Template T of this process built, its own pool out of the way (make_ahead(0)), and none of its
// spares left, on the server or in this machine's record: its spare prefix.
template <class T>
std::string without_spares(pqxx::connection& admin) {
  T::instance().make_ahead(0);
  const auto spare_prefix = T::instance().spare_prefix();
  drop_spares(admin, spare_prefix);
  std::filesystem::remove(strata::testing::detail::spare_record(strata::postgresql::provisioner::place(), T::name()).path());
  return spare_prefix;
}

// One child; its line's words: oid, clone name, clone prefix.
std::vector<std::string> pg_child(bool settle, const std::string& history = "process") {
  const auto out = std::filesystem::path(STRATA_TEST_SCRATCH) / ("pg_child_" + std::to_string(::getpid()) + ".out");
  std::filesystem::remove(out);
  const auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  const auto command = "STRATA_TEST_CHILD_OUT='" + out.string() + "' STRATA_TEST_CHILD_SETTLE=" + (settle ? "1" : "0") +
                       " STRATA_TEST_CHILD_HISTORY=" + history + " '" + self + "' --gtest_filter=PostgresqlProcessChild.Clone >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(out);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  EXPECT_EQ(words.size(), 3U);
  words.resize(3);
  return words;
}

// A process's clone made ahead stays as a spare at its exit, noted on this machine; the next
// process's first clone is that spare, taken in place with one connection (the same name and oid)
// and noted in use. A process that exits at once waits for nothing: its released clone and the
// copies its workers were making stay behind, and the next process's housekeeping drops its clones
// and the spare it took (and keeps two spares at the most).
TEST(PostgresqlTemplate, SparesOutliveTheProcessAndItsLeftoversAreDroppedByTheNext) {
  STRATA_ADMIN_OR_SKIP(admin);
  using t = strata::testing::database_template<process_history, strata::postgresql>;
  const auto spare_prefix = without_spares<t>(*admin);
  auto gone = [&](const std::string& clone_prefix) { wait_for_child_gone(*admin, clone_prefix); };

  const auto first = pg_child(true);  // no spare: made; two more made ahead (it found none noted), which it leaves
  gone(first[2]);
  const auto spares = spares_of(*admin, spare_prefix);
  ASSERT_EQ(spares.size(), 2U);
  EXPECT_EQ(clones_of(*admin, first[2]), "0");  // its released clone, dropped by its workers before it settled
  std::map<std::string, std::string> oids;
  for (const auto& spare : spares) oids[spare] = pg_scalar(*admin, "SELECT oid FROM pg_database WHERE datname = '" + spare + "'");

  const auto second = pg_child(false);  // exits at once, its workers abandoned mid-copy
  ASSERT_TRUE(oids.contains(second[1])) << "the second process made its first clone " << second[1] << " instead of taking a spare";
  const auto taken = second[1];  // taken in place, not renamed
  EXPECT_EQ(second[0], oids[taken]);
  gone(second[2]);
  EXPECT_TRUE(database_exists(*admin, taken));  // released at exit: left, noted in use by the process's session
  EXPECT_EQ(pg_scalar(*admin, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '" + taken + "'"),
            std::string(strata::testing::detail::in_use_stamp) + second[2].substr(13, second[2].size() - 14));
  // Its released clone, unless its workers, starting, dropped it before the exit.
  std::printf("left by a process that exits at once: %s of its clones, %zu spares\n", clones_of(*admin, second[2]).c_str(),
              spares_of(*admin, spare_prefix).size());

  const auto third = pg_child(true);  // its housekeeping drops what the two before it left
  gone(third[2]);
  EXPECT_FALSE(database_exists(*admin, taken));  // its session is gone
  EXPECT_EQ(clones_of(*admin, first[2]), "0");
  EXPECT_EQ(clones_of(*admin, second[2]), "0");
  EXPECT_EQ(clones_of(*admin, third[2]), "0");
  EXPECT_LE(spares_of(*admin, spare_prefix).size(), 2U);
  EXPECT_GE(spares_of(*admin, spare_prefix).size(), 1U);
  drop_spares(*admin, spare_prefix);
}

// A spare noted as still being copied when its process exited may not be there yet when the time
// noted for its copy's end comes (copies side by side run slower than the one a process timed). The
// next process connects to it again until that time is as long past as a copy takes, rather than
// making a copy of its own beside it: its first clone is that spare, once there.
TEST(PostgresqlTemplate, AProcessWaitsForASpareStillBeingCopied) {
  STRATA_ADMIN_OR_SKIP(admin);
  using t = strata::testing::database_template<waiting_history, strata::postgresql>;
  const auto spare_prefix = without_spares<t>(*admin);
  strata::testing::detail::spare_record record(strata::postgresql::provisioner::place(), t::name());
  const auto spare = spare_prefix + "4000000003_1";  // of no live session
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  record.push({{spare, static_cast<long long>(now)}}, 3'000'000'000LL);  // "ready now", a copy taking 3 s

  // The copy reaches the server only while the child already waits for it. Its oid is read at
  // once: once the child has it, the child's workers may drop it when it is released, and once
  // the child is gone, any test process's housekeeping (its session's clone, an orphan).
  auto copy = std::async(std::launch::async, [&] {
    strata::postgresql::provisioner p;
    pqxx::connection c;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    p.copy(t::name(), spare);
    return pg_scalar(c, "SELECT oid FROM pg_database WHERE datname = '" + spare + "'");
  });
  const auto child = pg_child(false, "waiting");
  const auto copied = copy.get();
  EXPECT_EQ(child[1], spare) << "the process made a clone of its own instead of waiting for the spare being copied";
  EXPECT_EQ(child[0], copied);
  wait_for_child_gone(*admin, child[2]);
  drop_spares(*admin, child[2]);  // clones of the child's (strata_clone_<session>_)
  without_spares<t>(*admin);      // the spare it took among them
}

// A process whose spare was still being copied makes two clones ahead, which it leaves as spares
// when it exits soon, so that the next processes' spares have been copying for longer; but not
// when two others are on their way already: processes that come faster than the place copies
// would only double its work, and fall further behind.
TEST(PostgresqlTemplate, AProcessShortOfSparesLeavesTwoButOneWhenOthersAreOnTheirWay) {
  STRATA_ADMIN_OR_SKIP(admin);
  using t = strata::testing::database_template<supplied_history, strata::postgresql>;
  strata::testing::detail::spare_record record(strata::postgresql::provisioner::place(), t::name());
  strata::postgresql::provisioner p;
  // Left by the child: its spares, without the one it took (noted in use by its session).
  auto left_by = [&](const std::vector<std::string>& child) {
    wait_for_child_gone(*admin, child[2]);
    std::size_t n = 0;
    for (const auto& s : spares_of(*admin, t::instance().spare_prefix()))
      n += s != child[1] && pg_scalar(*admin, "SELECT shobj_description(oid, 'pg_database') IS NULL FROM pg_database WHERE datname = '" + s + "'") == "t";
    return n;
  };
  for (const std::size_t others : {0U, 2U}) {
    const auto spare_prefix = without_spares<t>(*admin);
    const auto spare = spare_prefix + "4000000004_1";  // of no live session, made now
    p.copy(t::name(), spare);
    // Noted as ready 0.1 s from now: still being copied for the process that takes it.
    const auto soon = static_cast<long long>(std::chrono::steady_clock::now().time_since_epoch().count()) + 100'000'000LL;
    std::vector<strata::testing::detail::spare_record::entry> noted{{spare, soon}};
    for (std::size_t i = 0; i < others; ++i) noted.push_back({spare_prefix + "4000000004_" + std::to_string(i + 2), soon + 1'000'000'000LL});
    record.push(noted);
    const auto child = pg_child(true, "supplied");  // settles: its clones made ahead are made
    EXPECT_EQ(child[1], spare);
    EXPECT_EQ(left_by(child), others == 0 ? 2U : 1U) << others << " other spares on their way";
  }
  without_spares<t>(*admin);
}

#endif

}  // namespace
