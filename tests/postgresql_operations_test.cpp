// Every operation of strata::ops run by strata::migrator<strata::postgresql> on a real PostgreSQL
// server (a fresh database per test), checked by reading the catalog and rows back with libpqxx,
// and undone by the revision's downgrade. Skipped when no server is there (see postgresql_scratch.hpp).
#include <strata/dialect/postgresql.hpp>
#include <strata/strata.hpp>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <insightbull/migrations/history.hpp>

#include "support/postgresql_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;
using pg = strata::migrator<strata::postgresql>;

class PostgresqlOperations : public postgresql_test {};

// ---- create_table: every portable type, SERIAL keys, defaults ---------------------------------------------

namespace every_type {
struct create : strata::revision<"a00000000001", strata::base> {
  static constexpr std::string_view message = "every portable type";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("every_type", {column("id", strata::integer).primary_key(),
                                   column("big", strata::big_integer).not_null().server_default("0"),
                                   column("ratio", strata::real),
                                   column("amount", strata::float_).server_default("1.5"),
                                   column("body", strata::text).server_default("'draft'"),
                                   column("code", strata::varchar(20)).not_null(),
                                   column("active", strata::boolean).not_null().server_default("true"),
                                   column("born", strata::date),
                                   column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                                   column("payload", strata::blob),
                                   column("price", strata::sql_type("NUMERIC(12, 2)")),
                                   column("computed", strata::integer).server_default("abs(-4)"),
                                   column("joined", strata::text).server_default("'a' || 'b'"),
                                   column("quoted", strata::text).server_default("'it''s (x)'")});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("every_type"); }
};
using history = strata::history<create>;
}  // namespace every_type

TEST_F(PostgresqlOperations, CreateTableMapsEveryPortableTypeNullabilityAndDefault) {
  pg m{every_type::history{}, url()};
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"a00000000001"});
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"id", "integer"}, {"big", "bigint"}, {"ratio", "real"}, {"amount", "double precision"}, {"body", "text"},
      {"code", "character varying(20)"}, {"active", "boolean"}, {"born", "date"}, {"created_at", "timestamp without time zone"},
      {"payload", "bytea"}, {"price", "numeric(12,2)"}, {"computed", "integer"}, {"joined", "text"}, {"quoted", "text"}};
  const auto cols = db().columns("every_type");
  ASSERT_EQ(cols.size(), expected.size());
  for (std::size_t i = 0; i < cols.size(); ++i) {
    EXPECT_EQ(cols[i].name, expected[i].first);
    EXPECT_EQ(cols[i].type, expected[i].second) << cols[i].name;
  }
  EXPECT_TRUE(db().column("every_type", "id")->not_null);
  EXPECT_EQ(db().column("every_type", "id")->default_sql, "nextval('every_type_id_seq'::regclass)") << "a single integer key is SERIAL";
  EXPECT_TRUE(db().column("every_type", "big")->not_null);
  EXPECT_FALSE(db().column("every_type", "ratio")->not_null);
  EXPECT_EQ(db().column("every_type", "big")->default_sql, "0");
  EXPECT_EQ(db().column("every_type", "body")->default_sql, "'draft'::text");
  EXPECT_EQ(db().column("every_type", "created_at")->default_sql, "CURRENT_TIMESTAMP");
  EXPECT_EQ(db().column("every_type", "ratio")->default_sql, std::nullopt);
  EXPECT_EQ(db().constraints("every_type"), std::vector<std::string>{"every_type_pkey p PRIMARY KEY (id)"});

  // NOT NULL rejects a NULL; SERIAL numbers rows inserted without an id; the defaults fill the rest.
  db().exec("INSERT INTO every_type (code, payload) VALUES ('x', '\\x00ff'::bytea)");
  db().exec("INSERT INTO every_type (code) VALUES ('y')");
  EXPECT_NE(db().sql_error("INSERT INTO every_type (code) VALUES (NULL)"), std::nullopt);
  EXPECT_EQ(db().rows("SELECT id, code FROM every_type ORDER BY id"), (table_rows{{"1", "x"}, {"2", "y"}}));
  const auto row = db().rows("SELECT big, amount, body, active, created_at IS NOT NULL, ratio, computed, encode(payload, 'hex'), joined, "
                             "quoted FROM every_type WHERE id = 1")
                       .at(0);
  EXPECT_EQ(row, (std::vector<std::optional<std::string>>{"0", "1.5", "draft", "t", "t", std::nullopt, "4", "00ff", "ab", "it's (x)"}));

  EXPECT_EQ(m.downgrade("base"), std::vector<std::string>{"a00000000001"});
  EXPECT_FALSE(db().exists("every_type"));
  EXPECT_FALSE(db().exists("every_type_id_seq")) << "the SERIAL sequence goes with its table";
  EXPECT_TRUE(m.current().empty());
  EXPECT_TRUE(db().versions().empty());
}

// ---- create_table: keys, unique, foreign keys with actions, checks, named constraints ------------------------

namespace keys {
struct create : strata::revision<"b00000000001", strata::base> {
  static constexpr std::string_view message = "keys and constraints";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("owners", {column("id", strata::integer).primary_key(), column("email", strata::text).not_null().unique()});
    op.create_table("pets", {column("id", strata::big_integer).primary_key().auto_increment(),
                             column("owner_id", strata::integer).not_null().references("owners", "id", strata::referential_action::cascade),
                             column("legs", strata::integer).check("legs >= 0")});
    // A key that is also a foreign key is no SERIAL (SQLAlchemy's rule).
    op.create_table("profiles", {column("owner_id", strata::integer).primary_key().references("owners", "id"), column("bio", strata::text)});
    op.create_table("memberships", {column("club", strata::text).primary_key(), column("member", strata::integer).primary_key(),
                                    column("since", strata::date)});
    op.create_table("counters", {column("name", strata::text).primary_key(), column("n", strata::integer).auto_increment()});
    op.create_table("licences", {column("country", strata::text).not_null(),
                                 column("number", strata::text).not_null(),
                                 column("owner_id", strata::integer),
                                 column("valid_from", strata::date),
                                 column("valid_to", strata::date),
                                 strata::primary_key("pk_licences", {"country", "number"}),
                                 strata::unique("uq_licences_owner", {"owner_id", "country"}),
                                 strata::foreign_key("fk_licences_owner", {"owner_id"}, "owners", {"id"},
                                                     strata::referential_action::set_null, strata::referential_action::cascade),
                                 strata::check("ck_licences_dates", "valid_to IS NULL OR valid_to >= valid_from")});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("licences");
    op.drop_table("counters");
    op.drop_table("memberships");
    op.drop_table("profiles");
    op.drop_table("pets");
    op.drop_table("owners");
  }
};
using history = strata::history<create>;
}  // namespace keys

