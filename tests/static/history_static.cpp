// The compile-time side of strata that must hold: graph checks, heads, replay and reversibility.
#include <array>

#include <boost/hana/length.hpp>

#include <strata/dialect/postgresql_sql.hpp>
#include <strata/dialect/sqlite_sql.hpp>
#include <strata/hana.hpp>
#include <strata/strata.hpp>

namespace {

#define STRATA_EMPTY_REVISION(name, ...)                         \
  struct name : strata::revision<__VA_ARGS__> {                  \
    static constexpr std::string_view message = #name;           \
    static constexpr void upgrade(strata::ops&) {}               \
    static constexpr void downgrade(strata::ops&) {}             \
  }

STRATA_EMPTY_REVISION(root, "a0", strata::base);
STRATA_EMPTY_REVISION(left, "b1", "a0");
STRATA_EMPTY_REVISION(right, "c2", "a0");
STRATA_EMPTY_REVISION(merge, "d3", "b1", "c2");
STRATA_EMPTY_REVISION(implicit_base, "e4");

// Ids and down revisions as written.
static_assert(root::id == "a0" && root::down_revisions.empty());
static_assert(left::down_revisions.size() == 1 && left::down_revisions[0] == "a0");
static_assert(merge::down_revisions.size() == 2 && merge::down_revisions[1] == "c2");
static_assert(implicit_base::down_revisions.empty());
static_assert(strata::Revision<merge>);
static_assert(!strata::Revision<int>);

// A straight line has one head; a branch has two; a merge joins them again.
using line = strata::history<root, left>;
static_assert(line::valid && line::size == 2 && line::heads.size() == 1 && line::heads[0] == "b1");
using branched = strata::history<root, left, right>;
static_assert(branched::heads.size() == 2 && branched::heads[0] == "b1" && branched::heads[1] == "c2");
using merged = strata::history<root, left, right, merge>;
static_assert(merged::heads.size() == 1 && merged::heads[0] == "d3");
static_assert(merged::revisions[3].is_merge() && merged::revisions[0].is_base());
static_assert(merged::index_of("c2") == 2 && merged::index_of("zz") == merged::size);
static_assert(strata::History<merged> && !strata::History<int>);
static_assert(decltype(boost::hana::length(strata::revision_types<merged>))::value == 4);

// An empty history is valid (a project before its first revision): no revisions, no heads, and
// replaying it gives an empty schema.
using nothing_yet = strata::history<>;
static_assert(nothing_yet::valid && nothing_yet::size == 0 && nothing_yet::heads.empty() && nothing_yet::revisions.empty());
static_assert(nothing_yet::index_of("a0") == 0);
static_assert(strata::History<nothing_yet>);
static_assert(strata::replay<nothing_yet>().tables.empty() && strata::replay<nothing_yet>().indexes.empty());
static_assert(strata::first_irreversible<nothing_yet>() == 0);
static_assert(decltype(boost::hana::length(strata::revision_types<nothing_yet>))::value == 0);

// The same checks on ids that share a long prefix, as generated ids can.
STRATA_EMPTY_REVISION(long_a, "0123456789abcdef0123456789abcdef", strata::base);
STRATA_EMPTY_REVISION(long_b, "0123456789abcdef0123456789abcdee", "0123456789abcdef0123456789abcdef");
static_assert(strata::history<long_a, long_b>::heads[0] == "0123456789abcdef0123456789abcdee");

// Operations are recorded at compile time.
struct stocks : strata::revision<"8653cc238299", strata::base> {
  static constexpr std::string_view message = "initial schema";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(),
                               strata::column("symbol", strata::varchar(10)).not_null(),
                               strata::column("name", strata::varchar(255)),
                               strata::column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                               strata::unique("uq_stocks_symbol", {"symbol"})});
    op.create_table("sentiment_data",
                    {strata::column("id", strata::integer).primary_key(),
                     strata::column("stock_id", strata::integer).not_null(),
                     strata::column("score", strata::float_).not_null(),
                     strata::foreign_key("fk_sentiment_data_stock_id_stocks", {"stock_id"}, "stocks", {"id"},
                                         strata::referential_action::cascade)});
    op.create_index("ix_sentiment_data_stock_id", "sentiment_data", {"stock_id"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_sentiment_data_stock_id");
    op.drop_table("sentiment_data");
    op.drop_table("stocks");
  }
};
struct market_cap : strata::revision<"c7d2a9e1f0b3", "8653cc238299"> {
  static constexpr std::string_view message = "Add market_cap to stocks";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("stocks", strata::column("market_cap", strata::big_integer));
    op.execute("UPDATE stocks SET market_cap = 0 WHERE market_cap IS NULL");
    op.alter_column("stocks", "market_cap", {.nullable = false});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("stocks", "market_cap"); }
};
struct renames : strata::revision<"f00d", "c7d2a9e1f0b3"> {
  static constexpr std::string_view message = "renames";
  static constexpr void upgrade(strata::ops& op) {
    op.rename_table("sentiment_data", "sentiments");
    op.rename_column("sentiments", "score", "value");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.rename_column("sentiments", "value", "score");
    op.rename_table("sentiments", "sentiment_data");
  }
};
// Forgets to drop the column it adds.
struct leaky : strata::revision<"beef", "f00d"> {
  static constexpr std::string_view message = "leaky";
  static constexpr void upgrade(strata::ops& op) { op.add_column("stocks", strata::column("sector", strata::varchar(100))); }
  static constexpr void downgrade(strata::ops&) {}
};

