// The column and constraint options of issue 10 on a real PostgreSQL server, rendered by
// strata::postgresql_sql: STORED generated columns (VIRTUAL is refused), constraints dropped by
// kind and columns through the catalog, naming conventions, and add_column's placement (ignored).
#include <strata/dialect/postgresql.hpp>
#include <strata/strata.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/postgresql_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;
using pg = strata::migrator<strata::postgresql>;

class PostgresqlColumns : public postgresql_test {};

std::string failure_of(pg& m) {
  try {
    m.upgrade();
  } catch (const strata::migration_failed& e) {
    return e.what();
  }
  return "(no failure)";
}

struct items : strata::revision<"c50000000001", strata::base> {
  static constexpr std::string_view message = "items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {column("id", strata::integer).primary_key(), column("price", strata::integer),
                              column("quantity", strata::integer).not_null().server_default("1"),
                              column("total", strata::integer).generated("price * quantity", strata::stored)});
    op.execute("INSERT INTO items (price, quantity) VALUES (3, 2), (5, 1)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};
struct add_generated : strata::revision<"c50000000002", "c50000000001"> {
  static constexpr std::string_view message = "a generated column";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", column("double_price", strata::integer).generated("price * 2", strata::stored));
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "double_price"); }
};
struct add_virtual : strata::revision<"c50000000003", "c50000000001"> {
  static constexpr std::string_view message = "a virtual column";
  static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("side_effect", {column("id", strata::integer)});
    op.add_column("items", column("half", strata::integer).generated("price / 2"));
  }
  static constexpr void downgrade(strata::ops&) {}
};

TEST_F(PostgresqlColumns, StoredGeneratedColumnsAreNative) {
  pg m{strata::history<items, add_generated>{}, url()};
  m.upgrade();
  EXPECT_EQ(db().rows("SELECT total, double_price FROM items ORDER BY id"), (table_rows{{"6", "6"}, {"5", "10"}}));
  EXPECT_EQ(db().rows("SELECT attname, attgenerated FROM pg_attribute WHERE attrelid = 'items'::regclass AND attgenerated <> '' ORDER BY attnum"),
            (table_rows{{"total", "s"}, {"double_price", "s"}}));
  m.downgrade("c50000000001");
  EXPECT_EQ(db().column("items", "double_price"), std::nullopt);
}

TEST_F(PostgresqlColumns, VirtualGeneratedColumnIsRefusedBeforeAnythingChanges) {
  pg m{strata::history<items, add_virtual>{}, url()};
  m.upgrade("c50000000001");
  const auto what = failure_of(m);
  EXPECT_NE(what.find("add_column items.half (generated VIRTUAL): PostgreSQL 15 has STORED generated columns only; write "
                      ".generated(\"price / 2\", strata::stored) for column 'half'"),
            std::string::npos)
      << what;
  EXPECT_FALSE(db().exists("side_effect")) << "the revision rolled back";
  EXPECT_EQ(m.current(), std::vector<std::string>{"c50000000001"});
}

struct unnamed : strata::revision<"c50000000004", strata::base> {
  static constexpr std::string_view message = "unnamed constraints";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("owners", {column("id", strata::integer).primary_key()});
    op.create_table("pets", {column("id", strata::integer).primary_key(), column("owner_id", strata::integer).references("owners", "id"),
                             column("legs", strata::integer).check("legs >= 0"), column("name", strata::text), column("tag", strata::text),
                             strata::unique({"tag", "name"}), strata::check("legs < 100 AND length(name) > 0")});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("pets");
    op.drop_table("owners");
  }
};
struct drop_by_columns : strata::revision<"c50000000005", "c50000000004"> {
  static constexpr std::string_view message = "drop them by kind and columns";
  static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) {
    op.drop_constraint("pets", strata::constraint_kind::check, {"legs"});
    op.drop_constraint("pets", strata::constraint_kind::check, {"name", "legs"});
    op.drop_constraint("pets", strata::constraint_kind::unique, {"name", "tag"});
    op.drop_constraint("pets", strata::constraint_kind::foreign_key, {"owner_id"});
    op.drop_constraint("pets", strata::constraint_kind::primary_key, {});
  }
  static constexpr void downgrade(strata::ops&) {}
};

TEST_F(PostgresqlColumns, ConstraintsAreDroppedByKindAndColumnsThroughTheCatalog) {
  pg m{strata::history<unnamed, drop_by_columns>{}, url() + "?schema=app"};
  m.upgrade("c50000000004");
  ASSERT_EQ(db().constraints("app.pets").size(), 5U);
  m.upgrade();
  EXPECT_TRUE(db().constraints("app.pets").empty()) << db().constraints("app.pets").front();
}