TEST_F(PostgresqlOperations, CreateTableKeysUniqueForeignKeysAndChecks) {
  pg m{keys::history{}, url()};
  m.upgrade();

  EXPECT_EQ(db().column("pets", "id")->type, "bigint");
  EXPECT_EQ(db().column("pets", "id")->default_sql, "nextval('pets_id_seq'::regclass)") << "BIGSERIAL";
  EXPECT_EQ(db().column("profiles", "owner_id")->default_sql, std::nullopt);
  EXPECT_EQ(db().column("memberships", "member")->default_sql, std::nullopt) << "a composite key is no SERIAL";
  EXPECT_EQ(db().column("counters", "n")->default_sql, "nextval('counters_n_seq'::regclass)") << ".auto_increment() asks for SERIAL";
  EXPECT_EQ(db().constraints("memberships"), std::vector<std::string>{"memberships_pkey p PRIMARY KEY (club, member)"});
  EXPECT_EQ(db().constraints("licences"),
            (std::vector<std::string>{"ck_licences_dates c CHECK (((valid_to IS NULL) OR (valid_to >= valid_from)))",
                                      "fk_licences_owner f FOREIGN KEY (owner_id) REFERENCES owners(id) ON UPDATE CASCADE ON DELETE SET NULL",
                                      "pk_licences p PRIMARY KEY (country, number)",
                                      "uq_licences_owner u UNIQUE (owner_id, country)"}));
  EXPECT_EQ(db().constraints("pets"),
            (std::vector<std::string>{"pets_legs_check c CHECK ((legs >= 0))",
                                      "pets_owner_id_fkey f FOREIGN KEY (owner_id) REFERENCES owners(id) ON DELETE CASCADE",
                                      "pets_pkey p PRIMARY KEY (id)"}));

  db().exec("INSERT INTO owners (email) VALUES ('a@x'), ('b@x')");
  EXPECT_NE(db().sql_error("INSERT INTO owners (email) VALUES ('a@x')"), std::nullopt) << "unique";
  db().exec("INSERT INTO pets (owner_id, legs) VALUES (1, 4), (1, 2), (2, 0)");
  auto check = db().sql_error("INSERT INTO pets (owner_id, legs) VALUES (1, -1)");
  ASSERT_NE(check, std::nullopt);
  EXPECT_NE(check->find("pets_legs_check"), std::string::npos) << *check;
  EXPECT_NE(db().sql_error("INSERT INTO pets (owner_id) VALUES (99)"), std::nullopt) << "foreign key";
  db().exec("INSERT INTO licences VALUES ('nl', '1', 1, '2020-01-01', NULL), ('be', '2', 2, '2020-01-01', '2021-01-01')");
  auto named = db().sql_error("INSERT INTO licences VALUES ('de', '3', 1, '2020-01-01', '2019-01-01')");
  ASSERT_NE(named, std::nullopt);
  EXPECT_NE(named->find("ck_licences_dates"), std::string::npos) << *named;

  db().exec("DELETE FROM owners WHERE id = 1");
  EXPECT_EQ(db().count("SELECT count(*) FROM pets"), 1) << "ON DELETE CASCADE";
  EXPECT_EQ(db().rows("SELECT country, owner_id FROM licences ORDER BY country"),
            (table_rows{{"be", "2"}, {"nl", std::nullopt}})) << "ON DELETE SET NULL";
  db().exec("DELETE FROM pets; UPDATE owners SET id = 20 WHERE id = 2");
  EXPECT_EQ(db().scalar("SELECT owner_id FROM licences WHERE country = 'be'"), "20") << "ON UPDATE CASCADE";

  m.downgrade("base");
  for (const auto* t : {"owners", "pets", "profiles", "memberships", "counters", "licences"}) EXPECT_FALSE(db().exists(t)) << t;
}

// ---- alter_column: TYPE ... USING, NOT NULL both ways, defaults set and dropped ---------------------------

namespace alter {
struct create : strata::revision<"c00000000001", strata::base> {
  static constexpr std::string_view message = "items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {column("id", strata::integer).primary_key(), column("amount", strata::text),
                              column("note", strata::text).server_default("'none'"), column("rank", strata::integer)});
    op.execute("INSERT INTO items (amount, note, rank) VALUES ('12', 'a', 1), (' 7', 'b', 2), ('30', 'c', 3)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};
struct change : strata::revision<"c00000000002", "c00000000001"> {
  static constexpr std::string_view message = "typed amount";
  static constexpr void upgrade(strata::ops& op) {
    op.alter_column("items", "amount",
                    {.type = strata::integer, .nullable = false, .server_default = "0", .using_sql = "trim(amount)::integer"});
    op.alter_column("items", "note", {.nullable = false, .drop_default = true});
    op.alter_column("items", "rank", {.type = strata::big_integer});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.alter_column("items", "rank", {.type = strata::integer});
    op.alter_column("items", "note", {.nullable = true, .server_default = "'none'"});
    op.alter_column("items", "amount", {.type = strata::text, .nullable = true, .drop_default = true, .using_sql = "amount::text"});
  }
};
using history = strata::history<create, change>;
}  // namespace alter