using insight = strata::history<stocks, market_cap, renames>;
static_assert(insight::revisions[0].record_upgrade().size() == 3);
static_assert(insight::revisions[1].record_upgrade().size() == 3);

// Replaying the history at compile time: the design holds.
static_assert(strata::replay<insight>().tables.size() == 2);
static_assert(strata::replay<insight>().find_table("sentiments") != nullptr);
static_assert(strata::replay<insight>().find_table("sentiment_data") == nullptr);
static_assert(strata::replay<insight>().find_table("sentiments")->find_column("value") != nullptr);
static_assert(strata::replay<insight>("8653cc238299").find_table("stocks")->find_column("market_cap") == nullptr);
static_assert(!strata::replay<insight>().find_table("stocks")->find_column("market_cap")->nullable);
static_assert(strata::replay<insight>().find_index("ix_sentiment_data_stock_id")->table == "sentiments");
static_assert(strata::replay<insight>().find_table("sentiments")->constraints[0].columns[0] == "stock_id");
static_assert(strata::replay<insight>().find_table("stocks")->constraints[0].name == "uq_stocks_symbol");

// Every revision's downgrade undoes its upgrade; the leaky one is caught.
static_assert(strata::first_irreversible<insight>() == insight::size);
static_assert(strata::first_irreversible<strata::history<stocks, market_cap, renames, leaky>>() == 3);

// A downgrade that drops what its upgrade created, newest first, is known to undo it from the
// operations alone; the replay still sees what the drop takes besides (detail::undoes_by_its_operations).
struct checked_table : strata::revision<"c0", strata::base> {
  static constexpr std::string_view message = "a table whose check names a column to come";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("readings", {strata::column("id", strata::integer).primary_key(), strata::check("ck_readings_unit", "unit IS NULL OR unit <> ''")});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("readings"); }
};
// Dropping `unit` takes the check with it: the downgrade does not undo the upgrade.
struct adds_unit : strata::revision<"c1", "c0"> {
  static constexpr std::string_view message = "add unit";
  static constexpr void upgrade(strata::ops& op) { op.add_column("readings", strata::column("unit", strata::text)); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("readings", "unit"); }
};
// The same in a table the revision creates: dropping the table undoes everything.
struct creates_and_adds : strata::revision<"c2", "c0"> {
  static constexpr std::string_view message = "create and add";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("sites", {strata::column("id", strata::integer).primary_key()});
    op.add_column("sites", strata::column("code", strata::text).unique());
    op.execute("INSERT INTO sites (id, code) VALUES (1, 'a')");
    op.create_index("ix_sites_code", "sites", {"code"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_sites_code");
    op.drop_column("sites", "code");
    op.drop_table("sites");
  }
};
// Drops in another order than the inverse's: replayed and compared, and reversible all the same.
struct two_tables : strata::revision<"c3", "c2"> {
  static constexpr std::string_view message = "two tables";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("a", {strata::column("id", strata::integer)});
    op.create_table("b", {strata::column("id", strata::integer)});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("a");
    op.drop_table("b");
  }
};
// A column added to a table the same revision creates, with a CHECK naming it: dropping the table
// undoes both (the constraint goes with its table, not with the column).
struct creates_checked_and_adds : strata::revision<"c4", "c0"> {
  static constexpr std::string_view message = "create a checked table and add its column";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("kits", {strata::column("id", strata::integer).primary_key(), strata::check("ck_kits_size", "size IS NULL OR size > 0")});
    op.add_column("kits", strata::column("size", strata::integer));
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_column("kits", "size");
    op.drop_table("kits");
  }
};
static_assert(strata::first_irreversible<strata::history<checked_table, adds_unit>>() == 1);
static_assert(strata::first_irreversible<strata::history<checked_table, creates_checked_and_adds>>() == 2);
static_assert(strata::first_irreversible<strata::history<checked_table, creates_and_adds, two_tables>>() == 3);

// Every name fits the 63 bytes PostgreSQL keeps (SQLite keeps any length); the failing side is
// compile_fail/name_too_long.cpp.
static_assert(strata::names_fit<insight, strata::postgresql_sql>);
static_assert(strata::names_fit<insight, strata::sqlite_sql>);
static_assert(strata::names_fit<strata::history<>, strata::postgresql_sql>);
// SQL text is no name: a long statement or default fits.
struct long_sql : strata::revision<"d0", strata::base> {
  static constexpr std::string_view message = "long SQL";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("notes", {strata::column("body", strata::text).server_default("'a default longer than the sixty-three bytes PostgreSQL keeps in a name'")});
    op.execute("UPDATE notes SET body = 'a statement longer than the sixty-three bytes of a PostgreSQL name'");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("notes"); }
};
static_assert(strata::names_fit<strata::history<long_sql>, strata::postgresql_sql>);

