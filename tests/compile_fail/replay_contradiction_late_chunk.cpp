// A contradiction in a later chunk of the replay (detail::replay_plan; a small budget makes each
// revision here a chunk of its own) is named as in a replay of one chunk: the revision, the
// operation and the missing object, once.
// expect-error: strata::replay: revision `d3` does not fit the revisions before it: drop_index ix_stock: there is no index `ix_stock`; fix the revision or the revisions before it
// expect-error: static assertion failed: strata::replay: the history does not replay
#define STRATA_CHUNK_OPERATIONS 50'000
#include <strata/strata.hpp>

#define TABLE_REVISION(type, id, down, table)                                                                          \
  struct type : strata::revision<id, down> {                                                                           \
    static constexpr std::string_view message = table;                                                                 \
    static constexpr void upgrade(strata::ops& op) {                                                                   \
      op.create_table(table, {strata::column("id", strata::integer).primary_key(), strata::column("name", strata::text)}); \
    }                                                                                                                  \
    static constexpr void downgrade(strata::ops& op) { op.drop_table(table); }                                         \
  }
TABLE_REVISION(a, "a0", strata::base, "stocks");
TABLE_REVISION(b, "b1", "a0", "prices");
TABLE_REVISION(c, "c2", "b1", "news");
struct typo : strata::revision<"d3", "c2"> {
  static constexpr std::string_view message = "drops an index that does not exist";
  static constexpr void upgrade(strata::ops& op) { op.drop_index("ix_stock"); }
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<a, b, c, typo>;
static_assert(strata::detail::replay_plan<history>::chunks == 4);
static_assert(strata::replay<history>().tables.empty());