TEST_F(PostgresqlOperations, AlterColumnTypeUsingNullabilityAndDefaults) {
  pg m{alter::history{}, url()};
  m.upgrade();
  auto amount = db().column("items", "amount");
  EXPECT_EQ(amount->type, "integer");
  EXPECT_TRUE(amount->not_null);
  EXPECT_EQ(amount->default_sql, "0");
  EXPECT_EQ(db().rows("SELECT amount FROM items ORDER BY id"), (table_rows{{"12"}, {"7"}, {"30"}})) << "converted with USING";
  auto note = db().column("items", "note");
  EXPECT_TRUE(note->not_null);
  EXPECT_EQ(note->default_sql, std::nullopt);
  EXPECT_EQ(db().column("items", "rank")->type, "bigint");
  db().exec("INSERT INTO items (note) VALUES ('d')");
  EXPECT_EQ(db().scalar("SELECT amount FROM items WHERE note = 'd'"), "0") << "the new default";
  EXPECT_NE(db().sql_error("INSERT INTO items (amount) VALUES (1)"), std::nullopt) << "note is NOT NULL without a default now";

  m.downgrade("c00000000001");
  amount = db().column("items", "amount");
  EXPECT_EQ(amount->type, "text");
  EXPECT_FALSE(amount->not_null);
  EXPECT_EQ(amount->default_sql, std::nullopt);
  note = db().column("items", "note");
  EXPECT_FALSE(note->not_null);
  EXPECT_EQ(note->default_sql, "'none'::text");
  EXPECT_EQ(db().column("items", "rank")->type, "integer");
  EXPECT_EQ(db().rows("SELECT amount, note FROM items ORDER BY id"), (table_rows{{"12", "a"}, {"7", "b"}, {"30", "c"}, {"0", "d"}}));
  EXPECT_EQ(m.current(), std::vector<std::string>{"c00000000001"});
}

// ---- add/drop column, add/drop constraint ------------------------------------------------------------------

namespace constraints {
struct create : strata::revision<"d00000000001", strata::base> {
  static constexpr std::string_view message = "people";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("teams", {column("id", strata::integer).primary_key(), column("name", strata::text)});
    op.create_table("people", {column("id", strata::integer).primary_key(), column("email", strata::text), column("age", strata::integer),
                               column("team_id", strata::integer)});
    op.execute("INSERT INTO teams (name) VALUES ('red'); INSERT INTO people (email, age, team_id) VALUES ('a@x', 30, 1), ('b@x', 40, NULL)");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("people");
    op.drop_table("teams");
  }
};
struct add : strata::revision<"d00000000002", "d00000000001"> {
  static constexpr std::string_view message = "constraints";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("people", column("score", strata::integer).not_null().server_default("10"));
    op.add_column("people", column("nick", strata::varchar(12)).unique());
    op.add_constraint("people", strata::unique("uq_people_email", {"email"}));
    op.add_constraint("people", strata::check("ck_people_age", "age >= 0"));
    op.add_constraint("people", strata::foreign_key("fk_people_team", {"team_id"}, "teams", {"id"}, strata::referential_action::cascade));
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_constraint("people", "fk_people_team");
    op.drop_constraint("people", "ck_people_age");
    op.drop_constraint("people", "uq_people_email");
    op.drop_column("people", "nick");
    op.drop_column("people", "score");
  }
};
using history = strata::history<create, add>;
}  // namespace constraints

TEST_F(PostgresqlOperations, AddAndDropColumnsAndConstraints) {
  pg m{constraints::history{}, url()};
  m.upgrade();
  EXPECT_EQ(db().rows("SELECT score, nick FROM people ORDER BY id"), (table_rows{{"10", std::nullopt}, {"10", std::nullopt}}))
      << "existing rows get the default";
  EXPECT_TRUE(db().column("people", "score")->not_null);
  EXPECT_EQ(db().column("people", "nick")->type, "character varying(12)");
  EXPECT_EQ(db().constraints("people"),
            (std::vector<std::string>{"ck_people_age c CHECK ((age >= 0))",
                                      "fk_people_team f FOREIGN KEY (team_id) REFERENCES teams(id) ON DELETE CASCADE",
                                      "people_nick_key u UNIQUE (nick)", "people_pkey p PRIMARY KEY (id)",
                                      "uq_people_email u UNIQUE (email)"}));
  EXPECT_NE(db().sql_error("INSERT INTO people (email) VALUES ('a@x')"), std::nullopt);
  EXPECT_NE(db().sql_error("INSERT INTO people (age) VALUES (-1)"), std::nullopt);
  db().exec("DELETE FROM teams");
  EXPECT_EQ(db().count("SELECT count(*) FROM people"), 1) << "the added foreign key cascades";

  m.downgrade("d00000000001");
  EXPECT_EQ(db().constraints("people"), std::vector<std::string>{"people_pkey p PRIMARY KEY (id)"});
  EXPECT_EQ(db().column("people", "score"), std::nullopt);
  db().exec("INSERT INTO people (email, age) VALUES ('b@x', -5)");
  EXPECT_EQ(db().count("SELECT count(*) FROM people"), 2);
}

// ---- indexes: unique, partial, concurrently (in a non-transactional revision) --------------------------------

std::vector<strata::connection::row> seen_outside_transaction;

// In a non-transactional revision, run(fn) works in autocommit.
void count_events(strata::connection& db) {
  seen_outside_transaction = db.query("SELECT count(*), $1::text FROM events", {std::nullopt});
  db.execute("CREATE TABLE event_counts (n INTEGER)");
  db.native<pqxx::transaction_base>().exec_params("INSERT INTO event_counts VALUES ($1)", 200);
  EXPECT_EQ(db.query("SELECT now() = statement_timestamp()").at(0).at(0), "t") << "no transaction is open";
}