// upgrade() and downgrade() run at compile time and record names that outlive them: literals,
// static constexpr strings and arrays, fixed_string template arguments. (Checked where the recorded
// operations can be constant-evaluated: GCC, not clang 14.)
struct lasting_names : strata::revision<"a1", strata::base> {
  static constexpr std::string_view message = "names from everywhere that lasts";
  static constexpr std::string_view table = "prices";
  static constexpr char index[] = "ix_prices_symbol";
  static constexpr std::array<std::string_view, 2> columns{"symbol", "close"};
  static constexpr void upgrade(strata::ops& op) {
    op.create_table(table, {strata::column(columns[0], strata::text), strata::column(columns[1], strata::real),
                            strata::column(id, strata::text)});
    op.create_index(index, table, {columns[0]});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table(table); }
};
static_assert(strata::Revision<lasting_names>);
static_assert(strata::history<lasting_names>::size == 1);

// More names than the check keeps in one pass (recorded_names::kept): all are checked.
struct wide : strata::revision<"a2", strata::base> {
  static constexpr std::string_view message = "a wide table";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("wide", {strata::column("c01", strata::integer).server_default("1"), strata::column("c02", strata::integer).server_default("2"),
                             strata::column("c03", strata::integer).server_default("3"), strata::column("c04", strata::integer).server_default("4"),
                             strata::column("c05", strata::integer).server_default("5"), strata::column("c06", strata::integer).server_default("6"),
                             strata::column("c07", strata::integer).server_default("7"), strata::column("c08", strata::integer).server_default("8"),
                             strata::column("c09", strata::integer).server_default("9"), strata::column("c10", strata::integer).server_default("10"),
                             strata::column("c11", strata::integer).server_default("11"), strata::column("c12", strata::integer).server_default("12"),
                             strata::column("c13", strata::integer).server_default("13"), strata::column("c14", strata::integer).server_default("14"),
                             strata::column("c15", strata::integer).server_default("15"), strata::column("c16", strata::integer).server_default("16"),
                             strata::column("c17", strata::integer).server_default("17"), strata::column("c18", strata::integer).server_default("18")});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("wide"); }
};
static_assert(strata::detail::record_names<wide>().count > strata::detail::recorded_names::kept);
static_assert(strata::history<wide>::size == 1);

struct not_constexpr : strata::revision<"a3", strata::base> {
  static constexpr std::string_view message = "not constexpr";
  static void upgrade(strata::ops& op) { op.drop_table("t"); }
  static constexpr void downgrade(strata::ops&) {}
};
static_assert(strata::detail::revision_shape<not_constexpr>);
static_assert(strata::Revision<not_constexpr> == !strata::detail::records_at_compile_time);

// The graph's lookups (detail::id_index) are an open-addressing hash table: 100 ids in its 256 slots
// meet in some, and each is still found at its position; an id listed twice is named at its second
// position, with its first, and found at the first.
constexpr std::string_view hundred_ids_text = "a0a1a2a3a4a5a6a7a8a9b0b1b2b3b4b5b6b7b8b9c0c1c2c3c4c5c6c7c8c9d0d1d2d3d4d5d6d7d8d9e0e1e2e3e4e5e6e7e8e9f0f1f2f3f4f5f6f7f8f9g0g1g2g3g4g5g6g7g8g9h0h1h2h3h4h5h6h7h8h9i0i1i2i3i4i5i6i7i8i9j0j1j2j3j4j5j6j7j8j9";
template <std::size_t N>
constexpr std::array<std::string_view, N> two_letter_ids(std::size_t repeat_at = N, std::size_t repeated = 0) {
  std::array<std::string_view, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = hundred_ids_text.substr(2 * (i == repeat_at ? repeated : i), 2);
  return out;
}
constexpr auto hundred_ids = two_letter_ids<100>();
constexpr strata::detail::id_index<100> hundred(hundred_ids);
static_assert(hundred.slots == 256 && hundred.duplicate == 100);
static_assert([] {
  std::size_t met = 0;   // ids not in the slot their hash starts at
  for (std::size_t i = 0; i < 100; ++i) {
    if (hundred.find(hundred_ids[i]) != i) return false;
    const auto h = strata::detail::hash_id(hundred_ids[i]);
    met += hundred.at[static_cast<std::size_t>(h ^ (h >> 32)) & (hundred.slots - 1)] == i + 1 ? 0 : 1;
  }
  return met > 0 && hundred.find("zz") == 100 && hundred.find("") == 100;
}());
constexpr auto repeated_ids = two_letter_ids<100>(70, 3);
constexpr strata::detail::id_index<100> repeated(repeated_ids);
static_assert(repeated.duplicate == 70 && repeated.original == 3 && repeated.find("a3") == 3 && repeated.find("h0") == 100);

}  // namespace
