// A history replayed in several chunks (detail::replay_plan) gives what one replay gives: the head
// schema, changes to tables made chunks before, reversibility, and the schema at a middle revision.
// A small chunk budget makes 24 revisions take several chunks (the default takes about 300 such
// revisions per chunk). The budget must be the same in every translation unit of a program: this
// file is only compiled, never linked.
#define STRATA_CHUNK_OPERATIONS 600'000
#include <strata/strata.hpp>

// Where std::variant cannot be constant-evaluated (clang 14 with libstdc++ 12), there is no
// compile-time replay to check: see strata::detail::records_at_compile_time.
#if __cpp_lib_variant >= 202106L
namespace {

#define STRATA_TABLE_REVISION(n, ...)                                                                        \
  struct r##n : strata::revision<"r" #n, __VA_ARGS__> {                                                       \
    static constexpr std::string_view message = "table t" #n;                                                \
    static constexpr void upgrade(strata::ops& op) {                                                          \
      op.create_table("t" #n, {strata::column("id", strata::integer).primary_key(),                           \
                               strata::column("name", strata::varchar(50)).not_null(), strata::column("value", strata::real)}); \
      op.create_index("ix_t" #n "_name", "t" #n, {"name"});                                                   \
    }                                                                                                         \
    static constexpr void downgrade(strata::ops& op) {                                                        \
      op.drop_index("ix_t" #n "_name");                                                                       \
      op.drop_table("t" #n);                                                                                  \
    }                                                                                                         \
  }

STRATA_TABLE_REVISION(0, strata::base);
STRATA_TABLE_REVISION(1, "r0");
STRATA_TABLE_REVISION(2, "r1");
STRATA_TABLE_REVISION(3, "r2");
STRATA_TABLE_REVISION(4, "r3");
STRATA_TABLE_REVISION(5, "r4");
STRATA_TABLE_REVISION(6, "r5");
STRATA_TABLE_REVISION(7, "r6");
STRATA_TABLE_REVISION(8, "r7");
STRATA_TABLE_REVISION(9, "r8");
STRATA_TABLE_REVISION(10, "r9");
STRATA_TABLE_REVISION(11, "r10");
STRATA_TABLE_REVISION(12, "r11");
STRATA_TABLE_REVISION(13, "r12");
STRATA_TABLE_REVISION(14, "r13");
STRATA_TABLE_REVISION(15, "r14");
STRATA_TABLE_REVISION(16, "r15");
STRATA_TABLE_REVISION(17, "r16");
STRATA_TABLE_REVISION(18, "r17");
STRATA_TABLE_REVISION(19, "r18");

// Late revisions change what early chunks made: a column, a rename, a dropped index, a dropped table.
struct r20 : strata::revision<"r20", "r19"> {
  static constexpr std::string_view message = "change early tables";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("t1", strata::column("extra", strata::text));
    op.rename_column("t2", "value", "amount");
    op.drop_index("ix_t3_name");
    op.rename_table("t4", "t4_renamed");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.rename_table("t4_renamed", "t4");
    op.create_index("ix_t3_name", "t3", {"name"});
    op.rename_column("t2", "amount", "value");
    op.drop_column("t1", "extra");
  }
};
struct r21 : strata::revision<"r21", "r20"> {
  static constexpr std::string_view message = "drop an early table";
  static constexpr void upgrade(strata::ops& op) {
    op.drop_index("ix_t5_name");
    op.drop_table("t5");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.create_table("t5", {strata::column("id", strata::integer).primary_key(),
                           strata::column("name", strata::varchar(50)).not_null(), strata::column("value", strata::real)});
    op.create_index("ix_t5_name", "t5", {"name"});
  }
};
// Its downgrade forgets the column: irreversible, in the last chunk.
struct r22 : strata::revision<"r22", "r21"> {
  static constexpr std::string_view message = "irreversible";
  static constexpr void upgrade(strata::ops& op) { op.add_column("t0", strata::column("note", strata::text)); }
  static constexpr void downgrade(strata::ops&) {}
};

#define STRATA_EARLY r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15, r16, r17, r18, r19
using history = strata::history<STRATA_EARLY, r20, r21>;
using plan = strata::detail::replay_plan<history>;
static_assert(plan::chunks >= 3, "the budget above makes several chunks");
static_assert(plan::starts[0] == 0 && plan::starts[plan::chunks] == history::size);

constexpr bool head_is_right() {
  const auto s = strata::replay<history>();
  if (s.tables.size() != 19 || s.indexes.size() != 18) return false;
  // In the order of creation, whatever the chunks.
  if (s.tables[0].name != "t0" || s.tables[4].name != "t4_renamed" || s.tables[18].name != "t19") return false;
  if (s.find_table("t5") != nullptr || s.find_index("ix_t3_name") != nullptr || s.find_index("ix_t5_name") != nullptr) return false;
  const auto* t1 = s.find_table("t1");
  const auto* t2 = s.find_table("t2");
  return t1->columns.size() == 4 && t1->columns[3].name == "extra" && t2->find_column("amount") != nullptr &&
         t2->find_column("value") == nullptr && s.find_index("ix_t4_name")->table == "t4_renamed";
}
static_assert(head_is_right());
static_assert(strata::first_irreversible<history>() == history::size);
// A middle revision is replayed again up to it.
static_assert(strata::replay<history>("r6").tables.size() == 7);
static_assert(strata::replay<history>("r20").find_table("t4_renamed") != nullptr);

using leaky = strata::history<STRATA_EARLY, r20, r21, r22>;
static_assert(strata::first_irreversible<leaky>() == 22);
static_assert(strata::replay<leaky>().find_table("t0")->find_column("note") != nullptr);

// An irreversible revision in the first chunk stays the answer after the chunks that follow.
struct early_leak : strata::revision<"e1", "r0"> {
  static constexpr std::string_view message = "irreversible, early";
  static constexpr void upgrade(strata::ops& op) { op.add_column("t0", strata::column("early", strata::text)); }
  static constexpr void downgrade(strata::ops&) {}
};
using leaky_early = strata::history<r0, early_leak, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15, r16, r17, r18, r19>;
static_assert(strata::detail::replay_plan<leaky_early>::chunks >= 3);
static_assert(strata::first_irreversible<leaky_early>() == 1);

// A short history is one chunk.
static_assert(strata::detail::replay_plan<strata::history<r0, r1, r2>>::chunks == 1);

}  // namespace
#endif