namespace indexes {
struct create : strata::revision<"e00000000001", strata::base> {
  static constexpr std::string_view message = "events";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("events", {column("id", strata::integer).primary_key(), column("kind", strata::text).not_null(),
                               column("at", strata::datetime), column("deleted", strata::boolean).not_null().server_default("false")});
    op.execute("INSERT INTO events (kind, at) SELECT 'k' || (g % 10), now() FROM generate_series(1, 200) g");
    op.create_index("ix_events_kind_at", "events", {"kind", "at"});
    op.create_index("uq_events_live_id", "events", {"id", "kind"}, {.unique = true, .where = "NOT deleted"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("uq_events_live_id", "events");
    op.drop_index("ix_events_kind_at");
    op.drop_table("events");
  }
};
struct concurrently : strata::revision<"e00000000002", "e00000000001"> {
  static constexpr std::string_view message = "index without blocking writes";
  [[maybe_unused]] static constexpr bool irreversible = true;  // read by strata::review, which these tests do not run
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) {
    op.run(&count_events, "count events");
    op.create_index("ix_events_at", "events", {"at"}, {.concurrently = true});
    op.create_index("uq_events_kind_id", "events", {"kind", "id"}, {.unique = true, .concurrently = true});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("uq_events_kind_id");
    op.drop_index("ix_events_at");
    op.drop_table("event_counts");
  }
};
using history = strata::history<create, concurrently>;
}  // namespace indexes

TEST_F(PostgresqlOperations, IndexesUniquePartialAndConcurrently) {
  pg m{indexes::history{}, url()};
  EXPECT_EQ(m.upgrade(), (std::vector<std::string>{"e00000000001", "e00000000002"}));
  EXPECT_EQ(db().index_definition("ix_events_kind_at"), "CREATE INDEX ix_events_kind_at ON public.events USING btree (kind, at)");
  EXPECT_EQ(db().index_definition("uq_events_live_id"),
            "CREATE UNIQUE INDEX uq_events_live_id ON public.events USING btree (id, kind) WHERE (NOT deleted)");
  EXPECT_EQ(db().index_definition("uq_events_kind_id"), "CREATE UNIQUE INDEX uq_events_kind_id ON public.events USING btree (kind, id)");
  EXPECT_EQ(db().scalar("SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = 'events'::regclass"), "t");
  EXPECT_EQ(db().versions(), std::vector<std::string>{"e00000000002"}) << "the version row of a non-transactional revision";
  EXPECT_EQ(seen_outside_transaction, (std::vector<strata::connection::row>{{"200", std::nullopt}}));
  EXPECT_EQ(db().scalar("SELECT n FROM event_counts"), "200");

  m.downgrade("e00000000001");
  EXPECT_FALSE(db().exists("ix_events_at"));
  EXPECT_FALSE(db().exists("uq_events_kind_id"));
  EXPECT_TRUE(db().exists("ix_events_kind_at"));
  m.downgrade("base");
  EXPECT_FALSE(db().exists("events"));
}

// ---- rename table and column, execute with several statements ---------------------------------------------

namespace renames {
struct create : strata::revision<"f00000000001", strata::base> {
  static constexpr std::string_view message = "customers";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("customers", {column("id", strata::integer).primary_key(), column("fullname", strata::text)});
    op.create_index("ix_customers_fullname", "customers", {"fullname"});
    op.execute("INSERT INTO customers (fullname) VALUES ('Ada');\nINSERT INTO customers (fullname) VALUES ('Grace');\n"
               "UPDATE customers SET fullname = fullname || '!' WHERE id = 2");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("customers"); }
};
struct rename : strata::revision<"f00000000002", "f00000000001"> {
  static constexpr std::string_view message = "clients";
  static constexpr void upgrade(strata::ops& op) {
    op.rename_table("customers", "clients");
    op.rename_column("clients", "fullname", "name");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.rename_column("clients", "name", "fullname");
    op.rename_table("clients", "customers");
  }
};
using history = strata::history<create, rename>;
}  // namespace renames

TEST_F(PostgresqlOperations, RenameTableAndColumnKeepRowsAndIndexes) {
  pg m{renames::history{}, url()};
  m.upgrade();
  EXPECT_FALSE(db().exists("customers"));
  EXPECT_EQ(db().rows("SELECT id, name FROM clients ORDER BY id"), (table_rows{{"1", "Ada"}, {"2", "Grace!"}}));
  EXPECT_EQ(db().index_definition("ix_customers_fullname"), "CREATE INDEX ix_customers_fullname ON public.clients USING btree (name)");
  db().exec("INSERT INTO clients (name) VALUES ('Edsger')");
  EXPECT_EQ(db().scalar("SELECT id FROM clients WHERE name = 'Edsger'"), "3") << "the SERIAL goes on counting";
  m.downgrade("f00000000001");
  EXPECT_EQ(db().rows("SELECT id, fullname FROM customers ORDER BY id"), (table_rows{{"1", "Ada"}, {"2", "Grace!"}, {"3", "Edsger"}}));
}

// ---- run(fn): parameters, NULL, native handles ----------------------------------------------------------------

std::vector<strata::connection::row> seen_by_run;

void data_migration(strata::connection& db) {
  EXPECT_EQ(db.dialect(), "postgresql");
  db.execute("INSERT INTO notes (body, extra) VALUES ('plain', 'x'); INSERT INTO notes (body, extra) VALUES ('second', 'y')");
  db.query("INSERT INTO notes (body, extra) VALUES ($1, $2)", {"it's $1", std::nullopt});
  db.query("UPDATE notes SET extra = upper($1) WHERE body = $2", {"changed", "second"});
  seen_by_run = db.query("SELECT body, extra FROM notes WHERE extra IS NULL OR extra = $1 ORDER BY id", {"CHANGED"});
  // The native handles: the revision's transaction, and the connection.
  auto& tx = db.native<pqxx::transaction_base>();
  tx.exec_params("INSERT INTO notes (body) VALUES ($1)", "native");
  EXPECT_EQ(std::string(db.native<pqxx::connection>().dbname()), db.query("SELECT current_database()").at(0).at(0).value());
  EXPECT_THROW(db.native<std::string>(), std::logic_error);
}