struct drop_missing : strata::revision<"c50000000006", "c50000000004"> {
  static constexpr std::string_view message = "drop one that is not there";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("side_effect", {column("id", strata::integer)});
    op.drop_constraint("pets", strata::constraint_kind::unique, {"tag"});
  }
  static constexpr void downgrade(strata::ops&) {}
};
struct drop_ambiguous : strata::revision<"c50000000007", "c50000000004"> {
  static constexpr std::string_view message = "drop one of several";
  static constexpr void upgrade(strata::ops& op) { op.drop_constraint("pets", strata::constraint_kind::check, {}); }
  static constexpr void downgrade(strata::ops&) {}
};
}  // namespace
// Written to fail at run time: the compiler's review would refuse them first.
template <>
inline constexpr strata::review_policy strata::review_policy_for<strata::history<unnamed, drop_missing>> = strata::policy::unchecked;
template <>
inline constexpr strata::review_policy strata::review_policy_for<strata::history<unnamed, drop_ambiguous>> = strata::policy::unchecked;
namespace {

TEST_F(PostgresqlColumns, DropByKindAndColumnsSaysWhatIsWrong) {
  pg missing{strata::history<unnamed, drop_missing>{}, url()};
  missing.upgrade("c50000000004");
  auto what = failure_of(missing);
  EXPECT_NE(what.find("drop_constraint pets unique (tag): table pets has no unique constraint on exactly (tag); check the kind and the "
                      "columns, or drop the constraint by name"),
            std::string::npos)
      << what;
  EXPECT_FALSE(db().exists("side_effect")) << "rolled back";
  pg ambiguous{strata::history<unnamed, drop_ambiguous>{}, url()};
  what = failure_of(ambiguous);
  EXPECT_NE(what.find("table pets has several of them (pets_check, pets_legs_check); drop the one you mean by name"), std::string::npos) << what;
  EXPECT_EQ(db().constraints("pets").size(), 5U);
}

constexpr strata::naming_convention convention{.primary_key = "pk_%(table_name)s",
                                               .unique = "uq_%(table_name)s_%(column_0_name)s",
                                               .check = "ck_%(table_name)s_%(column_0_name)s",
                                               .foreign_key = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"};

struct named : strata::revision<"c50000000008", strata::base> {
  static constexpr std::string_view message = "constraints named by a convention";
  static constexpr void upgrade(strata::ops& op) {
    op.use_naming_convention(convention);
    op.create_table("owners", {column("id", strata::integer).primary_key()});
    op.create_table("pets", {column("id", strata::integer).primary_key(), column("owner_id", strata::integer).references("owners", "id"),
                             column("legs", strata::integer).check("legs >= 0"), column("tag", strata::text).unique()});
    op.add_column("pets", column("chip", strata::text).unique());
    op.add_constraint("pets", strata::check("length(tag) > 1"));
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("pets");
    op.drop_table("owners");
  }
};
struct drop_named : strata::revision<"c50000000009", "c50000000008"> {
  static constexpr std::string_view message = "drop them by those names";
  static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) {
    op.use_naming_convention(convention);
    op.drop_constraint("pets", "ck_pets_legs");
    op.drop_constraint("pets", "fk_pets_owner_id_owners");
    op.drop_constraint("pets", "uq_pets_chip");
  }
  static constexpr void downgrade(strata::ops&) {}
};

TEST_F(PostgresqlColumns, NamingConventionNamesConstraintsAndTheyAreDroppedByThoseNames) {
  using history = strata::history<named, drop_named>;
  pg m{history{}, url()};
  m.upgrade("c50000000008");
  EXPECT_EQ(db().constraints("pets"), (std::vector<std::string>{"ck_pets_legs c CHECK ((legs >= 0))", "ck_pets_tag c CHECK ((length(tag) > 1))",
                                                                 "fk_pets_owner_id_owners f FOREIGN KEY (owner_id) REFERENCES owners(id)",
                                                                 "pk_pets p PRIMARY KEY (id)", "uq_pets_chip u UNIQUE (chip)",
                                                                 "uq_pets_tag u UNIQUE (tag)"}));
  m.upgrade();
  EXPECT_EQ(db().constraints("pets"), (std::vector<std::string>{"ck_pets_tag c CHECK ((length(tag) > 1))", "pk_pets p PRIMARY KEY (id)",
                                                                 "uq_pets_tag u UNIQUE (tag)"}));
  // The schema model resolves the same names.
  const auto model = strata::replay<history>();
  EXPECT_FALSE(model.find_table("pets")->find_column("legs")->check_sql.has_value());
  EXPECT_FALSE(model.find_table("pets")->find_column("chip")->is_unique);
}

struct placed : strata::revision<"c50000000010", "c50000000001"> {
  static constexpr std::string_view message = "a placed column";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", column("sku", strata::text), {.insert_before = "price"}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "sku"); }
};

// PostgreSQL cannot order columns: a placed column goes last, as in Alembic outside batch mode.
TEST_F(PostgresqlColumns, PlacementIsIgnored) {
  pg m{strata::history<items, placed>{}, url()};
  m.upgrade();
  std::vector<std::string> names;
  for (const auto& c : db().columns("items")) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"id", "price", "quantity", "total", "sku"}));
}

}  // namespace