void failing_data_migration(strata::connection& db) {
  db.execute("INSERT INTO notes (body) VALUES ('doomed')");
  throw std::runtime_error("the data is not what this migration expects");
}

namespace data {
struct create : strata::revision<"a10000000001", strata::base> {
  static constexpr std::string_view message = "notes";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("notes", {column("id", strata::integer).primary_key(), column("body", strata::text).not_null(),
                              column("extra", strata::text)});
    op.run(&data_migration, "fill notes");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("notes"); }
};
struct failing : strata::revision<"a10000000002", "a10000000001"> {
  static constexpr std::string_view message = "failing data migration";
  static constexpr void upgrade(strata::ops& op) { op.run(&failing_data_migration, "check notes"); }
  static constexpr void downgrade(strata::ops&) {}
};
using history = strata::history<create, failing>;
}  // namespace data

TEST_F(PostgresqlOperations, RunGetsTheTransactionWithParametersAndNull) {
  seen_by_run.clear();
  pg m{data::history{}, url()};
  EXPECT_EQ(m.upgrade("a10000000001"), std::vector<std::string>{"a10000000001"});
  EXPECT_EQ(seen_by_run, (std::vector<strata::connection::row>{{"second", "CHANGED"}, {"it's $1", std::nullopt}}));
  EXPECT_EQ(db().rows("SELECT body, extra FROM notes ORDER BY id"),
            (table_rows{{"plain", "x"}, {"second", "CHANGED"}, {"it's $1", std::nullopt}, {"native", std::nullopt}}));

  try {
    m.upgrade();
    FAIL() << "the data migration throws";
  } catch (const strata::migration_failed& e) {
    EXPECT_EQ(e.operation(), "run check notes");
    EXPECT_NE(std::string(e.what()).find("the data is not what this migration expects"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rolled back"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db().count("SELECT count(*) FROM notes WHERE body = 'doomed'"), 0) << "rolled back with its revision";
  EXPECT_EQ(m.current(), std::vector<std::string>{"a10000000001"});
}

// ---- a group's statements, sent together ------------------------------------------------------------------

void read_seen(strata::connection& db) { seen_by_run = db.query("SELECT count(*) FROM seen WHERE later IS NULL"); }

namespace together {
struct create : strata::revision<"a20000000001", strata::base> {
  static constexpr std::string_view message = "seen";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("seen", {column("id", strata::integer).primary_key(), column("q", strata::text)});
    op.create_index("ix_seen_q", "seen", {"q"});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("seen"); }
};
struct record : strata::revision<"a20000000002", "a20000000001"> {
  static constexpr std::string_view message = "the query string this statement came in";
  static constexpr void upgrade(strata::ops& op) { op.execute("INSERT INTO seen (q) SELECT current_query()"); }
  static constexpr void downgrade(strata::ops& op) { op.execute("DELETE FROM seen"); }
};
struct later : strata::revision<"a20000000003", "a20000000002"> {
  static constexpr std::string_view message = "a column, then a data migration that reads it";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("seen", column("later", strata::text));
    op.run(&read_seen, "read seen");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("seen", "later"); }
};
using history = strata::history<create, record, later>;
}  // namespace together

// In tx_mode all the statements of the group's revisions (here four: more than the three round
// trips of the savepoint around them) go to the server in one query string (strata::HoldsStatements),
// sent before a data migration runs, which sees them applied; in one transaction per revision, each
// revision's own.
TEST_F(PostgresqlOperations, AGroupsStatementsGoToTheServerTogether) {
  strata::migrator_options all;
  all.transactions = strata::transaction_mode::all;
  seen_by_run.clear();
  pg grouped{together::history{}, all, url()};
  EXPECT_EQ(grouped.upgrade().size(), 3U);
  const auto q = db().rows("SELECT q FROM seen").at(0).at(0).value();
  EXPECT_NE(q.find("CREATE TABLE"), std::string::npos) << q;
  EXPECT_NE(q.find("INSERT INTO seen (q) SELECT current_query()"), std::string::npos) << q;
  EXPECT_NE(q.find("ADD COLUMN"), std::string::npos) << q;
  EXPECT_NE(q.find("later"), std::string::npos) << q;
  EXPECT_EQ(seen_by_run, (std::vector<strata::connection::row>{{"1"}}));

  pg{together::history{}, url()}.downgrade("base");
  seen_by_run.clear();
  pg per_revision{together::history{}, url()};
  EXPECT_EQ(per_revision.upgrade().size(), 3U);
  EXPECT_EQ(db().rows("SELECT q FROM seen"), (table_rows{{"INSERT INTO seen (q) SELECT current_query()"}}));
  EXPECT_EQ(seen_by_run, (std::vector<strata::connection::row>{{"1"}}));
}

// ---- the schema option ------------------------------------------------------------------------------------

namespace schemas {
struct first : strata::revision<"b10000000001", strata::base> {
  static constexpr std::string_view message = "accounts";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("accounts", {column("id", strata::integer).primary_key(), column("name", strata::text).unique()});
    op.create_table("entries", {column("id", strata::integer).primary_key(), column("account_id", strata::integer).references("accounts", "id")});
    op.create_index("ix_entries_account", "entries", {"account_id"});
    op.execute("INSERT INTO accounts (name) VALUES ('cash')");  // unqualified: the search_path is the schema
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_entries_account");
    op.drop_table("entries");
    op.drop_table("accounts");
  }
};
struct second : strata::revision<"b10000000002", "b10000000001"> {
  static constexpr std::string_view message = "balance";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("accounts", column("balance", strata::integer).server_default("0"));
    op.alter_column("accounts", "balance", {.nullable = false});
    op.rename_table("entries", "ledger");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.rename_table("ledger", "entries");
    op.drop_column("accounts", "balance");
  }
};
using history = strata::history<first, second>;
}  // namespace schemas

TEST_F(PostgresqlOperations, SchemaOptionPutsTablesAndVersionTableThere) {
  pg m{schemas::history{}, url() + "?schema=ledger_app"};
  EXPECT_TRUE(m.current().empty()) << "a missing schema reads as base";
  EXPECT_EQ(db().scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'ledger_app'"), "0") << "reading creates nothing";
  m.upgrade();
  EXPECT_EQ(db().versions("ledger_app.alembic_version"), std::vector<std::string>{"b10000000002"});
  EXPECT_FALSE(db().exists("public.alembic_version"));
  EXPECT_FALSE(db().exists("public.accounts"));
  EXPECT_EQ(db().rows("SELECT name, balance FROM ledger_app.accounts"), (table_rows{{"cash", "0"}}));
  EXPECT_TRUE(db().exists("ledger_app.ledger"));
  EXPECT_TRUE(db().exists("ledger_app.ix_entries_account"));
  EXPECT_EQ(db().constraints("ledger_app.ledger").at(0), "entries_account_id_fkey f FOREIGN KEY (account_id) REFERENCES ledger_app.accounts(id)");
  m.downgrade("base");
  EXPECT_FALSE(db().exists("ledger_app.accounts"));
  EXPECT_TRUE(db().versions("ledger_app.alembic_version").empty());
}

TEST_F(PostgresqlOperations, TwoSchemasInOneDatabaseAreIndependent) {
  pg one{schemas::history{}, url() + "?schema=tenant_one"};
  pg two{schemas::history{}, strata::migrator_options{}, url(), strata::postgresql_options{.schema = "tenant two"}};
  one.upgrade();
  two.upgrade("b10000000001");
  EXPECT_EQ(one.current(), std::vector<std::string>{"b10000000002"});
  EXPECT_EQ(two.current(), std::vector<std::string>{"b10000000001"});
  EXPECT_TRUE(db().exists("tenant_one.ledger"));
  EXPECT_TRUE(db().exists("\"tenant two\".entries"));
  one.downgrade("base");
  EXPECT_EQ(two.current(), std::vector<std::string>{"b10000000001"});
  EXPECT_TRUE(db().exists("\"tenant two\".accounts"));
  EXPECT_NE(strata::postgresql::lock_key("tenant_one", "alembic_version"), strata::postgresql::lock_key("tenant two", "alembic_version"))
      << "each schema has its own migration lock";
  EXPECT_EQ(db().versions("\"tenant two\".alembic_version"), std::vector<std::string>{"b10000000001"});
}

TEST_F(PostgresqlOperations, CallersConnectionIsUsedAsItIs) {
  pqxx::connection mine("dbname='" + db().name() + "'");
  {
    pg m{schemas::history{}, mine};
    EXPECT_EQ(m.upgrade().size(), 2U);
    EXPECT_EQ(&m.dialect().database(), &mine);
  }
  EXPECT_TRUE(db().exists("public.accounts"));
  pg in_schema{schemas::history{}, strata::migrator_options{}, mine, strata::postgresql_options{.schema = "borrowed"}};
  in_schema.upgrade();
  EXPECT_EQ(scalar(mine, "SELECT current_schema()"), "borrowed") << "the schema option sets the connection's search_path";
  EXPECT_EQ(db().versions("borrowed.alembic_version"), std::vector<std::string>{"b10000000002"});
  EXPECT_TRUE(mine.is_open());
}

// ---- Alembic's version table ----------------------------------------------------------------------------------

TEST_F(PostgresqlOperations, VersionTableHasAlembicsLayout) {
  pg m{schemas::history{}, url()};
  m.upgrade("b10000000001");
  const auto cols = db().columns("alembic_version");
  ASSERT_EQ(cols.size(), 1U);
  EXPECT_EQ(cols[0].name, "version_num");
  EXPECT_EQ(cols[0].type, "character varying(32)");
  EXPECT_TRUE(cols[0].not_null);
  EXPECT_EQ(db().constraints("alembic_version"), std::vector<std::string>{"alembic_version_pkc p PRIMARY KEY (version_num)"});

  // A database Alembic stamped is read as is; a custom version table name works too.
  db().exec("DELETE FROM alembic_version; INSERT INTO alembic_version VALUES ('b10000000002')");
  EXPECT_EQ(m.current(), std::vector<std::string>{"b10000000002"});
  EXPECT_TRUE(m.pending().empty());
  pg custom{schemas::history{}, strata::migrator_options{.version_table = "schema_history"}, url() + "?schema=other"};
  custom.stamp("head");
  EXPECT_EQ(db().versions("other.schema_history"), std::vector<std::string>{"b10000000002"});
  EXPECT_EQ(db().constraints("other.schema_history"), std::vector<std::string>{"schema_history_pkc p PRIMARY KEY (version_num)"});
}

// ---- quoted identifiers ---------------------------------------------------------------------------------------

namespace quoting {
struct create : strata::revision<"c10000000001", strata::base> {
  static constexpr std::string_view message = "odd names";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("select \"weird\" table", {column("order", strata::integer).primary_key(), column("a \"quoted\" col", strata::text),
                                                column("with space", strata::integer).check("\"with space\" > 0"),
                                                strata::unique("uq \"odd\"", {"a \"quoted\" col"})});
    op.create_index("ix \"odd\" index", "select \"weird\" table", {"with space", "a \"quoted\" col"});
    op.execute("INSERT INTO \"select \"\"weird\"\" table\" (\"a \"\"quoted\"\" col\", \"with space\") VALUES ('x', 1)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("select \"weird\" table"); }
};
struct alter : strata::revision<"c10000000002", "c10000000001"> {
  static constexpr std::string_view message = "odd alterations";
  static constexpr void upgrade(strata::ops& op) {
    op.alter_column("select \"weird\" table", "with space", {.type = strata::big_integer, .server_default = "2"});
    op.rename_column("select \"weird\" table", "a \"quoted\" col", "user");
    op.drop_constraint("select \"weird\" table", "uq \"odd\"");
    op.rename_table("select \"weird\" table", "table");
    op.drop_index("ix \"odd\" index");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.create_index("ix \"odd\" index", "table", {"with space", "user"});
    op.rename_table("table", "select \"weird\" table");
    op.add_constraint("select \"weird\" table", strata::unique("uq \"odd\"", {"user"}));
    op.rename_column("select \"weird\" table", "user", "a \"quoted\" col");
    op.alter_column("select \"weird\" table", "with space", {.type = strata::integer, .drop_default = true});
  }
};
using history = strata::history<create, alter>;
}  // namespace quoting

TEST_F(PostgresqlOperations, IdentifiersWithQuotesSpacesAndKeywordsAreQuoted) {
  for (const std::string schema : {"", "my \"odd\" schema"}) {
    SCOPED_TRACE("schema '" + schema + "'");
    pg m{quoting::history{}, strata::migrator_options{}, url(), strata::postgresql_options{.schema = schema}};
    std::string prefix;
    if (!schema.empty()) prefix = "\"my \"\"odd\"\" schema\".";
    m.upgrade("c10000000001");
    const auto table = prefix + "\"select \"\"weird\"\" table\"";
    EXPECT_EQ(db().rows("SELECT \"order\", \"a \"\"quoted\"\" col\", \"with space\" FROM " + table), (table_rows{{"1", "x", "1"}}));
    EXPECT_TRUE(db().exists(prefix + "\"ix \"\"odd\"\" index\""));
    EXPECT_NE(db().sql_error("INSERT INTO " + table + " (\"with space\") VALUES (0)"), std::nullopt) << "the CHECK";
    m.upgrade();
    EXPECT_EQ(db().rows("SELECT \"order\", \"user\", \"with space\" FROM " + prefix + "\"table\""), (table_rows{{"1", "x", "1"}}));
    EXPECT_EQ(db().column(prefix + "\"table\"", "with space")->type, "bigint");
    EXPECT_FALSE(db().exists(prefix + "\"ix \"\"odd\"\" index\""));
    m.downgrade("base");
    EXPECT_FALSE(db().exists(table));
    EXPECT_FALSE(db().exists(prefix + "\"table\""));
  }
}

// ---- location(): the password never shows ------------------------------------------------------------------

TEST_F(PostgresqlOperations, DescribeMasksThePassword) {
  const auto password = environment("PGPASSWORD");
  strata::postgresql d{url() + "?application_name=strata_test&connect_timeout=10"};
  const auto text = d.location();
  EXPECT_NE(text.find("/" + db().name()), std::string::npos) << text;
  EXPECT_NE(text.find("application_name=strata_test"), std::string::npos) << text;
  if (!password.empty()) {
    EXPECT_NE(text.find(":***@"), std::string::npos) << text;
    EXPECT_EQ(text.find(url_encode(password)), std::string::npos) << text;
  }
  EXPECT_EQ(scalar(d.database(), "SELECT current_setting('application_name')"), "strata_test") << "libpq keywords pass through";

  // Built from the live connection when it came from the environment or the caller.
  pqxx::connection& own = db().connection();
  strata::postgresql borrowed{own};
  EXPECT_EQ(borrowed.location(), "postgresql://" + std::string(own.username()) + "@" +
                                     (std::string(own.hostname()).starts_with('/') ? "" : std::string(own.hostname())) + ":" +
                                     own.port() + "/" + db().name() +
                                     (std::string(own.hostname()).starts_with('/') ? "?host=" + std::string(own.hostname()) : ""));

  // A password given as a parameter is masked too.
  if (!password.empty()) {
    auto plain = url();
    plain.erase(plain.find(":" + url_encode(password) + "@"), url_encode(password).size() + 1);
    strata::postgresql p{plain + "?password=" + url_encode(password)};
    EXPECT_EQ(p.location(), plain + "?password=***");
  }
}

// ---- objects() and drop_objects() --------------------------------------------------------------------------

namespace catalog {
struct create : strata::revision<"d10000000001", strata::base> {
  static constexpr std::string_view message = "a schema with everything";
  [[maybe_unused]] static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("parents", {column("id", strata::integer).primary_key(), column("name", strata::text).unique()});
    op.create_table("children", {column("id", strata::integer).primary_key(), column("parent_id", strata::integer).references("parents", "id"),
                                 column("ticket", strata::big_integer).server_default("nextval('tickets')")});
    op.create_index("ix_children_parent", "children", {"parent_id"});
    // A cycle: parents references children too.
    op.add_column("parents", column("favourite_id", strata::integer));
    op.add_constraint("parents", strata::foreign_key("fk_parents_favourite", {"favourite_id"}, "children", {"id"}));
    op.execute("CREATE VIEW named_children AS SELECT c.id, p.name FROM children c JOIN parents p ON p.id = c.parent_id");
    op.execute("CREATE VIEW counted AS SELECT count(*) AS n FROM named_children");
    op.execute("CREATE MATERIALIZED VIEW parent_names AS SELECT name FROM parents");
    op.execute("CREATE INDEX ix_parent_names ON parent_names (name)");
    op.execute("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$");
    op.execute("CREATE TRIGGER tr_children_touch BEFORE UPDATE ON children FOR EACH ROW EXECUTE FUNCTION touch()");
    // Types a column, a domain, a composite and a function use; a range type (with constructor
    // functions of its own, not listed); overloads; a procedure.
    op.execute("CREATE TYPE mood AS ENUM ('ok', 'bad')");
    op.execute("CREATE DOMAIN good_mood AS mood CHECK (VALUE = 'ok')");
    op.execute("CREATE TYPE pair AS (a good_mood, b integer)");
    op.execute("CREATE TYPE floatrange AS RANGE (subtype = float8)");
    op.execute("ALTER TABLE parents ADD COLUMN feeling good_mood");
    op.execute("CREATE FUNCTION score(n integer) RETURNS integer LANGUAGE sql AS $$ SELECT n + 1 $$");
    op.execute("CREATE FUNCTION score(p pair) RETURNS integer LANGUAGE sql AS $$ SELECT (p).b $$");
    op.execute("CREATE PROCEDURE \"Tidy Up\"() LANGUAGE sql AS $$ SELECT 1 $$");
  }
  static constexpr void downgrade(strata::ops&) {}
};
using history = strata::history<create>;
}  // namespace catalog

TEST_F(PostgresqlOperations, ObjectsListsTheSchemaInDropOrderAndDropObjectsDropsThem) {
  db().exec("CREATE SEQUENCE tickets");
  pg m{catalog::history{}, url()};
  m.upgrade();
  auto objects = m.dialect().objects();
  std::vector<std::string> listed;
  for (const auto& o : objects) listed.push_back(o.type + " " + o.name + (o.table.empty() ? "" : " on " + o.table));
  EXPECT_EQ(listed, (std::vector<std::string>{"trigger tr_children_touch on children", "view counted", "view named_children",
                                              "materialized view parent_names", "index ix_children_parent on children",
                                              "index ix_parent_names on parent_names", "table alembic_version", "table alembic_version_history", "table children",
                                              "table parents", "sequence tickets", "procedure Tidy Up()", "function score(n integer)",
                                              "function score(p pair)", "function touch()", "type floatrange", "type good_mood",
                                              "type mood", "type pair"}));
  for (const auto& o : objects)
    if (o.name == "children") {
      EXPECT_EQ(o.columns, (std::vector<std::string>{"id", "parent_id", "ticket"}));
    }

  // Something not listed that depends on a listed table: nothing is dropped, and the message says why.
  db().exec("CREATE VIEW outside_the_list AS SELECT * FROM parents");
  auto all = objects;
  try {
    m.dialect().drop_objects(all, "alembic_version");
    FAIL() << "a view that is not listed depends on parents";
  } catch (const strata::operation_failed& e) {
    EXPECT_NE(std::string(e.what()).find("table 'parents'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nothing was dropped"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(db().exists("counted"));
  EXPECT_TRUE(db().exists("children"));
  db().exec("DROP VIEW outside_the_list");

  m.dialect().drop_objects(objects, "alembic_version");
  EXPECT_TRUE(m.dialect().objects().empty());
  EXPECT_EQ(db().scalar("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"),
            "0");
  EXPECT_EQ(db().scalar("SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema()"),
            "0");
  EXPECT_TRUE(m.current().empty());
  db().exec("CREATE SEQUENCE tickets");  // made outside the history, as above
  m.upgrade();  // and the history runs again on the emptied schema (CREATE TYPE, CREATE FUNCTION)
  EXPECT_EQ(m.dialect().objects().size(), objects.size());
}

// ---- InsightBull: rows kept through downgrade and upgrade ------------------------------------------------------

TEST_F(PostgresqlOperations, InsightBullKeepsRowsThroughDowngradeAndUpgrade) {
  pg m{migrations::history{}, url()};  // examples/insightbull's revisions
  EXPECT_EQ(m.upgrade("3b1f0c2d4e5a"), (std::vector<std::string>{"8653cc238299", "3b1f0c2d4e5a"}));
  db().exec("INSERT INTO stocks (symbol, name, sector) VALUES ('AAPL', 'Apple', 'Tech'), ('XOM', 'Exxon', 'Energy')");
  db().exec("INSERT INTO sentiment_data (stock_id, source, score, sentiment_confidence) VALUES (1, 'news', 0.5, 0.9), (2, 'x', -0.25, NULL)");
  db().exec("INSERT INTO stock_prices (stock_id, ts, close, volume) VALUES (1, '2024-01-02 10:00', 185.5, 1000000)");
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"c7d2a9e1f0b3"});
  EXPECT_EQ(db().rows("SELECT symbol, market_cap FROM stocks ORDER BY id"), (table_rows{{"AAPL", "0"}, {"XOM", "0"}}));
  EXPECT_TRUE(db().column("stocks", "market_cap")->not_null);
  EXPECT_NE(db().sql_error("INSERT INTO stock_prices (stock_id, ts) VALUES (1, '2024-01-02 10:00')"), std::nullopt);

  EXPECT_EQ(m.downgrade("8653cc238299"), (std::vector<std::string>{"c7d2a9e1f0b3", "3b1f0c2d4e5a"}));
  EXPECT_EQ(db().column("sentiment_data", "sentiment_confidence"), std::nullopt);
  EXPECT_EQ(db().rows("SELECT s.symbol, d.source, d.score FROM sentiment_data d JOIN stocks s ON s.id = d.stock_id ORDER BY d.id"),
            (table_rows{{"AAPL", "news", "0.5"}, {"XOM", "x", "-0.25"}}));
  EXPECT_EQ(m.upgrade(), (std::vector<std::string>{"3b1f0c2d4e5a", "c7d2a9e1f0b3"}));
  EXPECT_EQ(db().count("SELECT count(*) FROM stock_prices"), 1);
  db().exec("DELETE FROM stocks WHERE symbol = 'AAPL'");
  EXPECT_EQ(db().count("SELECT count(*) FROM stock_prices"), 0) << "ON DELETE CASCADE";
  EXPECT_EQ(db().versions(), std::vector<std::string>{"c7d2a9e1f0b3"});
}

}  // namespace
